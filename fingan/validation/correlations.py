"""Facts of financial correlation matrices (Marti 2020, CorrGAN), vectorised over a batch.

Every function takes a batch (n, N, N) (a single (N, N) matrix is a batch of one).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import integrate, stats
from scipy.cluster import hierarchy
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import squareform

from fingan.data.correlations import correlation_distance
from fingan.errors import DataError


def as_batch(corr: Any) -> np.ndarray:
    """Matrices as a float array (n, N, N)."""
    arr = np.asarray(corr, dtype=float)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2] or arr.shape[1] < 2:
        raise DataError(f"correlation matrices must have shape (N, N) or (n, N, N), got {np.shape(corr)}")
    if not np.isfinite(arr).all():
        raise DataError("correlation matrices contain NaN or infinite values")
    return arr


def validity(corr: Any, tol: float = 1e-6) -> dict[str, np.ndarray]:
    """Per-matrix checks: symmetric, unit diagonal, entries in [-1, 1], PSD (smallest eigenvalue >= -tol).

    Returns boolean arrays (n,) for each check and ``valid``, their conjunction.
    """
    c = as_batch(corr)
    out = {
        "symmetric": np.all(np.abs(c - c.transpose(0, 2, 1)) <= tol, axis=(1, 2)),
        "unit_diagonal": np.all(np.abs(np.diagonal(c, axis1=1, axis2=2) - 1) <= tol, axis=1),
        "in_range": np.all(np.abs(c) <= 1 + tol, axis=(1, 2)),
        "psd": np.linalg.eigvalsh((c + c.transpose(0, 2, 1)) / 2)[:, 0] >= -tol,
    }
    out["valid"] = out["symmetric"] & out["unit_diagonal"] & out["in_range"] & out["psd"]
    return out


def offdiagonal(corr: Any) -> np.ndarray:
    """Upper-triangle coefficients of each matrix, shape (n, N (N - 1) / 2)."""
    c = as_batch(corr)
    i, j = np.triu_indices(c.shape[1], k=1)
    return c[:, i, j]


def eigen(corr: Any) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues in decreasing order (n, N) and the matching eigenvectors (n, N, N) (columns)."""
    c = as_batch(corr)
    values, vectors = np.linalg.eigh((c + c.transpose(0, 2, 1)) / 2)
    return values[:, ::-1], vectors[:, :, ::-1]


def market_share(corr: Any) -> np.ndarray:
    """Largest eigenvalue over the trace N: the share of variance of the market mode, (n,)."""
    values, _ = eigen(corr)
    return values[:, 0] / values.shape[1]


def marchenko_pastur_edges(q: float, sigma2: float = 1.0) -> tuple[float, float]:
    r"""Support of the Marchenko-Pastur law for q = N / T: :math:`\sigma^2 (1 \mp \sqrt q)^2`."""
    if q <= 0:
        raise DataError(f"q = N / T must be positive, got {q}")
    return sigma2 * (1 - np.sqrt(q)) ** 2, sigma2 * (1 + np.sqrt(q)) ** 2


def marchenko_pastur_pdf(x: np.ndarray, q: float, sigma2: float = 1.0) -> np.ndarray:
    r"""Density of the Marchenko-Pastur law (q <= 1): :math:`\sqrt{(\lambda_+ - x)(x - \lambda_-)} / (2\pi\sigma^2 q x)`."""
    lo, hi = marchenko_pastur_edges(q, sigma2)
    x = np.asarray(x, dtype=float)
    inside = (x > lo) & (x < hi)
    out = np.zeros_like(x)
    out[inside] = np.sqrt((hi - x[inside]) * (x[inside] - lo)) / (2 * np.pi * sigma2 * q * x[inside])
    return out


def eigenvalues_above_mp(corr: Any, window: int) -> np.ndarray:
    """Number of eigenvalues above the Marchenko-Pastur upper edge (1 + sqrt(N / window))^2, (n,)."""
    values, _ = eigen(corr)
    return (values > marchenko_pastur_edges(values.shape[1] / window)[1]).sum(axis=1)


def mp_bulk_distance(corr: Any, window: int) -> np.ndarray:
    r"""Kolmogorov-Smirnov distance between each matrix's bulk and the Marchenko-Pastur law, (n,).

    The bulk is the eigenvalues below the upper edge; following Laloux et al. (2000) the
    law's variance is :math:`\sigma^2 = 1 - \lambda_{max} / N`, the variance the market
    mode leaves. Needs N <= window.
    """
    values, _ = eigen(corr)
    n_assets = values.shape[1]
    q = n_assets / window
    if q > 1:
        raise DataError(f"N = {n_assets} exceeds the window {window}: the Marchenko-Pastur bulk needs N <= T")
    out = np.empty(len(values))
    for i, v in enumerate(values):
        sigma2 = max(1 - v[0] / n_assets, 1e-3)
        lo, hi = marchenko_pastur_edges(q, sigma2)
        grid = np.linspace(lo, hi, 2001)
        cdf = integrate.cumulative_trapezoid(marchenko_pastur_pdf(grid, q, sigma2), grid, initial=0)
        cdf /= cdf[-1]
        bulk = np.sort(v[v <= hi])
        if len(bulk) == 0:
            out[i] = 1.0
            continue
        model = np.interp(bulk, grid, cdf)
        ecdf_hi = np.arange(1, len(bulk) + 1) / len(bulk)
        ecdf_lo = np.arange(len(bulk)) / len(bulk)
        out[i] = max(np.abs(model - ecdf_hi).max(), np.abs(model - ecdf_lo).max())
    return out


