"""DCGAN-style convolutional nets (Radford et al. 2016) for N x N matrices.

The generator upsamples a noise vector by transposed convolutions with batch norm and
ReLU; the critic downsamples by strided convolutions with leaky ReLU (no batch norm, so
the per-sample gradient penalty stays valid). Conditional nets take integer labels: the
generator appends a learned embedding to the noise; the critic is a projection
discriminator (a label embedding times the features).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from fingan.errors import ConfigError


class ConvGenerator(nn.Module):
    """Noise (batch, latent_dim) -> (batch, 1, size, size) by two x2 transposed-convolution stages.

    The net works on a side ``4 * ceil(size / 4)`` and crops to ``size``.
    """

    def __init__(self, latent_dim: int, size: int, channels: int = 64, n_classes: int = 0, embed_dim: int = 8) -> None:
        super().__init__()
        if size < 2:
            raise ConfigError(f"matrix size must be >= 2, got {size}")
        self.size = size
        self.base = math.ceil(size / 4)
        self.channels = channels
        self.embed = nn.Embedding(n_classes, embed_dim) if n_classes > 0 else None
        self.project = nn.Sequential(
            nn.Linear(latent_dim + (embed_dim if n_classes > 0 else 0), 2 * channels * self.base**2),
            nn.BatchNorm1d(2 * channels * self.base**2),
            nn.ReLU(),
        )
        self.up = nn.Sequential(
            nn.ConvTranspose2d(2 * channels, channels, 4, stride=2, padding=1),
            nn.BatchNorm2d(channels),
            nn.ReLU(),
            nn.ConvTranspose2d(channels, 1, 4, stride=2, padding=1),
        )

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            if y is None:
                raise ConfigError("this generator is conditional: call it with labels")
            z = torch.cat([z, self.embed(y)], dim=1)
        h = self.project(z).view(-1, 2 * self.channels, self.base, self.base)
        return self.up(h)[:, :, : self.size, : self.size]


class ConvCritic(nn.Module):
    """(batch, 1, size, size) -> one score per sample, by two stride-2 convolutions and a linear head."""

    def __init__(self, size: int, channels: int = 64, n_classes: int = 0) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, channels, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(channels, 2 * channels, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
        )
        with torch.no_grad():
            n_features = self.features(torch.zeros(1, 1, size, size)).shape[1]
        # projection discriminator (Miyato and Koyama 2018): the label enters through an inner
        # product with the features, so the critic can judge whether image and label match
        self.embed = nn.Embedding(n_classes, n_features) if n_classes > 0 else None
        self.head = nn.Linear(n_features, 1)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.features(x)
        out = self.head(h).reshape(-1)
        if self.embed is not None:
            if y is None:
                raise ConfigError("this critic is conditional: call it with labels")
            out = out + (self.embed(y) * h).sum(dim=1)
        return out


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
