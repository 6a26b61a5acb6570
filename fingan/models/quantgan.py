"""Quant GAN: temporal-convolution generators of return paths (Wiese et al. 2020)."""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from torch import nn

from fingan.data.returns import ReturnTransform, as_return_frame
from fingan.data.windows import ReturnWindows
from fingan.engine.terms import StylizedFacts, Term
from fingan.engine.trainer import Trainer, TrainerConfig
from fingan.errors import ConfigError, DataError, as_count, check_non_negative, check_positive
from fingan.models.base import Recipe, load_regime_state, regime_labels, regime_state, unchanged
from fingan.models.paths import PathModel, check_forecast_sizes, origin_positions
from fingan.nets.tcn import (SVNN, TCN, TCNCritic, check_critic_inputs, check_half_lives, check_one_drift_bound,
                             memory_warmup, receptive_field)
from fingan.validation.returns import selection_score

REGIME_NAMES = {2: ("calm", "stressed"), 3: ("calm", "normal", "stressed")}
GENERATORS = {"svnn": SVNN, "tcn": TCN}
SELECTIONS = ("unconditional", "origin")  # what the checkpoint selector's validation paths start from
SELECTION_SEED = 12345  # the checkpoint selector's validation paths: the same draws at every check


@dataclass
class QuantGANConfig:
    r"""Options of :class:`QuantGAN`; the defaults are the paper's network, generator aside.

    Attributes
    ----------
    generator : {"svnn", "tcn"}
        ``"svnn"``: the paper's stochastic-volatility form
        :math:`r_t = \sigma_t \epsilon_t + \mu_t` (:class:`~fingan.nets.SVNN`), with
        volatility and drift from past noise and i.i.d. innovations; ``"tcn"``: the
        paper's pure TCN, noise straight to returns.
    critic_inputs : tuple of {"r", "abs", "square", "standardised"}
        What the critic sees per asset: the (transformed) returns and optionally their
        absolute values, squares and EWMA-standardised values (returns divided by a
        RiskMetrics volatility forecast from the same window, which show calm and
        stormy windows at one scale) as extra channels. The default reads all three,
        ``("r", "abs", "standardised")``: with the stylized-fact loss it scored 1.949 ±
        0.023 on the validation years against 1.978 ± 0.046 for ``("r", "abs")``, better
        for every one of 3 seeds (``benchmarks/results/returns_small_fact_standardised_seeds.md``).
    critic_window_features : int
        0: the critic's score is a sum of per-position scores, which only compares the
        distributions of receptive-field-long stretches. > 0: that many per-position
        features are also averaged over the whole window and scored by a small MLP, so
        the critic compares window-level statistics too (how calm or stormy whole windows
        are), the slow part of volatility clustering (:class:`~fingan.nets.TCNCritic`).
    memory : tuple of float
        SVNN only: half-lives in days of the long-memory terms of the log-volatility
        (exponentially weighted averages of past innovation sizes and signs, EGARCH-style;
        see :class:`~fingan.nets.SVNN`); empty for none.
    memory_spread : float or tuple of float
        SVNN only: starting size of each long-memory term, as the standard deviation (in
        log-volatility) it adds under standard normal innovations; learned from there,
        though at the default learning rates the memory weights and decays move by a few
        percent at most in a run, so in effect the starting values set the memory. One
        number for every term, or one per half-life of ``memory``.
    memory_sign : float
        Starting weight of the sign averages relative to the size averages (negative:
        falls raise volatility more than rises); learned from there (but see
        ``memory_spread``).
    reversal : float or tuple of float or None
        SVNN only (needs ``memory``): add to the drift, for each memory half-life, the
        volatility times a learned multiple of the average of past innovations, so returns
        can revert (negative) or trend (positive) over days to months, the way index
        returns revert over weeks (:class:`~fingan.nets.SVNN`). The value is where the
        multiples start: the share of a shock each term takes back or adds, in (-1, 1), one
        number for every term or one per half-life. ``None``: no such terms.
    latent_spread : float or tuple of float or None
        SVNN only (needs ``memory``): add to the log-volatility, for each memory
        half-life, an average of latent shocks drawn from the noise independently of the
        innovations, a volatility that drifts slowly without any return causing it (the
        stochastic-volatility model's latent factor; :class:`~fingan.nets.SVNN`). The value
        is the standard deviation each term starts adding to the log-volatility, one
        number for every term or one per half-life; ``None``: no such terms.
    max_drift : float or None
        SVNN only: softly bound the drift to this many volatilities
        (:math:`\mu_t = b \sigma_t \tanh(m_t / b)`), which also makes every drift a
        multiple of the volatility; ``None`` leaves it free.
    drift_clip : float or None
        SVNN only: softly clip the drift at this many volatilities and leave smaller
        drifts as they are (:math:`\mu_t = c \sigma_t \tanh(m_t / (c \sigma_t))`), so no
        scenario's centre sits further from zero than about ``drift_clip`` times its
        spread, as a free drift can in calm stretches (a one-day VaR set by the drift more
        than by the volatility). At 1 it left 5% of the returns benchmark's test days
        with one-day scenarios centred beyond half their spread, against 16% with a free
        drift, and scored better on scenarios from the validation period's first day but
        worse on the validation score that chooses defaults (three seeds), so it is off
        by default. Not with ``max_drift``. ``None`` (the default): a free drift.
    fact_weight : float
        Weight of an auxiliary generator loss that matches the stylized facts of the
        generated training windows to the real batch's: the squared differences of their
        autocorrelations of r, ``|r|`` and r² and their leverage correlations at lags
        1..``fact_lags``, summed (:class:`~fingan.engine.terms.StylizedFacts`; SFAG,
        Zhang et al. 2026). It tells the generator directly what a WGAN critic, Lipschitz in
        the returns, weighs little: the dependence within calm windows. 0: off,
        the adversarial loss alone. The default, 10 over lags 1-50, scored better than
        none on the validation years of the returns benchmark for each of three seeds
        (1.978 ± 0.046 against 2.022 ± 0.030), with a lag-1 reversal nearer the data's
        and steadier seeds; 0 switches it off (the default of fingan 0.1.0).
    fact_lags : int or None
        Lags of the stylized-fact loss, at most ``window - 2``; ``None`` (the default):
        50, or ``window - 2`` for windows shorter than 52 days.
    fact_pooled_weight : float
        Weight of the same loss on the facts of the batch's windows read as pieces of one
        long series (centred on the batch's mean, ratios of the batch's sums), which also
        see how calm or stormy whole windows are, one against another: the slow,
        months-long part of volatility clustering, which each window's own centring
        removes. 0 (the default): off.
    fact_pooled_facts : tuple of str
        Which facts the pooled loss matches: any of ``"r"``, ``"abs"`` (``|r|``),
        ``"square"`` (r²) and ``"leverage"``; all four by default.
    lambert_w : bool
        Gaussianise the returns' tails before training (inverse Lambert W, the paper's
        preprocessing). ``False`` only standardises, so fat tails must come from the
        generator's volatility.
    hidden : int
        Channels of every temporal block (80 in the paper).
    dilations : tuple of int
        Dilations of the kernel-``kernel_size`` blocks after the first kernel-1 block;
        (1, 2, 4, 8, 16, 32) with kernel 2 gives the paper's receptive field of 127.
    critic_dilations : tuple of int or None
        The critic's own dilations (``None``: the same as the generator's). The critic
        only sees dependence within its receptive field, so a longer one lets it judge
        volatility clustering at longer lags; the window must be at least as long.
    kernel_size : int
    noise_dim : int
        Noise channels per time step (3 in the paper).
    window : int
        Length of the training windows the critic sees (at least the receptive field).
    stride : int
        Step between the starts of training windows.
    recency : float or None
        Half-life in trading days of the training windows' weights: a window ending
        ``a`` days before the last training day is drawn with probability proportional
        to :math:`2^{-a / \mathrm{recency}}`, so recent years count more, as in the
        age-weighted historical simulation of Boudoukh, Richardson and Whitelaw (1998).
        The default, 500 days (about two years), gave the best validation score of the
        returns benchmark and the steadiest between seeds. ``None``: every window alike
        (the paper's training, and the default of fingan 0.1.0).
    conditional : bool
        Condition generator and critic on the volatility regime at the window start:
        the trailing ``regime_lookback``-day realised volatility of the (equal-weight)
        returns, cut into ``n_regimes`` equally populated buckets on the training data.
    n_regimes, regime_lookback : int
    select_every : int
        With validation returns given to :meth:`QuantGAN.fit`, score the generator on
        them every ``select_every`` steps (0: ten times per run) and keep the best.
    select_paths : int
        Paths drawn for each validation score.
    selection : {"unconditional", "origin"}
        What the validation score draws: ``"unconditional"`` paths from the model's
        stationary state (what :meth:`QuantGAN.sample` gives without a history), or, with
        ``"origin"`` (SVNN only), paths that continue the training returns into the
        validation period from the volatility the model reads in them (what
        :meth:`QuantGAN.forecast_paths` gives on the validation period's first day), which
        scores the checkpoint as scenarios from today's market are used. It costs one
        filter pass over the training returns per score.
    trainer : TrainerConfig
        Options of the training loop: ``wgan-gp`` (Adam, betas (0, 0.9), gradient penalty
        10) with one critic step per generator step, a four times larger critic
        learning rate (TTUR), sampling from the generator's own weights. An exponential
        moving average of them (``ema_decay=0.99``, the default of fingan 0.1.0) scored
        worse on the validation years with the recency weighting (2.15 against 2.02, 3
        seeds); ``n_critic=5, lr_d=1e-4`` gives the WGAN-GP paper's schedule, about 3.4
        times slower per step for similar scores in our runs.
    """

    generator: Literal["svnn", "tcn"] = "svnn"
    critic_inputs: tuple[str, ...] = ("r", "abs", "standardised")
    critic_window_features: int = 0
    memory: tuple[float, ...] = (2.0, 20.0, 120.0, 500.0)
    memory_spread: float | tuple[float, ...] = 0.15
    memory_sign: float = -0.8
    reversal: float | tuple[float, ...] | None = None
    latent_spread: float | tuple[float, ...] | None = None
    max_drift: float | None = None
    drift_clip: float | None = None
    fact_weight: float = 10.0
    fact_lags: int | None = None
    fact_pooled_weight: float = 0.0
    fact_pooled_facts: tuple[str, ...] = StylizedFacts.FACTS
    lambert_w: bool = False
    hidden: int = 80
    dilations: tuple[int, ...] = (1, 2, 4, 8, 16, 32)
    critic_dilations: tuple[int, ...] | None = None
    kernel_size: int = 2
    noise_dim: int = 3
    window: int = 256
    stride: int = 1
    recency: float | None = 500.0
    conditional: bool = False
    n_regimes: int = 3
    regime_lookback: int = 21
    select_every: int = 0
    select_paths: int = 200
    selection: Literal["unconditional", "origin"] = "unconditional"
    trainer: TrainerConfig = field(
        default_factory=lambda: TrainerConfig(
            objective="wgan-gp", steps=2000, batch_size=64, n_critic=1, lr_g=1e-4, lr_d=4e-4, log_every=50,
        )
    )

    @property
    def effective_critic_dilations(self) -> tuple[int, ...]:
        """The critic's dilations: its own, or the generator's when ``critic_dilations`` is None."""
        return self.dilations if self.critic_dilations is None else self.critic_dilations

    @property
    def effective_fact_lags(self) -> int:
        """Lags of the stylized-fact loss: ``fact_lags``, or 50 capped at ``window - 2`` when None."""
        return min(50, self.window - 2) if self.fact_lags is None else self.fact_lags

    @property
    def critic_receptive_field(self) -> int:
        """Consecutive days each scored position of the critic looks at."""
        return receptive_field(self.kernel_size, self.effective_critic_dilations)

    @property
    def receptive_field(self) -> int:
        """Noise steps behind each generated day: the generator TCN's, plus for the SVNN its
        current innovation and the warm-up of its memory (four times the longest half-life)."""
        tcn_field = receptive_field(self.kernel_size, self.dilations)
        if self.generator != "svnn":
            return tcn_field
        return tcn_field + 1 + memory_warmup(self.memory)


