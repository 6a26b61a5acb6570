"""Extra layers and weight re-parametrisations shared by the nets."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from fingan.errors import ConfigError


class MinibatchDiscrimination(nn.Module):
    r"""Minibatch discrimination (Salimans et al. 2016, "Improved techniques for training GANs").

    Each sample's features ``x_i`` (dimension A) are projected by a learned tensor
    ``T`` (A x B x C) to ``M_i`` (B x C). For every kernel b the closeness to the rest of
    the batch is :math:`o(x_i)_b = \sum_{j \ne i} \exp(-\lVert M_{i,b} - M_{j,b} \rVert_1)`,
    and the layer returns ``[x_i, o(x_i)]``. A generator that collapses to one mode gives
    batches whose ``o`` is visibly large, which the critic can penalise.

    Parameters
    ----------
    in_features : int
        A, the width of the incoming features.
    n_kernels : int
        B, the number of closeness features appended.
    kernel_dim : int
        C, the dimension of each projection.
    """

    def __init__(self, in_features: int, n_kernels: int = 16, kernel_dim: int = 8) -> None:
        super().__init__()
        self.n_kernels = n_kernels
        self.kernel_dim = kernel_dim
        self.projection = nn.Parameter(torch.randn(in_features, n_kernels * kernel_dim) * 0.1)

    @property
    def out_features(self) -> int:
        return self.projection.shape[0] + self.n_kernels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = (x @ self.projection).view(-1, self.n_kernels, self.kernel_dim).transpose(0, 1)  # (B, n, C)
        l1 = torch.cdist(m, m, p=1.0)  # (B, n, n), without materialising the (n, n, B, C) differences
        closeness = (torch.exp(-l1).sum(dim=2) - 1.0).T  # drop each sample's match with itself
        return torch.cat([x, closeness], dim=1)


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Spectrally normalise every linear and convolutional layer of ``module`` in place.

    SN-GAN (Miyato et al. 2018): each weight W is divided by its largest singular value,
    estimated by one power iteration per forward pass, so every layer is 1-Lipschitz.
    Uses :func:`torch.nn.utils.parametrizations.spectral_norm`.
    """
    for child in list(module.modules()):
        if isinstance(child, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d)):
            if not torch.nn.utils.parametrize.is_parametrized(child, "weight"):
                spectral_norm(child)
    return module


class LabelledNoise(nn.Module):
    """Noise (batch, latent_dim) with a learned embedding of integer labels appended (conditional generators).

    Without classes it passes the noise through; ``out_features`` is the width that follows.
    """

    def __init__(self, latent_dim: int, n_classes: int = 0, embed_dim: int = 8) -> None:
        super().__init__()
        self.embed = nn.Embedding(n_classes, embed_dim) if n_classes > 0 else None
        self.out_features = latent_dim + (embed_dim if n_classes > 0 else 0)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is None:
            return z
        if y is None:
            raise ConfigError("this generator is conditional: call it with labels")
        return torch.cat([z, self.embed(y)], dim=1)
