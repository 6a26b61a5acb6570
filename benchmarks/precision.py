"""``fingan bench precision``: bf16 against float32 on the CPU (see fingan.bench.precision)."""

import sys

from fingan.bench.precision import main

if __name__ == "__main__":
    sys.exit(main())
