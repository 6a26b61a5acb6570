"""Log returns and the invertible Quant GAN preprocessing (standardise, inverse Lambert W, standardise)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from fingan.data.prices import parse_date, validate_prices
from fingan.errors import DataError


def log_returns(prices: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Daily log returns r_t = log(P_t / P_{t-1}); the first date is dropped.

    Prices are validated first (positive, finite, sorted unique dates, no gaps).
    """
    frame = prices.to_frame() if isinstance(prices, pd.Series) else prices
    clean = validate_prices(frame)
    out = np.log(clean).diff().iloc[1:]
    return out.iloc[:, 0].rename(prices.name) if isinstance(prices, pd.Series) else out


def prices_from_returns(
    returns: pd.DataFrame | pd.Series,
    start_price: float | pd.Series | np.ndarray = 1.0,
) -> pd.DataFrame | pd.Series:
    """Prices P_t = P_0 exp(r_1 + ... + r_t) at the dates of ``returns``.

    The inverse of :func:`log_returns`: ``prices_from_returns(log_returns(p), p.iloc[0])``
    equals ``p.iloc[1:]``. ``start_price`` is a number or one price per column.
    """
    start = np.asarray(start_price, dtype=float)
    if np.any(~np.isfinite(start)) or np.any(start <= 0):
        raise DataError(f"start_price must be positive and finite, got {start_price}")
    return np.exp(returns.cumsum()) * start


def inverse_lambert_w(z: np.ndarray, delta: np.ndarray | float) -> np.ndarray:
    r"""W_delta(z) = sign(z) sqrt(W(delta z^2) / delta): heavy-tailed z back to Gaussian-like u.

    Goerg (2015), heavy-tail Lambert W x F; W is the principal branch of Lambert's W
    (:func:`scipy.special.lambertw`). delta = 0 is the identity.
    """
    z = np.asarray(z, dtype=float)
    delta = np.broadcast_to(np.asarray(delta, dtype=float), z.shape[-1:] if z.ndim else ())
    safe = np.where(delta > 0, delta, 1.0)
    u = np.sign(z) * np.sqrt(np.real(special.lambertw(safe * z**2)) / safe)
    return np.where(delta > 0, u, z)


def lambert_w_forward(u: np.ndarray, delta: np.ndarray | float) -> np.ndarray:
    """z = u exp(delta u^2 / 2), the heavy-tail Lambert W transform (inverse of :func:`inverse_lambert_w`)."""
    u = np.asarray(u, dtype=float)
    return u * np.exp(np.asarray(delta, dtype=float) * u**2 / 2)


def _delta_gmm(z: np.ndarray, max_delta: float = 3.0) -> float:
    """delta whose back-transform of z has the Gaussian kurtosis 3 (Goerg 2015, delta_GMM)."""
    if stats.kurtosis(z, fisher=False) <= 3:
        return 0.0
    loss = lambda d: (stats.kurtosis(inverse_lambert_w(z, d), fisher=False) - 3.0) ** 2  # noqa: E731
    return float(optimize.minimize_scalar(loss, bounds=(0.0, max_delta), method="bounded",
                                          options={"xatol": 1e-8}).x)


def igmm(y: np.ndarray, tol: float = 1e-7, max_iter: int = 100) -> tuple[float, float, float]:
    """Iterative generalised method of moments for the heavy-tail Lambert W x Gaussian (Goerg 2015).

    Alternates: delta from the standardised data by :func:`_delta_gmm`, then mean and sd of
    the back-transformed data, until (mu, sigma, delta) move less than ``tol``.

    Returns
    -------
    (mu, sigma, delta)
    """
    y = np.asarray(y, dtype=float)
    mu, sigma, delta = float(np.median(y)), float(y.std()), 0.0
    for _ in range(max_iter):
        z = (y - mu) / sigma
        new_delta = _delta_gmm(z)
        x = mu + sigma * inverse_lambert_w(z, new_delta)
        new_mu, new_sigma = float(x.mean()), float(x.std())
        moved = abs(new_mu - mu) + abs(new_sigma - sigma) + abs(new_delta - delta)
        mu, sigma, delta = new_mu, new_sigma, new_delta
        if moved < tol:
            break
    return mu, sigma, delta


class LambertWGaussianizer(TransformerMixin, BaseEstimator):
    """Per-column inverse Lambert W transform that makes heavy tails close to Gaussian.

    ``fit`` estimates (mu, sigma, delta) per column by :func:`igmm`; ``transform`` returns
    ``W_delta((x - mu) / sigma)`` and ``inverse_transform`` maps back exactly.
    """

    def fit(self, X: Any, y: Any = None) -> LambertWGaussianizer:
        X = np.asarray(X, dtype=float)
        params = np.array([igmm(X[:, j]) for j in range(X.shape[1])])
        self.mu_, self.sigma_, self.delta_ = params[:, 0], params[:, 1], params[:, 2]
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "delta_")
        return inverse_lambert_w((np.asarray(X, dtype=float) - self.mu_) / self.sigma_, self.delta_)

    def inverse_transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "delta_")
        return self.mu_ + self.sigma_ * lambert_w_forward(np.asarray(X, dtype=float), self.delta_)


