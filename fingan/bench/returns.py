"""Returns benchmark: Quant GAN against GARCH and the bootstrap on the bundled S&P 500.

    fingan bench returns --mode small --seeds 3 --ablation --out benchmarks/results/returns_small.md
    fingan bench returns --mode full --device cuda --out benchmarks/results/returns_full.md

(``python benchmarks/returns.py`` takes the same flags.) Every model is fitted on
the training period; the Quant GAN picks its checkpoint on the validation period; all are
scored on the test period (out of sample) and on the training period (in sample, as in
Table 2 of Wiese et al. 2020).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from fingan.baselines import GARCH, StationaryBootstrap
from fingan.data.prices import load_prices
from fingan.data.returns import log_returns, split_periods
from fingan.errors import ConfigError, DataError
from fingan.models.quantgan import SELECTION_SEED, QuantGAN
from fingan.validation import returns as R
from fingan.bench.report import check_variants, log, machine_description, parser, publish
from fingan.bench.settings import MODES, TRAIN_END, VALID_END, quantgan_options
from fingan.cli_args import add_device_flag, add_progress_flag, positive_int, resolve_progress
from fingan.validation.tables import markdown_table

# Wiese et al. (2020), Table 2 (in sample; S&P 500 2009-2018; checkpoint chosen on these metrics).
PAPER = {
    "TCN (paper)": {"EMD 1-day": 0.0039, "EMD 5-day": 0.0039, "EMD 20-day": 0.0040, "EMD 100-day": 0.0154,
                    "ACF score r": 0.0212, "ACF score |r|": 0.0248, "ACF score r^2": 0.0214,
                    "leverage score": 0.3291},
    "GARCH(1,1) (paper)": {"EMD 1-day": 0.0199, "EMD 5-day": 0.0145, "EMD 20-day": 0.0276, "EMD 100-day": 0.0935,
                           "ACF score r": 0.0223, "ACF score |r|": 0.0291, "ACF score r^2": 0.0253,
                           "leverage score": 0.4636},
}
# the test period scored with scenarios that continue the real history up to its first day
ORIGIN = "test from origin"
SCORES = ["EMD 1-day", "EMD 5-day", "EMD 20-day", "EMD 100-day", "DY 1-day",
          "ACF score r", "ACF score |r|", "ACF score r^2", "leverage score"]
# the scores of the in-sample targets (training period): the EMDs, clustering and leverage
IN_SAMPLE = ["EMD 1-day", "EMD 5-day", "EMD 20-day", "EMD 100-day", "ACF score |r|", "ACF score r^2",
             "leverage score"]


def paper_scores(synthetic: np.ndarray, reference: np.ndarray, max_lag: int = 250) -> dict[str, float]:
    """The Quant GAN paper's scores of synthetic paths against one reference series."""
    out = {f"EMD {h}-day": v for h, v in R.wasserstein_scores(synthetic, reference).items()}
    out["DY 1-day"] = R.dy_metric(synthetic, reference)
    for transform, name in (("identity", "r"), ("abs", "|r|"), ("square", "r^2")):
        out[f"ACF score {name}"] = R.acf_score(synthetic, reference, max_lag, transform)
    out["leverage score"] = R.leverage_score(synthetic, reference)
    return out


# the critic's inputs before the EWMA-standardised channel joined the default
_R_ABS = ("r", "abs")
# the drift bound with the smaller 2-day memory term that several rows build on
_BOUNDED = {"max_drift": 0.3, "memory_spread": (0.075, 0.15, 0.15, 0.15)}

