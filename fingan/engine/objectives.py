"""GAN objectives, each a small piece registered by name.

Every objective has a ``kind`` that says how the :class:`~fingan.engine.Trainer` uses it:

* ``"adversarial"`` (:class:`Objective`): a game with a critic; the objective turns raw
  critic scores (no final activation; each objective applies its own link) into
  ``critic_loss(d_real, d_fake)`` and ``generator_loss(d_fake)``.
* ``"sample"`` (:class:`SampleObjective`): no critic; the generator minimises
  ``sample_loss(real, fake)`` between a data batch and a generated one (``mmd``).
* ``"particle"`` (:class:`ParticleObjective`): a critic trained as a classifier by
  ``critic_loss``; the generator is fitted to its own samples moved along the critic,
  ``particle_loss(fake, move(fake, logit))`` (``vgrow``).

An objective also carries the optimiser defaults of its paper (:class:`Hyperparameters`),
which the Trainer uses unless the user overrides them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import torch
import torch.nn.functional as F

from fingan.engine.kernels import median_bandwidth, rbf_mmd2
from fingan.errors import ConfigError
from fingan.registry import Registry


@dataclass(frozen=True)
class Hyperparameters:
    """Training defaults an objective brings from its paper.

    ``gp_weight`` > 0 adds the gradient penalty; ``clip`` clips every critic weight to
    [-clip, clip] after each critic step. Both work with any objective.
    """

    optimizer: str = "adam"
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    n_critic: int = 1
    batch_size: int = 64
    gp_weight: float = 0.0
    clip: float | None = None


Kind = Literal["adversarial", "sample", "particle"]


class Objective:
    """An adversarial objective: the critic's and the generator's losses of one GAN game.

    Subclasses set ``name`` and ``defaults`` and implement both losses.
    """

    name: str = ""
    kind: ClassVar[Kind] = "adversarial"
    defaults: Hyperparameters = Hyperparameters()

    def critic_loss(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
        """The critic's loss from its raw scores on a real and a generated batch (flat, float32)."""
        raise NotImplementedError

    def generator_loss(self, d_fake: torch.Tensor) -> torch.Tensor:
        """The generator's loss from the critic's raw scores on a generated batch."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class SampleObjective(Objective):
    """A critic-free objective: a discrepancy between a data batch and a generated batch."""

    kind: ClassVar[Kind] = "sample"

    def sample_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """The generator's loss from a real batch and a generated batch of the same size."""
        raise NotImplementedError


