"""The training loop's options: one flat dataclass, readable from TOML / JSON and the command line."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from fingan.engine.objectives import make_objective
from fingan.engine.optim import LR_DECAYS, OPTIMIZERS
from fingan.errors import ConfigError


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
    lr_decay : "linear", "cosine" or None
        Decay both learning rates over the run, from ``lr_g`` / ``lr_d`` at the first step
        to ``lr_decay_to`` times them at the last (:func:`~fingan.engine.optim.lr_factor`).
        ``None``: constant rates.
    lr_decay_to : float
        The fraction of the starting rates reached at the last step (0 to 1).
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
    ema_start : int
        Generator steps before the average starts: until then it copies the weights, so
        the random initial weights never enter it (BigGAN's ``ema_start``, Brock et al.
        2019). 0: the average starts at the first step.
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
    optimizer: Literal["adam", "rmsprop", "sgd"] | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    betas: tuple[float, float] | None = None
    gp_weight: float | None = None
    clip: float | None = None
    lr_decay: Literal["linear", "cosine"] | None = None
    lr_decay_to: float = 0.0
    spectral_norm: bool = False
    instance_noise: float = 0.0
    instance_noise_steps: int | None = None
    historical_averaging: float = 0.0
    orthogonal_reg: float = 0.0
    ema_decay: float | None = None
    ema_start: int = 0
    drift: float = 0.0
    growth_steps: int = 0
    auxiliary: Literal["acgan", "infogan"] | None = None
    aux_classes: int = 10
    aux_weight: float = 1.0
    seed: int = 0
    device: str = "auto"
    amp: bool | Literal["auto"] = "auto"
    compile: bool = False
    log_every: int = 50
    checkpoint_every: int = 0
    progress: bool | Literal["lines"] = False

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
            (self.optimizer is None or self.optimizer in OPTIMIZERS,
             f"optimizer must be one of {sorted(OPTIMIZERS)}, got {self.optimizer!r}"),
            (self.gp_weight is None or self.gp_weight >= 0, f"gp_weight must be >= 0, got {self.gp_weight}"),
            (self.clip is None or self.clip >= 0, f"clip must be >= 0, got {self.clip}"),
            (self.lr_decay is None or self.lr_decay in LR_DECAYS,
             f"lr_decay must be one of {list(LR_DECAYS)} or None, got {self.lr_decay!r}"),
            (0 <= self.lr_decay_to <= 1, f"lr_decay_to must be in [0, 1], got {self.lr_decay_to}"),
            (self.instance_noise >= 0, f"instance_noise must be >= 0, got {self.instance_noise}"),
            (self.historical_averaging >= 0, "historical_averaging must be >= 0"),
            (self.orthogonal_reg >= 0, "orthogonal_reg must be >= 0"),
            (self.ema_decay is None or 0 < self.ema_decay < 1, f"ema_decay must be in (0, 1), got {self.ema_decay}"),
            (self.ema_start >= 0, f"ema_start must be >= 0, got {self.ema_start}"),
            (self.aux_weight >= 0, f"aux_weight must be >= 0, got {self.aux_weight}"),
            (self.drift >= 0, f"drift must be >= 0, got {self.drift}"),
            (self.growth_steps >= 0, f"growth_steps must be >= 0, got {self.growth_steps}"),
            (self.log_every >= 1, f"log_every must be >= 1, got {self.log_every}"),
            (self.checkpoint_every >= 0, f"checkpoint_every must be >= 0, got {self.checkpoint_every}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
