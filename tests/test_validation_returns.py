"""Stylized facts and Quant GAN scores, each against a case with a known answer."""

import warnings

import numpy as np
import pytest
from arch.univariate import GARCH, Normal, ZeroMean
from scipy import stats
from statsmodels.tsa.stattools import acf as statsmodels_acf

from fingan.data import load_prices, log_returns
from fingan.errors import DataError
from fingan.validation.returns import (
    FactAccumulator,
    acf,
    acf_score,
    aggregate,
    aggregated_kurtosis,
    conditional_kurtosis,
    discriminative_score,
    dy_metric,
    excess_kurtosis,
    hill_tail_index,
    leverage,
    leverage_score,
    power_law_exponent,
    share_beyond,
    stylized_facts,
    wasserstein_scores,
)


@pytest.fixture(scope="module")
def sp500():
    return log_returns(load_prices("sp500"))["SP500"].to_numpy()


@pytest.fixture(scope="module")
def gaussian():
    return np.random.default_rng(0).standard_normal(5000) * 0.012


@pytest.fixture(scope="module")
def garch():
    """Symmetric GARCH(1,1) with normal innovations, simulated with arch."""
    model = ZeroMean(volatility=GARCH(p=1, q=1), distribution=Normal(seed=np.random.default_rng(0)))
    sim = model.simulate([0.02, 0.09, 0.89], nobs=5000, burn=500)
    return sim["data"].to_numpy() / 100


def test_acf_matches_statsmodels_for_every_path():
    paths = np.random.default_rng(1).standard_normal((5, 300)).cumsum(axis=1) * 0.01
    ours = acf(paths, 30)
    for p, row in zip(paths, ours):
        np.testing.assert_allclose(row, statsmodels_acf(p, nlags=30, fft=False)[1:], atol=1e-12)


def test_hill_recovers_the_student_t_tail_index():
    x = stats.t(df=3).rvs(200_000, random_state=2)
    assert hill_tail_index(x, k=1000, tail="left") == pytest.approx(3.0, rel=0.12)
    assert hill_tail_index(x, k=1000, tail="right") == pytest.approx(3.0, rel=0.12)
    with pytest.raises(DataError, match="too large"):
        hill_tail_index(x[:100], k=100)


def test_share_beyond_three_sd_is_027_percent_for_a_gaussian():
    x = np.random.default_rng(3).standard_normal(1_000_000)
    assert share_beyond(x) == pytest.approx(2 * stats.norm.sf(3), rel=0.05)


def test_power_law_exponent_of_an_exact_power_law():
    assert power_law_exponent(0.3 * np.arange(1, 101) ** -0.25) == pytest.approx(0.25, abs=1e-10)


def test_leverage_of_a_series_built_with_it():
    rng = np.random.default_rng(4)
    eps = rng.standard_normal(100_000)
    r = np.empty_like(eps)
    r[0] = eps[0]
    r[1:] = eps[1:] * np.sqrt(1 + np.clip(-eps[:-1], 0, None))  # volatility rises after a fall
    lev = leverage(r, 3)
    assert lev[0] < -0.1 and abs(lev[1]) < 0.02 and abs(lev[2]) < 0.02


def test_aggregation_sums_blocks():
    x = np.arange(10.0)
    np.testing.assert_array_equal(aggregate(x, 5), [[10.0, 35.0]])
    np.testing.assert_array_equal(aggregate(x, 9, overlapping=True), [[36.0, 45.0]])


def test_real_sp500_shows_every_stylized_fact(sp500):
    f = stylized_facts(sp500)
    assert f["excess kurtosis"] == pytest.approx(8.2, abs=0.1)  # heavy tails
    assert f["share beyond 3 sd"] > 3 * 2 * stats.norm.sf(3)
    assert 2 < f["hill alpha left (top 1%)"] < 5  # power-law tails
    assert f["skewness"] < 0 and f["hill alpha left (top 1%)"] < f["hill alpha right (top 1%)"]  # losses heavier
    assert abs(f["acf r lag 1"]) < 0.1 and f["mean |acf r| lags 1-100"] < 0.03  # no linear autocorrelation
    assert f["acf |r| lag 1"] == pytest.approx(0.24, abs=0.01)  # volatility clustering
    assert f["acf |r| lag 100"] == pytest.approx(0.12, abs=0.01)
    assert 0.2 <= f["acf |r| decay beta"] <= 0.4
    assert f["leverage lag 1"] == pytest.approx(-0.11, abs=0.01)  # leverage effect
    assert f["excess kurtosis"] > f["excess kurtosis 5-day"] > 0  # aggregational Gaussianity
    assert f["excess kurtosis EWMA-standardised"] > 0.5  # conditional heavy tails


