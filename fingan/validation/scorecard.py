"""Scorecards: every fact of the synthetic set next to the reference, with a pass / fail rule."""

from __future__ import annotations

import base64
import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fingan.io import atomic_write
from fingan.errors import DataError

# One line per fact for the report, matched by the first key the fact's name contains
# (most specific first); docs/guide/validation.md carries the same explanations.
EXPLANATIONS: list[tuple[str, str]] = [
    ("W1 ", "Wasserstein-1 distance between the synthetic and reference distributions (0: identical)"),
    ("DY", "DY metric: summed |log density difference| over histogram bins (0: identical)"),
    ("ACF score", "L2 distance between reference ACF and mean synthetic ACF (0: identical)"),
    ("leverage score", "L2 distance between the leverage curves (0: identical)"),
    ("discriminative", "|accuracy - 0.5| of a classifier telling real from synthetic windows (0: indistinguishable)"),
    ("EWMA", "conditional heavy tails: kurtosis left after dividing by an EWMA volatility"),
    ("-day", "aggregational Gaussianity: kurtosis of h-day returns falls towards 0 as h grows"),
    ("decay beta", "power-law decay exponent of ACF(|r|): 0.2 to 0.4 in Cont (2001)"),
    ("hill alpha", "Hill tail index of the largest losses (left) or gains (right); smaller is heavier"),
    ("acf r^2", "volatility clustering measured on squared returns"),
    ("acf |r|", "volatility clustering: large moves follow large moves, slowly decaying"),
    ("acf r", "linear autocorrelation of returns: near 0 in liquid markets"),
    ("leverage", "corr(r_t, r_{t+k}^2): negative when falls raise later volatility"),
    ("excess kurtosis", "heavy tails: 0 for a Gaussian; within a one-year block far less than over a whole "
                        "history (8.2 for daily S&P 500 returns 1999-2018)"),
    ("skewness", "gain/loss asymmetry: negative when large losses outnumber large gains"),
    ("share beyond", "share of moves beyond 3 standard deviations (Gaussian: 0.27%)"),
    ("share valid", "share of matrices that are symmetric, unit-diagonal, in [-1, 1] and PSD"),
    ("mean coefficient", "mean off-diagonal correlation: shifted positive for stocks"),
    ("sd of coefficients", "spread of the off-diagonal correlations"),
    ("market eigenvalue", "largest eigenvalue / N: the variance share of the market mode"),
    ("Perron-Frobenius", "share of matrices whose first eigenvector has entries of one sign"),
    ("cophenetic", "cophenetic correlation of a Ward clustering: hierarchical structure"),
    ("MST max degree", "largest degree of the minimum spanning tree: hubs in a scale-free tree"),
    ("power-law alpha", "maximum-likelihood power-law exponent of the MST degrees"),
    ("MP edge", "eigenvalues above the Marchenko-Pastur noise edge: number of real factors"),
    ("MP bulk", "KS distance of the eigenvalue bulk to the Marchenko-Pastur law"),
]


def explain(fact: str) -> str:
    """The one-line explanation of a scorecard row."""
    return next((text for key, text in EXPLANATIONS if key in fact), "")


