"""Quant GAN: the TCN nets, the recipe's sample API, model selection, conditioning, save / load."""

import numpy as np
import pandas as pd
import pytest
import torch

from fingan.data import load_prices, log_returns, split_periods
from fingan.errors import CheckpointError, ConfigError, DataError
from fingan.models import QuantGAN, load_model
from fingan.nets import TCN, TCNCritic, receptive_field
from fingan.models.quantgan import SELECTION_SEED
from fingan.validation.returns import excess_kurtosis, selection_score, wasserstein_scores

TINY = {"hidden": 16, "dilations": (1, 2, 4), "window": 48, "batch_size": 32, "log_every": 25, "device": "cpu"}


@pytest.fixture(scope="module")
def sp500():
    return log_returns(load_prices("sp500"))


@pytest.fixture(scope="module")
def periods(sp500):
    return split_periods(sp500, "2014-12-31", "2016-12-31")


@pytest.fixture(scope="module")
def fitted(periods):
    train, valid, _ = periods
    # the default generator (memory up to 500 days) for tests of the API, not of quality: a few steps suffice
    return QuantGAN(steps=30, select_every=10, select_paths=50, **{**TINY, "log_every": 5}).fit(train, valid)


# ------------------------------------------------------------------ nets


def test_paper_network_has_receptive_field_127_and_valid_length():
    assert receptive_field(2, (1, 2, 4, 8, 16, 32)) == 127
    net = TCN(3, 1)
    assert net.receptive_field == 127
    assert net(torch.randn(2, 252 + 126, 3)).shape == (2, 252, 1)


def test_tcn_output_depends_on_exactly_its_receptive_field():
    torch.manual_seed(0)
    net = TCN(2, 1, hidden=8, dilations=(1, 2))  # receptive field 7
    x = torch.randn(1, 20, 2, requires_grad=True)
    net(x)[0, 5, 0].backward()  # output 5 sees inputs 5 .. 11
    touched = (x.grad[0].abs().sum(dim=1) > 0).nonzero().ravel().tolist()
    assert touched == list(range(5, 12))


def test_tcn_critic_scores_each_window_once_and_rejects_short_input():
    critic = TCNCritic(3, hidden=8, dilations=(1, 2))
    assert critic(torch.randn(4, 30, 3)).shape == (4,)
    with pytest.raises(DataError, match="receptive field"):
        critic(torch.randn(4, 5, 3))


def test_conditional_tcn_output_changes_with_the_label():
    torch.manual_seed(0)
    net = TCN(3, 1, hidden=8, dilations=(1,), n_classes=3)
    z = torch.randn(2, 10, 3)
    calm, stressed = net(z, torch.tensor([0, 0])), net(z, torch.tensor([2, 2]))
    assert not torch.allclose(calm, stressed)
    with pytest.raises(ConfigError, match="conditional"):
        net(z)


# ------------------------------------------------------------------ recipe


def test_sample_is_a_business_day_frame_after_the_data_of_any_length(fitted, periods):
    _, valid, _ = periods
    paths = fitted.sample(7, 300, seed=3)
    assert paths.shape == (300, 7) and list(paths.columns) == list(range(7))
    assert paths.index[0] == valid.index[-1] + pd.offsets.BDay(1)
    assert (paths.index.day_of_week < 5).all() and paths.index.is_unique
    assert fitted.sample(2, 5000, seed=0).shape == (5000, 2)  # one pass, longer than any window
    pd.testing.assert_frame_equal(paths, fitted.sample(7, 300, seed=3))
    assert not np.allclose(paths.to_numpy(), fitted.sample(7, 300, seed=4).to_numpy())


def test_samples_come_back_through_the_exact_inverse_transform(fitted):
    raw = fitted.trainer_.sample(3, seed=5, latent_shape=(100 + fitted.config.receptive_field - 1, 3)).numpy()
    returns = fitted.sample(3, 100, seed=5).to_numpy().T[:, :, None]
    np.testing.assert_allclose(fitted.transform_.transform(returns), raw, atol=1e-4)


def test_training_brings_the_return_distribution_to_the_data(periods):
    train, _, _ = periods
    paper = {"generator": "tcn", "critic_inputs": ("r",), "lambert_w": True, "ema_decay": None, "recency": None,
             "fact_weight": 0.0, **TINY}  # the paper: no fact loss, every window alike (scored on the whole period)
    untrained = QuantGAN(steps=0, **paper).fit(train)
    trained = QuantGAN(steps=300, **paper).fit(train)
    w_before = wasserstein_scores(untrained.sample(100, 500, seed=0), train, horizons=(1, 20))
    w_after = wasserstein_scores(trained.sample(100, 500, seed=0), train, horizons=(1, 20))
    assert w_after[1] < 0.5 * w_before[1] and w_after[20] < w_before[20]
    assert excess_kurtosis(trained.sample(100, 500, seed=0)).mean() > 1.0  # heavy tails through Lambert W


