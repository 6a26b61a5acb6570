"""Temporal convolutional networks (TCN) of the Quant GAN paper.

Wiese, Knobloch, Korn, Kretschmer (2020), "Quant GANs: deep generation of financial time
series", section 4: a stack of temporal blocks, each two dilated causal convolutions with
PReLU activations; every block's output is also a skip connection, and the skips are
summed and mixed by a 1x1 convolution. All convolutions here are *valid* (unpadded): an
input of length L gives L - (receptive_field - 1) outputs, and no output ever sees
padding. Sequences are laid out (batch, time, channels), like the return windows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from fingan.errors import ConfigError, DataError, as_count


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
        h = self._embed(x, y)  # (batch, channels, time) for Conv1d
        if h.shape[-1] < self.receptive_field:
            raise DataError(f"sequence of length {h.shape[-1]} is shorter than the receptive field "
                             f"{self.receptive_field}")
        out_len = h.shape[-1] - self.receptive_field + 1
        total = 0
        for block in self.blocks:  # a running sum keeps one skip output alive at a time, not all of them
            h, skip = block(h)
            total = total + skip[..., skip.shape[-1] - out_len:]
        return self.head(total).transpose(1, 2)

    def _embed(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        """(batch, time, in) -> (batch, channels, time), with the label embedding appended."""
        h = x.transpose(1, 2)
        if self.embed is None:
            return h
        if y is None:
            raise ConfigError("this TCN is conditional: call it with labels")
        return torch.cat([h, self.embed(y)[:, :, None].expand(-1, -1, h.shape[-1])], dim=1)

    def forward_continued(
        self, past: torch.Tensor, new: torch.Tensor, index: torch.Tensor,
        y_past: torch.Tensor | None = None, y_new: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``forward(cat([past[index], new], dim=1))`` without recomputing the shared past.

        ``past`` (U, receptive_field, in) holds histories that many continuations share,
        ``new`` (B, L, in) the continuations and ``index`` (B,) the history of each. Every
        layer runs once over each history and, per continuation, only over its new steps
        plus the few history positions that layer's kernel reaches back to. Returns
        (B, L + 1, out): the output on the history's last step, then one per new step.
        """
        if past.shape[1] != self.receptive_field:
            raise DataError(f"past must be {self.receptive_field} steps long, got {past.shape[1]}")
        h_past, h_new = self._embed(past, y_past), self._embed(new, y_new)
        steps = h_new.shape[-1]  # 0 for one-day continuations: only the history's last output is needed
        total_past = total_new = 0
        for block in self.blocks:
            if steps:
                tail = h_past[..., h_past.shape[-1] - block.shrink:][index]  # what the kernel reaches back to
                h_new, skip_new = block(torch.cat([tail, h_new], dim=-1))
                total_new = total_new + skip_new
            h_past, skip_past = block(h_past)
            total_past = total_past + skip_past[..., -1:]
        out = total_past[index]
        return self.head(torch.cat([out, total_new], dim=-1) if steps else out).transpose(1, 2)


def causal_ewma(x: torch.Tensor, decay: torch.Tensor) -> torch.Tensor:
    r"""Exponentially weighted averages of the strictly past values, by FFT convolution.

    ``x`` (batch, L, C) and ``decay`` (C, J) give (batch, L, C, J) with
    :math:`h_{t} = \sum_{k=1}^{t} (1 - \lambda) \lambda^{k-1} x_{t-k}` (and :math:`h_0 = 0`):
    the recursion :math:`h_t = \lambda h_{t-1} + (1 - \lambda) x_{t-1}` in one pass, so
    gradients reach every decay without a Python loop over time.
    """
    length = x.shape[1]
    lags = torch.arange(length, device=x.device, dtype=x.dtype)  # kernel[k] weights x_{t-1-k}
    kernel = (1 - decay)[..., None] * decay[..., None] ** lags  # (C, J, L)
    n = 2 * length
    signal = torch.fft.rfft(x.transpose(1, 2), n=n)[:, :, None, :]  # (batch, C, 1, F)
    out = torch.fft.irfft(signal * torch.fft.rfft(kernel, n=n), n=n)[..., :length]
    out = torch.cat([torch.zeros_like(out[..., :1]), out[..., :-1]], dim=-1)  # shift: only strictly past values
    return out.permute(0, 3, 1, 2)