# Variants of the Quant GAN tried for volatility clustering, each at the mode's budget and
# split (the default is the first row). Options are QuantGAN options on top of the mode's
# and the default's; rows recorded before recency=500 became the default (results files
# up to returns_small_recency_seeds.md) were fitted with every window alike, and rows
# recorded before ema_decay=None became the default (up to returns_small_recency_no_ema_seeds.md)
# with an EMA of decay 0.99, and rows recorded before fact_weight=10 became the default (up to
# returns_small_fact_loss_seeds.md) without the stylized-fact loss, and rows recorded before the
# critic's EWMA-standardised input became the default (up to returns_small_fact_standardised_seeds.md)
# with a critic of r and |r| only; the rows named "the default before" keep their meaning by
# switching later defaults off. Rows that now equal the default stay so recorded commands run.
ABLATION: dict[str, dict[str, Any]] = {
    "default: SVNN, memory 2/20/120/500 d, sign -0.8, critic r, |r| and EWMA-standardised r, no EMA, "
    "recency 500 d, stylized-fact loss 10 over lags 1-50": {},
    "SVNN, critic r and |r|, stylized-fact loss 10 (the default before the standardised input)":
        {"critic_inputs": _R_ABS},
    "SVNN without the stylized-fact loss (the default before)": {"fact_weight": 0.0, "critic_inputs": _R_ABS},
    "SVNN, EMA 0.99 (the default before no EMA)": {"ema_decay": 0.99, "fact_weight": 0.0, "critic_inputs": _R_ABS},
    "SVNN, every window alike (the default before recency)": {"recency": None, "ema_decay": 0.99, "fact_weight": 0.0,
                                                              "critic_inputs": _R_ABS},
    "SVNN, every window alike, no EMA": {"recency": None},
    "pure TCN (paper), critic r, Lambert W, no EMA, every window alike (the first default)":
        {"generator": "tcn", "critic_inputs": ("r",), "lambert_w": True, "ema_decay": None, "recency": None,
         "fact_weight": 0.0},
    "pure TCN, critic r and |r|, Lambert W": {"generator": "tcn", "lambert_w": True},
    "SVNN without memory": {"memory": ()},
    "SVNN, memory 2/20/120 d": {"memory": (2.0, 20.0, 120.0)},
    "SVNN, sign -0.5": {"memory_sign": -0.5},
    "SVNN, sign -1.2": {"memory_sign": -1.2},
    "SVNN, sign -1.0": {"memory_sign": -1.0},
    "SVNN, sign -1.2, memory spread 0.075/0.15/0.15/0.15":
        {"memory_sign": -1.2, "memory_spread": (0.075, 0.15, 0.15, 0.15)},
    "SVNN, memory spread 0.3 (default 0.15)": {"memory_spread": 0.3},
    "SVNN, memory 2/20/120/500/1000 d": {"memory": (2.0, 20.0, 120.0, 500.0, 1000.0)},
    "SVNN, memory spread 0.15/0.15/0.15/0.45 (slow term 3x)": {"memory_spread": (0.15, 0.15, 0.15, 0.45)},
    "SVNN, memory spread 0.15/0.15/0.3/0.3": {"memory_spread": (0.15, 0.15, 0.3, 0.3)},
    "SVNN, memory spread 0/0.15/0.25/0.35": {"memory_spread": (0.0, 0.15, 0.25, 0.35)},
    "SVNN, memory spread 0.05/0.15/0.25/0.3": {"memory_spread": (0.05, 0.15, 0.25, 0.3)},
    "SVNN, critic r only": {"critic_inputs": ("r",)},
    "SVNN, critic r, |r| and r^2": {"critic_inputs": ("r", "abs", "square")},
    "SVNN, critic r, |r| and EWMA-standardised r": {"critic_inputs": ("r", "abs", "standardised")},
    "SVNN, critic EWMA-standardised r and |r|": {"critic_inputs": ("standardised", "abs")},
    "SVNN, stylized-fact loss weight 1, lags 1-20": {"fact_weight": 1.0, "fact_lags": 20},
    "SVNN, stylized-fact loss weight 10, lags 1-20": {"fact_weight": 10.0, "fact_lags": 20},
    "SVNN, stylized-fact loss weight 10, lags 1-50": {"fact_weight": 10.0, "fact_lags": 50},  # the default now
    "SVNN, stylized-fact loss weight 10, lags 1-50, pooled over the batch": {"fact_weight": 0.0,
                                                                            "fact_pooled_weight": 10.0},
    "SVNN, stylized-fact loss weight 10, lags 1-50, per window and pooled": {"fact_weight": 10.0,
                                                                            "fact_pooled_weight": 10.0},
    "SVNN, stylized-fact loss weight 10, lags 1-50, per window, and pooled weight 2": {"fact_weight": 10.0,
                                                                                      "fact_pooled_weight": 2.0},
    "SVNN, stylized-fact loss weight 10, lags 1-50, per window, and pooled ACF |r| weight 10":
        {"fact_weight": 10.0, "fact_pooled_weight": 10.0, "fact_pooled_facts": ("abs",)},
    "SVNN, stylized-fact loss weight 10, lags 1-50, per window, and pooled ACF |r| weight 2":
        {"fact_weight": 10.0, "fact_pooled_weight": 2.0, "fact_pooled_facts": ("abs",)},
    "SVNN, stylized-fact loss weight 10, lags 1-126 (the whole window)": {"fact_weight": 10.0, "fact_lags": 126},
    "SVNN, stylized-fact loss weight 10, lags 1-50, critic r, |r| and EWMA-standardised r":
        {"fact_weight": 10.0, "critic_inputs": ("r", "abs", "standardised")},  # the default now
    "SVNN, stylized-fact loss weight 30, lags 1-50": {"fact_weight": 30.0},
    "SVNN, stylized-fact loss weight 100, lags 1-50": {"fact_weight": 100.0},
    "SVNN, Lambert W": {"lambert_w": True},
    "SVNN, no EMA": {"ema_decay": None},
    "SVNN, EMA 0.999 (default 0.99)": {"ema_decay": 0.999},
    "SVNN, EMA 0.999, 2400 steps": {"ema_decay": 0.999, "steps": 2400},
    "SVNN, EMA 0.999 started at step 200": {"ema_decay": 0.999, "ema_start": 200},
    "SVNN, drift bounded to 0.1 volatilities": {"max_drift": 0.1},
    "SVNN, drift bounded to 0.3 volatilities": {"max_drift": 0.3},
    "SVNN, drift bounded to 0.5 volatilities": {"max_drift": 0.5},
    "SVNN, drift bounded to 2 volatilities": {"max_drift": 2.0},
    # drift_clip leaves drifts below the clip as they are; max_drift makes every drift a multiple of sigma
    "SVNN, drift clipped at 0.5 volatilities": {"drift_clip": 0.5},
    "SVNN, drift clipped at 1 volatility": {"drift_clip": 1.0},
    "SVNN, drift clipped at 2 volatilities": {"drift_clip": 2.0},
    "SVNN, drift bounded to 0.1 volatilities, memory spread 0/0.15/0.15/0.15 (no 2-day term)":
        {"max_drift": 0.1, "memory_spread": (0.0, 0.15, 0.15, 0.15)},
    "SVNN, drift bounded to 0.3 volatilities, memory spread 0.075/0.15/0.15/0.15": {**_BOUNDED},
    "SVNN, drift bounded to 0.3 volatilities, memory spread 0.1/0.15/0.15/0.15":
        {"max_drift": 0.3, "memory_spread": (0.1, 0.15, 0.15, 0.15)},
    "SVNN, drift bounded to 0.3 volatilities, memory spread 0.075/0.15/0.15/0.15, reversal terms from 0":
        {**_BOUNDED, "reversal": 0.0},
    "SVNN, drift bounded to 0.3 volatilities, memory spread 0.075/0.15/0.15/0.15, reversal from -0.1/-0.1/0/0":
        {**_BOUNDED, "reversal": (-0.1, -0.1, 0.0, 0.0)},
    "SVNN, drift bounded to 0.3 volatilities, memory spread 0.075/0.15/0.15/0.15, reversal from -0.15/-0.1/0/0":
        {**_BOUNDED, "reversal": (-0.15, -0.1, 0.0, 0.0)},
    "SVNN, drift bounded to 0.3 volatilities, memory spread 0.075/0.15/0.15/0.15, reversal from -0.2/-0.1/0/0":
        {**_BOUNDED, "reversal": (-0.2, -0.1, 0.0, 0.0)},
    "SVNN, 2400 steps": {"steps": 2400},
    "SVNN, half learning rates (lr_g 5e-5, lr_d 2e-4)": {"lr_g": 5e-5, "lr_d": 2e-4},
    "SVNN, 2 critic steps per generator step": {"n_critic": 2},
    "SVNN, 5 critic steps, lr_d 1e-4 (the WGAN-GP paper's schedule)": {"n_critic": 5, "lr_d": 1e-4},
    "SVNN, linear learning-rate decay to 0": {"lr_decay": "linear"},
    "SVNN, cosine learning-rate decay to 0": {"lr_decay": "cosine"},
    "SVNN, 600 steps, cosine learning-rate decay to 0": {"steps": 600, "lr_decay": "cosine"},
    "SVNN, 600 steps": {"steps": 600},
    "SVNN, validation every 40 steps (default 120)": {"select_every": 40},
    "SVNN, window 256": {"window": 256},
    "SVNN, window 512": {"window": 512},
    "SVNN, window 512, batch 32": {"window": 512, "batch_size": 32},
    "SVNN, window 256, critic dilations to 32 (critic field 127)":
        {"window": 256, "critic_dilations": (1, 2, 4, 8, 16, 32)},
    "SVNN, critic window features 8": {"critic_window_features": 8},
    "SVNN, generator dilations 1-8 (field 31), critic's 1-16": {"dilations": (1, 2, 4, 8),
                                                                "critic_dilations": (1, 2, 4, 8, 16)},
    "SVNN, generator dilations 1-2 (field 7), critic's 1-16": {"dilations": (1, 2),
                                                               "critic_dilations": (1, 2, 4, 8, 16)},
    "SVNN, window 256, critic window features 8": {"window": 256, "critic_window_features": 8},
    "SVNN, checkpoint chosen on scenarios from the validation period's first day": {"selection": "origin"},
    "SVNN, drift bounded to 0.3 volatilities, memory spread 0.075/0.15/0.15/0.15, reversal from -0.2/-0.1/0/0, "
    "checkpoint chosen from the origin": {**_BOUNDED, "reversal": (-0.2, -0.1, 0.0, 0.0), "selection": "origin"},
    "SVNN, memory spread 0/0.15/0.25/0.35, checkpoint chosen from the origin":
        {"memory_spread": (0.0, 0.15, 0.25, 0.35), "selection": "origin"},
    "SVNN, latent volatility 0/0.15/0.15/0.15": {"latent_spread": (0.0, 0.15, 0.15, 0.15)},
    "SVNN, latent volatility 0/0.1/0.2/0.3": {"latent_spread": (0.0, 0.1, 0.2, 0.3)},
    "SVNN, latent volatility 0/0/0.25/0.25": {"latent_spread": (0.0, 0.0, 0.25, 0.25)},
    "SVNN, latent volatility 0/0/0.25/0.25, memory spread 0.075/0.075/0.15/0.15":
        {"latent_spread": (0.0, 0.0, 0.25, 0.25), "memory_spread": (0.075, 0.075, 0.15, 0.15)},
    "SVNN, latent volatility 0/0/0.25/0.25, memory spread 0.075 (all terms)":
        {"latent_spread": (0.0, 0.0, 0.25, 0.25), "memory_spread": 0.075},
    # the default now; kept so that the commands recorded in returns_small_recency*.md still run
    "SVNN, windows weighted by recency, half-life 500 d": {"recency": 500.0},
    "SVNN, windows weighted by recency, half-life 1000 d": {"recency": 1000.0},
    "SVNN, windows weighted by recency, half-life 250 d": {"recency": 250.0},
}