class IdentityLambertW(LambertWGaussianizer):
    """The Lambert W step switched off: mu = 0, sigma = 1, delta = 0 for every column."""

    def fit(self, X: Any, y: Any = None) -> IdentityLambertW:
        n = np.asarray(X).shape[1]
        self.mu_, self.sigma_, self.delta_ = np.zeros(n), np.ones(n), np.zeros(n)
        return self


class ReturnTransform:
    """The Quant GAN preprocessing: standardise, inverse Lambert W, standardise again.

    Wiese et al. (2020), section 6: heavy-tailed log returns are made close to Gaussian
    before the windows are cut, and generated series go back through the exact inverse.
    A DataFrame in gives a DataFrame out (same index and columns); arrays of shape
    (n, assets) or (..., assets) work too.

    Parameters
    ----------
    lambert_w : bool
        Gaussianise the tails (the paper's preprocessing). ``False`` keeps only the
        standardisation, so a generator must make the heavy tails itself (e.g. through
        its volatility, :class:`~fingan.nets.SVNN`); the Lambert W step is then the
        identity (delta = 0) and the saved state has the same fields.
    """

    def __init__(self, lambert_w: bool = True) -> None:
        self.lambert_w = bool(lambert_w)
        self.pipeline = Pipeline([
            ("standardise", StandardScaler()),
            ("lambert_w", LambertWGaussianizer() if self.lambert_w else IdentityLambertW()),
            ("restandardise", StandardScaler()),
        ])
        self.columns_: list[str] | None = None

    def _values(self, x: Any) -> tuple[np.ndarray, tuple[int, ...]]:
        arr = np.asarray(x, dtype=float)
        if arr.ndim == 1:
            arr = arr[:, None]
        if not np.isfinite(arr).all():
            raise DataError("returns contain NaN or infinite values")
        return arr.reshape(-1, arr.shape[-1]), arr.shape

    def fit(self, returns: Any) -> ReturnTransform:
        values, _ = self._values(returns)
        if len(values) < 10:
            raise DataError(f"need at least 10 returns to fit the transform, got {len(values)}")
        self.columns_ = list(returns.columns) if isinstance(returns, pd.DataFrame) else None
        flat = np.ptp(values, axis=0) == 0
        if flat.any():
            names = [str(c) for c, f in zip(self.columns_ or range(values.shape[1]), flat) if f]
            raise DataError(f"returns of {', '.join(names)} are constant: nothing to learn (prices that never move?)")
        self.pipeline.fit(values)
        return self

    def _apply(self, x: Any, method: str) -> Any:
        values, shape = self._values(x)
        out = getattr(self.pipeline, method)(values).reshape(shape)
        if isinstance(x, pd.DataFrame):
            return pd.DataFrame(out, index=x.index, columns=x.columns)
        if isinstance(x, pd.Series):
            return pd.Series(out[:, 0], index=x.index, name=x.name)
        return out if np.ndim(x) > 1 else out[:, 0]

    def transform(self, returns: Any) -> Any:
        """Returns to the Gaussianised scale."""
        return self._apply(returns, "transform")

    def inverse_transform(self, z: Any) -> Any:
        """Gaussianised values back to returns (exact inverse of :meth:`transform`)."""
        return self._apply(z, "inverse_transform")

    def fit_transform(self, returns: Any) -> Any:
        return self.fit(returns).transform(returns)

    @property
    def delta_(self) -> np.ndarray:
        """Fitted Lambert W tail parameter per column."""
        return self.pipeline.named_steps["lambert_w"].delta_

    def state_dict(self) -> dict[str, Any]:
        """Fitted parameters as plain arrays, for saving without pickle."""
        s1, lw, s2 = (self.pipeline.named_steps[k] for k in ("standardise", "lambert_w", "restandardise"))
        return {
            "mean1": s1.mean_, "scale1": s1.scale_, "mu": lw.mu_, "sigma": lw.sigma_, "delta": lw.delta_,
            "mean2": s2.mean_, "scale2": s2.scale_, "columns": self.columns_,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ReturnTransform:
        out = cls()
        s1, lw, s2 = (out.pipeline.named_steps[k] for k in ("standardise", "lambert_w", "restandardise"))
        for scaler, mean, scale in ((s1, "mean1", "scale1"), (s2, "mean2", "scale2")):
            scaler.mean_, scaler.scale_ = np.asarray(state[mean]), np.asarray(state[scale])
            scaler.var_, scaler.n_features_in_ = scaler.scale_**2, len(scaler.mean_)
        lw.mu_, lw.sigma_, lw.delta_ = (np.asarray(state[k]) for k in ("mu", "sigma", "delta"))
        out.columns_ = state.get("columns")
        return out


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
    t_end = parse_date(train_end, "train_end")
    v_end = t_end if valid_end is None else parse_date(valid_end, "valid_end")
    if v_end < t_end:
        raise DataError(f"valid_end {v_end.date()} is before train_end {t_end.date()}")
    parts = returns[idx <= t_end], returns[(idx > t_end) & (idx <= v_end)], returns[idx > v_end]
    if len(parts[0]) == 0:
        raise DataError(f"no returns on or before train_end {t_end.date()} (data start {idx[0].date()})")
    return parts