def _per_term(value: Any, n_terms: int, name: str) -> float | tuple[float, ...]:
    """A per-memory-term option as one float or a tuple of one per memory half-life."""
    try:
        values = (unchanged(value, tuple(float(v) for v in value)) if isinstance(value, (list, tuple))
                  else float(value))
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number or one number per memory half-life, got {value!r}") from None
    if isinstance(values, tuple) and len(values) != n_terms:
        raise ConfigError(f"{name} gives {len(values)} values for {n_terms} memory half-lives")
    return values


def _check_spread(spread: Any, n_terms: int, name: str = "memory_spread") -> float | tuple[float, ...]:
    """A spread option (``name``) as one float or a tuple of one per memory term, each non-negative."""
    values = _per_term(spread, n_terms, name)
    if not all(v >= 0 for v in np.atleast_1d(values)):
        raise ConfigError(f"{name} must be non-negative log-volatilities, got {spread}")
    return values


def _check_reversal(shares: Any, n_terms: int) -> float | tuple[float, ...]:
    """``reversal`` as one float or a tuple of one per memory term, each a share in (-1, 1)."""
    values = _per_term(shares, n_terms, "reversal")
    if not all(-1 < v < 1 for v in np.atleast_1d(values)):
        raise ConfigError(f"reversal must be shares of a shock in (-1, 1), got {shares}")
    return values


