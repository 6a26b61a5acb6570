"""Toy GANs on low-dimensional data, and the robust location estimator of Gao et al."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from fingan.engine.trainer import TrainerConfig
from fingan.errors import ConfigError, DataError, as_count
from fingan.models.base import Recipe
from fingan.nets.mlp import MLP, GaussianGenerator


@dataclass
class ToyGANConfig:
    """Options of :class:`ToyGAN`.

    Attributes
    ----------
    generator : str
        ``"mlp"`` (noise -> MLP -> sample) or ``"gaussian"`` (a Gaussian with learnable
        mean and diagonal scale, for studying what each divergence prefers).
    latent_dim : int
        Noise dimension of the MLP generator.
    hidden, critic_hidden : tuple of int
        Hidden widths of generator and critic.
    activation, critic_activation : str
        Hidden activations (see :class:`~fingan.nets.MLP`).
    minibatch_kernels : int
        Minibatch-discrimination kernels in the critic (0: off).
    pack : int
        PacGAN packing degree of the critic (1: off); the batch size is rounded up to a
        multiple of it.
    standardize : bool
        Train on standardised data and map samples back to data units.
    trainer : TrainerConfig
        Options of the training loop (objective, steps, ...).
    """

    generator: Literal["mlp", "gaussian"] = "mlp"
    latent_dim: int = 8
    hidden: tuple[int, ...] = (128, 128, 128)
    critic_hidden: tuple[int, ...] = (128, 128, 128)
    activation: str = "relu"
    critic_activation: str = "leaky_relu"
    minibatch_kernels: int = 0
    pack: int = 1
    standardize: bool = True
    trainer: TrainerConfig = field(default_factory=lambda: TrainerConfig(steps=2000))


def _as_2d(x: Any) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise DataError(f"toy data must be numeric: {exc}") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise DataError(f"toy data must have shape (n,) or (n, d), got {arr.shape}")
    if len(arr) < 2:
        raise DataError(f"need at least 2 data points, got {len(arr)}")
    if not np.isfinite(arr).all():
        raise DataError("toy data contains NaN or infinite values")
    return arr


class ToyGAN(Recipe):
    """A GAN for low-dimensional point clouds, with any engine objective.

    Examples
    --------
    >>> from fingan.data import load_toy
    >>> gan = ToyGAN(objective="wgan-gp", steps=2000).fit(load_toy("ring8"))
    >>> x = gan.sample(2500, seed=0)
    """

    config_class = ToyGANConfig

    def __init__(self, config: ToyGANConfig | None = None, **options: Any) -> None:
        super().__init__(config, **options)
        cfg = self.config
        if cfg.generator not in ("mlp", "gaussian"):
            raise ConfigError(f"generator must be 'mlp' or 'gaussian', not {cfg.generator!r}")
        if cfg.pack < 1:
            raise ConfigError(f"pack must be >= 1, got {cfg.pack}")
        if cfg.minibatch_kernels < 0:
            raise ConfigError(f"minibatch_kernels must be >= 0 (0: none), got {cfg.minibatch_kernels}")
        self.dim_: int | None = None
        self.mean_ = torch.zeros(0)
        self.scale_ = torch.ones(0)

    def trainer_config(self) -> TrainerConfig:
        """The config's training options with the batch size rounded up to a multiple of ``pack``."""
        out = super().trainer_config()
        batch = out.resolved().batch_size
        out.batch_size = -(-batch // self.config.pack) * self.config.pack
        return out

    @property
    def data_shape_(self) -> tuple[int, ...]:
        return (self.dim_,)

    def build(self, data_shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module | None, tuple[int, ...]]:
        cfg = self.config
        (dim,) = data_shape
        if cfg.generator == "gaussian":
            generator: nn.Module = GaussianGenerator(dim)
            latent = dim
        else:
            generator = MLP(cfg.latent_dim, dim, cfg.hidden, cfg.activation)
            latent = cfg.latent_dim
        critic = MLP(dim, 1, cfg.critic_hidden, cfg.critic_activation, minibatch_kernels=cfg.minibatch_kernels,
                     pack=cfg.pack)
        return generator, critic, (latent,)

    def fit(self, x: Any, out_dir: str | os.PathLike | None = None, resume: bool = False) -> ToyGAN:
        """Train on points ``x`` of shape (n,) or (n, d); returns self.

        ``out_dir`` receives the checkpoint and metrics log; ``resume`` continues there.
        """
        arr = _as_2d(x)
        self.dim_ = arr.shape[1]
        if self.config.standardize:
            self.mean_ = torch.as_tensor(arr.mean(axis=0))
            self.scale_ = torch.as_tensor(arr.std(axis=0)).clamp_min(1e-8)
        else:
            self.mean_, self.scale_ = torch.zeros(self.dim_), torch.ones(self.dim_)
        data = (torch.as_tensor(arr) - self.mean_) / self.scale_
        self._train(data, out_dir=out_dir, resume=resume)
        return self

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """Draw ``n`` points in data units, shape (n, d); the same seed gives the same points."""
        n = as_count(n, "n")
        z = self._require_fitted().sample(n, seed=seed)
        return (z * self.scale_ + self.mean_).numpy()

    def summary(self, dataset: str, data: np.ndarray, n_samples: int = 2500,
                plot: str | os.PathLike | None = None) -> dict[str, Any]:
        """How well the fitted model matches the toy data set ``dataset`` (its training points ``data``).

        Mode counts and the share of high-quality samples for the well-separated
        mixtures, the KS distance for one-dimensional ones, the MMD^2 to the data, from
        ``n_samples`` samples (seeded); ``plot`` also writes a PNG of samples over data.
        """
        from fingan.data.toy import DEFAULT_SIZES, toy_distribution
        from fingan.validation.toy import ks_distance, mmd, mode_metrics

        cfg = self._require_fitted().config
        mixture = toy_distribution(dataset)
        samples = self.sample(n_samples, seed=cfg.seed)
        out: dict[str, Any] = {"dataset": dataset, "objective": cfg.objective, "steps": cfg.steps}
        if dataset not in DEFAULT_SIZES:  # well-separated modes: mode metrics apply
            out.update(mode_metrics(samples, mixture))
        if mixture.dim == 1:
            out["ks"] = ks_distance(samples, mixture.cdf)
        out["mmd"] = mmd(samples, data)
        if plot is not None:
            from fingan.validation.plots import plot_toy_samples

            plot_toy_samples(samples, data[:n_samples], plot, title=f"{dataset}, {cfg.objective}",
                             modes=mixture.means if mixture.dim == 2 else None)
        return out

    def extra_state(self) -> dict[str, Any]:
        return {"dim": self.dim_, "mean": self.mean_, "scale": self.scale_}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        self.dim_, self.mean_, self.scale_ = int(state["dim"]), state["mean"], state["scale"]


@dataclass
class RobustGANConfig(ToyGANConfig):
    """Options of :class:`RobustGAN`: a one-hidden-layer sigmoid critic trained with ``js``."""

    generator: str = "gaussian"
    critic_hidden: tuple[int, ...] = (20,)
    critic_activation: str = "sigmoid"
    standardize: bool = False
    trainer: TrainerConfig = field(
        default_factory=lambda: TrainerConfig(
            objective="js", steps=1500, batch_size=500, lr_g=0.05, lr_d=0.2, optimizer="sgd", log_every=100
        )
    )


class LocationGenerator(GaussianGenerator):
    """N(theta, I_p): a Gaussian with learnable location and fixed identity covariance."""

    def __init__(self, loc: torch.Tensor) -> None:
        super().__init__(loc.shape[0], learn_scale=False, loc=loc)


class RobustGAN(ToyGAN):
    r"""Robust mean estimation by a GAN (Gao, Liu, Yao, Zhu 2019).

    Data follow Huber's contamination model :math:`(1 - \epsilon) N(\theta, I_p) + \epsilon Q`.
    The generator is :math:`N(\theta, I_p)` with learnable :math:`\theta` (started at the
    coordinate-wise median), the critic a one-hidden-layer sigmoid network, and the game
    is the Jensen-Shannon f-GAN. After :meth:`fit`, ``location_`` estimates the clean
    mean; :meth:`outlier_scores` are the critic's scores, high where the data have mass
    that :math:`N(\theta, I_p)` lacks, i.e. on the contamination.
    """

    config_class = RobustGANConfig

    def __init__(self, config: RobustGANConfig | None = None, **options: Any) -> None:
        super().__init__(config, **options)
        self._start: torch.Tensor | None = None  # the generator's first location: the median of the data

    def build(self, data_shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module | None, tuple[int, ...]]:
        cfg = self.config
        (dim,) = data_shape
        start = self._start if self._start is not None else torch.zeros(dim)
        return LocationGenerator(start), MLP(dim, 1, cfg.critic_hidden, cfg.critic_activation), (dim,)

    def fit(self, x: Any, out_dir: str | os.PathLike | None = None, resume: bool = False) -> RobustGAN:
        self._start = torch.as_tensor(np.median(_as_2d(x), axis=0))
        return super().fit(x, out_dir=out_dir, resume=resume)

    def fit_many(self, datasets: Any) -> np.ndarray:
        """Estimate the location of each of B data sets at once; returns (B, p) estimates.

        For simulation studies (fresh draws or resamples of a contaminated sample): the B
        fits run as one batched model (:class:`fingan.engine.ensemble.EnsembleTrainer`), each
        member with this config, started at its own data set's coordinate-wise median,
        and with its own data, noise and weights. Nothing is kept on the instance.
        """
        from fingan.engine.ensemble import EnsembleTrainer

        arr = np.asarray(datasets, dtype=np.float32)
        if arr.ndim != 3 or len(arr) < 1:
            raise DataError(f"datasets must have shape (B, n, p), got {arr.shape}")
        cfg = self.config
        torch.manual_seed(cfg.trainer.seed)
        generators, critics = [], []
        for data in arr:
            _as_2d(data)  # the same checks as fit
            generators.append(LocationGenerator(torch.as_tensor(np.median(data, axis=0))))
            critics.append(MLP(arr.shape[2], 1, cfg.critic_hidden, cfg.critic_activation))
        ensemble = EnsembleTrainer(generators, critics, (arr.shape[2],), cfg.trainer).fit(arr)
        return ensemble.generator.params["loc"].detach().cpu().numpy().copy()

    @property
    def location_(self) -> np.ndarray:
        """The estimated location theta of the clean distribution."""
        return self._require_fitted().sampling_generator.loc.detach().cpu().numpy().copy()

    @torch.no_grad()
    def outlier_scores(self, x: Any) -> np.ndarray:
        """Critic scores of the points ``x``; larger means more likely contamination."""
        trainer = self._require_fitted()
        data = torch.as_tensor(_as_2d(x)).to(trainer.device)
        return trainer.critic(data).float().reshape(-1).cpu().numpy()
