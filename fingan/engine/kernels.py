"""Kernel two-sample statistics shared by the MMD objective and the toy metrics."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def median_bandwidth(*samples: torch.Tensor) -> torch.Tensor:
    """Median heuristic: the median pairwise Euclidean distance in the pooled samples."""
    pooled = torch.cat([s.reshape(s.shape[0], -1) for s in samples])
    pooled = pooled.detach().float()
    sq = (pooled * pooled).sum(dim=1)
    d2 = (sq[:, None] + sq[None, :] - 2 * pooled @ pooled.T).clamp_min(0)
    i, j = torch.triu_indices(len(pooled), len(pooled), offset=1)
    return d2[i, j].sqrt().median().clamp_min(1e-8)


def rbf_mmd2(
    x: torch.Tensor,
    y: torch.Tensor,
    bandwidths: Sequence[float] | torch.Tensor,
    unbiased: bool = True,
) -> torch.Tensor:
    r"""Squared maximum mean discrepancy with a sum of RBF kernels.

    :math:`k(a, b) = \sum_s \exp(-\lVert a - b \rVert^2 / (2 s^2))` over the bandwidths s,
    and :math:`\mathrm{MMD}^2 = E k(x, x') + E k(y, y') - 2 E k(x, y)` (Gretton et al. 2012).
    The unbiased estimator leaves out the diagonal terms of the within-sample sums.

    Parameters
    ----------
    x, y : Tensor
        Samples of shape (n, ...) and (m, ...); trailing dimensions are flattened.
    bandwidths : sequence of float or Tensor
        Kernel widths s.
    unbiased : bool
        Use the U-statistic (can be slightly negative) instead of the V-statistic.
    """
    x = x.reshape(x.shape[0], -1)
    y = y.reshape(y.shape[0], -1)
    s = torch.as_tensor(bandwidths, dtype=x.dtype, device=x.device).reshape(-1, 1, 1)
    z = torch.cat([x, y])
    sq = (z * z).sum(dim=1)
    d2 = (sq[:, None] + sq[None, :] - 2 * z @ z.T).clamp_min(0)
    k = torch.exp(-d2.unsqueeze(0) / (2 * s**2)).sum(dim=0)
    n, m = x.shape[0], y.shape[0]
    kxx, kyy, kxy = k[:n, :n], k[n:, n:], k[:n, n:]
    if unbiased:
        sxx = (kxx.sum() - kxx.diagonal().sum()) / (n * (n - 1))
        syy = (kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
    else:
        sxx, syy = kxx.mean(), kyy.mean()
    return sxx + syy - 2 * kxy.mean()
