"""``fingan bench toy-resampling``: the robust GAN estimator over many repetitions (see fingan.bench.toy_resampling)."""

import sys

from fingan.bench.toy_resampling import main

if __name__ == "__main__":
    sys.exit(main())