def test_prices_start_from_the_given_price(fitted):
    returns = fitted.sample(3, 20, seed=1)
    prices = fitted.sample_prices(3, 20, start_price=250.0, seed=1)
    np.testing.assert_allclose(prices.iloc[0], 250.0 * np.exp(returns.iloc[0]))
    np.testing.assert_allclose(np.log(prices.iloc[-1] / 250.0), returns.sum())


def test_checkpoint_is_chosen_on_the_validation_period(fitted):
    steps = [s["step"] for s in fitted.selection_]
    assert steps == [10, 20, 30]
    best = min(fitted.selection_, key=lambda s: s["score"])
    assert fitted.best_step_ == best["step"]
    assert any("validation_score" in r for r in fitted.history_)


def test_origin_selection_scores_the_continuation_of_the_training_returns(periods):
    train, valid = periods[0].iloc[-800:], periods[1].iloc[:250]  # the filter reads the history day by day
    gan = QuantGAN(steps=10, select_every=5, select_paths=20, selection="origin", memory=(2.0, 20.0),
                   **{**TINY, "log_every": 5})
    gan.fit(train, valid)
    assert [s["step"] for s in gan.selection_] == [5, 10]
    reference = valid.to_numpy().ravel()
    # the chosen checkpoint's recorded score is that of its scenarios from the validation period's first day ...
    continued = gan.forecast_paths(train, None, 20, len(valid), seed=SELECTION_SEED)[0, ..., 0]
    recorded = min(s["score"] for s in gan.selection_)
    assert selection_score(continued, reference) == pytest.approx(recorded, rel=1e-9)
    # ... not that of its unconditional paths
    stationary = gan.sample(20, len(valid), seed=SELECTION_SEED).to_numpy().T
    assert abs(selection_score(stationary, reference) - recorded) > 1e-3


def test_validation_must_follow_the_training_period(periods):
    train, valid, _ = periods
    with pytest.raises(DataError, match="after the training period"):
        QuantGAN(steps=1, **TINY).fit(valid, train)


def test_save_load_gives_the_same_paths_and_never_unpickles(fitted, tmp_path):
    path = fitted.save(tmp_path / "q.pt")
    loaded = QuantGAN.load(path, device="cpu")
    pd.testing.assert_frame_equal(loaded.sample(4, 50, seed=9), fitted.sample(4, 50, seed=9))
    assert loaded.best_step_ == fitted.best_step_ and loaded.columns_ == fitted.columns_
    assert isinstance(load_model(path, device="cpu"), QuantGAN)
    bad = tmp_path / "evil.pt"
    torch.save({"recipe": "QuantGAN", "payload": pd.Timestamp("2020-01-01")}, bad)
    with pytest.raises(CheckpointError):
        load_model(bad)


def test_conditional_model_gives_calmer_and_stormier_paths(periods):
    train, _, _ = periods
    gan = QuantGAN(steps=300, lr_g=6e-4, lr_d=2e-3, conditional=True, **TINY).fit(train)
    assert gan.regime_shares_ == pytest.approx([1 / 3] * 3, abs=0.05)
    calm = gan.sample(200, 21, seed=0, regime="calm").to_numpy()
    stressed = gan.sample(200, 21, seed=0, regime=2).to_numpy()
    # in the data, the 21 days after a stressed start are about 2.2 times as volatile as after a calm one
    assert stressed.std() > 1.5 * calm.std()
    with pytest.raises(ConfigError, match="unknown regime"):
        gan.sample(2, 10, regime="panic")
    # the risk panel by regime: real windows labelled with the model's edges, paths drawn in each regime
    from fingan.validation.risk import regime_risk_panel

    test = periods[2]
    labels = gan.regimes_of(test)
    assert set(labels) <= set(gan.regime_names) and labels.index.equals(test.index)
    panel = regime_risk_panel(gan, test, n_paths=300, horizons=(1, 10)).set_index(["regime", "measure"])
    assert panel.groupby(level=0)["real windows"].first().sum() == len(test) - 10 + 1
    for column in ("real", "synthetic"):  # deeper tails after a stressed start, in the data and in the model
        assert panel.loc[("stressed", "VaR 10-day 5%"), column] < panel.loc[("calm", "VaR 10-day 5%"), column]
        assert (panel.loc[("stressed", "annualised volatility over 10 days (median)"), column]
                > panel.loc[("calm", "annualised volatility over 10 days (median)"), column])


