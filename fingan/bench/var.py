"""VaR / ES backtests: history-conditioned Quant GAN scenarios against GARCH and historical simulation.

    fingan bench var --period both --paths 1000 --seeds 3 --ablation --out benchmarks/results/var_backtest.md

(``python benchmarks/var_backtest.py`` takes the same flags.) For each period every
model is fitted on the training days (the Quant GAN also picks its checkpoint on the
selection days) and never refitted; then for every day of the test period it forecasts
``n_paths`` ten-day scenarios from the returns strictly before that day, in one batched
call per model. VaR and ES at each horizon and level come from those scenarios, and
:mod:`fingan.validation.risk` backtests them against what happened.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fingan.baselines import GARCH, FilteredHistoricalSimulation, HistoricalSimulation
from fingan.bench.report import check_variants, log, machine_description, parser, publish
from fingan.bench.settings import MODES, TEST_END, TRAIN_END, VALID_END, quantgan_options
from fingan.cli_args import add_device_flag, add_progress_flag, positive_int, resolve_progress
from fingan.data.prices import load_prices
from fingan.data.returns import log_returns
from fingan.errors import ConfigError
from fingan.models.quantgan import QuantGAN
from fingan.validation import risk
from fingan.validation.tables import markdown_table

# train to train_end; choose the Quant GAN checkpoint on (train_end, select_end]; test on (select_end, test_end]
PERIODS: dict[str, dict[str, str]] = {
    "2017-2018": {"train_end": TRAIN_END, "select_end": VALID_END, "test_end": TEST_END},
    "crisis 2007-2009": {"train_end": "2006-12-31", "select_end": "2007-06-30", "test_end": "2009-06-30"},
}
HORIZONS = (1, 10)
LEVELS = (0.01, 0.05)
QUANT_GAN = "Quant GAN (history-conditioned)"
UNCONDITIONED = "Quant GAN (no history)"
COLUMNS = ["exceedances", "Kupiec p", "Christoffersen ind p", "Christoffersen cc p", "ES test p", "pinball", "FZ0"]


def _baselines() -> dict[str, Callable[[], Any]]:
    return {
        "GJR-GARCH(1,1) t": lambda: GARCH("t", gjr=True),
        "GARCH(1,1) t": lambda: GARCH("t"),
        "historical simulation (250 d)": lambda: HistoricalSimulation(250),
        "filtered historical simulation": lambda: FilteredHistoricalSimulation(),
    }


def split(returns: pd.DataFrame, period: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(train, select, test) returns of one of :data:`PERIODS`."""
    if period not in PERIODS:
        raise ConfigError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    p = PERIODS[period]
    after = lambda date: pd.Timestamp(date) + pd.Timedelta(days=1)  # noqa: E731
    return (returns.loc[:p["train_end"]], returns.loc[after(p["train_end"]):p["select_end"]],
            returns.loc[after(p["select_end"]):p["test_end"]])


def evaluate(test: pd.DataFrame, paths: np.ndarray, seed: int = 0) -> dict[str, dict[str, float]]:
    """Backtests of daily-origin scenarios (n_days, n_paths, >= 10, 1) at every horizon and level."""
    out = {}
    for horizon in HORIZONS:
        _, realised, scenarios = risk.horizon_returns(test.to_numpy()[:, 0], paths[..., 0], horizon)
        for level in LEVELS:
            out[f"{horizon}-day {level:.0%}"] = risk.backtest(realised, scenarios, level, seed=seed)
    return out


# Variants of the history-conditioned Quant GAN tried, each fitted once with the first seed:
# (QuantGAN options, forecast_paths options).
ABLATION: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "Quant GAN, one filter particle": ({}, {"particles": 1}),
    "Quant GAN, drift bounded at 0.1 volatilities": ({"max_drift": 0.1}, {}),
    "Quant GAN, drift clipped at 1 volatility": ({"drift_clip": 1.0}, {}),
}


