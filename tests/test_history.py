"""Scenarios that continue a real history: the SVNN's particle filter and the Quant GAN API on it."""

import numpy as np
import pandas as pd
import pytest
import torch

from fingan.cli import main
from fingan.errors import ConfigError, DataError
from fingan.models import QuantGAN
from fingan.nets import SVNN
from fingan.validation import risk
from fingan.validation.returns import acf
from test_svnn import TINY, garch_series


def _generated(net: SVNN, days: int, seed: int = 0):
    torch.manual_seed(seed)
    noise = torch.randn(1, net.receptive_field - 1 + days, net.innovation_linear.in_channels)
    sigma, mu, eps = net.components(noise)
    return noise, sigma, mu, eps


def test_the_filter_recovers_the_noise_and_volatility_of_a_path_the_net_made():
    torch.manual_seed(0)
    net = SVNN(1, 1, memory=(2.0, 5.0), hidden=8, dilations=(1, 2))  # one noise channel: g is invertible
    with torch.no_grad():
        net.innovation[-1].weight.normal_(0, 0.05)  # a (mildly) nonlinear innovation map
    noise, sigma, mu, eps = _generated(net, 300)
    returns = (sigma * eps + mu)[0]
    rf, first = net.context.receptive_field, net.receptive_field - 1
    prior = torch.cat([noise[:, first - rf:first], torch.randn(1, 300, 1)], dim=1)
    found = net.filter(returns, prior, keep=[200])
    # after the memory averages forget their start (half-lives 2 and 5 days) everything matches
    torch.testing.assert_close(found.eps[100:, 0], eps[0, 100:], atol=1e-4, rtol=0)
    torch.testing.assert_close(found.sigma[100:, 0], sigma[0, 100:], atol=1e-4, rtol=0)
    torch.testing.assert_close(found.sigma[:, 0] * found.eps[:, 0] + found.mu[:, 0], returns, atol=1e-4, rtol=0)
    # continuing from day 200 with fresh noise equals running the net over the joined noise
    fresh = torch.randn(1, 40, 1)
    expected = net(torch.cat([noise[:, :first + 200], fresh], dim=1))[:, -40:]
    torch.testing.assert_close(net.continuation(found.context[0], found.size[0], found.sign[0], fresh), expected,
                               atol=1e-4, rtol=0)


def test_particles_differ_only_where_the_series_leaves_the_noise_free():
    torch.manual_seed(1)
    net = SVNN(3, 1, memory=(5.0,), hidden=8, dilations=(1, 2))
    _, sigma, mu, eps = _generated(net, 120)
    returns = (sigma * eps + mu)[0]
    prior = torch.randn(16, net.context.receptive_field + 120, 3)
    found = net.filter(returns, prior, keep=[0, 60, 120], generator=torch.Generator().manual_seed(0))
    every = found.sigma * found.eps + found.mu  # every particle reproduces the series exactly
    torch.testing.assert_close(every[..., 0], returns.expand(120, 16), atol=1e-4, rtol=0)
    assert found.context.shape == (3, 16, net.context.receptive_field, 3)
    torch.testing.assert_close(found.weight.sum(-1), torch.ones(3))
    assert found.sigma[-1].std() > 0  # the hidden noise directions still vary between particles
    with pytest.raises(DataError, match="kept days"):
        net.filter(returns, prior, keep=[121])


