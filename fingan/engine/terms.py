"""Training terms: everything in a GAN step besides the objective, as small pluggable pieces.

The :class:`~fingan.engine.Trainer` runs one loop: draw a batch, score it, add up the
objective's loss and every term's contribution, one backward pass, one optimiser step.
A term hooks into that loop at fixed points and never steps an optimiser itself:

===========================  ===============================================================
hook                         called
===========================  ===============================================================
``setup(trainer)``           once, after the nets moved to the device, before the optimisers
``begin_step(trainer)``      before each generator step's critic steps, and before sampling
``real_batch(real)``         on each real batch as drawn
``labels(fake, critic, …)``  labels for the generator and for the critic of one batch
``critic_input(x, rng)``     on everything the critic scores during training
``critic_term(ctx)``         a tensor added to the critic's loss (or ``None``)
``generator_term(ctx)``      a tensor added to the generator's loss (or ``None``)
``after_critic_step(t)``     after each critic update
``after_generator_step(t)``  after each generator update
``state_dict()``             entries saved in checkpoints (``load_state_dict`` reads them)
===========================  ===============================================================

Terms are registered by name in :data:`TERMS`; :func:`build_terms` maps the flat fields of
:class:`~fingan.engine.TrainerConfig` to terms, so configs, TOML files and command-line
flags keep their meaning. Loss terms are added in the order of :data:`ORDER`.

Adding a penalty is one class here (and its test); see ``ARCHITECTURE.md``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel

from fingan.engine.auxiliary import make_auxiliary
from fingan.engine.optim import lr_factor
from fingan.engine.penalties import (
    HistoricalAverage,
    gradient_penalty,
    instance_noise_std,
    orthogonal_regularization,
    window_facts,
)
from fingan.engine.progressive import fade_real, growth_state
from fingan.errors import ConfigError
from fingan.nets.layers import apply_spectral_norm
from fingan.registry import Registry

if TYPE_CHECKING:
    from fingan.engine.trainer import Trainer, TrainerConfig


@dataclass
class StepContext:
    """What a loss term sees in one critic or generator step.

    ``scores_*`` are the critic's raw scores (float32, flat) and ``logits_*`` its auxiliary
    head's outputs, when they were computed in this step; ``labels`` are the real batch's
    labels, ``fake_labels`` those the fakes were generated for, ``critic_labels`` those the
    critic was called with.
    """

    real: torch.Tensor
    fake: torch.Tensor
    generator: nn.Module
    critic: nn.Module | None
    rng: torch.Generator
    labels: torch.Tensor | None = None
    fake_labels: torch.Tensor | None = None
    critic_labels: torch.Tensor | None = None
    scores_real: torch.Tensor | None = None
    scores_fake: torch.Tensor | None = None
    logits_real: torch.Tensor | None = None
    logits_fake: torch.Tensor | None = None


def full_precision() -> contextlib.AbstractContextManager:
    """Inside a training step (which may run under bf16 autocast): compute in float32."""
    if torch.is_autocast_enabled() or torch.is_autocast_enabled("cpu"):
        device = "cuda" if torch.is_autocast_enabled() else "cpu"
        return torch.autocast(device_type=device, enabled=False)
    return contextlib.nullcontext()


class Term:
    """A training term: every hook does nothing until a subclass says otherwise."""

    name: str = "term"

    def setup(self, trainer: Trainer) -> None:
        """Check the nets and objective suit the term; wrap or copy nets. Called once."""

    def begin_step(self, trainer: Trainer) -> None:
        """Before each generator step's critic steps (and before sampling)."""

    def real_batch(self, real: torch.Tensor) -> torch.Tensor:
        """The real batch as the critic should see it."""
        return real

    def labels(self, fake: torch.Tensor | None, critic: torch.Tensor | None, n: int,
               rng: torch.Generator) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """(labels to generate the fakes for, labels to call the critic with) for a batch of ``n``."""
        return fake, critic

    def critic_input(self, x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        """What the critic scores in training, given a real or fake batch ``x``."""
        return x

    def critic_term(self, ctx: StepContext) -> torch.Tensor | None:
        """A tensor added to the critic's loss, or ``None``."""
        return None

    def generator_term(self, ctx: StepContext) -> torch.Tensor | None:
        """A tensor added to the generator's loss, or ``None``."""
        return None

    def after_critic_step(self, trainer: Trainer) -> None:
        """After each critic update."""

    def after_generator_step(self, trainer: Trainer) -> None:
        """After each generator update."""

    def state_dict(self) -> dict[str, Any]:
        """Entries of the training checkpoint this term owns (top-level keys)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from a checkpoint holding (at least) the keys of :meth:`state_dict`."""

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if isinstance(v, (int, float, str)))
        return f"{type(self).__name__}({options})"


TERMS: Registry[Term] = Registry("training term")


