"""``fingan bench correlations``: CorrGAN vs LKJ, spectrum and bootstrap matrices (see fingan.bench.correlations)."""

import sys

from fingan.bench.correlations import main

if __name__ == "__main__":
    sys.exit(main())
