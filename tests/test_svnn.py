"""The stochastic-volatility generator (SVNN), the critic's |r| inputs and the returns benchmark's seeds."""

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

import fingan.bench.returns as bench
from fingan.bench import settings
from fingan.data import load_prices, log_returns, split_periods
from fingan.data.returns import ReturnTransform
from fingan.errors import ConfigError, DataError
from fingan.models import QuantGAN
from fingan.nets import SVNN, TCN, TCNCritic
from fingan.validation.returns import acf

TINY = {"hidden": 16, "dilations": (1, 2, 4), "window": 48, "batch_size": 32, "log_every": 25, "device": "cpu"}


@pytest.fixture(scope="module")
def train():
    returns = log_returns(load_prices("sp500"))
    return split_periods(returns, "2014-12-31")[0]


def garch_series(n: int, seed: int = 0, omega: float = 0.05, alpha: float = 0.12, beta: float = 0.85) -> pd.Series:
    """A GARCH(1,1) path with Gaussian innovations, in percent-like units, on business days."""
    rng = np.random.default_rng(seed)
    var, out = omega / (1 - alpha - beta), np.empty(n)
    for t in range(n):
        out[t] = np.sqrt(var) * rng.standard_normal()
        var = omega + alpha * out[t] ** 2 + beta * var
    return pd.Series(out / 100, index=pd.bdate_range("2000-01-03", periods=n), name="garch")


# ------------------------------------------------------------------ the net


def test_svnn_volatility_sees_only_past_noise_and_innovation_only_the_current_step():
    torch.manual_seed(0)
    net = SVNN(2, 1, hidden=8, dilations=(1, 2))  # TCN receptive field 7, plus the current step
    assert net.receptive_field == 8
    x = torch.randn(1, 20, 2, requires_grad=True)
    sigma, mu, eps = net.components(x)
    assert sigma.shape == mu.shape == eps.shape == (1, 13, 1)

    def touched(value: torch.Tensor) -> list[int]:
        x.grad = None
        value.backward(retain_graph=True)
        return (x.grad[0].abs().sum(dim=1) > 0).nonzero().ravel().tolist()

    assert touched(sigma[0, 5, 0]) == list(range(5, 12))  # Z_{t-7} .. Z_{t-1} for output t = input 12
    assert touched(mu[0, 5, 0]) == list(range(5, 12))
    assert touched(eps[0, 5, 0]) == [12]
    assert touched(net(x)[0, 5, 0]) == list(range(5, 13))


def test_svnn_volatility_is_positive_and_bounded():
    torch.manual_seed(1)
    net = SVNN(3, 2, hidden=8, dilations=(1,), max_log_vol=2.0)
    with torch.no_grad():
        net.context.head.bias.fill_(50.0)  # a huge log-volatility is squashed, not overflowed
        sigma, _, _ = net.components(torch.randn(4, 30, 3))
    assert (sigma > 0).all() and sigma.max() <= np.exp(2.0) + 1e-4
    assert net(torch.randn(4, 30, 3)).shape == (4, 30 - net.receptive_field + 1, 2)


def test_memory_alone_gives_clustering_and_leverage_before_any_training():
    from fingan.validation.returns import leverage

    torch.manual_seed(0)
    x = torch.randn(40, 2000, 3)
    bound = 1.96 / np.sqrt(40 * 1000)  # 95% band of a 40-path mean of lag-1 correlations of ~1000 days
    out = {}
    for name, options in {"memory": {"memory": (2.0, 20.0, 120.0), "memory_sign": -0.8},
                          "no memory": {}, "rises": {"memory": (2.0, 20.0, 120.0), "memory_sign": 0.8}}.items():
        torch.manual_seed(1)
        net = SVNN(3, 1, hidden=8, dilations=(1, 2, 4), **options)
        with torch.no_grad():
            r = net(x)[..., 0].numpy()
        out[name] = (acf(np.abs(r), 1).mean(), leverage(r, 5).mean())
    assert out["memory"][0] > 3 * bound and out["memory"][1] < -bound  # clusters; falls raise volatility
    assert out["rises"][1] > bound  # the sign weight sets the leverage's direction
    assert abs(out["no memory"][0]) < out["memory"][0] / 3


