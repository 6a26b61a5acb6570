"""Image benchmark: every ImageGAN variant and the VAE on scikit-learn's digits (16x16), a fixed budget, several seeds.

    fingan bench images --steps 1500 --seeds 3 --jobs 2 --out benchmarks/results/images.md

Writes a Markdown table (Frechet distance in the feature space of a small digit classifier,
precision / recall / density / coverage, class accuracy of conditional models; mean and sd
over seeds) and one PNG grid of samples per variant (seed 0) next to the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
import os
from pathlib import Path
import time

import numpy as np

from fingan.bench.report import log
from fingan.bench.report import parser as bench_parser


VARIANTS: dict[str, dict] = {
    "DCGAN (ns)": {"objective": "ns"},
    "DCGAN (lsgan)": {"objective": "lsgan"},
    "WGAN-GP": {"objective": "wgan-gp"},
    "SN-GAN (hinge)": {"objective": "hinge", "spectral_norm": True},
    "conditional (hinge + SN, projection)": {"variant": "conditional", "objective": "hinge", "spectral_norm": True},
    "AC-GAN (hinge + SN)": {"variant": "acgan", "objective": "hinge", "spectral_norm": True},
    "InfoGAN (hinge + SN, 10 codes)": {"variant": "infogan", "objective": "hinge", "spectral_norm": True},
    "progressive (WGAN-GP, paper settings)": {"arch": "progressive", "objective": "wgan-gp", "n_critic": 1,
                                              "lr_g": 1e-3, "lr_d": 1e-3, "betas": (0.0, 0.99), "drift": 1e-3},
    "VGrow (KL)": {"objective": "vgrow", "objective_params": {"divergence": "kl"}},
    "VGrow (JS)": {"objective": "vgrow", "objective_params": {"divergence": "js"}},
    "VGrow (logD)": {"objective": "vgrow", "objective_params": {"divergence": "logd"}},
    "GMMN (mmd, no critic)": {"objective": "mmd"},
    "VAE (baseline, latent 16)": {"vae": True},
}


def run(name: str, seed: int, steps: int, grid_dir: str | None) -> tuple[str, int, dict, float]:
    import torch

    torch.set_num_threads(1)
    from fingan.data.images import load_images
    from fingan.baselines import VAE
    from fingan.models.images import ImageGAN
    from fingan.validation.images import class_accuracy, feature_classifier, image_metrics

    x, y = load_images("digits", size=16)
    options = VARIANTS[name]
    started = time.perf_counter()
    if options.get("vae"):
        gan = VAE(steps=steps, channels=32, seed=seed, device="cpu").fit(x)
    else:
        gan = ImageGAN(steps=steps, channels=32, seed=seed, device="cpu", **options)
        gan.fit(x, y if options.get("variant") in ("conditional", "acgan") else None)
    seconds = time.perf_counter() - started
    net = feature_classifier("digits", x, y)
    samples = gan.sample(2000, seed=seed)
    metrics = image_metrics(net, x, samples)
    if options.get("variant") in ("conditional", "acgan"):
        metrics["class accuracy"] = class_accuracy(net, samples, torch.arange(2000) % 10)
    if grid_dir is not None and seed == 0:
        slug = "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")
        gan.save_grid(Path(grid_dir) / f"{slug}.png", title=f"{name}, {steps} steps")
    log(f"{name} seed {seed}: {seconds:.0f} s")
    return name, seed, metrics, seconds


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench images``: run it, print the table, write it to ``--out``."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread per worker process
    from fingan.data.images import load_images
    from fingan.validation.images import feature_classifier
    from fingan.bench.report import machine_description, publish
    from fingan.validation.tables import markdown_table

    parser = bench_parser("images", __doc__)
    parser.add_argument("--steps", type=int, default=1500, help="generator steps per fit")
    parser.add_argument("--seeds", type=int, default=3, help="fits per variant")
    parser.add_argument("--jobs", type=int, default=2, help="parallel processes (one thread each)")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), metavar="NAME",
                        help="run only these variants (default: all)")
    parser.add_argument("--out", type=Path, help="write the Markdown table here (sample grids beside it)")
    args = parser.parse_args(argv)
    names = args.variants or list(VARIANTS)
    grid_dir = None
    if args.out is not None:
        grid_dir = args.out.with_suffix("")
        grid_dir.mkdir(parents=True, exist_ok=True)
    feature_classifier("digits", *load_images("digits", size=16))  # train and cache it once, before the workers
    jobs = [(name, seed) for name in names for seed in range(args.seeds)]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run, *zip(*jobs), [args.steps] * len(jobs), [None if grid_dir is None else str(grid_dir)] * len(jobs)))
    columns = ["frechet distance", "precision", "recall", "density", "coverage", "class accuracy"]
    rows = []
    for name in names:
        runs = [m for n, _, m, _ in results if n == name]
        secs = np.mean([s for n, _, _, s in results if n == name])
        cells = []
        for col in columns:
            values = [m[col] for m in runs if col in m]
            cells.append(f"{np.mean(values):.3f} ± {np.std(values):.3f}" if values else "")
        rows.append([name, *cells, f"{secs:.0f}"])
    table = markdown_table(["variant", *columns, "train s"], rows)
    note = (f"\n{args.steps} generator steps, channels 32, batch 128, {args.seeds} seeds (mean ± sd), 2000 samples "
            f"each against the 1797 digits; features: the 64-d penultimate layer of a small CNN trained on the "
            f"digits (fingan.validation.images). Machine: {machine_description()}, {args.jobs} processes x 1 thread. "
            f"Command: `python benchmarks/images.py --steps {args.steps} --seeds {args.seeds} --jobs {args.jobs}"
            + ("" if args.variants is None else " --variants " + " ".join(f"'{v}'" for v in args.variants)) + "`.")
    publish(table, note, args.out)
    return 0
