"""``fingan bench robust-location``: robust mean estimation under contamination (see fingan.bench.robust_location)."""

import sys

from fingan.bench.robust_location import main

if __name__ == "__main__":
    sys.exit(main())
