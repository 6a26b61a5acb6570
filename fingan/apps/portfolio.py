"""A fitted fingan model as a return distribution for skfolio's ``SyntheticData`` prior.

skfolio optimises portfolios on a prior of asset returns; its ``SyntheticData`` prior
fits a ``distribution_estimator`` (a scikit-learn estimator with a ``sample`` method) on
the historical returns and optimises on the returns it samples. :class:`GANDistribution`
is that estimator for a Quant GAN, so a minimum-CVaR or a stress test runs on GAN
scenarios::

    from skfolio.optimization import MeanRisk
    from skfolio.prior import SyntheticData
    from skfolio import RiskMeasure

    prior = SyntheticData(distribution_estimator=GANDistribution(QuantGAN(steps=1200)), n_samples=5000)
    MeanRisk(risk_measure=RiskMeasure.CVAR, prior_estimator=prior).fit(X)

skfolio works with linear returns (``prices_to_returns``); the GAN trains on their log
and hands back linear returns again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from fingan.errors import DataError


class GANDistribution(BaseEstimator):
    """Returns of the assets over ``horizon`` days, drawn from a Quant GAN fitted on the history.

    Parameters
    ----------
    estimator : QuantGAN, optional
        The (unfitted) model; cloned at :meth:`fit`. By default the demo's network and
        budget (``fingan.bench.settings.MODES["small"]``: width 32, dilations 1-16, window 128,
        1,200 steps).
    horizon : int
        Each sample is the compounded return over this many days of a fresh path.
    random_state : int, optional
        Seed of the samples; ``None`` draws fresh ones on every call.
    """

    def __init__(self, estimator: Any = None, horizon: int = 1, random_state: int | None = None) -> None:
        self.estimator = estimator
        self.horizon = horizon
        self.random_state = random_state

    def fit(self, X: Any, y: None = None) -> GANDistribution:
        """Fit the GAN on linear returns ``X`` (n_observations, n_assets)."""
        from fingan.bench.settings import quantgan_options
        from fingan.models import QuantGAN

        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=float))
        if not isinstance(frame.index, pd.DatetimeIndex):  # plain arrays: consecutive business days
            frame = frame.set_axis(pd.bdate_range("2000-01-03", periods=len(frame)), axis=0)
        if (frame.to_numpy(dtype=float) <= -1).any():
            raise DataError("linear returns must be above -100%")
        frame.columns = [str(c) for c in frame.columns]
        base = self.estimator if self.estimator is not None else QuantGAN(
            **quantgan_options("small"))  # the demo's network and budget
        self.estimator_ = clone(base).fit(np.log1p(frame))
        self.n_features_in_ = frame.shape[1]
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        return self

    def sample(self, n_samples: int = 1000) -> np.ndarray:
        """``n_samples`` linear returns over ``horizon`` days, shape (n_samples, n_assets)."""
        paths = self.estimator_.sample(int(n_samples), int(self.horizon), seed=self.random_state).to_numpy()
        log_h = paths.reshape(int(self.horizon), int(n_samples), self.n_features_in_).sum(axis=0)
        return np.expm1(log_h)