def test_critic_with_abs_inputs_sees_twice_the_channels_and_rejects_unknown_inputs():
    critic = TCNCritic(3, inputs=("r", "abs"), hidden=8, dilations=(1, 2))
    assert critic.tcn.blocks[0].net[0].in_channels == 6
    x = torch.randn(4, 30, 3)
    assert critic(x).shape == (4,)
    magnitude_only = TCNCritic(3, inputs=("abs", "square"), hidden=8, dilations=(1, 2))
    torch.testing.assert_close(magnitude_only(-x), magnitude_only(x))  # blind to signs, as it should be
    assert not torch.allclose(critic(-x), critic(x))
    with pytest.raises(ConfigError, match="critic inputs"):
        TCNCritic(3, inputs=("r", "cube"))


def test_the_standardised_critic_input_is_the_ewma_forecast_and_does_not_see_the_window_scale():
    from fingan.nets.tcn import ewma_standardised
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(3, 90, 2, generator=gen, dtype=torch.float64) * torch.tensor([0.4, 3.0], dtype=torch.float64)
    out = ewma_standardised(x)
    for c in range(2):  # the RiskMetrics recursion written out, started at the window's mean square
        r = x[..., c].numpy()
        var = np.empty_like(r)
        var[:, 0] = (r**2).mean(axis=1)
        for t in range(1, r.shape[1]):
            var[:, t] = 0.94 * var[:, t - 1] + 0.06 * r[:, t - 1] ** 2
        np.testing.assert_allclose(out[..., c].numpy(), r / np.sqrt(var), rtol=1e-9)
    torch.testing.assert_close(ewma_standardised(25 * x), out)
    critic = TCNCritic(1, inputs=("standardised",), hidden=8, dilations=(1, 2))
    windows = torch.randn(6, 40, 1, generator=gen)
    torch.testing.assert_close(critic(0.2 * windows), critic(windows))  # a calm window reads as a stormy one
    both = TCNCritic(1, inputs=("r", "standardised"), hidden=8, dilations=(1, 2))
    assert both.tcn.blocks[0].net[0].in_channels == 2
    assert not torch.allclose(both(0.2 * windows), both(windows))


def test_a_quantgan_whose_critic_reads_standardised_returns_trains_saves_and_loads(train, tmp_path):
    gan = QuantGAN(steps=3, critic_inputs=("r", "abs", "standardised"), **TINY).fit(train.iloc[-600:])
    assert gan.trainer_.history and all(np.isfinite(v) for r in gan.trainer_.history for v in r.values()
                                         if isinstance(v, float))
    loaded = QuantGAN.load(gan.save(tmp_path / "std.fingan"))
    assert loaded.config.critic_inputs == ("r", "abs", "standardised")
    pd.testing.assert_frame_equal(loaded.sample(3, 20, seed=1), gan.sample(3, 20, seed=1))


def test_window_facts_are_the_validation_modules_estimators_and_have_gradients():
    from fingan.engine.penalties import window_facts
    from fingan.validation.returns import leverage

    rng = np.random.default_rng(0)
    x = rng.standard_t(4, size=(6, 130, 2))
    xt = torch.tensor(x, requires_grad=True)
    facts = window_facts(xt, 10)
    assert facts.shape == (2, 4, 10)
    for asset in range(2):
        r = x[:, :, asset]
        for row, series in enumerate((r, np.abs(r), r**2)):
            np.testing.assert_allclose(facts[asset, row].detach().numpy(), acf(series, 10).mean(axis=0), atol=1e-9)
        # centred on the whole window rather than on each lag's overlap: close, not equal
        np.testing.assert_allclose(facts[asset, 3].detach().numpy(), leverage(r, 10), atol=0.03)
    facts.sum().backward()
    assert torch.isfinite(xt.grad).all() and xt.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="max_lag"):
        window_facts(xt, 129)


