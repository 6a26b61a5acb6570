"""Resampling historical returns: the stationary block bootstrap (Politis and Romano 1994; block
length from ``arch.bootstrap``) and historical simulation for risk forecasts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from arch.bootstrap import optimal_block_length

from fingan.errors import ConfigError, DataError, as_count
from fingan.data.returns import as_return_frame
from fingan.models.paths import PathModel, check_forecast_sizes, origin_positions


class StationaryBootstrap(PathModel):
    """Paths glued from blocks of historical days with geometric lengths of mean ``block_size``.

    Whole days are resampled (all assets together), so cross-asset correlation and, within
    blocks, volatility clustering are kept. Without ``block_size`` the mean block length
    is the Politis-White (2004, corrected 2009) estimate on *squared* returns, averaged
    over assets, since the dependence worth keeping is in the volatility; the returns'
    own estimate is near 1.
    """

    def __init__(self, block_size: float | None = None) -> None:
        if block_size is not None and not block_size >= 1:
            raise ConfigError(f"block_size must be >= 1, got {block_size}")
        self.block_size = block_size
        self.block_size_: float | None = None
        self.history_: np.ndarray | None = None

    name = "stationary bootstrap"

    def fit(self, returns: pd.DataFrame | pd.Series) -> StationaryBootstrap:
        """Keep the historical returns and choose the mean block length; returns self."""
        frame = as_return_frame(returns)
        if len(frame) < 20:
            raise DataError(f"need at least 20 returns to bootstrap, got {len(frame)}")
        if self.block_size is None:
            estimate = optimal_block_length(frame.to_numpy() ** 2)["stationary"].mean()
            self.block_size_ = float(max(1.0, estimate))
        else:
            self.block_size_ = float(self.block_size)
        self.history_ = frame.to_numpy()
        self.columns_ = [str(c) for c in frame.columns]
        self.last_date_ = frame.index[-1]
        return self

    def _paths(self, n_paths: int, length: int, seed: int | None) -> np.ndarray:
        return self.history_[stationary_indices(len(self.history_), n_paths, length, self.block_size_, seed)]


def stationary_indices(n_hist: int, n_paths: int, length: int, block_size: float, seed: int | None) -> np.ndarray:
    """Day indices (n_paths, length) of the stationary bootstrap (Politis and Romano 1994).

    Each path starts on a uniform day; each next day is, with probability 1 / block_size,
    a new uniform day, else the day after (wrapping round the end of the history). The
    algorithm of ``arch.bootstrap.StationaryBootstrap``, vectorised over paths and drawing
    only ``length`` days per path: arch draws a whole history's worth of indices per
    call, which made long runs of short paths slow and memory-hungry.
    """
    rng = np.random.default_rng(seed)
    jump = rng.random((n_paths, length)) < 1.0 / block_size
    fresh = rng.integers(n_hist, size=(n_paths, length))
    index = np.empty((n_paths, length), dtype=np.int64)
    index[:, 0] = fresh[:, 0]
    for t in range(1, length):
        index[:, t] = np.where(jump[:, t], fresh[:, t], (index[:, t - 1] + 1) % n_hist)
    return index


class HistoricalSimulation:
    """Historical simulation: each origin's scenarios resample the ``window`` days before it.

    The risk desk's plainest model: every path is ``horizon`` days drawn independently
    and uniformly from the trailing window (all assets of a day together), so the 1-day
    VaR is the window's empirical quantile, up to resampling noise. Nothing is fitted;
    ``fit`` only records the columns.
    """

    name = "historical simulation"

    def __init__(self, window: int = 250) -> None:
        self.window = as_count(window, "window (days)", minimum=2)
        self.columns_: list[str] | None = None

    def fit(self, returns: pd.DataFrame | pd.Series) -> HistoricalSimulation:
        self.columns_ = [str(c) for c in as_return_frame(returns).columns]
        return self

    def forecast_paths(
        self, returns: pd.DataFrame | pd.Series, origins: Any = None, n_paths: int = 1000, horizon: int = 10,
        seed: int | None = None,
    ) -> np.ndarray:
        """Scenarios (n_origins, n_paths, horizon, n_assets); origins as in ``QuantGAN.forecast_paths``."""
        frame = as_return_frame(returns)
        n_paths, horizon = check_forecast_sizes(n_paths, horizon)
        positions = origin_positions(frame, origins)
        if positions.min() < self.window:
            raise DataError(f"historical simulation needs {self.window} days before every origin")
        rng = np.random.default_rng(seed)
        days = positions[:, None, None] - self.window + rng.integers(self.window, size=(len(positions), n_paths, horizon))
        return frame.to_numpy()[days]
