"""The sample API shared by every return model: Quant GAN and the baselines."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fingan.data.returns import prices_from_returns
from fingan.errors import ConfigError


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
