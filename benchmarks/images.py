"""``fingan bench images``: every image GAN variant and the VAE on the digits (see fingan.bench.images)."""

import sys

from fingan.bench.images import main

if __name__ == "__main__":
    sys.exit(main())
