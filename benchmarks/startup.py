"""``fingan bench startup``: how fast fingan --help and import fingan come back (see fingan.bench.startup)."""

import sys

from fingan.bench.startup import main

if __name__ == "__main__":
    sys.exit(main())