def test_recency_weights_recent_windows_and_the_paths_follow_the_recent_years():
    rng = np.random.default_rng(0)
    days = pd.bdate_range("2000-01-03", periods=2400)
    stormy_then_calm = pd.Series(np.r_[rng.normal(0, 0.02, 1200), rng.normal(0, 0.005, 1200)], index=days, name="x")
    # a critic of r and |r| only: the scale-free standardised channel adds nothing to a test of scale
    options = {**TINY, "memory": (), "steps": 200, "lr_g": 6e-4, "lr_d": 2e-3, "critic_inputs": ("r", "abs")}
    assert QuantGAN().config.recency == 500  # the default; None draws every window alike
    uniform = QuantGAN(recency=None, **options).fit(stormy_then_calm)
    recent = QuantGAN(recency=100, **options).fit(stormy_then_calm)
    assert uniform.trainer_._weights is None
    weights = recent.trainer_._weights.double().numpy()
    assert weights.argmax() == len(weights) - 1  # the window ending on the last day
    assert weights[-101] / weights[-1] == pytest.approx(0.5, rel=1e-5)  # ending 100 days earlier: half the weight
    sd_uniform = uniform.sample(100, 250, seed=0).to_numpy().std()
    sd_recent = recent.sample(100, 250, seed=0).to_numpy().std()
    assert sd_recent < 0.5 * sd_uniform  # the calm recent years, not the whole history
    assert sd_recent < 0.01
    for bad in (0, -5.0, "soon", True, float("nan")):
        with pytest.raises(ConfigError, match="recency must be a positive number of days"):
            QuantGAN(recency=bad, **TINY)


def test_regime_needs_a_conditional_model(fitted):
    with pytest.raises(ConfigError, match="conditional"):
        fitted.sample(2, 10, regime="calm")


def test_multi_asset_paths_have_one_column_per_path_and_asset():
    stocks = log_returns(load_prices("sp500-stocks", start="2010-01-01", end="2014-12-31",
                                     tickers=["AAPL", "MSFT", "JPM"]))
    gan = QuantGAN(steps=20, **TINY).fit(stocks)
    paths = gan.sample(4, 30, seed=0)
    assert paths.shape == (30, 12)
    assert paths.columns.names == ["path", "asset"] and list(paths[0].columns) == ["AAPL", "MSFT", "JPM"]
    prices = gan.sample_prices(4, 30, start_price={"AAPL": 10.0, "MSFT": 20.0, "JPM": 30.0}, seed=0)
    np.testing.assert_allclose(prices[(2, "JPM")].iloc[0], 30.0 * np.exp(paths[(2, "JPM")].iloc[0]))
    with pytest.raises(ConfigError, match="start_price has no price for JPM"):
        gan.sample_prices(1, 5, start_price={"AAPL": 1.0, "MSFT": 1.0})


@pytest.mark.parametrize(
    "options, message",
    [({"window": 10}, "receptive field"), ({"hidden": 0}, "positive"), ({"conditional": True, "n_regimes": 1}, "n_regimes"),
     ({"selection": "history"}, "selection must be one of unconditional, origin"),
     ({"selection": "origin", "generator": "tcn"}, "needs the SVNN generator")],
)
def test_bad_options_fail_early(options, message):
    with pytest.raises(ConfigError, match=message):
        QuantGAN(**{**TINY, **options})


def test_bad_returns_are_rejected_clearly(sp500):
    broken = sp500.iloc[:500].copy()
    broken.iloc[10] = np.nan
    with pytest.raises(DataError, match="NaN"):
        QuantGAN(steps=1, **TINY).fit(broken)
    with pytest.raises(DataError, match="DatetimeIndex"):
        QuantGAN(steps=1, **TINY).fit(sp500.to_numpy())
    with pytest.raises(ConfigError, match="not fitted"):
        QuantGAN(**TINY).sample(2, 10)


def test_the_same_seed_gives_the_same_paths_in_any_chunking_and_no_seed_fresh_ones(fitted):
    fitted.draw_block = 16  # several draw blocks in a small test (the default is 10,000 paths)
    try:
        whole = fitted.sample(40, 30, seed=3).to_numpy().T
        for chunk_size in (5, 7, 16, 100):
            chunks = np.concatenate(list(fitted.sample_chunks(40, 30, chunk_size=chunk_size, seed=3)))
            np.testing.assert_array_equal(chunks[:, :, 0], whole)
        assert fitted.sample(16, 30, seed=3).equals(fitted.sample(40, 30, seed=3).iloc[:, :16])  # block 0 is `seed`
    finally:
        del fitted.draw_block
    first, second = fitted.sample(20, 30).to_numpy(), fitted.sample(20, 30).to_numpy()
    assert not np.allclose(first, second)  # seed=None: a fresh draw on every call, as random_state=None


def test_baselines_draw_fresh_samples_without_a_seed(sp500):
    from fingan.baselines import GARCH, LKJCorrelations, StationaryBootstrap

    r = sp500.iloc[:1500, 0]
    for model in (GARCH("t").fit(r), StationaryBootstrap().fit(r)):
        a, b = model.sample(5, 50), model.sample(5, 50)
        assert not np.allclose(a.to_numpy(), b.to_numpy())
        assert model.sample(5, 50, seed=1).equals(model.sample(5, 50, seed=1))
    lkj = LKJCorrelations().fit(np.eye(4)[None].repeat(3, axis=0))
    assert not np.allclose(lkj.sample(3), lkj.sample(3)) and np.allclose(lkj.sample(3, seed=2), lkj.sample(3, seed=2))