def test_particles_that_cannot_make_a_day_drop_out_and_none_left_is_a_clear_error(monkeypatch):
    torch.manual_seed(1)
    net = SVNN(3, 1, memory=(5.0,), hidden=8, dilations=(1, 2))
    _, sigma, mu, eps = _generated(net, 120)
    returns = (sigma * eps + mu)[0]
    prior = torch.randn(16, net.context.receptive_field + 120, 3)
    density, calls = net._innovation_log_density, []

    def broken(bad):  # on day 60 the particles in ``bad`` get a NaN density (a volatility that overflowed)
        def log_density(e):
            out = density(e)
            calls.append(None)
            if len(calls) == 61:
                out = out.clone()
                out[bad] = torch.nan
            return out
        return log_density

    monkeypatch.setattr(net, "_innovation_log_density", broken(slice(0, 8)))
    found = net.filter(returns, prior, keep=[61, 120], generator=torch.Generator().manual_seed(0))
    assert torch.isfinite(found.weight).all()
    torch.testing.assert_close(found.weight.sum(-1), torch.ones(2))
    assert torch.isfinite(found.daily_weight).all() and found.daily_weight[60, :8].eq(0).all()
    calls.clear()
    monkeypatch.setattr(net, "_innovation_log_density", broken(slice(None)))
    with pytest.raises(DataError, match="no particle of the filter can produce day 60"):
        net.filter(returns, prior, keep=[120], generator=torch.Generator().manual_seed(0))


def _steep_net(noise_bound: float) -> SVNN:
    """A net whose TCN answers large past noise with a much lower volatility and a large drift."""
    torch.manual_seed(0)
    net = SVNN(3, 1, hidden=8, dilations=(1, 2), noise_bound=noise_bound)
    with torch.no_grad():
        for p in net.context.parameters():
            p.mul_(2.0)
    return net


def test_the_tcn_reads_bounded_noise_so_the_filter_cannot_run_away():
    draw = torch.Generator().manual_seed(4)
    returns = torch.randn(300, 1, generator=draw)
    returns[40] = 12.0  # one day the net finds very unlikely: it needs a large noise value
    prior = torch.randn(16, _steep_net(7.0).context.receptive_field + 300, 3, generator=draw)
    # unbounded, large noise values feed back through the TCN until nothing is finite
    with pytest.raises(DataError, match="no particle of the filter can produce day"):
        _steep_net(float("inf")).filter(returns, prior, keep=[300], generator=torch.Generator().manual_seed(0))
    net = _steep_net(7.0)
    found = net.filter(returns, prior, keep=range(1, 301), generator=torch.Generator().manual_seed(0))
    assert torch.isfinite(found.eps).all() and torch.isfinite(found.weight).all()
    assert found.context[:, :, -1].abs().max() > 7  # the noise of some days passes the bound the TCN reads ...
    every = found.sigma * found.eps + found.mu  # ... and every day is still reproduced through the innovations
    torch.testing.assert_close(every[..., 0], returns.expand(300, 16), atol=1e-3, rtol=1e-5)
    # noise within the bound (every draw of this test) generates exactly what an unbounded net does
    noise = torch.randn(2, net.receptive_field + 50, 3)
    assert noise.abs().max() < 7
    torch.testing.assert_close(net(noise), _steep_net(float("inf"))(noise), atol=0, rtol=0)
    with pytest.raises(ConfigError, match="noise_bound must be positive"):
        SVNN(3, 1, noise_bound=0.0)


@pytest.fixture(scope="module")
def garch_gan():
    series = garch_series(2500, seed=1)
    gan = QuantGAN(steps=60, seed=0, memory=(5.0, 20.0), **TINY).fit(series.iloc[:2000])
    return gan, series


def test_a_calm_history_gives_narrower_ten_day_var_than_a_stressed_one(garch_gan):
    gan, series = garch_gan
    vol = series.abs().rolling(20).mean()
    calm_end, stressed_end = vol.iloc[100:].idxmin(), vol.iloc[100:].idxmax()
    calm = gan.sample(500, 10, history=series.loc[:calm_end], seed=0)
    stressed = gan.sample(500, 10, history=series.loc[:stressed_end], seed=0)
    assert calm.index[0] == calm_end + pd.offsets.BDay(1) and calm.shape == (10, 500)
    var_calm, _ = risk.var_es(calm.sum().to_numpy(), 0.01)
    var_stressed, _ = risk.var_es(stressed.sum().to_numpy(), 0.01)
    assert var_stressed < 1.5 * var_calm < 0  # VaR as a (negative) return: the stressed one much further down
    # without a history the model samples from its stationary law, as before
    pd.testing.assert_frame_equal(gan.sample(5, 10, seed=3), gan.sample(5, 10, seed=3, history=None))