def test_pooled_window_facts_see_how_volatile_whole_windows_are():
    from fingan.engine.penalties import window_facts
    from fingan.engine.terms import StepContext, StylizedFacts

    gen = torch.Generator().manual_seed(1)
    shocks = torch.randn(64, 100, 1, generator=gen, dtype=torch.float64)
    # one window read alone: pooling changes nothing
    np.testing.assert_allclose(window_facts(shocks[:1], 10, pooled=True).numpy(), window_facts(shocks[:1], 10).numpy(),
                               atol=1e-12)
    # i.i.d. days, calm or stormy windows: no dependence within a window, much across
    levels = torch.tensor([0.5, 2.0], dtype=torch.float64)[torch.randint(0, 2, (64,), generator=gen)]
    regimes = shocks * levels[:, None, None]
    within, pooled = window_facts(regimes, 20)[0, 1], window_facts(regimes, 20, pooled=True)[0, 1]
    assert within.abs().max() < 0.05 and pooled.min() > 0.2
    # the pooled estimator is the one-series ACF of the windows laid end to end, lags within windows
    x = regimes[..., 0].numpy()
    centred = x - x.mean()
    lag5 = (centred[:, :-5] * centred[:, 5:]).sum() / (centred**2).sum()
    assert window_facts(regimes, 5, pooled=True)[0, 0, 4].item() == pytest.approx(lag5, abs=1e-12)
    # the term: the pooled loss tells regimes from one scale, the per-window loss hardly
    def loss(weight, pooled_weight):
        return StylizedFacts(weight, 20, pooled_weight).generator_term(StepContext(regimes, shocks, None, None, None))
    within_loss, pooled_loss = loss(1.0, 0.0).item(), loss(0.0, 1.0).item()
    assert pooled_loss > 10 * within_loss
    assert loss(2.0, 0.5).item() == pytest.approx(2 * within_loss + 0.5 * pooled_loss)
    # the pooled loss on some facts only: the sum over facts splits
    parts = [StylizedFacts(0.0, 20, 1.0, (f,)).generator_term(StepContext(regimes, shocks, None, None, None)).item()
             for f in StylizedFacts.FACTS]
    assert sum(parts) == pytest.approx(pooled_loss) and parts[1] == max(parts)
    with pytest.raises(ConfigError, match="pooled_facts"):
        StylizedFacts(0.0, 20, 1.0, ("kurtosis",))


def test_the_stylized_fact_loss_is_zero_on_the_real_batch_and_pulls_independent_windows_to_clusters():
    from fingan.engine.terms import StepContext, StylizedFacts

    clustered = garch_series(64 * 100, seed=4, alpha=0.2, beta=0.75).to_numpy()
    real = torch.tensor(clustered / clustered.std(), dtype=torch.float32).reshape(64, 100, 1)
    term = StylizedFacts(weight=1.0, max_lag=10)
    assert term.generator_term(StepContext(real, real.clone(), None, None, None)).item() == 0.0
    # fakes: fixed i.i.d. shocks times a free log-scale per day, moved by the term alone
    gen = torch.Generator().manual_seed(0)
    shocks = torch.randn(64, 100, 1, generator=gen)
    log_scale = torch.zeros(64, 100, 1, requires_grad=True)
    optimiser = torch.optim.Adam([log_scale], lr=0.05)
    losses = []
    for _ in range(150):
        loss = term.generator_term(StepContext(real, shocks * log_scale.exp(), None, None, None))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    fake = (shocks * log_scale.exp()).detach().numpy()[..., 0]
    real_lag1 = acf(np.abs(real.numpy()[..., 0]), 1).mean()
    start_lag1 = acf(np.abs(shocks.numpy()[..., 0]), 1).mean()
    assert losses[-1] < 0.2 * losses[0]
    assert real_lag1 > 0.15 and abs(start_lag1) < 0.05
    assert acf(np.abs(fake), 1).mean() > 0.5 * real_lag1


