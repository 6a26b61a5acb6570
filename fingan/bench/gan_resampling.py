"""The GAN as a resampler: does a GAN fitted to 100 points carry more information than they do?

    fingan bench resampling --reps 1000 --out benchmarks/results/gan_resampling.md

(``python benchmarks/gan_resampling.py`` takes the same flags.) For each of B Monte Carlo
repetitions: draw n = 100 observations from N(0, 1), compute their mean and the KS
distance of their empirical CDF to Phi; fit a GAN to them, draw m = 10,000 observations
from it and compute the same two numbers. All B GANs train at once as one batched model
(:class:`fingan.engine.ensemble.EnsembleTrainer`), each on its own sample with its own
noise and weights. Reports the mean and variance of both means against the Cramér-Rao
bound sigma^2 / n, the coverage of 95% intervals for the true mean 0 (built with n: the
Student t interval mean +- t(0.975, n - 1) sd / sqrt(n) from each set's own mean and sd,
exact 95% for the sample), the KS scores, histograms of both as a PNG, and wall time.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from fingan.bench.report import log, machine_description, publish
from fingan.bench.report import parser as bench_parser
from fingan.cli_args import add_device_flag, positive_int
from fingan.validation.tables import markdown_table

# the GAN of the study: small MLPs, the non-saturating game, Adam, an EMA of the generator
# weights; chosen on 100 repetitions with data seed 101 (never the study's seed) so that
# each GAN fits its own 100 points: the GAN mean against the sample mean has slope 1.00
# and residual sd 0.013 there (without the EMA the generator's mean keeps oscillating:
# variance ratio 1.9-2.9 at 1000-3000 steps; 3000 steps with EMA shrink it, slope 0.93)
SETTINGS: dict[str, Any] = {"latent_dim": 4, "hidden": (32, 32), "objective": "ns", "steps": 6000,
                            "lr_g": 1e-3, "lr_d": 1e-3, "betas": (0.5, 0.999), "ema_decay": 0.999,
                            "batch_size": None}
Z95 = stats.norm.ppf(0.975)


def _ensemble(reps: int, n: int, settings: dict[str, Any], seed: int, device: str):
    import torch

    from fingan.engine import TrainerConfig
    from fingan.engine.ensemble import EnsembleTrainer
    from fingan.nets import MLP

    torch.manual_seed(seed)
    hidden = tuple(settings["hidden"])
    generators = [MLP(settings["latent_dim"], 1, hidden) for _ in range(reps)]
    critics = [MLP(1, 1, hidden, activation="leaky_relu") for _ in range(reps)]
    config = TrainerConfig(objective=settings["objective"], steps=settings["steps"],
                           batch_size=settings.get("batch_size") or n,
                           lr_g=settings["lr_g"], lr_d=settings["lr_d"], betas=tuple(settings["betas"]),
                           ema_decay=settings.get("ema_decay"), seed=seed, device=device)
    return EnsembleTrainer(generators, critics, (settings["latent_dim"],), config)


def resampling_study(reps: int = 1000, n: int = 100, m: int = 10_000, seed: int = 0, device: str = "auto",
                     settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the study; returns per-repetition means, sds and KS distances of the samples and of the GAN draws."""
    settings = {**SETTINGS, **(settings or {})}
    samples = np.random.default_rng(seed).normal(size=(reps, n))
    started = time.perf_counter()
    ensemble = _ensemble(reps, n, settings, seed, device).fit(samples[..., None])
    draws = ensemble.sample(m, seed=seed + 1)[..., 0].double().numpy()
    seconds = time.perf_counter() - started
    return {"sample": _per_set(samples), "gan": _per_set(draws), "reps": reps, "n": n, "m": m, "seconds": seconds,
            "settings": settings, "device": str(ensemble.device)}


def _per_set(x: np.ndarray) -> dict[str, np.ndarray]:
    """Mean, sd (ddof 1) and KS distance to N(0, 1) of each row."""
    ks = np.array([stats.kstest(row, "norm").statistic for row in x])
    return {"mean": x.mean(axis=1), "sd": x.std(axis=1, ddof=1), "ks": ks}


def summary(result: dict[str, Any]) -> dict[str, dict[str, float]]:
    """The published table's columns for the sample and for the GAN draws."""
    n = result["n"]
    t95 = stats.t.ppf(0.975, n - 1)
    out = {}
    for name in ("gan", "sample"):
        r = result[name]
        half = t95 * r["sd"] / np.sqrt(n)  # intervals built with n, for both
        out[name] = {"mean of means": float(r["mean"].mean()), "var of means": float(r["mean"].var(ddof=1)),
                     "var / (sigma^2 / n)": float(r["mean"].var(ddof=1) * n),
                     "coverage of the 95% interval": float(np.mean(np.abs(r["mean"]) <= half)),
                     "mean KS to N(0, 1)": float(r["ks"].mean())}
    return out


