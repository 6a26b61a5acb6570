"""Penalties, regularisers and critic layers against their definitions."""

import pytest
import torch
from torch import nn

from fingan.engine import (
    HistoricalAverage,
    gradient_penalty,
    instance_noise_std,
    orthogonal_regularization,
)
from fingan.nets import MLP, MinibatchDiscrimination, apply_spectral_norm


def linear_critic(weight):
    layer = nn.Linear(len(weight), 1, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(weight, dtype=torch.float32).reshape(1, -1))
    return layer


def test_wgan_gp_penalty_is_zero_for_unit_gradient():
    torch.manual_seed(0)
    critic = linear_critic([0.6, 0.8])  # gradient norm exactly 1 everywhere
    real, fake = torch.randn(64, 2), torch.randn(64, 2) + 3
    assert gradient_penalty(critic, real, fake).item() == pytest.approx(0.0, abs=1e-10)


def test_wgan_gp_penalty_grows_with_the_gradient_norm():
    torch.manual_seed(0)
    real, fake = torch.randn(64, 2), torch.randn(64, 2)
    assert gradient_penalty(linear_critic([2.0, 0.0]), real, fake).item() == pytest.approx(1.0, rel=1e-5)
    assert gradient_penalty(linear_critic([0.0, 3.0]), real, fake).item() == pytest.approx(4.0, rel=1e-5)


def test_gradient_penalty_uses_one_interpolation_point_per_sample():
    torch.manual_seed(0)
    seen = []

    def critic(x):
        seen.append(x.detach())
        return (x**2).sum(dim=1)

    real, fake = torch.zeros(256, 3), torch.ones(256, 3)
    gradient_penalty(critic, real, fake)
    mixed = seen[0]
    # every coordinate of a sample shares its epsilon; epsilons differ across samples
    assert torch.allclose(mixed, mixed[:, :1].expand_as(mixed))
    assert mixed[:, 0].std() > 0.2


def test_spectral_norm_keeps_the_largest_singular_value_near_one():
    torch.manual_seed(0)
    critic = MLP(4, 1, hidden=(64, 64))
    with torch.no_grad():
        for p in critic.parameters():
            p.mul_(10.0)
    apply_spectral_norm(critic)
    x = torch.randn(32, 4)
    for _ in range(30):  # power iterations run in training-mode forward passes
        critic(x)
    for layer in critic.modules():
        if isinstance(layer, nn.Linear):
            sigma = torch.linalg.matrix_norm(layer.weight.detach(), ord=2).item()
            assert sigma == pytest.approx(1.0, abs=0.02)


def test_orthogonal_regularization_is_zero_only_for_orthonormal_rows():
    layer = nn.Linear(8, 8)
    nn.init.orthogonal_(layer.weight)
    assert orthogonal_regularization(layer).item() == pytest.approx(0.0, abs=1e-10)
    with torch.no_grad():
        layer.weight.mul_(2.0)
    # W W^T = 4 I, so the penalty is 8 * (4 - 1)^2
    assert orthogonal_regularization(layer).item() == pytest.approx(72.0, rel=1e-5)


def test_historical_average_tracks_the_mean_of_past_parameters():
    layer = nn.Linear(1, 1, bias=False)
    hist = HistoricalAverage(layer)
    values = [1.0, 2.0, 6.0]
    for v in values:
        with torch.no_grad():
            layer.weight.fill_(v)
        hist.update()
    assert hist.mean[0].item() == pytest.approx(3.0)
    with torch.no_grad():
        layer.weight.fill_(5.0)
    assert hist.penalty().item() == pytest.approx(4.0)


def test_instance_noise_is_annealed_linearly_to_zero():
    assert instance_noise_std(0, 0.5, 100) == 0.5
    assert instance_noise_std(50, 0.5, 100) == pytest.approx(0.25)
    assert instance_noise_std(100, 0.5, 100) == 0.0
    assert instance_noise_std(500, 0.5, 100) == 0.0
    assert instance_noise_std(10, 0.0, 100) == 0.0


def test_minibatch_discrimination_flags_a_collapsed_batch():
    torch.manual_seed(0)
    layer = MinibatchDiscrimination(16, n_kernels=8, kernel_dim=4)
    diverse = torch.randn(32, 16) * 3
    collapsed = diverse[:1].expand(32, 16)
    out_diverse, out_collapsed = layer(diverse), layer(collapsed)
    assert out_diverse.shape == (32, 16 + 8)
    torch.testing.assert_close(out_diverse[:, :16], diverse)
    # in a collapsed batch every sample is identical to the 31 others
    torch.testing.assert_close(out_collapsed[:, 16:], torch.full((32, 8), 31.0))
    assert out_diverse[:, 16:].mean() < 5.0