@dataclass
class Scorecard:
    """Facts of a synthetic set against a reference.

    Attributes
    ----------
    table : DataFrame
        Columns ``fact, reference, synthetic, score, tolerance, passed`` (``passed`` is
        None where a row has no threshold), and ``meaning``.
    kind : {"returns", "correlations"}
    images : dict of PNG bytes for the report
    provenance : dict of str
        Where the comparison comes from: what was compared (paths x days), the
        reference's period, fingan's version and the time, plus what the caller knows
        (input file, model, seed).
    risk : DataFrame or None
        Returns against one real series: the risk panel of
        :func:`fingan.validation.risk.risk_panel` (VaR and ES at several horizons,
        drawdowns, annual return and volatility), real beside synthetic.
    risk_by_regime : DataFrame or None
        A regime-conditional model's panel regime by regime
        (:func:`fingan.validation.risk.regime_risk_panel`); set by the caller, who has the
        model (``fingan validate --model`` does).
    """

    table: pd.DataFrame
    kind: str
    images: dict[str, bytes] = field(default_factory=dict, repr=False)
    risk: pd.DataFrame | None = None
    provenance: dict[str, str] = field(default_factory=dict)
    risk_by_regime: pd.DataFrame | None = None

    @property
    def passed(self) -> bool:
        """True when every row with a threshold passes."""
        checked = self.table["passed"].dropna()
        return bool(checked.astype(bool).all())

    def to_json(self) -> str:
        rows = self.table.replace({np.nan: None}).to_dict(orient="records")
        risk = None if self.risk is None else self.risk.to_dict(orient="records")
        by_regime = None if self.risk_by_regime is None else self.risk_by_regime.to_dict(orient="records")
        return json.dumps({"kind": self.kind, "passed": self.passed, "provenance": self.provenance, "rows": rows,
                           "risk": risk, "risk_by_regime": by_regime}, indent=2)

    def provenance_markdown(self) -> str:
        """The provenance as Markdown lines, one ``- key: value`` each."""
        return "\n".join(f"- {k}: {v}" for k, v in self.provenance.items())

    def risk_markdown(self) -> str:
        """The risk panel as a Markdown table ("" when there is none)."""
        from fingan.validation.tables import markdown_table

        parts = []
        if self.risk is not None and not self.risk.empty:
            rows = [[r.measure, f"{r.real:.4f}", f"{r.synthetic:.4f}", r.what] for r in self.risk.itertuples()]
            parts.append(markdown_table(["risk measure", "real", "synthetic", "what"], rows))
        if self.risk_by_regime is not None and not self.risk_by_regime.empty:
            rows = [[r[0], r[1], f"{r[2]:.4f}", f"{r[3]:.4f}", str(r[4])]
                    for r in self.risk_by_regime.itertuples(index=False)]
            parts.append(markdown_table(["regime", "risk measure", "real", "synthetic", "real windows"], rows))
        return "\n\n".join(parts)

    def to_markdown(self) -> str:
        from fingan.validation.tables import markdown_table

        names = [n for n in BASELINES if n in self.table]
        rows = [
            [r["fact"], _fmt(r["reference"]), _band(r["low"], r["high"]), _fmt(r["synthetic"]), _fmt(r["score"]),
             _fmt(r["tolerance"]), _mark(r["passed"]),
             *(f"{_fmt(r[n])} {_mark(r[n + ' passed'])}".strip() for n in names)]
            for _, r in self.table.iterrows()
        ]
        return markdown_table(["fact", "reference", "reference band", "synthetic", "score", "flat tolerance",
                               "result", *names], rows)

    def pass_counts(self) -> dict[str, str]:
        """Facts passed by the synthetic set and by each baseline column, as "k of n"."""
        out = {}
        for name, column in (("synthetic", "passed"), *((n, f"{n} passed") for n in BASELINES)):
            if column in self.table:
                checked = self.table[column].dropna()
                out[name] = f"{int(checked.astype(bool).sum())} of {len(checked)}"
        return out

    def to_html(self, path: str | os.PathLike) -> Path:
        """A self-contained HTML report (table and embedded PNG plots), written atomically."""
        shown = self.table.copy()
        shown.insert(2, "reference band", [_band(lo, hi) for lo, hi in zip(shown["low"], shown["high"])])
        shown = shown.drop(columns=["low", "high"]).rename(columns={"tolerance": "flat tolerance"})
        for col in ("reference", "synthetic", "score", "flat tolerance"):
            shown[col] = shown[col].map(_fmt)
        for column in [c for c in shown if c == "passed" or c.endswith(" passed")]:
            shown[column] = shown[column].map(_mark)
        for column in [n for n in BASELINES if n in shown]:
            shown[column] = shown[column].map(_fmt)
        images = "\n".join(
            f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,'
            f'{base64.b64encode(png).decode()}"></figure>'
            for name, png in self.images.items()
        )
        verdict = "every fact within tolerance" if self.passed else "some facts outside tolerance"
        verdict += "; facts passed: " + ", ".join(f"{k} {v}" for k, v in self.pass_counts().items())
        risk = "" if self.risk is None or self.risk.empty else (
            "<h2>Risk panel</h2><p>What a stress test reads off the scenarios, beside the same measures of the "
            "real history: VaR and ES as log returns (all h-day sums within the paths against all rolling h-day "
            "sums of the history), and the spread of maximum drawdowns, annual returns and annual volatilities "
            "(paths against rolling windows of the same length).</p>"
            + self.risk.to_html(index=False, escape=True, float_format=lambda v: f"{v:.4f}"))
        if self.risk_by_regime is not None and not self.risk_by_regime.empty:
            risk += ("<h2>Risk by volatility regime</h2><p>The model drew paths in each regime; the real column "
                     "reads every window of the history that starts in that regime (the model's own regime "
                     "edges). VaR and ES are of the first h days' log return.</p>"
                     + self.risk_by_regime.to_html(index=False, escape=True, float_format=lambda v: f"{v:.4f}"))
        doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>fingan validation report</title>
