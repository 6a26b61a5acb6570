"""Returns benchmark: Quant GAN vs GARCH(1,1) normal / t, GJR-GARCH t and the stationary bootstrap.

    python benchmarks/returns.py --mode small --out benchmarks/results/returns_small.md
    python benchmarks/returns.py --mode full --device cuda --out benchmarks/results/returns_full.md

Same as ``fingan bench returns``; see fingan.bench for what is measured.
"""

import sys

from fingan.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "returns", *sys.argv[1:]]))
