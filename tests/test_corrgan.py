"""CorrGAN: nets, the nearest correlation matrix, the recipe, baselines and the allocation stress test."""

import warnings

import numpy as np
import pytest
import torch
from statsmodels.stats.correlation_tools import corr_nearest

from fingan.apps import allocation_stress, hierarchical_risk_parity
from fingan.baselines import CorrelationBootstrap, LKJCorrelations, SpectrumCorrelations
from fingan.data import load_index, load_prices, log_returns
from fingan.data.correlations import clip_to_correlation, nearest_correlation
from fingan.errors import ConfigError, DataError
from fingan.models import CorrGAN, load_model
from fingan.models.corrgan import market_regimes
from fingan.nets.conv import ConvCritic, ConvGenerator, CorrelationGenerator
from fingan.validation.correlations import correlation_facts, perron_frobenius, validity

SMALL = {"n_assets": 20, "window": 252, "step": 10, "channels": 16, "batch_size": 64, "device": "cpu"}


@pytest.fixture(scope="module")
def stocks():
    return log_returns(load_prices("sp500-stocks"))


@pytest.fixture(scope="module")
def fitted(stocks):
    return CorrGAN(steps=400, **SMALL).fit(stocks)


def random_symmetric(n=30, size=12, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, (n, size, size))
    a = (a + a.transpose(0, 2, 1)) / 2
    a[:, range(size), range(size)] = 1.0
    return a


# ------------------------------------------------------------------ nets


@pytest.mark.parametrize("size", [20, 7])
def test_generator_outputs_symmetric_unit_diagonal_matrices_of_any_size(size):
    torch.manual_seed(0)
    gen = CorrelationGenerator(ConvGenerator(100, size, channels=8)).eval()
    out = gen(torch.randn(5, 100))
    assert out.shape == (5, 1, size, size)
    assert torch.allclose(out, out.transpose(-1, -2))
    assert torch.equal(torch.diagonal(out, dim1=-2, dim2=-1), torch.ones(5, 1, size))
    assert out.abs().max() <= 1.0
    assert ConvCritic(size, channels=8)(out).shape == (5,)


def test_conditional_nets_need_labels():
    with pytest.raises(ConfigError, match="conditional"):
        ConvGenerator(10, 8, channels=4, n_classes=3)(torch.randn(2, 10))
    with pytest.raises(ConfigError, match="conditional"):
        ConvCritic(8, channels=4, n_classes=3)(torch.randn(2, 1, 8, 8))


# ------------------------------------------------------------------ nearest correlation