# Facts of paths as long as the training period, compared with the training series itself.
LONG_FACTS = ["acf |r| lag 1", "acf |r| lag 5", "acf |r| lag 20", "acf |r| lag 50", "acf r^2 lag 1",
              "mean leverage lags 1-10", "median excess kurtosis", "median EWMA-standardised kurtosis"]


def long_path_facts(paths: Any) -> dict[str, float]:
    """The volatility facts of the issue's in-sample targets, per path then averaged (or medians)."""
    x = R.as_paths(paths)
    acf_abs = R.acf(np.abs(x), 50).mean(axis=0)
    return {
        "acf |r| lag 1": float(acf_abs[0]), "acf |r| lag 5": float(acf_abs[4]),
        "acf |r| lag 20": float(acf_abs[19]), "acf |r| lag 50": float(acf_abs[49]),
        "acf r^2 lag 1": float(R.acf(x**2, 1).mean()),
        "mean leverage lags 1-10": float(R.leverage(x, 10).mean()),
        "median excess kurtosis": float(np.median(R.excess_kurtosis(x))),
        "median EWMA-standardised kurtosis": float(np.median(stats.kurtosis(R.ewma_standardised(x), axis=1))),
    }


def validation_scores(model: QuantGAN, train: pd.DataFrame, valid: pd.DataFrame) -> tuple[float, float]:
    """A fitted Quant GAN's selection score on ``valid`` for its unconditional paths and for its
    scenarios continuing ``train`` (what ``selection="unconditional"`` and ``"origin"`` score),
    drawn as the selector draws them; NaN for the second when the model reads no history."""
    reference, n, length = valid.to_numpy().ravel(), model.config.select_paths, len(valid)
    stationary = model.sample(n, length, seed=SELECTION_SEED).to_numpy().T
    if not model.reads_history:  # the pure TCN has no scenarios from a history
        return R.selection_score(stationary, reference), float("nan")
    continued = model.forecast_paths(train, None, n, length, seed=SELECTION_SEED)[0, ..., 0]
    return R.selection_score(stationary, reference), R.selection_score(continued, reference)