def test_rolling_forecasts_come_in_one_call_and_never_look_ahead(garch_gan):
    gan, series = garch_gan
    origins = series.index[2000:2050]
    paths = gan.forecast_paths(series, origins, n_paths=200, horizon=10, seed=4)
    assert paths.shape == (50, 200, 10, 1) and np.isfinite(paths).all()
    one_day = gan.forecast_paths(series, origins, n_paths=2000, horizon=1, seed=4)
    assert one_day.shape == (50, 2000, 1, 1)  # a one-day VaR needs no continuation past the first day
    ten_day_first = gan.forecast_paths(series, origins, n_paths=2000, horizon=10, seed=4)[:, :, 0]
    np.testing.assert_allclose(one_day[:, :, 0].std(axis=1), ten_day_first.std(axis=1), rtol=0.15)
    changed = series.copy()
    changed.iloc[2050:] *= 5  # days after the last origin
    np.testing.assert_array_equal(gan.forecast_paths(changed, origins, n_paths=200, horizon=10, seed=4), paths)
    with pytest.raises(DataError, match="not found"):
        gan.forecast_paths(series, [pd.Timestamp("1990-01-01")])
    with pytest.raises(DataError, match="columns"):
        gan.forecast_paths(series.rename("other").to_frame().assign(x=0.0))


def test_history_works_saved_multi_asset_and_conditional(tmp_path):
    rng = np.random.default_rng(0)
    two = pd.DataFrame({"a": garch_series(900, seed=2).to_numpy(), "b": garch_series(900, seed=3).to_numpy()},
                       index=pd.bdate_range("2001-01-01", periods=900))
    two["b"] += 0.5 * two["a"] + 0.001 * rng.standard_normal(900)
    gan = QuantGAN(steps=5, memory=(5.0,), conditional=True, n_regimes=2, **TINY).fit(two.iloc[:700])
    paths = gan.sample(20, 15, history=two.iloc[:800], seed=0)
    assert paths.shape == (15, 40) and paths.index[0] == two.index[800]
    assert gan.sample(4, 5, history=two.iloc[:800], regime="stressed", seed=0).shape == (5, 8)
    loaded = QuantGAN.load(gan.save(tmp_path / "m.pt"), device="cpu")
    pd.testing.assert_frame_equal(loaded.sample(20, 15, history=two.iloc[:800], seed=0), paths)


def test_the_pure_tcn_cannot_continue_a_history(garch_gan):
    _, series = garch_gan
    tcn = QuantGAN(steps=2, generator="tcn", critic_inputs=("r",), **TINY).fit(series.iloc[:500])
    with pytest.raises(ConfigError, match="SVNN"):
        tcn.sample(3, 5, history=series)


def test_sample_history_from_the_command_line(tmp_path, capsys):
    from fingan.data import load_prices, log_returns

    returns = log_returns(load_prices("sp500", end="2010-12-31"))
    run = tmp_path / "run"
    run.mkdir()
    QuantGAN(steps=5, memory=(5.0, 20.0), **TINY).fit(returns.loc[:"2008-12-31"]).save(run / "model.pt")
    out = tmp_path / "next.csv"
    assert main(["sample", str(run), "--history", "sp500", "--history-end", "2010-06-30", "--n", "50",
                 "--length", "10", "--out", str(out)]) == 0
    frame = pd.read_csv(out, index_col=0, parse_dates=True)
    assert frame.shape == (10, 50) and frame.index[0] == pd.Timestamp("2010-07-01")
    assert "2010-07-01" in capsys.readouterr().out
    assert main(["sample", str(run), "--history-end", "2010-06-30", "--out", str(tmp_path / "x.csv")]) == 1
    assert "need --history" in capsys.readouterr().err


