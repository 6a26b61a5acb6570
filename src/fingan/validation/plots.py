"""Plots written as PNG files (matplotlib, no screen needed)."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from fingan.engine.checkpoint import atomic_write  # noqa: E402


def save_figure(fig: plt.Figure, path: str | os.PathLike) -> Path:
    """Save a figure as PNG atomically and close it."""
    try:
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight"))
    finally:
        plt.close(fig)


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
    fig, ax = plt.subplots(figsize=(5, 5) if samples.shape[1] > 1 else (6, 4))
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
    ax.legend(loc="upper right", markerscale=4)
    ax.set_title(title)
    return save_figure(fig, path)