<style>body{{font-family:sans-serif;max-width:1300px;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 8px;font-size:13px}}figure{{display:inline-block;margin:8px}}
img{{max-width:100%}}</style></head><body>
<h1>fingan validation report: {html.escape(self.kind)}</h1>
<table>{"".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
               for k, v in self.provenance.items())}</table>
<p>Result: <b>{verdict}</b>. A fact passes when the synthetic value lies in the reference band: the range
(5% to 95%) the real value itself takes over bootstrap resamples of the real history's blocks of the synthetic
path length (or of its matrices), that is, how differently the real value could have come out with data of
this length. Where the history is too short for a band, a flat tolerance (25% of the reference or 0.02) is
used instead. Scores are distances (0: identical) without a threshold, except the discriminative score.</p>
{shown.to_html(index=False, escape=True)}
{risk}
<h2>Plots</h2>
{images}
</body></html>
"""
        return atomic_write(path, lambda tmp: Path(tmp).write_text(doc, encoding="utf-8"))


BASELINES = ("GJR-GARCH(1,1) t", "stationary bootstrap", "LKJ (onion)", "bootstrap of windows")


def _baseline_paths(history: np.ndarray, n_paths: int, length: int, seed: int) -> dict[str, np.ndarray]:
    """Paths of what a quant would use instead, fitted on the reference history itself (a second or two)."""
    from fingan.baselines import GARCH, StationaryBootstrap

    series = pd.Series(history, index=pd.bdate_range("2000-01-03", periods=len(history)))
    return {
        BASELINES[0]: GARCH("t", gjr=True).fit(series).sample(n_paths, length, seed=seed).to_numpy().T,
        BASELINES[1]: StationaryBootstrap().fit(series).sample(n_paths, length, seed=seed).to_numpy().T,
    }


def _baseline_matrices(reference: np.ndarray, n: int, seed: int) -> dict[str, np.ndarray]:
    """Random matrices one would compare with: uniform (LKJ, eta 1) and the reference's own windows redrawn."""
    from fingan.baselines import CorrelationBootstrap, LKJCorrelations

    return {BASELINES[2]: LKJCorrelations().fit(reference).sample(n, seed=seed),
            BASELINES[3]: CorrelationBootstrap().fit(reference).sample(n, seed=seed)}


def _add_baseline_columns(rows: list[dict], reference_facts: dict, baseline_facts: dict[str, dict], rel: float,
                          floor: float, bands: Any) -> None:
    """Each baseline's value and pass mark on the rows of the facts, as extra columns."""
    for name, facts in baseline_facts.items():
        by_fact = {r["fact"]: r for r in _rows_from_facts(reference_facts, facts, rel, floor, bands)}
        for row in rows:
            if row["fact"] in by_fact:
                row[name] = by_fact[row["fact"]]["synthetic"]
                row[f"{name} passed"] = by_fact[row["fact"]]["passed"]


