"""Progressive growing (Karras, Aila, Laine, Lehtinen 2018): the resolution schedule.

Training starts at 4x4 and doubles the resolution level by level. Each new level is
first faded in (its weight ``alpha`` rises linearly from 0 to 1 over one phase), then
trained at full weight for another phase; earlier layers stay trainable throughout.
The nets (:class:`fingan.nets.ProgressiveGenerator`, :class:`fingan.nets.ProgressiveCritic`)
always take and give full-size images, so shapes never change: the generator upsamples
its current output by repetition and the critic average-pools its input back, which
undoes that exactly. Real images are blended the same way during a fade-in
(:func:`fade_real`), so the critic sees real and generated images at the same detail.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def growth_state(step: int, phase_steps: int, levels: int) -> tuple[int, float]:
    """(level, alpha) at a training step.

    Phase 0 trains level 0 (4x4); phase ``2l - 1`` fades level ``l`` in and phase ``2l``
    stabilises it; after the last level's phases training stays at the top level.

    Examples
    --------
    >>> growth_state(0, 100, 3), growth_state(149, 100, 3), growth_state(250, 100, 3)
    ((0, 1.0), (1, 0.5), (1, 1.0))
    """
    phase = step // phase_steps
    if phase >= 2 * (levels - 1):
        return levels - 1, 1.0
    level = (phase + 1) // 2
    if phase % 2 == 0:
        return level, 1.0
    return level, (step - phase * phase_steps + 1) / phase_steps


def fade_real(x: torch.Tensor, level: int, alpha: float, levels: int) -> torch.Tensor:
    """Real images (batch, channels, size, size) as the critic should see them at ``level``.

    They are average-pooled to the level's resolution; during a fade-in (``alpha < 1``)
    blended with their half-resolution version, ``alpha x + (1 - alpha) up(down(x))``;
    then repeated back to full size.
    """
    factor = 2 ** (levels - 1 - level)
    low = F.avg_pool2d(x, factor) if factor > 1 else x
    if alpha < 1:
        low = alpha * low + (1 - alpha) * F.interpolate(F.avg_pool2d(low, 2), scale_factor=2, mode="nearest")
    return F.interpolate(low, scale_factor=factor, mode="nearest") if factor > 1 else low
