"""Allocation stress test on sampled correlation matrices (the experiment of Marti 2020, section 5).

For each trial two matrices are drawn from the same model: portfolios are built on the
first (the "estimated" covariance) and their volatility is measured on the second (the
"realised" one). The spread of realised volatilities says how fragile each method is to
estimation error of the kind the model produces.

The four allocations are closed-form or a short recursion on a covariance matrix, so
they are written here: portfolio libraries (skfolio, PyPortfolioOpt) fit on return
histories, not on a given covariance, and would need a solver call per sampled matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from fingan.data.correlations import correlation_distance
from fingan.errors import ConfigError, DataError
from fingan.validation.correlations import as_batch


def equal_weight(cov: np.ndarray) -> np.ndarray:
    """1/N in every asset."""
    return np.full(len(cov), 1.0 / len(cov))


def inverse_volatility(cov: np.ndarray) -> np.ndarray:
    """Weights proportional to 1 / sigma_i."""
    w = 1.0 / np.sqrt(np.diag(cov))
    return w / w.sum()


def minimum_variance(cov: np.ndarray) -> np.ndarray:
    r"""Global minimum-variance weights :math:`\Sigma^{-1} 1 / (1^T \Sigma^{-1} 1)` (short sales allowed)."""
    w = np.linalg.solve(cov, np.ones(len(cov)))
    return w / w.sum()


def hierarchical_risk_parity(cov: np.ndarray) -> np.ndarray:
    """Hierarchical risk parity (Lopez de Prado 2016).

    Assets are ordered by single-linkage clustering on d = sqrt(2 (1 - rho)) (SciPy), and
    the ordered list is bisected recursively: each half gets a share of its parent's weight
    inversely proportional to the variance of its inverse-variance portfolio.
    """
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    link = hierarchy.linkage(squareform(correlation_distance(corr), checks=False), method="single")
    order = hierarchy.leaves_list(link)
    weights = np.ones(len(cov))

    def cluster_variance(items: np.ndarray) -> float:
        sub = cov[np.ix_(items, items)]
        ivp = 1.0 / np.diag(sub)
        ivp /= ivp.sum()
        return float(ivp @ sub @ ivp)

    stack = [order]
    while stack:
        items = stack.pop()
        if len(items) < 2:
            continue
        left, right = items[: len(items) // 2], items[len(items) // 2:]
        v_left, v_right = cluster_variance(left), cluster_variance(right)
        alpha = 1.0 - v_left / (v_left + v_right)
        weights[left] *= alpha
        weights[right] *= 1.0 - alpha
        stack += [left, right]
    return weights / weights.sum()


ALLOCATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "equal weight": equal_weight,
    "inverse volatility": inverse_volatility,
    "minimum variance": minimum_variance,
    "hierarchical risk parity": hierarchical_risk_parity,
}


def allocation_stress(
    matrices: Any,
    volatilities: Any,
    methods: Sequence[str] = tuple(ALLOCATIONS),
    n_trials: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Realised volatility of portfolios built on one sampled matrix and held under another.

    Parameters
    ----------
    matrices : array (n, N, N)
        Correlation matrices drawn from one model (CorrGAN, a baseline, or empirical).
    volatilities : array (N,)
        Annualised volatilities of the N assets; covariance = D C D.
    methods : names from :data:`ALLOCATIONS`
    n_trials : int, optional
        Number of (build, hold) pairs, drawn at random; default n // 2 disjoint pairs.

    Returns
    -------
    dict with ``"realised"`` (DataFrame, one column per method, one row per trial) and
    ``"summary"`` (mean, sd and quantiles of the realised volatility per method).
    """
    batch = as_batch(matrices)
    vol = np.asarray(volatilities, dtype=float)
    if vol.shape != (batch.shape[1],) or np.any(vol <= 0) or not np.isfinite(vol).all():
        raise DataError(f"volatilities must be {batch.shape[1]} positive numbers, got shape {vol.shape}")
    unknown = [m for m in methods if m not in ALLOCATIONS]
    if unknown:
        raise ConfigError(f"unknown allocation(s) {', '.join(unknown)}; choose from {', '.join(ALLOCATIONS)}")
    if len(batch) < 2:
        raise DataError("need at least 2 matrices: one to build each portfolio on and one to hold it under")
    rng = np.random.default_rng(seed)
    if n_trials is None:
        pairs = rng.permutation(len(batch))[: 2 * (len(batch) // 2)].reshape(-1, 2)
    else:
        pairs = np.stack([rng.choice(len(batch), 2, replace=False) for _ in range(n_trials)])
    scale = np.outer(vol, vol)
    realised = {m: np.empty(len(pairs)) for m in methods}
    for t, (build, hold) in enumerate(pairs):
        cov_build, cov_hold = batch[build] * scale, batch[hold] * scale
        for m in methods:
            w = ALLOCATIONS[m](cov_build)
            realised[m][t] = np.sqrt(w @ cov_hold @ w)
    frame = pd.DataFrame(realised)
    summary = frame.describe(percentiles=[0.05, 0.5, 0.95]).T[["mean", "std", "5%", "50%", "95%"]]
    return {"realised": frame, "summary": summary}