def test_nearest_correlation_agrees_with_statsmodels():
    raw = random_symmetric()
    ours = nearest_correlation(raw, tol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = np.stack([corr_nearest(m, threshold=1e-15, n_fact=1000) for m in raw[:5]])
    np.testing.assert_allclose(ours[:5], theirs, atol=1e-6)
    assert validity(ours)["valid"].all()


def test_nearest_correlation_keeps_valid_matrices_and_beats_clipping():
    valid = LKJCorrelations().fit(np.eye(12)[None]).sample(10, seed=1)
    np.testing.assert_allclose(nearest_correlation(valid), valid, atol=1e-7)
    raw = random_symmetric(seed=2)
    higham, clipped = nearest_correlation(raw), clip_to_correlation(raw)
    assert validity(clipped)["valid"].all()
    assert (np.linalg.norm(higham - raw, axis=(1, 2)) <= np.linalg.norm(clipped - raw, axis=(1, 2)) + 1e-9).all()


def test_nearest_correlation_stops_on_tolerance_and_says_when_it_cannot():
    with pytest.raises(DataError, match="did not converge"):
        nearest_correlation(random_symmetric(), tol=1e-12, max_iter=3)
    with pytest.raises(DataError, match="shape"):
        nearest_correlation(np.ones((3, 4)))
    on_tensor = nearest_correlation(torch.as_tensor(random_symmetric(n=2)))
    assert isinstance(on_tensor, torch.Tensor)


# ------------------------------------------------------------------ recipe


def test_every_sample_is_a_valid_correlation_matrix(fitted):
    mats = fitted.sample(200, seed=0)
    assert mats.shape == (200, 20, 20)
    assert validity(mats)["valid"].all()
    np.testing.assert_array_equal(mats, fitted.sample(200, seed=0))
    assert not np.allclose(mats, fitted.sample(200, seed=1))


def test_samples_show_the_facts_random_matrices_miss(fitted, stocks):
    real, _ = fitted.training_matrices(stocks)
    gan = correlation_facts(fitted.sample(300, seed=0), 252)
    ref = correlation_facts(real, 252)
    lkj = correlation_facts(LKJCorrelations().fit(real).sample(300, seed=0), 252)
    assert abs(gan["mean coefficient"] - ref["mean coefficient"]) < 0.1
    assert abs(gan["market eigenvalue share"] - ref["market eigenvalue share"]) < 0.1
    assert gan["Perron-Frobenius share"] > 0.6 and lkj["Perron-Frobenius share"] < 0.05


def test_save_load_gives_the_same_matrices(fitted, tmp_path):
    path = fitted.save(tmp_path / "c.pt")
    loaded = load_model(path, device="cpu")
    assert isinstance(loaded, CorrGAN)
    np.testing.assert_allclose(loaded.sample(20, seed=3), fitted.sample(20, seed=3))


def test_regimes_label_windows_and_stressed_matrices_are_more_correlated(stocks):
    market = log_returns(load_index())
    gan = CorrGAN(steps=400, conditional=True, **SMALL)
    real, starts = gan.training_matrices(stocks)
    labels, _ = market_regimes(market.reindex(stocks.index), starts, 252)
    mean_corr = real[:, ~np.eye(20, dtype=bool)].mean(axis=1)
    assert mean_corr[labels == 0].mean() > mean_corr[labels == 2].mean() + 0.05  # the data's own fact
    gan.fit(stocks, market=market)
    assert gan.regime_shares_ == pytest.approx([1 / 3] * 3, abs=0.02)
    stressed, rally = gan.sample(200, seed=0, regime="stressed"), gan.sample(200, seed=0, regime="rally")
    off = ~np.eye(20, dtype=bool)
    assert stressed[:, off].mean() > rally[:, off].mean() + 0.03
    with pytest.raises(ConfigError, match="unknown regime"):
        gan.sample(2, regime="crash")


def test_regime_needs_a_conditional_model(fitted):
    with pytest.raises(ConfigError, match="conditional"):
        fitted.sample(2, regime="stressed")


def test_bad_corrgan_options_fail_early():
    with pytest.raises(ConfigError, match="postprocess"):
        CorrGAN(postprocess="round")
    with pytest.raises(ConfigError, match="n_assets"):
        CorrGAN(n_assets=1)


# ------------------------------------------------------------------ baselines


def test_baselines_give_valid_matrices_and_the_spectrum_they_promise(stocks):
    real = CorrGAN(**SMALL).training_matrices(stocks)[0]
    spectrum = SpectrumCorrelations(252).fit(real)
    mats = spectrum.sample(20, seed=0)
    np.testing.assert_allclose(np.linalg.eigvalsh(mats), np.tile(np.sort(spectrum.eigenvalues_), (20, 1)), atol=1e-8)
    assert spectrum.eigenvalues_.sum() == pytest.approx(20)
    for model in (LKJCorrelations(), spectrum, CorrelationBootstrap()):
        sample = model.fit(real).sample(30, seed=0)
        assert validity(sample)["valid"].all()
        np.testing.assert_array_equal(sample, model.sample(30, seed=0))
    boot = CorrelationBootstrap().fit(real).sample(10, seed=0)
    assert all(any(np.array_equal(m, r) for r in real) for m in boot)
    assert perron_frobenius(LKJCorrelations().fit(real).sample(100, seed=0)).mean() < 0.05
    with pytest.raises(ConfigError, match="not fitted"):
        LKJCorrelations().sample(3)


# ------------------------------------------------------------------ allocation


def test_hrp_weights_are_positive_and_give_equal_clusters_equal_weight():
    block = np.kron(np.eye(2), np.full((3, 3), 0.6)) + 0.4 * np.eye(6)
    w = hierarchical_risk_parity(block * 0.04)
    assert (w > 0).all() and w.sum() == pytest.approx(1.0)
    assert w[:3].sum() == pytest.approx(0.5) and np.sort(w[:3]) == pytest.approx(np.sort(w[3:]))


def test_minimum_variance_wins_when_the_matrix_is_known():
    mats = np.repeat(LKJCorrelations(concentration=5).fit(np.eye(8)[None]).sample(1, seed=0), 10, axis=0)
    out = allocation_stress(mats, np.linspace(0.1, 0.4, 8))
    mean = out["summary"]["mean"]
    assert mean.idxmin() == "minimum variance" and out["realised"].shape == (5, 4)


def test_allocation_stress_rejects_bad_input():
    mats = np.repeat(np.eye(4)[None], 4, axis=0)
    with pytest.raises(ConfigError, match="unknown allocation"):
        allocation_stress(mats, np.ones(4), methods=["max sharpe"])
    with pytest.raises(DataError, match="volatilities"):
        allocation_stress(mats, np.ones(3))


def test_min_eigenvalue_floors_the_spectrum_of_samples(fitted, tmp_path):
    floored = CorrGAN.load(fitted.save(tmp_path / "c.pt"), device="cpu")
    floored.config.min_eigenvalue = 1e-2
    mats = floored.sample(100, seed=0)
    assert np.linalg.eigvalsh(mats).min() > 1e-3  # the floor, shrunk a little by the rescaling to a unit diagonal
    assert validity(mats)["valid"].all()
    with pytest.raises(ConfigError, match="min_eigenvalue"):
        CorrGAN(min_eigenvalue=0.0)


def test_the_scorecard_bands_tell_a_trained_corrgan_from_one_stopped_after_20_steps(stocks, fitted):
    from fingan.validation import scorecard

    real = fitted.training_matrices(stocks)[0]
    short = CorrGAN(steps=20, **SMALL).fit(stocks)
    counts = {name: int(scorecard(gan.sample(300, seed=0), real, window=252, plots=False).pass_counts()["synthetic"]
                        .split()[0]) for name, gan in (("20 steps", short), ("400 steps", fitted))}
    assert counts["20 steps"] <= 2 and counts["400 steps"] > counts["20 steps"], counts  # 1 and 3 of 10 when written


def test_panel_order_keeps_the_tickers_in_every_matrix(stocks, tmp_path):
    tickers = ["AAPL", "MSFT", "JPM", "XOM", "PG", "KO"]
    panel = stocks[tickers].loc["2010":"2014"]
    gan = CorrGAN(order="panel", n_assets=6, window=126, step=21, channels=8, batch_size=16, steps=3,
                  device="cpu").fit(panel)
    assert gan.assets_ == tickers and gan.sample(4, seed=0).shape == (4, 6, 6)
    real, _ = gan.training_matrices(panel)
    np.testing.assert_allclose(real[0], panel.iloc[:126].corr().to_numpy(), atol=1e-10)  # rows in ticker order
    gan.save(tmp_path / "m.pt")
    assert load_model(tmp_path / "m.pt").assets_ == tickers
    with pytest.raises(ConfigError, match="order='panel'"):
        CorrGAN(order="panel", n_assets=4, window=126, device="cpu").fit(panel)
    with pytest.raises(ConfigError, match="order must be"):
        CorrGAN(order="sorted")
    assert CorrGAN(n_assets=6, window=126, step=21, channels=8, batch_size=16, steps=1, device="cpu").fit(
        panel).assets_ is None  # clustered rows are abstract positions
