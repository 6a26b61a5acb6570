"""A variational autoencoder (Kingma and Welling 2014): the likelihood-based baseline of the image GANs."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fingan.data.images import as_training_images
from fingan.engine.device import resolve_device
from fingan.errors import ConfigError, DataError, as_count
from fingan.nets.conv import ConvCritic, ConvGenerator


class VAE:
    r"""Convolutional VAE with a Bernoulli decoder on pixel intensities.

    The encoder is the DCGAN critic's convolutional trunk followed by a linear map to the
    mean and log-variance of :math:`q(z | x)`; the decoder is the DCGAN generator with
    linear (logit) output. Trained by Adam on the negative ELBO
    :math:`-E_q[\log p(x | z)] + KL(q(z | x) \| N(0, I))` with the reparameterisation trick.
    ``sample`` returns the decoder's mean images :math:`2 \sigma(\text{logits}) - 1` in
    [-1, 1], which is why VAE samples look smooth (blurry) next to GAN samples.

    It is not a GAN, so it has its own few-line loop rather than the engine's Trainer.
    """

    name = "VAE"

    def __init__(self, latent_dim: int = 16, channels: int = 32, steps: int = 3000, batch_size: int = 128,
                 lr: float = 1e-3, seed: int = 0, device: str = "auto") -> None:
        if latent_dim < 1 or channels < 1 or steps < 0 or batch_size < 2 or not lr > 0:
            raise ConfigError("latent_dim, channels, batch_size and lr must be positive and steps >= 0")
        self.latent_dim, self.channels, self.steps = latent_dim, channels, steps
        self.batch_size, self.lr, self.seed = batch_size, lr, seed
        self.device = resolve_device(device)
        self.history_: list[float] = []
        self.decoder: nn.Module | None = None

    def _build(self, in_channels: int, size: int) -> None:
        stages = int(math.log2(size // 4))
        torch.manual_seed(self.seed)
        trunk = ConvCritic(size, self.channels, in_channels=in_channels, stages=stages).features
        with torch.no_grad():
            n_features = trunk(torch.zeros(1, in_channels, size, size)).shape[1]
        self.encoder = nn.Sequential(trunk, nn.Linear(n_features, 2 * self.latent_dim)).to(self.device)
        self.decoder = ConvGenerator(self.latent_dim, size, self.channels, out_channels=in_channels,
                                     stages=stages, output="linear").to(self.device)

    def neg_elbo(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Mean negative ELBO (nats per image) of images x in [-1, 1]."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device)
        logits = self.decoder(mu + eps * torch.exp(0.5 * logvar))
        recon = F.binary_cross_entropy_with_logits(logits, (x + 1) / 2, reduction="sum") / len(x)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum() / len(x)
        return recon + kl

    def fit(self, images: Any) -> VAE:
        """Train on images (n, channels, size, size) in [-1, 1]; returns self."""
        x = as_training_images(images)
        self.shape_ = tuple(x.shape[1:])
        self._build(x.shape[1], x.shape[-1])
        x = x.to(self.device)
        params = list(self.encoder.parameters()) + list(self.decoder.parameters())
        opt = torch.optim.Adam(params, lr=self.lr)
        rng = torch.Generator().manual_seed(self.seed)
        noise = torch.Generator(device=self.device).manual_seed(self.seed + 1)
        self.encoder.train()
        self.decoder.train()
        for step in range(self.steps):
            idx = torch.randint(len(x), (self.batch_size,), generator=rng).to(self.device)
            loss = self.neg_elbo(x[idx], noise)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if not torch.isfinite(loss):
                raise DataError(f"VAE loss became {loss.item()} at step {step}; lower lr")
            if step % 100 == 0 or step == self.steps - 1:
                self.history_.append(float(loss.detach()))
        self.encoder.eval()
        self.decoder.eval()
        return self

    @torch.no_grad()
    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """Decoder mean images of ``n`` prior draws, (n, channels, size, size) in [-1, 1]."""
        if self.decoder is None:
            raise ConfigError("this VAE is not fitted yet: call fit(images) first")
        n = as_count(n, "n")
        g = torch.Generator(device=self.device).manual_seed(0 if seed is None else seed)
        z = torch.randn((n, self.latent_dim), generator=g, device=self.device)
        return (torch.sigmoid(self.decoder(z)) * 2 - 1).cpu().numpy()

    def save_grid(self, path: str | os.PathLike, rows: int = 8, seed: int | None = 0, title: str | None = None) -> Path:
        """Write a PNG grid of ``rows`` x 8 samples."""
        from fingan.validation.plots import image_grid

        return image_grid(self.sample(rows * 8, seed=seed), path, title=title)
