"""Image metrics without Inception weights: a small classifier trained on the data set itself.

- Frechet distance between Gaussian fits of classifier features (the FID recipe of
  Heusel et al. 2017, in this classifier's feature space);
- precision, recall (Kynkaanniemi et al. 2019), density and coverage (Naeem et al. 2020)
  from k-nearest-neighbour balls of the features;
- for conditional models, the classifier's accuracy on images generated for each class.

The classifier is trained once per data set and size and cached on disk.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import torch
from scipy import linalg
from sklearn.neighbors import NearestNeighbors
from torch import nn

from fingan.engine.checkpoint import load_checkpoint, save_checkpoint
from fingan.errors import DataError


class FeatureNet(nn.Module):
    """A small CNN classifier; ``features`` is its 64-dimensional penultimate layer."""

    def __init__(self, size: int, in_channels: int = 1, n_classes: int = 10) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * (size // 4) ** 2, 64), nn.ReLU(),
        )
        self.out = nn.Linear(64, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(x))


def _cache_dir() -> Path:
    return Path(os.environ.get("FINGAN_CACHE", Path.home() / ".cache" / "fingan")) / "classifiers"


def train_classifier(images: torch.Tensor, labels: torch.Tensor, epochs: int = 15, seed: int = 0) -> FeatureNet:
    """Fit :class:`FeatureNet` with Adam on (images, labels); returns it in eval mode."""
    torch.manual_seed(seed)
    net = FeatureNet(images.shape[-1], images.shape[1], int(labels.max()) + 1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    order = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(images), generator=order).split(64):
            loss = nn.functional.cross_entropy(net(images[idx]), labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def feature_classifier(name: str, images: torch.Tensor, labels: torch.Tensor, cache: bool = True) -> FeatureNet:
    """The classifier of a data set, trained on first use and then loaded from the cache."""
    path = _cache_dir() / f"{name}-{images.shape[1]}x{images.shape[-1]}-{len(images)}.pt"
    if cache and path.is_file():
        state = load_checkpoint(path)
        net = FeatureNet(images.shape[-1], images.shape[1], state["n_classes"])
        net.load_state_dict(state["weights"])
        return net.eval()
    if cache:  # a one-time wait of a minute or so: say what it is
        print(f"fingan: training the {name} feature classifier for the image metrics once (cached in {path.parent})",
              file=sys.stderr, flush=True)
    net = train_classifier(images, labels)
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_checkpoint({"weights": net.state_dict(), "n_classes": net.out.out_features}, path)
    return net


@torch.no_grad()
def features(net: FeatureNet, images: torch.Tensor | np.ndarray, batch: int = 512) -> np.ndarray:
    """Penultimate-layer features (n, 64) of images (n, C, H, W) in [-1, 1]."""
    x = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    return torch.cat([net.features(chunk) for chunk in x.split(batch)]).numpy().astype(float)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    r"""Frechet distance of Gaussian fits: :math:`|\mu_a - \mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^{1/2})`."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise DataError("feature sets must be (n, d) arrays with the same d and n >= 2")
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # tr (S_a S_b)^{1/2} = tr (S_a^{1/2} S_b S_a^{1/2})^{1/2}: symmetric, so eigh is stable even when
    # the covariances are singular (features of dead ReLU units)
    values, vectors = linalg.eigh(s_a)
    half = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    trace_root = np.sqrt(np.clip(linalg.eigvalsh(half @ s_b @ half), 0, None)).sum()
    return float(max(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * trace_root, 0.0))


def prdc(real: np.ndarray, fake: np.ndarray, k: int = 5) -> dict[str, float]:
    """Precision, recall, density and coverage of fake features against real ones (k-NN balls).

    precision: share of fake points inside some real point's k-NN ball; recall: share of
    real points inside some fake point's k-NN ball; density: mean number of real balls
    holding a fake point, divided by k; coverage: share of real balls holding at least one
    fake point. Written with scikit-learn's neighbours (the reference code is a thin
    wrapper of the same distances).
    """
    real, fake = np.asarray(real, dtype=float), np.asarray(fake, dtype=float)
    if min(len(real), len(fake)) <= k:
        raise DataError(f"need more than k = {k} points in each set")
    r_real = NearestNeighbors(n_neighbors=k + 1).fit(real).kneighbors(real)[0][:, -1]
    r_fake = NearestNeighbors(n_neighbors=k + 1).fit(fake).kneighbors(fake)[0][:, -1]
    d = np.linalg.norm(real[:, None, :] - fake[None, :, :], axis=2)  # (n_real, n_fake)
    inside_real = d <= r_real[:, None]
    return {
        "precision": float(inside_real.any(axis=0).mean()),
        "recall": float((d <= r_fake[None, :]).any(axis=1).mean()),
        "density": float(inside_real.sum(axis=0).mean() / k),
        "coverage": float((d.min(axis=1) <= r_real).mean()),
    }


@torch.no_grad()
def class_accuracy(net: FeatureNet, images: torch.Tensor | np.ndarray, labels: torch.Tensor | np.ndarray) -> float:
    """Share of images the classifier assigns to the class they were generated for."""
    x = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    predicted = torch.cat([net(chunk).argmax(dim=1) for chunk in x.split(512)])
    return float((predicted == torch.as_tensor(np.asarray(labels))).float().mean())


def image_metrics(
    net: FeatureNet, real: torch.Tensor, fake: torch.Tensor | np.ndarray, k: int = 5, max_points: int = 2000
) -> dict[str, float]:
    """Frechet distance and precision / recall / density / coverage of fake images against real ones."""
    f_real, f_fake = features(net, real[:max_points]), features(net, np.asarray(fake)[:max_points])
    return {"frechet distance": frechet_distance(f_real, f_fake), **prdc(f_real, f_fake, k)}
