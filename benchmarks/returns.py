"""``fingan bench returns``: Quant GAN vs GARCH and bootstrap on the S&P 500 (see fingan.bench.returns)."""

import sys

from fingan.bench.returns import main

if __name__ == "__main__":
    sys.exit(main())
