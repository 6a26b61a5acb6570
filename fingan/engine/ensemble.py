"""Many small GANs trained at once as one batched model (``torch.func``: stacked weights and ``vmap``).

A simulation study repeats a GAN fit on B data sets (bootstrap resamples, fresh draws
from a data-generating process). Fitting B small models one after another leaves a CPU
or GPU mostly idle on tiny matrix products; stacking the B models' weights along a new
first dimension and mapping the forward pass over it with ``torch.func.vmap`` runs all
B in the same kernels. Each member sees only its own data set, noise and weights; the
summed loss gives every member exactly its own gradient, and the optimisers used here
(Adam, RMSprop, SGD) act element by element, so each member follows the same updates as
if it were trained alone with the same random draws.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from fingan.engine.device import resolve_device
from fingan.engine.objectives import make_objective
from fingan.engine.penalties import gradient_penalty
from fingan.engine.terms import build_terms, ema_update
from fingan.engine.trainer import TrainerConfig, make_optimizer
from fingan.errors import ConfigError, DataError


# terms that treat every member as if alone: clipping and the EMA act element by element, the
# gradient penalty is computed per member (``gradient_penalty(..., batch_dims=2)``), the
# learning-rate decay sets the one rate all members share
SUPPORTED_TERMS = ("clip", "ema", "gradient_penalty", "lr_decay")


def refusal(config: TrainerConfig) -> str | None:
    """Why :class:`EnsembleTrainer` cannot train with the resolved ``config``, or None when it can."""
    unsupported = [term.name for term in build_terms(config) if term.name not in SUPPORTED_TERMS]
    if unsupported:
        return f"the ensemble trainer does not support {', '.join(unsupported)}"
    if make_objective(config.objective, **config.objective_params).kind != "adversarial":
        return f"the ensemble trainer needs an adversarial objective, not {config.objective!r}"
    return None


class _Stacked:
    """B copies of one architecture as stacked parameters, called with ``vmap``."""

    def __init__(self, modules: Sequence[nn.Module], device: torch.device) -> None:
        self.base = copy.deepcopy(modules[0]).to("meta")
        params, buffers = stack_module_state([m.to(device) for m in modules])
        self.params = params
        self.buffers = buffers

    def trainable(self) -> list[torch.Tensor]:
        return [p for p in self.params.values() if p.requires_grad]

    def parameters(self) -> list[torch.Tensor]:
        """The stacked parameters (what a term such as clipping acts on)."""
        return list(self.params.values())

    def __call__(self, *inputs: torch.Tensor, params: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        def one(params, buffers, *args):
            return functional_call(self.base, (params, buffers), args)

        return vmap(one)(self.params if params is None else params, self.buffers, *inputs)

    def member(self, index: int, template: nn.Module) -> nn.Module:
        module = copy.deepcopy(template)
        state = {k: v[index].detach().clone() for k, v in {**self.params, **self.buffers}.items()}
        module.load_state_dict(state)
        return module


class EnsembleTrainer:
    """Trains ``len(generators)`` generator / critic pairs at once, member b on data set b.

    Parameters
    ----------
    generators, critics : sequences of nn.Module
        One per member, all of the same architecture (different initial weights are
        fine, e.g. a robust estimator started at each data set's median). Nets must be
        free of batch norm and the like (``vmap`` maps pure functions).
    latent_shape : sequence of int
        Shape of one noise draw.
    config : TrainerConfig
        Objective and optimiser settings as for :class:`~fingan.engine.Trainer`, and the
        training terms of :data:`SUPPORTED_TERMS` (weight clipping, the WGAN-GP gradient
        penalty, and an EMA of each member's generator weights, used for sampling); the
        others (spectral norm, auxiliary tasks, progressive growing, ...) act on a whole
        batch or keep state inside a net and are refused. A PacGAN critic (``MLP(pack=k)``)
        packs within each member's batch.

    Examples
    --------
    >>> ens = EnsembleTrainer([MLP(2, 2) for _ in range(100)], [MLP(2, 1) for _ in range(100)], (2,),
    ...                       TrainerConfig(objective="ns", steps=500))
    >>> ens.fit(data)                  # data: (100, n, 2), one data set per member
    >>> samples = ens.sample(1000)     # (100, 1000, 2)
    """

    def __init__(
        self,
        generators: Sequence[nn.Module],
        critics: Sequence[nn.Module],
        latent_shape: Sequence[int],
        config: TrainerConfig | None = None,
    ) -> None:
        cfg = (config or TrainerConfig()).resolved()
        if len(generators) < 1 or len(generators) != len(critics):
            raise ConfigError(f"need one critic per generator, got {len(generators)} and {len(critics)}")
        reason = refusal(cfg)
        if reason is not None:
            raise ConfigError(reason)
        self.terms = build_terms(cfg)
        self.gp_weight = sum(term.weight for term in self.terms if term.name == "gradient_penalty")
        self.objective = make_objective(cfg.objective, **cfg.objective_params)
        self.config = cfg
        self.n_models = len(generators)
        self.device = resolve_device(cfg.device)
        self.latent_shape = tuple(int(s) for s in latent_shape)
        self._templates = (copy.deepcopy(generators[0]).cpu(), copy.deepcopy(critics[0]).cpu())
        self.generator = _Stacked(generators, self.device)
        self.critic = _Stacked(critics, self.device)
        self.opt_g = make_optimizer(cfg.optimizer, self.generator.trainable(), cfg.lr_g, cfg.betas)
        self._critic_params = self.critic.trainable()
        self.opt_d = make_optimizer(cfg.optimizer, self._critic_params, cfg.lr_d, cfg.betas)
        self.rng = torch.Generator(device=self.device).manual_seed(cfg.seed)
        self.step = 0
        # the EMA term's rule on the stacked weights: element by element, so each member's as if alone
        self.ema: dict[str, torch.Tensor] | None = (
            {k: v.detach().clone() for k, v in self.generator.params.items()} if cfg.ema_decay else None)

    def _batch(self, data: torch.Tensor) -> torch.Tensor:
        b, n = data.shape[:2]
        idx = torch.randint(n, (b, self.config.batch_size), generator=self.rng, device=self.device)
        return data[torch.arange(b, device=self.device)[:, None], idx]

    def _noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        shape = (self.n_models, n, *self.latent_shape)
        return torch.randn(shape, generator=generator or self.rng, device=self.device)

    def _losses(self, scores: tuple[torch.Tensor, ...], critic: bool) -> torch.Tensor:
        """Per-member losses (B,): the objective applied to each member's scores."""
        if critic:
            return vmap(lambda r, f: self.objective.critic_loss(r.reshape(-1), f.reshape(-1)))(*scores)
        return vmap(lambda f: self.objective.generator_loss(f.reshape(-1)))(*scores)

    def fit(self, data: Any) -> EnsembleTrainer:
        """Train for ``config.steps`` generator steps on ``data`` (n_models, n_samples, ...)."""
        data = torch.as_tensor(data, dtype=torch.float32)
        if data.dim() < 3 or data.shape[0] != self.n_models or data.shape[1] < 2:
            raise DataError(f"data must have shape ({self.n_models}, n_samples >= 2, ...), got {tuple(data.shape)}")
        if not torch.isfinite(data).all():
            raise DataError("training data contains NaN or infinite values")
        data = data.to(self.device)
        cfg = self.config
        while self.step < cfg.steps:
            for term in self.terms:
                term.begin_step(self)
            for _ in range(cfg.n_critic):
                real = self._batch(data)
                with torch.no_grad():
                    fake = self.generator(self._noise(cfg.batch_size))
                losses = self._losses((self.critic(real), self.critic(fake)), critic=True)
                if self.gp_weight:
                    losses = losses + self.gp_weight * gradient_penalty(self.critic, real, fake, generator=self.rng,
                                                                        batch_dims=2)
                loss = losses.sum()
                self.opt_d.zero_grad(set_to_none=True)
                loss.backward()
                self.opt_d.step()
                for term in self.terms:
                    term.after_critic_step(self)
            for p in self._critic_params:  # frozen: the generator step computes no critic gradients
                p.requires_grad_(False)
            scores = self.critic(self.generator(self._noise(cfg.batch_size)))
            loss = self._losses((scores,), critic=False).sum()
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_g.step()
            for p in self._critic_params:
                p.requires_grad_(True)
            if self.ema is not None:
                ema_update(list(self.ema.values()), list(self.generator.params.values()), cfg.ema_decay,
                           self.step, cfg.ema_start)
            self.step += 1
        return self

    @torch.no_grad()
    def sample(self, n: int, seed: int | None = None) -> torch.Tensor:
        """``n`` samples from every member, shape (n_models, n, ...), on the CPU."""
        rng = None if seed is None else torch.Generator(device=self.device).manual_seed(seed)
        return self.generator(self._noise(n, rng), params=self.ema).cpu()

    def members(self) -> list[tuple[nn.Module, nn.Module]]:
        """The trained (generator, critic) of each member as ordinary CPU modules."""
        g, d = self._templates
        return [(self.generator.member(i, g), self.critic.member(i, d)) for i in range(self.n_models)]
