"""Correlation-matrix facts against cases with known answers, and on real data."""

import numpy as np
import pytest
import torch
from scipy import integrate

from fingan.data import load_prices, log_returns, rolling_correlations
from fingan.validation.correlations import (
    cophenetic_correlation,
    correlation_distances,
    correlation_facts,
    eigenvalues_above_mp,
    marchenko_pastur_edges,
    marchenko_pastur_pdf,
    market_share,
    mp_bulk_distance,
    mst_degrees,
    perron_frobenius,
    power_law_alpha,
    validity,
)


@pytest.fixture(scope="module")
def real():
    returns = log_returns(load_prices("sp500-stocks", start="2000-01-01"))
    return rolling_correlations(returns, window=252, step=21)


@pytest.fixture(scope="module")
def onion():
    """Random correlation matrices from the onion / LKJ method (torch.distributions.LKJCholesky)."""
    torch.manual_seed(0)
    dist = torch.distributions.LKJCholesky(20, torch.tensor(1.0, dtype=torch.float64))
    chol = dist.sample((200,))
    return (chol @ chol.transpose(1, 2)).numpy()


def test_real_matrices_show_the_facts(real):
    f = correlation_facts(real, window=252)
    assert f["share valid"] == 1.0
    assert f["mean coefficient"] > 0.2  # shifted positive
    assert f["market eigenvalue share"] > 3 / 20  # a dominant market mode
    assert f["Perron-Frobenius share"] > 0.8
    assert f["eigenvalues above MP edge"] >= 1
    assert f["cophenetic correlation"] > 0.5


def test_onion_matrices_lack_the_market_mode_and_perron_frobenius(real, onion):
    f, r = correlation_facts(onion, window=252), correlation_facts(real, window=252)
    assert f["share valid"] == 1.0
    assert abs(f["mean coefficient"]) < 0.02
    assert f["Perron-Frobenius share"] < 0.05 < r["Perron-Frobenius share"]
    assert f["market eigenvalue share"] < 0.6 * r["market eigenvalue share"]
    d = correlation_distances(onion, real)
    assert d["coefficients"] > 0.2 and d["market eigenvalue share"] > 0.1
    assert correlation_distances(real, real)["coefficients"] == 0


def test_a_matrix_with_a_negative_eigenvalue_is_invalid():
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    assert np.linalg.eigvalsh(bad).min() < 0
    v = validity(np.stack([bad, np.eye(3)]))
    np.testing.assert_array_equal(v["psd"], [False, True])
    np.testing.assert_array_equal(v["valid"], [False, True])
    assert not validity(np.array([[1.0, 0.2], [0.3, 1.0]]))["symmetric"][0]
    assert not validity(np.array([[1.1, 0.2], [0.2, 1.0]]))["unit_diagonal"][0]


def test_marchenko_pastur_density_integrates_to_one_on_its_edges():
    lo, hi = marchenko_pastur_edges(0.25)
    assert (lo, hi) == pytest.approx((0.25, 2.25))
    total = integrate.quad(lambda x: marchenko_pastur_pdf(np.array([x]), 0.25)[0], lo, hi)[0]
    assert total == pytest.approx(1.0, abs=1e-6)


def test_noise_correlations_follow_marchenko_pastur():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 400, 100))  # N / T = 0.25, no structure
    c = np.einsum("ntj,ntk->njk", x - x.mean(1, keepdims=True), x - x.mean(1, keepdims=True))
    d = np.sqrt(np.diagonal(c, axis1=1, axis2=2))
    c = c / d[:, :, None] / d[:, None, :]
    assert eigenvalues_above_mp(c, 400).mean() < 0.5
    assert mp_bulk_distance(c, 400).mean() < 0.08
    assert market_share(c).mean() < 0.03


def test_perron_frobenius_holds_for_positive_matrices():
    c = np.full((5, 5), 0.3) + 0.7 * np.eye(5)
    assert perron_frobenius(c)[0]
    block = np.kron(np.array([[1.0, -0.8], [-0.8, 1.0]]), np.ones((2, 2)))
    np.fill_diagonal(block, 1.0)
    assert not perron_frobenius(block + 0.1 * np.eye(4))[0]


def test_mst_of_a_hub_matrix_is_a_star_and_power_law_mle():
    n = 8
    c = np.full((n, n), 0.1)
    c[0, :] = c[:, 0] = 0.8
    np.fill_diagonal(c, 1.0)
    np.testing.assert_array_equal(mst_degrees(c)[0], [n - 1] + [1] * (n - 1))
    from scipy import stats

    k = stats.zipf(2.5).rvs(200_000, random_state=0)
    assert power_law_alpha(k, k_min=6) == pytest.approx(2.5, abs=0.05)


def test_cophenetic_correlation_is_high_for_nested_blocks():
    c = np.full((6, 6), 0.1)
    c[:3, :3] = c[3:, 3:] = 0.7
    np.fill_diagonal(c, 1.0)
    assert cophenetic_correlation(c)[0] > 0.95
