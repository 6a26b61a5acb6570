"""Plots written as PNG files (matplotlib, no screen needed).

Figures are built with matplotlib's object API (:class:`matplotlib.figure.Figure`), never
through pyplot, so importing this module leaves the user's backend alone (a notebook keeps
its inline plots) and figures are freed as soon as they are saved.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from fingan.io import atomic_write


def subplots(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (6, 4)) -> tuple[Figure, Any]:
    """A figure and its axes, as ``pyplot.subplots`` gives them, without pyplot's global state."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols)


def save_figure(fig: Figure, path: str | os.PathLike) -> Path:
    """Save a figure as PNG atomically."""
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight"))


def plot_toy_samples(
    samples: np.ndarray,
    data: np.ndarray,
    path: str | os.PathLike,
    title: str = "",
    modes: np.ndarray | None = None,
) -> Path:
    """Generated points over the data: a scatter plot in 2-D, overlaid histograms in 1-D.

    Higher-dimensional points are shown by their first two coordinates.
    """
    samples = np.asarray(samples).reshape(len(samples), -1)
    data = np.asarray(data).reshape(len(data), -1)
    fig, ax = subplots(figsize=(5, 5) if samples.shape[1] > 1 else (6, 4))
    if samples.shape[1] == 1:
        bins = np.histogram_bin_edges(np.concatenate([data[:, 0], samples[:, 0]]), bins=80)
        ax.hist(data[:, 0], bins=bins, density=True, alpha=0.5, label="data")
        ax.hist(samples[:, 0], bins=bins, density=True, alpha=0.5, label="generated")
        ax.set_xlabel("x")
    else:
        ax.scatter(data[:, 0], data[:, 1], s=2, alpha=0.3, label="data")
        ax.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.5, label="generated")
        if modes is not None:
            ax.scatter(modes[:, 0], modes[:, 1], marker="x", c="k", s=30, label="modes")
        ax.set_aspect("equal")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), markerscale=4)
    ax.set_title(title)
    return save_figure(fig, path)


def _fig_to_png(fig: Figure) -> bytes:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def return_plots(synthetic: np.ndarray, reference: np.ndarray, max_lag: int = 100) -> dict[str, bytes]:
    """PNG images comparing synthetic return paths (n, T) with reference paths (m, T')."""
    from scipy import stats

    from fingan.validation.returns import acf, leverage

    syn, ref = synthetic.ravel(), reference.ravel()
    images: dict[str, bytes] = {}

    fig, ax = subplots(figsize=(6, 4))
    bins = np.linspace(np.quantile(ref, 0.0005), np.quantile(ref, 0.9995), 80)
    density, _, _ = ax.hist(ref, bins=bins, density=True, alpha=0.5, label="reference", log=True)
    ax.hist(syn, bins=bins, density=True, alpha=0.5, label="synthetic", log=True)
    ax.plot(bins, stats.norm.pdf(bins, ref.mean(), ref.std()), "k--", lw=1, label="normal fit to reference")
    ax.set_ylim(bottom=0.5 * density[density > 0].min())
    ax.set_xlabel("daily log return")
    ax.set_title("Return distribution (log density)")
    ax.legend()
    images["histogram"] = _fig_to_png(fig)

    fig, ax = subplots(figsize=(5, 5))
    q = np.linspace(0.001, 0.999, 400)
    for data, label in ((ref, "reference"), (syn, "synthetic")):
        z = (data - data.mean()) / data.std()
        ax.plot(stats.norm.ppf(q), np.quantile(z, q), ".", ms=3, label=label)
    ax.plot([-4, 4], [-4, 4], "k--", lw=1)
    ax.set_xlabel("normal quantile")
    ax.set_ylabel("standardised return quantile")
    ax.set_title("QQ plot against the normal")
    ax.legend()
    images["qq"] = _fig_to_png(fig)

    lag = min(max_lag, synthetic.shape[1] - 2, reference.shape[1] - 2)
    fig, axes = subplots(1, 2, figsize=(10, 3.5))
    lags = np.arange(1, lag + 1)
    # the reference curve is a mean over its blocks: an i.i.d. series' mean ACF over as many blocks
    # of this length stays within +-1.96 / sqrt(blocks x length) 95% of the time
    band = 1.96 / np.sqrt(reference.shape[0] * reference.shape[1])
    for ax, f, name in ((axes[0], lambda a: a, "r"), (axes[1], np.abs, "|r|")):
        ax.plot(lags, acf(f(reference), lag).mean(0), label="reference")
        ax.plot(lags, acf(f(synthetic), lag).mean(0), label="synthetic")
        ax.axhspan(-band, band, color="grey", alpha=0.2,
                   label=f"i.i.d. 95% band ({reference.shape[0]} x {reference.shape[1]} days)")
        ax.set_title(f"ACF of {name}")
        ax.set_xlabel("lag (days)")
        ax.legend()
    images["acf"] = _fig_to_png(fig)

    fig, ax = subplots(figsize=(6, 3.5))
    k = min(20, lag)
    ax.plot(np.arange(1, k + 1), leverage(reference, k), "o-", label="reference")
    ax.plot(np.arange(1, k + 1), leverage(synthetic, k), "o-", label="synthetic")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("lag k (days)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Leverage effect corr(r_t, r_{t+k}^2)")
    ax.legend()
    images["leverage"] = _fig_to_png(fig)

    fig, ax = subplots(figsize=(7, 4))
    paths = np.cumsum(synthetic[:50], axis=1)
    ax.plot(paths.T, lw=0.6, alpha=0.6)
    qs = np.quantile(np.cumsum(synthetic, axis=1), [0.05, 0.5, 0.95], axis=0)
    ax.plot(qs.T, "k", lw=1.2)
    ax.set_xlabel("day")
    ax.set_ylabel("cumulative log return")
    ax.set_title("Synthetic paths (5%, 50%, 95% quantiles in black)")
    images["paths"] = _fig_to_png(fig)
    return images