def test_a_quantgan_with_the_fact_loss_trains_saves_and_loads(train, tmp_path):
    from fingan.engine.terms import StylizedFacts

    gan = QuantGAN(steps=3, fact_weight=2.0, fact_lags=10, fact_pooled_weight=0.5, fact_pooled_facts=("abs",),
                   **TINY).fit(train.iloc[-600:])
    terms = [t for t in gan.trainer_.terms if isinstance(t, StylizedFacts)]
    assert len(terms) == 1 and (terms[0].weight, terms[0].max_lag, terms[0].pooled_weight) == (2.0, 10, 0.5)
    assert terms[0].pooled_facts == ("abs",)
    assert all(np.isfinite(v) for r in gan.trainer_.history for v in r.values() if isinstance(v, float))
    loaded = QuantGAN.load(gan.save(tmp_path / "facts.fingan"))
    assert (loaded.config.fact_weight, loaded.config.fact_lags, loaded.config.fact_pooled_weight) == (2.0, 10, 0.5)
    assert loaded.config.fact_pooled_facts == ("abs",)
    pd.testing.assert_frame_equal(loaded.sample(3, 20, seed=1), gan.sample(3, 20, seed=1))
    off = QuantGAN(steps=3, fact_weight=0.0, **TINY).fit(train.iloc[-300:])
    assert not any(isinstance(t, StylizedFacts) for t in off.trainer_.terms)
    assert QuantGAN(**TINY).config.effective_fact_lags == 46 and QuantGAN().config.effective_fact_lags == 50


@pytest.mark.parametrize("options, message", [({"fact_weight": -1.0}, "fact_weight"),
                                              ({"fact_weight": "much"}, "fact_weight"),
                                              ({"fact_lags": 47}, "fact_lags"),
                                              ({"fact_lags": 0}, "fact_lags"),
                                              ({"fact_pooled_weight": -0.5}, "fact_pooled_weight"),
                                              ({"fact_pooled_facts": ("abs", "kurtosis")}, "fact_pooled_facts"),
                                              ({"fact_pooled_facts": ()}, "fact_pooled_facts")])
def test_bad_fact_loss_options_fail_early(options, message):
    with pytest.raises(ConfigError, match=message):
        QuantGAN(**{**TINY, **options})


def _calm_or_stormy_windows(n: int, whole: bool, gen: torch.Generator) -> torch.Tensor:
    """Windows of 64 days whose volatility (0.5 or 2) is drawn once per window (``whole``)
    or once per half: the same 4-day stretches, apart from the few across the middle."""
    levels = torch.tensor([0.5, 2.0])[torch.randint(0, 2, (n, 2), generator=gen)]
    if whole:
        levels[:, 1] = levels[:, 0]
    return torch.randn(n, 64, 1, generator=gen) * levels.repeat_interleave(32, dim=1)[..., None]


