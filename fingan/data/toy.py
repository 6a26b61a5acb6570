"""Toy distributions for testing GAN variants: Gaussian mixtures with known modes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from fingan.errors import ConfigError
from fingan.registry import Registry


@dataclass(frozen=True)
class GaussianMixture:
    """A mixture of isotropic Gaussians ``sum_k w_k N(means_k, stds_k^2 I)``.

    Attributes
    ----------
    name : str
    means : ndarray (k, d)
    stds : ndarray (k,)
    weights : ndarray (k,), summing to 1
    """

    name: str
    means: np.ndarray
    stds: np.ndarray
    weights: np.ndarray

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def sample(self, n: int, seed: int | None = 0, return_components: bool = False):
        """Draw ``n`` points (float32, shape (n, d)); optionally also each point's component."""
        if n < 1:
            raise ConfigError(f"n must be >= 1, got {n}")
        rng = np.random.default_rng(seed)
        comp = rng.choice(len(self.weights), size=n, p=self.weights)
        x = self.means[comp] + self.stds[comp, None] * rng.standard_normal((n, self.dim))
        x = x.astype(np.float32)
        return (x, comp) if return_components else x

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Cumulative distribution function (1-D mixtures only)."""
        if self.dim != 1:
            raise ConfigError(f"cdf is defined for 1-D distributions; {self.name!r} has dimension {self.dim}")
        x = np.asarray(x, dtype=float)[..., None]
        return (self.weights * stats.norm.cdf(x, self.means[:, 0], self.stds)).sum(axis=-1)

    def mean(self) -> np.ndarray:
        return self.weights @ self.means


def _mixture(name: str, means, stds, weights=None) -> GaussianMixture:
    means = np.atleast_2d(np.asarray(means, dtype=float))
    k = means.shape[0]
    stds = np.broadcast_to(np.asarray(stds, dtype=float), (k,)).copy()
    weights = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, dtype=float)
    return GaussianMixture(name, means, stds, weights / weights.sum())


TOY_DISTRIBUTIONS: Registry[GaussianMixture] = Registry("toy data set")


@TOY_DISTRIBUTIONS.register("gaussian")
def gaussian() -> GaussianMixture:
    """1-D standard normal N(0, 1)."""
    return _mixture("gaussian", [[0.0]], 1.0)


@TOY_DISTRIBUTIONS.register("mixture")
def mixture() -> GaussianMixture:
    """1-D two-component mixture 0.5 N(-2, 0.5^2) + 0.5 N(2, 0.5^2)."""
    return _mixture("mixture", [[-2.0], [2.0]], 0.5)


@TOY_DISTRIBUTIONS.register("ring8")
def ring8() -> GaussianMixture:
    """Eight Gaussians (sd 0.01) equally spaced on the unit circle."""
    angles = 2 * np.pi * np.arange(8) / 8
    return _mixture("ring8", np.stack([np.cos(angles), np.sin(angles)], axis=1), 0.01)


@TOY_DISTRIBUTIONS.register("grid25")
def grid25() -> GaussianMixture:
    """25 Gaussians (sd 0.05) at the points of {-4, -2, 0, 2, 4}^2."""
    ticks = np.arange(-4.0, 5.0, 2.0)
    gx, gy = np.meshgrid(ticks, ticks, indexing="ij")
    return _mixture("grid25", np.stack([gx.ravel(), gy.ravel()], axis=1), 0.05)


@TOY_DISTRIBUTIONS.register("huber")
def huber(p: int = 50, contamination: float = 0.2) -> GaussianMixture:
    """Huber contamination (1 - eps) N(0, I_p) + eps N(5 * 1_p, 2 I_p), eps = 0.2, p = 50.

    Component 0 is the clean distribution, component 1 the contamination.
    """
    means = np.stack([np.zeros(p), np.full(p, 5.0)])
    return _mixture("huber", means, [1.0, np.sqrt(2.0)], [1 - contamination, contamination])


def toy_distribution(name: str) -> GaussianMixture:
    """The toy distribution registered as ``name`` (``TOY_DISTRIBUTIONS.names()``)."""
    return TOY_DISTRIBUTIONS.get(name)()


DEFAULT_SIZES = {"huber": 50_000}


def load_toy(name: str, n: int | None = None, seed: int = 0) -> np.ndarray:
    """Draw a training set from a toy distribution (50,000 points for ``huber``, else 10,000)."""
    return toy_distribution(name).sample(n or DEFAULT_SIZES.get(name, 10_000), seed=seed)
