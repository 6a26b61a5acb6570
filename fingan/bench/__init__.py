"""Benchmarks: one module per benchmark, each with a ``main(argv)``.

``fingan bench NAME [flags]`` and ``python benchmarks/NAME.py [flags]`` both call
``fingan.bench.<module>.main``; results go to ``benchmarks/results/``. The shared
settings (split dates, Quant GAN sizes) are in :mod:`fingan.bench.settings`, the machine
line and table writer in :mod:`fingan.bench.report`. Importing this package is cheap: the
benchmark modules (torch, pandas) load only when one runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

# name on the command line -> (module in this package, one line on what it measures)
BENCHMARKS: dict[str, tuple[str, str]] = {
    "returns": ("returns", "Quant GAN vs GARCH and bootstrap on the S&P 500"),
    "returns-periods": ("returns_periods", "the split's three periods, and the validation score term by term"),
    "var": ("var", "VaR / ES backtests: history-conditioned Quant GAN vs GARCH and historical simulation"),
    "correlations": ("correlations", "CorrGAN vs LKJ, spectrum and bootstrap matrices"),
    "throughput": ("throughput", "training steps/s, samples/s and memory per recipe"),
    "scale": ("scale", "nearest correlation, vectorised facts and streaming at scale"),
    "precision": ("precision", "bf16 against float32 on the CPU"),
    "scorecard-bands": ("scorecard_bands", "facts passed per kind of path under the sampling bands"),
    "images": ("images", "every image GAN variant and the VAE on the digits"),
    "toy-modes": ("toy_modes", "modes captured on ring-8 and grid-25 per GAN variant"),
    "resampling": ("gan_resampling", "the GAN as a resampler: a GAN fitted to 100 N(0, 1) points, B times"),
    "robust-resampling": ("robust_resampling", "the robust GAN estimator over many repetitions"),
    "robust-location": ("robust_location", "robust mean estimation under contamination"),
    "startup": ("startup", "how fast fingan --help and import fingan come back"),
    "window-facts": ("window_facts", "ACF of |r| per training window and pooled: what the fact loss sees"),
}


def run(name: str, argv: Sequence[str] | None = None) -> int:
    """Run benchmark ``name`` of :data:`BENCHMARKS` with its command-line flags ``argv``."""
    from fingan.errors import ConfigError

    if name not in BENCHMARKS:
        raise ConfigError(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
    module = importlib.import_module(f"fingan.bench.{BENCHMARKS[name][0]}")
    return module.main(list(argv or []))
