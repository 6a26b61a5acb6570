"""Metrics for toy distributions: modes, sample quality, KS and MMD distances."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from scipy import stats
from sklearn.neighbors import NearestNeighbors

from fingan.data.toy import GaussianMixture
from fingan.engine.kernels import median_bandwidth, rbf_mmd2
from fingan.errors import DataError


def mode_metrics(samples: np.ndarray, mixture: GaussianMixture, n_std: float = 3.0) -> dict[str, float]:
    """Modes captured and share of high-quality samples (Srivastava et al. 2017; Lin et al. 2018).

    A sample is high quality when it lies within ``n_std`` standard deviations of its
    nearest mode; a mode is captured when it is the nearest mode of at least one
    high-quality sample. The literature uses 2500 samples.

    Returns
    -------
    dict with ``modes`` (number captured), ``n_modes`` and ``high_quality`` (share in [0, 1]).
    """
    samples = np.asarray(samples, dtype=float).reshape(len(samples), -1)
    if samples.shape[1] != mixture.dim:
        raise DataError(f"samples have dimension {samples.shape[1]}, the mixture {mixture.dim}")
    nn = NearestNeighbors(n_neighbors=1).fit(mixture.means)
    dist, idx = nn.kneighbors(samples)
    good = dist[:, 0] <= n_std * mixture.stds[idx[:, 0]]
    return {
        "modes": int(len(np.unique(idx[good, 0]))),
        "n_modes": int(len(mixture.means)),
        "high_quality": float(good.mean()),
    }


def ks_distance(samples: np.ndarray, reference: np.ndarray | Callable[[np.ndarray], np.ndarray]) -> float:
    """Kolmogorov-Smirnov distance of 1-D samples to a reference sample or a CDF (scipy.stats)."""
    samples = np.asarray(samples, dtype=float).ravel()
    if callable(reference):
        return float(stats.kstest(samples, reference).statistic)
    return float(stats.ks_2samp(samples, np.asarray(reference, dtype=float).ravel()).statistic)


def mmd(x: np.ndarray, y: np.ndarray, max_points: int = 2000, seed: int = 0) -> float:
    """Squared MMD (unbiased) with one RBF kernel whose width is the median heuristic.

    At most ``max_points`` of each sample are used (drawn at random with ``seed``) to
    bound the O(n^2) cost.
    """
    rng = np.random.default_rng(seed)
    x, y = (
        torch.as_tensor(a[rng.choice(len(a), min(len(a), max_points), replace=False)], dtype=torch.float64)
        for a in (np.asarray(x).reshape(len(x), -1), np.asarray(y).reshape(len(y), -1))
    )
    return float(rbf_mmd2(x, y, median_bandwidth(x, y).reshape(1)))