@TERMS.register("lr_decay")
class LRDecay(Term):
    """Both learning rates decayed over the run, ``"linear"`` or ``"cosine"``, to ``final`` times the start.

    The rate is set from the step before every generator step's updates, over the run's
    ``steps``, so a resumed run continues on the same curve.
    """

    name = "lr_decay"

    def __init__(self, kind: str, final: float = 0.0) -> None:
        lr_factor(kind, 0, 1)  # refuses an unknown kind here, not at the first step
        self.kind = kind
        self.final = float(final)

    def begin_step(self, trainer: Trainer) -> None:
        cfg = trainer.config
        factor = lr_factor(self.kind, trainer.step, cfg.steps, self.final)
        for optimizer, base in ((trainer.opt_g, cfg.lr_g), (trainer.opt_d, cfg.lr_d)):
            for group in [] if optimizer is None else optimizer.param_groups:
                group["lr"] = base * factor


@TERMS.register("spectral_norm")
class SpectralNorm(Term):
    """Spectral normalisation of every critic layer (SN-GAN, Miyato et al. 2018)."""

    name = "spectral_norm"

    def setup(self, trainer: Trainer) -> None:
        if trainer.critic is not None:
            apply_spectral_norm(trainer.critic)


@TERMS.register("growth")
class ProgressiveGrowth(Term):
    """Progressive growing (Karras et al. 2018): nets grow a level at a time, reals blended to match.

    ``steps`` generator steps per fade-in and per stabilisation phase
    (:mod:`fingan.engine.progressive`); the nets need ``levels`` and ``set_growth``.
    """

    name = "growth"

    def __init__(self, steps: int) -> None:
        self.steps = int(steps)
        self.state = (0, 1.0)
        self._levels = 1

    def setup(self, trainer: Trainer) -> None:
        nets = [net for net in (trainer.generator, trainer.critic) if net is not None]
        if not all(hasattr(net, "set_growth") for net in nets):
            raise ConfigError("growth_steps needs progressive nets (fingan.nets.ProgressiveGenerator / ProgressiveCritic)")
        self._levels = trainer.generator.levels

    def begin_step(self, trainer: Trainer) -> None:
        self.state = growth_state(trainer.step, self.steps, self._levels)
        for net in (trainer.generator, trainer.critic, trainer.ema_module):
            if net is not None:
                net.set_growth(*self.state)

    def real_batch(self, real: torch.Tensor) -> torch.Tensor:
        return fade_real(real, *self.state, self._levels)


