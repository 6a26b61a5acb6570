"""Random correlation matrices a risk team would otherwise use: LKJ, a prescribed spectrum, bootstrap."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from scipy import integrate, stats

from fingan.errors import ConfigError, DataError, as_count
from fingan.validation.correlations import as_batch, marchenko_pastur_edges, marchenko_pastur_pdf


class _MatrixSampler:
    """Shared ``fit(matrices)`` bookkeeping and the check that a sampler is fitted."""

    n_assets_: int | None = None

    def _fit_shape(self, matrices: Any) -> np.ndarray:
        batch = as_batch(matrices)
        self.n_assets_ = batch.shape[1]
        return batch

    def _check(self, n: int) -> None:
        if self.n_assets_ is None:
            raise ConfigError(f"this {type(self).__name__} is not fitted yet: call fit(matrices) first")
        n = as_count(n, "n")


class LKJCorrelations(_MatrixSampler):
    """Random correlation matrices from the LKJ distribution (Lewandowski, Kurowicka, Joe 2009).

    Density proportional to det(C)^(concentration - 1): concentration 1 is uniform over
    correlation matrices. Sampled by ``torch.distributions.LKJCholesky`` (onion method).
    """

    name = "LKJ (onion)"

    def __init__(self, concentration: float = 1.0) -> None:
        if not concentration > 0:
            raise ConfigError(f"concentration must be > 0, got {concentration}")
        self.concentration = concentration

    def fit(self, matrices: Any) -> LKJCorrelations:
        """Take the size N from the empirical matrices; nothing else is fitted."""
        self._fit_shape(matrices)
        return self

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        self._check(n)
        with torch.random.fork_rng(devices=[]):  # LKJCholesky draws from the global generator
            torch.manual_seed(int(np.random.SeedSequence().generate_state(1)[0]) if seed is None else seed)
            chol = torch.distributions.LKJCholesky(self.n_assets_, self.concentration).sample((n,)).double()
        return (chol @ chol.transpose(-1, -2)).numpy()


def marchenko_pastur_quantiles(n: int, q: float) -> np.ndarray:
    """The n mid-quantiles ((i - 0.5) / n) of the Marchenko-Pastur law with ratio q = N / T and variance 1."""
    low, high = marchenko_pastur_edges(q)
    grid = np.linspace(low, high, 4001)
    cdf = integrate.cumulative_trapezoid(marchenko_pastur_pdf(grid, q), grid, initial=0.0)
    return np.interp((np.arange(n) + 0.5) / n, cdf / cdf[-1], grid)


class SpectrumCorrelations(_MatrixSampler):
    """Random correlation matrices with a prescribed spectrum: one market eigenvalue and a Marchenko-Pastur bulk.

    The market eigenvalue is the mean largest eigenvalue of the empirical matrices; the
    other N - 1 eigenvalues are Marchenko-Pastur quantiles for ratio N / window, scaled so
    that the trace is N. Eigenvectors are random (``scipy.stats.random_correlation``), so
    the spectrum is right and the structure (one-signed market mode, clusters) is not.
    """

    name = "market + MP spectrum"

    def __init__(self, window: int = 252) -> None:
        if window < 2:
            raise ConfigError(f"window must be >= 2, got {window}")
        self.window = window
        self.eigenvalues_: np.ndarray | None = None

    def fit(self, matrices: Any) -> SpectrumCorrelations:
        batch = self._fit_shape(matrices)
        n = self.n_assets_
        market = float(np.linalg.eigvalsh(batch)[:, -1].mean())
        if not 1 <= market < n:
            raise DataError(f"mean largest eigenvalue {market:.3f} is outside [1, N)")
        bulk = marchenko_pastur_quantiles(n - 1, n / self.window)
        self.eigenvalues_ = np.r_[bulk * (n - market) / bulk.sum(), market]
        return self

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        self._check(n)
        rng = np.random.default_rng(seed)
        out = np.stack([stats.random_correlation.rvs(self.eigenvalues_, random_state=rng) for _ in range(n)])
        return (out + out.transpose(0, 2, 1)) / 2


class CorrelationBootstrap(_MatrixSampler):
    """Matrices drawn with replacement from the empirical ones."""

    name = "bootstrap of windows"

    def fit(self, matrices: Any) -> CorrelationBootstrap:
        self.matrices_ = self._fit_shape(matrices)
        return self

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        self._check(n)
        rng = np.random.default_rng(seed)
        return self.matrices_[rng.integers(len(self.matrices_), size=n)].copy()
