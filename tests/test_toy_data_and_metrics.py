"""Toy distributions and the toy metrics."""

import numpy as np
import pytest

from fingan.data import TOY_DISTRIBUTIONS, load_toy, toy_distribution
from fingan.errors import ConfigError, DataError
from fingan.validation import ks_distance, mmd, mode_metrics


def test_ring8_has_eight_modes_on_the_unit_circle():
    ring = toy_distribution("ring8")
    assert ring.means.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(ring.means, axis=1), 1.0)
    assert np.all(ring.stds == 0.01)
    angles = np.sort(np.mod(np.arctan2(ring.means[:, 1], ring.means[:, 0]), 2 * np.pi))
    np.testing.assert_allclose(np.diff(angles), np.pi / 4)


def test_grid25_sits_on_the_even_lattice():
    grid = toy_distribution("grid25")
    assert grid.means.shape == (25, 2)
    assert set(np.unique(grid.means)) == {-4.0, -2.0, 0.0, 2.0, 4.0}
    assert np.all(grid.stds == 0.05)


def test_huber_contamination_has_the_stated_shares_and_moments():
    x, comp = toy_distribution("huber").sample(50_000, seed=1, return_components=True)
    assert x.shape == (50_000, 50)
    assert comp.mean() == pytest.approx(0.2, abs=0.01)
    np.testing.assert_allclose(x[comp == 0].mean(axis=0), 0.0, atol=0.05)
    np.testing.assert_allclose(x[comp == 1].mean(axis=0), 5.0, atol=0.1)
    assert x[comp == 1].var(axis=0).mean() == pytest.approx(2.0, rel=0.05)


def test_sampling_is_reproducible_by_seed():
    np.testing.assert_array_equal(load_toy("ring8", 100, seed=5), load_toy("ring8", 100, seed=5))
    assert not np.array_equal(load_toy("ring8", 100, seed=5), load_toy("ring8", 100, seed=6))


def test_true_samples_capture_every_mode_with_high_quality():
    for name in ("ring8", "grid25"):
        mix = toy_distribution(name)
        m = mode_metrics(mix.sample(2500, seed=0), mix)
        assert m["modes"] == m["n_modes"]
        # 2-D Gaussian: P(|x - mu| < 3 sd) = 1 - exp(-4.5) = 0.9889
        assert m["high_quality"] == pytest.approx(1 - np.exp(-4.5), abs=0.01)


def test_a_collapsed_generator_captures_one_mode():
    ring = toy_distribution("ring8")
    collapsed = ring.means[2] + 0.005 * np.random.default_rng(0).standard_normal((2500, 2))
    assert mode_metrics(collapsed, ring) == {"modes": 1, "n_modes": 8, "high_quality": 1.0}
    blurry = 3 * np.random.default_rng(0).standard_normal((2500, 2))
    assert mode_metrics(blurry, ring)["high_quality"] < 0.01


def test_ks_distance_against_a_cdf_and_a_sample():
    mix = toy_distribution("gaussian")
    x = mix.sample(5000, seed=0)
    assert ks_distance(x, mix.cdf) < 0.03
    assert ks_distance(x + 1.0, mix.cdf) > 0.3
    assert ks_distance(x, mix.sample(5000, seed=1)) < 0.04


def test_mmd_separates_shifted_samples():
    ring = toy_distribution("ring8")
    same = mmd(ring.sample(1000, seed=0), ring.sample(1000, seed=1))
    shifted = mmd(ring.sample(1000, seed=0), ring.sample(1000, seed=1) + 0.5)
    assert abs(same) < 1e-3 < shifted


def test_mixture_cdf_matches_its_samples():
    mix = toy_distribution("mixture")
    x = mix.sample(20_000, seed=0)
    for t in (-2.0, 0.0, 1.0):
        assert mix.cdf(np.array([t]))[0] == pytest.approx((x <= t).mean(), abs=0.01)


def test_errors_name_the_problem():
    with pytest.raises(ConfigError, match="ring8"):
        toy_distribution("ring9")
    with pytest.raises(ConfigError, match="1-D"):
        toy_distribution("ring8").cdf(np.zeros(3))
    with pytest.raises(DataError, match="dimension"):
        mode_metrics(np.zeros((10, 3)), toy_distribution("ring8"))


def test_registry_lists_every_toy_data_set():
    assert TOY_DISTRIBUTIONS.names() == ["gaussian", "grid25", "huber", "mixture", "ring8"]
