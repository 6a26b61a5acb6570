"""The one training loop every fingan GAN uses."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel

from fingan.engine.callbacks import MetricsLog, ProgressBar, check_finite
from fingan.engine.auxiliary import AuxiliaryTask, make_auxiliary
from fingan.engine.checkpoint import load_checkpoint, run_lock, save_checkpoint
from fingan.engine.device import autocast, resolve_device, use_bf16
from fingan.engine.distributed import DistributedContext
from fingan.engine.objectives import Objective, make_objective
from fingan.engine.progressive import fade_real, growth_state
from fingan.engine.penalties import (
    HistoricalAverage,
    gradient_penalty,
    instance_noise_std,
    orthogonal_regularization,
)
from fingan.errors import ConfigError, DataError, as_count
from fingan.nets.layers import apply_spectral_norm

CHECKPOINT_NAME = "checkpoint.pt"
METRICS_NAME = "metrics.jsonl"


@dataclass
class TrainerConfig:
    """Options of the training loop.

    Fields left as ``None`` take the objective's paper defaults
    (:class:`~fingan.engine.objectives.Hyperparameters`).

    Attributes
    ----------
    objective : str
        Registered objective name (``fingan.engine.OBJECTIVES.names()``).
    objective_params : dict
        Keyword arguments for the objective (e.g. ``{"alternative": True}`` for f-GAN).
    steps : int
        Generator updates.
    batch_size, n_critic, optimizer, lr_g, lr_d, betas, gp_weight, clip
        Override the objective's defaults; ``lr_g != lr_d`` gives TTUR (Heusel et al.
        2017). ``clip=0`` turns weight clipping off, ``gp_weight=0`` the penalty.
    spectral_norm : bool
        Spectrally normalise every critic layer (SN-GAN, Miyato et al. 2018).
    instance_noise : float
        Initial std of Gaussian noise added to critic inputs, annealed to 0 over
        ``instance_noise_steps`` (default: all steps).
    historical_averaging : float
        Weight of the historical-averaging penalty on both networks.
    orthogonal_reg : float
        Weight of orthogonal regularisation of the generator.
    ema_decay : float or None
        Keep an exponential moving average of the generator weights for sampling.
    drift : float
        Weight of the drift penalty ``E[D(x_real)^2]`` that keeps critic scores near 0
        (Karras et al. 2018 use 0.001).
    growth_steps : int
        Progressive growing (Karras et al. 2018): steps per fade-in and per stabilisation
        phase (:mod:`fingan.engine.progressive`); needs nets with ``levels`` and
        ``set_growth``. 0: off.
    auxiliary, aux_classes, aux_weight
        An auxiliary task on a critic that returns ``(score, logits)``: ``"acgan"`` or
        ``"infogan"`` (:mod:`fingan.engine.auxiliary`) over ``aux_classes`` classes or
        codes, its cross-entropy weighted by ``aux_weight``.
    seed : int
        Seeds data order, noise and parameter-free randomness: same seed, same result on CPU.
    device, amp
        ``"auto"`` picks CUDA when present; bf16 autocast is used on CUDA unless ``amp=False``
        (``amp=True`` forces it on CPU too; :func:`~fingan.engine.device.use_bf16` says why
        not by default).
    compile : bool
        Run the training forward passes through ``torch.compile`` (the gradient penalty's
        double backward and sampling use the plain modules; weights are shared).
    log_every, checkpoint_every : int
        Losses are averaged, checked for NaN/inf and logged every ``log_every`` steps; a
        checkpoint is written every ``checkpoint_every`` steps (0: only at the end) when
        the Trainer has an output folder.
    progress : bool or "lines"
        ``True``: a tqdm progress bar; ``"lines"``: a plain line on stderr about every 5%
        of the steps (what ``fingan`` commands print when stderr is not a terminal);
        ``False``: nothing.
    """

    objective: str = "ns"
    objective_params: dict[str, Any] = field(default_factory=dict)
    steps: int = 2000
    batch_size: int | None = None
    n_critic: int | None = None
    optimizer: str | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    betas: tuple[float, float] | None = None
    gp_weight: float | None = None
    clip: float | None = None
    spectral_norm: bool = False
    instance_noise: float = 0.0
    instance_noise_steps: int | None = None
    historical_averaging: float = 0.0
    orthogonal_reg: float = 0.0
    ema_decay: float | None = None
    drift: float = 0.0
    growth_steps: int = 0
    auxiliary: str | None = None
    aux_classes: int = 10
    aux_weight: float = 1.0
    seed: int = 0
    device: str = "auto"
    amp: bool | str = "auto"
    compile: bool = False
    log_every: int = 50
    checkpoint_every: int = 0
    progress: bool | str = False

    def resolved(self) -> TrainerConfig:
        """A copy with every ``None`` default filled from the objective, validated."""
        defaults = make_objective(self.objective, **self.objective_params).defaults
        filled = {
            f.name: getattr(defaults, f.name)
            for f in dataclasses.fields(defaults)
            if getattr(self, f.name) is None
        }
        out = dataclasses.replace(self, **filled)
        out.betas = tuple(out.betas)
        out.validate()
        return out

    def validate(self) -> None:
        checks = [
            (self.steps >= 0, f"steps must be >= 0, got {self.steps}"),
            (self.batch_size is None or self.batch_size >= 2, f"batch_size must be >= 2, got {self.batch_size}"),
            (self.n_critic is None or self.n_critic >= 1, f"n_critic must be >= 1, got {self.n_critic}"),
            (self.lr_g is None or self.lr_g > 0, f"lr_g must be > 0, got {self.lr_g}"),
            (self.lr_d is None or self.lr_d > 0, f"lr_d must be > 0, got {self.lr_d}"),
            (self.optimizer is None or self.optimizer in _OPTIMIZERS,
             f"optimizer must be one of {sorted(_OPTIMIZERS)}, got {self.optimizer!r}"),
            (self.gp_weight is None or self.gp_weight >= 0, f"gp_weight must be >= 0, got {self.gp_weight}"),
            (self.clip is None or self.clip >= 0, f"clip must be >= 0, got {self.clip}"),
            (self.instance_noise >= 0, f"instance_noise must be >= 0, got {self.instance_noise}"),
            (self.historical_averaging >= 0, "historical_averaging must be >= 0"),
            (self.orthogonal_reg >= 0, "orthogonal_reg must be >= 0"),
            (self.ema_decay is None or 0 < self.ema_decay < 1, f"ema_decay must be in (0, 1), got {self.ema_decay}"),
            (self.aux_weight >= 0, f"aux_weight must be >= 0, got {self.aux_weight}"),
            (self.drift >= 0, f"drift must be >= 0, got {self.drift}"),
            (self.growth_steps >= 0, f"growth_steps must be >= 0, got {self.growth_steps}"),
            (self.log_every >= 1, f"log_every must be >= 1, got {self.log_every}"),
            (self.checkpoint_every >= 0, f"checkpoint_every must be >= 0, got {self.checkpoint_every}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)


def _adam(params: Any, lr: float, betas: tuple[float, float]) -> torch.optim.Optimizer:
    # the fused kernel updates every parameter in one call: +24% steps/s for the toy MLP on CPU,
    # equal for the convolutional nets (benchmarks/throughput.py); older torch lacks it on CPU
    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
    except (RuntimeError, TypeError):
        return torch.optim.Adam(params, lr=lr, betas=betas)


def _rmsprop(params: Any, lr: float, betas: tuple[float, float]) -> torch.optim.Optimizer:
    return torch.optim.RMSprop(params, lr=lr)


def _sgd(params: Any, lr: float, betas: tuple[float, float]) -> torch.optim.Optimizer:
    return torch.optim.SGD(params, lr=lr)


_OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adam": _adam,
    "rmsprop": _rmsprop,
    "sgd": _sgd,
}


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
    ) -> None:
        self.config = (config or TrainerConfig()).resolved()
        cfg = self.config
        self.objective: Objective = make_objective(cfg.objective, **cfg.objective_params)
        if self.objective.uses_critic and critic is None:
            raise ConfigError(f"objective {cfg.objective!r} needs a critic network")
        self.auxiliary: AuxiliaryTask | None = (
            make_auxiliary(cfg.auxiliary, cfg.aux_classes) if cfg.auxiliary else None
        )
        if self.auxiliary is not None and (not self.objective.uses_critic or self.objective.moves_particles):
            raise ConfigError(f"auxiliary={cfg.auxiliary!r} needs an adversarial critic; objective {cfg.objective!r} "
                              "has none")
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
        self.critic = None
        if self.objective.uses_critic:
            self.critic = critic.to(self.device)
            if cfg.spectral_norm:
                apply_spectral_norm(self.critic)
        # compiled views share the parameters; the plain modules stay the ones saved and sampled
        self._g_forward = torch.compile(self.generator) if cfg.compile else self.generator
        self._d_forward = torch.compile(self.critic) if cfg.compile and self.critic is not None else self.critic
        self.opt_g = _OPTIMIZERS[cfg.optimizer](self.generator.parameters(), cfg.lr_g, cfg.betas)
        self.opt_d = (
            _OPTIMIZERS[cfg.optimizer](self.critic.parameters(), cfg.lr_d, cfg.betas)
            if self.critic is not None
            else None
        )
        # AveragedModel holds the averaged copy (and its file layout); _update_ema averages
        self.ema = AveragedModel(self.generator, use_buffers=True) if cfg.ema_decay else None
        self._ema_updates = 0
        self.hist_g = HistoricalAverage(self.generator) if cfg.historical_averaging else None
        self.hist_d = (
            HistoricalAverage(self.critic) if cfg.historical_averaging and self.critic is not None else None
        )
        if cfg.growth_steps and not all(hasattr(net, "set_growth") for net in (generator, critic) if net is not None):
            raise ConfigError("growth_steps needs progressive nets (fingan.nets.ProgressiveGenerator / ProgressiveCritic)")
        # both draws happen on the training device: a CPU draw would need a blocking host-to-GPU
        # copy of the indices every batch, which stalls the host until the GPU has caught up
        self.data_rng = torch.Generator(device=self.device).manual_seed(cfg.seed)
        self.noise_rng = torch.Generator(device=self.device).manual_seed(cfg.seed + 1)
        self.step = 0
        self.history: list[dict[str, Any]] = []

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

    def _batch(self, data: torch.Tensor, labels: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        # every rank draws the same global batch and keeps its shard
        idx = torch.randint(data.shape[0], (self.config.batch_size,), generator=self.data_rng, device=data.device)
        idx = self.dist.shard(idx)
        real = data[idx]
        if self.config.growth_steps:
            real = fade_real(real, *self.growth, self.generator.levels)
        return real, None if labels is None else labels[idx]

    @property
    def growth(self) -> tuple[int, float]:
        """(level, alpha) of progressive growing at the current step."""
        return growth_state(self.step, self.config.growth_steps, self.generator.levels)

    def _apply_growth(self) -> None:
        if self.config.growth_steps:
            for net in (self.generator, self.critic, self.ema.module if self.ema is not None else None):
                if net is not None:
                    net.set_growth(*self.growth)

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

    def _score(
        self, x: torch.Tensor, y: torch.Tensor | None, noise_std: float
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Critic scores (float32, flat) and the auxiliary logits when the critic has a head."""
        if noise_std > 0:
            x = x + noise_std * torch.randn(x.shape, generator=self.noise_rng, device=x.device, dtype=x.dtype)
        out = self._d_forward(x) if y is None else self._d_forward(x, y)
        out, logits = out if isinstance(out, tuple) else (out, None)
        return out.float().reshape(-1), logits

    def _labels(self, y: torch.Tensor | None, n: int) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """(labels for the generator, labels for the critic): the critic gets none under an auxiliary task."""
        if self.auxiliary is None:
            return y, y
        return self.auxiliary.fake_labels(y, n, self.noise_rng), None

    # ------------------------------------------------------------------ steps
    def _critic_step(self, data: torch.Tensor, labels: torch.Tensor | None, noise_std: float) -> torch.Tensor:
        cfg = self.config
        real, y = self._batch(data, labels)
        y_fake, y_critic = self._labels(y, real.shape[0])
        with torch.no_grad(), autocast(self.device, self.bf16):
            fake = self._generate(self._noise(real.shape[0]), y_fake)
        with autocast(self.device, self.bf16):
            s_real, l_real = self._score(real, y_critic, noise_std)
            s_fake, l_fake = self._score(fake, y_critic, noise_std)
            loss = self.objective.critic_loss(s_real, s_fake)
            if self.auxiliary is not None:
                loss = loss + cfg.aux_weight * self.auxiliary.critic_loss(l_real, y, l_fake, y_fake)
            if cfg.drift:
                loss = loss + cfg.drift * s_real.pow(2).mean()
            if cfg.gp_weight:
                loss = loss + cfg.gp_weight * gradient_penalty(
                    self.critic, real, fake.to(real.dtype), y_critic, generator=self.noise_rng
                ).float()
        if self.hist_d is not None:
            loss = loss + cfg.historical_averaging * self.hist_d.penalty()
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.dist.average_gradients(self.critic)
        self.opt_d.step()
        if cfg.clip:
            with torch.no_grad():
                for p in self.critic.parameters():
                    p.clamp_(-cfg.clip, cfg.clip)
        if self.hist_d is not None:
            self.hist_d.update()
        return loss.detach()

    def _generator_step(self, data: torch.Tensor, labels: torch.Tensor | None, noise_std: float) -> torch.Tensor:
        cfg = self.config
        real, y = self._batch(data, labels)
        y_fake, y_critic = self._labels(y, real.shape[0])
        if self.critic is not None:
            self.critic.requires_grad_(False)
        with autocast(self.device, self.bf16):
            fake = self._generate(self._noise(real.shape[0]), y_fake)
            if self.objective.moves_particles:
                targets = self.objective.move(fake, lambda x: self._score(x, y_critic, noise_std)[0])
                loss = self.objective.particle_loss(fake, targets)
            elif self.objective.uses_critic:
                s_fake, l_fake = self._score(fake, y_critic, noise_std)
                loss = self.objective.generator_loss(s_fake)
                if self.auxiliary is not None:
                    loss = loss + cfg.aux_weight * self.auxiliary.generator_loss(l_fake, y_fake)
            else:
                loss = self.objective.sample_loss(real, fake.float())
        if cfg.orthogonal_reg:
            loss = loss + cfg.orthogonal_reg * orthogonal_regularization(self.generator)
        if self.hist_g is not None:
            loss = loss + cfg.historical_averaging * self.hist_g.penalty()
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.dist.average_gradients(self.generator)
        self.opt_g.step()
        if self.critic is not None:
            self.critic.requires_grad_(True)
        if self.hist_g is not None:
            self.hist_g.update()
        if self.ema is not None:
            self._update_ema()
        return loss.detach()

    @torch.no_grad()
    def _update_ema(self) -> None:
        """One EMA step: a copy at the first update, then ``ema += (1 - decay) (current - ema)``.

        Done here rather than by ``AveragedModel.update_parameters``, which reads its update
        counter back from the GPU twice per call and so stalls the host every step.
        """
        averaged = [*self.ema.module.parameters(), *self.ema.module.buffers()]
        current = [*self.generator.parameters(), *self.generator.buffers()]
        for a, c in zip(averaged, current):
            if self._ema_updates == 0 or not a.is_floating_point():
                a.copy_(c)
            else:
                a.lerp_(c, 1 - self.config.ema_decay)
        self.ema.n_averaged += 1
        self._ema_updates += 1

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        data: torch.Tensor,
        labels: torch.Tensor | None = None,
        resume: bool = False,
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
        """
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
        anneal = cfg.instance_noise_steps or cfg.steps
        sums = torch.zeros(2, device=self.device)
        counted = 0
        started = time.perf_counter()
        self.generator.train()
        if self.critic is not None:
            self.critic.train()
        try:
            while self.step < cfg.steps:
                noise_std = instance_noise_std(self.step, cfg.instance_noise, anneal)
                self._apply_growth()
                loss_d = torch.zeros((), device=self.device)
                if self.critic is not None:
                    for _ in range(cfg.n_critic):
                        loss_d = self._critic_step(data, labels, noise_std)
                loss_g = self._generator_step(data, labels, noise_std)
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
        module = self.ema.module if (use_ema and self.ema is not None) else self.generator
        self._apply_growth()
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
        return self.ema.module if self.ema is not None else self.generator

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
        if self.ema is not None:
            state["ema"] = self.ema.state_dict()
        if self.hist_g is not None:
            state["hist_g"] = self.hist_g.state_dict()
        if self.hist_d is not None:
            state["hist_d"] = self.hist_d.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.step = int(state["step"])
        self.generator.load_state_dict(state["generator"])
        self.opt_g.load_state_dict(state["opt_g"])
        if self.critic is not None:
            self.critic.load_state_dict(state["critic"])
            self.opt_d.load_state_dict(state["opt_d"])
        if self.ema is not None and "ema" in state:
            self.ema.load_state_dict(state["ema"])
            self._ema_updates = int(self.ema.n_averaged)
        if self.hist_g is not None and "hist_g" in state:
            self.hist_g.load_state_dict(state["hist_g"])
        if self.hist_d is not None and "hist_d" in state:
            self.hist_d.load_state_dict(state["hist_d"])
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