def drift_days(model: QuantGAN, returns: pd.DataFrame, days: pd.DatetimeIndex, n_paths: int, seed: int) -> float:
    """Share of ``days`` whose one-day scenarios, drawn from that morning's history, are centred
    further from zero than half their standard deviation: days whose VaR and ES are mostly set
    by the drift, not by the volatility (a model with a constant small mean has none)."""
    scenarios = model.forecast_paths(returns, days, n_paths, 1, seed=seed)[:, :, 0, 0]
    return float((np.abs(np.median(scenarios, axis=1)) > 0.5 * scenarios.std(axis=1)).mean())


def _baselines() -> dict[str, Callable[[], Any]]:
    return {
        "GARCH(1,1) normal": lambda: GARCH("normal"),
        "GARCH(1,1) t": lambda: GARCH("t"),
        "GJR-GARCH(1,1) t": lambda: GARCH("t", gjr=True),
        "stationary bootstrap": lambda: StationaryBootstrap(),
    }


def _evaluate(model: Any, periods: dict[str, pd.DataFrame], n_paths: int, seed: int,
              history: pd.DataFrame | None = None) -> dict[str, Any]:
    """Scores on every period, test-length facts and training-length facts of one fitted model.

    With ``history`` (the real returns up to the day before the test period) the test
    period is also scored with scenarios that continue that history (``"test from origin"``):
    ``forecast_paths`` of models that read a state from the past, the unconditional
    paths of those that cannot (the bootstrap, the pure TCN).
    """
    out: dict[str, Any] = {"scores": {}, "sample seconds": 0.0}
    for period, reference in periods.items():
        started = time.perf_counter()
        synthetic = model.sample(n_paths, len(reference), seed=seed + 1).to_numpy().T
        if period == "test":
            out["sample seconds"] = time.perf_counter() - started
            out["facts"] = R.stylized_facts(synthetic)
        else:
            out["long facts"] = long_path_facts(synthetic)
        out["scores"][period] = paper_scores(synthetic, reference.to_numpy().ravel())
    if history is not None and model.reads_history:
        test = periods["test"]
        started = time.perf_counter()
        continued = model.forecast_paths(history, None, n_paths, len(test), seed=seed + 1)[0, ..., 0]
        out["forecast seconds"] = time.perf_counter() - started
        out["scores"][ORIGIN] = paper_scores(continued, test.to_numpy().ravel())
    elif history is not None:
        out["scores"][ORIGIN] = out["scores"]["test"]  # a model without a state keeps its paths
    return out


