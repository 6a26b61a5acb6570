"""VaR / ES backtest: history-conditioned Quant GAN vs GARCH, historical and filtered historical simulation.

    python benchmarks/var_backtest.py --period both --out benchmarks/results/var_backtest.md

Same as ``fingan bench var``; see fingan.bench.var for what is measured.
"""

import sys

from fingan.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "var", *sys.argv[1:]]))
