"""Returns, the invertible Lambert W pipeline, windows and correlation matrices on real data."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from fingan.data import (
    ReturnTransform,
    ReturnWindows,
    igmm,
    inverse_lambert_w,
    lambert_w_forward,
    load_prices,
    log_returns,
    order_by_clustering,
    prices_from_returns,
    rolling_correlations,
)
from fingan.errors import DataError


@pytest.fixture(scope="module")
def sp500_returns():
    return log_returns(load_prices("sp500"))


@pytest.fixture(scope="module")
def stock_returns():
    return log_returns(load_prices("sp500-stocks", start="2000-01-01"))


def test_log_returns_and_prices_invert_each_other():
    prices = load_prices("sp500-stocks", start="2015-01-01", tickers=["AAPL", "KO"])
    r = log_returns(prices)
    assert r.index[0] == prices.index[1] and list(r.columns) == ["AAPL", "KO"]
    np.testing.assert_allclose(r["KO"].iloc[0], np.log(prices["KO"].iloc[1] / prices["KO"].iloc[0]))
    back = prices_from_returns(r, prices.iloc[0])
    pd.testing.assert_frame_equal(back, prices.iloc[1:], rtol=1e-12)
    with pytest.raises(DataError, match="start_price"):
        prices_from_returns(r, -1.0)


def test_sp500_returns_are_heavy_tailed(sp500_returns):
    assert stats.kurtosis(sp500_returns["SP500"]) == pytest.approx(8.2, abs=0.1)


def test_lambert_w_maps_are_inverse():
    u = np.linspace(-6, 6, 1001)
    for delta in (0.0, 0.1, 0.4):
        np.testing.assert_allclose(inverse_lambert_w(lambert_w_forward(u, delta), delta), u, atol=1e-12)


def test_igmm_recovers_a_known_tail_parameter():
    u = np.random.default_rng(0).standard_normal(200_000)
    y = 0.5 + 2.0 * lambert_w_forward(u, 0.25)
    mu, sigma, delta = igmm(y)
    assert delta == pytest.approx(0.25, abs=0.01)
    assert mu == pytest.approx(0.5, abs=0.02) and sigma == pytest.approx(2.0, abs=0.02)


def test_transformed_sp500_returns_are_close_to_gaussian_and_invert_exactly(sp500_returns):
    transform = ReturnTransform().fit(sp500_returns)
    z = transform.transform(sp500_returns)
    assert isinstance(z, pd.DataFrame) and z.index.equals(sp500_returns.index)
    assert abs(stats.kurtosis(z["SP500"])) < 0.1  # from 8.2
    assert z["SP500"].mean() == pytest.approx(0, abs=1e-10) and z["SP500"].std(ddof=0) == pytest.approx(1)
    assert 0.1 < transform.delta_[0] < 0.4
    back = transform.inverse_transform(z)
    np.testing.assert_allclose(back.to_numpy(), sp500_returns.to_numpy(), rtol=0, atol=1e-8)


def test_transform_works_per_asset_on_windows_and_round_trips_its_state(stock_returns):
    transform = ReturnTransform().fit(stock_returns)
    z = transform.transform(stock_returns)
    assert np.all(np.abs(stats.kurtosis(z.to_numpy(), axis=0)) < 0.2)
    windows = ReturnWindows(z, length=50, stride=25).tensor.numpy().astype(float)  # (n, 50, assets)
    restored = ReturnTransform.from_state(transform.state_dict())
    back = restored.inverse_transform(windows)
    assert back.shape == windows.shape
    np.testing.assert_allclose(back[0], stock_returns.to_numpy()[:50], atol=1e-5)  # float32 windows


def test_windows_have_the_right_shape_and_content(stock_returns):
    w = ReturnWindows(stock_returns, length=127, stride=10)
    assert w.tensor.shape == ((len(stock_returns) - 127) // 10 + 1, 127, stock_returns.shape[1])
    np.testing.assert_allclose(w[3].numpy(), stock_returns.to_numpy()[30:157], rtol=1e-6)
    assert w.start_dates[3] == stock_returns.index[30] and w.end_dates[3] == stock_returns.index[156]


def test_train_test_split_never_leaks_a_test_date(stock_returns):
    cut = pd.Timestamp("2015-06-30")
    train = ReturnWindows(stock_returns, 127, 5, train_end=cut, split="train")
    test = ReturnWindows(stock_returns, 127, 5, train_end=cut, split="test")
    assert train.end_dates.max() <= cut < test.start_dates.min()
    assert len(train) > 0 and len(test) > 0


def test_window_errors_are_data_errors(stock_returns):
    with pytest.raises(DataError, match="fewer than the window length"):
        ReturnWindows(stock_returns.iloc[:100], length=127)
    with pytest.raises(DataError, match="needs train_end"):
        ReturnWindows(stock_returns, length=10, split="train")


def test_rolling_correlations_are_valid_on_real_data(stock_returns):
    corr = rolling_correlations(stock_returns, window=252, step=21)
    n = (len(stock_returns) - 252) // 21 + 1
    assert corr.shape == (n, 20, 20)
    np.testing.assert_array_equal(corr, corr.transpose(0, 2, 1))
    np.testing.assert_array_equal(np.diagonal(corr, axis1=1, axis2=2), 1.0)
    assert np.linalg.eigvalsh(corr).min() > -1e-10
    np.testing.assert_allclose(corr[0], stock_returns.iloc[:252].corr().to_numpy(), atol=1e-10)
    assert np.mean(corr[:, np.triu_indices(20, 1)[0], np.triu_indices(20, 1)[1]]) > 0.2  # stocks co-move


def test_random_asset_subsets_per_matrix(stock_returns):
    corr = rolling_correlations(stock_returns, window=126, step=10, n_assets=8, n_samples=50, seed=1)
    again = rolling_correlations(stock_returns, window=126, step=10, n_assets=8, n_samples=50, seed=1)
    assert corr.shape == (50, 8, 8)
    np.testing.assert_array_equal(corr, again)
    assert len({c.round(8).tobytes() for c in corr}) > 40  # different subsets and windows


def test_clustering_order_groups_correlated_assets():
    rng = np.random.default_rng(0)
    factors = rng.standard_normal((500, 2))
    # assets 0, 2, 4 follow factor 0 and 1, 3, 5 factor 1: interleaved on purpose
    x = np.column_stack([factors[:, i % 2] + 0.5 * rng.standard_normal(500) for i in range(6)])
    corr = np.corrcoef(x, rowvar=False)
    ordered = order_by_clustering(corr)
    # after ordering, each block of three is one factor: strong within, weak across
    assert ordered[:3, :3].min() > 0.6 and ordered[3:, 3:].min() > 0.6
    assert np.abs(ordered[:3, 3:]).max() < 0.2
    batch = order_by_clustering(np.stack([corr, corr]))
    np.testing.assert_array_equal(batch[1], ordered)
    np.testing.assert_allclose(np.sort(np.diag(ordered)), np.sort(np.diag(corr)))


def test_ordered_rolling_correlations_stay_valid(stock_returns):
    corr = rolling_correlations(stock_returns, window=252, step=63, n_assets=10, order=True)
    np.testing.assert_array_equal(corr, corr.transpose(0, 2, 1))
    np.testing.assert_array_equal(np.diagonal(corr, axis1=1, axis2=2), 1.0)
