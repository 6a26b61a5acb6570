"""Correlation benchmark: CorrGAN vs LKJ, prescribed-spectrum and bootstrap matrices, with an allocation stress test.

    python benchmarks/correlations.py --mode small --out benchmarks/results/correlations_small.md

Same as ``fingan bench correlations``; see fingan.bench for what is measured.
"""

import sys

from fingan.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "correlations", *sys.argv[1:]]))