@pytest.mark.parametrize("n_classes, steps", [(0, 6), (3, 6), (0, 0), (3, 0)])
def test_a_continued_tcn_equals_the_tcn_over_the_joined_sequence(n_classes, steps):
    from fingan.nets import TCN

    torch.manual_seed(0)
    net = TCN(3, 2, hidden=8, dilations=(1, 2, 4), n_classes=n_classes)
    past, new = torch.randn(4, net.receptive_field, 3), torch.randn(10, steps, 3)  # 0 steps: one-day scenarios
    index = torch.tensor([0, 0, 1, 3, 3, 3, 2, 1, 0, 2])
    y_past = torch.tensor([0, 2, 1, 2]) if n_classes else None
    y_new = y_past[index] if n_classes else None
    torch.testing.assert_close(net.forward_continued(past, new, index, y_past, y_new),
                               net(torch.cat([past[index], new], dim=1), y_new))


def test_a_bounded_drift_never_outweighs_the_volatility():
    torch.manual_seed(0)
    net = SVNN(3, 1, memory=(5.0,), hidden=8, dilations=(1, 2), max_drift=0.1)
    with torch.no_grad():
        net.context.head.bias.fill_(5.0)  # a raw drift far beyond the bound
    sigma, mu, _ = net.components(torch.randn(4, net.receptive_field + 50, 3))
    assert (mu.abs() <= 0.1 * sigma + 1e-7).all() and (mu > 0.09 * sigma).all()
    with pytest.raises(ConfigError, match="max_drift"):
        SVNN(3, 1, max_drift=0.0)
    for bad in (-1.0, "wide", True):  # the recipe's check is fingan.errors.check_positive, as for recency
        with pytest.raises(ConfigError, match="max_drift must be a positive number of volatilities"):
            QuantGAN(max_drift=bad)


def test_a_clipped_drift_keeps_small_drifts_and_caps_large_ones():
    torch.manual_seed(0)
    free = SVNN(3, 1, memory=(5.0,), hidden=8, dilations=(1, 2))
    clipped = SVNN(3, 1, memory=(5.0,), hidden=8, dilations=(1, 2), drift_clip=1.0)
    clipped.load_state_dict(free.state_dict())
    x = torch.randn(4, free.receptive_field + 50, 3)
    with torch.no_grad():
        for net in (free, clipped):
            net.context.head.bias[1].fill_(0.0)
            net.context.head.weight[1].mul_(0.01)  # a drift far below the volatility
        (s_free, mu_free, _), (s_clip, mu_clip, _) = free.components(x), clipped.components(x)
        torch.testing.assert_close(s_clip, s_free)
        assert (mu_free.abs() < 0.1 * s_free).all()
        torch.testing.assert_close(mu_clip, mu_free, rtol=1e-2, atol=1e-6)  # unlike max_drift, not rescaled
        for net in (free, clipped):
            net.context.head.bias[1].fill_(5.0)  # a raw drift far beyond the volatility
        (s_free, mu_free, _), (s_clip, mu_clip, _) = free.components(x), clipped.components(x)
    assert (mu_free > 2 * s_free).any()
    assert (mu_clip <= s_clip + 1e-6).all() and (mu_clip > 0).all()
    with pytest.raises(ConfigError, match="drift_clip"):
        SVNN(3, 1, drift_clip=-1.0)
    with pytest.raises(ConfigError, match="give one of them"):
        SVNN(3, 1, max_drift=0.3, drift_clip=1.0)
    with pytest.raises(ConfigError, match="give one of them"):
        QuantGAN(max_drift=0.3, drift_clip=1.0)
    with pytest.raises(ConfigError, match="need the SVNN generator"):
        QuantGAN(generator="tcn", drift_clip=1.0)
    with pytest.raises(ConfigError, match="drift_clip must be a positive number of volatilities"):
        QuantGAN(drift_clip=0)