@pytest.mark.parametrize("window_features", [0, 8])
def test_only_a_critic_with_window_features_tells_whole_windows_from_halves(window_features):
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    critic = TCNCritic(1, inputs=("r", "abs"), window_features=window_features, hidden=32, dilations=(1, 2))
    optimiser = torch.optim.Adam(critic.parameters(), lr=3e-3)
    for _ in range(400):  # a classifier: whole-window volatility (label 1) against half-window
        x = torch.cat([_calm_or_stormy_windows(64, True, gen), _calm_or_stormy_windows(64, False, gen)])
        y = torch.cat([torch.ones(64), torch.zeros(64)])
        loss = nn.functional.binary_cross_entropy_with_logits(critic(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        x = torch.cat([_calm_or_stormy_windows(500, True, gen), _calm_or_stormy_windows(500, False, gen)])
        right = (critic(x) > 0) == torch.cat([torch.ones(500), torch.zeros(500)]).bool()
    accuracy = right.float().mean().item()
    # the best rule, "one level in the whole window", is right 75% of the time; a sum of
    # per-stretch scores sees the same stretches in both and stays near a coin flip
    assert (accuracy > 0.68) if window_features else (accuracy < 0.6), accuracy


# ------------------------------------------------------------------ the recipe


def test_default_generator_is_the_svnn_and_the_pure_tcn_stays_available(train):
    svnn = QuantGAN(steps=5, **TINY).fit(train)
    tcn = QuantGAN(steps=5, generator="tcn", critic_inputs=("r",), **TINY).fit(train)
    assert isinstance(svnn.trainer_.generator, SVNN) and svnn.config.receptive_field == 15 + 1 + 2000  # TCN, current step, 4 x 500-day warm-up
    assert type(tcn.trainer_.generator) is TCN and tcn.config.receptive_field == 15
    assert svnn.reads_history and not tcn.reads_history  # only the SVNN's volatility can be read from returns
    for model in (svnn, tcn):
        assert model.sample(3, 1, seed=0).shape == (1, 3)
        assert model.sample(2, 3000, seed=0).shape == (3000, 2)  # any length in one pass


def test_svnn_samples_come_back_through_the_exact_inverse_transform(train):
    gan = QuantGAN(steps=5, lambert_w=False, **TINY).fit(train)
    raw = gan.trainer_.sample(3, seed=5, latent_shape=(100 + gan.config.receptive_field - 1, 3)).numpy()
    returns = gan.sample(3, 100, seed=5).to_numpy().T[:, :, None]
    np.testing.assert_allclose(gan.transform_.transform(returns), raw, atol=1e-4)
    # without Lambert W the transform is a standardisation: the tails are left to the generator
    z = gan.transform_.transform(train).to_numpy()
    x = train.to_numpy()
    np.testing.assert_allclose(z, (x - x.mean()) / x.std(), atol=1e-12)


def test_lambert_w_off_is_an_exact_standardisation_that_saves_like_the_full_transform(train):
    t = ReturnTransform(lambert_w=False).fit(train)
    assert np.all(t.delta_ == 0)
    restored = ReturnTransform.from_state(t.state_dict())
    x = np.random.default_rng(0).standard_normal((5, 1))
    np.testing.assert_allclose(restored.inverse_transform(t.transform(x)), x, atol=1e-12)


def test_memory_spread_sets_the_starting_size_of_the_memory_terms():
    sizes = {}
    for spread in (0.15, 0.3):
        net = QuantGAN(memory_spread=spread, **TINY).build((64, 1))[0]
        sizes[spread] = net.memory_size.detach()
    torch.testing.assert_close(sizes[0.3], 2 * sizes[0.15])
    per_term = QuantGAN(memory=(2.0, 50.0), memory_spread=[0.15, 0.6], **TINY).build((64, 1))[0].memory_size.detach()
    one = QuantGAN(memory=(2.0, 50.0), memory_spread=0.15, **TINY).build((64, 1))[0].memory_size.detach()
    torch.testing.assert_close(per_term, one * torch.tensor([1.0, 4.0]))  # one spread per half-life
    for bad in (-0.1, (0.1, 0.1), (0.1, 0.1, 0.1, -0.1), "wide"):
        with pytest.raises(ConfigError, match="memory_spread"):
            QuantGAN(memory_spread=bad)


def test_critic_dilations_widen_only_the_critics_field():
    gan = QuantGAN(critic_dilations=[1, 2, 4, 8], **TINY)
    generator, critic, latent_shape = gan.build((48, 1))
    assert critic.receptive_field == 31 and generator.context.receptive_field == 15  # kernel 2: 1 + 2 sum(dilations)
    assert gan.config.critic_dilations == (1, 2, 4, 8)
    assert latent_shape[0] == 48 + gan.config.receptive_field - 1  # the generator's field, not the critic's
    assert gan.config.receptive_field == QuantGAN(**TINY).config.receptive_field
    with pytest.raises(ConfigError, match="critic's receptive field \\(63\\)"):
        QuantGAN(critic_dilations=(1, 2, 4, 8, 16), **TINY)  # window 48 < 63
    with pytest.raises(ConfigError, match="dilations must be positive"):
        QuantGAN(critic_dilations=(1, 0), **TINY)


def test_a_wider_critic_with_window_features_trains_saves_and_loads(train, tmp_path):
    gan = QuantGAN(steps=3, critic_dilations=(1, 2, 4, 8), critic_window_features=4, memory_spread=(0, 0.1, 0.2, 0.3),
                   **TINY).fit(train.iloc[-600:])
    loaded = QuantGAN.load(gan.save(tmp_path / "wide.fingan"))
    assert loaded.config.critic_dilations == (1, 2, 4, 8) and loaded.config.critic_window_features == 4
    assert loaded.config.memory_spread == (0, 0.1, 0.2, 0.3)
    assert loaded.trainer_.critic.window_head is not None
    pd.testing.assert_frame_equal(loaded.sample(3, 20, seed=1), gan.sample(3, 20, seed=1))
    with pytest.raises(ConfigError, match="critic_window_features"):
        QuantGAN(critic_window_features=-1)


def test_svnn_save_load_gives_the_same_paths(train, tmp_path):
    gan = QuantGAN(steps=5, memory=(3.0, 30.0), memory_sign=-0.3, **TINY).fit(train)
    net = gan.trainer_.generator
    torch.testing.assert_close(net.memory_sign.detach(), -0.3 * net.memory_size.detach(), rtol=0.02, atol=0)  # 5 steps moved them a little
    assert net.warmup == 120 and gan.config.receptive_field == 15 + 1 + 120
    loaded = QuantGAN.load(gan.save(tmp_path / "svnn.pt"), device="cpu")
    pd.testing.assert_frame_equal(loaded.sample(4, 60, seed=2), gan.sample(4, 60, seed=2))
    assert loaded.config.generator == "svnn" and loaded.config.critic_inputs == ("r", "abs", "standardised")


def test_a_model_file_from_before_the_svnn_loads_as_a_pure_tcn(train, tmp_path):
    from fingan.engine.checkpoint import load_checkpoint, save_checkpoint

    old = QuantGAN(steps=5, generator="tcn", critic_inputs=("r",), **TINY).fit(train)
    state = load_checkpoint(old.save(tmp_path / "new.pt"))
    for key in ("generator", "critic_inputs", "lambert_w", "recency"):
        del state["config"][key]  # the keys a file written before these options lacks
    loaded = QuantGAN.load(save_checkpoint(state, tmp_path / "old.pt"), device="cpu")
    assert loaded.config.generator == "tcn"
    assert loaded.config.recency is None and old.config.recency == 500  # every window alike, as then
    pd.testing.assert_frame_equal(loaded.sample(3, 40, seed=1), old.sample(3, 40, seed=1))


@pytest.mark.parametrize("options, message", [({"generator": "lstm"}, "generator must be one of"),
                                              ({"critic_inputs": ()}, "critic_inputs"),
                                              ({"critic_inputs": ("r", "cube")}, "critic_inputs")])
def test_bad_generator_options_fail_early(options, message):
    with pytest.raises(ConfigError, match=message):
        QuantGAN(**{**TINY, **options})


def test_short_training_on_a_garch_series_gives_volatility_clusters():
    series = garch_series(3000, seed=0)
    length = 1000
    iid_bound = 1.96 / np.sqrt(length)  # 95% band of one path's lag-1 ACF under independence
    data_acf = acf(np.abs(series.to_numpy()), 1)[0, 0]
    assert data_acf > 2 * iid_bound  # the series itself clusters
    gan = QuantGAN(steps=150, seed=0, hidden=16, dilations=(1, 2, 4, 8), window=64, batch_size=32,
                   device="cpu").fit(series)
    paths = gan.sample(50, length, seed=0).to_numpy().T
    assert acf(np.abs(paths), 1).mean() > iid_bound


# ------------------------------------------------------------------ the benchmark


def test_long_path_facts_of_a_garch_path_show_clustering_and_no_leverage():
    facts = bench.long_path_facts(garch_series(4000, seed=3).to_numpy())
    assert list(facts) == bench.LONG_FACTS
    assert facts["acf |r| lag 1"] > 0.1 and facts["acf |r| lag 1"] > facts["acf |r| lag 50"]
    assert abs(facts["mean leverage lags 1-10"]) < 0.05  # symmetric GARCH: no leverage
    assert facts["median excess kurtosis"] > 0.5 and abs(facts["median EWMA-standardised kurtosis"]) < 0.5


def test_a_diverging_variant_keeps_its_row_and_a_diverged_checkpoint_is_never_chosen(monkeypatch, train):
    import fingan.models.quantgan as quantgan

    real_score, calls = quantgan.selection_score, []

    def overflow_at_the_second_check(synthetic, reference):
        calls.append(1)
        if len(calls) == 2:
            raise DataError("returns reach 1e+30")
        return real_score(synthetic, reference)

    monkeypatch.setattr(quantgan, "selection_score", overflow_at_the_second_check)
    gan = QuantGAN(steps=30, select_every=10, **TINY).fit(train.iloc[:-300], train.iloc[-300:])
    scores = [s["score"] for s in gan.selection_]
    assert len(scores) >= 2 and scores[1] == float("inf") and np.isfinite(scores[0])
    assert gan.best_step_ == gan.selection_[0]["step"]
    monkeypatch.undo()

    class Diverging(QuantGAN):
        def fit(self, *args, **kwargs):
            if self.config.hidden == 9:
                raise DataError("returns reach 5.6e+26")
            return super().fit(*args, **kwargs)

    monkeypatch.setitem(settings.MODES, "tiny", {"hidden": 8, "dilations": (1, 2), "window": 32, "steps": 10,
                                              "batch_size": 16, "n_paths": 20})
    monkeypatch.setattr(bench, "ABLATION", {"default": {}, "diverges": {"hidden": 9}})
    monkeypatch.setattr(bench, "QuantGAN", Diverging)
    result = bench.returns_benchmark("tiny", seeds=(0,), device="cpu", ablation=True, log=lambda m: None)
    assert result["ablation"]["diverges"] == {"failed": "returns reach 5.6e+26"}
    assert "| diverges | failed: returns reach 5.6e+26 |" in bench.benchmark_markdown(result)


def test_returns_benchmark_reports_mean_and_sd_over_seeds_and_the_ablation(monkeypatch):
    monkeypatch.setitem(settings.MODES, "tiny", {"hidden": 8, "dilations": (1, 2), "window": 32, "steps": 10,
                                              "batch_size": 16, "n_paths": 20})
    monkeypatch.setattr(bench, "ABLATION", {"default": {}, "pure TCN": {"generator": "tcn"}, "no EMA": {"ema_decay": None}})
    result = bench.returns_benchmark("tiny", seeds=(0, 1), device="cpu", ablation=True, log=lambda m: None,
                                     variants=["pure TCN"], ablation_seeds=2)
    assert list(result["ablation"]) == ["default", "pure TCN"]  # the default row, then only the variants asked for
    assert len(result["runs"]["Quant GAN"]) == 2 and len(result["runs"]["GJR-GARCH(1,1) t"]) == 2
    assert result["ablation"]["default"] == result["runs"]["Quant GAN"]
    tcn_runs = result["ablation"]["pure TCN"]
    assert [r["receptive field"] for r in tcn_runs] == [7, 7]  # the pure TCN's own field, once per seed
    assert tcn_runs[0]["scores"]["test"] != tcn_runs[1]["scores"]["test"]
    text = bench.benchmark_markdown(result)
    assert "mean ± sd over seeds 0, 1" in text and "| pure TCN |" in text and " ± " in text
    assert "within 25%" in text
    facts_table = text.split("**Ablation: volatility facts of training-length paths**")[1].split("**Time**")[0]
    assert "(mean ± sd over seeds 0, 1;" in facts_table
    lag1, lag5 = ([r["long facts"][f"acf |r| lag {k}"] for r in tcn_runs] for k in (1, 5))
    assert (f"| pure TCN | {np.mean(lag1):.3f} ± {np.std(lag1, ddof=1):.3f} | "
            f"{np.mean(lag5):.3f} ± {np.std(lag5, ddof=1):.3f} |") in facts_table
    assert "| real (train) |" in facts_table and "| GJR-GARCH(1,1) t |" in facts_table
    # each fit is scored on validation both ways; the default selector's own score is the unconditional one
    for run in result["runs"]["Quant GAN"]:
        assert run["validation score"] == pytest.approx(run["selected score"], rel=1e-9)
        assert np.isfinite(run["validation from origin"]) and run["validation from origin"] != run["validation score"]
    assert all(np.isnan(r["validation from origin"]) for r in tcn_runs)  # the pure TCN reads no history
    assert "| validation from origin |" in text
    # the test period is also scored with scenarios continuing the history: the GAN's and
    # GARCH's differ from their unconditional paths; the stateless bootstrap keeps its own
    assert "scenarios from the test period's first day" in text and "| beats GJR-t from origin |" in text
    runs = result["runs"]
    for name in ("Quant GAN", "GJR-GARCH(1,1) t"):
        assert runs[name][0]["scores"][bench.ORIGIN] != runs[name][0]["scores"]["test"]
        assert runs[name][0]["forecast seconds"] > 0
    assert runs["stationary bootstrap"][0]["scores"][bench.ORIGIN] == runs["stationary bootstrap"][0]["scores"]["test"]
    # the ablation also counts the in-sample targets' scores on the training period
    in_sample = sum(np.mean([r["scores"]["train"][s] for r in tcn_runs])
                    < np.mean([r["scores"]["train"][s] for r in runs["GJR-GARCH(1,1) t"]]) for s in bench.IN_SAMPLE)
    row = next(line for line in text.splitlines() if line.startswith("| pure TCN |") and "/9" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[-5] == f"{in_sample}/7"
    # and shows the paths' own lag-1 autocorrelation of returns (the reversal a day after each move)
    reversal = [r["facts"]["acf r lag 1"] for r in tcn_runs]
    assert cells[-3] == f"{np.mean(reversal):.3f} ± {np.std(reversal, ddof=1):.3f}"
    assert cells[-2] == ""  # the pure TCN has no scenarios from a history, so no drift days
    # the SVNN's drift days: a share of the test days, the same in its row as in its runs
    drift = [r["drift days"] for r in runs["Quant GAN"]]
    assert all(0 <= d <= 1 for d in drift)
    row = next(line for line in text.splitlines() if line.startswith("| default |") and "/9" in line)
    assert [c.strip() for c in row.strip("|").split("|")][-2] == f"{np.mean(drift):.3f} ± {np.std(drift, ddof=1):.3f}"
    assert "| acf r lag 1 | drift days | fit s |" in text
    assert "| beats GJR-t in sample |" in text
    with pytest.raises(ConfigError, match="mode"):
        bench.returns_benchmark("huge")
    with pytest.raises(ConfigError, match="unknown ablation variants"):
        bench.returns_benchmark("tiny", seeds=(0,), ablation=True, variants=["nope"], log=lambda m: None)
    with pytest.raises(ConfigError, match="ablation_seeds"):
        bench.returns_benchmark("tiny", seeds=(0,), ablation=True, ablation_seeds=2, log=lambda m: None)


def test_the_filters_one_day_innovations_equal_the_nets():
    torch.manual_seed(0)
    net = SVNN(3, 2, hidden=8, dilations=(1, 2))
    with torch.no_grad():
        for p in net.innovation.parameters():  # a strongly nonlinear map, both sides of every PReLU
            p.normal_()
    z = torch.randn(50, 3)
    torch.testing.assert_close(net._innovation_step(z), net.innovations(z[:, None])[:, 0], rtol=1e-5, atol=1e-5)


def test_the_window_facts_benchmark_sees_months_long_clustering_only_in_pooled_windows():
    from fingan.bench.window_facts import LAGS, window_facts_table

    text = window_facts_table(batches=4, seed=1)

    def means(prefix):
        row = next(line for line in text.splitlines() if line.startswith(prefix))
        return [float(cell.split("±")[0]) for cell in row.strip("|").split("|")[1:]]

    own, pooled, whole = means("| each window's own"), means("| the batch's windows"), means("| the whole training")
    assert len(own) == len(pooled) == len(whole) == len(LAGS)
    assert all(abs(v) < 0.1 for v in own[2:])  # lags 20 and 50: nothing left within 128-day windows
    assert all(p > o + 0.1 for p, o in zip(pooled[:3], own[:3])) and pooled[3] > own[3] and whole[2] > 0.15
