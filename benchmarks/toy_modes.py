"""``fingan bench toy-modes``: modes captured on ring-8 and grid-25 per GAN variant (see fingan.bench.toy_modes)."""

import sys

from fingan.bench.toy_modes import main

if __name__ == "__main__":
    sys.exit(main())