def test_drift_days_count_the_days_whose_scenarios_the_drift_centres():
    from fingan.bench.returns import drift_days

    series = garch_series(700, seed=5).to_frame("r")
    days = series.index[-40:]
    shares = {}
    for clip in (None, 0.3):
        gan = QuantGAN(steps=2, seed=0, drift_clip=clip, **TINY).fit(series.iloc[:-40])
        with torch.no_grad():
            gan.trainer_.sampling_generator.context.head.bias[1].fill_(50.0)  # 50 sd of the training returns
        shares[clip] = drift_days(gan, series, days, 200, seed=1)
    # a free drift that large centres every day's scenarios off zero (5 sd is not enough: the
    # filter answers it with a volatility high enough to explain the real returns)
    assert shares[None] > 0.9
    assert shares[0.3] < 0.1  # clipped at 0.3 volatilities, the median stays within half the sd


def test_reversal_terms_make_returns_revert_and_survive_filter_continuation_and_save(tmp_path):
    torch.manual_seed(0)
    net = SVNN(1, 1, memory=(2.0, 10.0), hidden=8, dilations=(1, 2), reversal=(-0.2, -0.3))
    torch.testing.assert_close(net.reversal.detach(), torch.tensor([[-0.2, -0.3]]))  # where they start
    with torch.no_grad():
        net.context.head.weight.zero_()
        net.context.head.bias.zero_()  # no TCN drift: only the reversal moves the mean
        noise, sigma, mu, eps = _generated(net, 20000)
    returns = (sigma * eps + mu)[0, :, 0].numpy()

    def variance_ratio(x, days):
        return np.convolve(x, np.ones(days), "valid").var() / (days * x.var())

    assert variance_ratio(returns, 20) < 0.8 and np.corrcoef(returns[1:], returns[:-1])[0, 1] < -0.02
    plain = (sigma * eps)[0, :, 0].numpy()  # the same volatility without the reversal
    assert 0.9 < variance_ratio(plain, 20) < 1.1
    # the filter and the continuation see the same drift as the net
    days = 300
    returns = (sigma * eps + mu)[0, :days]
    rf, first = net.context.receptive_field, net.receptive_field - 1
    prior = torch.cat([noise[:, first - rf:first], torch.randn(1, days, 1)], dim=1)
    found = net.filter(returns, prior, keep=[250])
    # once the averages forget their start (0.5 ** 20 after 200 days of the 10-day half-life)
    torch.testing.assert_close(found.mu[200:, 0], mu[0, 200:days], atol=1e-4, rtol=0)
    fresh = torch.randn(1, 40, 1)
    with torch.no_grad():
        expected = net(torch.cat([noise[:, :first + 250], fresh], dim=1))[:, -40:]
        continued = net.continuation(found.context[0], found.size[0], found.sign[0], fresh)
    torch.testing.assert_close(continued, expected, atol=1e-4, rtol=0)
    with pytest.raises(ConfigError, match="reversal needs memory"):
        SVNN(3, 1, reversal=-0.1)
    for options in ({"generator": "tcn"}, {"memory": ()}):
        with pytest.raises(ConfigError, match="reversal needs the SVNN"):
            QuantGAN(reversal=-0.1, **options)
    for bad in (1.5, (-0.1, -0.1), "back"):
        with pytest.raises(ConfigError, match="reversal"):
            QuantGAN(reversal=bad)
    series = garch_series(700, seed=4)
    gan = QuantGAN(steps=5, memory=(3.0, 30.0), reversal=[0.0, -0.1], **TINY).fit(series)
    learned = gan.trainer_.generator.reversal.detach()
    assert gan.config.reversal == (0.0, -0.1) and not torch.equal(learned, torch.tensor([[0.0, -0.1]]))  # it learns
    loaded = QuantGAN.load(gan.save(tmp_path / "reversal.pt"), device="cpu")
    assert loaded.config.reversal == (0.0, -0.1)
    pd.testing.assert_frame_equal(loaded.sample(4, 30, seed=2), gan.sample(4, 30, seed=2))


