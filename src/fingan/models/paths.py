"""The sample API shared by every return model: Quant GAN and the baselines."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fingan.data.returns import prices_from_returns
from fingan.errors import ConfigError, DataError


def as_return_frame(returns: Any) -> pd.DataFrame:
    """Returns as a float DataFrame with a DatetimeIndex, checked for gaps and non-finite values."""
    frame = returns.to_frame() if isinstance(returns, pd.Series) else returns
    if not isinstance(frame, pd.DataFrame) or not isinstance(frame.index, pd.DatetimeIndex):
        raise DataError("returns must be a pandas DataFrame or Series with a DatetimeIndex "
                        "(use fingan.data.log_returns(load_prices(...)))")
    try:
        frame = frame.astype(float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"returns must be numeric: {exc}") from None
    if not np.isfinite(frame.to_numpy()).all():
        raise DataError("returns contain NaN or infinite values; clean them first")
    if not frame.index.is_monotonic_increasing or frame.index.has_duplicates:
        raise DataError("returns must have sorted, unique dates")
    return frame


def split_periods(
    returns: pd.DataFrame | pd.Series,
    train_end: str | pd.Timestamp,
    valid_end: str | pd.Timestamp | None = None,
) -> tuple[Any, Any, Any]:
    """Split returns by date into (train, validation, test) without overlap.

    Train is up to and including ``train_end``, validation up to ``valid_end``, test
    after it; without ``valid_end`` validation is empty and the rest is test.
    """
    idx = returns.index
    t_end = pd.Timestamp(train_end)
    v_end = t_end if valid_end is None else pd.Timestamp(valid_end)
    if v_end < t_end:
        raise DataError(f"valid_end {v_end.date()} is before train_end {t_end.date()}")
    parts = returns[idx <= t_end], returns[(idx > t_end) & (idx <= v_end)], returns[idx > v_end]
    if len(parts[0]) == 0:
        raise DataError(f"no returns on or before train_end {t_end.date()} (data start {idx[0].date()})")
    return parts


class PathModel:
    """Mixin: ``sample`` and ``sample_prices`` as DataFrames from a model's ``_paths``.

    A subclass sets ``columns_`` (asset names) and ``last_date_`` (last training date) in
    ``fit`` and implements ``_paths(n_paths, length, seed, **options)`` returning an
    array (n_paths, length, n_assets) of log returns.
    """

    columns_: list[str] | None = None
    last_date_: pd.Timestamp | None = None

    def _paths(self, n_paths: int, length: int, seed: int | None, **options: Any) -> np.ndarray:
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if self.columns_ is None:
            raise ConfigError(f"this {type(self).__name__} is not fitted yet: call fit(...) first")

    def sample(self, n_paths: int, length: int = 252, seed: int | None = 0, **options: Any) -> pd.DataFrame:
        """Draw ``n_paths`` return paths of ``length`` business days after the training data.

        Returns a DataFrame indexed by the business days following the last training
        date, with one column per path (single asset) or columns ``(path, asset)``
        (several assets). The same seed gives the same paths. No path is ever dropped.
        """
        self._check_fitted()
        if int(n_paths) < 1 or int(length) < 1:
            raise ConfigError(f"n_paths and length must be >= 1, got n_paths={n_paths}, length={length}")
        paths = np.asarray(self._paths(int(n_paths), int(length), seed, **options), dtype=float)
        index = pd.bdate_range(self.last_date_ + pd.offsets.BDay(1), periods=int(length), name="date")
        if len(self.columns_) == 1:
            return pd.DataFrame(paths[:, :, 0].T, index=index, columns=pd.RangeIndex(n_paths, name="path"))
        columns = pd.MultiIndex.from_product([range(n_paths), self.columns_], names=["path", "asset"])
        return pd.DataFrame(paths.transpose(1, 0, 2).reshape(length, -1), index=index, columns=columns)

    def sample_prices(
        self,
        n_paths: int,
        length: int = 252,
        start_price: float | dict[str, float] = 1.0,
        seed: int | None = 0,
        **options: Any,
    ) -> pd.DataFrame:
        """Price paths ``start_price * exp(cumulative sampled returns)``, laid out like :meth:`sample`.

        ``start_price`` is the price on the last training date: one number, or one per
        asset as a dict.
        """
        returns = self.sample(n_paths, length, seed=seed, **options)
        if isinstance(start_price, dict):
            missing = [c for c in self.columns_ if c not in start_price]
            if missing:
                raise ConfigError(f"start_price has no price for {', '.join(map(str, missing))}")
            start = np.array([start_price[c] for c in self.columns_] * n_paths, dtype=float)
        else:
            start = float(start_price)
        return prices_from_returns(returns, start)
