"""DCGAN-style convolutional nets (Radford et al. 2016) for images and N x N matrices.

The generator projects the noise to a small ``base x base`` map and doubles it ``stages``
times with transposed convolutions (batch norm and ReLU in between, none at the output);
the critic halves the input ``stages`` times with strided convolutions and leaky ReLU
(batch norm optional and never on the input layer; leave it off with a gradient penalty,
which needs per-sample gradients). Conditional nets take integer labels: the generator
appends a learned embedding to the noise; the critic is a projection discriminator
(Miyato and Koyama 2018): a label embedding times the features.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from fingan.errors import ConfigError
from fingan.nets.layers import LabelledNoise

_OUTPUTS = {"linear": nn.Identity, "tanh": nn.Tanh}


class ConvGenerator(nn.Module):
    """Noise (batch, latent_dim) -> (batch, out_channels, size, size).

    The net works on a side ``base * 2**stages`` with ``base = ceil(size / 2**stages)``
    and crops to ``size``. Widths halve from ``channels * 2**(stages - 1)`` at the base.
    """

    def __init__(
        self,
        latent_dim: int,
        size: int,
        channels: int = 64,
        n_classes: int = 0,
        embed_dim: int = 8,
        out_channels: int = 1,
        stages: int = 2,
        output: str = "linear",
    ) -> None:
        super().__init__()
        if size < 2 or stages < 1:
            raise ConfigError(f"size must be >= 2 and stages >= 1, got size={size}, stages={stages}")
        if output not in _OUTPUTS:
            raise ConfigError(f"output must be one of {sorted(_OUTPUTS)}, not {output!r}")
        self.size = size
        self.base = math.ceil(size / 2**stages)
        self.width = channels * 2 ** (stages - 1)
        self.noise = LabelledNoise(latent_dim, n_classes, embed_dim)
        self.project = nn.Sequential(
            nn.Linear(self.noise.out_features, self.width * self.base**2),
            nn.BatchNorm1d(self.width * self.base**2),
            nn.ReLU(),
        )
        layers: list[nn.Module] = []
        width = self.width
        for _ in range(stages - 1):
            layers += [nn.ConvTranspose2d(width, width // 2, 4, stride=2, padding=1), nn.BatchNorm2d(width // 2),
                       nn.ReLU()]
            width //= 2
        layers += [nn.ConvTranspose2d(width, out_channels, 4, stride=2, padding=1), _OUTPUTS[output]()]
        self.up = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.project(self.noise(z, y)).view(-1, self.width, self.base, self.base)
        return self.up(h)[:, :, : self.size, : self.size]


class ConvCritic(nn.Module):
    """(batch, in_channels, size, size) -> one score per sample, by ``stages`` stride-2 convolutions.

    ``n_classes`` and ``n_aux`` go to the :class:`CriticHead` (projection, auxiliary logits).
    """

    def __init__(
        self,
        size: int,
        channels: int = 64,
        n_classes: int = 0,
        in_channels: int = 1,
        stages: int = 2,
        batch_norm: bool = False,
        n_aux: int = 0,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width_in, width = in_channels, channels
        for stage in range(stages):
            layers.append(nn.Conv2d(width_in, width, 4, stride=2, padding=1))
            if batch_norm and stage > 0:
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.LeakyReLU(0.2))
            width_in, width = width, width * 2
        layers.append(nn.Flatten())
        self.features = nn.Sequential(*layers)
        with torch.no_grad():
            n_features = self.features.eval()(torch.zeros(1, in_channels, size, size)).shape[1]
        self.features.train()
        self.head = CriticHead(n_features, n_classes, n_aux)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        return self.head(self.features(x), y)


class CriticHead(nn.Module):
    """Features (batch, n_features) -> a score per sample, with optional label projection and auxiliary logits.

    Projection discriminator (Miyato and Koyama 2018): with ``n_classes > 0`` the label
    enters through an inner product of its embedding with the features, so the critic can
    judge whether input and label match. With ``n_aux > 0`` it returns ``(score, logits)``
    of an auxiliary classifier on the same features (AC-GAN classes, InfoGAN codes).
    """

    def __init__(self, n_features: int, n_classes: int = 0, n_aux: int = 0) -> None:
        super().__init__()
        self.embed = nn.Embedding(n_classes, n_features) if n_classes > 0 else None
        self.linear = nn.Linear(n_features, 1)
        self.aux = nn.Linear(n_features, n_aux) if n_aux > 0 else None

    def forward(self, h: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        out = self.linear(h).reshape(-1)
        if self.embed is not None:
            if y is None:
                raise ConfigError("this critic is conditional: call it with labels")
            out = out + (self.embed(y) * h).sum(dim=1)
        return out if self.aux is None else (out, self.aux(h))


class CorrelationGenerator(nn.Module):
    """Wraps a matrix generator so that every output is symmetric with unit diagonal.

    ``C = tanh((X + X^T) / 2)`` off the diagonal and 1 on it: entries lie in (-1, 1) by
    construction; positive semi-definiteness is left to the post-processing
    (:func:`fingan.data.nearest_correlation`).
    """

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        x = self.net(z) if y is None else self.net(z, y)
        sym = torch.tanh((x + x.transpose(-1, -2)) / 2)
        eye = torch.eye(sym.shape[-1], device=sym.device, dtype=torch.bool)
        return torch.where(eye, torch.ones_like(sym), sym)
