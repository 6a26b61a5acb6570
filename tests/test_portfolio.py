"""A Quant GAN as skfolio's synthetic-data prior: fit, sample linear returns, optimise a portfolio on them."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from skfolio import RiskMeasure
from skfolio.optimization import MeanRisk
from skfolio.preprocessing import prices_to_returns
from skfolio.prior import SyntheticData

from fingan.apps.portfolio import GANDistribution
from fingan.data import load_prices
from fingan.errors import DataError
from fingan.models import QuantGAN

TINY = {"hidden": 8, "dilations": (1, 2), "window": 32, "batch_size": 32, "steps": 20, "device": "cpu",
        "progress": False}


@pytest.fixture(scope="module")
def returns():
    prices = load_prices("sp500-stocks", start="2015-01-01", end="2019-12-31", tickers=["AAPL", "JPM", "XOM", "PG"])
    return prices_to_returns(prices)  # linear returns, as skfolio uses them


def test_gan_distribution_samples_linear_returns_of_every_asset(returns):
    dist = GANDistribution(QuantGAN(**TINY), horizon=5, random_state=0).fit(returns)
    sample = dist.sample(300)
    assert sample.shape == (300, 4) and np.isfinite(sample).all() and (sample > -1).all()
    assert np.array_equal(sample, dist.sample(300))  # a random_state gives the same draws
    assert list(dist.feature_names_in_) == ["AAPL", "JPM", "XOM", "PG"]
    # five-day returns spread about sqrt(5) times as far as one-day ones of the same model
    one_day = dist.set_params(horizon=1).sample(3000)
    assert 1.5 < dist.set_params(horizon=5).sample(3000).std() / one_day.std() < 3.5
    assert clone(dist).get_params()["horizon"] == 5
    with pytest.raises(DataError, match="above -100%"):
        GANDistribution(QuantGAN(**TINY)).fit(returns - 2)


def test_min_cvar_portfolio_on_gan_scenarios(returns):
    prior = SyntheticData(distribution_estimator=GANDistribution(QuantGAN(**TINY), random_state=0), n_samples=2000)
    model = MeanRisk(risk_measure=RiskMeasure.CVAR, prior_estimator=prior).fit(returns)
    weights = model.weights_
    assert weights.shape == (4,) and weights.sum() == pytest.approx(1.0, abs=1e-6) and (weights >= -1e-8).all()
    distribution = model.prior_estimator_.return_distribution_
    assert distribution.returns.shape == (2000, 4)
    portfolio = model.predict(returns)  # the optimised weights held over the real history
    assert isinstance(portfolio.cvar, float) and np.isfinite(portfolio.cvar)
