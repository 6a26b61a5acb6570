"""GAN as a resampler: does a GAN trained on n = 100 draws of N(0, 1) add information?

For each of B Monte Carlo repetitions: draw n = 100 points from N(0, 1), train a ToyGAN
on them, draw m = 10000 points from it, and compare with the sample itself:

* the mean and its variance across repetitions (the Cramer-Rao bound is 1/n = 0.01);
* the Kolmogorov-Smirnov distance to the true N(0, 1) CDF;
* the coverage of the nominal 95% interval for the mean, mean +- 1.96 sd / sqrt(k),
  with k = n for the sample and both k = m (treating GAN draws as data) and k = n for
  the GAN.

    python benchmarks/toy_resampling.py --reps 20 --out benchmarks/results/toy_resampling.md
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
from scipy import stats

from fingan.models import ToyGAN
from fingan.validation import ks_distance
from fingan.validation.tables import machine_description, markdown_table, publish


def one_repetition(job: tuple[int, int, int, str, int]) -> dict:
    rep, n, m, objective, steps = job
    torch.set_num_threads(1)
    x = np.random.default_rng(10_000 + rep).standard_normal(n).astype(np.float32)
    gan = ToyGAN(objective=objective, steps=steps, hidden=(64, 64), critic_hidden=(64, 64), batch_size=64,
                 seed=rep, device="cpu").fit(x)
    y = gan.sample(m, seed=rep)[:, 0]
    z = stats.norm.ppf(0.975)
    return {
        "sample_mean": x.mean(),
        "gan_mean": y.mean(),
        "sample_ks": ks_distance(x, stats.norm.cdf),
        "gan_ks": ks_distance(y, stats.norm.cdf),
        "sample_cover": abs(x.mean()) <= z * x.std(ddof=1) / np.sqrt(n),
        "gan_cover_m": abs(y.mean()) <= z * y.std(ddof=1) / np.sqrt(m),
        "gan_cover_n": abs(y.mean()) <= z * y.std(ddof=1) / np.sqrt(n),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10, help="Monte Carlo repetitions B")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--m", type=int, default=10_000)
    parser.add_argument("--objective", default="ns")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    started = time.perf_counter()
    jobs = [(r, args.n, args.m, args.objective, args.steps) for r in range(args.reps)]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        res = list(pool.map(one_repetition, jobs))
    elapsed = time.perf_counter() - started
    col = lambda key: np.array([r[key] for r in res], dtype=float)  # noqa: E731
    bound = 1.0 / args.n
    rows = [
        [f"sample (n = {args.n})", f"{col('sample_mean').mean():+.4f}", f"{col('sample_mean').var():.4f}",
         f"{col('sample_mean').var() / bound:.2f}", f"{col('sample_ks').mean():.4f}",
         f"{100 * col('sample_cover').mean():.0f}%"],
        [f"GAN draws (m = {args.m}), interval with m", f"{col('gan_mean').mean():+.4f}",
         f"{col('gan_mean').var():.4f}", f"{col('gan_mean').var() / bound:.2f}", f"{col('gan_ks').mean():.4f}",
         f"{100 * col('gan_cover_m').mean():.0f}%"],
        [f"GAN draws (m = {args.m}), interval with n", "", "", "", "", f"{100 * col('gan_cover_n').mean():.0f}%"],
    ]
    table = markdown_table(
        ["estimator", "mean of mean", "var of mean", "var / CR bound", "KS to N(0,1)", "95% coverage"], rows
    )
    note = (
        f"B = {args.reps} repetitions, objective {args.objective}, {args.steps} steps; {elapsed:.0f} s on "
        f"{machine_description()}, {args.jobs} processes x 1 thread"
    )
    publish(table, note, args.out)


if __name__ == "__main__":
    main()
