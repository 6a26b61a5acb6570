"""Data: price sources, returns and their invertible transform, windows, correlation matrices, toy data."""

from fingan.data.correlations import order_by_clustering, rolling_correlations
from fingan.data.prices import load_index, load_prices, read_price_file, validate_prices
from fingan.data.returns import (
    LambertWGaussianizer,
    ReturnTransform,
    as_return_frame,
    igmm,
    inverse_lambert_w,
    lambert_w_forward,
    log_returns,
    prices_from_returns,
    split_periods,
)
from fingan.data.toy import TOY_DISTRIBUTIONS, GaussianMixture, load_toy, toy_distribution
from fingan.data.windows import ReturnWindows
from fingan.data.yahoo import fetch_yahoo

__all__ = [
    "TOY_DISTRIBUTIONS",
    "GaussianMixture",
    "LambertWGaussianizer",
    "ReturnTransform",
    "ReturnWindows",
    "as_return_frame",
    "fetch_yahoo",
    "igmm",
    "inverse_lambert_w",
    "lambert_w_forward",
    "load_index",
    "load_prices",
    "load_toy",
    "log_returns",
    "order_by_clustering",
    "prices_from_returns",
    "read_price_file",
    "rolling_correlations",
    "split_periods",
    "toy_distribution",
    "validate_prices",
]
