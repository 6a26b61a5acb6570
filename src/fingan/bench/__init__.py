"""The returns benchmark: Quant GAN against GARCH and the bootstrap on the bundled S&P 500.

Used by ``benchmarks/returns.py`` and ``fingan bench returns``. Every model is fitted on
the training period; the Quant GAN picks its checkpoint on the validation period; all are
scored on the test period (out of sample) and on the training period (in sample, as in
Table 2 of Wiese et al. 2020).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from fingan.baselines import GARCH, StationaryBootstrap
from fingan.data.prices import load_prices
from fingan.data.returns import log_returns, split_periods
from fingan.errors import ConfigError
from fingan.models.quantgan import QuantGAN
from fingan.validation import returns as R
from fingan.validation.tables import markdown_table

# Quant GAN settings of the two modes. "small" runs in minutes on 2 CPU cores; "full" is
# the paper's network (width 80, receptive field 127) and is meant for a GPU.
MODES: dict[str, dict[str, Any]] = {
    "small": {"hidden": 32, "dilations": (1, 2, 4, 8, 16), "window": 128, "steps": 1200, "batch_size": 64,
              "n_paths": 200},
    "full": {"hidden": 80, "dilations": (1, 2, 4, 8, 16, 32), "window": 256, "steps": 6000, "batch_size": 128,
             "n_paths": 1000},
}

# Wiese et al. (2020), Table 2 (in sample; S&P 500 2009-2018; checkpoint chosen on these metrics).
PAPER = {
    "TCN (paper)": {"EMD 1-day": 0.0039, "EMD 5-day": 0.0039, "EMD 20-day": 0.0040, "EMD 100-day": 0.0154,
                    "ACF score r": 0.0212, "ACF score |r|": 0.0248, "ACF score r^2": 0.0214,
                    "leverage score": 0.3291},
    "GARCH(1,1) (paper)": {"EMD 1-day": 0.0199, "EMD 5-day": 0.0145, "EMD 20-day": 0.0276, "EMD 100-day": 0.0935,
                           "ACF score r": 0.0223, "ACF score |r|": 0.0291, "ACF score r^2": 0.0253,
                           "leverage score": 0.4636},
}
SCORES = ["EMD 1-day", "EMD 5-day", "EMD 20-day", "EMD 100-day", "DY 1-day",
          "ACF score r", "ACF score |r|", "ACF score r^2", "leverage score"]


def paper_scores(synthetic: np.ndarray, reference: np.ndarray, max_lag: int = 250) -> dict[str, float]:
    """The Quant GAN paper's scores of synthetic paths against one reference series."""
    out = {f"EMD {h}-day": v for h, v in R.wasserstein_scores(synthetic, reference).items()}
    out["DY 1-day"] = R.dy_metric(synthetic, reference)
    for transform, name in (("identity", "r"), ("abs", "|r|"), ("square", "r^2")):
        out[f"ACF score {name}"] = R.acf_score(synthetic, reference, max_lag, transform)
    out["leverage score"] = R.leverage_score(synthetic, reference)
    return out


def _models(mode: str, seed: int, device: str, progress: bool) -> dict[str, Callable[[], Any]]:
    settings = {k: v for k, v in MODES[mode].items() if k != "n_paths"}
    return {
        "Quant GAN": lambda: QuantGAN(seed=seed, device=device, progress=progress, **settings),
        "GARCH(1,1) normal": lambda: GARCH("normal"),
        "GARCH(1,1) t": lambda: GARCH("t"),
        "GJR-GARCH(1,1) t": lambda: GARCH("t", gjr=True),
        "stationary bootstrap": lambda: StationaryBootstrap(),
    }


