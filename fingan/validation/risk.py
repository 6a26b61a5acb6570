"""Value-at-Risk and Expected Shortfall of scenarios, and the backtests a risk team runs on them.

Conventions: ``level`` is the tail probability alpha (0.01 for 99% VaR). VaR and ES are
stated as *returns*, so both are negative in practice: ``var`` is the alpha-quantile of
the forecast distribution of the h-day log return and ``es`` the mean of that
distribution below ``var``. A day is an exceedance (a *hit*) when the realised return
falls below ``var``.

Every test here takes arrays of realised returns and the forecasts made before them;
:func:`backtest` runs them all from scenarios. scipy gives the distributions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import xlogy

from fingan.errors import DataError

LEVELS_DEFAULT = (0.01, 0.05)


@dataclass(frozen=True)
class TestResult:
    """A test statistic and its p-value (small p: reject the forecasts)."""

    statistic: float
    pvalue: float


def _check_level(level: float) -> float:
    level = float(level)
    if not 0 < level < 1:
        raise DataError(f"level must be a tail probability in (0, 1), got {level}")
    return level


def var_es(scenarios: Any, level: float) -> tuple[np.ndarray, np.ndarray]:
    """VaR and ES at ``level`` of scenarios (..., n) along the last axis: two arrays (...)."""
    level = _check_level(level)
    x = np.asarray(scenarios, dtype=float)
    if x.shape[-1] < 2:
        raise DataError("VaR and ES need at least two scenarios per forecast")
    var = np.quantile(x, level, axis=-1)
    tail = x <= var[..., None]
    es = (x * tail).sum(-1) / tail.sum(-1)  # the quantile is a scenario or between two: tail never empty
    return var, es


def _hits(hits: Any) -> np.ndarray:
    h = np.asarray(hits)
    if h.ndim != 1 or len(h) == 0:
        raise DataError("hits must be a non-empty 1-d sequence of exceedance indicators")
    return h.astype(bool)


def kupiec(hits: Any, level: float) -> TestResult:
    r"""Kupiec (1995) proportion-of-failures test of unconditional coverage.

    With x hits in n days, :math:`LR_{uc} = -2 \log[(1-p)^{n-x} p^x] + 2 \log[(1-\hat\pi)^{n-x}
    \hat\pi^x]`, :math:`\hat\pi = x / n`, asymptotically :math:`\chi^2_1`.
    """
    level, h = _check_level(level), _hits(hits)
    n, x = len(h), int(h.sum())
    rate = x / n
    stat = -2 * (xlogy(n - x, 1 - level) + xlogy(x, level) - xlogy(n - x, 1 - rate) - xlogy(x, rate))
    stat = max(float(stat), 0.0)
    return TestResult(stat, float(stats.chi2.sf(stat, 1)))


def christoffersen_independence(hits: Any) -> TestResult:
    r"""Christoffersen (1998) test that hits do not cluster (first-order Markov alternative).

    With :math:`n_{ij}` the transitions from state i to state j (1 = hit),
    :math:`\pi_{01} = n_{01} / (n_{00} + n_{01})`, :math:`\pi_{11} = n_{11} / (n_{10} + n_{11})`
    and :math:`\pi = (n_{01} + n_{11}) / (n - 1)`:
    :math:`LR_{ind} = -2 \log[(1-\pi)^{n_{00}+n_{10}} \pi^{n_{01}+n_{11}}] + 2 \log[(1-\pi_{01})^{n_{00}}
    \pi_{01}^{n_{01}} (1-\pi_{11})^{n_{10}} \pi_{11}^{n_{11}}]`, asymptotically :math:`\chi^2_1`.
    """
    h = _hits(hits).astype(int)
    if len(h) < 2:
        raise DataError("the independence test needs at least two days")
    pairs = h[:-1] * 2 + h[1:]
    n00, n01, n10, n11 = (int((pairs == k).sum()) for k in range(4))
    pi = (n01 + n11) / (len(h) - 1)
    pi01 = n01 / max(n00 + n01, 1)
    pi11 = n11 / max(n10 + n11, 1)
    restricted = xlogy(n00 + n10, 1 - pi) + xlogy(n01 + n11, pi)
    free = xlogy(n00, 1 - pi01) + xlogy(n01, pi01) + xlogy(n10, 1 - pi11) + xlogy(n11, pi11)
    stat = max(float(-2 * (restricted - free)), 0.0)
    return TestResult(stat, float(stats.chi2.sf(stat, 1)))


def christoffersen(hits: Any, level: float) -> TestResult:
    """Christoffersen (1998) conditional coverage: LR_cc = LR_uc + LR_ind, asymptotically chi-square(2)."""
    stat = kupiec(hits, level).statistic + christoffersen_independence(hits).statistic
    return TestResult(stat, float(stats.chi2.sf(stat, 2)))


def acerbi_szekely_z2(realised: Any, var: Any, es: Any, level: float) -> float:
    r"""Acerbi and Szekely (2014) statistic :math:`Z_2 = 1 - \sum_t X_t I_t / (T \alpha\, \mathrm{ES}_t)`.

    Written for VaR and ES as (negative) returns; :math:`I_t = 1\{X_t < \mathrm{VaR}_t\}`. Its
    mean is 0 when the forecasts are right and it is negative when the tail is heavier
    than forecast.
    """
    level = _check_level(level)
    x, v, e = (np.asarray(a, dtype=float) for a in (realised, var, es))
    return float(1 - np.sum(x * (x < v) / e) / (len(x) * level))


def es_test(
    realised: Any, scenarios: Any, level: float, n_sim: int = 2000, seed: int | None = 0
) -> TestResult:
    """One-sided Acerbi-Szekely Z2 test of ES, p-value by simulation from the forecasts themselves.

    ``scenarios`` (T, n) are each day's forecast distribution. Under the null each day's
    return is a draw from its own scenarios; ``n_sim`` such histories give the null
    distribution of Z2, and p is the share of them at or below the observed Z2.
    """
    level = _check_level(level)
    x = np.asarray(realised, dtype=float)
    s = np.asarray(scenarios, dtype=float)
    if s.ndim != 2 or len(s) != len(x):
        raise DataError("scenarios must be (days, n) with one row per realised return")
    var, es = var_es(s, level)
    observed = acerbi_szekely_z2(x, var, es, level)
    rng = np.random.default_rng(seed)
    draws = np.take_along_axis(s, rng.integers(0, s.shape[1], size=(len(x), int(n_sim))), axis=1)  # (T, n_sim)
    null = 1 - np.sum(draws * (draws < var[:, None]) / es[:, None], axis=0) / (len(x) * level)
    return TestResult(observed, float((np.sum(null <= observed) + 1) / (n_sim + 1)))


def pinball_loss(realised: Any, var: Any, level: float) -> float:
    """Mean quantile (pinball) loss of VaR forecasts: (alpha - 1{x < VaR}) (x - VaR); lower is better."""
    level = _check_level(level)
    x, v = np.asarray(realised, dtype=float), np.asarray(var, dtype=float)
    return float(np.mean((level - (x < v)) * (x - v)))


def fz0_loss(realised: Any, var: Any, es: Any, level: float) -> float:
    r"""Mean FZ0 loss of joint VaR and ES forecasts (Patton, Ziegel and Chen 2019); lower is better.

    :math:`L = -\frac{1}{\alpha e} 1\{x \le v\} (v - x) + \frac{v}{e} + \log(-e) - 1`, a strictly
    consistent scoring function for (VaR, ES) (Fissler and Ziegel 2016) that needs ES < 0.
    """
    level = _check_level(level)
    x, v, e = (np.asarray(a, dtype=float) for a in (realised, var, es))
    if np.any(e >= 0):
        raise DataError("the FZ0 loss needs negative ES forecasts (losses)")
    return float(np.mean(-(x <= v).astype(float) * (v - x) / (level * e) + v / e + np.log(-e) - 1))


def backtest(
    realised: Any, scenarios: Any, level: float, n_sim: int = 2000, seed: int | None = 0
) -> dict[str, float]:
    """Every backtest of one model at one level: realised (T,) against scenarios (T, n).

    Keys: ``days``, ``exceedances``, ``exceedance rate``, ``Kupiec p``,
    ``Christoffersen ind p``, ``Christoffersen cc p``, ``ES test p`` (Acerbi-Szekely Z2),
    ``Z2``, ``pinball``, ``FZ0`` and ``days ES >= 0``. A forecast whose ES is not a loss
    (ES >= 0: the worst ``level`` of outcomes is a gain on average) has no FZ0 loss; when
    there is any, ``FZ0`` is NaN and ``days ES >= 0`` counts them.
    """
    x = np.asarray(realised, dtype=float)
    var, es = var_es(scenarios, level)
    hits = x < var
    z2 = es_test(x, scenarios, level, n_sim=n_sim, seed=seed)
    not_a_loss = int((es >= 0).sum())
    return {
        "days": len(x),
        "exceedances": int(hits.sum()),
        "exceedance rate": float(hits.mean()),
        "Kupiec p": kupiec(hits, level).pvalue,
        "Christoffersen ind p": christoffersen_independence(hits).pvalue,
        "Christoffersen cc p": christoffersen(hits, level).pvalue,
        "ES test p": z2.pvalue,
        "Z2": z2.statistic,
        "pinball": pinball_loss(x, var, level),
        "FZ0": fz0_loss(x, var, es, level) if not_a_loss == 0 else float("nan"),
        "days ES >= 0": not_a_loss,
    }


def horizon_returns(returns: Any, paths: Any, horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-overlapping h-day backtest data from daily forecasts.

    ``returns`` (T,) are the realised daily returns of the test days and ``paths``
    (T, n, >= h) the scenarios made at the start of each of them. Origins are every
    h-th day whose h days all lie in the test period, so the h-day outcomes do not
    overlap (overlapping ones would make hits dependent by construction). Returns the
    origins' positions, their realised h-day returns (n_origins,) and scenario h-day
    returns (n_origins, n).
    """
    r = np.asarray(returns, dtype=float)
    p = np.asarray(paths, dtype=float)
    horizon = int(horizon)
    if p.ndim != 3 or len(p) != len(r) or p.shape[2] < horizon or horizon < 1:
        raise DataError(f"paths must be (days, n, >= {horizon}) with one row per realised return")
    starts = np.arange(0, len(r) - horizon + 1, horizon)
    realised = np.array([r[s:s + horizon].sum() for s in starts])
    return starts, realised, p[starts, :, :horizon].sum(-1)


