"""``fingan bench var``: VaR / ES backtests: history-conditioned Quant GAN vs GARCH and historical simulation (see fingan.bench.var)."""

import sys

from fingan.bench.var import main

if __name__ == "__main__":
    sys.exit(main())
