"""Modes captured and share of high-quality samples on ring-8 and grid-25, every GAN variant at one budget.

    fingan bench toy-modes --steps 40000 --seeds 5 --out benchmarks/results/toy_modes.md

(``python benchmarks/toy_modes.py`` takes the same flags.) The protocol follows PacGAN
(Lin et al. 2018), which took its data sets from VEEGAN: 100,000 training points per
run; eight Gaussians of sd 0.01 on the unit circle, 25 of sd 0.05 on {-4, -2, 0, 2, 4}^2;
a 2-dimensional Gaussian latent; 2,500 samples per fitted generator; a sample is of high
quality within 3 sd of its nearest mode, and a mode is captured when at least one
high-quality sample is nearest to it. Mean +- sd over the seeds; seed s draws training set
s and initialises every net from seed s.

Where ours differs from the published protocol, and why:

- budget: the paper trains 400 epochs of 1,000 batches (400,000 generator steps) with a
  generator of four 400-unit ReLU layers with batch norm and a critic of three 200-unit
  maxout layers (5 pieces). On two CPU cores that is about 75 minutes per run for one
  member even when trained batched (11 ms per member step measured with 5 members), so
  about 125 hours for this table. Here: ``--steps`` generator steps (default 40,000) with
  3 x 128-unit MLPs and an 8-dimensional latent (ReLU generator without batch norm, leaky-ReLU critic), Adam lr 1e-3
  for the Adam-based games, and an EMA of the generator weights (decay 0.999) used for
  sampling, which sharpens the modes at a short budget;
- batch: 100 critic inputs per step as in the paper, i.e. 100 x k samples for a PacGAN-k
  critic, 100 otherwise; the paper's Adam (lr 1e-4, beta1 0.8) is too slow for this budget;
- seeds: 5 by default (the paper: 10).

The common settings (latent dimension 8, lr 1e-3, EMA 0.999, 40,000 steps) were chosen
with ``ns + PacGAN4`` on data seeds 100-102, never on the seeds of the table.

Variants whose pieces work element by element (every objective of the adversarial kind,
weight clipping, the gradient penalty, packing, minibatch discrimination) train all seeds
and both data sets as one batched model (:class:`fingan.engine.ensemble.EnsembleTrainer`,
one process); spectral norm and the MMD objective cannot be batched and train one run
at a time (``--jobs`` processes of one thread).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from fingan.bench.report import log, machine_description, publish
from fingan.bench.report import parser as bench_parser
from fingan.cli_args import positive_int
from fingan.validation.tables import markdown_table

DATASETS = ("ring8", "grid25")
N_POINTS = 100_000
N_SAMPLES = 2_500
GROUPS = 100  # critic inputs per step, as in the paper's batch of 100
NETS: dict[str, Any] = {"latent_dim": 8, "hidden": (128, 128, 128), "critic_hidden": (128, 128, 128),
                        "ema_decay": 0.999}
FAST = {"lr_g": 1e-3, "lr_d": 1e-3, "betas": (0.5, 0.999)}
# cheapest first, so that an interrupted run has the most rows (``--resume`` adds the rest)
VARIANTS: dict[str, dict[str, Any]] = {
    "ns": dict(objective="ns", **FAST),
    "hinge": dict(objective="hinge", **FAST),
    "ns + PacGAN2": dict(objective="ns", pack=2, **FAST),
    "ns + PacGAN3": dict(objective="ns", pack=3, **FAST),
    "ns + PacGAN4": dict(objective="ns", pack=4, **FAST),
    "ns + SN": dict(objective="ns", spectral_norm=True, **FAST),
    "mmd": dict(objective="mmd", **FAST),
    "wgan": dict(objective="wgan"),
    "wgan-gp": dict(objective="wgan-gp"),
    "ns + minibatch discrimination": dict(objective="ns", minibatch_kernels=16, **FAST),
}
# more variants, for ``--variants`` (left out of the default table to keep it near 2 hours on 2 cores)
EXTRA: dict[str, dict[str, Any]] = {
    "minimax": dict(objective="minimax", **FAST),
    "wgan-gp + PacGAN4": dict(objective="wgan-gp", pack=4),
}
ALL_VARIANTS = {**VARIANTS, **EXTRA}
# modes / % high quality, mean over 10 runs at 400,000 steps (PacGAN, Lin et al. 2018, table 1)
PUBLISHED = {"WGAN-GP (published)": (6.8, 59.6, 24.2, 28.7), "PacGAN4 (published)": (7.8, 95.9, 24.8, 93.6)}


def _options(variant: str, steps: int, seed: int, device: str) -> dict[str, Any]:
    options = {**NETS, **ALL_VARIANTS[variant]}
    options["batch_size"] = GROUPS * options.get("pack", 1)
    return {**options, "steps": steps, "seed": seed, "device": device}


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    return (x - mean) / scale, mean, scale


def train_batched(variant: str, seeds: Sequence[int], steps: int, datasets: Sequence[str] = DATASETS,
                  device: str = "cpu") -> dict[tuple[str, int], np.ndarray]:
    """Fit every (data set, seed) of ``variant`` at once; ``N_SAMPLES`` samples of each, by key.

    The nets and training options are the ToyGAN recipe's (``ToyGAN.build`` and
    ``trainer_config``); each member trains on standardised data, as ``ToyGAN.fit`` does.
    Raises :class:`~fingan.errors.ConfigError` when the variant cannot be batched.
    """
    import torch

    from fingan.data import load_toy
    from fingan.engine.ensemble import EnsembleTrainer
    from fingan.models import ToyGAN

    keys = [(d, s) for d in datasets for s in seeds]
    recipe = ToyGAN(**_options(variant, steps, seeds[0], device))
    generators, critics, data, units = [], [], [], []
    for dataset, seed in keys:
        torch.manual_seed(seed)
        generator, critic, latent = recipe.build((2,))
        generators.append(generator)
        critics.append(critic)
        x, mean, scale = _standardise(load_toy(dataset, n=N_POINTS, seed=seed))
        data.append(x)
        units.append((mean, scale))
    ensemble = EnsembleTrainer(generators, critics, latent, recipe.trainer_config())
    ensemble.fit(np.stack(data))
    samples = ensemble.sample(N_SAMPLES, seed=seeds[0] + 1).numpy()
    return {key: samples[i] * scale + mean for i, (key, (mean, scale)) in enumerate(zip(keys, units))}


def train_one(job: tuple[str, str, int, int]) -> tuple[tuple[str, int], np.ndarray]:
    """Fit one ToyGAN (a variant that cannot be batched) in its own process of one thread."""
    import torch

    from fingan.data import load_toy
    from fingan.models import ToyGAN

    variant, dataset, seed, steps = job
    torch.set_num_threads(1)
    gan = ToyGAN(**_options(variant, steps, seed, "cpu")).fit(load_toy(dataset, n=N_POINTS, seed=seed))
    return (dataset, seed), gan.sample(N_SAMPLES, seed=seed + 1)


def batchable(variant: str) -> bool:
    """Whether the ensemble trainer can train ``variant`` (its objective and terms)."""
    from fingan.engine.ensemble import refusal
    from fingan.models import ToyGAN

    return refusal(ToyGAN(**_options(variant, 1, 0, "cpu")).trainer_config().resolved()) is None


def run_variant(variant: str, seeds: Sequence[int], steps: int, datasets: Sequence[str] = DATASETS,
                jobs: int = 2) -> dict[str, Any]:
    """Train ``variant`` on every (data set, seed), score the samples; metrics by data set and wall time."""
    from fingan.data import toy_distribution
    from fingan.validation import mode_metrics

    started = time.perf_counter()
    if batchable(variant):
        samples, method = train_batched(variant, seeds, steps, datasets), "batched"
    else:
        work = [(variant, d, s, steps) for d in datasets for s in seeds]
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            samples = dict(pool.map(train_one, work))
        method = f"one by one ({jobs} processes)"
    seconds = time.perf_counter() - started
    metrics = {d: [mode_metrics(samples[(d, s)], toy_distribution(d)) for s in seeds] for d in datasets}
    return {"variant": variant, "method": method, "seconds": seconds, "metrics": metrics, "samples": samples}


def table(results: Sequence[dict[str, Any]], datasets: Sequence[str] = DATASETS) -> str:
    """Markdown: modes and % high quality (mean +- sd over seeds) per data set, then the published rows."""
    header = ["variant"]
    for d in datasets:
        header += [f"{d} modes", f"{d} % high quality"]
    header += ["training", "wall s"]
    rows = []
    for r in results:
        row = [r["variant"]]
        for d in datasets:
            modes = np.array([m["modes"] for m in r["metrics"][d]], dtype=float)
            hq = 100 * np.array([m["high_quality"] for m in r["metrics"][d]])
            row += [f"{modes.mean():.1f} ± {modes.std():.1f}", f"{hq.mean():.1f} ± {hq.std():.1f}"]
        rows.append(row + [r["method"], f"{r['seconds']:.0f}"])
    if tuple(datasets) == DATASETS:
        for name, (rm, rq, gm, gq) in PUBLISHED.items():
            rows.append([name, f"{rm}", f"{rq}", f"{gm}", f"{gq}", "400,000 steps, 10 runs", ""])
    return markdown_table(header, rows)


def plot_samples(results: Sequence[dict[str, Any]], seed: int, path: str | Path,
                 datasets: Sequence[str] = DATASETS) -> Path:
    """One panel per variant and data set: seed ``seed``'s samples over the mode centres, as a PNG."""
    from fingan.data import toy_distribution
    from fingan.validation.plots import save_figure, subplots

    fig, axes = subplots(len(datasets), len(results), figsize=(1.9 * len(results), 2.1 * len(datasets)))
    axes = np.asarray(axes).reshape(len(datasets), len(results))
    for j, r in enumerate(results):
        for i, d in enumerate(datasets):
            ax, x, means = axes[i][j], r["samples"][(d, seed)], toy_distribution(d).means
            ax.scatter(x[:, 0], x[:, 1], s=1, alpha=0.4)
            ax.scatter(means[:, 0], means[:, 1], s=6, c="red", marker="x", linewidths=0.6)
            lim = 1.5 * np.abs(means).max()
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-lim, lim)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(r["variant"], fontsize=7)
    fig.suptitle(f"{N_SAMPLES} samples of seed {seed} (red: mode centres)", fontsize=9)
    return save_figure(fig, path)