def var_backtest(
    periods: Sequence[str] = tuple(PERIODS),
    mode: str = "small",
    n_paths: int = 1000,
    seeds: Sequence[int] = (0,),
    device: str = "auto",
    progress: bool = False,
    ablation: bool = False,
    log: Callable[[str], None] = print,
    variants: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Fit, forecast and backtest every model in every period; returns the results by period and model.

    The Quant GAN is trained once per seed with the returns benchmark's ``mode`` settings;
    the baselines are fitted once (their forecasts use the first seed). ``ablation`` adds
    the rows of :data:`ABLATION` (or only the named ``variants``), first seed only.
    """
    settings = quantgan_options(mode)
    if not seeds:
        raise ConfigError("give at least one seed")
    check_variants(variants, ABLATION, "fingan.bench.var.ABLATION")
    returns = log_returns(load_prices("sp500"))
    horizon = max(HORIZONS)
    result: dict[str, Any] = {"mode": mode, "n_paths": n_paths, "seeds": list(seeds), "periods": {}}
    for period in periods:
        train, select, test = split(returns, period)
        history = returns.loc[:test.index[-1]]
        rows: dict[str, dict[str, Any]] = {}
        fitted: dict[str, Any] = {}

        def gan_row(seed: int, options: dict[str, Any], forecast_options: dict[str, Any]) -> dict[str, Any]:
            key = repr(sorted(options.items())) + str(seed)
            if key not in fitted:
                log(f"{period}: Quant GAN fitting (seed {seed}{', ' if options else ''}"
                    f"{', '.join(f'{k}={v}' for k, v in options.items())})")
                gan = QuantGAN(seed=seed, device=device, progress=progress, **{**settings, **options})
                started = time.perf_counter()
                gan.fit(train, select)
                fitted[key] = (gan, time.perf_counter() - started)
            gan, fit_seconds = fitted[key]
            started = time.perf_counter()
            paths = gan.forecast_paths(history, test.index, n_paths=n_paths, horizon=horizon, seed=seed,
                                       **forecast_options)
            forecast_seconds = time.perf_counter() - started
            log(f"  fitted in {fit_seconds:.0f} s, {len(test)} x {n_paths} scenarios in {forecast_seconds:.0f} s")
            return {"backtests": evaluate(test, paths, seed), "fit seconds": fit_seconds,
                    "forecast seconds": forecast_seconds, "best step": gan.best_step_}

        for seed in seeds:
            suffix = "" if len(seeds) == 1 else f", seed {seed}"
            rows[QUANT_GAN + suffix] = gan_row(seed, {}, {})
            gan, fit_seconds = fitted[repr([]) + str(seed)]
            same = np.broadcast_to(gan.sample(n_paths, horizon, seed=seed).to_numpy().T[None, :, :, None],
                                   (len(test), n_paths, horizon, 1))
            rows[UNCONDITIONED + suffix] = {"backtests": evaluate(test, same, seed), "fit seconds": fit_seconds,
                                            "forecast seconds": float("nan"), "best step": gan.best_step_}
        if ablation:
            for name, (options, forecast_options) in ABLATION.items():
                if variants and name not in variants:
                    continue
                rows[name + ("" if len(seeds) == 1 else f", seed {seeds[0]}")] = gan_row(seeds[0], options,
                                                                                          forecast_options)
        for name, make in _baselines().items():
            started = time.perf_counter()
            model = make().fit(train)
            fit_seconds = time.perf_counter() - started
            started = time.perf_counter()
            paths = model.forecast_paths(history, test.index, n_paths=n_paths, horizon=horizon, seed=seeds[0])
            rows[name] = {"backtests": evaluate(test, paths, seeds[0]), "fit seconds": fit_seconds,
                          "forecast seconds": time.perf_counter() - started}
        result["periods"][period] = {
            "rows": rows,
            "dates": {name: (str(f.index[0].date()), str(f.index[-1].date()), len(f))
                      for name, f in {"train": train, "select": select, "test": test}.items()},
        }
    return result


def _fmt(value: float, column: str, backtest: dict[str, Any]) -> str:
    if column == "FZ0" and backtest["days ES >= 0"]:
        return f"n/a ({backtest['days ES >= 0']} days with ES >= 0)"
    if column.endswith(" p"):
        return f"{value:.3f}" + ("" if value > 0.05 else " ✗")
    return f"{value:.5f}" if column == "pinball" else f"{value:.3f}"


def verdict(period_result: dict[str, Any]) -> list[str]:
    """The issue's criteria for each Quant GAN row: coverage tests at 1 day and FZ0 against GJR-GARCH t."""
    rows = period_result["rows"]
    lines = []
    for name, row in rows.items():
        if not name.startswith(QUANT_GAN):  # the default model's rows, one per seed
            continue
        passed = [key for key in ("1-day 1%", "1-day 5%")
                  if row["backtests"][key]["Kupiec p"] > 0.05 and row["backtests"][key]["Christoffersen cc p"] > 0.05]
        fz0 = [key for key in ("1-day 1%", "1-day 5%")
               if row["backtests"][key]["FZ0"] <= rows["GJR-GARCH(1,1) t"]["backtests"][key]["FZ0"]]
        lines.append(f"{name}: Kupiec and Christoffersen p > 0.05 at 1 day on {len(passed)} of 2 levels "
                     f"({', '.join(passed) or 'none'}); FZ0 at most GJR-GARCH(1,1) t's on {len(fz0)} of 2 "
                     f"({', '.join(fz0) or 'none'}).")
    return lines


def var_markdown(result: dict[str, Any]) -> str:
    """The backtest tables: one per period, horizon and level, models as rows."""
    parts = []
    for period, res in result["periods"].items():
        dates = res["dates"]
        parts.append(f"### {period}\n")
        parts.append(f"Train {dates['train'][0]} to {dates['train'][1]}, checkpoint chosen on {dates['select'][0]} to "
                     f"{dates['select'][1]}, test {dates['test'][0]} to {dates['test'][1]} ({dates['test'][2]} days, "
                     f"forecasts never refitted). {result['n_paths']} scenarios per day and model.\n")
        parts.extend(f"- {line}" for line in verdict(res))
        parts.append("")
        for key in next(iter(res["rows"].values()))["backtests"]:
            rows = []
            fz0 = {name: row["backtests"][key]["FZ0"] for name, row in res["rows"].items()
                   if np.isfinite(row["backtests"][key]["FZ0"])}
            best = min(fz0, key=fz0.get) if fz0 else None
            for name, row in res["rows"].items():
                bt = row["backtests"][key]
                cells = [f"{bt['exceedances']} / {bt['days']} ({bt['exceedance rate']:.2%})"]
                cells += [_fmt(bt[c], c, bt) for c in COLUMNS[1:]]
                if name == best:
                    cells[-1] = f"**{cells[-1]}**"
                rows.append([name, *cells])
            parts.append(f"**{key}** VaR and ES (expected exceedance rate {key.split()[1]})\n")
            parts.append(markdown_table(["model", *COLUMNS], rows))
            parts.append("")
        timing = [[name, f"{row['fit seconds']:.1f}",
                   "" if np.isnan(row["forecast seconds"]) else f"{row['forecast seconds']:.1f}"]
                  for name, row in res["rows"].items()]
        parts.append(f"**Seconds**: fit, and all {dates['test'][2]} days' forecasts in one call\n")
        parts.append(markdown_table(["model", "fit s", "forecast s"], timing))
        parts.append("")
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench var``: run the backtests, print their tables, write them to ``--out``."""
    p = parser("var", __doc__)
    p.add_argument("--period", choices=["2017-2018", "crisis", "both"], default="both",
                   help="test period(s) of the backtest")
    p.add_argument("--mode", choices=sorted(MODES), default="small", help="Quant GAN size, as in `fingan bench returns`")
    p.add_argument("--paths", type=positive_int, default=1000, help="scenarios per day and model")
    p.add_argument("--seed", type=int, default=0, help="first seed")
    p.add_argument("--seeds", type=positive_int, default=1, help="Quant GAN trainings, one per seed")
    p.add_argument("--ablation", action="store_true",
                   help="add the Quant GAN variants tried (first seed): one filter particle, bounded drift, "
                        "clipped drift")
    p.add_argument("--variants", nargs="+", metavar="NAME",
                   help="with --ablation, only these rows of fingan.bench.var.ABLATION")
    add_device_flag(p)
    add_progress_flag(p)
    p.add_argument("--out", type=Path, help="write the Markdown tables here")
    args = p.parse_args(argv)
    periods = {"both": list(PERIODS), "crisis": ["crisis 2007-2009"]}.get(args.period, [args.period])
    result = var_backtest(periods, args.mode, n_paths=args.paths, seeds=list(range(args.seed, args.seed + args.seeds)),
                          device=args.device, progress=resolve_progress(args.progress), ablation=args.ablation, log=log,
                          variants=args.variants)
    note = (f"\nBundled S&P 500 log returns (arch.data). Quant GAN: {args.mode} mode of the returns benchmark, "
            f"SVNN generator, scenarios from its particle filter over the history before each day. VaR is the "
            f"scenarios' quantile and ES their mean below it; 10-day results on non-overlapping 10-day blocks "
            f"(every 10th test day). p-values: Kupiec (1995) unconditional coverage, Christoffersen (1998) "
            f"independence and conditional coverage, Acerbi-Szekely (2014) Z2 by simulation from each day's "
            f"scenarios; ✗ marks p <= 0.05. Losses: mean pinball and FZ0 (Patton, Ziegel and Chen 2019), lower "
            f"is better, best FZ0 in bold. Machine: {machine_description()}. Command: `python "
            f"benchmarks/var_backtest.py --period {args.period} --mode {args.mode} --paths {args.paths} --seed "
            f"{args.seed} --seeds {args.seeds}{' --ablation' if args.ablation else ''}"
            f"{' --variants ' + ' '.join(map(shlex.quote, args.variants)) if args.variants else ''}`.")
    publish(var_markdown(result), note, args.out)
    return 0