@TERMS.register("instance_noise")
class InstanceNoise(Term):
    """Gaussian noise on the critic's inputs (Sønderby et al. 2017), its sd annealed linearly to 0.

    ``std`` at step 0, zero after ``anneal_steps`` (``None``: all of the run's steps).
    """

    name = "instance_noise"

    def __init__(self, std: float, anneal_steps: int | None = None) -> None:
        self.std = float(std)
        self.anneal_steps = anneal_steps
        self.current = self.std

    def begin_step(self, trainer: Trainer) -> None:
        self.current = instance_noise_std(trainer.step, self.std, self.anneal_steps or trainer.config.steps)

    def critic_input(self, x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        if self.current > 0:
            return x + self.current * torch.randn(x.shape, generator=rng, device=x.device, dtype=x.dtype)
        return x


@TERMS.register("auxiliary")
class Auxiliary(Term):
    """An auxiliary classification task on a critic that returns ``(score, logits)``.

    ``task`` is ``"acgan"`` or ``"infogan"`` (:mod:`fingan.engine.auxiliary`) over
    ``classes`` classes or codes; both networks add ``weight`` times its cross-entropy.
    The critic itself gets no labels: the task's head does the classifying.
    """

    name = "auxiliary"

    def __init__(self, task: str, classes: int, weight: float = 1.0) -> None:
        self.task_name = task
        self.task = make_auxiliary(task, classes)
        self.weight = float(weight)

    def setup(self, trainer: Trainer) -> None:
        if trainer.objective.kind != "adversarial":
            raise ConfigError(f"auxiliary={self.task_name!r} needs an adversarial critic; objective "
                              f"{trainer.config.objective!r} has none")

    def labels(self, fake, critic, n, rng):
        return self.task.fake_labels(fake, n, rng), None

    def critic_term(self, ctx: StepContext) -> torch.Tensor:
        return self.weight * self.task.critic_loss(ctx.logits_real, ctx.labels, ctx.logits_fake, ctx.fake_labels)

    def generator_term(self, ctx: StepContext) -> torch.Tensor:
        return self.weight * self.task.generator_loss(ctx.logits_fake, ctx.fake_labels)


@TERMS.register("drift")
class Drift(Term):
    """The drift penalty ``weight * E[D(x_real)^2]`` that keeps critic scores near 0 (Karras et al. 2018)."""

    name = "drift"

    def __init__(self, weight: float) -> None:
        self.weight = float(weight)

    def critic_term(self, ctx: StepContext) -> torch.Tensor:
        return self.weight * ctx.scores_real.pow(2).mean()


@TERMS.register("gradient_penalty")
class GradientPenalty(Term):
    """The WGAN-GP gradient penalty (Gulrajani et al. 2017) at random interpolates, times ``weight``."""

    name = "gradient_penalty"

    def __init__(self, weight: float) -> None:
        self.weight = float(weight)

    def critic_term(self, ctx: StepContext) -> torch.Tensor:
        penalty = gradient_penalty(ctx.critic, ctx.real, ctx.fake.to(ctx.real.dtype), ctx.critic_labels,
                                   generator=ctx.rng)
        return self.weight * penalty.float()


@TERMS.register("orthogonal")
class Orthogonal(Term):
    """Orthogonal regularisation of the generator's weights (Brock et al. 2019), times ``weight``."""

    name = "orthogonal"

    def __init__(self, weight: float) -> None:
        self.weight = float(weight)

    def generator_term(self, ctx: StepContext) -> torch.Tensor:
        with full_precision():
            return self.weight * orthogonal_regularization(ctx.generator)


@TERMS.register("facts")
class StylizedFacts(Term):
    """Stylized facts of the generated windows matched to the real batch's, times ``weight``.

    For return windows (batch, time, assets): the squared differences between the fakes'
    and the real batch's autocorrelations of r, ``|r|`` and r² and leverage correlations at
    lags 1..``max_lag`` (:func:`~fingan.engine.penalties.window_facts`), summed over lags
    and facts and averaged over assets, added to the generator's loss: the differentiable
    stylized-fact constraints of SFAG (Zhang et al. 2026) on a WGAN-GP. Comparing with
    the real batch rather than a fixed target keeps the data's window weights and labels
    and the estimator's small-window bias on both sides; the real batch's noise makes the
    term's gradient noisy but not biased. ``pooled_weight`` adds the same loss on the
    facts of the windows pooled as pieces of one series (``pooled`` of ``window_facts``),
    which also see how volatile whole windows are, one against another: the slow part of
    volatility clustering that each window's own centring removes; ``pooled_facts`` names
    which of the four facts (``"r"``, ``"abs"``, ``"square"``, ``"leverage"``) it matches.
    Recipes add it (:meth:`Recipe.extra_terms
    <fingan.models.base.Recipe.extra_terms>`); it is not a flat trainer option because it
    only means something for return windows.
    """

    name = "facts"

    FACTS = ("r", "abs", "square", "leverage")  # the rows of window_facts

    def __init__(self, weight: float, max_lag: int, pooled_weight: float = 0.0,
                 pooled_facts: Sequence[str] = FACTS) -> None:
        self.weight = float(weight)
        self.max_lag = int(max_lag)
        self.pooled_weight = float(pooled_weight)
        self.pooled_facts = self.check_facts(pooled_facts, "pooled_facts")
        self._pooled_rows = [i for i, fact in enumerate(self.FACTS) if fact in self.pooled_facts]

    @classmethod
    def check_facts(cls, names: Sequence[str], name: str) -> tuple[str, ...]:
        """``names`` as a tuple when it is a non-empty selection of :attr:`FACTS`, else a ConfigError."""
        names = tuple(str(f) for f in names)
        if not names or not set(names) <= set(cls.FACTS):
            raise ConfigError(f"{name} must be a non-empty selection of {', '.join(cls.FACTS)}, got {list(names)}")
        return names

    def generator_term(self, ctx: StepContext) -> torch.Tensor:
        total = 0.0
        with full_precision():
            for pooled, weight in ((False, self.weight), (True, self.pooled_weight)):
                if weight:
                    rows = self._pooled_rows if pooled else slice(None)
                    fake = window_facts(ctx.fake.float(), self.max_lag, pooled)[:, rows]
                    with torch.no_grad():
                        real = window_facts(ctx.real.float(), self.max_lag, pooled)[:, rows]
                    total = total + weight * (fake - real).square().sum(dim=(1, 2)).mean()
            return total


@TERMS.register("historical_averaging")
class HistoricalAveraging(Term):
    """Historical averaging (Salimans et al. 2016) on both networks, times ``weight``."""

    name = "historical_averaging"

    def __init__(self, weight: float) -> None:
        self.weight = float(weight)
        self.generator: HistoricalAverage | None = None
        self.critic: HistoricalAverage | None = None

    def setup(self, trainer: Trainer) -> None:
        self.generator = HistoricalAverage(trainer.generator)
        self.critic = None if trainer.critic is None else HistoricalAverage(trainer.critic)

    def critic_term(self, ctx: StepContext) -> torch.Tensor | None:
        with full_precision():
            return self.weight * self.critic.penalty()

    def generator_term(self, ctx: StepContext) -> torch.Tensor:
        with full_precision():
            return self.weight * self.generator.penalty()

    def after_critic_step(self, trainer: Trainer) -> None:
        self.critic.update()

    def after_generator_step(self, trainer: Trainer) -> None:
        self.generator.update()

    def state_dict(self) -> dict[str, Any]:
        state = {"hist_g": self.generator.state_dict()}
        if self.critic is not None:
            state["hist_d"] = self.critic.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if "hist_g" in state:
            self.generator.load_state_dict(state["hist_g"])
        if self.critic is not None and "hist_d" in state:
            self.critic.load_state_dict(state["hist_d"])


@TERMS.register("clip")
class Clip(Term):
    """Weight clipping of the critic to ``[-limit, limit]`` after each update (the original WGAN)."""

    name = "clip"

    def __init__(self, limit: float) -> None:
        self.limit = float(limit)

    @torch.no_grad()
    def after_critic_step(self, trainer: Trainer) -> None:
        for p in trainer.critic.parameters():
            p.clamp_(-self.limit, self.limit)


@TERMS.register("ema")
class EMA(Term):
    """An exponential moving average of the generator's weights, used for sampling.

    The first update (each of the first ``start`` updates, when given) copies the weights;
    then ``ema += (1 - decay) (current - ema)``.
    The average lives in a :class:`torch.optim.swa_utils.AveragedModel` (its file
    layout), updated here rather than by ``AveragedModel.update_parameters``, which reads
    its counter back from the GPU twice per call and so stalls the host every step.
    """

    name = "ema"

    def __init__(self, decay: float, start: int = 0) -> None:
        self.decay = float(decay)
        self.start = int(start)
        self.model: AveragedModel | None = None
        self.updates = 0

    def setup(self, trainer: Trainer) -> None:
        self.model = AveragedModel(trainer.generator, use_buffers=True)

    @torch.no_grad()
    def after_generator_step(self, trainer: Trainer) -> None:
        averaged = [*self.model.module.parameters(), *self.model.module.buffers()]
        current = [*trainer.generator.parameters(), *trainer.generator.buffers()]
        ema_update(averaged, current, self.decay, self.updates, self.start)
        self.model.n_averaged += 1
        self.updates += 1

    def state_dict(self) -> dict[str, Any]:
        return {"ema": self.model.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if "ema" in state:
            self.model.load_state_dict(state["ema"])
            self.updates = int(self.model.n_averaged)


@torch.no_grad()
def ema_update(
    averaged: list[torch.Tensor], current: list[torch.Tensor], decay: float, updates: int, start: int = 0
) -> None:
    """One EMA step in place, after ``updates`` earlier ones: copy at the first update (and at each
    before ``start``), then ``a += (1 - decay) (c - a)``; integers are always copied."""
    copy = updates < max(start, 1)
    for a, c in zip(averaged, current):
        if copy or not a.is_floating_point():
            a.copy_(c)
        else:
            a.lerp_(c, 1 - decay)


# the order hooks run in (and loss terms are added in): inputs first, then losses, then updates
ORDER = ("lr_decay", "spectral_norm", "growth", "instance_noise", "auxiliary", "drift", "gradient_penalty",
         "orthogonal", "facts", "historical_averaging", "clip", "ema")


def build_terms(config: TrainerConfig) -> list[Term]:
    """The terms a (resolved) :class:`~fingan.engine.TrainerConfig` asks for, in :data:`ORDER`."""
    wanted: dict[str, Term] = {}
    if config.lr_decay:
        wanted["lr_decay"] = LRDecay(config.lr_decay, config.lr_decay_to)
    if config.spectral_norm:
        wanted["spectral_norm"] = SpectralNorm()
    if config.growth_steps:
        wanted["growth"] = ProgressiveGrowth(config.growth_steps)
    if config.instance_noise:
        wanted["instance_noise"] = InstanceNoise(config.instance_noise, config.instance_noise_steps)
    if config.auxiliary:
        wanted["auxiliary"] = Auxiliary(config.auxiliary, config.aux_classes, config.aux_weight)
    if config.drift:
        wanted["drift"] = Drift(config.drift)
    if config.gp_weight:
        wanted["gradient_penalty"] = GradientPenalty(config.gp_weight)
    if config.orthogonal_reg:
        wanted["orthogonal"] = Orthogonal(config.orthogonal_reg)
    if config.historical_averaging:
        wanted["historical_averaging"] = HistoricalAveraging(config.historical_averaging)
    if config.clip:
        wanted["clip"] = Clip(config.clip)
    if config.ema_decay:
        wanted["ema"] = EMA(config.ema_decay, config.ema_start)
    return [wanted[name] for name in ORDER if name in wanted]