def perron_frobenius(corr: Any) -> np.ndarray:
    """Whether the first eigenvector has entries of one sign (Perron-Frobenius property), (n,) bool."""
    _, vectors = eigen(corr)
    first = vectors[:, :, 0]
    return np.all(first >= 0, axis=1) | np.all(first <= 0, axis=1)


def _distance(c: np.ndarray) -> np.ndarray:
    return squareform(correlation_distance(c), checks=False)


def cophenetic_correlation(corr: Any, method: str = "ward") -> np.ndarray:
    """Cophenetic correlation of a hierarchical clustering on d = sqrt(2 (1 - rho)), (n,).

    Near 1 when the matrix has a clean nested (hierarchical) block structure (SciPy).
    """
    out = []
    for c in as_batch(corr):
        d = _distance(c)
        out.append(hierarchy.cophenet(hierarchy.linkage(d, method=method), d)[0])
    return np.asarray(out)


def mst_degrees(corr: Any) -> np.ndarray:
    """Node degrees of the minimum spanning tree on d = sqrt(2 (1 - rho)), shape (n, N)."""
    out = []
    for c in as_batch(corr):
        d = correlation_distance(c)
        np.fill_diagonal(d, 0.0)
        tree = minimum_spanning_tree(d + 1e-12 * (d == 0) * (1 - np.eye(len(d)))).toarray()
        adj = (tree + tree.T) > 0
        out.append(adj.sum(axis=1))
    return np.asarray(out)


def power_law_alpha(degrees: np.ndarray, k_min: int = 1) -> float:
    r"""Maximum-likelihood exponent of a discrete power law P(k) ~ k^{-alpha} for k >= k_min.

    The approximation of Clauset, Shalizi, Newman (2009), eq. 3.7:
    :math:`\hat\alpha = 1 + n / \sum_i \log(k_i / (k_{min} - 1/2))`. A scale-free MST
    (real markets) has a heavy degree tail: a few hubs, many leaves.
    """
    k = np.asarray(degrees, dtype=float).ravel()
    k = k[k >= k_min]
    if len(k) < 2:
        raise DataError("need at least 2 degrees to fit a power law")
    return float(1 + len(k) / np.log(k / (k_min - 0.5)).sum())


def correlation_fact_parts(corr: Any, window: int | None = None) -> dict[str, np.ndarray]:
    """The per-matrix statistics every correlation fact is built from, one value per matrix.

    :func:`facts_from_parts` turns them (or any resample of their rows) into the facts, so
    a bootstrap of the facts needs the costly part (spanning trees, clusterings,
    eigenvalues) once, not once per resample.
    """
    c = as_batch(corr)
    coeffs = offdiagonal(c)
    degrees = mst_degrees(c).astype(float)
    parts = {
        "valid": validity(c)["valid"].astype(float),
        "coefficient mean": coeffs.mean(axis=1),
        "coefficient square mean": (coeffs**2).mean(axis=1),
        "market share": market_share(c),
        "perron-frobenius": perron_frobenius(c).astype(float),
        "cophenetic": cophenetic_correlation(c),
        "mst max degree": degrees.max(axis=1),
        "mst log degree sum": np.log(degrees / 0.5).sum(axis=1),  # power-law MLE with k_min = 1 (all degrees)
        "mst degrees": np.full(len(c), float(degrees.shape[1])),
    }
    if window is not None:
        parts["above mp"] = eigenvalues_above_mp(c, window).astype(float)
        if c.shape[1] <= window:
            parts["mp distance"] = mp_bulk_distance(c, window)
    return parts


def facts_from_parts(parts: dict[str, np.ndarray], rows: np.ndarray | None = None) -> dict[str, float]:
    """The correlation facts of the matrices ``rows`` (all by default) from their parts."""
    p = parts if rows is None else {k: v[rows] for k, v in parts.items()}
    mean, square = float(p["coefficient mean"].mean()), float(p["coefficient square mean"].mean())
    facts = {
        "share valid": float(p["valid"].mean()),
        "mean coefficient": mean,
        "sd of coefficients": float(np.sqrt(max(square - mean**2, 0.0))),  # every matrix has as many coefficients
        "market eigenvalue share": float(p["market share"].mean()),
        "Perron-Frobenius share": float(p["perron-frobenius"].mean()),
        "cophenetic correlation": float(p["cophenetic"].mean()),
        "MST max degree": float(p["mst max degree"].mean()),
        "MST degree power-law alpha": float(1 + p["mst degrees"].sum() / p["mst log degree sum"].sum()),
    }
    if "above mp" in p:
        facts["eigenvalues above MP edge"] = float(p["above mp"].mean())
    if "mp distance" in p:
        facts["MP bulk KS distance"] = float(p["mp distance"].mean())
    return facts


def correlation_facts(corr: Any, window: int | None = None) -> dict[str, float]:
    """Every correlation fact as one flat dict (the scorecard's rows); MP facts need the window length."""
    return facts_from_parts(correlation_fact_parts(corr, window))


def correlation_distances(synthetic: Any, reference: Any) -> dict[str, float]:
    """Wasserstein-1 distance between the synthetic and reference distributions of each per-matrix statistic."""
    syn, ref = as_batch(synthetic), as_batch(reference)
    per_matrix = {
        "coefficients": lambda c: offdiagonal(c).ravel(),
        "market eigenvalue share": market_share,
        "cophenetic correlation": cophenetic_correlation,
        "MST max degree": lambda c: mst_degrees(c).max(axis=1),
    }
    out = {name: float(stats.wasserstein_distance(f(syn), f(ref))) for name, f in per_matrix.items()}
    out["eigenvalue spectrum"] = float(stats.wasserstein_distance(eigen(syn)[0].ravel(), eigen(ref)[0].ravel()))
    return out
