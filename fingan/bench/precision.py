"""bf16 autocast against float32 on the CPU: training time and quality of the convolutional recipes.

    fingan bench precision --seeds 3 --out benchmarks/results/precision_cpu.md

The throughput table (benchmarks/throughput.py) says how much faster a step is; this
script asks whether the fitted models are as good. Each recipe trains at its small
benchmark size with the same seeds in float32 and under bf16 autocast, and is scored the
way its own benchmark scores it:

- CorrGAN (20 stocks, small mode of benchmarks/correlations.py): Wasserstein distances
  of the per-matrix statistics to the real matrices (fingan.validation.correlations).
- DCGAN (ns) on scikit-learn's digits (16x16, 1500 steps as in benchmarks/images.py):
  Frechet distance in the digit classifier's features, recall.
- Quant GAN (small mode of benchmarks/returns.py): the paper's scores on the test period.

Runs one after another with all cores, so the training times compare.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
import time

import numpy as np

from fingan.bench.report import parser as bench_parser


def corrgan(seed: int, amp: bool) -> tuple[dict[str, float], float]:
    from fingan.bench.correlations import CORR_MODES
    from fingan.data import load_prices, log_returns
    from fingan.models.corrgan import CorrGAN
    from fingan.validation.correlations import correlation_distances

    settings = CORR_MODES["small"]
    returns = log_returns(load_prices("sp500-stocks"))
    gan = CorrGAN(n_assets=20, steps=settings["steps"], channels=settings["channels"], seed=seed, device="cpu",
                  amp=amp)
    real, _ = gan.training_matrices(returns)
    started = time.perf_counter()
    gan.fit(returns)
    seconds = time.perf_counter() - started
    scores = correlation_distances(gan.sample(settings["n_samples"], seed=seed + 1), real)
    return {f"W1 {k}": v for k, v in scores.items()}, seconds


def dcgan(seed: int, amp: bool) -> tuple[dict[str, float], float]:
    from fingan.data.images import load_images
    from fingan.models.images import ImageGAN
    from fingan.validation.images import feature_classifier, image_metrics

    x, y = load_images("digits", size=16)
    gan = ImageGAN(steps=1500, channels=32, objective="ns", seed=seed, device="cpu", amp=amp)
    started = time.perf_counter()
    gan.fit(x)
    seconds = time.perf_counter() - started
    metrics = image_metrics(feature_classifier("digits", x, y), x, gan.sample(2000, seed=seed))
    return {"frechet distance": metrics["frechet distance"], "recall": metrics["recall"]}, seconds


def quantgan(seed: int, amp: bool) -> tuple[dict[str, float], float]:
    from fingan.bench.returns import paper_scores
    from fingan.bench.settings import MODES, SPLIT, quantgan_options
    from fingan.data import load_prices, log_returns, split_periods
    from fingan.models.quantgan import QuantGAN

    returns = log_returns(load_prices("sp500"))
    train, valid, test = split_periods(returns, **SPLIT)
    gan = QuantGAN(seed=seed, device="cpu", amp=amp, **quantgan_options("small"))
    started = time.perf_counter()
    gan.fit(train, valid)
    seconds = time.perf_counter() - started
    paths = gan.sample(MODES["small"]["n_paths"], len(test), seed=seed + 1).to_numpy().T
    scores = paper_scores(paths, test.to_numpy().ravel())
    keep = ["EMD 1-day", "EMD 20-day", "ACF score |r|", "leverage score"]
    return {k: scores[k] for k in keep}, seconds


RECIPES = {"CorrGAN (small)": corrgan, "DCGAN (ns, digits 16x16)": dcgan, "Quant GAN (small)": quantgan}


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench precision``: run it, print the table, write it to ``--out``."""
    import torch

    from fingan.bench.report import log, machine_description, publish
    from fingan.validation.tables import markdown_table

    parser = bench_parser("precision", __doc__)
    parser.add_argument("--seeds", type=int, default=3, help="fits per recipe and precision")
    parser.add_argument("--recipes", nargs="+", choices=list(RECIPES), metavar="NAME",
                        help="run only these recipes (default: all)")
    parser.add_argument("--out", type=Path, help="write the Markdown table here")
    args = parser.parse_args(argv)
    names = args.recipes or list(RECIPES)
    results: dict[tuple[str, bool], list[tuple[dict[str, float], float]]] = {}
    for name in names:
        for seed in range(args.seeds):
            for amp in (False, True):
                scores, seconds = RECIPES[name](seed, amp)
                results.setdefault((name, amp), []).append((scores, seconds))
                log(f"{name} seed {seed} bf16 {amp}: {seconds:.0f} s, "
                    + ", ".join(f"{k} {v:.4g}" for k, v in scores.items()))
    rows = []
    for name in names:
        runs32, runs16 = results[(name, False)], results[(name, True)]
        t32, t16 = np.mean([s for _, s in runs32]), np.mean([s for _, s in runs16])
        for metric in runs32[0][0]:
            v32 = np.array([m[metric] for m, _ in runs32])
            v16 = np.array([m[metric] for m, _ in runs16])
            rows.append([name, metric, f"{v32.mean():.4f} ± {v32.std():.4f}", f"{v16.mean():.4f} ± {v16.std():.4f}",
                         f"{t32:.0f}", f"{t16:.0f}", f"{t32 / t16:.2f}x"])
    table = markdown_table(["recipe", "score (lower is better, except recall)", "float32", "bf16 autocast",
                            "float32 fit s", "bf16 fit s", "speed-up"], rows)
    note = (f"\nMean ± sd over {args.seeds} seeds (the same seeds for both precisions). Machine: "
            f"{machine_description()}, {torch.get_num_threads()} threads. "
            f"Command: `python benchmarks/precision.py --seeds {args.seeds}"
            + ("" if args.recipes is None else " --recipes " + " ".join(f"'{r}'" for r in args.recipes)) + "`.")
    publish(table, note, args.out)
    return 0