def check_half_lives(memory: Sequence[float]) -> tuple[float, ...]:
    """Memory half-lives as floats; each must be a positive number of days."""
    values = tuple(float(h) for h in memory)
    if any(not h > 0 for h in values):
        raise ConfigError(f"memory half-lives must be positive days, got {list(values)}")
    return values


def memory_warmup(memory: Sequence[float]) -> int:
    """Noise steps the SVNN's memory averages run over before the first output: 4 x the longest half-life."""
    return int(math.ceil(4 * max(memory))) if memory else 0


def check_one_drift_bound(max_drift: float | None, drift_clip: float | None) -> None:
    """A ConfigError when both of the SVNN's drift bounds are given: they are two forms of one bound."""
    if max_drift is not None and drift_clip is not None:
        raise ConfigError("max_drift and drift_clip are two forms of one bound on the drift; give one of them")


class SVNN(nn.Module):
    r"""Stochastic-volatility neural network: a TCN volatility and drift times i.i.d. innovations.

    The constrained generator of Wiese et al. (2020), section 5.2:
    :math:`r_t = \sigma_t \epsilon_t + \mu_t`, where the volatility :math:`\sigma_t > 0` and
    the drift :math:`\mu_t` are outputs of a TCN over the *past* noise
    :math:`Z_{t-RF}, \dots, Z_{t-1}` and the innovation :math:`\epsilon_t = g(Z_t)` is a
    small per-step network of the *current* noise, so :math:`\epsilon_t` is independent of
    :math:`(\sigma_t, \mu_t)` and the conditional law of :math:`r_t` given the past is a
    location-scale family.

    With ``memory`` half-lives the log-volatility also carries long-memory terms, in the
    manner of EGARCH (Nelson 1991) and its long-memory form (Bollerslev and Mikkelsen
    1996): for each half-life j, exponentially weighted averages of the past innovations'
    sizes :math:`|\epsilon_{t-k}|` and signs :math:`\epsilon_{t-k}`,

    .. math:: \log\sigma_t = s_t + \sum_j a_j \bar{|\epsilon|}_{j,t} + c_j \bar\epsilon_{j,t},

    with :math:`s_t` from the TCN and learned weights :math:`a_j, c_j` and decays (started
    at the given half-lives). Large moves then raise volatility for weeks to months
    (clustering), falls more than rises when :math:`c_j < 0` (leverage); a mixture of
    exponentials approximates the slow, power-law-like decay of ``ACF(|r|)``. The filters run
    over ``warmup`` extra leading noise steps (by default four times the longest half-life,
    which only the cheap innovation net sees), so that paths start near the filters'
    stationary state, the same in training windows and in long sampled paths.

    With ``reversal`` (one starting value, or one per half-life) the drift also carries,
    for each half-life j, the volatility times a learned multiple :math:`d_j` of the same
    averages of past innovations, :math:`\mu_t \mathrel{+}= \sigma_t \sum_j d_j
    \bar\epsilon_{j,t}` (a moving-average-in-mean term over the memory's horizons). The
    averages' weights sum to 1, so :math:`d_j` is the share of a shock taken back over
    about j days: :math:`d_j < 0` makes returns revert, as index returns do over weeks
    (variance ratios below 1, Lo and MacKinlay 1988).

    With ``latent_spread`` (one value, or one per half-life) the log-volatility also
    carries, for each half-life j, the same kind of average of a *latent* shock
    :math:`\eta_t = v^\top Z_t` (a learned direction of the current noise, started
    orthogonal to the innovations' linear map), :math:`\log\sigma_t \mathrel{+}=
    \sum_j b_j \bar\eta_{j,t}`: a slowly varying volatility that no return caused, the
    stochastic-volatility model's log-AR(1) factor (Taylor 1986), beside the EGARCH-style
    terms that returns drive. ``latent_spread`` sets where :math:`b_j` starts, as the
    standard deviation each term adds to the log-volatility; 0 leaves a term out at
    the start (it can still be learned).

    The TCN reads the noise clipped to :math:`\pm` ``noise_bound`` (7 by default: a standard
    normal draw passes it about once in 4e11, so generated paths are unchanged). The
    clip matters when :meth:`filter` solves for the noise behind a real series: a day the
    model finds unlikely needs a large noise value, and a TCN reading it unbounded can
    answer with a lower volatility and a larger drift, so the next day needs a larger
    one still, a feedback that ran some fitted nets' filters to infinity within weeks.
    Bounded inputs give bounded volatility and drift, and so bounded innovations.

    :math:`\log\sigma_t` is softly bounded to :math:`\pm` ``max_log_vol``; with ``max_drift``
    the drift is softly bounded to :math:`\pm` ``max_drift`` :math:`\sigma_t`
    (:math:`\mu_t = b \sigma_t \tanh(m_t / b)` for the TCN's output :math:`m_t`), so it
    can never outweigh the volatility however the history reads. That form also makes
    every drift a multiple of the volatility, small ones included. ``drift_clip`` bounds
    the drift at :math:`\pm` ``drift_clip`` :math:`\sigma_t` and leaves smaller ones as
    they are (:math:`\mu_t = c \sigma_t \tanh(m_t / (c \sigma_t))`, about :math:`m_t` while
    :math:`|m_t| \ll c \sigma_t`): it bites only where the drift would outweigh the
    volatility, which happens in calm stretches. An input of
    length L gives L - ``receptive_field`` + 1 outputs, with ``receptive_field`` = TCN
    receptive field + 1 (the current innovation) + ``warmup``. ``tcn_options`` (``hidden``,
    ``dilations``, ``kernel_size``, ``n_classes``, ``embed_dim``) go to that TCN.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        innovation_hidden: int = 16,
        max_log_vol: float = 3.0,
        memory: Sequence[float] = (),
        memory_spread: float | Sequence[float] = 0.15,
        memory_sign: float = -0.5,
        reversal: float | Sequence[float] | None = None,
        latent_spread: float | Sequence[float] | None = None,
        warmup: int | None = None,
        max_drift: float | None = None,
        drift_clip: float | None = None,
        noise_bound: float = 7.0,
        **tcn_options,
    ) -> None:
        super().__init__()
        memory = check_half_lives(memory)
        if not noise_bound > 0:
            raise ConfigError(f"noise_bound must be positive (standard deviations of the noise), got {noise_bound}")
        if reversal is not None and not memory:
            raise ConfigError("reversal needs memory half-lives: it reads the memory's averages of past innovations")
        if latent_spread is not None and not memory:
            raise ConfigError("latent_spread needs memory half-lives: the latent shocks are averaged over them")
        if max_drift is not None and not max_drift > 0:
            raise ConfigError(f"max_drift must be positive (volatilities) or None, got {max_drift}")
        if drift_clip is not None and not drift_clip > 0:
            raise ConfigError(f"drift_clip must be positive (volatilities) or None, got {drift_clip}")
        check_one_drift_bound(max_drift, drift_clip)
        self.out_channels = out_channels
        self.max_log_vol = float(max_log_vol)
        self.max_drift = None if max_drift is None else float(max_drift)
        self.drift_clip = None if drift_clip is None else float(drift_clip)
        self.noise_bound = float(noise_bound)
        self.context = TCN(in_channels, 2 * out_channels, **tcn_options)  # (log-volatility, drift) per asset
        # innovations: a linear map of the current noise (unit variance at the start) plus a
        # nonlinear correction that starts at zero and can bend the tails
        self.innovation_linear = nn.Conv1d(in_channels, out_channels, 1, bias=False)
        with torch.no_grad():
            w = self.innovation_linear.weight
            w.div_(w.norm(dim=1, keepdim=True))
        self.innovation = nn.Sequential(
            nn.Conv1d(in_channels, innovation_hidden, 1),
            nn.PReLU(innovation_hidden),
            nn.Conv1d(innovation_hidden, out_channels, 1),
        )
        nn.init.zeros_(self.innovation[-1].weight)
        nn.init.zeros_(self.innovation[-1].bias)
        self.n_classes = self.context.n_classes
        self.warmup = memory_warmup(memory) if warmup is None else int(warmup)
        self.receptive_field = self.context.receptive_field + 1 + self.warmup
        if memory:
            decay = torch.tensor([0.5 ** (1.0 / h) for h in memory]).repeat(out_channels, 1)
            # weight of each average such that it moves log-volatility by about memory_spread (one
            # sd) when the innovations are standard normal (sd of |eps| 0.6; of its EWMA
            # 0.6 sqrt((1 - lambda) / (1 + lambda)))
            spread = torch.as_tensor(memory_spread, dtype=decay.dtype).expand(len(memory))  # one per half-life
            size = spread / (0.6 * torch.sqrt((1 - decay) / (1 + decay)))
            self.memory_logit = nn.Parameter(torch.logit(decay))  # (assets, J): decays stay in (0, 1)
            self.memory_size = nn.Parameter(size)
            self.memory_sign = nn.Parameter(memory_sign * size)
        else:
            self.memory_logit = None
        if reversal is not None:
            # each average's weights sum to 1, so reversal_j is the share of a shock that half-life
            # j's term takes back (negative) or adds (positive) in volatilities, over about j days
            start = torch.as_tensor(reversal, dtype=decay.dtype).expand(len(memory))  # one per half-life
            self.reversal = nn.Parameter(start.repeat(out_channels, 1))
        else:
            self.reversal = None
        if latent_spread is not None:
            # a direction of the noise for the latent shocks, orthogonal to the innovations' linear
            # map where the noise has room for it (noise channels > assets), of unit length
            v = torch.randn(out_channels, in_channels)
            w = self.innovation_linear.weight[..., 0].detach()
            if in_channels > out_channels:
                q = torch.linalg.qr(w.T).Q  # (in, out): the innovations' row space
                v = v - (v @ q) @ q.T
            self.latent_linear = nn.Parameter(v / v.norm(dim=1, keepdim=True))
            spread = torch.as_tensor(latent_spread, dtype=decay.dtype).expand(len(memory))
            # an average of unit-variance shocks has sd sqrt((1 - lambda) / (1 + lambda))
            self.memory_latent = nn.Parameter(spread / torch.sqrt((1 - decay) / (1 + decay)))
        else:
            self.latent_linear = self.memory_latent = None

    def _bounded(self, z: torch.Tensor) -> torch.Tensor:
        """The noise as the TCN reads it: clipped to +- ``noise_bound``."""
        return z.clamp(-self.noise_bound, self.noise_bound)

    def innovations(self, x: torch.Tensor) -> torch.Tensor:
        """epsilon_t = g(Z_t) for every step of the noise x (batch, L, in) -> (batch, L, out)."""
        h = x.transpose(1, 2)
        return (self.innovation_linear(h) + self.innovation(h)).transpose(1, 2)

    def _innovation_step(self, z: torch.Tensor) -> torch.Tensor:
        """:meth:`innovations` of one day's noise (batch, in) -> (batch, out), as matrix products: the
        filter calls it a dozen times a day, where 1x1 convolutions cost several times more.

        Equal to :meth:`innovations` up to float rounding (about 1e-6), not bitwise, so
        training keeps the convolutions and recorded training runs stay reproducible.
        """
        first, prelu, last = self.innovation
        h = F.linear(z, first.weight[..., 0], first.bias)
        h = torch.where(h >= 0, h, prelu.weight * h)
        return F.linear(z, self.innovation_linear.weight[..., 0]) + F.linear(h, last.weight[..., 0], last.bias)

    def latent_shocks(self, x: torch.Tensor) -> torch.Tensor | None:
        """eta_t = v^T Z_t (..., in) -> (..., out): the latent volatility shocks of the noise (None without them)."""
        return None if self.latent_linear is None else x @ self.latent_linear.T

    def components(
        self, x: torch.Tensor, y: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(sigma, mu, eps)``, each (batch, L - receptive_field + 1, out_channels)."""
        if x.shape[1] < self.receptive_field:
            raise DataError(f"sequence of length {x.shape[1]} is shorter than the receptive field "
                            f"{self.receptive_field}")
        first = self.receptive_field - 1  # the noise index of the first output's current step
        state = self.context(self._bounded(x[:, self.warmup:-1]), y)  # step t sees Z_{t-RF+1..t-1} only
        log_vol, mu = state.split(self.out_channels, dim=-1)
        eps_all = self.innovations(x)
        eps = eps_all[:, first:]
        sign = None
        if self.memory_logit is not None:
            decay = torch.sigmoid(self.memory_logit)
            size, sign, latent = (None if f is None else causal_ewma(f, decay)[:, first:]
                                  for f in self._memory_inputs(eps_all, x))
            log_vol = log_vol + self._memory_terms(size, sign, latent)
        sigma = self._sigma(log_vol)
        return sigma, self._drift(mu, sigma, sign), eps

    def _sigma(self, log_vol: torch.Tensor) -> torch.Tensor:
        return torch.exp(self.max_log_vol * torch.tanh(log_vol / self.max_log_vol))

    def _drift(self, raw: torch.Tensor, sigma: torch.Tensor, sign: torch.Tensor | None = None) -> torch.Tensor:
        """The TCN's drift output as it is, in units of the volatility bounded at +- ``max_drift``, or
        clipped softly at +- ``drift_clip`` volatilities; plus the reversal terms (volatility times
        weighted averages of past innovations ``sign``, (..., assets, J)) when the net has them."""
        mu = raw
        if self.max_drift is not None:
            mu = self.max_drift * sigma * torch.tanh(raw / self.max_drift)
        elif self.drift_clip is not None:
            bound = self.drift_clip * sigma
            mu = bound * torch.tanh(raw / bound)
        if self.reversal is not None:
            mu = mu + sigma * (sign * self.reversal).sum(-1)
        return mu

    def _memory_inputs(self, eps: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """What the memory averages, from innovations ``eps`` and the noise ``z`` they came from:
        centred sizes (E|eps| of a standard normal: no level shift), signs and latent shocks (or None)."""
        return eps.abs() - (2 / torch.pi) ** 0.5, eps, self.latent_shocks(z)

    def _memory_terms(self, size: torch.Tensor, sign: torch.Tensor, latent: torch.Tensor | None) -> torch.Tensor:
        """Log-volatility added by the averages (..., assets, J) -> (..., assets); ``latent`` is read
        only by a net with latent shocks."""
        terms = (size * self.memory_size).sum(-1) + (sign * self.memory_sign).sum(-1)
        return terms if self.memory_latent is None else terms + (latent * self.memory_latent).sum(-1)

    def _solve_innovations(self, start: torch.Tensor, wanted: torch.Tensor, steps: int) -> torch.Tensor:
        """Noise z near ``start`` (batch, in) with g(z) = ``wanted`` (batch, out), by Gauss-Newton steps.

        Each step moves z by the minimum-norm change that solves the linearised equation,
        so for a linear g the result is the prior draw ``start`` projected onto
        {z : g(z) = wanted}: a draw of the Gaussian noise given its innovation. With more
        assets than noise channels the equation has no exact solution and this is its
        least-squares fit.
        """
        first, prelu, last = self.innovation
        w_in, w_out = first.weight[..., 0], last.weight[..., 0]  # (hidden, in), (out, hidden)

        def jacobian(v: torch.Tensor) -> torch.Tensor:  # dg/dz (batch, out, in), written out for this small net
            slope = torch.where(v @ w_in.T + first.bias > 0, torch.ones_like(prelu.weight), prelu.weight)
            return self.innovation_linear.weight[..., 0] + (w_out * slope[:, None, :]) @ w_in

        misfit = lambda v: wanted - self._innovation_step(v)  # noqa: E731
        z, residual = start, misfit(start)
        for _ in range(steps):
            error = residual.norm(dim=-1)
            if error.max() < 1e-6:
                break
            step = (torch.linalg.pinv(jacobian(z)) @ residual[..., None])[..., 0]
            # backtracking: halve a step until it lowers the misfit (g may bend, being a PReLU net)
            for _ in range(10):
                trial = misfit(z + step)
                better = trial.norm(dim=-1) < error
                if better.all():
                    break
                step = torch.where(better[:, None], step, step / 2)
            keep = (trial.norm(dim=-1) < error)[:, None]
            z, residual = torch.where(keep, z + step, z), torch.where(keep, trial, residual)
        return z

    def _innovation_log_density(self, eps: torch.Tensor) -> torch.Tensor:
        """Log density (batch,) of innovations (batch, out) under the linear part of g: N(0, W W^T).

        Exact while the nonlinear correction is zero (its starting value) and close while it
        stays small; with more assets than noise channels W W^T is singular and every
        innovation gets the same weight (0).
        """
        w = self.innovation_linear.weight[..., 0].to(torch.float64)
        if w.shape[0] > w.shape[1]:
            return eps.new_zeros(eps.shape[0])
        normal = torch.distributions.MultivariateNormal(torch.zeros(w.shape[0], dtype=w.dtype), w @ w.T)
        return normal.log_prob(eps.to(torch.float64)).to(eps.dtype)

    @torch.no_grad()
    def filter(
        self, target: torch.Tensor, prior: torch.Tensor, y: torch.Tensor | None = None,
        keep: Sequence[int] = (), generator: torch.Generator | None = None, newton_steps: int = 12,
    ) -> SVNNFilter:
        r"""A particle filter of the net's noise given a real series, one day at a time.

        ``target`` (T, out_channels) is a real series in the net's (transformed) units and
        ``prior`` (K, R + T, in_channels) K draws of standard normal noise (the particles),
        R = the TCN's receptive field: its first R steps stand for the noise before the
        series starts. On each day t every particle computes :math:`\sigma_t, \mu_t` from
        its noise so far; its noise of day t moves to the nearest value whose innovation is
        :math:`(x_t - \mu_t) / \sigma_t` (:meth:`_solve_innovations`), so the net's output
        is :math:`x_t`, and its weight is multiplied by the likelihood of :math:`x_t`
        (:meth:`_innovation_log_density` over :math:`\prod \sigma_t`). The particles differ
        in the noise directions the series does not pin down; when the effective number
        of particles falls below K / 2 they are resampled (systematic resampling, with
        ``generator``). The memory averages start at 0, their mean. The latent volatility
        shocks (``latent_spread``) read mostly noise directions that the returns do not
        pin down (they start orthogonal to the innovations' linear map), so the particles
        differ in them and the weights favour those whose latent volatility explains the
        returns. A day the net finds very unlikely needs a large noise value; the TCN reads
        it clipped to ``noise_bound``, so it cannot feed back into ever larger ones.

        ``keep`` lists days p in [0, T] whose state (before day p is generated) is
        returned for :meth:`continuation`. ``y`` (K, T) are class labels of a conditional
        net, one per day.
        """
        n_particles, steps = prior.shape[0], target.shape[0]
        rf = self.context.receptive_field
        if prior.shape[1] != rf + steps:
            raise DataError(f"prior noise must have {rf + steps} steps, got {prior.shape[1]}")
        keep = sorted({int(p) for p in keep})
        if any(p < 0 or p > steps for p in keep):
            raise DataError(f"kept days must lie in [0, {steps}], got {keep}")
        assets = self.out_channels
        noise = prior.clone()
        n_memory = 0 if self.memory_logit is None else self.memory_logit.shape[-1]
        size = target.new_zeros(n_particles, assets, n_memory)
        sign, latent = torch.zeros_like(size), torch.zeros_like(size)
        log_weight = target.new_zeros(n_particles)
        decay = torch.sigmoid(self.memory_logit) if n_memory else None
        sigma, mu, eps = (target.new_empty(steps, n_particles, assets) for _ in range(3))
        weights = target.new_empty(steps, n_particles)
        out = SVNNFilter.empty(len(keep), n_particles, rf, noise.shape[-1], assets, n_memory, target)
        slot = 0
        for t in range(steps + 1):
            if t in keep[slot:slot + 1]:
                out.context[slot], out.size[slot], out.sign[slot] = noise[:, t:t + rf], size, sign
                out.latent[slot] = latent
                out.weight[slot] = torch.softmax(log_weight, 0)
                slot += 1
            if t == steps:
                break
            state = self.context(self._bounded(noise[:, t:t + rf]), None if y is None else y[:, t])[:, 0]
            log_vol, raw_mu = state.split(assets, dim=-1)
            if n_memory:
                log_vol = log_vol + self._memory_terms(size, sign, latent)
            sigma[t] = self._sigma(log_vol)
            mu[t] = self._drift(raw_mu, sigma[t], sign)
            wanted = (target[t] - mu[t]) / sigma[t]
            noise[:, rf + t] = self._solve_innovations(noise[:, rf + t], wanted, newton_steps)
            eps[t] = self._innovation_step(noise[:, rf + t])
            step = self._innovation_log_density(eps[t]) - sigma[t].log().sum(-1)
            # a particle whose volatility or innovation is not finite cannot have made the day: it drops out
            log_weight = log_weight + torch.where(step.isfinite(), step, torch.full_like(step, -torch.inf))
            if not log_weight.isfinite().any():
                raise DataError(f"no particle of the filter can produce day {t} of the series (value "
                                f"{target[t].tolist()} in the model's units): the model's volatility or "
                                "innovations are not finite there")
            log_weight = log_weight - log_weight.max()
            weights[t] = torch.softmax(log_weight, 0)
            if n_memory:
                new_size, new_sign, new_latent = self._memory_inputs(eps[t], noise[:, rf + t])
                size = decay * size + (1 - decay) * new_size[..., None]
                sign = decay * sign + (1 - decay) * new_sign[..., None]
                if new_latent is not None:
                    latent = decay * latent + (1 - decay) * new_latent[..., None]
            if 1 / (weights[t] ** 2).sum() < n_particles / 2:
                u = (torch.rand(1, generator=generator, device=target.device) + torch.arange(
                    n_particles, device=target.device)) / n_particles
                idx = torch.searchsorted(torch.cumsum(weights[t], 0), u).clamp_max(n_particles - 1)
                # past noise follows the ancestors; each particle keeps its own prior draws for later days
                noise = torch.cat([noise[idx, :rf + t + 1], noise[:, rf + t + 1:]], dim=1)
                size, sign, latent = size[idx], sign[idx], latent[idx]
                log_weight = torch.zeros_like(log_weight)
        out.sigma, out.mu, out.eps, out.daily_weight = sigma, mu, eps, weights
        return out

    def continuation(
        self, context: torch.Tensor, size: torch.Tensor, sign: torch.Tensor, noise: torch.Tensor,
        y: torch.Tensor | None = None, index: torch.Tensor | None = None, y_context: torch.Tensor | None = None,
        latent: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Outputs (batch, L, out) that continue a filtered history with fresh ``noise`` (batch, L, in).

        ``context`` (U, R, in) are histories' last R noise steps, ``index`` (batch,) the one
        each path continues (default: one each, U = batch), and ``size``, ``sign``
        (batch, out, J) each path's memory averages on its first new day (from
        :meth:`filter`; ``latent``: those of the latent shocks, zeros when not given): day
        k's averages are ``decay**k`` times those plus the averages of the new innovations
        alone, so one pass gives every new day. The TCN runs once over each history
        however many paths continue it (:meth:`TCN.forward_continued`).
        ``y`` (batch,) and ``y_context`` (U,) are the labels of a conditional net.
        """
        assets, length = self.out_channels, noise.shape[1]
        if index is None:
            index, y_context = torch.arange(len(noise), device=noise.device), y
        log_vol, mu = self.context.forward_continued(self._bounded(context), self._bounded(noise[:, :-1]), index,
                                                   y_context, y).split(assets, dim=-1)
        eps = self.innovations(noise)
        signs = None
        if self.memory_logit is not None:
            decay = torch.sigmoid(self.memory_logit)
            powers = decay ** torch.arange(length, device=noise.device, dtype=noise.dtype)[:, None, None]
            new_size, new_sign, new_latent = (None if f is None else causal_ewma(f, decay)
                                              for f in self._memory_inputs(eps, noise))
            signs = powers * sign[:, None] + new_sign
            if new_latent is not None:
                new_latent = new_latent + (0 if latent is None else powers * latent[:, None])
            log_vol = log_vol + self._memory_terms(powers * size[:, None] + new_size, signs, new_latent)
        sigma = self._sigma(log_vol)
        return sigma * eps + self._drift(mu, sigma, signs)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        sigma, mu, eps = self.components(x, y)
        return sigma * eps + mu


@dataclass
class SVNNFilter:
    """What :meth:`SVNN.filter` found with K particles over T days.

    At each kept day (n_keep of them): ``context`` (n_keep, K, R, in) the particles' last
    R noise steps, ``size``, ``sign``, ``latent`` (n_keep, K, out, J) their memory averages and
    ``weight`` (n_keep, K) their probabilities. On each day: ``sigma``, ``mu``, ``eps``
    (T, K, out) the particles' volatility, drift and innovation in the net's units, and
    ``daily_weight`` (T, K) their probabilities after seeing that day.
    """

    context: torch.Tensor
    size: torch.Tensor
    sign: torch.Tensor
    latent: torch.Tensor
    weight: torch.Tensor
    sigma: torch.Tensor | None = None
    mu: torch.Tensor | None = None
    eps: torch.Tensor | None = None
    daily_weight: torch.Tensor | None = None

    @classmethod
    def empty(cls, n_keep: int, n_particles: int, rf: int, noise_dim: int, assets: int, n_memory: int,
              like: torch.Tensor) -> SVNNFilter:
        return cls(context=like.new_empty(n_keep, n_particles, rf, noise_dim),
                   size=like.new_empty(n_keep, n_particles, assets, n_memory),
                   sign=like.new_empty(n_keep, n_particles, assets, n_memory),
                   latent=like.new_empty(n_keep, n_particles, assets, n_memory),
                   weight=like.new_empty(n_keep, n_particles))

    def volatility(self) -> torch.Tensor:
        """The filtered volatility (T, out): each day's particle-weighted mean of sigma."""
        return (self.sigma * self.daily_weight[..., None]).sum(1)


def ewma_standardised(x: torch.Tensor, decay: float = 0.94) -> torch.Tensor:
    r"""Returns divided by an EWMA volatility forecast from the same window (RiskMetrics, 0.94).

    ``x`` (batch, L, C): :math:`v_t = \lambda v_{t-1} + (1 - \lambda) r_{t-1}^2`, started
    at the window's mean square, and :math:`r_t / \sqrt{v_t}`: the recursion of the
    validation module's ``ewma_standardised`` (which starts at a path's variance and drops
    a burn-in), in torch so that the critic's gradients pass through it. The result does
    not depend on the window's scale, so a critic reading it sees a calm window's dynamics
    as clearly as a volatile one's.
    """
    square = x.square()
    decays = x.new_full((x.shape[-1], 1), decay)
    prior = decay ** torch.arange(x.shape[1], device=x.device, dtype=x.dtype)[None, :, None]
    var = causal_ewma(square, decays)[..., 0] + prior * square.mean(dim=1, keepdim=True)
    return x / torch.sqrt(var + 1e-12)


# What a critic can read per asset, each a function of the window (batch, L, C) -> (batch, L, C).
CRITIC_INPUTS = {"r": lambda x: x, "abs": torch.abs, "square": torch.square, "standardised": ewma_standardised}


def check_critic_inputs(inputs: Sequence[str], name: str = "critic inputs") -> tuple[str, ...]:
    """A non-empty selection of :data:`CRITIC_INPUTS` as a tuple; ``name`` is how the error calls it."""
    inputs = tuple(str(i) for i in inputs)
    if not inputs or any(i not in CRITIC_INPUTS for i in inputs):
        raise ConfigError(f"{name} must be a non-empty selection of {', '.join(CRITIC_INPUTS)}, got {list(inputs)}")
    return inputs


class TCNCritic(nn.Module):
    """A TCN critic: per-step scores of a window, pooled into one score per window.

    With valid convolutions a window of length L has L - RF + 1 scored positions, each
    looking at RF consecutive returns. ``inputs`` names what the TCN sees per asset:
    the returns ``"r"`` and optionally ``"abs"`` (``|r|``), ``"square"`` (``r^2``) and
    ``"standardised"`` (:func:`ewma_standardised`), stacked as channels, so volatility
    clustering is a linear pattern in the critic's input. A critic is Lipschitz in the
    returns, so on raw returns it can tell calm windows apart only by differences as small
    as the returns themselves; the standardised channel shows the dynamics of every window
    at one scale (conditional tails, reversal in calm years).

    A sum of per-position scores has an expectation that depends only on the distribution
    of RF-day stretches, so such a critic cannot tell apart generators that differ only
    at longer horizons (how volatile whole windows are, one against another). With
    ``window_features`` > 0 the TCN also emits that many features per position, their
    mean over the window goes through a small MLP, and its output is added to the score:
    the critic then compares window-level statistics too (a global-pooling head).
    """

    def __init__(self, in_channels: int, inputs: Sequence[str] = ("r",), window_features: int = 0,
                 **tcn_options) -> None:
        super().__init__()
        self.inputs = check_critic_inputs(inputs)
        self.window_features = as_count(window_features, "window_features", minimum=0)
        self.tcn = TCN(in_channels * len(self.inputs), 1 + self.window_features, **tcn_options)
        self.receptive_field = self.tcn.receptive_field
        hidden = self.tcn.head.in_channels
        self.window_head = (nn.Sequential(nn.Linear(self.window_features, hidden), nn.LeakyReLU(0.2),
                                          nn.Linear(hidden, 1))
                            if self.window_features else None)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.inputs != ("r",):
            x = torch.cat([CRITIC_INPUTS[name](x) for name in self.inputs], dim=-1)
        out = self.tcn(x, y)
        scores = out[..., :1]
        # sum / sqrt(positions): the score's gradient norm (and scale) stays O(1) whatever the
        # window length, as the gradient penalty expects; a plain mean shrinks it by 1/positions
        total = scores.sum(dim=(1, 2)) / scores[0].numel() ** 0.5
        if self.window_head is None:
            return total
        return total + self.window_head(out[..., 1:].mean(dim=1)).squeeze(-1)