class ParticleObjective(Objective):
    """A particle objective: the critic classifies, the generator follows particles moved along it."""

    kind: ClassVar[Kind] = "particle"

    def move(self, x: torch.Tensor, logit: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        """Where the generated samples ``x`` should go, given the critic's ``logit`` function (no gradient)."""
        raise NotImplementedError

    def particle_loss(self, fake: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The generator's loss: how far its samples are from the moved particles ``targets``."""
        raise NotImplementedError


OBJECTIVES: Registry[Objective] = Registry("objective")


def logistic_critic_loss(d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of data (label 1) against generated samples (label 0) on raw logits."""
    return F.softplus(-d_real).mean() + F.softplus(d_fake).mean()


def make_objective(name: str, **params: object) -> Objective:
    """Build the objective registered as ``name`` (see ``OBJECTIVES.names()``)."""
    factory = OBJECTIVES.get(name)
    try:
        return factory(**params)
    except TypeError as exc:
        raise ConfigError(f"bad parameters for objective {name!r}: {exc}") from None


@OBJECTIVES.register("minimax")
class Minimax(Objective):
    r"""The original GAN game (Goodfellow et al. 2014).

    Critic: maximise :math:`E_x \log D(x) + E_z \log(1 - D(G(z)))` with
    :math:`D = \sigma(\text{score})`. Generator: minimise the saturating
    :math:`E_z \log(1 - D(G(z)))`, whose gradient vanishes when the critic wins.
    """

    name = "minimax"

    def critic_loss(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
        return logistic_critic_loss(d_real, d_fake)

    def generator_loss(self, d_fake: torch.Tensor) -> torch.Tensor:
        # log(1 - sigmoid(v)) = -softplus(v)
        return -F.softplus(d_fake).mean()


@OBJECTIVES.register("ns")
class NonSaturating(Minimax):
    r"""Non-saturating GAN (Goodfellow et al. 2014): the generator minimises :math:`-E_z \log D(G(z))`."""

    name = "ns"

    def generator_loss(self, d_fake: torch.Tensor) -> torch.Tensor:
        return F.softplus(-d_fake).mean()


@dataclass(frozen=True)
class Divergence:
    """One f-divergence of the f-GAN table (Nowozin et al. 2016, Table 2).

    ``activation`` is the output activation g_f mapping a raw score v into the domain
    of the convex conjugate; ``conjugate`` is f*(t).
    """

    name: str
    formula: str
    activation: Callable[[torch.Tensor], torch.Tensor]
    conjugate: Callable[[torch.Tensor], torch.Tensor]


_LOG2 = math.log(2.0)

DIVERGENCES: dict[str, Divergence] = {
    d.name: d
    for d in [
        Divergence("kl", "f(u) = u log u", lambda v: v, lambda t: torch.exp(t - 1)),
        Divergence(
            "reverse-kl", "f(u) = -log u", lambda v: -torch.exp(-v), lambda t: -1 - torch.log(-t)
        ),
        Divergence("pearson", "f(u) = (u - 1)^2", lambda v: v, lambda t: t**2 / 4 + t),
        Divergence(
            "hellinger",
            "f(u) = (sqrt(u) - 1)^2",
            lambda v: 1 - torch.exp(-v),
            lambda t: t / (1 - t),
        ),
        Divergence(
            "js",
            "f(u) = -(u + 1) log((1 + u) / 2) + u log u, so D_f = KL(P||M) + KL(Q||M) = 2 JS",
            lambda v: _LOG2 - F.softplus(-v),
            lambda t: -torch.log(2 - torch.exp(t)),
        ),
        Divergence(
            "gan",
            "f(u) = u log u - (u + 1) log(u + 1), so D_f = 2 JS - log 4",
            lambda v: -F.softplus(-v),
            lambda t: -torch.log(-torch.expm1(t)),
        ),
    ]
}


class FGAN(Objective):
    r"""f-GAN (Nowozin, Cseke, Tomioka 2016) for one f-divergence :math:`D_f(P \Vert Q)`.

    With :math:`T = g_f(V)` the critic maximises the variational lower bound
    :math:`F(T) = E_{x \sim P}[T(x)] - E_{x \sim Q}[f^*(T(x))] \le D_f(P \Vert Q)`,
    tight at :math:`T^*(x) = f'(p(x) / q(x))`; P is the data, Q the generator. The
    generator minimises the same bound (the saddle-point game of the paper), or with
    ``alternative=True`` maximises :math:`E_Q[T]` (the paper's practical variant).
    """

    defaults = Hyperparameters(lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999))

    def __init__(self, divergence: str, alternative: bool = False) -> None:
        self.divergence = DIVERGENCES[divergence]
        self.name = divergence
        self.alternative = alternative

    def bound(self, t_real: torch.Tensor, t_fake: torch.Tensor) -> torch.Tensor:
        """The variational bound F(T) from critic values already passed through g_f."""
        return t_real.mean() - self.divergence.conjugate(t_fake).mean()

    def critic_loss(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
        g = self.divergence.activation
        return -self.bound(g(d_real), g(d_fake))

    def generator_loss(self, d_fake: torch.Tensor) -> torch.Tensor:
        t_fake = self.divergence.activation(d_fake)
        if self.alternative:
            return -t_fake.mean()
        return -self.divergence.conjugate(t_fake).mean()


def _register_fgan(name: str) -> None:
    def factory(alternative: bool = False) -> FGAN:
        return FGAN(name, alternative=alternative)

    factory.__doc__ = f"f-GAN with the {name} divergence, {DIVERGENCES[name].formula}."
    OBJECTIVES.register(name)(factory)


for _name in DIVERGENCES:
    _register_fgan(_name)


@OBJECTIVES.register("wgan")
class WGAN(Objective):
    r"""Wasserstein GAN with weight clipping (Arjovsky, Chintala, Bottou 2017).

    Critic maximises :math:`E_P[D(x)] - E_Q[D(x)]`, an estimate of the Wasserstein-1
    distance when D is 1-Lipschitz, which clipping every weight to [-c, c] enforces
    crudely. Paper defaults: RMSprop, lr 5e-5, c = 0.01, batch 64, n_critic = 5.
    """

    name = "wgan"
    defaults = Hyperparameters(
        optimizer="rmsprop", lr_g=5e-5, lr_d=5e-5, n_critic=5, batch_size=64, clip=0.01
    )

    def critic_loss(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
        return d_fake.mean() - d_real.mean()

    def generator_loss(self, d_fake: torch.Tensor) -> torch.Tensor:
        return -d_fake.mean()


@OBJECTIVES.register("wgan-gp")
class WGANGP(WGAN):
    r"""WGAN with gradient penalty (Gulrajani et al. 2017).

    The WGAN losses plus :math:`\lambda E[(\lVert \nabla D(\hat x) \rVert_2 - 1)^2]` on
    per-sample interpolates (:func:`~fingan.engine.penalties.gradient_penalty`).
    Paper defaults: lambda = 10, Adam lr 1e-4, betas (0, 0.9), n_critic = 5, batch 64.
    """

    name = "wgan-gp"
    defaults = Hyperparameters(
        optimizer="adam", lr_g=1e-4, lr_d=1e-4, betas=(0.0, 0.9), n_critic=5, batch_size=64,
        gp_weight=10.0,
    )


@OBJECTIVES.register("hinge")
class Hinge(Objective):
    r"""Hinge loss (Lim and Ye 2017; Miyato et al. 2018).

    Critic: :math:`E_P[\max(0, 1 - D(x))] + E_Q[\max(0, 1 + D(x))]`; generator:
    :math:`-E_Q[D(x)]`.
    """

    name = "hinge"
    defaults = Hyperparameters(betas=(0.5, 0.999))

    def critic_loss(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
        return F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()

    def generator_loss(self, d_fake: torch.Tensor) -> torch.Tensor:
        return -d_fake.mean()


@OBJECTIVES.register("lsgan")
class LeastSquares(Objective):
    r"""Least-squares GAN (Mao et al. 2017) with targets a = 0, b = 1, c = 1.

    Critic: :math:`\frac12 E_P[(D(x) - 1)^2] + \frac12 E_Q[D(x)^2]`; generator:
    :math:`\frac12 E_Q[(D(x) - 1)^2]`.
    """

    name = "lsgan"

    def critic_loss(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
        return 0.5 * ((d_real - 1) ** 2).mean() + 0.5 * (d_fake**2).mean()

    def generator_loss(self, d_fake: torch.Tensor) -> torch.Tensor:
        return 0.5 * ((d_fake - 1) ** 2).mean()


@OBJECTIVES.register("mmd")
class MMD(SampleObjective):
    r"""Generative moment matching network (Li, Swersky, Zemel 2015).

    No critic: the generator minimises the squared MMD between a data batch and a
    generated batch under a mixture of RBF kernels. By default the bandwidths are the
    batch's median pairwise distance times ``scales``, so one setting serves data of
    any scale; pass absolute ``bandwidths`` to fix them as in the paper.
    """

    name = "mmd"
    defaults = Hyperparameters(lr_g=1e-3, betas=(0.5, 0.999), batch_size=256)

    def __init__(
        self,
        bandwidths: Sequence[float] | None = None,
        scales: Sequence[float] = (1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0, 2.0),
    ) -> None:
        self.bandwidths = None if bandwidths is None else tuple(bandwidths)
        self.scales = tuple(scales)

    def sample_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        if self.bandwidths is not None:
            bw = torch.tensor(self.bandwidths, device=real.device)
        else:
            bw = median_bandwidth(real) * torch.tensor(self.scales, device=real.device)
        return rbf_mmd2(real.float(), fake.float(), bw)


@dataclass(frozen=True)
class FlowDivergence:
    """One f-divergence for VGrow, through the weight of its velocity field.

    With the density ratio ``r = q / p`` (particles over data) and the logistic critic's
    logit ``d = log(p / q)``, so ``r = exp(-d)``, the velocity ``-f''(r) grad r`` equals
    ``f''(r) r grad d``; ``weight(d)`` is that scalar ``f''(r) r``.
    """

    name: str
    formula: str
    weight: Callable[[torch.Tensor], torch.Tensor]


FLOW_DIVERGENCES: dict[str, FlowDivergence] = {
    d.name: d
    for d in [
        FlowDivergence("kl", "f(u) = u log u: f''(r) r = 1", torch.ones_like),
        FlowDivergence("js", "f(u) = u log u - (u + 1) log((u + 1) / 2): f''(r) r = 1 / (1 + r)", torch.sigmoid),
        FlowDivergence("logd", "f(u) = (u + 1) log(u + 1) - 2 log 2: f''(r) r = r / (1 + r)",
                       lambda d: torch.sigmoid(-d)),
    ]
}


@OBJECTIVES.register("vgrow")
class VGrow(ParticleObjective):
    r"""Variational gradient flow (VGrow; Gao, Jiao, Wang, Wang, Yang, Zhang 2019).

    A training mode rather than a game. Each step:

    1. the critic is a logistic regression of data against generated samples, so its logit
       estimates :math:`d(x) = \log p(x) / q(x)` (data density p, generator density q);
    2. generated samples (particles) take ``particle_steps`` explicit Euler steps of size
       ``step_size`` along the gradient flow of :math:`D_f(q \Vert p)`, whose velocity is
       :math:`v = -\nabla f'(r) = f''(r)\, r\, \nabla d` with :math:`r = q / p = e^{-d}`;
    3. the generator is fitted to the moved particles by least squares,
       :math:`\min_\theta \frac1n \sum_i \lVert G_\theta(z_i) - \tilde x_i \rVert^2`.

    ``divergence`` is one of ``FLOW_DIVERGENCES``: ``kl``, ``js`` or ``logd`` (the
    divergence whose flow the logD-trick GAN follows). The default step size and number of
    particle steps are ours, tuned on the digits data.
    """

    name = "vgrow"
    defaults = Hyperparameters(lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), batch_size=64)

    def __init__(self, divergence: str = "logd", step_size: float = 0.1, particle_steps: int = 5) -> None:
        if divergence not in FLOW_DIVERGENCES:
            raise ConfigError(f"VGrow divergence must be one of {', '.join(FLOW_DIVERGENCES)}, not {divergence!r}")
        if step_size <= 0 or particle_steps < 1:
            raise ConfigError(f"VGrow needs step_size > 0 and particle_steps >= 1, got {step_size}, {particle_steps}")
        self.divergence = FLOW_DIVERGENCES[divergence]
        self.step_size = float(step_size)
        self.particle_steps = int(particle_steps)

    def velocity(self, x: torch.Tensor, logit: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        """The flow's velocity at the particles ``x`` given the critic's logit function."""
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            d = logit(x).float()
            (grad,) = torch.autograd.grad(d.sum(), x)
        weight = self.divergence.weight(d.detach()).view(-1, *([1] * (x.dim() - 1)))
        return weight * grad.to(weight.dtype)

    def move(self, x: torch.Tensor, logit: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        """Particles after ``particle_steps`` Euler steps along the velocity field (no gradient)."""
        x = x.detach().float()
        for _ in range(self.particle_steps):
            x = x + self.step_size * self.velocity(x, logit)
        return x

    def critic_loss(self, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
        """Logistic regression of data (label 1) against particles (label 0) on the critic's logit."""
        return logistic_critic_loss(d_real, d_fake)

    def particle_loss(self, fake: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Least-squares fit of the generator's samples to the moved particles."""
        return (fake.float() - targets).pow(2).flatten(1).sum(dim=1).mean()