def test_latent_volatility_clusters_without_returns_causing_it_and_survives_filter_continuation_and_save(tmp_path):
    torch.manual_seed(0)
    net = SVNN(3, 1, memory=(2.0, 50.0), hidden=8, dilations=(1, 2), latent_spread=(0.0, 0.5))
    w, v = net.innovation_linear.weight[..., 0].detach(), net.latent_linear.detach()
    assert abs(float(w @ v.T)) < 1e-6 and abs(float(v.norm()) - 1) < 1e-6  # independent unit shocks at the start
    with torch.no_grad():
        net.context.head.weight.zero_()
        net.context.head.bias.zero_()
        net.memory_size.zero_()
        net.memory_sign.zero_()  # only the latent terms move the volatility
        noise, sigma, mu, eps = _generated(net, 20000)
    log_vol, r = sigma[0, :, 0].log().numpy(), (sigma * eps + mu)[0, :, 0].numpy()
    assert 0.4 < log_vol.std() < 0.6  # the spread it was given
    acf_abs = acf(np.abs(r), 20)[0]
    assert acf_abs[0] > 0.1 and acf_abs[19] > 0.05  # clustering at lag 1, and for weeks (lag 20)
    # ... that no return caused: tomorrow's volatility does not follow today's move
    assert abs(np.corrcoef(log_vol[1:], np.abs(eps[0, :-1, 0].numpy()))[0, 1]) < 0.03
    # given the path's own noise the filter follows it exactly, and the continuation equals the net
    days = 1200  # the averages start at 0: after 1000 days the 50-day one has forgotten that
    rf, first = net.context.receptive_field, net.receptive_field - 1
    found = net.filter((sigma * eps + mu)[0, :days], noise[:, first - rf:first + days], keep=[1150])
    torch.testing.assert_close(found.sigma[1000:, 0], sigma[0, 1000:days], atol=1e-4, rtol=0)
    fresh = torch.randn(1, 40, 3)
    with torch.no_grad():
        expected = net(torch.cat([noise[:, :first + 1150], fresh], dim=1))[:, -40:]
        continued = net.continuation(found.context[0], found.size[0], found.sign[0], fresh, latent=found.latent[0])
        without = net.continuation(found.context[0], found.size[0], found.sign[0], fresh)
    torch.testing.assert_close(continued, expected, atol=1e-4, rtol=0)
    assert not torch.allclose(without, expected, atol=1e-3)  # the latent state matters
    # from fresh prior draws the particles find the latent volatility in the returns alone
    found = net.filter((sigma * eps + mu)[0, :1000], torch.randn(64, rf + 1000, 3), generator=torch.Generator())
    assert np.corrcoef(found.volatility()[200:, 0].log().numpy(), log_vol[200:1000])[0, 1] > 0.5
    with pytest.raises(ConfigError, match="latent_spread needs memory"):
        SVNN(3, 1, latent_spread=0.2)
    for options in ({"generator": "tcn"}, {"memory": ()}):
        with pytest.raises(ConfigError, match="latent_spread needs the SVNN"):
            QuantGAN(latent_spread=0.2, **options)
    for bad in (-0.1, (0.1, 0.1), "slow"):
        with pytest.raises(ConfigError, match="latent_spread"):
            QuantGAN(latent_spread=bad)
    gan = QuantGAN(steps=5, memory=(3.0, 30.0), latent_spread=[0.0, 0.3], **TINY).fit(garch_series(700, seed=4))
    assert gan.config.latent_spread == (0.0, 0.3)
    loaded = QuantGAN.load(gan.save(tmp_path / "latent.pt"), device="cpu")
    pd.testing.assert_frame_equal(loaded.sample(4, 30, seed=2), gan.sample(4, 30, seed=2))
    history = garch_series(400, seed=5)
    np.testing.assert_allclose(loaded.forecast_paths(history, None, 8, 10, seed=1),
                               gan.forecast_paths(history, None, 8, 10, seed=1))
