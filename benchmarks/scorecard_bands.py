"""``fingan bench scorecard-bands``: facts passed per kind of path under the sampling bands (see fingan.bench.scorecard_bands)."""

import sys

from fingan.bench.scorecard_bands import main

if __name__ == "__main__":
    sys.exit(main())
