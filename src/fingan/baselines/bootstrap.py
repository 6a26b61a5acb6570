"""Stationary block bootstrap of historical returns (Politis and Romano 1994), via ``arch.bootstrap``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from arch.bootstrap import StationaryBootstrap as _ArchStationaryBootstrap
from arch.bootstrap import optimal_block_length

from fingan.errors import ConfigError, DataError
from fingan.data.returns import as_return_frame
from fingan.models.paths import PathModel


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
        n_hist = len(self.history_)
        bootstrap = _ArchStationaryBootstrap(self.block_size_, np.arange(n_hist), seed=seed)
        draws_per_path = -(-length // n_hist)
        index = np.empty((n_paths, draws_per_path * n_hist), dtype=np.int64)
        for i in range(n_paths):
            for k in range(draws_per_path):
                index[i, k * n_hist:(k + 1) * n_hist] = bootstrap.update_indices()
        return self.history_[index[:, :length]]
