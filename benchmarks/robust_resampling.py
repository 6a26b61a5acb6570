"""``fingan bench robust-resampling``: the robust GAN estimator over many repetitions (see fingan.bench.robust_resampling)."""

import sys

from fingan.bench.robust_resampling import main

if __name__ == "__main__":
    sys.exit(main())
