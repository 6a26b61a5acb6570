"""VaR / ES backtests (fingan.validation.risk) and the baselines' history-conditioned forecasts."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from fingan.baselines import GARCH, FilteredHistoricalSimulation, HistoricalSimulation
from fingan.errors import DataError
from fingan.validation import risk


def test_kupiec_matches_the_textbook_example():
    # 5 exceptions in 250 days at 99%: LR = 1.96 (Jorion, Value at Risk, the standard worked example)
    hits = np.zeros(250, dtype=bool)
    hits[[10, 60, 110, 160, 210]] = True
    result = risk.kupiec(hits, 0.01)
    assert result.statistic == pytest.approx(1.9568, abs=1e-3)
    assert result.pvalue == pytest.approx(stats.chi2.sf(1.9568, 1), abs=1e-3)
    assert risk.kupiec(np.zeros(250, dtype=bool), 0.01).statistic == pytest.approx(-2 * 250 * math.log(0.99))


def test_christoffersen_matches_a_hand_computed_sequence():
    hits = np.array([0, 0, 0, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    # transitions: n00 = 5, n01 = 1, n10 = 1, n11 = 2; pi01 = 1/6, pi11 = 2/3, pi = 3/9
    log = math.log
    restricted = 6 * log(2 / 3) + 3 * log(1 / 3)
    free = 5 * log(5 / 6) + log(1 / 6) + log(1 / 3) + 2 * log(2 / 3)
    ind = risk.christoffersen_independence(hits)
    assert ind.statistic == pytest.approx(-2 * (restricted - free), rel=1e-10)
    assert ind.pvalue == pytest.approx(stats.chi2.sf(-2 * (restricted - free), 1))
    cc = risk.christoffersen(hits, 0.05)
    assert cc.statistic == pytest.approx(ind.statistic + risk.kupiec(hits, 0.05).statistic)
    assert cc.pvalue == pytest.approx(stats.chi2.sf(cc.statistic, 2))
    # independent hits pass; the same number of hits in bunches fails
    scattered = np.random.default_rng(0).random(500) < 0.05
    assert risk.christoffersen_independence(scattered).pvalue > 0.05
    bunched = np.zeros(500, dtype=bool)
    bunched[[100, 101, 102, 103, 300, 301, 302, 303]] = True
    assert risk.christoffersen_independence(bunched).pvalue < 0.05


def test_var_es_pinball_and_fz0_of_a_known_distribution():
    draws = stats.norm.ppf((np.arange(200_000) + 0.5) / 200_000)
    var, es = risk.var_es(draws, 0.01)
    assert var == pytest.approx(stats.norm.ppf(0.01), abs=1e-3)
    assert es == pytest.approx(-stats.norm.pdf(stats.norm.ppf(0.01)) / 0.01, abs=1e-2)
    x = np.array([-3.0, 0.5])
    assert risk.pinball_loss(x, [-2.0, -2.0], 0.01) == pytest.approx(np.mean([(0.01 - 1) * -1.0, 0.01 * 2.5]))
    # FZ0 by its formula for one day below VaR and one above
    v, e = -2.0, -2.5
    expected = np.mean([-(v + 3) / (0.01 * e) + v / e + math.log(-e) - 1, v / e + math.log(-e) - 1])
    assert risk.fz0_loss(x, [v, v], [e, e], 0.01) == pytest.approx(expected)
    with pytest.raises(DataError, match="negative ES"):
        risk.fz0_loss(x, [v, v], [0.1, e], 0.01)
    with pytest.raises(DataError, match="tail probability"):
        risk.var_es(draws, 5)


def _garch_series(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A GARCH(1,1) normal series and its true conditional volatility."""
    rng = np.random.default_rng(seed)
    omega, alpha, beta = 0.05, 0.08, 0.9
    var = omega / (1 - alpha - beta)
    x, sigma = np.empty(n), np.empty(n)
    for t in range(n):
        sigma[t] = math.sqrt(var)
        x[t] = sigma[t] * rng.standard_normal()
        var = omega + alpha * x[t] ** 2 + beta * var
    return x, sigma


@pytest.mark.parametrize("level", [0.01, 0.05])
def test_a_correct_model_passes_and_a_mis_scaled_one_fails(level):
    x, sigma = _garch_series(2500, seed=3)
    z = stats.norm.ppf((np.arange(1000) + 0.5) / 1000)  # each day's forecast: exact normal quantiles
    right = risk.backtest(x, sigma[:, None] * z, level, seed=0)
    assert right["Kupiec p"] > 0.05 and right["Christoffersen cc p"] > 0.05 and right["ES test p"] > 0.05
    assert abs(right["Z2"]) < 0.3
    narrow = risk.backtest(x, 0.7 * sigma[:, None] * z, level, seed=0)
    assert narrow["Kupiec p"] < 0.05 and narrow["ES test p"] < 0.05 and narrow["Z2"] < 0
    # the scoring rules rank the right model first, against too narrow and too wide forecasts
    wide = risk.backtest(x, 1.5 * sigma[:, None] * z, level, seed=0)
    assert right["FZ0"] < min(narrow["FZ0"], wide["FZ0"])
    assert right["pinball"] < min(narrow["pinball"], wide["pinball"])
    # a constant forecast ignores the clustering: its hits come in bunches
    flat = risk.backtest(x, np.broadcast_to(x.std() * z, (len(x), 1000)), level, seed=0)
    assert flat["FZ0"] > right["FZ0"]


