"""The one training loop every fingan GAN uses."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from fingan.engine.callbacks import MetricsLog, ProgressBar, check_finite
from fingan.engine.checkpoint import load_checkpoint, run_lock, save_checkpoint
from fingan.engine.device import autocast, resolve_device, use_bf16
from fingan.engine.distributed import DistributedContext
from fingan.engine.config import TrainerConfig
from fingan.engine.objectives import Objective, make_objective
from fingan.engine.optim import make_optimizer
from fingan.engine.progressive import growth_state
from fingan.engine.terms import StepContext, Term, build_terms
from fingan.errors import ConfigError, DataError, as_count

CHECKPOINT_NAME = "checkpoint.pt"
METRICS_NAME = "metrics.jsonl"


class Trainer:
    """Trains a generator / critic pair with any registered objective.

    Parameters
    ----------
    generator : nn.Module
        Maps noise of shape ``(batch, *latent_shape)`` (and labels, when conditional)
        to samples shaped like the data.
    critic : nn.Module or None
        Maps samples (and labels) to one raw score per sample; ``None`` for critic-free
        objectives such as ``mmd``.
    latent_shape : sequence of int
        Shape of one noise draw, without the batch dimension.
    config : TrainerConfig
        Options; unset values follow the objective's paper.
    out_dir : path, optional
        Folder for ``checkpoint.pt`` and ``metrics.jsonl``. Without it nothing is written.
    callbacks : sequence of callables
        Each is called with the trainer and the record every ``log_every`` steps, before
        the record is logged (it may add fields, e.g. a validation score).
    terms : sequence of Term
        Training terms (:mod:`fingan.engine.terms`) beyond those the config asks for;
        they run after the config's, in the order given.

    Notes
    -----
    One generator step is preceded by ``n_critic`` critic steps, each on a fresh data
    batch drawn with replacement. Losses are computed in float32 even under autocast.
    """

    def __init__(
        self,
        generator: nn.Module,
        critic: nn.Module | None,
        latent_shape: Sequence[int],
        config: TrainerConfig | None = None,
        out_dir: str | os.PathLike | None = None,
        callbacks: Sequence[Callable[[Trainer, dict[str, Any]], None]] = (),
        terms: Sequence[Term] = (),
    ) -> None:
        self.config = (config or TrainerConfig()).resolved()
        cfg = self.config
        self.objective: Objective = make_objective(cfg.objective, **cfg.objective_params)
        if self.objective.kind != "sample" and critic is None:
            raise ConfigError(f"objective {cfg.objective!r} needs a critic network")
        self.terms: list[Term] = [*build_terms(cfg), *terms]
        self.dist = DistributedContext.from_env()
        self.device = self.dist.device(resolve_device(cfg.device))
        self.dist.init(self.device.type)
        if cfg.progress not in (True, False, "lines"):
            raise ConfigError(f"progress must be True, False or 'lines', not {cfg.progress!r}")
        if cfg.batch_size % self.dist.world_size:
            raise ConfigError(f"batch_size {cfg.batch_size} must be divisible by the {self.dist.world_size} processes")
        self.bf16 = use_bf16(self.device, cfg.amp)
        self.latent_shape = tuple(int(s) for s in latent_shape)
        self.out_dir = None if out_dir is None else Path(out_dir)
        self.callbacks = list(callbacks)

        torch.manual_seed(cfg.seed)
        self.generator = generator.to(self.device)
        self.critic = critic.to(self.device) if self.objective.kind != "sample" else None
        for term in self.terms:  # may wrap the nets (spectral norm) or copy them (EMA)
            term.setup(self)
        # compiled views share the parameters; the plain modules stay the ones saved and sampled
        self._g_forward = torch.compile(self.generator) if cfg.compile else self.generator
        self._d_forward = torch.compile(self.critic) if cfg.compile and self.critic is not None else self.critic
        self.opt_g = make_optimizer(cfg.optimizer, self.generator.parameters(), cfg.lr_g, cfg.betas)
        self.opt_d = None if self.critic is None else make_optimizer(cfg.optimizer, self.critic.parameters(),
                                                                     cfg.lr_d, cfg.betas)
        # both draws happen on the training device: a CPU draw would need a blocking host-to-GPU
        # copy of the indices every batch, which stalls the host until the GPU has caught up
        self.data_rng = torch.Generator(device=self.device).manual_seed(cfg.seed)
        self._weights: torch.Tensor | None = None  # per-sample draw probabilities of the current fit
        self.noise_rng = torch.Generator(device=self.device).manual_seed(cfg.seed + 1)
        self.step = 0
        self.history: list[dict[str, Any]] = []

    def term(self, name: str) -> Term | None:
        """The training term registered as ``name``, when this run has it."""
        return next((t for t in self.terms if t.name == name), None)

    @property
    def ema(self):
        """The EMA copy of the generator (a ``torch.optim.swa_utils.AveragedModel``), or None."""
        term = self.term("ema")
        return None if term is None else term.model

    @property
    def ema_module(self) -> nn.Module | None:
        """The averaged generator module, or None without EMA."""
        return None if self.ema is None else self.ema.module

    # ------------------------------------------------------------------ paths
    @property
    def checkpoint_path(self) -> Path | None:
        return None if self.out_dir is None else self.out_dir / CHECKPOINT_NAME

    # ------------------------------------------------------------------ data
    def _prepare(self, data: torch.Tensor, labels: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        data = torch.as_tensor(data)
        if data.dim() < 2:
            raise DataError(f"data must have shape (n_samples, ...), got shape {tuple(data.shape)}")
        if data.shape[0] < 2:
            raise DataError(f"need at least 2 training samples, got {data.shape[0]}")
        if not torch.isfinite(data).all():
            raise DataError("training data contains NaN or infinite values; clean or drop them first")
        if labels is not None:
            labels = torch.as_tensor(labels).long()
            if labels.shape != (data.shape[0],):
                raise DataError(f"labels must have shape ({data.shape[0]},), got {tuple(labels.shape)}")
            labels = labels.to(self.device)
        return data.float().to(self.device), labels

    def _check_weights(self, weights: Any, n: int) -> torch.Tensor:
        weights = torch.as_tensor(weights, dtype=torch.float64)
        if weights.shape != (n,):
            raise DataError(f"sample_weight must have shape ({n},), got {tuple(weights.shape)}")
        if not torch.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
            raise DataError("sample_weight must be finite, non-negative and not all zero")
        return (weights / weights.sum()).float().to(self.device)

    def _batch(self, data: torch.Tensor, labels: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        # every rank draws the same global batch and keeps its shard
        if self._weights is None:
            idx = torch.randint(data.shape[0], (self.config.batch_size,), generator=self.data_rng, device=data.device)
        else:
            idx = torch.multinomial(self._weights, self.config.batch_size, replacement=True, generator=self.data_rng)
        idx = self.dist.shard(idx)
        real = data[idx]
        for term in self.terms:
            real = term.real_batch(real)
        return real, None if labels is None else labels[idx]

    @property
    def growth(self) -> tuple[int, float]:
        """(level, alpha) of progressive growing at the current step ((0, 1.0) without growing)."""
        term = self.term("growth")
        return (0, 1.0) if term is None else growth_state(self.step, term.steps, self.generator.levels)

    def _begin_step(self) -> None:
        for term in self.terms:
            term.begin_step(self)

    def _noise(
        self, n: int, rng: torch.Generator | None = None, shape: Sequence[int] | None = None
    ) -> torch.Tensor:
        shape = self.latent_shape if shape is None else tuple(shape)
        if rng is None and self.dist.enabled:  # training: this rank's shard of the global draw
            z = torch.randn((n * self.dist.world_size, *shape), generator=self.noise_rng, device=self.device)
            return self.dist.shard(z)
        return torch.randn((n, *shape), generator=rng or self.noise_rng, device=self.device)

    def _generate(self, z: torch.Tensor, y: torch.Tensor | None, module: nn.Module | None = None) -> torch.Tensor:
        g = module or self._g_forward
        return g(z) if y is None else g(z, y)

    def _score(self, x: torch.Tensor, y: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Critic scores (float32, flat) and the auxiliary logits when the critic has a head."""
        for term in self.terms:
            x = term.critic_input(x, self.noise_rng)
        out = self._d_forward(x) if y is None else self._d_forward(x, y)
        out, logits = out if isinstance(out, tuple) else (out, None)
        return out.float().reshape(-1), logits

    def _labels(self, y: torch.Tensor | None, n: int) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """(labels to generate for, labels to call the critic with) for a batch of ``n``."""
        fake, critic = y, y
        for term in self.terms:
            fake, critic = term.labels(fake, critic, n, self.noise_rng)
        return fake, critic

    def _add_terms(self, loss: torch.Tensor, ctx: StepContext, side: str) -> torch.Tensor:
        for term in self.terms:
            extra = term.critic_term(ctx) if side == "critic" else term.generator_term(ctx)
            if extra is not None:
                loss = loss + extra
        return loss

    # ------------------------------------------------------------------ steps
    def _critic_step(self, data: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        real, y = self._batch(data, labels)
        y_fake, y_critic = self._labels(y, real.shape[0])
        with torch.no_grad(), autocast(self.device, self.bf16):
            fake = self._generate(self._noise(real.shape[0]), y_fake)
        with autocast(self.device, self.bf16):
            s_real, l_real = self._score(real, y_critic)
            s_fake, l_fake = self._score(fake, y_critic)
            ctx = StepContext(real, fake, self.generator, self.critic, self.noise_rng, y, y_fake, y_critic,
                              s_real, s_fake, l_real, l_fake)
            loss = self._add_terms(self.objective.critic_loss(s_real, s_fake), ctx, "critic")
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.dist.average_gradients(self.critic)
        self.opt_d.step()
        for term in self.terms:
            term.after_critic_step(self)
        return loss.detach()

    def _generator_step(self, data: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        real, y = self._batch(data, labels)
        y_fake, y_critic = self._labels(y, real.shape[0])
        if self.critic is not None:
            self.critic.requires_grad_(False)
        with autocast(self.device, self.bf16):
            fake = self._generate(self._noise(real.shape[0]), y_fake)
            ctx = StepContext(real, fake, self.generator, self.critic, self.noise_rng, y, y_fake, y_critic)
            if self.objective.kind == "particle":
                targets = self.objective.move(fake, lambda x: self._score(x, y_critic)[0])
                loss = self.objective.particle_loss(fake, targets)
            elif self.objective.kind == "adversarial":
                ctx.scores_fake, ctx.logits_fake = self._score(fake, y_critic)
                loss = self.objective.generator_loss(ctx.scores_fake)
            else:
                loss = self.objective.sample_loss(real, fake.float())
            loss = self._add_terms(loss, ctx, "generator")
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.dist.average_gradients(self.generator)
        self.opt_g.step()
        if self.critic is not None:
            self.critic.requires_grad_(True)
        for term in self.terms:
            term.after_generator_step(self)
        return loss.detach()

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        data: torch.Tensor,
        labels: torch.Tensor | None = None,
        resume: bool = False,
        sample_weight: Any = None,
    ) -> Trainer:
        """Train for ``config.steps`` generator steps (in total, counting resumed ones).

        Parameters
        ----------
        data : Tensor
            Training samples, shape (n_samples, ...).
        labels : Tensor, optional
            Integer class labels (n_samples,) for conditional nets.
        resume : bool
            Continue from ``out_dir/checkpoint.pt`` when it exists. Without ``resume``
            an existing checkpoint there is an error, never overwritten.
        sample_weight : Tensor or array, optional
            Non-negative weights (n_samples,): batches draw samples with probability
            proportional to them (with replacement) instead of uniformly.
        """
        self._weights = None if sample_weight is None else self._check_weights(sample_weight, len(data))
        with run_lock(self.out_dir) if self.checkpoint_path is not None and self.dist.is_main \
                else contextlib.nullcontext():
            return self._fit(data, labels, resume)

    def _fit(self, data: torch.Tensor, labels: torch.Tensor | None, resume: bool) -> Trainer:
        cfg = self.config
        data, labels = self._prepare(data, labels)
        ckpt = self.checkpoint_path
        if ckpt is not None:
            if self.dist.is_main:
                self._claim_out_dir(resume)
            self.dist.barrier()
            if resume and ckpt.exists():
                self.load_state_dict(load_checkpoint(ckpt, map_location=self.device))
        main = self.dist.is_main  # only rank 0 logs, shows progress and writes checkpoints
        log = MetricsLog(self.out_dir / METRICS_NAME) if self.out_dir is not None and main else None
        bar = ProgressBar(cfg.steps, self.step, cfg.progress if main else False)
        sums = torch.zeros(2, device=self.device)
        counted = 0
        started = time.perf_counter()
        self.generator.train()
        if self.critic is not None:
            self.critic.train()
        try:
            while self.step < cfg.steps:
                self._begin_step()
                loss_d = torch.zeros((), device=self.device)
                if self.critic is not None:
                    for _ in range(cfg.n_critic):
                        loss_d = self._critic_step(data, labels)
                loss_g = self._generator_step(data, labels)
                sums += torch.stack([loss_d, loss_g])
                counted += 1
                self.step += 1
                bar.advance()
                checkpoint_due = ckpt is not None and (
                    (cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0) or self.step == cfg.steps
                )
                if checkpoint_due or self.step % cfg.log_every == 0 or self.step == cfg.steps:
                    mean = self.dist.mean(sums / counted).tolist()
                    record = {"step": self.step, "loss_d": mean[0], "loss_g": mean[1],
                              "seconds": round(time.perf_counter() - started, 3)}
                    sums.zero_()
                    counted = 0
                    check_finite(record, ckpt)
                    for callback in self.callbacks:  # a callback may add fields to the record
                        callback(self, record)
                    self.history.append(record)
                    bar.show(record)
                    if log is not None:
                        log(record)
                if checkpoint_due and main:
                    save_checkpoint(self.state_dict(), ckpt)
        finally:
            bar.close()
        return self

    def _claim_out_dir(self, resume: bool) -> None:
        out = self.out_dir
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create output folder {out}: {exc.strerror or exc}") from exc
        if not os.access(out, os.W_OK):
            raise ConfigError(f"output folder {out} is not writable")
        if not resume and (out / CHECKPOINT_NAME).exists():
            raise ConfigError(
                f"{out} already holds a training run; resume it (resume=True, --resume) or choose another folder"
            )

    # ------------------------------------------------------------------ sample
    @torch.no_grad()
    def sample(
        self,
        n: int,
        labels: torch.Tensor | None = None,
        seed: int | None = None,
        use_ema: bool = True,
        latent_shape: Sequence[int] | None = None,
    ) -> torch.Tensor:
        """Draw ``n`` samples (on the CPU) from the trained generator.

        ``seed`` makes the draw reproducible; the EMA weights are used when kept.
        ``latent_shape`` overrides the noise shape of training, e.g. a longer time axis
        for a convolutional generator. Sampling runs in float32 even when training ran
        under bf16 autocast, whose outputs would keep about 3 significant digits of every
        value (returns on a visible grid).
        """
        n = as_count(n, "n")
        module = self.ema_module if (use_ema and self.ema is not None) else self.generator
        self._begin_step()
        rng = None if seed is None else torch.Generator(device=self.device).manual_seed(seed)
        was_training = module.training
        module.eval()
        try:
            y = None if labels is None else torch.as_tensor(labels).long().to(self.device)
            out = self._generate(self._noise(n, rng, latent_shape), y, module)
        finally:
            module.train(was_training)
        return out.float().cpu()

    @property
    def sampling_generator(self) -> nn.Module:
        """The generator used for sampling: the EMA copy when kept, else the trained one."""
        return self.ema_module if self.ema is not None else self.generator

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume exactly: weights, optimisers, RNG states, step."""
        state: dict[str, Any] = {
            "step": self.step,
            "config": dataclasses.asdict(self.config),
            "generator": self.generator.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "rng": {
                "data": self.data_rng.get_state(),
                "noise": self.noise_rng.get_state(),
                "device": self.device.type,
                "torch": torch.get_rng_state(),
            },
            "history": copy.deepcopy(self.history),
        }
        if self.critic is not None:
            state["critic"] = self.critic.state_dict()
            state["opt_d"] = self.opt_d.state_dict()
        for term in self.terms:
            state.update(term.state_dict())
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.step = int(state["step"])
        self.generator.load_state_dict(state["generator"])
        self.opt_g.load_state_dict(state["opt_g"])
        if self.critic is not None:
            self.critic.load_state_dict(state["critic"])
            self.opt_d.load_state_dict(state["opt_d"])
        for term in self.terms:
            term.load_state_dict(state)
        # generator states are CPU byte tensors, even when map_location moved them to the GPU; a
        # state from another device type does not fit this device's generators (fresh draws then).
        # Files written before the data draws moved to the training device say "noise_device".
        rng = state["rng"]
        saved_on = rng.get("device", rng.get("noise_device"))
        if saved_on == self.device.type:
            self.noise_rng.set_state(rng["noise"].cpu())
            if "device" in rng or saved_on == "cpu":
                self.data_rng.set_state(rng["data"].cpu())
        torch.set_rng_state(rng["torch"].cpu())
        self.history = list(state.get("history", []))