def _state_path(out: Path) -> Path:
    return out.with_name(out.stem + ".partial.json")


def _save_state(path: Path, steps: int, seeds: list[int], results: Sequence[dict[str, Any]]) -> None:
    """The variants finished so far: metrics, wall time and the first seed's samples (for the figure)."""
    import json

    from fingan.io import write_text

    rows = [{**{k: r[k] for k in ("variant", "method", "seconds", "metrics")},
             "samples": {d: np.round(x, 6).tolist() for (d, s), x in r["samples"].items() if s == seeds[0]}}
            for r in results]
    write_text(path, json.dumps({"steps": steps, "seeds": seeds, "results": rows}) + "\n")


def _load_state(path: Path, steps: int, seeds: list[int]) -> list[dict[str, Any]]:
    import json

    from fingan.errors import ConfigError

    if not path.exists():
        return []
    state = json.loads(path.read_text(encoding="utf-8"))
    if state.get("steps") != steps or state.get("seeds") != seeds:
        raise ConfigError(f"{path} was measured with {state.get('steps')} steps and seeds {state.get('seeds')}, "
                          f"not {steps} and {seeds}: resume with those, or delete it to start afresh")
    return [{**r, "samples": {(d, seeds[0]): np.asarray(x) for d, x in r["samples"].items()}}
            for r in state["results"]]


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench toy-modes``: run it, print the table, write it (and the PNG) to ``--out``.

    With ``--out``, every finished variant is kept in ``<out>.partial.json`` and the table
    and figure so far are written; ``--resume`` skips the variants kept there. The file
    is removed once every variant has run.
    """
    parser = bench_parser("toy-modes", __doc__)
    parser.add_argument("--steps", type=positive_int, default=40_000, help="generator steps per fit")
    parser.add_argument("--seeds", type=positive_int, default=5, help="fits per variant and data set (seeds 0..N-1)")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(ALL_VARIANTS),
                        metavar="NAME", help=f"variants to run (default: all but {', '.join(EXTRA)})")
    parser.add_argument("--jobs", type=positive_int, default=2, help="processes for the variants that cannot be batched")
    parser.add_argument("--out", type=Path, help="write the Markdown table here (the PNG beside it)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the variants an interrupted run with --out finished (its .partial.json)")
    args = parser.parse_args(argv)

    import torch

    seeds = list(range(args.seeds))
    state = None if args.out is None else _state_path(args.out)
    done = _load_state(state, args.steps, seeds) if (args.resume and state is not None) else []
    results = [r for r in done if r["variant"] in args.variants]
    for variant in args.variants:
        if any(r["variant"] == variant for r in results):
            log(f"{variant}: kept from {state}")
            continue
        result = run_variant(variant, seeds, args.steps, jobs=args.jobs)
        results.append(result)
        summary = ", ".join(
            f"{d} {np.mean([m['modes'] for m in ms]):.1f} modes / {100 * np.mean([m['high_quality'] for m in ms]):.1f}%"
            for d, ms in result["metrics"].items())
        log(f"{variant}: {summary} ({result['method']}, {result['seconds']:.0f} s)")
        if args.out is not None and len(results) < len(args.variants):
            _save_state(state, args.steps, seeds, results)  # an interrupted run keeps what it measured
            _publish(args, seeds, results, torch.get_num_threads())
    _publish(args, seeds, results, torch.get_num_threads())
    if state is not None:
        state.unlink(missing_ok=True)
    return 0


def _publish(args: Any, seeds: list[int], results: list[dict[str, Any]], threads: int) -> None:
    results = sorted(results, key=lambda r: args.variants.index(r["variant"]))
    figure = ""
    if args.out is not None:
        png = plot_samples(results, seeds[0], args.out.with_suffix(".png"))
        figure = f"\n![samples of every variant]({png.name})\n"
    missing = [v for v in args.variants if v not in {r["variant"] for r in results}]
    unfinished = f"\nNot run yet: {', '.join(missing)} (`--resume` adds them).\n" if missing else ""
    note = (f"{unfinished}\n{args.steps} generator steps, {args.seeds} seeds, {N_POINTS} training points, {N_SAMPLES} "
            f"samples, high quality within 3 sd; nets {NETS['hidden']} with latent dimension {NETS['latent_dim']}, "
            f"EMA {NETS['ema_decay']}; batched variants in one process of {threads} threads. Machine: "
            f"{machine_description()}. Command: `python benchmarks/toy_modes.py --steps {args.steps} --seeds "
            f"{args.seeds}{'' if args.out is None else f' --out {args.out}'}`. The published rows are the paper's (400,000 steps, larger nets, 10 runs).{figure}")
    publish(table(results), note, args.out)
