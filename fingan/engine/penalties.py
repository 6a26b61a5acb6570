"""Penalties and regularisers that plug into the Trainer next to any objective."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


def gradient_penalty(
    critic: Callable[..., torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    cond: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    target: float = 1.0,
    batch_dims: int = 1,
) -> torch.Tensor:
    r"""WGAN-GP penalty (Gulrajani et al. 2017): :math:`E[(\lVert \nabla_{\hat x} D(\hat x) \rVert_2 - 1)^2]`.

    :math:`\hat x = \epsilon x + (1 - \epsilon) \tilde x` with one
    :math:`\epsilon \sim U[0, 1]` per sample, x real and :math:`\tilde x` generated.
    Returns the mean over the batch, without the weight lambda. With ``batch_dims=2`` the
    inputs are stacked batches of an ensemble, shape (members, batch, ...): one penalty
    per member, shape (members,). A sample's score depends only on its own member's
    input, so the gradient of the summed scores is still each sample's own gradient.
    """
    lead = real.shape[:batch_dims]
    eps = torch.rand(lead + (1,) * (real.dim() - batch_dims), device=real.device, dtype=real.dtype,
                     generator=generator)
    mixed = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    out = critic(mixed) if cond is None else critic(mixed, cond)
    out = out[0] if isinstance(out, tuple) else out  # a critic with an auxiliary head: its score
    (grad,) = torch.autograd.grad(out.sum(), mixed, create_graph=True)
    norm = grad.reshape(*lead, -1).norm(2, dim=-1)
    return ((norm - target) ** 2).mean(dim=-1)


def orthogonal_regularization(module: nn.Module) -> torch.Tensor:
    r"""Orthogonal regularisation (Brock et al. 2017): :math:`\sum_W \lVert W W^T - I \rVert_F^2`.

    W runs over the weight matrices of the linear and convolutional layers (a conv
    kernel is flattened to out_channels x rest); rows are kept near orthonormal.
    """
    terms = []
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d)):
            w = layer.weight.reshape(layer.weight.shape[0], -1)
            gram = w @ w.T
            eye = torch.eye(gram.shape[0], device=w.device, dtype=w.dtype)
            terms.append(((gram - eye) ** 2).sum())
    # summed on the weights' device: no scalar copied from the host every step
    return torch.stack(terms).sum() if terms else torch.zeros(())


class HistoricalAverage:
    r"""Historical averaging (Salimans et al. 2016): :math:`\lVert \theta - \frac1t \sum_{i<t} \theta_i \rVert^2`.

    Keeps the running mean of a module's parameters over past steps; :meth:`penalty`
    returns the squared distance of the current parameters to it, and :meth:`update`
    adds the current parameters to the mean (call it after each optimiser step).
    """

    def __init__(self, module: nn.Module) -> None:
        self.module = module
        self.count = 0
        self.mean = [p.detach().clone() for p in module.parameters()]

    def penalty(self) -> torch.Tensor:
        if self.count == 0:
            return torch.zeros((), device=self.mean[0].device)
        return sum(((p - m) ** 2).sum() for p, m in zip(self.module.parameters(), self.mean))

    @torch.no_grad()
    def update(self) -> None:
        self.count += 1
        for p, m in zip(self.module.parameters(), self.mean):
            m.add_((p.detach() - m) / self.count)

    def state_dict(self) -> dict:
        return {"count": self.count, "mean": [m.clone() for m in self.mean]}

    def load_state_dict(self, state: dict) -> None:
        self.count = int(state["count"])
        for m, saved in zip(self.mean, state["mean"]):
            m.copy_(saved)


def instance_noise_std(step: int, initial_std: float, anneal_steps: int) -> float:
    """Instance noise (Sonderby et al. 2017; Arjovsky and Bottou 2017), annealed linearly.

    Gaussian noise of this standard deviation is added to both real and generated
    samples before the critic sees them; it falls from ``initial_std`` to 0 over
    ``anneal_steps`` generator steps, so the two distributions overlap early on.
    """
    if initial_std <= 0 or anneal_steps <= 0:
        return 0.0
    return initial_std * max(0.0, 1.0 - step / anneal_steps)


def window_facts(x: torch.Tensor, max_lag: int, pooled: bool = False) -> torch.Tensor:
    r"""Stylized facts of a batch of return windows, differentiable: shape (assets, 4, max_lag).

    ``x`` is (batch, time, assets). For each window and asset: the autocorrelations of
    r, ``|r|`` and r² at lags 1..max_lag (the validation module's estimator, each window
    centred on its own mean) and the leverage correlations
    :math:`\mathrm{corr}(r_t, r_{t+k}^2)`; then the mean over windows. Rows in that
    order: ACF r, ACF ``|r|``, ACF r², leverage. The lagged sums come from one FFT per
    series, so the cost hardly grows with ``max_lag``. The leverage centres r and r² on
    the whole window, where :func:`fingan.validation.returns.leverage` centres each
    lag's overlap; for windows of a hundred days and more the two differ little.

    With ``pooled`` the windows are read as pieces of one long series instead: every
    series is centred on its mean over the whole batch, and each correlation is the
    batch's sum of lagged products over the batch's sum of squares. A window that is
    calm or stormy throughout then raises the autocorrelation of ``|r|`` at every lag,
    as months-long volatility regimes do in a long series, where each window's own
    centring removes its level and sees only the dependence within it.
    """
    t = x.shape[1]
    if not 1 <= max_lag <= t - 2:
        raise ValueError(f"max_lag must be between 1 and the window length - 2 = {t - 2}, got {max_lag}")
    series = torch.stack((x, x.abs(), x.square()), dim=0).transpose(-1, -2)  # (3, batch, assets, time)
    level = series.mean(dim=(1, 3), keepdim=True) if pooled else series.mean(dim=-1, keepdim=True)
    centred = series - level
    size = 1 << (2 * t - 1).bit_length()
    spectra = torch.fft.rfft(centred, n=size, dim=-1)
    power = centred.square().sum(dim=-1, keepdim=True)  # (3, batch, assets, 1)
    # sum_t a_t b_{t+k} = irfft(conj(A) B)[k] with zero padding past 2t - 1
    auto = torch.fft.irfft(spectra.conj() * spectra, n=size, dim=-1)[..., 1:max_lag + 1]
    cross = torch.fft.irfft(spectra[0].conj() * spectra[2], n=size, dim=-1)[..., 1:max_lag + 1]
    if pooled:  # the batch's sums, as if one window held the whole batch
        auto, power = auto.sum(dim=1, keepdim=True), power.sum(dim=1, keepdim=True)
        cross = cross.sum(dim=0, keepdim=True)
    acfs = auto / power.clamp_min(1e-12)
    lev = cross / (power[0] * power[2]).sqrt().clamp_min(1e-12)
    facts = torch.cat((acfs, lev.unsqueeze(0)), dim=0)  # (4, batch or 1 when pooled, assets, max_lag)
    return facts.mean(dim=1).transpose(0, 1)
