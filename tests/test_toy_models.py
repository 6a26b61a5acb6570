"""ToyGAN and RobustGAN: properties the papers predict, on small budgets."""

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from fingan.data import load_toy, toy_distribution
from fingan.data.toy import huber
from fingan.engine import Trainer, TrainerConfig
from fingan.errors import CheckpointError, ConfigError, DataError
from fingan.models import RobustGAN, ToyGAN
from fingan.nets import MLP, GaussianGenerator
from fingan.validation import mode_metrics


def fit_single_gaussian(objective):
    """Fit N(mu, s^2), started at mu = 1.5, s = 1, to the mixture 0.5 N(-2, 0.25) + 0.5 N(2, 0.25)."""
    torch.manual_seed(0)
    data = torch.as_tensor(load_toy("mixture", n=8000, seed=0))
    generator = GaussianGenerator(1, loc=torch.tensor([1.5]))
    cfg = TrainerConfig(objective=objective, steps=500, batch_size=256, lr_g=5e-3, lr_d=5e-3, device="cpu")
    Trainer(generator, MLP(1, 1, (32, 32), "leaky_relu"), (1,), cfg).fit(data)
    return generator.loc.item(), generator.log_scale.exp().item()


def test_kl_covers_both_modes_and_reverse_kl_seeks_one():
    """From the same start, KL(P||Q) spreads over both modes; KL(Q||P) locks onto the nearer one."""
    mu, s = fit_single_gaussian("kl")
    assert abs(mu) < 0.7 and s > 1.6  # the KL optimum matches moments: mu = 0, s = 2.06
    mu, s = fit_single_gaussian("reverse-kl")
    assert abs(mu - 2.0) < 0.3 and s < 0.7  # the mode at 2, s near 0.5


def test_toygan_recovers_the_modes_of_a_1d_mixture():
    x = load_toy("mixture", n=5000, seed=0)
    gan = ToyGAN(objective="ns", pack=4, steps=800, batch_size=128, lr_g=1e-3, lr_d=1e-3,
                 hidden=(64, 64), critic_hidden=(64, 64), device="cpu").fit(x)
    metrics = mode_metrics(gan.sample(2500), toy_distribution("mixture"))
    assert metrics["modes"] == 2 and metrics["high_quality"] > 0.8


def test_save_and_load_give_the_same_samples(tmp_path):
    gan = ToyGAN(objective="wgan-gp", steps=20, hidden=(16,), critic_hidden=(16,), spectral_norm=True,
                 ema_decay=0.9, device="cpu").fit(load_toy("ring8", 500))
    path = gan.save(tmp_path / "toy.pt")
    loaded = ToyGAN.load(path, device="cpu")
    np.testing.assert_array_equal(loaded.sample(50, seed=3), gan.sample(50, seed=3))
    assert loaded.config == gan.config
    with pytest.raises(CheckpointError, match="ToyGAN"):
        RobustGAN.load(path)


def test_samples_are_reproducible_and_in_data_units():
    x = load_toy("grid25", 2000) * 10 + 100
    gan = ToyGAN(steps=10, device="cpu").fit(x)
    a, b = gan.sample(500, seed=1), gan.sample(500, seed=1)
    np.testing.assert_array_equal(a, b)
    assert abs(a.mean() - 100) < 30  # de-standardised back to the data's location


def test_robust_gan_beats_the_median_under_contamination():
    x, comp = huber(p=10).sample(5000, seed=0, return_components=True)
    gan = RobustGAN(steps=400, device="cpu").fit(x)
    err = np.linalg.norm(gan.location_)
    assert err < 0.5 * np.linalg.norm(np.median(x, axis=0))
    assert err < 0.1 * np.linalg.norm(x.mean(axis=0))
    assert roc_auc_score(comp, gan.outlier_scores(x)) > 0.95


def test_bad_input_and_options_are_clear_errors():
    with pytest.raises(ConfigError, match="no option 'stpes'"):
        ToyGAN(stpes=10)
    with pytest.raises(ConfigError, match="generator"):
        ToyGAN(generator="flow")
    with pytest.raises(DataError, match="NaN"):
        ToyGAN(steps=1).fit(np.array([[0.0], [np.nan]]))
    with pytest.raises(DataError, match="shape"):
        ToyGAN(steps=1).fit(np.zeros((3, 2, 2)))
    with pytest.raises(ConfigError, match="not fitted"):
        ToyGAN().sample(5)