def cpu_minutes(config: QuantGANConfig) -> float:
    """Rough minutes a training run of ``config`` takes on a 2-core CPU.

    A power law in the work per step (hidden^2 x layers x window x batch x critic steps)
    through two measured points of ``benchmarks/results/throughput_cpu.md``: the demo
    network at 5.7 steps/s and the paper network at 0.4 steps/s.
    """
    t = config.trainer.resolved()
    work = config.hidden**2 * (len(config.dilations) + 1) * config.window * t.batch_size * t.n_critic / 1e6
    return t.steps * 0.0081 * work**0.786 / 60


def long_cpu_run_warning(config: QuantGANConfig, device: str = "auto", minutes: float = 20) -> str | None:
    """One line to show before a run that will take over ``minutes`` on the CPU, or None."""
    from fingan.engine.device import resolve_device

    if resolve_device(device).type != "cpu" or cpu_minutes(config) <= minutes:
        return None
    return (f"{config.trainer.steps} steps of this network (width {config.hidden}, window {config.window}) take "
            f"roughly {cpu_minutes(config):.0f} minutes on a 2-core CPU; use --device cuda, fewer --steps, or the "
            "demo's smaller network (--hidden 32 --dilations 1,2,4,8,16 --window 128)")


class QuantGAN(PathModel, Recipe):
    """Temporal convolutional GAN for return paths (Wiese, Knobloch, Korn, Kretschmer 2020).

    Log returns are Gaussianised by :class:`~fingan.data.ReturnTransform` (standardise,
    inverse Lambert W, standardise), cut into windows, and a TCN generator learns to map
    i.i.d. noise (``noise_dim`` channels per day) to such windows against a TCN critic,
    with WGAN-GP and a stylized-fact loss on the generator (``fact_weight``) by default.
    Because the generator is convolutional, paths of any length
    come from one pass: ``length + receptive_field - 1`` noise steps give ``length``
    returns, which go back through the exact inverse transform.

    Examples
    --------
    >>> from fingan.data import load_prices, log_returns
    >>> r = log_returns(load_prices("sp500"))
    >>> gan = QuantGAN(hidden=32, steps=500).fit(r)
    >>> paths = gan.sample(1000, 252, seed=0)      # DataFrame, one column per path
    """

    config_class = QuantGANConfig

    def __init__(self, config: QuantGANConfig | None = None, **options: Any) -> None:
        super().__init__(config, **options)
        cfg = self.config
        cfg.dilations = unchanged(cfg.dilations, tuple(int(d) for d in cfg.dilations))
        if cfg.critic_dilations is not None:
            cfg.critic_dilations = unchanged(cfg.critic_dilations, tuple(int(d) for d in cfg.critic_dilations))
        if (cfg.hidden < 1 or cfg.noise_dim < 1 or cfg.kernel_size < 1
                or any(d < 1 for d in cfg.dilations + (cfg.critic_dilations or ()))):
            raise ConfigError("hidden, noise_dim, kernel_size and (critic) dilations must be positive")
        cfg.critic_inputs = unchanged(cfg.critic_inputs, check_critic_inputs(cfg.critic_inputs, "critic_inputs"))
        cfg.memory = unchanged(cfg.memory, check_half_lives(cfg.memory))
        cfg.critic_window_features = as_count(cfg.critic_window_features, "critic_window_features", minimum=0)
        cfg.memory_spread = _check_spread(cfg.memory_spread, len(cfg.memory))
        if cfg.max_drift is not None:
            check_positive(cfg.max_drift, "max_drift", "volatilities")
        if cfg.drift_clip is not None:
            check_positive(cfg.drift_clip, "drift_clip", "volatilities")
        check_one_drift_bound(cfg.max_drift, cfg.drift_clip)
        if (cfg.max_drift is not None or cfg.drift_clip is not None) and cfg.generator != "svnn":
            raise ConfigError("max_drift and drift_clip need the SVNN generator: the pure TCN has no separate drift")
        if cfg.generator not in GENERATORS:
            raise ConfigError(f"generator must be one of {', '.join(GENERATORS)}, not {cfg.generator!r}")
        if cfg.reversal is not None:
            if cfg.generator != "svnn" or not cfg.memory:
                raise ConfigError("reversal needs the SVNN generator with memory half-lives (it reads their averages)")
            cfg.reversal = _check_reversal(cfg.reversal, len(cfg.memory))
        if cfg.latent_spread is not None:
            if cfg.generator != "svnn" or not cfg.memory:
                raise ConfigError("latent_spread needs the SVNN generator with memory half-lives "
                                  "(it averages over them)")
            cfg.latent_spread = _check_spread(cfg.latent_spread, len(cfg.memory), "latent_spread")
        if cfg.recency is not None:  # checked, kept as given (scikit-learn's clone compares the very objects)
            check_positive(cfg.recency, "recency", "days")
        if cfg.window < cfg.critic_receptive_field:
            raise ConfigError(f"window ({cfg.window}) must be at least the critic's receptive field "
                              f"({cfg.critic_receptive_field})")
        check_non_negative(cfg.fact_weight, "fact_weight")
        if cfg.fact_lags is not None:
            cfg.fact_lags = as_count(cfg.fact_lags, "fact_lags")
        check_non_negative(cfg.fact_pooled_weight, "fact_pooled_weight")
        cfg.fact_pooled_facts = unchanged(cfg.fact_pooled_facts,
                                          StylizedFacts.check_facts(cfg.fact_pooled_facts, "fact_pooled_facts"))
        if (cfg.fact_weight or cfg.fact_pooled_weight) and not 1 <= cfg.effective_fact_lags <= cfg.window - 2:
            raise ConfigError(f"fact_lags ({cfg.fact_lags}) must be at most the window length - 2 ({cfg.window - 2})")
        if cfg.selection not in SELECTIONS:
            raise ConfigError(f"selection must be one of {', '.join(SELECTIONS)}, not {cfg.selection!r}")
        if cfg.selection == "origin" and cfg.generator != "svnn":
            raise ConfigError("selection='origin' needs the SVNN generator: the pure TCN cannot read a history")
        if cfg.conditional and (cfg.n_regimes < 2 or cfg.regime_lookback < 2):
            raise ConfigError("a conditional Quant GAN needs n_regimes >= 2 and regime_lookback >= 2")
        self.transform_: ReturnTransform | None = None
        self.regime_edges_: np.ndarray | None = None
        self.regime_shares_: np.ndarray | None = None
        self.selection_: list[dict[str, float]] = []
        self.best_step_: int | None = None
        self._best_state: dict[str, torch.Tensor] | None = None

    # ------------------------------------------------------------------ nets
    @property
    def n_assets(self) -> int:
        self._check_fitted()
        return len(self.columns_)

    @property
    def data_shape_(self) -> tuple[int, ...]:
        return (self.config.window, self.n_assets)

    def build(self, data_shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module | None, tuple[int, ...]]:
        cfg = self.config
        n_assets = data_shape[-1]
        options = {"hidden": cfg.hidden, "dilations": cfg.dilations, "kernel_size": cfg.kernel_size,
                   "n_classes": cfg.n_regimes if cfg.conditional else 0}
        extra = ({"memory": cfg.memory, "memory_spread": cfg.memory_spread, "memory_sign": cfg.memory_sign,
                  "max_drift": cfg.max_drift, "drift_clip": cfg.drift_clip, "reversal": cfg.reversal,
                  "latent_spread": cfg.latent_spread}
                 if cfg.generator == "svnn" else {})
        generator = GENERATORS[cfg.generator](cfg.noise_dim, n_assets, **options, **extra)
        critic = TCNCritic(n_assets, inputs=cfg.critic_inputs, window_features=cfg.critic_window_features,
                           **{**options, "dilations": cfg.effective_critic_dilations})
        return generator, critic, (cfg.window + cfg.receptive_field - 1, cfg.noise_dim)

    def extra_terms(self) -> list[Term]:
        if not (self.config.fact_weight or self.config.fact_pooled_weight):
            return []
        cfg = self.config
        return [StylizedFacts(cfg.fact_weight, cfg.effective_fact_lags, cfg.fact_pooled_weight, cfg.fact_pooled_facts)]

    # ------------------------------------------------------------------ regimes
    @property
    def regime_names(self) -> tuple[str, ...]:
        n = self.config.n_regimes
        return REGIME_NAMES.get(n, tuple(f"regime {i}" for i in range(n)))

    def _trailing_vol(self, returns: pd.DataFrame) -> pd.Series:
        """Realised volatility of the equal-weight returns over the lookback, known the day before."""
        lookback = self.config.regime_lookback
        return returns.mean(axis=1).rolling(lookback).std().shift(1)

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        returns: pd.DataFrame | pd.Series,
        validation: pd.DataFrame | pd.Series | None = None,
        out_dir: str | os.PathLike | None = None,
        resume: bool = False,
    ) -> QuantGAN:
        """Train on log returns (one column per asset); returns self.

        Parameters
        ----------
        returns : DataFrame or Series with a DatetimeIndex
            Training-period log returns. The transform is fitted on them alone.
        validation : DataFrame or Series, optional
            Returns of a later period, never trained on: the generator is scored on them
            (:func:`~fingan.validation.returns.selection_score`) every ``select_every``
            steps and the best weights are kept (``selection_``, ``best_step_``).
        out_dir, resume
            Checkpoint folder and whether to continue the run there.
        """
        cfg = self.config
        frame = as_return_frame(returns)
        if validation is not None:
            validation = as_return_frame(validation)
            if list(validation.columns) != list(frame.columns):
                raise DataError("validation returns must have the same columns as the training returns")
            if validation.index[0] <= frame.index[-1]:
                raise DataError("validation returns must start after the training period ends")
        self.columns_ = [str(c) for c in frame.columns]
        self.last_date_ = (validation if validation is not None else frame).index[-1]
        self.transform_ = ReturnTransform(cfg.lambert_w).fit(frame)
        z = self.transform_.transform(frame)
        windows = ReturnWindows(z, cfg.window, cfg.stride)
        data, labels = windows.tensor, None
        weights = None if cfg.recency is None else windows.recency_weights(cfg.recency)
        if cfg.conditional:
            vol = self._trailing_vol(frame)
            known = vol.dropna()
            if len(known) < cfg.n_regimes:
                raise DataError(f"too few returns to estimate the {cfg.regime_lookback}-day volatility regimes")
            self.regime_edges_ = np.quantile(known.to_numpy(), np.linspace(0, 1, cfg.n_regimes + 1)[1:-1])
            start_vol = vol.reindex(windows.start_dates).to_numpy()
            keep = np.isfinite(start_vol)
            if keep.sum() < 2:
                raise DataError("too few windows with a known volatility regime; use more data or a shorter window")
            labels_np = np.searchsorted(self.regime_edges_, start_vol[keep])
            data, labels = data[torch.from_numpy(keep)], torch.from_numpy(labels_np)
            weights = None if weights is None else weights[keep]
            self.regime_shares_ = np.bincount(labels_np, minlength=cfg.n_regimes) / len(labels_np)
        callbacks = () if validation is None else (self._selector(validation, frame),)
        self.selection_, self.best_step_ = [], None
        self._train(data, labels, out_dir=out_dir, resume=resume, callbacks=callbacks, sample_weight=weights)
        if validation is not None and self._best_state is not None:
            self.trainer_.sampling_generator.load_state_dict(self._best_state)
        return self

    def _selector(self, validation: pd.DataFrame, history: pd.DataFrame):
        cfg = self.config
        every = cfg.select_every or max(1, cfg.trainer.steps // 10)
        reference = validation.to_numpy().T  # (assets, T): each asset's history is one path
        length = len(validation)
        self._best_state, self._last_scored = None, 0

        def score(trainer: Trainer, record: dict[str, Any]) -> None:
            crossed = trainer.step // every > self._last_scored // every
            if not crossed and trainer.step != trainer.config.steps:
                return
            self._last_scored = trainer.step
            try:
                if cfg.selection == "origin":  # the training returns' continuation into the validation period
                    synthetic = self.forecast_paths(history, None, cfg.select_paths, length, seed=SELECTION_SEED)[0]
                else:
                    synthetic = self._generate_returns(cfg.select_paths, length, seed=SELECTION_SEED, trainer=trainer)
                value = selection_score(synthetic.transpose(0, 2, 1).reshape(-1, length), reference)
            except DataError:  # a diverged generator (overflowing or constant paths) is never the checkpoint
                value = float("inf")
            self.selection_.append({"step": trainer.step, "score": value})
            if self.best_step_ is None or value < min(s["score"] for s in self.selection_[:-1]):
                self.best_step_ = trainer.step
                self._best_state = copy.deepcopy(trainer.sampling_generator.state_dict())
            record["validation_score"] = value

        return score

    # ------------------------------------------------------------------ sample
    def _generate_returns(
        self, n_paths: int, length: int, seed: int | None, regime: int | str | None = None,
        trainer: Trainer | None = None,
    ) -> np.ndarray:
        """Log returns (n_paths, length, n_assets) from the generator, through the inverse transform."""
        cfg = self.config
        trainer = trainer or self._require_fitted()
        labels = None
        if cfg.conditional:
            labels = regime_labels(regime, self.regime_names, self.regime_shares_, n_paths, seed)
        elif regime is not None:
            raise ConfigError("regime= needs a conditional Quant GAN (conditional=True)")
        z = trainer.sample(n_paths, labels, seed=seed, latent_shape=(length + cfg.receptive_field - 1, cfg.noise_dim))
        return self.transform_.inverse_transform(z.numpy().astype(float))

    def _paths(
        self, n_paths: int, length: int, seed: int | None, regime: int | str | None = None, history: Any = None
    ) -> np.ndarray:
        if history is not None:
            return self.forecast_paths(history, None, n_paths, length, seed=seed, regime=regime)[0]
        return self._generate_returns(n_paths, length, seed, regime)

    def _start_after(self, history: Any = None, **options: Any) -> pd.Timestamp:
        return self.last_date_ if history is None else as_return_frame(history).index[-1]

    def sample(
        self, n_paths: int, length: int = 252, seed: int | None = None, regime: int | str | None = None,
        history: pd.DataFrame | pd.Series | None = None,
    ) -> pd.DataFrame:
        """Draw return paths of any length in one pass (see :meth:`PathModel.sample`).

        ``regime`` (conditional models only) asks for paths that start in a volatility
        regime: a name from ``regime_names`` (``"calm"``, ``"normal"``, ``"stressed"``)
        or its index; without it regimes are drawn as often as in the training data.

        ``history`` (SVNN generator only): real log returns up to a date, with the model's
        columns; the paths then continue them from the next business day, starting from
        the volatility the model reads in them (see :meth:`forecast_paths`). A conditional
        model then starts in the history's own regime unless ``regime`` is given.
        """
        return super().sample(n_paths, length, seed=seed, regime=regime, history=history)

    # ------------------------------------------------------------------ history
    @property
    def reads_history(self) -> bool:
        """Only the SVNN generator's volatility can be read back from real returns."""
        return self.config.generator == "svnn"

    def _history_frame(self, returns: Any) -> pd.DataFrame:
        self._check_fitted()
        if not self.reads_history:
            raise ConfigError("scenarios from a history need the SVNN generator (generator='svnn'): the pure TCN's "
                              "noise cannot be read back from returns")
        frame = as_return_frame(returns)
        if [str(c) for c in frame.columns] != list(self.columns_):
            raise DataError(f"history must have the model's columns {self.columns_}, got {list(frame.columns)}")
        return frame

    def summary(self, data: str, train: pd.DataFrame) -> dict[str, Any]:
        """What a training run's ``summary.json`` records: data, assets, period, network and checkpoint choice."""
        self._check_fitted()
        return {"data": data, "assets": self.columns_, "train": [str(train.index[0].date()), str(train.index[-1].date())],
                "receptive_field": self.config.receptive_field, "steps": self.config.trainer.steps,
                "best_step": self.best_step_, "selection": self.selection_}

    def history_returns(self, source: str, start: str | None = None, end: str | None = None) -> pd.DataFrame:
        """Real log returns of a price ``source`` in this model's columns, for ``sample(history=...)``.

        ``source`` is anything :func:`~fingan.data.prices.load_prices` reads (``sp500``, a
        price file, ``yahoo:A,B``); a single series may carry another name than the
        training data's.
        """
        from fingan.data.prices import load_prices
        from fingan.data.returns import log_returns

        self._check_fitted()
        returns = log_returns(load_prices(source, start=start, end=end, missing="dropna"))
        returns.columns = [str(c) for c in returns.columns]
        if set(self.columns_) <= set(returns.columns):
            return returns[list(self.columns_)]
        if returns.shape[1] == len(self.columns_) == 1:
            returns.columns = list(self.columns_)  # one series: its name need not match the training data's
            return returns
        raise DataError(f"--history {source} lacks the model's tickers {self.columns_}")

    def regimes_of(self, returns: pd.DataFrame | pd.Series) -> pd.Series:
        """The volatility regime a path starting on each day of ``returns`` would be drawn in.

        Conditional models only: the trailing ``regime_lookback``-day volatility of the
        equal-weight returns known the day before, cut at the training data's edges; the
        middle regime while fewer than ``regime_lookback`` days are known. ``returns`` need
        the model's columns (one series for a one-asset model).
        """
        if self.regime_edges_ is None:
            raise ConfigError("regimes_of needs a fitted conditional Quant GAN (conditional=True)")
        frame = as_return_frame(returns)
        if frame.shape[1] != len(self.columns_):
            raise DataError(f"returns must have the model's {len(self.columns_)} columns, got {frame.shape[1]}")
        names = np.asarray(self.regime_names, dtype=object)
        return pd.Series(names[self._day_labels(frame)[: len(frame)]], index=frame.index, name="regime")

    def _day_labels(self, frame: pd.DataFrame) -> np.ndarray:
        """Regime label of each day of ``frame`` and of the day after it, from the trailing volatility
        known the day before (the middle regime while fewer than ``regime_lookback`` days are known)."""
        known = frame.mean(axis=1).rolling(self.config.regime_lookback).std().to_numpy()
        vol = np.concatenate([[np.nan], known])  # day i's label reads the volatility up to day i - 1
        labels = np.searchsorted(self.regime_edges_, np.nan_to_num(vol, nan=-np.inf))
        return np.where(np.isfinite(vol), labels, self.config.n_regimes // 2)

    @torch.no_grad()
    def filter_history(
        self, returns: pd.DataFrame | pd.Series, keep: Any = (), particles: int = 64, seed: int | None = None,
    ) -> tuple[Any, int]:
        """Run the SVNN's particle filter (:meth:`fingan.nets.SVNN.filter`) over real returns.

        The filter starts ``receptive_field - 1`` days before the earliest position in
        ``keep`` (positions in ``returns``, the state before that day), as far back as the
        data go: the model's paths depend on that many noise steps. Returns the filter and
        the position of its first day.
        """
        frame = self._history_frame(returns)
        keep = np.asarray(keep, dtype=int).reshape(-1) if np.size(keep) else np.array([len(frame)])
        if keep.min() < 1 or keep.max() > len(frame):
            raise DataError("every forecast origin needs at least one day of history before it")
        particles = as_count(particles, "particles")
        cfg, net = self.config, self._require_fitted().sampling_generator
        first = max(0, int(keep.min()) - (cfg.receptive_field - 1))
        last = int(keep.max())
        param = next(net.parameters())
        target = torch.tensor(self.transform_.transform(frame.iloc[first:last]).to_numpy(), dtype=param.dtype,
                                 device=param.device)
        rng = torch.Generator(device=param.device)
        rng.manual_seed(0 if seed is None else int(seed))
        prior = torch.randn(particles, net.context.receptive_field + len(target), cfg.noise_dim,
                            generator=rng, device=param.device, dtype=param.dtype)
        labels = None
        if cfg.conditional:
            day_labels = torch.as_tensor(self._day_labels(frame)[first:last], device=param.device)
            labels = day_labels[None].expand(particles, -1)
        was_training = net.training
        net.eval()
        try:
            result = net.filter(target, prior, labels, keep=keep - first, generator=rng)
        finally:
            net.train(was_training)
        return result, first

    @torch.no_grad()
    def forecast_paths(
        self,
        returns: pd.DataFrame | pd.Series,
        origins: Any = None,
        n_paths: int = 1000,
        horizon: int = 10,
        seed: int | None = None,
        regime: int | str | None = None,
        particles: int = 64,
        chunk_paths: int = 100_000,
    ) -> np.ndarray:
        """Scenarios that continue real returns from each of several days, in one batched call.

        Parameters
        ----------
        returns : DataFrame or Series with a DatetimeIndex
            Real log returns with the model's columns.
        origins : dates, optional
            Dates of ``returns`` on which scenarios start; each uses only the returns
            strictly before it. ``None``: one origin, the business day after the last return.
        n_paths, horizon : int
            Paths per origin and days per path.
        seed : int or None
            Seeds the filter and the paths.
        regime : str or int, optional
            Conditional models: the regime of every path; by default each origin's own
            (its trailing ``regime_lookback``-day volatility).
        particles : int
            Particles of the filter (:meth:`fingan.nets.SVNN.filter`): the model's
            volatility is read from the history once, for all origins; each path starts
            from a particle drawn with the filter's probabilities at its origin.
        chunk_paths : int
            Paths generated per pass, which bounds memory.

        Returns
        -------
        ndarray (n_origins, n_paths, horizon, n_assets) of log returns.
        """
        frame = self._history_frame(returns)
        n_paths, horizon = check_forecast_sizes(n_paths, horizon)
        chunk_paths = as_count(chunk_paths, "chunk_paths")
        positions = origin_positions(frame, origins)
        cfg, net = self.config, self._require_fitted().sampling_generator
        result, first = self.filter_history(frame, positions, particles=particles, seed=seed)
        slots = np.searchsorted(np.unique(positions), positions)  # the filter keeps each origin once, sorted
        param = next(net.parameters())
        rng = torch.Generator(device=param.device)
        rng.manual_seed(1 if seed is None else int(seed) + 1)
        labels = None
        if cfg.conditional:
            if regime is None:
                labels = torch.as_tensor(self._day_labels(frame)[positions], device=param.device)
            else:
                labels = regime_labels(regime, self.regime_names, self.regime_shares_, 1, seed).to(param.device)
                labels = labels.expand(len(positions))
        elif regime is not None:
            raise ConfigError("regime= needs a conditional Quant GAN (conditional=True)")
        out = np.empty((len(positions), n_paths, horizon, len(self.columns_)))
        per_pass = max(1, int(chunk_paths) // n_paths)
        was_training = net.training
        net.eval()
        try:
            for start in range(0, len(positions), per_pass):
                block = slice(start, min(start + per_pass, len(positions)))
                slot = torch.as_tensor(slots[block], device=param.device)
                particle = torch.multinomial(result.weight[slot], n_paths, replacement=True, generator=rng)
                rows, cols = slot[:, None].expand_as(particle).reshape(-1), particle.reshape(-1)
                noise = torch.randn(len(rows), horizon, cfg.noise_dim, generator=rng, device=param.device,
                                    dtype=param.dtype)
                # every particle of these origins is one shared history; each path points at its own
                context = result.context[slot].flatten(0, 1)
                index = (torch.arange(len(slot), device=param.device)[:, None] * particles + particle).reshape(-1)
                y = y_context = None
                if labels is not None:
                    y = labels[block].repeat_interleave(n_paths)
                    y_context = labels[block].repeat_interleave(particles)
                paths = net.continuation(context, result.size[rows, cols], result.sign[rows, cols], noise, y,
                                         index=index, y_context=y_context, latent=result.latent[rows, cols])
                values = self.transform_.inverse_transform(paths.float().cpu().numpy().astype(float))
                out[block] = values.reshape(-1, n_paths, horizon, len(self.columns_))
        finally:
            net.train(was_training)
        return out

    # ------------------------------------------------------------------ state
    @classmethod
    def upgrade_config(cls, data: dict[str, Any]) -> dict[str, Any]:
        # files written before the SVNN generator hold a pure TCN with a returns-only critic
        if "generator" not in data:
            data.update(generator="tcn", critic_inputs=["r"], lambert_w=True)
        # files written before recency weighting drew every training window alike
        data.setdefault("recency", None)
        # files written before the stylized-fact loss trained without it
        data.setdefault("fact_weight", 0.0)
        return data

    def extra_state(self) -> dict[str, Any]:
        return {
            "columns": self.columns_,
            "last_date": self.last_date_.isoformat(),
            "transform": {k: v if k == "columns" else torch.as_tensor(v, dtype=torch.float64)
                          for k, v in self.transform_.state_dict().items()},
            **regime_state(self),
            "selection": self.selection_,
            "best_step": self.best_step_,
        }

    def load_extra_state(self, state: dict[str, Any]) -> None:
        self.columns_ = list(state["columns"])
        self.last_date_ = pd.Timestamp(state["last_date"])
        self.transform_ = ReturnTransform.from_state(
            {k: v if k == "columns" else v.numpy() for k, v in state["transform"].items()})
        load_regime_state(self, state)
        self.selection_ = list(state["selection"])
        self.best_step_ = state["best_step"]