def returns_benchmark(
    mode: str = "small",
    train_end: str = "2014-12-31",
    valid_end: str = "2016-12-31",
    n_paths: int | None = None,
    seed: int = 0,
    device: str = "auto",
    progress: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Fit every model, draw paths, and score them; returns tables and timings.

    Paths as long as the period they are compared with are drawn (``n_paths`` of them),
    so reference and synthetic ACFs carry the same small-sample bias.
    """
    if mode not in MODES:
        raise ConfigError(f"mode must be one of {sorted(MODES)}, not {mode!r}")
    n_paths = n_paths or MODES[mode]["n_paths"]
    returns = log_returns(load_prices("sp500"))
    train, valid, test = split_periods(returns, train_end, valid_end)
    periods = {"test": test, "train": train}
    scores: dict[str, dict[str, dict[str, float]]] = {p: {} for p in periods}
    facts: dict[str, dict[str, float]] = {"real (test)": R.stylized_facts(test), "real (train)": R.stylized_facts(train)}
    timing: dict[str, dict[str, float]] = {}
    extra: dict[str, Any] = {}
    for name, make in _models(mode, seed, device, progress).items():
        log(f"{name}: fitting")
        model = make()
        started = time.perf_counter()
        if isinstance(model, QuantGAN):
            model.fit(train, valid)
            extra["quantgan"] = {"best_step": model.best_step_, "selection": model.selection_,
                                 "receptive_field": model.config.receptive_field,
                                 "steps_per_second": model.config.trainer.steps / max(time.perf_counter() - started, 1e-9),
                                 "device": str(model.trainer_.device)}
        else:
            model.fit(train)
        timing[name] = {"fit seconds": time.perf_counter() - started}
        for period, reference in periods.items():
            started = time.perf_counter()
            paths = model.sample(n_paths, len(reference), seed=seed + 1)
            if period == "test":
                timing[name]["sample seconds"] = time.perf_counter() - started
            synthetic = paths.to_numpy().T
            scores[period][name] = paper_scores(synthetic, reference.to_numpy().ravel())
            if period == "test":
                facts[name] = R.stylized_facts(synthetic)
        log(f"{name}: fitted in {timing[name]['fit seconds']:.1f} s; test scores "
            + ", ".join(f"{k} {v:.4g}" for k, v in scores["test"][name].items()))
    return {"scores": scores, "facts": facts, "timing": timing, "extra": extra, "n_paths": n_paths,
            "periods": {p: (str(f.index[0].date()), str(f.index[-1].date()), len(f))
                        for p, f in {"train": train, "validation": valid, "test": test}.items()}}


def _best_marks(table: pd.DataFrame) -> pd.DataFrame:
    """Format numbers; the best (lowest) model per row in bold."""
    shown = table.map(lambda v: f"{v:.4f}" if isinstance(v, float) and np.isfinite(v) else "")
    models = [c for c in table.columns if "(paper)" not in c]
    for row in table.index:
        best = table.loc[row, models].astype(float).idxmin()
        shown.loc[row, best] = f"**{shown.loc[row, best]}**"
    return shown


def benchmark_markdown(result: dict[str, Any]) -> str:
    """The benchmark's tables as Markdown: scores (test, train), facts and timings."""
    parts = []
    for period in ("test", "train"):
        table = pd.DataFrame(result["scores"][period]).reindex(SCORES)
        if period == "train":
            table = table.join(pd.DataFrame(PAPER))
        shown = _best_marks(table)
        title = {"test": "Out of sample (test period)", "train": "In sample (training period)"}[period]
        parts.append(f"**{title}**, lower is better (best in bold)\n")
        parts.append(markdown_table(["score", *shown.columns], [[i, *row] for i, row in zip(shown.index, shown.values)]))
    facts = pd.DataFrame(result["facts"])
    parts.append("**Stylized facts** (synthetic paths as long as the test period)\n")
    parts.append(markdown_table(["fact", *facts.columns],
                                [[i, *(f"{v:.3f}" for v in row)] for i, row in zip(facts.index, facts.values)]))
    timing = pd.DataFrame(result["timing"]).T
    parts.append(f"**Time** (fit; drawing {result['n_paths']} test-length paths)\n")
    parts.append(markdown_table(["model", "fit s", "sample s"],
                                [[i, f"{r['fit seconds']:.1f}", f"{r['sample seconds']:.2f}"] for i, r in timing.iterrows()]))
    return "\n\n".join(parts)


# --------------------------------------------------------------------------- correlations

CORR_MODES: dict[str, dict[str, Any]] = {
    "small": {"steps": 1500, "channels": 32, "n_samples": 1000},
    "full": {"steps": 10000, "channels": 64, "n_samples": 5000},
}


def correlations_benchmark(
    mode: str = "small",
    n_assets: int = 20,
    window: int = 252,
    step: int = 5,
    seed: int = 0,
    device: str = "auto",
    progress: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """CorrGAN against LKJ, prescribed-spectrum and bootstrap matrices on the bundled 20-stock panel.

    Returns the correlation facts per model, the distances to the real set, timings, the
    speed of the batched nearest-correlation projection against statsmodels, and the
    allocation stress test per model.
    """
    import warnings

    from statsmodels.stats.correlation_tools import corr_nearest

    from fingan.apps import allocation_stress
    from fingan.baselines import CorrelationBootstrap, LKJCorrelations, SpectrumCorrelations
    from fingan.data.correlations import nearest_correlation
    from fingan.models.corrgan import CorrGAN
    from fingan.validation.correlations import correlation_distances, correlation_facts

    if mode not in CORR_MODES:
        raise ConfigError(f"mode must be one of {sorted(CORR_MODES)}, not {mode!r}")
    settings = CORR_MODES[mode]
    n = settings["n_samples"]
    returns = log_returns(load_prices("sp500-stocks"))
    gan = CorrGAN(n_assets=n_assets, window=window, step=step, steps=settings["steps"], channels=settings["channels"],
                  seed=seed, device=device, progress=progress)
    real, _ = gan.training_matrices(returns)
    samples: dict[str, np.ndarray] = {"real": real}
    timing: dict[str, dict[str, float]] = {}
    log(f"CorrGAN: training on {len(real)} matrices")
    started = time.perf_counter()
    gan.fit(returns)
    timing["CorrGAN"] = {"fit seconds": time.perf_counter() - started}
    started = time.perf_counter()
    samples["CorrGAN"] = gan.sample(n, seed=seed + 1)
    timing["CorrGAN"]["sample seconds"] = time.perf_counter() - started
    for model in (LKJCorrelations(), SpectrumCorrelations(window), CorrelationBootstrap()):
        started = time.perf_counter()
        model.fit(real)
        samples[model.name] = model.sample(n, seed=seed + 1)
        timing[model.name] = {"fit seconds": 0.0, "sample seconds": time.perf_counter() - started}
    facts = {name: correlation_facts(m, window) for name, m in samples.items()}
    distances = {name: correlation_distances(m, real) for name, m in samples.items() if name != "real"}

    raw = gan.raw_sample(200, seed=seed + 2).numpy()
    started = time.perf_counter()
    ours = nearest_correlation(raw)
    t_ours = time.perf_counter() - started
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns when it stops at its iteration cap
        theirs = np.stack([corr_nearest(m) for m in raw])
    t_theirs = time.perf_counter() - started
    nearest = {"matrices": len(raw), "fingan seconds": t_ours, "statsmodels seconds": t_theirs,
               "max abs difference": float(np.abs(ours - theirs).max()),
               "distance to raw, fingan": float(np.linalg.norm(ours - raw, axis=(1, 2)).mean()),
               "distance to raw, statsmodels": float(np.linalg.norm(theirs - raw, axis=(1, 2)).mean())}
    volatilities = returns.std().to_numpy()[:n_assets] * np.sqrt(252)
    stress = {name: allocation_stress(m, volatilities, seed=seed)["summary"] for name, m in samples.items()}
    return {"facts": facts, "distances": distances, "timing": timing, "nearest": nearest, "stress": stress,
            "n_real": len(real), "n_samples": n, "mode": mode, "device": str(gan.trainer_.device)}


def correlations_markdown(result: dict[str, Any]) -> str:
    """The correlation benchmark's tables as Markdown."""
    facts = pd.DataFrame(result["facts"])
    parts = [f"**Correlation facts** ({result['n_real']} real matrices; {result['n_samples']} per model)\n",
             markdown_table(["fact", *facts.columns],
                            [[i, *(f"{v:.3f}" for v in row)] for i, row in zip(facts.index, facts.values)])]
    dist = pd.DataFrame(result["distances"])
    parts += ["**Distance to the real matrices** (Wasserstein-1 of each fact's distribution; lower is better)\n",
              markdown_table(["distance", *dist.columns],
                             [[i, *(f"{v:.4f}" for v in row)] for i, row in zip(dist.index, dist.values)])]
    rows = []
    for name, summary in result["stress"].items():
        for method, r in summary.iterrows():
            rows.append([name, method, f"{r['mean']:.4f}", f"{r['std']:.4f}", f"{r['5%']:.4f}", f"{r['95%']:.4f}"])
    parts += ["**Allocation stress test**: realised volatility of portfolios built on one matrix and held under "
              "another from the same model\n",
              markdown_table(["model", "method", "mean", "sd", "5%", "95%"], rows)]
    nr = result["nearest"]
    timing = pd.DataFrame(result["timing"]).T
    parts += [f"**Time**: fit and drawing {result['n_samples']} matrices\n",
              markdown_table(["model", "fit s", "sample s"],
                             [[i, f"{r['fit seconds']:.1f}", f"{r['sample seconds']:.2f}"] for i, r in timing.iterrows()]),
              f"**Nearest correlation matrix** of {nr['matrices']} raw generator outputs: fingan (batched torch, "
              f"Higham with Dykstra, tol 1e-8) {nr['fingan seconds']:.3f} s, statsmodels `corr_nearest` (one "
              f"matrix at a time, defaults) {nr['statsmodels seconds']:.3f} s "
              f"({nr['statsmodels seconds'] / max(nr['fingan seconds'], 1e-9):.0f}x); largest entry difference "
              f"{nr['max abs difference']:.1e}; mean Frobenius distance to the raw matrices "
              f"{nr['distance to raw, fingan']:.4f} (fingan) and {nr['distance to raw, statsmodels']:.4f} (statsmodels).\n"]
    return "\n\n".join(parts)
