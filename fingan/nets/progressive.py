"""Progressively grown convolutional nets (Karras, Aila, Laine, Lehtinen 2018).

Both nets hold every resolution level from the start; ``set_growth(level, alpha)``
(called by the Trainer, :mod:`fingan.engine.progressive`) chooses how much of them is in
use. Level ``l`` works at ``4 * 2**l`` pixels. As in the paper: nearest-neighbour
upsampling and 3x3 convolutions with leaky ReLU 0.2, pixelwise feature normalisation in
the generator, 1x1 convolutions to and from image channels at every level, average
pooling and a minibatch standard-deviation feature in the critic. Not used: equalised
learning rate (Adam's per-weight scaling already evens the step sizes).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from fingan.errors import ConfigError
from fingan.nets.conv import CriticHead
from fingan.nets.layers import LabelledNoise


class PixelNorm(nn.Module):
    """Scales each pixel's feature vector to unit root mean square (Karras et al. 2018, 4.2)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)


class MinibatchStd(nn.Module):
    """Appends one channel: the feature standard deviation over the batch, averaged (Karras et al. 2018, 3)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        std = x.float().var(dim=0, unbiased=False).add(1e-8).sqrt().mean().to(x.dtype)
        return torch.cat([x, std.expand(x.shape[0], 1, *x.shape[2:])], dim=1)


def progressive_levels(size: int) -> int:
    """Number of levels from 4x4 up to ``size`` (16 -> 3: 4, 8, 16)."""
    levels = int(math.log2(size // 4)) + 1 if size >= 4 else 0
    if size < 4 or 4 * 2 ** (levels - 1) != size:
        raise ConfigError(f"progressive nets need a side of 4 times a power of 2 (4, 8, 16, 32, ...), got {size}")
    return levels


def _conv(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.LeakyReLU(0.2)]


class _Growing(nn.Module):
    """Level bookkeeping shared by the two nets."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self.levels = progressive_levels(size)
        self.level = self.levels - 1
        self.alpha = 1.0

    def set_growth(self, level: int, alpha: float) -> None:
        if not 0 <= level < self.levels or not 0 <= alpha <= 1:
            raise ConfigError(f"level must be in 0..{self.levels - 1} and alpha in [0, 1], got {level}, {alpha}")
        self.level, self.alpha = int(level), float(alpha)

    @property
    def fading(self) -> bool:
        return self.level > 0 and self.alpha < 1


class ProgressiveGenerator(_Growing):
    """Noise (batch, latent_dim) -> images (batch, out_channels, size, size) in (-1, 1)."""

    def __init__(
        self,
        latent_dim: int,
        size: int,
        channels: int = 64,
        n_classes: int = 0,
        embed_dim: int = 8,
        out_channels: int = 1,
    ) -> None:
        super().__init__(size)
        self.channels = channels
        self.noise = LabelledNoise(latent_dim, n_classes, embed_dim)
        self.start = nn.Sequential(PixelNorm(), nn.Linear(self.noise.out_features, channels * 16), nn.LeakyReLU(0.2))
        self.base = nn.Sequential(PixelNorm(), *_conv(channels, channels), PixelNorm())
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), *_conv(channels, channels), PixelNorm(),
                          *_conv(channels, channels), PixelNorm())
            for _ in range(self.levels - 1)
        )
        self.to_image = nn.ModuleList(nn.Conv2d(channels, out_channels, 1) for _ in range(self.levels))

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.base(self.start(self.noise(z, y)).view(-1, self.channels, 4, 4))
        for block in self.blocks[: max(self.level - 1, 0)]:
            h = block(h)
        if self.level == 0:
            out = self.to_image[0](h)
        else:
            new = self.to_image[self.level](self.blocks[self.level - 1](h))
            if self.fading:
                old = F.interpolate(self.to_image[self.level - 1](h), scale_factor=2, mode="nearest")
                new = self.alpha * new + (1 - self.alpha) * old
            out = new
        factor = 2 ** (self.levels - 1 - self.level)
        out = torch.tanh(out)
        return F.interpolate(out, scale_factor=factor, mode="nearest") if factor > 1 else out


class ProgressiveCritic(_Growing):
    """Images (batch, in_channels, size, size) -> one score per sample (and auxiliary logits).

    ``n_classes`` makes it a projection critic, ``n_aux`` adds an auxiliary classifier, as
    in :class:`~fingan.nets.conv.ConvCritic`.
    """

    def __init__(self, size: int, channels: int = 64, n_classes: int = 0, in_channels: int = 1, n_aux: int = 0) -> None:
        super().__init__(size)
        self.from_image = nn.ModuleList(
            nn.Sequential(nn.Conv2d(in_channels, channels, 1), nn.LeakyReLU(0.2)) for _ in range(self.levels)
        )
        # blocks[l - 1] takes level l's resolution down to level l - 1's
        self.blocks = nn.ModuleList(
            nn.Sequential(*_conv(channels, channels), *_conv(channels, channels), nn.AvgPool2d(2))
            for _ in range(self.levels - 1)
        )
        self.final = nn.Sequential(MinibatchStd(), *_conv(channels + 1, channels), nn.Flatten())
        self.head = CriticHead(channels * 16, n_classes, n_aux)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        factor = 2 ** (self.levels - 1 - self.level)
        x = F.avg_pool2d(x, factor) if factor > 1 else x
        h = self.from_image[self.level](x)
        if self.level > 0:
            h = self.blocks[self.level - 1](h)
            if self.fading:
                h = self.alpha * h + (1 - self.alpha) * self.from_image[self.level - 1](F.avg_pool2d(x, 2))
        for level in range(self.level - 1, 0, -1):
            h = self.blocks[level - 1](h)
        return self.head(self.final(h), y)
