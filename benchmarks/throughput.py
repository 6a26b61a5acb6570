"""Throughput benchmark: training steps/s, samples/s and peak memory of each recipe's nets.

    python benchmarks/throughput.py --out benchmarks/results/throughput_cpu.md
    python benchmarks/throughput.py --devices cuda --out benchmarks/results/throughput_cuda.md   # on a GPU

Same as ``fingan bench throughput``; see fingan.bench.throughput for what is measured.
"""

import sys

from fingan.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "throughput", *sys.argv[1:]]))
