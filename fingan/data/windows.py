"""Rolling windows of returns as a torch Dataset, with a date split that cannot leak."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from fingan.data.prices import parse_date
from fingan.errors import DataError


class ReturnWindows(Dataset):
    """Windows ``returns[i : i + length]`` every ``stride`` dates, shape (n, length, assets).

    Parameters
    ----------
    returns : DataFrame or Series
        Returns (or transformed returns) with a DatetimeIndex.
    length, stride : int
        Window length and the step between window starts.
    train_end : date-like, optional
        With ``split="train"`` only windows whose last date is on or before ``train_end``;
        with ``split="test"`` only windows whose first date is after it. No window of one
        split contains a date of the other.
    split : {"train", "test", "all"}

    Attributes
    ----------
    tensor : Tensor (n, length, assets), float32
    start_dates, end_dates : DatetimeIndex of each window's first and last date
    """

    def __init__(
        self,
        returns: pd.DataFrame | pd.Series,
        length: int,
        stride: int = 1,
        train_end: str | pd.Timestamp | None = None,
        split: Literal["train", "test", "all"] = "all" ,
    ) -> None:
        frame = returns.to_frame() if isinstance(returns, pd.Series) else returns
        if not isinstance(frame, pd.DataFrame) or not isinstance(frame.index, pd.DatetimeIndex):
            raise DataError("returns must be a pandas DataFrame or Series with a DatetimeIndex")
        if length < 1 or stride < 1:
            raise DataError(f"length and stride must be >= 1, got length={length}, stride={stride}")
        if split not in ("train", "test", "all"):
            raise DataError(f"split must be 'train', 'test' or 'all', not {split!r}")
        if split != "all" and train_end is None:
            raise DataError(f"split={split!r} needs train_end")
        values = frame.to_numpy(dtype=np.float32)
        if not np.isfinite(values).all():
            raise DataError("returns contain NaN or infinite values; clean them first")
        if split == "train":
            keep = frame.index <= parse_date(train_end, "train_end")
        elif split == "test":
            keep = frame.index > parse_date(train_end, "train_end")
        else:
            keep = np.ones(len(frame), dtype=bool)
        index, values = frame.index[keep], values[keep]
        if len(values) < length:
            raise DataError(f"{split} period has {len(values)} dates, fewer than the window length {length}")
        starts = np.arange(0, len(values) - length + 1, stride)
        view = np.lib.stride_tricks.sliding_window_view(values, length, axis=0)[starts]  # (n, assets, length)
        self.tensor = torch.from_numpy(np.ascontiguousarray(view.transpose(0, 2, 1)))
        self.start_dates = index[starts]
        self.end_dates = index[starts + length - 1]
        self._ages = len(values) - length - starts  # trading days from each window's last day to the last date
        self.columns = list(frame.columns)

    def recency_weights(self, half_life: float) -> np.ndarray:
        """Weights that halve with every ``half_life`` trading days of a window's age (the
        days from its last date to the last date of the split), 1 for the latest possible window."""
        return 0.5 ** (self._ages / float(half_life))

    def __len__(self) -> int:
        return self.tensor.shape[0]

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.tensor[i]