def correlation_plots(synthetic: np.ndarray, reference: np.ndarray, window: int | None = None) -> dict[str, bytes]:
    """PNG images comparing batches of synthetic and reference correlation matrices."""
    from fingan.validation.correlations import eigen, marchenko_pastur_pdf, mst_degrees, offdiagonal

    images: dict[str, bytes] = {}
    fig, axes = subplots(2, 4, figsize=(12.5, 6))
    for row, (batch, name) in enumerate(((reference, "reference"), (synthetic, "synthetic"))):
        for col in range(4):
            ax = axes[row, col]
            shown = ax.imshow(batch[col % len(batch)], vmin=-1, vmax=1, cmap="RdBu_r")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{name} {col + 1}", fontsize=9)
    fig.colorbar(shown, ax=axes, shrink=0.8, label="correlation")
    images["heatmaps"] = _fig_to_png(fig)

    fig, ax = subplots(figsize=(6, 4))
    n_assets = reference.shape[1]
    bins = np.linspace(0, max(eigen(reference)[0].max(), eigen(synthetic)[0].max()), 80)
    ax.hist(eigen(reference)[0].ravel(), bins=bins, density=True, alpha=0.5, label="reference", log=True)
    ax.hist(eigen(synthetic)[0].ravel(), bins=bins, density=True, alpha=0.5, label="synthetic", log=True)
    if window is not None and n_assets <= window:
        grid = np.linspace(1e-3, bins[-1], 400)
        ax.plot(grid, marchenko_pastur_pdf(grid, n_assets / window), "k--", lw=1, label="Marchenko-Pastur")
    ax.set_xlabel("eigenvalue")
    ax.set_title("Eigenvalue spectrum")
    ax.legend()
    images["spectrum"] = _fig_to_png(fig)

    fig, ax = subplots(figsize=(6, 4))
    bins = np.linspace(-1, 1, 81)
    ax.hist(offdiagonal(reference).ravel(), bins=bins, density=True, alpha=0.5, label="reference")
    ax.hist(offdiagonal(synthetic).ravel(), bins=bins, density=True, alpha=0.5, label="synthetic")
    ax.set_xlabel("correlation coefficient")
    ax.set_title("Off-diagonal coefficients")
    ax.legend()
    images["coefficients"] = _fig_to_png(fig)

    fig, ax = subplots(figsize=(6, 4))
    for batch, name in ((reference, "reference"), (synthetic, "synthetic")):
        degrees = mst_degrees(batch).ravel()
        values, counts = np.unique(degrees, return_counts=True)
        ax.loglog(values, counts / counts.sum(), "o-", label=name)
    ax.set_xlabel("MST node degree")
    ax.set_ylabel("share of nodes")
    ax.set_title("Minimum spanning tree degree distribution")
    ax.legend()
    images["mst"] = _fig_to_png(fig)
    return images


def image_grid(images: np.ndarray, path: str | os.PathLike, nrow: int = 8, title: str | None = None) -> Path:
    """A PNG grid of images (n, channels, h, w) in [-1, 1], ``nrow`` per row (grey scale or RGB)."""
    images = np.clip((np.asarray(images, dtype=float) + 1) / 2, 0, 1)
    n, channels, h, w = images.shape
    rows = -(-n // nrow)
    canvas = np.ones((rows * (h + 1) + 1, nrow * (w + 1) + 1, channels))
    for i, img in enumerate(images):
        r, c = divmod(i, nrow)
        canvas[1 + r * (h + 1): 1 + r * (h + 1) + h, 1 + c * (w + 1): 1 + c * (w + 1) + w] = img.transpose(1, 2, 0)
    fig, ax = subplots(figsize=(nrow * 0.6 + 0.4, rows * 0.6 + (0.6 if title else 0.2)))
    ax.imshow(canvas[:, :, 0] if channels == 1 else canvas, cmap="gray" if channels == 1 else None,
              vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)
    return save_figure(fig, path)
