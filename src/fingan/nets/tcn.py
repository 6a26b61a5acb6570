"""Temporal convolutional networks (TCN) of the Quant GAN paper.

Wiese, Knobloch, Korn, Kretschmer (2020), "Quant GANs: deep generation of financial time
series", section 4: a stack of temporal blocks, each two dilated causal convolutions with
PReLU activations; every block's output is also a skip connection, and the skips are
summed and mixed by a 1x1 convolution. All convolutions here are *valid* (unpadded): an
input of length L gives L - (receptive_field - 1) outputs, and no output ever sees
padding. Sequences are laid out (batch, time, channels), like the return windows.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from fingan.errors import ConfigError, DataError


def receptive_field(kernel_size: int, dilations: Sequence[int]) -> int:
    """Receptive field of a first kernel-1 block followed by blocks of two convolutions.

    Each block with dilation d and kernel k sees ``2 * d * (k - 1)`` more steps:
    ``1 + 2 (k - 1) sum(d)``; 127 for k = 2 and d = 1, 2, ..., 32.
    """
    return 1 + 2 * (kernel_size - 1) * sum(dilations)


class TemporalBlock(nn.Module):
    """Two valid dilated causal convolutions with PReLU, a residual path and a skip output.

    Returns ``(residual_out, skip)``: ``skip`` is the block's convolution output, and
    ``residual_out = skip + x`` (x cut to the shorter length, and mapped by a 1x1
    convolution when the channel counts differ).
    """

    def __init__(self, in_channels: int, hidden: int, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.shrink = 2 * dilation * (kernel_size - 1)
        self.net = nn.Sequential(
            nn.Conv1d(in_channels, hidden, kernel_size, dilation=dilation),
            nn.PReLU(hidden),
            nn.Conv1d(hidden, hidden, kernel_size, dilation=dilation),
            nn.PReLU(hidden),
        )
        self.residual = nn.Conv1d(in_channels, hidden, 1) if in_channels != hidden else nn.Identity()

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        skip = self.net(x)
        return skip + self.residual(x[..., self.shrink:]), skip


class TCN(nn.Module):
    """A Quant GAN temporal convolutional network, (batch, L, in) -> (batch, L - RF + 1, out).

    Parameters
    ----------
    in_channels, out_channels : int
        Channels per time step of input and output (noise dimension and number of
        assets for the generator; assets and 1 for the critic).
    hidden : int
        Width of every block (80 in the paper).
    dilations : sequence of int
        Dilations of the kernel-``kernel_size`` blocks after the first kernel-1 block
        (1, 2, 4, 8, 16, 32 in the paper, receptive field 127).
    kernel_size : int
    n_classes : int
        When > 0 the net is conditional: ``forward(x, y)`` with integer labels ``y``
        appends a learned embedding of ``embed_dim`` channels to every time step.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        hidden: int = 80,
        dilations: Sequence[int] = (1, 2, 4, 8, 16, 32),
        kernel_size: int = 2,
        n_classes: int = 0,
        embed_dim: int = 4,
    ) -> None:
        super().__init__()
        self.n_classes = n_classes
        self.embed = nn.Embedding(n_classes, embed_dim) if n_classes > 0 else None
        first_in = in_channels + (embed_dim if n_classes > 0 else 0)
        self.blocks = nn.ModuleList([TemporalBlock(first_in, hidden, 1, 1)])
        self.blocks.extend(TemporalBlock(hidden, hidden, kernel_size, d) for d in dilations)
        self.head = nn.Conv1d(hidden, out_channels, 1)
        self.receptive_field = receptive_field(kernel_size, dilations)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = x.transpose(1, 2)  # (batch, channels, time) for Conv1d
        if self.embed is not None:
            if y is None:
                raise ConfigError("this TCN is conditional: call it with labels")
            h = torch.cat([h, self.embed(y)[:, :, None].expand(-1, -1, h.shape[-1])], dim=1)
        if h.shape[-1] < self.receptive_field:
            raise DataError(f"sequence of length {h.shape[-1]} is shorter than the receptive field "
                             f"{self.receptive_field}")
        out_len = h.shape[-1] - self.receptive_field + 1
        total = 0
        for block in self.blocks:  # a running sum keeps one skip output alive at a time, not all of them
            h, skip = block(h)
            total = total + skip[..., skip.shape[-1] - out_len:]
        return self.head(total).transpose(1, 2)


class TCNCritic(nn.Module):
    """A TCN critic: per-step scores of a window, pooled into one score per window.

    With valid convolutions a window of length L has L - RF + 1 scored positions, each
    looking at RF consecutive returns.
    """

    def __init__(self, in_channels: int, **tcn_options) -> None:
        super().__init__()
        self.tcn = TCN(in_channels, 1, **tcn_options)
        self.receptive_field = self.tcn.receptive_field

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        scores = self.tcn(x, y)
        # sum / sqrt(positions): the score's gradient norm (and scale) stays O(1) whatever the
        # window length, as the gradient penalty expects; a plain mean shrinks it by 1/positions
        return scores.sum(dim=(1, 2)) / scores[0].numel() ** 0.5
