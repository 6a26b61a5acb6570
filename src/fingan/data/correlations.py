"""Empirical correlation matrices from return panels, ordered by hierarchical clustering."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from fingan.errors import DataError


def _correlations(windows: np.ndarray) -> np.ndarray:
    """Pearson correlations of a batch of windows (n, T, N) -> (n, N, N), unit diagonal."""
    centred = windows - windows.mean(axis=1, keepdims=True)
    std = np.sqrt((centred**2).sum(axis=1))
    if np.any(std == 0):
        raise DataError("an asset has constant returns over a window; its correlations are undefined")
    unit = centred / std[:, None, :]
    corr = np.einsum("ntj,ntk->njk", unit, unit)
    corr = np.clip((corr + corr.transpose(0, 2, 1)) / 2, -1.0, 1.0)
    idx = np.arange(corr.shape[1])
    corr[:, idx, idx] = 1.0
    return corr


def rolling_correlations(
    returns: pd.DataFrame,
    window: int,
    step: int = 1,
    n_assets: int | None = None,
    n_samples: int | None = None,
    seed: int = 0,
    order: bool = False,
) -> np.ndarray:
    """Empirical correlation matrices of rolling windows, shape (n, N, N).

    Parameters
    ----------
    returns : DataFrame
        Returns, one column per asset, no missing values.
    window, step : int
        Window length in dates and the step between window starts.
    n_assets : int, optional
        Size N of each matrix. When smaller than the panel, every matrix uses its own
        random subset of assets (CorrGAN samples 100 of the S&P 500 names this way).
    n_samples : int, optional
        Number of matrices: by default one per rolling window; otherwise windows are
        drawn at random (with ``seed``) from the rolling starts.
    order : bool
        Reorder each matrix by :func:`order_by_clustering`.
    """
    values = np.asarray(returns, dtype=float)
    if values.ndim != 2 or values.shape[1] < 2:
        raise DataError("returns must be a 2-D panel with at least 2 assets")
    if not np.isfinite(values).all():
        raise DataError("returns contain NaN or infinite values; clean them first")
    n_total = values.shape[1]
    n_assets = n_total if n_assets is None else n_assets
    if not 2 <= n_assets <= n_total:
        raise DataError(f"n_assets must be between 2 and the panel's {n_total} assets, got {n_assets}")
    if window < 2 or window > len(values):
        raise DataError(f"window must be between 2 and the {len(values)} dates, got {window}")
    if step < 1:
        raise DataError(f"step must be >= 1, got {step}")
    rng = np.random.default_rng(seed)
    starts = np.arange(0, len(values) - window + 1, step)
    if n_samples is not None:
        if n_samples < 1:
            raise DataError(f"n_samples must be >= 1, got {n_samples}")
        starts = rng.choice(starts, size=n_samples, replace=True)
    if n_assets == n_total:
        assets = np.broadcast_to(np.arange(n_total), (len(starts), n_total))
    else:
        assets = np.stack([np.sort(rng.choice(n_total, n_assets, replace=False)) for _ in starts])
    rows = starts[:, None] + np.arange(window)[None, :]
    windows = values[rows[:, :, None], assets[:, None, :]]  # (n, window, N)
    corr = _correlations(windows)
    return order_by_clustering(corr) if order else corr


def correlation_distance(corr: np.ndarray) -> np.ndarray:
    """The metric d = sqrt(2 (1 - rho)) between assets (Mantegna 1999), as a square matrix."""
    return np.sqrt(np.clip(2.0 * (1.0 - corr), 0.0, None))


def clustering_order(corr: np.ndarray) -> np.ndarray:
    """Leaf order of Ward linkage on d = sqrt(2 (1 - rho)), with optimal leaf ordering (SciPy)."""
    condensed = squareform(correlation_distance(corr), checks=False)
    link = hierarchy.linkage(condensed, method="ward")
    return hierarchy.leaves_list(hierarchy.optimal_leaf_ordering(link, condensed))


def order_by_clustering(corr: np.ndarray) -> np.ndarray:
    """Reorder rows and columns of each matrix (N, N) or (n, N, N) by hierarchical clustering.

    Clustered assets end up in adjacent rows, which gives the block structure CorrGAN's
    convolutional nets see (Marti 2020). SciPy's linkage runs per matrix.
    """
    corr = np.asarray(corr, dtype=float)
    single = corr.ndim == 2
    batch = corr[None] if single else corr
    if batch.ndim != 3 or batch.shape[1] != batch.shape[2]:
        raise DataError(f"correlation matrices must have shape (N, N) or (n, N, N), got {corr.shape}")
    out = np.empty_like(batch)
    for i, c in enumerate(batch):
        o = clustering_order(c)
        out[i] = c[np.ix_(o, o)]
    return out[0] if single else out
