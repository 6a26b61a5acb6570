"""Baselines: GARCH family through arch and the stationary block bootstrap, with the recipes' sample API."""

import numpy as np
import pandas as pd
import pytest
from arch.univariate import GARCH as ArchGARCH
from arch.univariate import ConstantMean, Normal

from fingan.baselines import GARCH, StationaryBootstrap
from fingan.data import load_prices, log_returns
from fingan.errors import ConfigError, DataError
from fingan.validation.returns import excess_kurtosis, leverage


@pytest.fixture(scope="module")
def sp500():
    return log_returns(load_prices("sp500"))


def simulated_garch(omega=0.05, alpha=0.1, beta=0.85, n=4000, seed=0) -> pd.Series:
    """A GARCH(1,1) series (percent units, divided by 100) with known parameters, simulated by arch."""
    model = ConstantMean(volatility=ArchGARCH(), distribution=Normal(seed=np.random.default_rng(seed)))
    sim = model.simulate([0.02, omega, alpha, beta], n, burn=500)
    return pd.Series(sim["data"].to_numpy() / 100, index=pd.bdate_range("2000-01-03", periods=n), name="x")


def test_garch_recovers_the_parameters_of_a_simulated_series():
    fitted = GARCH().fit(simulated_garch()).params_["x"]
    assert fitted["alpha[1]"] == pytest.approx(0.1, abs=0.03)
    assert fitted["beta[1]"] == pytest.approx(0.85, abs=0.05)


def test_student_t_gives_heavier_tails_and_gjr_gives_leverage(sp500):
    normal, t, gjr = GARCH("normal").fit(sp500), GARCH("t").fit(sp500), GARCH("t", gjr=True).fit(sp500)
    k_normal = excess_kurtosis(normal.sample(300, 1000, seed=0)).mean()
    k_t = excess_kurtosis(t.sample(300, 1000, seed=0)).mean()
    assert k_t > k_normal + 1.0
    assert gjr.params_.loc["gamma[1]", "SP500"] > 0
    lev_gjr = leverage(gjr.sample(300, 1000, seed=0), 5).mean()
    lev_normal = leverage(normal.sample(300, 1000, seed=0), 5).mean()
    assert lev_gjr < lev_normal - 0.02  # falls raise later variance only with the GJR term
    assert gjr.name == "GJR-GARCH(1,1) Student-t"


def test_garch_samples_are_seeded_frames_after_the_data(sp500):
    model = GARCH("t").fit(sp500)
    a, b = model.sample(5, 30, seed=1), model.sample(5, 30, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a.to_numpy(), model.sample(5, 30, seed=2).to_numpy())
    assert a.index[0] == sp500.index[-1] + pd.offsets.BDay(1) and a.shape == (30, 5)


def test_bootstrap_paths_are_made_of_historical_days_in_blocks(sp500):
    history = sp500.iloc[:2000]
    model = StationaryBootstrap().fit(history)
    assert model.block_size_ > 5  # squared returns are persistent: long blocks
    paths = model.sample(20, 3000, seed=0)  # longer than the history: several draws glued
    assert np.isin(paths.to_numpy(), history.to_numpy()).all()
    position = pd.Series(np.arange(len(history)), index=history.iloc[:, 0].to_numpy())
    steps = np.diff(position.reindex(paths[0].to_numpy()).to_numpy())
    assert np.mean(steps == 1) > 0.8  # consecutive days follow each other within blocks
    pd.testing.assert_frame_equal(paths, model.sample(20, 3000, seed=0))


def test_bootstrap_keeps_whole_days_of_several_assets():
    stocks = log_returns(load_prices("sp500-stocks", start="2015-01-01", end="2018-12-31", tickers=["AAPL", "JPM"]))
    paths = StationaryBootstrap(block_size=10).fit(stocks).sample(3, 100, seed=0)
    rows = {tuple(r) for r in stocks.to_numpy()}
    assert all(tuple(paths[p].iloc[i]) in rows for p in range(3) for i in range(100))


def test_baselines_reject_bad_input(sp500):
    with pytest.raises(ConfigError, match="dist"):
        GARCH("cauchy")
    with pytest.raises(ConfigError, match="block_size"):
        StationaryBootstrap(block_size=0.5)
    with pytest.raises(DataError, match="at least 100"):
        GARCH().fit(sp500.iloc[:50])
    with pytest.raises(ConfigError, match="not fitted"):
        StationaryBootstrap().sample(2, 10)
    with pytest.raises(ConfigError, match="n_paths must be >= 1"):
        GARCH().fit(sp500).sample(0, 10)


def test_stationary_bootstrap_indices_continue_blocks_with_the_right_probability():
    from fingan.baselines.bootstrap import stationary_indices

    idx = stationary_indices(500, 4000, 100, 8.0, seed=0)
    assert idx.shape == (4000, 100) and idx.min() >= 0 and idx.max() == 499
    steps = np.diff(idx, axis=1) % 500
    # a block continues (next day, wrapping at the end) with probability 1 - 1/8, plus chance jumps onto it
    assert abs((steps == 1).mean() - (7 / 8 + 1 / 8 / 500)) < 0.003
    assert np.array_equal(idx, stationary_indices(500, 4000, 100, 8.0, seed=0))
