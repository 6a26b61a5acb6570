"""Modes captured and high-quality share on ring-8 and grid-25 for each GAN variant.

Every variant trains a ToyGAN (MLP generator and critic, 3 x 128 units) for the same
number of generator steps with batch 256 and an EMA of the generator weights (decay
0.999); Adam-based variants use lr 1e-3, ``wgan`` and ``wgan-gp`` their papers'
optimiser settings. Metrics on 2500 samples, mean +- sd over seeds.

    fingan bench toy-modes --steps 10000 --seeds 3 --out benchmarks/results/toy_modes.md
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
import os
from pathlib import Path
import time

import numpy as np
import torch

from fingan.bench.report import log, machine_description, publish
from fingan.bench.report import parser as bench_parser
from fingan.data import load_toy, toy_distribution
from fingan.models import ToyGAN
from fingan.validation import mode_metrics
from fingan.validation.tables import markdown_table

FAST = {"lr_g": 1e-3, "lr_d": 1e-3}
VARIANTS: dict[str, dict] = {
    "ns": dict(objective="ns", **FAST),
    "wgan": dict(objective="wgan"),
    "wgan-gp": dict(objective="wgan-gp"),
    "hinge": dict(objective="hinge", **FAST),
    "mmd": dict(objective="mmd", **FAST),
    "ns + SN": dict(objective="ns", spectral_norm=True, **FAST),
    "ns + minibatch discrimination": dict(objective="ns", minibatch_kernels=16, **FAST),
    "ns + PacGAN4": dict(objective="ns", pack=4, **FAST),
}


def run_one(job: tuple[str, str, int, int]) -> dict:
    variant, dataset, seed, steps = job
    torch.set_num_threads(1)
    data = load_toy(dataset, seed=seed)
    started = time.perf_counter()
    gan = ToyGAN(steps=steps, batch_size=256, ema_decay=0.999, seed=seed, device="cpu", **VARIANTS[variant])
    gan.fit(data)
    metrics = mode_metrics(gan.sample(2500, seed=seed), toy_distribution(dataset))
    return {"variant": variant, "dataset": dataset, "seed": seed, "seconds": time.perf_counter() - started, **metrics}


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench toy-modes``: run it, print the table, write it to ``--out``."""
    parser = bench_parser("toy-modes", __doc__)
    parser.add_argument("--steps", type=int, default=10_000, help="generator steps per fit")
    parser.add_argument("--seeds", type=int, default=3, help="fits per variant and data set")
    parser.add_argument("--datasets", nargs="+", default=["ring8", "grid25"], help="toy data sets")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS), metavar="NAME",
                        help="variants to run (default: all)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel processes")
    parser.add_argument("--out", type=Path, help="write the Markdown table here too")
    args = parser.parse_args(argv)

    jobs = [(v, d, s, args.steps) for d in args.datasets for v in args.variants for s in range(args.seeds)]
    results = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for done, result in enumerate(pool.map(run_one, jobs), start=1):
            results.append(result)
            log(f"[{done}/{len(jobs)}] {result['dataset']} {result['variant']} seed {result['seed']}: "
                  f"{result['modes']} modes, {100 * result['high_quality']:.1f}% high quality, "
                  f"{result['seconds']:.0f} s")

    rows = []
    for variant in args.variants:
        row = [variant]
        for dataset in args.datasets:
            rs = [r for r in results if r["variant"] == variant and r["dataset"] == dataset]
            modes = np.array([r["modes"] for r in rs], dtype=float)
            hq = 100 * np.array([r["high_quality"] for r in rs])
            secs = np.mean([r["seconds"] for r in rs])
            row += [f"{modes.mean():.1f} ± {modes.std():.1f}", f"{hq.mean():.1f} ± {hq.std():.1f}", f"{secs:.0f}"]
        rows.append(row)
    header = ["variant"]
    for dataset in args.datasets:
        header += [f"{dataset} modes", f"{dataset} % high quality", f"{dataset} s/run"]
    table = markdown_table(header, rows)
    note = (
        f"{args.steps} generator steps, {args.seeds} seeds, 2500 samples; "
        f"{machine_description()}, {args.jobs} processes x 1 thread"
    )
    publish(table, note, args.out)
    return 0
