"""Robust mean estimation under Huber contamination (Gao et al. 2019) with RobustGAN.

Data: 0.8 N(0, I_p) + 0.2 N(5 * 1_p, 2 I_p), p = 50, N = 50000. Reports the error
||theta_hat - 0|| of the GAN estimate, the sample mean and the coordinate-wise median,
and the AUC of the critic's scores for telling the contaminated points apart.

    fingan bench robust-location --seeds 3 --out benchmarks/results/robust_location.md
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
import time

import numpy as np
from sklearn.metrics import roc_auc_score

from fingan.bench.report import machine_description, publish
from fingan.bench.report import parser as bench_parser
from fingan.data.toy import huber
from fingan.models import RobustGAN
from fingan.validation.tables import markdown_table


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench robust-location``: run it, print the table, write it to ``--out``."""
    parser = bench_parser("robust-location", __doc__)
    parser.add_argument("--seeds", type=int, default=3, help="repetitions (fresh data and fit each)")
    parser.add_argument("--p", type=int, default=50, help="dimension")
    parser.add_argument("--n", type=int, default=50_000, help="sample size")
    parser.add_argument("--steps", type=int, default=1500, help="generator steps per fit")
    parser.add_argument("--out", type=Path, help="write the Markdown table here")
    args = parser.parse_args(argv)

    errs: dict[str, list[float]] = {"RobustGAN (JS)": [], "sample mean": [], "coordinate-wise median": []}
    aucs, secs = [], []
    for seed in range(args.seeds):
        x, comp = huber(p=args.p).sample(args.n, seed=seed, return_components=True)
        started = time.perf_counter()
        gan = RobustGAN(steps=args.steps, seed=seed, device="cpu").fit(x)
        secs.append(time.perf_counter() - started)
        errs["RobustGAN (JS)"].append(float(np.linalg.norm(gan.location_)))
        errs["sample mean"].append(float(np.linalg.norm(x.mean(axis=0))))
        errs["coordinate-wise median"].append(float(np.linalg.norm(np.median(x, axis=0))))
        aucs.append(roc_auc_score(comp, gan.outlier_scores(x)))
    rows = [[name, f"{np.mean(v):.3f} ± {np.std(v):.3f}"] for name, v in errs.items()]
    table = markdown_table(["estimator", "||theta_hat - theta||"], rows)
    note = (
        f"p = {args.p}, N = {args.n}, {args.seeds} seeds; outlier AUC of the critic scores "
        f"{np.mean(aucs):.4f} ± {np.std(aucs):.4f}; {np.mean(secs):.0f} s per fit on "
        f"{machine_description()}"
    )
    publish(table, note, args.out)
    return 0