# ---------------------------------------------------------------- risk panel of scenarios


def max_drawdown(paths: Any) -> np.ndarray:
    """Largest peak-to-trough fall of each path of log returns (n, T), as a loss fraction in [0, 1)."""
    x = np.asarray(paths, dtype=float)
    level = np.concatenate([np.zeros((len(x), 1)), np.cumsum(x, axis=1)], axis=1)  # log price, from 0
    fall = np.max(np.maximum.accumulate(level, axis=1) - level, axis=1)
    return 1 - np.exp(-fall)


def _windows(series: np.ndarray, length: int, step: int) -> np.ndarray:
    """Rolling windows (n, length) of a 1-d series, every ``step`` days."""
    starts = np.arange(0, len(series) - length + 1, step)
    return np.stack([series[s:s + length] for s in starts]) if len(starts) else np.empty((0, length))


def risk_panel(
    synthetic: Any, reference: Any, horizons: tuple[int, ...] = (1, 10, 252), levels: tuple[float, ...] = LEVELS_DEFAULT,
    year: int = 252, step: int = 5,
) -> pd.DataFrame:
    """What a stress test reads off scenarios, next to the same measures of real history.

    ``synthetic`` are paths of log returns (n_paths, T) and ``reference`` one real series.
    Rows: VaR and ES of h-day returns for each horizon up to T (all h-day sums within the
    paths against all rolling h-day sums of the history); the 5%, 50% and 95% points of
    the maximum drawdown over T days (every path against rolling T-day windows of the
    history, every ``step`` days); and of the annual return and annual volatility (each
    path's non-overlapping ``year``-day blocks against rolling year windows). Rows that
    need longer paths or history than given are left out.
    """
    from fingan.validation.returns import as_paths

    syn, ref = as_paths(synthetic), as_paths(reference).ravel()
    length = syn.shape[1]
    rows: list[dict[str, Any]] = []

    def add(measure: str, real: np.ndarray, synth: np.ndarray, what: str) -> None:
        rows.append({"measure": measure, "real": float(real), "synthetic": float(synth), "what": what})

    for h in horizons:
        if h > length or h > len(ref):
            continue
        syn_h = np.cumsum(syn, axis=1)
        syn_h = (syn_h[:, h - 1:] - np.concatenate([np.zeros((len(syn), 1)), syn_h[:, :-h]], axis=1)).ravel()
        real_h = np.convolve(ref, np.ones(h), mode="valid")
        for level in levels:
            (rv, re_), (sv, se) = var_es(real_h, level), var_es(syn_h, level)
            add(f"VaR {h}-day {level:.0%}", rv, sv, f"{level:.0%} quantile of {h}-day log returns")
            add(f"ES {h}-day {level:.0%}", re_, se, f"mean {h}-day log return below that VaR")
    real_windows = _windows(ref, length, step)
    if len(real_windows) >= 2:
        real_dd, syn_dd = max_drawdown(real_windows), max_drawdown(syn)
        for q in (0.05, 0.5, 0.95):
            add(f"max drawdown {q:.0%} point", np.quantile(real_dd, q), np.quantile(syn_dd, q),
                f"largest fall within {length} days")
    if length >= year and len(ref) >= 2 * year:
        syn_years = syn[:, : (length // year) * year].reshape(-1, year)
        real_years = _windows(ref, year, step)
        for name, f in (("annual return", lambda b: b.sum(axis=1)),
                        ("annual volatility", lambda b: b.std(axis=1, ddof=1) * np.sqrt(year))):
            for q in (0.05, 0.5, 0.95):
                add(f"{name} {q:.0%} point", np.quantile(f(real_years), q), np.quantile(f(syn_years), q),
                    f"over {year}-day blocks")
    return pd.DataFrame(rows, columns=["measure", "real", "synthetic", "what"])


def regime_risk_panel(
    model: Any, reference: Any, n_paths: int = 1000, horizons: tuple[int, ...] = (1, 10, 21),
    levels: tuple[float, ...] = LEVELS_DEFAULT, seed: int | None = 0,
) -> pd.DataFrame:
    """The risk panel of a regime-conditional model, regime by regime.

    For each volatility regime of ``model`` (a fitted conditional
    :class:`~fingan.models.QuantGAN`): VaR and ES of the first h days' log return of
    ``n_paths`` paths drawn in that regime, against the same h-day returns of every real
    window of ``reference`` that starts in that regime (labelled by
    :meth:`~fingan.models.QuantGAN.regimes_of`, so with the model's own edges); and the
    median annualised volatility over the longest horizon. Several assets are compared as
    their equal-weight portfolio. Columns: ``regime, measure, real, synthetic, real
    windows``.
    """
    from fingan.data.returns import as_return_frame

    frame = as_return_frame(reference)
    labels = model.regimes_of(frame).to_numpy()
    series = frame.mean(axis=1).to_numpy()
    longest = max(horizons)
    if len(series) < 2 * longest:
        raise DataError(f"the reference has {len(series)} days; the regime panel needs at least {2 * longest}")
    starts = np.arange(len(series) - longest + 1)
    cum = np.concatenate([[0.0], np.cumsum(series)])
    rows: list[dict[str, Any]] = []
    for name in model.regime_names:
        real_starts = starts[labels[starts] == name]
        if len(real_starts) < 2:
            continue  # the reference (almost) never starts a window in this regime
        drawn = model.sample(n_paths, longest, seed=seed, regime=name).to_numpy()  # (days, paths x assets)
        syn = drawn.T.reshape(n_paths, -1, longest).mean(axis=1)  # equal-weight portfolio of each path
        for h in horizons:
            real_h = cum[real_starts + h] - cum[real_starts]
            syn_h = syn[:, :h].sum(axis=1)
            for level in levels:
                (rv, re_), (sv, se) = var_es(real_h, level), var_es(syn_h, level)
                rows.append({"regime": name, "measure": f"VaR {h}-day {level:.0%}", "real": rv, "synthetic": sv,
                             "real windows": len(real_starts)})
                rows.append({"regime": name, "measure": f"ES {h}-day {level:.0%}", "real": re_, "synthetic": se,
                             "real windows": len(real_starts)})
        real_vol = np.stack([series[s:s + longest] for s in real_starts]).std(axis=1, ddof=1) * np.sqrt(252)
        rows.append({"regime": name, "measure": f"annualised volatility over {longest} days (median)",
                     "real": float(np.median(real_vol)),
                     "synthetic": float(np.median(syn.std(axis=1, ddof=1) * np.sqrt(252))),
                     "real windows": len(real_starts)})
    return pd.DataFrame(rows, columns=["regime", "measure", "real", "synthetic", "real windows"])
