"""Data: toy distributions (later: prices, returns, windows, correlation matrices, images)."""

from fingan.data.toy import TOY_DISTRIBUTIONS, GaussianMixture, load_toy, toy_distribution

__all__ = ["TOY_DISTRIBUTIONS", "GaussianMixture", "load_toy", "toy_distribution"]