def returns_benchmark(
    mode: str = "small",
    train_end: str = TRAIN_END,
    valid_end: str = VALID_END,
    n_paths: int | None = None,
    seeds: Sequence[int] = (0,),
    device: str = "auto",
    progress: bool = False,
    ablation: bool = False,
    log: Callable[[str], None] = print,
    variants: Sequence[str] | None = None,
    ablation_seeds: int = 1,
) -> dict[str, Any]:
    """Fit every model once per seed, draw paths, and score them; returns tables and timings.

    Paths as long as the period they are compared with are drawn (``n_paths`` of them),
    so reference and synthetic ACFs carry the same small-sample bias. Each seed trains
    the Quant GAN afresh (and draws every model's paths afresh); ``ablation`` also fits
    each variant of :data:`ABLATION` (or only the named ``variants``) with the first
    ``ablation_seeds`` seeds; ``result["ablation"][name]`` is the list of its runs.
    """
    settings = quantgan_options(mode)
    if not seeds:
        raise ConfigError("give at least one seed")
    if not 1 <= ablation_seeds <= len(seeds):
        raise ConfigError(f"ablation_seeds must be from 1 to the {len(seeds)} seeds of the run, got {ablation_seeds}")
    check_variants(variants, ABLATION, "fingan.bench.returns.ABLATION")
    n_paths = n_paths or MODES[mode]["n_paths"]
    returns = log_returns(load_prices("sp500"))
    train, valid, test = split_periods(returns, train_end, valid_end)
    periods = {"test": test, "train": train}
    history = returns.loc[:valid.index[-1]]  # what is known on the test period's first morning
    runs: dict[str, list[dict[str, Any]]] = {}

    def fit_quantgan(seed: int, options: dict[str, Any]) -> dict[str, Any]:
        model = QuantGAN(seed=seed, device=device, progress=progress, **{**settings, **options})
        started = time.perf_counter()
        model.fit(train, valid)
        fit_seconds = time.perf_counter() - started
        run = _evaluate(model, periods, n_paths, seed, history)
        stationary, continued = validation_scores(model, train, valid)
        if model.reads_history:
            run["drift days"] = drift_days(model, returns, test.index, n_paths, seed + 1)
        run.update({"fit seconds": fit_seconds, "validation score": stationary, "validation from origin": continued,
                    "selected score": min(s["score"] for s in model.selection_),
                    "best step": model.best_step_, "receptive field": model.config.receptive_field,
                    "steps per second": model.config.trainer.steps / max(fit_seconds, 1e-9),
                    "device": str(model.trainer_.device)})
        log(f"  fitted in {fit_seconds:.0f} s; validation score {stationary:.3f} (from origin {continued:.3f}); "
            + (f"drift days {run['drift days']:.3f}; " if "drift days" in run else "")
            + "training-length "
            + ", ".join(f"{k} {v:.3f}" for k, v in run["long facts"].items()))
        return run

    for seed in seeds:
        log(f"seed {seed}: Quant GAN fitting")
        runs.setdefault("Quant GAN", []).append(fit_quantgan(seed, {}))
        for name, make in _baselines().items():
            started = time.perf_counter()
            model = make().fit(train)
            fit_seconds = time.perf_counter() - started
            run = _evaluate(model, periods, n_paths, seed, history)
            run["fit seconds"] = fit_seconds
            runs.setdefault(name, []).append(run)
        log(f"seed {seed}: Quant GAN test scores "
            + ", ".join(f"{k} {v:.4g}" for k, v in runs["Quant GAN"][-1]["scores"]["test"].items()))
    ablation_runs: dict[str, list[dict[str, Any]] | dict[str, str]] = {}
    if ablation:
        for name, options in ABLATION.items():
            if variants and name not in variants and options:
                continue
            log(f"ablation: {name}")
            try:
                ablation_runs[name] = runs["Quant GAN"][:ablation_seeds] if not options else \
                    [fit_quantgan(seed, options) for seed in seeds[:ablation_seeds]]
            except DataError as error:  # a variant that diverged keeps its row, with the reason
                log(f"  failed: {error}")
                ablation_runs[name] = {"failed": str(error)}
    return {"runs": runs, "ablation": ablation_runs, "n_paths": n_paths, "seeds": list(seeds), "mode": mode,
            "ablation seeds": list(seeds[:ablation_seeds]),
            "real facts": {"real (test)": R.stylized_facts(test), "real (train)": R.stylized_facts(train)},
            "real long facts": long_path_facts(train.to_numpy().ravel()),
            "periods": {p: (str(f.index[0].date()), str(f.index[-1].date()), len(f))
                        for p, f in {"train": train, "validation": valid, "test": test}.items()}}