def test_horizon_returns_uses_non_overlapping_blocks():
    r = np.arange(25, dtype=float)
    paths = np.ones((25, 4, 10))
    starts, realised, scenarios = risk.horizon_returns(r, paths, 10)
    assert starts.tolist() == [0, 10] and realised.tolist() == [45.0, 145.0]
    assert scenarios.shape == (2, 4) and (scenarios == 10).all()
    with pytest.raises(DataError):
        risk.horizon_returns(r, paths[:, :, :5], 10)


@pytest.fixture(scope="module")
def sp500():
    from fingan.data import load_prices, log_returns

    return log_returns(load_prices("sp500", end="2010-12-31"))


def test_garch_forecasts_start_from_each_days_conditional_variance(sp500):
    model = GARCH("normal").fit(sp500.loc[:"2006-12-31"])
    origins = sp500.loc["2008-09-01":"2008-10-31"].index
    paths = model.forecast_paths(sp500, origins, n_paths=4000, horizon=5, seed=0)
    assert paths.shape == (len(origins), 4000, 5, 1)
    # arch's analytic one-day variance of the same fixed model, forecast from the day before each origin
    fixed = model._model(sp500.iloc[:, 0]).fix(model.results_[0].params)
    first = sp500.index.get_loc(origins[0]) - 1
    analytic = np.sqrt(fixed.forecast(horizon=1, start=first, reindex=False).variance.values[:len(origins), 0]) / 100
    assert np.allclose(paths[:, :, 0, 0].std(axis=1), analytic, rtol=0.06)
    # no look-ahead: returns after the last origin change nothing
    changed = sp500.copy()
    changed.loc["2008-11-01":] *= 3
    again = model.forecast_paths(changed, origins, n_paths=4000, horizon=5, seed=0)
    np.testing.assert_array_equal(again, paths)


def test_historical_simulations_resample_the_past(sp500):
    origins = sp500.loc["2009-01-01":"2009-01-31"].index
    hs = HistoricalSimulation(250).fit(sp500).forecast_paths(sp500, origins, n_paths=300, horizon=3, seed=1)
    first = sp500.index.get_loc(origins[0])
    window = sp500.iloc[first - 250:first].to_numpy().ravel()
    assert np.isin(hs[0].ravel(), window).all()
    fhs = FilteredHistoricalSimulation().fit(sp500.loc[:"2006-12-31"])
    paths = fhs.forecast_paths(sp500, origins, n_paths=300, horizon=3, seed=1)
    assert paths.shape == (len(origins), 300, 3, 1) and np.isfinite(paths).all()
    with pytest.raises(DataError, match="250 days"):
        HistoricalSimulation(250).fit(sp500).forecast_paths(sp500, sp500.index[[100]])
    with pytest.raises(DataError, match="not found"):
        fhs.forecast_paths(sp500, [pd.Timestamp("2009-01-03")])


def test_a_forecast_whose_es_is_a_gain_has_no_fz0_but_is_still_backtested():
    x, sigma = _garch_series(300, seed=5)
    z = stats.norm.ppf((np.arange(200) + 0.5) / 200)
    scenarios = sigma[:, None] * z
    scenarios[7] = np.linspace(0.01, 0.02, 200)  # one day forecasts only gains
    result = risk.backtest(x, scenarios, 0.05)
    assert np.isnan(result["FZ0"]) and result["days ES >= 0"] == 1
    assert np.isfinite(result["pinball"]) and 0 <= result["Kupiec p"] <= 1


def test_max_drawdown_by_hand():
    # log prices 0, 0.1, -0.1, -0.05, -0.15: peak 0.1, trough -0.15
    dd = risk.max_drawdown(np.array([[0.1, -0.2, 0.05, -0.1], [0.01, 0.01, 0.01, 0.01]]))
    np.testing.assert_allclose(dd, [1 - math.exp(-0.25), 0.0])


def test_risk_panel_puts_scenarios_beside_the_history(sp500):
    history = sp500.iloc[:, 0].to_numpy()
    own = history[: 252 * 7].reshape(7, 252)  # seven real years as paths
    same = risk.risk_panel(own, history).set_index("measure")
    assert {"VaR 1-day 1%", "ES 10-day 5%", "VaR 252-day 5%", "max drawdown 50% point",
            "annual volatility 95% point"} <= set(same.index)
    # the history's own years: one-day VaR and ES within a fifth of the whole history's
    for row in ("VaR 1-day 1%", "ES 1-day 5%"):
        assert abs(same.loc[row, "synthetic"] / same.loc[row, "real"] - 1) < 0.2
    doubled = risk.risk_panel(2 * own, history).set_index("measure")
    np.testing.assert_allclose(doubled.loc["VaR 1-day 5%", "synthetic"], 2 * same.loc["VaR 1-day 5%", "synthetic"])
    assert doubled.loc["annual volatility 50% point", "synthetic"] > 1.8 * same.loc["annual volatility 50% point", "real"]
    short = risk.risk_panel(own[:, :20], history)
    assert not short["measure"].str.contains("252-day|annual").any()  # needs longer paths


def test_the_scorecard_carries_the_risk_panel(sp500, tmp_path):
    from fingan.validation.scorecard import scorecard

    history = sp500.iloc[:, 0]
    paths = np.random.default_rng(0).normal(0, history.std(), (50, 252))
    card = scorecard(paths, history, plots=False)
    assert "VaR 10-day 1%" in card.risk_markdown()
    assert '"risk": [' in card.to_json()
    assert "Risk panel" in card.to_html(tmp_path / "r.html").read_text()
