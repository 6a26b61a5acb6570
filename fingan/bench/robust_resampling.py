"""Resampling simulation study: the robust GAN location estimator over B repetitions, batched vs one by one.

    fingan bench robust-resampling --reps 200 --sequential 10 --out benchmarks/results/robust_resampling.md

Each repetition draws a fresh sample from Huber's contamination model (1 - eps) N(0, I_p) +
eps N(5, 2 I_p) and estimates the clean mean with RobustGAN (Gao et al. 2019, its default
settings). All ``--reps`` repetitions are fitted at once as one batched model
(``RobustGAN.fit_many``, fingan.engine.ensemble); ``--sequential`` of them are also fitted
one after another with ``RobustGAN.fit`` to measure the speed-up. Reports the estimation
error ||theta_hat - theta|| of the GAN, the coordinate-wise median and the sample mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
import time

import numpy as np
import torch

from fingan.bench.report import log, machine_description, publish
from fingan.bench.report import parser as bench_parser
from fingan.cli_args import add_device_flag
from fingan.data.toy import huber
from fingan.models import RobustGAN
from fingan.validation.tables import markdown_table


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench robust-resampling``: run it, print the table, write it to ``--out``."""
    parser = bench_parser("robust-resampling", __doc__)
    parser.add_argument("--reps", type=int, default=200, help="repetitions, fitted as one batched model")
    parser.add_argument("--sequential", type=int, default=10, help="repetitions also fitted one by one")
    parser.add_argument("--p", type=int, default=10, help="dimension")
    parser.add_argument("--n", type=int, default=2000, help="sample size per repetition")
    parser.add_argument("--eps", type=float, default=0.2, help="contamination share")
    add_device_flag(parser)
    parser.add_argument("--out", type=Path, help="write the Markdown tables here")
    args = parser.parse_args(argv)
    dist = huber(p=args.p, contamination=args.eps)
    datasets = np.stack([dist.sample(args.n, seed=s) for s in range(args.reps)])
    model = RobustGAN(device=args.device)
    log(f"batched: {args.reps} repetitions")
    started = time.perf_counter()
    batched = model.fit_many(datasets)
    t_batched = time.perf_counter() - started
    log(f"one by one: {args.sequential} repetitions")
    started = time.perf_counter()
    alone = np.stack([RobustGAN(device=args.device).fit(d).location_ for d in datasets[: args.sequential]])
    t_alone = time.perf_counter() - started
    errors = {"RobustGAN (batched)": np.linalg.norm(batched, axis=1),
              "RobustGAN (one by one)": np.linalg.norm(alone, axis=1),
              "coordinate-wise median": np.linalg.norm(np.median(datasets, axis=1), axis=1),
              "sample mean": np.linalg.norm(datasets.mean(axis=1), axis=1)}
    quality = markdown_table(
        ["estimator", "repetitions", "mean error", "sd", "95% quantile"],
        [[name, len(e), f"{e.mean():.3f}", f"{e.std():.3f}", f"{np.quantile(e, 0.95):.3f}"]
         for name, e in errors.items()])
    per_alone, per_batched = t_alone / args.sequential, t_batched / args.reps
    device = "cuda" if args.device != "cpu" and torch.cuda.is_available() else "cpu"
    speed = markdown_table(
        ["how", "repetitions", "seconds", "seconds per repetition", "speed-up"],
        [["one by one (`RobustGAN.fit`)", args.sequential, f"{t_alone:.1f}", f"{per_alone:.2f}", "1x"],
         ["batched (`RobustGAN.fit_many`)", args.reps, f"{t_batched:.1f}", f"{per_batched:.3f}",
          f"{per_alone / per_batched:.0f}x"]])
    note = (f"\nHuber model p = {args.p}, n = {args.n}, eps = {args.eps}; RobustGAN defaults (JS f-GAN, SGD, "
            f"1500 steps, batch 500, critic 20 sigmoid units), on {device}. Machine: {machine_description()}. "
            f"Command: `python benchmarks/robust_resampling.py --reps {args.reps} --sequential {args.sequential} "
            f"--p {args.p} --n {args.n} --eps {args.eps} --device {args.device}`.")
    publish(quality + "\n\n" + speed, note, args.out)
    return 0
