"""``fingan bench throughput``: training steps/s, samples/s and memory per recipe (see fingan.bench.throughput)."""

import sys

from fingan.bench.throughput import main

if __name__ == "__main__":
    sys.exit(main())
