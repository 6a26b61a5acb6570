"""Each objective against theory, on two known 1-D Gaussians."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from fingan.engine import DIVERGENCES, OBJECTIVES, make_objective
from fingan.errors import ConfigError

# P is the data, Q the model; Q wider so every density ratio below is integrable.
P = stats.norm(0.0, 1.0)
Q = stats.norm(0.5, 1.2)

# Generator functions f and their derivatives, from Nowozin et al. (2016), Table 1,
# written out here independently of the library's conjugates.
F = {
    "kl": (lambda u: u * np.log(u), lambda u: 1 + np.log(u)),
    "reverse-kl": (lambda u: -np.log(u), lambda u: -1 / u),
    "pearson": (lambda u: (u - 1) ** 2, lambda u: 2 * (u - 1)),
    "hellinger": (lambda u: (np.sqrt(u) - 1) ** 2, lambda u: 1 - 1 / np.sqrt(u)),
    "js": (
        lambda u: -(u + 1) * np.log((1 + u) / 2) + u * np.log(u),
        lambda u: np.log(2 * u / (1 + u)),
    ),
    "gan": (lambda u: u * np.log(u) - (u + 1) * np.log(u + 1), lambda u: np.log(u / (u + 1))),
}


def f_divergence(name: str) -> float:
    f = F[name][0]
    integrand = lambda x: Q.pdf(x) * f(P.pdf(x) / Q.pdf(x))  # noqa: E731
    return integrate.quad(integrand, -12, 12, limit=200)[0]


def quantile_sample(dist, n: int = 400_000) -> np.ndarray:
    """Deterministic, evenly spread draws (quasi Monte Carlo) for accurate expectations."""
    return dist.ppf((np.arange(n) + 0.5) / n)


def optimal_critic(name: str, x: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(F[name][1](P.pdf(x) / Q.pdf(x)))


@pytest.mark.parametrize("name", sorted(DIVERGENCES))
def test_fgan_bound_at_optimal_critic_equals_the_divergence(name):
    objective = make_objective(name)
    xp, xq = quantile_sample(P), quantile_sample(Q)
    bound = objective.bound(optimal_critic(name, xp), optimal_critic(name, xq)).item()
    assert bound == pytest.approx(f_divergence(name), rel=2e-3, abs=1e-4)


@pytest.mark.parametrize("name", sorted(DIVERGENCES))
def test_fgan_bound_is_lower_for_a_suboptimal_critic(name):
    objective = make_objective(name)
    xp, xq = quantile_sample(P, 50_000), quantile_sample(Q, 50_000)
    best = objective.bound(optimal_critic(name, xp), optimal_critic(name, xq)).item()
    # shrink the optimal critic towards f'(1), a valid but worse critic
    f1 = float(F[name][1](1.0))
    worse = objective.bound(
        0.5 * optimal_critic(name, xp) + 0.5 * f1, 0.5 * optimal_critic(name, xq) + 0.5 * f1
    ).item()
    assert worse < best


@pytest.mark.parametrize("name", sorted(DIVERGENCES))
def test_fgan_activation_maps_any_score_into_the_conjugate_domain(name):
    objective = make_objective(name)
    v = torch.linspace(-30, 30, 2001, dtype=torch.float64)
    loss = objective.critic_loss(v, v) + objective.generator_loss(v)
    assert torch.isfinite(loss)


def test_minimax_critic_at_optimum_is_log4_minus_twice_js():
    """Goodfellow et al. (2014), Theorem 1: with D* = p / (p + q), V(D*, G) = -log 4 + 2 JS.

    The f-GAN "js" generator function integrates to KL(P||M) + KL(Q||M) = 2 JS.
    """
    xp, xq = quantile_sample(P), quantile_sample(Q)
    logit = lambda x: torch.as_tensor(np.log(P.pdf(x) / Q.pdf(x)))  # noqa: E731  logit of D*
    loss = make_objective("minimax").critic_loss(logit(xp), logit(xq)).item()
    two_js = f_divergence("js")
    assert -loss == pytest.approx(-math.log(4) + two_js, rel=2e-3)


def test_ns_and_minimax_generator_losses_push_the_same_way():
    d_fake = torch.tensor([-2.0, 0.0, 2.0], requires_grad=True)
    for name in ("minimax", "ns"):
        d_fake.grad = None
        make_objective(name).generator_loss(d_fake).backward()
        assert (d_fake.grad < 0).all(), name  # both raise the critic's score of fakes
    # the saturating loss has a vanishing gradient where the critic rejects fakes
    d = torch.tensor([-10.0], requires_grad=True)
    make_objective("minimax").generator_loss(d).backward()
    g_minimax = d.grad.abs().item()
    d.grad = None
    make_objective("ns").generator_loss(d).backward()
    assert g_minimax < 1e-3 < d.grad.abs().item()


def test_wgan_critic_loss_is_minus_the_wasserstein_distance_for_the_optimal_critic():
    # for P = N(0, 1) and Q = N(2, 1), W1 = 2 and f(x) = -x is an optimal 1-Lipschitz critic
    xp = torch.as_tensor(quantile_sample(P))
    xq = torch.as_tensor(quantile_sample(stats.norm(2.0, 1.0)))
    loss = make_objective("wgan").critic_loss(-xp, -xq)
    assert loss.item() == pytest.approx(-2.0, abs=1e-6)


def test_hinge_and_lsgan_losses_vanish_at_their_targets():
    ones = torch.ones(8)
    assert make_objective("hinge").critic_loss(1.5 * ones, -1.5 * ones).item() == 0.0
    assert make_objective("lsgan").critic_loss(ones, 0 * ones).item() == 0.0
    assert make_objective("lsgan").generator_loss(ones).item() == 0.0


def test_wgan_defaults_follow_the_paper():
    d = make_objective("wgan").defaults
    assert (d.optimizer, d.lr_d, d.clip, d.batch_size, d.n_critic) == ("rmsprop", 5e-5, 0.01, 64, 5)
    d = make_objective("wgan-gp").defaults
    assert (d.optimizer, d.lr_d, d.betas, d.n_critic, d.gp_weight) == ("adam", 1e-4, (0.0, 0.9), 5, 10.0)


def test_every_objective_has_a_docstring_naming_its_source():
    for name in OBJECTIVES.names():
        doc = OBJECTIVES.get(name).__doc__ or ""
        assert doc.strip(), name


def test_unknown_objective_lists_the_known_ones():
    with pytest.raises(ConfigError, match="wgan-gp"):
        make_objective("wgan-pg")


def test_bad_objective_parameters_are_a_config_error():
    with pytest.raises(ConfigError, match="mmd"):
        make_objective("mmd", bandwidth=3)


# VGrow: the flow of D_f(Q || P) moves particles from Q toward P. With r = q / p its velocity
# is -d/dx f'(r(x)); f' written out independently of the library's closed-form weights.
FLOW_F_PRIME = {
    "kl": lambda u: 1 + np.log(u),
    "js": lambda u: np.log(2 * u / (1 + u)),
    "logd": lambda u: np.log(u + 1) + 1,
}


@pytest.mark.parametrize("name", sorted(FLOW_F_PRIME))
def test_vgrow_velocity_is_minus_the_gradient_of_f_prime_of_the_density_ratio(name):
    vgrow = make_objective("vgrow", divergence=name)
    x = np.linspace(-2.0, 2.5, 11)
    # the optimal logistic critic's logit log p/q, written as a torch expression so autograd can differentiate it
    mu_p, s_p, mu_q, s_q = P.mean(), P.std(), Q.mean(), Q.std()
    logit = lambda t: (-(t - mu_p) ** 2 / (2 * s_p**2) + (t - mu_q) ** 2 / (2 * s_q**2)  # noqa: E731
                       + math.log(s_q / s_p)).squeeze(-1)
    v = vgrow.velocity(torch.as_tensor(x)[:, None], logit)[:, 0].numpy()
    h = 1e-5
    ratio = lambda t: Q.pdf(t) / P.pdf(t)  # noqa: E731
    expected = -(FLOW_F_PRIME[name](ratio(x + h)) - FLOW_F_PRIME[name](ratio(x - h))) / (2 * h)
    np.testing.assert_allclose(v, expected, rtol=1e-5, atol=1e-8)
    # particles where Q has too much mass relative to P (x > 0.5 here) move toward P's centre
    assert v[-1] < 0


def test_vgrow_moves_particles_by_euler_steps_and_fits_them_by_least_squares():
    vgrow = make_objective("vgrow", divergence="kl", step_size=0.5, particle_steps=3)
    logit = lambda t: -(t**2).sum(dim=1) / 2  # noqa: E731  grad = -t, weight 1 for kl
    x = torch.tensor([[2.0, -4.0]])
    np.testing.assert_allclose(vgrow.move(x, logit).numpy(), (x * 0.5**3).numpy())
    assert vgrow.particle_loss(torch.zeros(2, 3), torch.ones(2, 3)).item() == pytest.approx(3.0)
    with pytest.raises(ConfigError, match="divergence"):
        make_objective("vgrow", divergence="pearson")
