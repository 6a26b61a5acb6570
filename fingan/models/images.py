"""Image GANs on the engine: DCGAN or progressive nets with any objective (VGrow too), SN-GAN, conditional, AC-GAN, InfoGAN."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from fingan.data.images import as_training_images
from fingan.engine.trainer import TrainerConfig
from fingan.errors import ConfigError, DataError, as_count
from fingan.models.base import Recipe
from fingan.nets.conv import ConvCritic, ConvGenerator
from fingan.nets.progressive import ProgressiveCritic, ProgressiveGenerator, progressive_levels


@dataclass
class ImageGANConfig:
    """Options of :class:`ImageGAN`; the defaults are DCGAN's (Radford et al. 2016).

    Attributes
    ----------
    latent_dim : int
        Noise dimension (100).
    channels : int
        DCGAN: width of the last generator stage and the first critic stage; widths double
        per stage. Progressive: the width of every level.
    arch : {"dcgan", "progressive"}
        ``"dcgan"``: strided convolutions (Radford et al. 2016). ``"progressive"``: grown
        from 4x4 to the data's side with new levels faded in (Karras et al. 2018;
        :mod:`fingan.nets.progressive`); unless ``trainer.growth_steps`` is set, the steps are
        split evenly over the fade-in and stabilisation phases. The paper trains it with
        ``objective="wgan-gp", n_critic=1, lr_g=lr_d=1e-3, betas=(0, 0.99), drift=1e-3``.
    variant : {"gan", "conditional", "acgan", "infogan"}
        ``"conditional"``: label-conditioned generator (label embedding with the noise) and
        projection critic; ``"acgan"``: label-conditioned generator and a critic that also
        classifies (Odena et al. 2017); ``"infogan"``: a categorical code of ``n_codes``
        values conditions the generator and an auxiliary head recovers it (Chen et al.
        2016), without labels.
    n_codes : int
        InfoGAN's number of code values.
    critic_batch_norm : bool or None
        Batch norm in the critic (never on its input layer). ``None``: as in DCGAN, unless
        the objective uses a gradient penalty, the critic is spectrally normalised, or the
        objective moves particles along the critic's gradient (``vgrow``).
    trainer : TrainerConfig
        ``ns`` with Adam 2e-4, beta1 0.5, batch 128 by default; any objective works.
    """

    latent_dim: int = 100
    channels: int = 64
    arch: Literal["dcgan", "progressive"] = "dcgan"
    variant: Literal["gan", "conditional", "acgan", "infogan"] = "gan"
    n_codes: int = 10
    critic_batch_norm: bool | None = None
    trainer: TrainerConfig = field(
        default_factory=lambda: TrainerConfig(
            objective="ns", steps=2000, batch_size=128, lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), log_every=100
        )
    )


class ImageGAN(Recipe):
    """DCGAN-style image GAN with any engine objective (``ns``, ``wgan``, ``wgan-gp``, ``hinge``, ...).

    Examples
    --------
    >>> from fingan.data.images import load_images
    >>> x, y = load_images("digits", size=16)
    >>> gan = ImageGAN(objective="hinge", spectral_norm=True, steps=2000).fit(x)
    >>> gan.save_grid("digits.png")
    """

    config_class = ImageGANConfig

    VARIANTS = ("gan", "conditional", "acgan", "infogan")
    ARCHS = ("dcgan", "progressive")

    def __init__(self, config: ImageGANConfig | None = None, **options: Any) -> None:
        super().__init__(config, **options)
        cfg = self.config
        if cfg.variant not in self.VARIANTS:
            raise ConfigError(f"variant must be one of {', '.join(self.VARIANTS)}, not {cfg.variant!r}")
        if cfg.arch not in self.ARCHS:
            raise ConfigError(f"arch must be one of {', '.join(self.ARCHS)}, not {cfg.arch!r}")
        self.shape_: tuple[int, int, int] | None = None
        self.n_classes_: int = 0

    def trainer_config(self) -> TrainerConfig:
        """The config's training options plus what the variant and the data decide.

        AC-GAN and InfoGAN train an auxiliary task over the data's classes (or the codes);
        progressive nets grow over the run, ``steps / (2 levels - 1)`` steps per phase
        unless ``growth_steps`` is set.
        """
        cfg = self.config
        out = super().trainer_config()
        if cfg.variant in ("acgan", "infogan"):
            out.auxiliary, out.aux_classes = cfg.variant, self.n_classes_
        if cfg.arch == "progressive" and not out.growth_steps:
            out.growth_steps = max(1, out.steps // (2 * progressive_levels(self.shape_[-1]) - 1))
        return out

    @property
    def data_shape_(self) -> tuple[int, ...]:
        return self.shape_

    def build(self, data_shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module | None, tuple[int, ...]]:
        cfg = self.config
        channels, size, _ = data_shape
        projection = self.n_classes_ if cfg.variant == "conditional" else 0
        n_aux = self.n_classes_ if cfg.variant in ("acgan", "infogan") else 0
        if cfg.arch == "progressive":
            generator = ProgressiveGenerator(cfg.latent_dim, size, cfg.channels, self.n_classes_, out_channels=channels)
            critic = ProgressiveCritic(size, cfg.channels, projection, in_channels=channels, n_aux=n_aux)
            return generator, critic, (cfg.latent_dim,)
        stages = int(math.log2(size // 4))
        resolved = cfg.trainer.resolved()
        batch_norm = cfg.critic_batch_norm
        if batch_norm is None:
            batch_norm = not (resolved.gp_weight or resolved.spectral_norm or resolved.objective == "vgrow")
        generator = ConvGenerator(cfg.latent_dim, size, cfg.channels, self.n_classes_, out_channels=channels,
                                  stages=stages, output="tanh")
        critic = ConvCritic(size, cfg.channels, projection, in_channels=channels, stages=stages,
                            batch_norm=batch_norm, n_aux=n_aux)
        return generator, critic, (cfg.latent_dim,)

    def fit(
        self,
        images: Any,
        labels: Any | None = None,
        out_dir: str | os.PathLike | None = None,
        resume: bool = False,
    ) -> ImageGAN:
        """Train on images (n, channels, size, size) scaled to [-1, 1]; ``labels`` for conditional models."""
        x = as_training_images(images)
        size = x.shape[-1]
        cfg = self.config
        y = None
        if cfg.variant in ("conditional", "acgan"):
            if labels is None:
                raise DataError(f"a {cfg.variant} ImageGAN needs labels")
            y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
            if y.shape != (len(x),):
                raise DataError(f"labels must have shape ({len(x)},), got {tuple(y.shape)}")
            self.n_classes_ = int(y.max()) + 1
        elif cfg.variant == "infogan":
            self.n_classes_ = cfg.n_codes
        self.shape_ = (x.shape[1], size, size)
        self._train(x, y, out_dir=out_dir, resume=resume)
        return self

    def sample(self, n: int, seed: int | None = None, labels: Any | None = None) -> np.ndarray:
        """Draw ``n`` images (n, channels, size, size) in [-1, 1].

        Conditional, AC-GAN and InfoGAN models take ``labels`` (n,): classes, or InfoGAN
        codes; without them the values cycle 0, 1, 2, ...
        """
        n = as_count(n, "n")
        trainer = self._require_fitted()
        y = None
        if self.n_classes_:
            y = torch.arange(n) % self.n_classes_ if labels is None else torch.as_tensor(np.asarray(labels)).long()
            if y.shape != (n,) or y.min() < 0 or y.max() >= self.n_classes_:
                raise ConfigError(f"labels must be {n} integers between 0 and {self.n_classes_ - 1}")
        elif labels is not None:
            raise ConfigError("labels= needs a conditional, acgan or infogan ImageGAN")
        return trainer.sample(n, y, seed=seed).numpy()

    def save_grid(self, path: str | os.PathLike, rows: int = 8, seed: int | None = 0, title: str | None = None) -> Path:
        """Write a PNG grid of samples: ``rows`` x 8, or one column per class (or InfoGAN code)."""
        from fingan.validation.plots import image_grid

        per_row = self.n_classes_ or 8
        return image_grid(self.sample(rows * per_row, seed=seed), path, nrow=per_row, title=title)

    def summary(self, dataset: str, images: Any, labels: Any | None = None,
                grid: str | os.PathLike | None = None, n_samples: int = 2000) -> tuple[str, dict[str, float]]:
        """(title, metrics) of the fitted model against its training ``images``; ``grid`` also writes a PNG of samples.

        Metrics in the feature space of the data set's classifier (trained once, cached):
        Frechet distance, precision / recall / density / coverage, and for conditional and
        AC-GAN models the class accuracy of the samples.
        """
        from fingan.validation.images import class_accuracy, feature_classifier, image_metrics

        self._require_fitted()
        cfg = self.config
        title = (f"{dataset}, {cfg.arch}, {cfg.variant}, {cfg.trainer.objective}"
                 f"{' + SN' if cfg.trainer.spectral_norm else ''}, {cfg.trainer.steps} steps")
        if grid is not None:
            self.save_grid(grid, title=title)
        net = feature_classifier(dataset, images, labels)
        samples = self.sample(n_samples, seed=cfg.trainer.seed)
        metrics = image_metrics(net, images, samples)
        if cfg.variant in ("conditional", "acgan"):
            metrics["class accuracy"] = class_accuracy(net, samples, torch.arange(n_samples) % self.n_classes_)
        return title, metrics

    def extra_state(self) -> dict[str, Any]:
        return {"shape": list(self.shape_), "n_classes": self.n_classes_}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        self.shape_ = tuple(int(v) for v in state["shape"])
        self.n_classes_ = int(state["n_classes"])