def _period(data: Any) -> str:
    index = getattr(data, "index", None)
    if isinstance(index, pd.DatetimeIndex) and len(index):
        return f"{index[0].date()} to {index[-1].date()} ({len(index)} days)"
    return f"array of shape {np.shape(data)}"


def _provenance(synthetic: Any, reference: Any, syn: np.ndarray, ref: np.ndarray, seed: int, kind: str) -> dict:
    from datetime import datetime, timezone

    from fingan import __version__

    shape = f"{syn.shape[0]} paths x {syn.shape[1]} days" if kind == "returns" else \
        f"{syn.shape[0]} matrices of size {syn.shape[1]}"
    return {"synthetic": shape, "reference": _period(reference) if kind == "returns" else
            f"{ref.shape[0]} matrices of size {ref.shape[1]}", "seed": str(seed),
            "fingan": __version__, "written": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def _mark(passed: Any) -> str:
    return "" if passed is None or pd.isna(passed) else ("pass" if passed else "FAIL")


def _band(low: Any, high: Any) -> str:
    return "" if _fmt(low) == "" else f"{_fmt(low)} to {_fmt(high)}"


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return f"{value:.4g}"


# Facts whose tolerance is absolute and fixed, whatever the reference value.
FIXED_TOLERANCES = {"share valid": 0.01}
# Fewest reference blocks (or matrices) from which a sampling band is drawn; with fewer the
# flat tolerance max(rel * |reference|, abs) applies.
MIN_UNITS = 8
BAND = (0.05, 0.95)


def sampling_bands(
    facts_of: Any, units: np.ndarray, n_boot: int = 400, seed: int = 0, block: int = 1
) -> dict[str, tuple[float, float]] | None:
    """The 5%-95% spread of every fact over bootstrap resamples of the reference's units, around its value.

    ``units`` are the reference's non-overlapping path-length blocks (or its matrices);
    each resample draws as many of them with replacement and computes the facts the way
    the synthetic set's are computed (``facts_of``), so the band is how much the
    reference's own value could have come out differently with data of this length.
    Units that overlap in time (rolling matrices) are drawn in runs of ``block``
    consecutive ones (a moving-block bootstrap), which keeps their dependence. ``None``
    with fewer than :data:`MIN_UNITS` units.
    """
    n = len(units)
    if n < MIN_UNITS:
        return None
    rng = np.random.default_rng(seed)
    block = max(1, min(int(block), n))

    def resample() -> np.ndarray:
        starts = rng.integers(0, n - block + 1, -(-n // block))
        return units[(starts[:, None] + np.arange(block)).ravel()[:n]]

    with np.errstate(all="ignore"):  # a resample may repeat one block: some facts become undefined
        draws = pd.DataFrame([facts_of(resample()) for _ in range(n_boot)])
    centre = facts_of(units)
    # the draws' spread around their median, placed around the real value: facts such as the mean |ACF|
    # are biased upwards on resamples that repeat blocks, and the band must not inherit that shift
    return {k: (centre[k] + float(draws[k].quantile(BAND[0]) - draws[k].median()),
                centre[k] + float(draws[k].quantile(BAND[1]) - draws[k].median())) for k in draws if k in centre}


def _rows_from_facts(
    ref: dict[str, float], syn: dict[str, float], rel: float, floor: float,
    bands: dict[str, tuple[float, float]] | None = None,
) -> list[dict]:
    rows = []
    for fact in ref:
        if fact not in syn:
            continue
        score = abs(syn[fact] - ref[fact])
        row = {"fact": fact, "reference": ref[fact], "synthetic": syn[fact], "score": score}
        band = None if bands is None or fact in FIXED_TOLERANCES else bands.get(fact)
        if band is not None and np.all(np.isfinite(band)):
            row.update(low=band[0], high=band[1], passed=bool(band[0] <= syn[fact] <= band[1]))
        else:
            tol = FIXED_TOLERANCES.get(fact, max(rel * abs(ref[fact]), floor))
            row.update(tolerance=tol, passed=bool(score <= tol))
        rows.append(row)
    return rows


def scorecard(
    synthetic: Any,
    reference: Any,
    kind: str = "auto",
    window: int | None = None,
    rel_tolerance: float = 0.25,
    abs_tolerance: float = 0.02,
    plots: bool = True,
    seed: int = 0,
    synthetic_facts: dict[str, float] | None = None,
    tolerance: str = "auto",
    provenance: dict[str, str] | None = None,
    baselines: bool = False,
) -> Scorecard:
    """Compare a synthetic set with a reference, fact by fact.

    Parameters
    ----------
    synthetic, reference
        Returns (T,), (n_paths, T) or a DataFrame with one column per path; or
        correlation matrices (n, N, N). A reference history at least twice as long as
        the synthetic paths is cut into non-overlapping blocks of their length, so that
        per-path facts (kurtosis, ACFs) carry the same small-sample bias on both sides.
    kind : {"auto", "returns", "correlations"}
        "auto" picks correlations for 3-D arrays.
    window : int, optional
        Correlations only: the window length the matrices were estimated on (for the
        Marchenko-Pastur facts).
    tolerance : {"auto", "band", "flat"}
        ``"band"`` and ``"auto"`` (default, the same): a fact passes when the synthetic
        value lies in the reference's own sampling band (:func:`sampling_bands`: the
        5%-95% spread of the fact over bootstrap resamples of the reference's
        path-length blocks, or of runs of its matrices, whose per-matrix statistics are
        computed once), the columns ``low`` and ``high``. With fewer than
        :data:`MIN_UNITS` blocks, and with ``"flat"``, the rule below applies.
    rel_tolerance, abs_tolerance
        The flat rule: ``|synthetic - reference| <= max(rel_tolerance * |reference|,
        abs_tolerance)``. The share of valid matrices must always be within 0.01. The
        distance scores have no threshold except the discriminative score (passes below
        0.1).
    baselines : bool
        Also score what one would use instead, fitted on the reference, as extra columns
        with their own pass marks (as many samples as the synthetic set, at most 300):
        for returns against one real series GJR-GARCH(1,1)-t and the stationary
        bootstrap of that series; for matrices LKJ (onion, eta 1) random matrices and the
        bootstrap of the reference windows.
    provenance : dict, optional
        What the caller knows of the inputs (file, model, training period, ...), shown
        in the report's header after what the scorecard finds itself.
    synthetic_facts : dict, optional
        Returns only: the synthetic stylized facts computed elsewhere, e.g. over many more
        paths than ``synthetic`` holds (:class:`~fingan.validation.returns.FactAccumulator`
        over a streamed file); the distance scores and plots still use ``synthetic``.
    """
    if tolerance not in ("auto", "band", "flat"):
        raise DataError(f"tolerance must be 'auto', 'band' or 'flat', not {tolerance!r}")
    if kind == "auto":
        kind = "correlations" if np.ndim(synthetic) == 3 else "returns"
    risk, blocks_note = None, {}
    if kind == "returns":
        from fingan.validation import returns as R

        syn, ref = R.as_paths(synthetic), R.as_paths(reference)
        if ref.shape[1] >= 2 * syn.shape[1]:  # compare like with like: cut history into path-length blocks
            ref = R.as_paths(R.blocks(ref, syn.shape[1]))
        blocks_note = {"reference facts": f"averages over {ref.shape[0]} real blocks of {ref.shape[1]} days, "
                                          "so both sides carry the same small-sample bias"}
        facts = R.stylized_facts(syn) if synthetic_facts is None else synthetic_facts
        bands = sampling_bands(R.stylized_facts, ref, seed=seed) if tolerance != "flat" else None
        rows = _rows_from_facts(R.stylized_facts(ref), facts, rel_tolerance, abs_tolerance, bands)
        for h, w in R.wasserstein_scores(syn, ref).items():
            rows.append({"fact": f"W1 {h}-day returns", "reference": np.nan, "synthetic": w, "score": w})
        dy = R.dy_metric(syn, ref)
        rows.append({"fact": "DY metric 1-day", "reference": np.nan, "synthetic": dy, "score": dy})
        for t, name in (("identity", "r"), ("abs", "|r|"), ("square", "r^2")):
            s = R.acf_score(syn, ref, transform=t)
            rows.append({"fact": f"ACF score {name}", "reference": np.nan, "synthetic": s, "score": s})
        s = R.leverage_score(syn, ref)
        rows.append({"fact": "leverage score", "reference": np.nan, "synthetic": s, "score": s})
        try:
            d = R.discriminative_score(syn, ref, seed=seed)
            rows.append({"fact": "discriminative score", "reference": np.nan, "synthetic": d, "score": d,
                         "tolerance": 0.1, "passed": bool(d <= 0.1)})
        except DataError:
            pass  # too few windows for a classifier: the row is left out
        images = {}
        if plots:
            from fingan.validation.plots import return_plots

            images = return_plots(syn, ref)
        history = R.as_paths(reference)
        if len(history) == 1:  # one real series: rolling windows of it for the risk panel
            from fingan.validation.risk import risk_panel

            risk = risk_panel(syn, history[0])
        if baselines and len(history) == 1:
            drawn = _baseline_paths(history[0], min(len(syn), 300), syn.shape[1], seed)
            _add_baseline_columns(rows, R.stylized_facts(ref), {k: R.stylized_facts(v) for k, v in drawn.items()},
                                  rel_tolerance, abs_tolerance, bands)
    elif kind == "correlations":
        from fingan.validation import correlations as C

        syn, ref = C.as_batch(synthetic), C.as_batch(reference)
        if syn.shape[1] != ref.shape[1]:
            raise DataError(f"synthetic matrices are {syn.shape[1]}x{syn.shape[1]}, the reference "
                            f"{ref.shape[1]}x{ref.shape[1]}")
        parts = C.correlation_fact_parts(ref, window)  # per-matrix statistics, computed once
        # rolling matrices share most of their days: resample runs of about sqrt(n) consecutive ones
        bands = (sampling_bands(lambda rows: C.facts_from_parts(parts, rows), np.arange(len(ref)), seed=seed,
                                block=round(len(ref) ** 0.5)) if tolerance != "flat" else None)
        ref_facts = C.facts_from_parts(parts)
        rows = _rows_from_facts(ref_facts, C.correlation_facts(syn, window), rel_tolerance, abs_tolerance, bands)
        if baselines:
            drawn = _baseline_matrices(ref, min(len(syn), 300), seed)
            _add_baseline_columns(rows, ref_facts, {k: C.correlation_facts(v, window) for k, v in drawn.items()},
                                  rel_tolerance, abs_tolerance, bands)
        for name, d in C.correlation_distances(syn, ref).items():
            rows.append({"fact": f"W1 {name}", "reference": np.nan, "synthetic": d, "score": d})
        images = {}
        if plots:
            from fingan.validation.plots import correlation_plots

            images = correlation_plots(syn, ref, window)
    else:
        raise DataError(f"kind must be 'auto', 'returns' or 'correlations', not {kind!r}")
    if kind != "returns":
        risk = None
    extra = [c for c in (f"{n}{suffix}" for n in BASELINES for suffix in ("", " passed")) if any(c in r for r in rows)]
    table = pd.DataFrame(rows, columns=["fact", "reference", "low", "high", "synthetic", "score", "tolerance",
                                        "passed", *extra])
    for column in extra[1::2]:
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    table["passed"] = table["passed"].astype(object).where(table["passed"].notna(), None)
    table["meaning"] = table["fact"].map(explain)
    return Scorecard(table, kind, images, risk, {**_provenance(synthetic, reference, syn, ref, seed, kind),
                                                 **blocks_note, **(provenance or {})})
