"""Multi-layer perceptrons for toy generators and critics."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from fingan.nets.layers import MinibatchDiscrimination

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": nn.ELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}


class MLP(nn.Module):
    """A fully connected network ``in_dim -> hidden... -> out_dim``.

    Used both as generator (noise to samples) and as critic (samples to one score).

    Parameters
    ----------
    in_dim, out_dim : int
        Input and output widths.
    hidden : sequence of int
        Widths of the hidden layers.
    activation : str
        One of ``relu``, ``leaky_relu`` (slope 0.2), ``elu``, ``tanh``, ``sigmoid``.
    n_classes : int
        When positive the network is conditional: ``forward(x, y)`` appends a one-hot
        encoding of the integer labels ``y`` to the input.
    minibatch_kernels : int
        When positive, a :class:`MinibatchDiscrimination` layer with this many kernels sits
        before the output layer (for critics).
    pack : int
        PacGAN packing (Lin et al. 2018): the network scores groups of ``pack``
        consecutive samples jointly, so its input width is ``pack * in_dim`` and it returns
        one score per group. 1 means no packing.
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        hidden: Sequence[int] = (128, 128),
        activation: str = "relu",
        n_classes: int = 0,
        minibatch_kernels: int = 0,
        pack: int = 1,
    ) -> None:
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(_ACTIVATIONS)}")
        self.in_dim = in_dim
        self.n_classes = n_classes
        self.pack = pack
        layers: list[nn.Module] = []
        width = (in_dim + n_classes) * pack
        for h in hidden:
            layers += [nn.Linear(width, h), _ACTIVATIONS[activation]()]
            width = h
        if minibatch_kernels > 0:
            mbd = MinibatchDiscrimination(width, n_kernels=minibatch_kernels)
            layers.append(mbd)
            width = mbd.out_features
        layers.append(nn.Linear(width, out_dim))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        x = x.reshape(x.shape[0], -1)
        if self.n_classes:
            if y is None:
                raise ValueError("this network is conditional: pass the labels y")
            x = torch.cat([x, nn.functional.one_hot(y.long(), self.n_classes).to(x.dtype)], dim=1)
        if self.pack > 1:
            x = x.reshape(x.shape[0] // self.pack, -1)
        return self.body(x)


class GaussianGenerator(nn.Module):
    """The generator ``G(z) = mu + sigma * z`` of a Gaussian with learnable location.

    With ``learn_scale`` the (diagonal) scale is learned on the log scale; otherwise it
    stays 1, as in the robust location estimator of Gao et al. (2019).
    """

    def __init__(self, dim: int, learn_scale: bool = True, loc: torch.Tensor | None = None) -> None:
        super().__init__()
        self.loc = nn.Parameter(torch.zeros(dim) if loc is None else loc.clone().float())
        self.log_scale = nn.Parameter(torch.zeros(dim), requires_grad=learn_scale)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.loc + torch.exp(self.log_scale) * z
