"""``fingan bench scale``: nearest correlation, vectorised facts and streaming at scale (see fingan.bench.scale)."""

import sys

from fingan.bench.scale import main

if __name__ == "__main__":
    sys.exit(main())