def _mean_sd(values: Sequence[float]) -> tuple[float, float]:
    arr = np.asarray(values, dtype=float)
    return float(arr.mean()), float(arr.std(ddof=1)) if len(arr) > 1 else 0.0


def _mean(runs: list[dict[str, Any]], get: Callable[[dict[str, Any]], float]) -> float:
    return _mean_sd([get(r) for r in runs])[0]


def _seeds_text(seeds: Sequence[int]) -> str:
    """How a table's figures were aggregated: "seed 0" or "mean ± sd over seeds 0, 1, 2"."""
    return "mean ± sd over seeds " + ", ".join(map(str, seeds)) if len(seeds) > 1 else f"seed {seeds[0]}"


def _within_25(value: float, real: float) -> bool:
    """The issue's target for a volatility fact: within 25% of the real value."""
    return abs(value - real) <= 0.25 * abs(real)


def score_table(result: dict[str, Any], period: str) -> pd.DataFrame:
    """Mean score over seeds per model (columns) and score (rows) for ``"test"``, :data:`ORIGIN` or ``"train"``."""
    return pd.DataFrame({name: {score: _mean(runs, lambda r: r["scores"][period][score]) for score in SCORES}
                         for name, runs in result["runs"].items()}).reindex(SCORES)


def _cell(runs: list[dict[str, Any]], get: Callable[[dict[str, Any]], float], fmt: str = ".4f") -> str:
    mean, sd = _mean_sd([get(r) for r in runs])
    return f"{mean:{fmt}} ± {sd:{fmt}}" if len(runs) > 1 else f"{mean:{fmt}}"


