"""``fingan bench resampling``: the GAN as a resampler (see fingan.bench.gan_resampling)."""

import sys

from fingan.bench.gan_resampling import main

if __name__ == "__main__":
    sys.exit(main())
