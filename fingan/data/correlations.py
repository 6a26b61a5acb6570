"""Empirical correlation matrices from return panels, ordered by hierarchical clustering."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch
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
    return_starts: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
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
    return_starts : bool
        Also return each matrix's window start (row position in ``returns``).
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
    corr = order_by_clustering(corr) if order else corr
    return (corr, starts) if return_starts else corr


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


def clip_to_correlation(corr: Any, eps: float = 1e-8) -> Any:
    r"""Eigenvalue clipping: :math:`C = D^{-1/2} V \max(\Lambda, \epsilon) V^T D^{-1/2}`.

    Fast (one batched ``torch.linalg.eigh``) and always valid: symmetric, unit diagonal,
    eigenvalues >= 0; but not the nearest such matrix. Takes and returns a numpy array or a
    torch tensor of shape (..., N, N).
    """
    x, to_numpy = _as_tensor(corr)
    values, vectors = torch.linalg.eigh((x + x.transpose(-1, -2)) / 2)
    psd = (vectors * values.clamp_min(eps)[..., None, :]) @ vectors.transpose(-1, -2)
    d = torch.diagonal(psd, dim1=-2, dim2=-1).rsqrt()
    out = psd * d[..., :, None] * d[..., None, :]
    out = (out + out.transpose(-1, -2)) / 2
    out.diagonal(dim1=-2, dim2=-1).fill_(1.0)
    return out.cpu().numpy() if to_numpy else out


def nearest_correlation(
    corr: Any,
    tol: float = 1e-8,
    max_iter: int = 1000,
    eps: float = 1e-8,
) -> Any:
    r"""Nearest correlation matrices in Frobenius norm, by Higham's (2002) alternating projections.

    Alternates the projection onto PSD matrices (negative eigenvalues set to 0) with
    Dykstra's correction and the projection onto unit-diagonal matrices, for the whole
    batch at once (``torch.linalg.eigh``; runs on the GPU when given a CUDA tensor), until
    every matrix moves by less than ``tol`` (relative Frobenius norm) in one sweep. A
    final :func:`clip_to_correlation` with ``eps`` makes each result exactly valid
    (it moves a converged matrix by about ``eps``). Raises :class:`DataError` when
    ``max_iter`` sweeps do not reach ``tol``.
    """
    x, to_numpy = _as_tensor(corr)
    y = (x + x.transpose(-1, -2)) / 2
    correction = torch.zeros_like(y)
    for _ in range(max_iter):
        r = y - correction
        values, vectors = torch.linalg.eigh(r)
        psd = (vectors * values.clamp_min(0)[..., None, :]) @ vectors.transpose(-1, -2)
        correction = psd - r
        new = psd.clone()
        new.diagonal(dim1=-2, dim2=-1).fill_(1.0)
        change = torch.linalg.matrix_norm(new - y) / torch.linalg.matrix_norm(y)
        y = new
        if bool((change < tol).all()):
            break
    else:
        raise DataError(f"nearest_correlation did not converge to tol={tol} in {max_iter} sweeps")
    out = clip_to_correlation(y, eps)
    return out.cpu().numpy() if to_numpy else out


def _as_tensor(corr: Any) -> tuple[torch.Tensor, bool]:
    if isinstance(corr, torch.Tensor):
        x, to_numpy = corr.to(torch.float64), False
    else:
        x, to_numpy = torch.as_tensor(np.asarray(corr, dtype=float)), True
    if x.dim() < 2 or x.shape[-1] != x.shape[-2]:
        raise DataError(f"correlation matrices must have shape (..., N, N), got {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise DataError("correlation matrices contain NaN or infinite values")
    return x, to_numpy