def benchmark_markdown(result: dict[str, Any]) -> str:
    """The benchmark's tables as Markdown: scores (test, train), targets, facts, ablation and timings."""
    runs = result["runs"]
    models = list(runs)
    parts = []
    seeds = _seeds_text(result["seeds"])
    for period in ("test", ORIGIN, "train"):
        means = score_table(result, period)
        rows = []
        for score in SCORES:
            best = means.loc[score].astype(float).idxmin()
            cells = [_cell(runs[m], lambda r: r["scores"][period][score]) for m in models]
            cells = [f"**{c}**" if m == best else c for m, c in zip(models, cells)]
            paper = [f"{PAPER[p][score]:.4f}" if score in PAPER[p] else "" for p in PAPER] if period == "train" else []
            rows.append([score, *cells, *paper])
        title = {"test": "Out of sample (test period)",
                 ORIGIN: "Out of sample, scenarios from the test period's first day (continuing the real history "
                         "to the end of the validation period; the bootstrap has no state and keeps its unconditional paths)",
                 "train": "In sample (training period)"}[period]
        wins = int((means["Quant GAN"] < means["GJR-GARCH(1,1) t"]).sum())
        parts.append(f"**{title}**, lower is better (best mean in bold; {seeds}). The Quant GAN's mean is better "
                     f"than GJR-GARCH(1,1) t's on {wins} of {len(SCORES)} scores.\n")
        parts.append(markdown_table(["score", *models, *(list(PAPER) if period == "train" else [])], rows))
    real = result["real long facts"]
    rows = []
    for fact in LONG_FACTS:
        value = _mean(runs["Quant GAN"], lambda r: r["long facts"][fact])
        within = _within_25(value, real[fact])
        rows.append([fact, f"{real[fact]:.3f}", _cell(runs["Quant GAN"], lambda r: r["long facts"][fact], ".3f"),
                     "yes" if within else "no",
                     *(f"{_mean(runs[m], lambda r: r['long facts'][fact]):.3f}" for m in models[1:])])
    hits = sum(row[3] == "yes" for row in rows)
    parts.append(f"**Volatility facts of paths as long as the training period** ({result['periods']['train'][2]} "
                 f"days) against the training series; Quant GAN within 25% of the real value on {hits} of "
                 f"{len(rows)}\n")
    parts.append(markdown_table(["fact", "real (train)", "Quant GAN", "within 25%", *models[1:]], rows))
    facts = pd.DataFrame({**result["real facts"],
                          **{m: pd.DataFrame([r["facts"] for r in runs[m]]).mean() for m in models}})
    parts.append("**Stylized facts** (synthetic paths as long as the test period, mean over seeds)\n")
    parts.append(markdown_table(["fact", *facts.columns],
                                [[i, *(f"{v:.3f}" for v in row)] for i, row in zip(facts.index, facts.values)]))
    if result["ablation"]:
        gjr_runs = runs["GJR-GARCH(1,1) t"][:len(result["ablation seeds"])]
        garch = {p: {s: _mean(gjr_runs, lambda r: r["scores"][p][s]) for s in SCORES}
                 for p in ("test", ORIGIN, "train")}
        header = ["variant", "validation score", "validation from origin", *SCORES, "beats GJR-t",
                  "beats GJR-t from origin", "beats GJR-t in sample", "acf |r| lag 1", "acf r lag 1", "drift days", "fit s"]
        rows = []
        for name, variant in result["ablation"].items():
            if "failed" in variant:
                rows.append([name, f"failed: {variant['failed']}", *[""] * (len(header) - 2)])
                continue
            wins = {p: sum(_mean(variant, lambda r: r["scores"][p][s]) < garch[p][s]
                           for s in (IN_SAMPLE if p == "train" else SCORES))
                    for p in ("test", ORIGIN, "train")}
            rows.append([name, _cell(variant, lambda r: r["validation score"], ".3f"),
                         _cell(variant, lambda r: r["validation from origin"], ".3f")
                         if np.isfinite(variant[0]["validation from origin"]) else "",
                         *(_cell(variant, lambda r: r["scores"]["test"][s]) for s in SCORES),
                         f"{wins['test']}/9", f"{wins[ORIGIN]}/9", f"{wins['train']}/{len(IN_SAMPLE)}",
                         _cell(variant, lambda r: r["long facts"]["acf |r| lag 1"], ".3f"),
                         _cell(variant, lambda r: r["facts"]["acf r lag 1"], ".3f"),
                         _cell(variant, lambda r: r["drift days"], ".3f") if "drift days" in variant[0] else "",
                         f"{_mean(variant, lambda r: r['fit seconds']):.0f}"])
        gjr_acf = _mean(gjr_runs, lambda r: r["long facts"]["acf |r| lag 1"])
        rows.append(["GJR-GARCH(1,1) t", "", "", *(f"{garch['test'][s]:.4f}" for s in SCORES), "", "", "",
                     f"{gjr_acf:.3f}", f"{_mean(gjr_runs, lambda r: r['facts']['acf r lag 1']):.3f}", "", ""])
        seeds_text = _seeds_text(result["ablation seeds"])
        parts.append(f"**Ablation** ({seeds_text}, same budget and split; out-of-sample scores; "
                     f"validation score: the checkpoint-selection score on the validation period, lower is better, "
                     f"for paths from the model's stationary state (what the default selector scores) and for "
                     f"scenarios continuing the training years (what `selection='origin'` scores); "
                     f"beats GJR-t: counted on the means; from origin: the same count for scenarios from the test "
                     f"period's first day; in sample: the same count on the training period over the in-sample "
                     f"targets' {len(IN_SAMPLE)} scores ({', '.join(IN_SAMPLE)}); "
                     f"acf |r| lag 1 of training-length paths, real {real['acf |r| lag 1']:.3f}; "
                     f"acf r lag 1: the mean over test-length paths of their own lag-1 autocorrelation, the "
                     f"reversal a day after each move (training series "
                     f"{result['real facts']['real (train)']['acf r lag 1']:.3f}); drift days: the share of "
                     f"test days whose one-day scenarios from that morning's history have a median further from "
                     f"zero than half their sd, so that their VaR is set by the drift more than by the volatility\n")
        parts.append(markdown_table(header, rows))
        fact_rows = [["real (train)", *(f"{real[f]:.3f}" for f in LONG_FACTS), ""]]
        for name, variant in result["ablation"].items():
            if "failed" not in variant:
                hits = sum(_within_25(_mean(variant, lambda r: r["long facts"][f]), real[f]) for f in LONG_FACTS)
                fact_rows.append([name, *(_cell(variant, lambda r: r["long facts"][f], ".3f") for f in LONG_FACTS),
                                  f"{hits}/{len(LONG_FACTS)}"])
        fact_rows.append(["GJR-GARCH(1,1) t", *(f"{_mean(gjr_runs, lambda r: r['long facts'][f]):.3f}"
                                                for f in LONG_FACTS), ""])
        parts.append(f"**Ablation: volatility facts of training-length paths** ({seeds_text}; "
                     "within 25%: how many facts (their means) are within 25% of the training series' value)\n")
        parts.append(markdown_table(["variant", *LONG_FACTS, "within 25%"], fact_rows))
    parts.append(f"**Time** (fit; drawing {result['n_paths']} test-length paths; the same from the test period's "
                 f"first day, reading the history; mean over seeds)\n")
    parts.append(markdown_table(["model", "fit s", "sample s", "from origin s"],
                                [[m, _cell(runs[m], lambda r: r["fit seconds"], ".1f"),
                                  _cell(runs[m], lambda r: r["sample seconds"], ".2f"),
                                  _cell(runs[m], lambda r: r["forecast seconds"], ".2f")
                                  if "forecast seconds" in runs[m][0] else ""] for m in models]))
    return "\n\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench returns``: run the benchmark, print its tables, write them to ``--out``."""
    p = parser("returns", __doc__)
    p.add_argument("--mode", choices=sorted(MODES), default="small",
                   help="small: minutes on a CPU; full: the paper's network, for a GPU")
    p.add_argument("--paths", type=positive_int, help="paths per model (default by mode)")
    p.add_argument("--seed", type=int, default=0, help="first seed")
    p.add_argument("--seeds", type=positive_int, default=1,
                   help="number of seeds (seed, seed + 1, ...): mean ± sd over them")
    p.add_argument("--ablation", action="store_true",
                   help="also fit each Quant GAN variant (first seed, or --ablation-seeds) for the ablation table")
    p.add_argument("--variants", nargs="+", metavar="NAME",
                   help="with --ablation: only these variants of fingan.bench.returns.ABLATION (default: all)")
    p.add_argument("--ablation-seeds", type=positive_int, default=1,
                   help="with --ablation: fit each variant with the first N seeds (mean ± sd in its row)")
    add_device_flag(p)
    add_progress_flag(p)
    p.add_argument("--out", type=Path, help="write the Markdown tables here")
    args = p.parse_args(argv)
    args.progress = resolve_progress(args.progress)
    seeds = list(range(args.seed, args.seed + args.seeds))
    result = returns_benchmark(args.mode, n_paths=args.paths, seeds=seeds, device=args.device,
                               progress=args.progress, ablation=args.ablation, log=log, variants=args.variants,
                               ablation_seeds=args.ablation_seeds)
    q = result["runs"]["Quant GAN"]
    periods = result["periods"]
    note = (
        f"\nS&P 500 log returns (bundled, arch.data): train {periods['train'][0]} to {periods['train'][1]} "
        f"({periods['train'][2]} days), validation to {periods['validation'][1]} ({periods['validation'][2]}), "
        f"test to {periods['test'][1]} ({periods['test'][2]}). {result['n_paths']} paths per model and seed, each "
        f"as long as the period compared with; ACF scores over lags 1-250, leverage over lags 1-20. Quant GAN "
        f"({args.mode} mode, receptive field {q[0]['receptive field']}) checkpoint chosen on the validation period "
        f"only (steps {', '.join(str(r['best step']) for r in q)}); "
        f"{sum(r['steps per second'] for r in q) / len(q):.2f} generator steps/s including validation scoring, on "
        f"{q[0]['device']}. Machine: {machine_description()}. Command: `python benchmarks/returns.py --mode "
        f"{args.mode}{'' if args.paths is None else f' --paths {args.paths}'} --seed {args.seed} --seeds "
        f"{args.seeds}{' --ablation' if args.ablation else ''}"
        + ("" if args.ablation_seeds == 1 else f" --ablation-seeds {args.ablation_seeds}")
        + ("" if not args.variants else " --variants " + " ".join(f"'{v}'" for v in args.variants))
        + ("" if args.out is None else f" --out {args.out}") + "`."
    )
    publish(benchmark_markdown(result), note, args.out)
    return 0