def coverage_tolerance(reps: int, level: float = 0.95) -> tuple[float, float]:
    """The 95% Monte Carlo band of an estimated coverage over ``reps`` repetitions."""
    sd = np.sqrt(level * (1 - level) / reps)
    return level - Z95 * sd, level + Z95 * sd


def plot_histograms(result: dict[str, Any], path: str | Path) -> Path:
    """Histograms of the two means and of the two KS distances, as a PNG."""
    from fingan.validation.plots import save_figure, subplots

    fig, axes = subplots(1, 2, figsize=(10, 3.8))
    for ax, key, title in ((axes[0], "mean", "mean of each set"), (axes[1], "ks", "KS distance to N(0, 1)")):
        both = np.concatenate([result["sample"][key], result["gan"][key]])
        bins = np.linspace(both.min(), both.max(), 40)
        ax.hist(result["sample"][key], bins=bins, alpha=0.6, label=f"sample (n = {result['n']})")
        ax.hist(result["gan"][key], bins=bins, alpha=0.6, label=f"GAN draws (m = {result['m']})")
        ax.set_title(title)
        ax.legend()
    fig.suptitle(f"{result['reps']} repetitions")
    return save_figure(fig, path)


def markdown(result: dict[str, Any]) -> str:
    """The study's table as Markdown."""
    table = summary(result)
    low, high = coverage_tolerance(result["reps"])
    cols = ["mean of means", "var of means", "var / (sigma^2 / n)", "coverage of the 95% interval", "mean KS to N(0, 1)"]
    rows = [[f"GAN draws (m = {result['m']})", *(f"{table['gan'][c]:.4f}" for c in cols)],
            [f"sample (n = {result['n']})", *(f"{table['sample'][c]:.4f}" for c in cols)],
            ["Cramér-Rao sigma^2 / n", "", f"{1 / result['n']:.4f}", "1.0000", "", ""]]
    return (markdown_table(["", *cols], rows)
            + f"\nMonte Carlo band of a coverage of 0.95 over {result['reps']} repetitions: [{low:.4f}, {high:.4f}].\n")


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench resampling``: run the study, print the table, write it (and the PNG) to ``--out``."""
    parser = bench_parser("resampling", __doc__)
    parser.add_argument("--reps", type=positive_int, default=1000, help="Monte Carlo repetitions B")
    parser.add_argument("--n", type=positive_int, default=100, help="observations per repetition")
    parser.add_argument("--m", type=positive_int, default=10_000, help="draws from each fitted GAN")
    parser.add_argument("--steps", type=positive_int, default=SETTINGS["steps"], help="generator steps of each GAN")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and of the GANs")
    add_device_flag(parser)
    parser.add_argument("--out", type=Path, help="write the Markdown table here (the PNG beside it)")
    args = parser.parse_args(argv)
    log(f"training {args.reps} GANs as one batched model ...")
    result = resampling_study(args.reps, args.n, args.m, args.seed, args.device, {"steps": args.steps})
    figure = ""
    if args.out is not None:
        png = plot_histograms(result, args.out.with_suffix(".png"))
        figure = f"\n![means and KS distances]({png.name})\n"
    s = result["settings"]
    note = (f"\nN(0, 1) data; each GAN: generator MLP {s['latent_dim']} -> {' -> '.join(map(str, s['hidden']))} -> 1 "
            f"(ReLU), critic MLP 1 -> {' -> '.join(map(str, s['hidden']))} -> 1 (leaky ReLU), objective "
            f"{s['objective']}, Adam lr {s['lr_g']} / {s['lr_d']}, betas {tuple(s['betas'])}, EMA of the generator "
            f"weights (decay {s['ema_decay']}), batches of {args.n} drawn from the {args.n} points, {s['steps']} steps; all {args.reps} trained at once on {result['device']} in "
            f"{result['seconds']:.0f} s (training and drawing). Machine: {machine_description()}. Command: `python "
            f"benchmarks/gan_resampling.py --reps {args.reps} --n {args.n} --m {args.m} --steps {args.steps} --seed "
            f"{args.seed}`.{figure}")
    publish(markdown(result), note, args.out)
    return 0