def test_iid_gaussian_fails_heavy_tails_and_clustering(gaussian):
    f = stylized_facts(gaussian)
    assert abs(f["excess kurtosis"]) < 0.2
    assert abs(f["acf |r| lag 1"]) < 0.05
    assert abs(f["leverage lag 1"]) < 0.05


def test_symmetric_garch_clusters_but_has_no_leverage(garch):
    f = stylized_facts(garch)
    assert f["acf |r| lag 1"] > 0.1 and f["acf r^2 lag 1"] > 0.1
    assert f["excess kurtosis"] > 0.5
    assert abs(f["leverage lag 1"]) < 0.04
    assert abs(conditional_kurtosis(garch)) < 0.5  # the EWMA explains the heavy tails away


def test_aggregated_kurtosis_falls_with_the_horizon(sp500):
    k = aggregated_kurtosis(sp500, (1, 5, 20))
    assert k[1] > k[5] > 0 and k[1] > k[20]


def test_scores_vanish_for_identical_sets_and_grow_with_difference(sp500, gaussian):
    assert all(v == 0 for v in wasserstein_scores(sp500, sp500).values())
    assert dy_metric(sp500, sp500) == 0 and acf_score(sp500, sp500, 50, "abs") == 0
    assert leverage_score(sp500, sp500) == 0
    assert dy_metric(gaussian, sp500) > 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning on the way
        assert dy_metric(100 + sp500, sp500) == float("inf")  # no shared bin is no match, not a perfect one
        assert dy_metric(np.r_[sp500[:10], 100 + sp500], sp500) > 0
    assert acf_score(gaussian, sp500, 50, "abs") > acf_score(sp500[:2500], sp500[2500:], 50, "abs")
    w = wasserstein_scores(2 * sp500, sp500, horizons=(1, 5))
    assert w[1] == pytest.approx(np.mean(np.abs(sp500)), rel=0.01)  # shifting by scale: W1 = E|r|


def test_paths_are_scored_against_one_long_reference(sp500):
    paths = np.random.default_rng(5).choice(sp500, size=(40, 252))
    scores = wasserstein_scores(paths, sp500)
    assert set(scores) == {1, 5, 20, 100}
    assert excess_kurtosis(paths).shape == (40,)


def test_discriminative_score_is_near_zero_for_real_vs_real(sp500, gaussian):
    same = discriminative_score(sp500[:2500], sp500[2500:])
    different = discriminative_score(np.random.default_rng(6).standard_normal(5000) * 0.03, sp500)
    assert same < 0.1 < different


def test_bad_input_is_a_data_error():
    with pytest.raises(DataError, match="NaN"):
        stylized_facts(np.array([0.1, np.nan, 0.2, 0.3]))
    with pytest.raises(DataError, match="shape"):
        acf(np.zeros((2, 2, 2)), 1)


def test_facts_fed_in_chunks_equal_the_facts_of_all_paths_at_once():
    paths = np.random.default_rng(3).standard_t(4, size=(230, 120)) * 0.01
    whole = stylized_facts(paths, chunk_size=10_000)
    for chunk_size in (1, 17, 100):
        chunked = stylized_facts(paths, chunk_size=chunk_size)
        assert chunked.keys() == whole.keys()
        np.testing.assert_allclose(list(chunked.values()), list(whole.values()), rtol=1e-10, atol=1e-14)
    acc = FactAccumulator(length=120, n_paths=230)
    with pytest.raises(DataError, match="length 120"):
        acc.update(paths[:5, :100])
    acc.update(paths[:200])
    with pytest.raises(DataError, match="200 of the 230"):
        acc.result()
    with pytest.raises(DataError, match="more paths"):
        acc.update(paths[:50])


def test_hill_and_share_beyond_agree_with_the_streamed_facts():
    """One Hill estimator and one count beyond 3 sd serve both the public functions and the accumulator."""
    from fingan.validation.returns import FactAccumulator, share_beyond, stylized_facts

    x = np.random.default_rng(4).standard_t(4, size=(40, 250))
    facts = stylized_facts(x)
    k = max(2, int(0.05 * x.size))
    assert facts["hill alpha left (top 5%)"] == pytest.approx(hill_tail_index(x, k, "left"))
    assert facts["share beyond 3 sd"] == pytest.approx(share_beyond(x))
    streamed = FactAccumulator(250, 40).update(x[:15]).update(x[15:]).result()
    assert streamed["hill alpha right (top 5%)"] == pytest.approx(hill_tail_index(x, k, "right"))
