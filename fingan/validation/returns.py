"""Stylized facts of asset returns and the Quant GAN scores, vectorised over many paths.

Inputs are one series (T,), a set of paths (n_paths, T), or a DataFrame with one column
per path (the shape the return recipes sample). Statistics are computed per path with
numpy (autocorrelations by FFT) and then averaged, or pooled over paths where a single
path is too short (tail indices, share of large moves).

References: Cont (2001), "Empirical properties of asset returns: stylized facts and
statistical issues"; Wiese, Knobloch, Korn, Kretschmer (2020), "Quant GANs".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from fingan.errors import DataError


MAX_LOG_RETURN = 1e6  # far beyond any return; fourth powers of larger values head for overflow


def as_paths(x: Any) -> np.ndarray:
    """Returns as a float array (n_paths, T): a DataFrame's columns are paths, a 1-D input is one path."""
    if isinstance(x, pd.DataFrame):
        arr = x.to_numpy(dtype=float).T
    else:
        arr = np.asarray(x, dtype=float)
        if arr.ndim == 1:
            arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] < 3:
        raise DataError(f"returns must have shape (T,) or (n_paths, T) with T >= 3, got {np.shape(x)}")
    if not np.isfinite(arr).all():
        raise DataError("returns contain NaN or infinite values")
    largest = float(np.abs(arr).max())
    if largest > MAX_LOG_RETURN:
        raise DataError(f"returns reach {largest:.3g}: log returns are never that large (prices, or percent, "
                        "given as returns?)")
    if largest == 0 or np.all(arr == arr[:, :1]):
        raise DataError("every path is constant: there is no movement to measure")
    return arr


def acf(x: Any, max_lag: int) -> np.ndarray:
    r"""Sample autocorrelation of each path at lags 1..max_lag, shape (n_paths, max_lag).

    :math:`\hat\rho(k) = \sum_{t=1}^{T-k} (x_t - \bar x)(x_{t+k} - \bar x) / \sum_t (x_t - \bar x)^2`
    (the estimator of statsmodels' ``acf``), computed for all paths at once by FFT.
    """
    paths = as_paths(x)
    n, t = paths.shape
    if not 1 <= max_lag < t:
        raise DataError(f"max_lag must be between 1 and T - 1 = {t - 1}, got {max_lag}")
    centred = paths - paths.mean(axis=1, keepdims=True)
    size = 1 << int(np.ceil(np.log2(2 * t - 1)))
    spectrum = np.fft.rfft(centred, n=size, axis=1)
    autocov = np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=1)[:, : max_lag + 1]
    return autocov[:, 1:] / autocov[:, :1]


def excess_kurtosis(x: Any) -> np.ndarray:
    """Excess kurtosis of each path (0 for a Gaussian), shape (n_paths,)."""
    return stats.kurtosis(as_paths(x), axis=1)


def skewness(x: Any) -> np.ndarray:
    """Skewness of each path (negative: larger losses than gains), shape (n_paths,)."""
    return stats.skew(as_paths(x), axis=1)


def _standardised_pool(x: Any) -> np.ndarray:
    paths = as_paths(x)
    sd = paths.std(axis=1, keepdims=True)
    if np.any(sd == 0):
        raise DataError("a path has zero variance")
    return ((paths - paths.mean(axis=1, keepdims=True)) / sd).ravel()


def hill_tail_index(x: Any, k: int, tail: str = "left") -> float:
    r"""Hill estimator of the tail index alpha from the k largest moves of one tail.

    :math:`\hat\alpha = \left[\frac1k \sum_{i=1}^k \log X_{(i)} - \log X_{(k+1)}\right]^{-1}`
    with :math:`X_{(1)} \ge X_{(2)} \ge \dots` the losses (``tail="left"``) or gains
    (``"right"``) of the standardised returns, pooled over paths. Smaller alpha means a
    heavier tail; for a Student-t with nu degrees of freedom alpha = nu.
    """
    if tail not in ("left", "right"):
        raise DataError(f"tail must be 'left' or 'right', not {tail!r}")
    z = _standardised_pool(x)
    return _hill(-z if tail == "left" else z, k, len(z))


def _hill(moves: np.ndarray, k: int, n_returns: int) -> float:
    """Hill's alpha from the moves of one tail (at least its k + 1 largest, any order)."""
    moves = np.sort(moves)[::-1]
    if not 1 <= k < len(moves) or moves[k] <= 0:
        raise DataError(f"k = {k} is too large for {n_returns} returns (need k + 1 positive moves in the tail)")
    return float(1.0 / (np.log(moves[:k]).mean() - np.log(moves[k])))


def share_beyond(x: Any, n_std: float = 3.0) -> float:
    """Share of returns more than ``n_std`` standard deviations from the mean (Gaussian: 0.27% at 3)."""
    z = _standardised_pool(x)
    return _count_beyond(z, n_std) / len(z)


def _count_beyond(z: np.ndarray, n_std: float) -> int:
    return int(np.count_nonzero(np.abs(z) > n_std))


def leverage(x: Any, max_lag: int) -> np.ndarray:
    r"""Leverage effect :math:`\mathrm{corr}(r_t, r_{t+k}^2)` for k = 1..max_lag, averaged over paths.

    Negative values mean that falls are followed by higher volatility (equity indices).
    """
    return _leverage_per_path(as_paths(x), max_lag).mean(axis=0)


def _leverage_per_path(paths: np.ndarray, max_lag: int) -> np.ndarray:
    """Each path's leverage correlations at lags 1..max_lag, shape (n_paths, max_lag)."""
    if not 1 <= max_lag < paths.shape[1] - 1:
        raise DataError(f"max_lag must be between 1 and T - 2, got {max_lag}")
    out = np.empty((paths.shape[0], max_lag))
    for k in range(1, max_lag + 1):
        a, b = paths[:, :-k], paths[:, k:] ** 2
        a = a - a.mean(axis=1, keepdims=True)
        b = b - b.mean(axis=1, keepdims=True)
        out[:, k - 1] = (a * b).sum(axis=1) / np.sqrt((a**2).sum(axis=1) * (b**2).sum(axis=1))
    return out


def power_law_exponent(acf_values: np.ndarray) -> float:
    r"""Decay exponent beta of :math:`\rho(k) \approx c\,k^{-\beta}` fitted by least squares on log-log scale.

    ``acf_values`` are autocorrelations at lags 1..L (e.g. of ``|r|``); lags with a
    non-positive value are left out. Cont (2001) reports beta in [0.2, 0.4] for ``ACF(|r|)``.
    """
    values = np.asarray(acf_values, dtype=float)
    lags = np.arange(1, len(values) + 1)
    keep = values > 0
    if keep.sum() < 3:
        raise DataError("fewer than 3 positive autocorrelations: no power law to fit")
    slope = np.polyfit(np.log(lags[keep]), np.log(values[keep]), 1)[0]
    return float(-slope)


def aggregate(x: Any, horizon: int, overlapping: bool = False) -> np.ndarray:
    """Sums of ``horizon`` consecutive returns per path: non-overlapping blocks, or rolling sums."""
    paths = as_paths(x)
    if not 1 <= horizon <= paths.shape[1]:
        raise DataError(f"horizon must be between 1 and T = {paths.shape[1]}, got {horizon}")
    csum = np.concatenate([np.zeros((paths.shape[0], 1)), np.cumsum(paths, axis=1)], axis=1)
    step = 1 if overlapping else horizon
    ends = np.arange(horizon, paths.shape[1] + 1, step)
    return csum[:, ends] - csum[:, ends - horizon]


def aggregated_kurtosis(x: Any, horizons: Sequence[int] = (1, 5, 20)) -> dict[int, float]:
    """Excess kurtosis of non-overlapping h-day returns, averaged over paths (aggregational Gaussianity)."""
    return {h: float(np.mean(stats.kurtosis(aggregate(x, h), axis=1))) for h in horizons}


def ewma_standardised(x: Any, lam: float = 0.94, burn_in: int = 20) -> np.ndarray:
    r"""Returns divided by an EWMA volatility forecast (RiskMetrics, lambda = 0.94).

    :math:`\sigma_t^2 = \lambda \sigma_{t-1}^2 + (1 - \lambda) r_{t-1}^2`, started at the
    path's variance; the first ``burn_in`` dates are dropped.
    """
    paths = as_paths(x)
    var = np.empty_like(paths)
    var[:, 0] = paths.var(axis=1)
    for t in range(1, paths.shape[1]):
        var[:, t] = lam * var[:, t - 1] + (1 - lam) * paths[:, t - 1] ** 2
    return (paths / np.sqrt(var))[:, burn_in:]


def conditional_kurtosis(x: Any, lam: float = 0.94) -> float:
    """Excess kurtosis of EWMA-standardised returns, averaged over paths (conditional heavy tails: > 0)."""
    return float(np.mean(stats.kurtosis(ewma_standardised(x, lam), axis=1)))


def stylized_facts(
    x: Any,
    max_lag: int = 100,
    hill_k: Sequence[float] = (0.01, 0.025, 0.05),
    leverage_lags: int = 20,
    chunk_size: int = 5000,
) -> dict[str, float]:
    """Every return fact as one flat dict of numbers (the scorecard's rows).

    ``hill_k`` are shares of the pooled sample used as k for the Hill estimator (with
    T = 5000 returns, 1% is k = 50). The 1-day excess kurtosis of aggregational
    Gaussianity is the ``excess kurtosis`` row. Paths are processed ``chunk_size`` at a
    time (:class:`FactAccumulator`), so the working memory does not grow with the number
    of paths; the result does not depend on ``chunk_size``.
    """
    paths = as_paths(x)
    acc = FactAccumulator(paths.shape[1], len(paths), max_lag, hill_k, leverage_lags)
    for start in range(0, len(paths), chunk_size):
        acc.update(paths[start : start + chunk_size])
    return acc.result()


class FactAccumulator:
    """:func:`stylized_facts` of many paths fed in chunks, with memory bounded by the chunk.

    Per-path statistics (kurtosis, skewness, autocorrelations, leverage, aggregated and
    EWMA-conditional kurtosis) are summed; the pooled tail statistics keep counts and
    only the largest moves the Hill estimator needs. ``n_paths`` (the total) fixes the
    Hill estimator's k in advance.

    Examples
    --------
    >>> acc = FactAccumulator(length=252, n_paths=100_000)
    >>> for chunk in chunks:            # e.g. row groups of a Parquet file
    ...     acc.update(chunk)           # (n_chunk, 252) returns
    >>> facts = acc.result()
    """

    def __init__(
        self,
        length: int,
        n_paths: int,
        max_lag: int = 100,
        hill_k: Sequence[float] = (0.01, 0.025, 0.05),
        leverage_lags: int = 20,
    ) -> None:
        if length < 3 or n_paths < 1:
            raise DataError(f"need paths of length >= 3 and n_paths >= 1, got length {length}, n_paths {n_paths}")
        self.length, self.n_paths = int(length), int(n_paths)
        self.lag = min(max_lag, length - 2)
        self.leverage_lags = min(leverage_lags, length - 2)
        self.hill = {share: max(2, int(share * length * n_paths)) for share in hill_k}
        self.horizons = [h for h in (5, 20) if length // h >= 8]
        self.seen = 0
        self.sums: dict[str, Any] = {}
        self.beyond = 0
        self.tails = {"left": np.empty(0), "right": np.empty(0)}

    def _add(self, name: str, per_path: np.ndarray) -> None:
        self.sums[name] = self.sums.get(name, 0) + per_path.sum(axis=0)

    def update(self, chunk: Any) -> FactAccumulator:
        """Add a chunk of paths (n_chunk, length)."""
        paths = as_paths(chunk)
        if paths.shape[1] != self.length:
            raise DataError(f"paths of this accumulator have length {self.length}, got {paths.shape[1]}")
        if self.seen + len(paths) > self.n_paths:
            raise DataError(f"more paths than the {self.n_paths} announced")
        self.seen += len(paths)
        self._add("kurtosis", excess_kurtosis(paths))
        self._add("skewness", skewness(paths))
        for name, values in (("acf r", paths), ("acf |r|", np.abs(paths)), ("acf r^2", paths**2)):
            self._add(name, acf(values, self.lag))
        self._add("leverage", _leverage_per_path(paths, self.leverage_lags))
        for h in self.horizons:
            self._add(f"kurtosis {h}", stats.kurtosis(aggregate(paths, h), axis=1))
        self._add("conditional kurtosis", stats.kurtosis(ewma_standardised(paths), axis=1))
        z = _standardised_pool(paths)
        self.beyond += _count_beyond(z, 3.0)
        keep = max(self.hill.values(), default=0) + 1
        for tail, moves in (("left", -z), ("right", z)):
            merged = np.concatenate([self.tails[tail], moves])
            if len(merged) > keep:
                merged = np.partition(merged, len(merged) - keep)[-keep:]
            self.tails[tail] = merged
        return self

    def result(self) -> dict[str, float]:
        """The facts of every path added so far (all ``n_paths`` must have been added)."""
        if self.seen != self.n_paths:
            raise DataError(f"{self.seen} of the {self.n_paths} announced paths were added")
        mean = {name: total / self.seen for name, total in self.sums.items()}
        lag = self.lag
        facts: dict[str, float] = {
            "excess kurtosis": float(mean["kurtosis"]),
            "skewness": float(mean["skewness"]),
            "share beyond 3 sd": self.beyond / (self.seen * self.length),
        }
        for share, k in self.hill.items():
            for tail in ("left", "right"):
                facts[f"hill alpha {tail} (top {100 * share:g}%)"] = _hill(self.tails[tail], k, self.seen * self.length)
        acf_r, acf_abs = mean["acf r"], mean["acf |r|"]
        facts["acf r lag 1"] = float(acf_r[0])
        facts[f"mean |acf r| lags 1-{lag}"] = float(np.abs(acf_r).mean())
        facts["acf |r| lag 1"] = float(acf_abs[0])
        facts[f"acf |r| lag {lag}"] = float(acf_abs[-1])
        facts["acf r^2 lag 1"] = float(mean["acf r^2"][0])
        facts["acf |r| decay beta"] = power_law_exponent(acf_abs)
        lev = mean["leverage"]
        facts["leverage lag 1"] = float(lev[0])
        facts[f"mean leverage lags 1-{len(lev)}"] = float(lev.mean())
        for h in self.horizons:
            facts[f"excess kurtosis {h}-day"] = float(mean[f"kurtosis {h}"])
        facts["excess kurtosis EWMA-standardised"] = float(mean["conditional kurtosis"])
        return facts


# --------------------------------------------------------------------------- scores


def wasserstein_scores(synthetic: Any, reference: Any, horizons: Sequence[int] = (1, 5, 20, 100)) -> dict[int, float]:
    """Wasserstein-1 (EMD) distance between the t-day return distributions (Wiese et al. 2020).

    t-day returns are rolling sums of t consecutive returns, pooled over paths; horizons
    longer than the paths are skipped.
    """
    syn, ref = as_paths(synthetic), as_paths(reference)
    return {
        h: float(stats.wasserstein_distance(aggregate(syn, h, True).ravel(), aggregate(ref, h, True).ravel()))
        for h in horizons
        if h <= min(syn.shape[1], ref.shape[1])
    }


def dy_metric(synthetic: Any, reference: Any, horizon: int = 1, bins: int = 50) -> float:
    r"""DY metric (Dragulescu and Yakovenko 2002, as used by Wiese et al. 2020).

    :math:`\sum_x |\log \hat p_{ref}(x) - \log \hat p_{syn}(x)|` over histogram bins
    (shared edges from the reference) where both densities are positive, for the
    ``horizon``-day returns. 0 for identical histograms; ``inf`` when the two share no
    bin (e.g. no synthetic return falls within the reference's range), where the sum
    would otherwise be empty and read as a perfect match.
    """
    ref = aggregate(reference, horizon, True).ravel()
    syn = aggregate(synthetic, horizon, True).ravel()
    edges = np.histogram_bin_edges(ref, bins=bins)
    p_ref, _ = np.histogram(ref, bins=edges, density=True)
    counts, _ = np.histogram(syn, bins=edges)
    both = (p_ref > 0) & (counts > 0)
    if not both.any():
        return float("inf")
    p_syn = counts / np.diff(edges) / counts.sum()  # numpy's density=True, which warns on an empty histogram
    return float(np.abs(np.log(p_ref[both]) - np.log(p_syn[both])).sum())


def acf_score(synthetic: Any, reference: Any, max_lag: int = 100, transform: str = "identity") -> float:
    """L2 distance between the reference ACF and the mean synthetic ACF (Wiese et al. 2020).

    ``transform`` is ``"identity"`` (r), ``"abs"`` (``|r|``) or ``"square"`` (``r^2``).
    """
    f = {"identity": lambda a: a, "abs": np.abs, "square": np.square}.get(transform)
    if f is None:
        raise DataError(f"transform must be 'identity', 'abs' or 'square', not {transform!r}")
    syn, ref = as_paths(synthetic), as_paths(reference)
    lag = min(max_lag, syn.shape[1] - 1, ref.shape[1] - 1)
    return float(np.linalg.norm(acf(f(ref), lag).mean(axis=0) - acf(f(syn), lag).mean(axis=0)))


def leverage_score(synthetic: Any, reference: Any, max_lag: int = 20) -> float:
    """L2 distance between the reference and the synthetic leverage curves, lags 1..max_lag."""
    syn, ref = as_paths(synthetic), as_paths(reference)
    lag = min(max_lag, syn.shape[1] - 2, ref.shape[1] - 2)
    return float(np.linalg.norm(leverage(ref, lag) - leverage(syn, lag)))


def blocks(paths: np.ndarray, length: int) -> np.ndarray:
    """Non-overlapping blocks of ``length`` consecutive returns of every path, shape (n_blocks, length)."""
    n_per = paths.shape[1] // length
    return paths[:, : n_per * length].reshape(-1, length)


def discriminative_score(synthetic: Any, reference: Any, window: int = 20, seed: int = 0) -> float:
    """How well a small classifier tells real from synthetic windows: ``|accuracy - 0.5|``.

    Non-overlapping windows of both sets (as many of each, at most 5000) are labelled,
    split 70/30, and a one-hidden-layer perceptron (scikit-learn) is fitted on each
    window's standardised returns and their absolute values. **0 means the classifier
    does no better than a coin flip (the synthetic windows pass as real); 0.5 means it
    separates them perfectly.**
    """
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    syn, ref = blocks(as_paths(synthetic), window), blocks(as_paths(reference), window)
    rng = np.random.default_rng(seed)
    n = min(len(syn), len(ref), 5000)
    if n < 20:
        raise DataError(f"need at least 20 windows of length {window} in each set, got {min(len(syn), len(ref))}")
    syn, ref = syn[rng.choice(len(syn), n, replace=False)], ref[rng.choice(len(ref), n, replace=False)]
    x = np.concatenate([ref, syn])
    features = np.concatenate([x, np.abs(x)], axis=1)
    labels = np.r_[np.ones(n), np.zeros(n)]
    x_tr, x_te, y_tr, y_te = train_test_split(features, labels, test_size=0.3, random_state=seed, stratify=labels)
    scaler = StandardScaler().fit(x_tr)
    clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=500, random_state=seed, early_stopping=True)
    clf.fit(scaler.transform(x_tr), y_tr)
    return float(abs(clf.score(scaler.transform(x_te), y_te) - 0.5))


def selection_parts(synthetic: Any, reference: Any, horizons: Sequence[int] = (1, 5, 20),
                    max_lag: int = 100) -> dict[str, float]:
    """The terms of :func:`selection_score`, by name (``"W1 1-day / sd"``, ``"ACF |r|"``, ...)."""
    syn, ref = as_paths(synthetic), as_paths(reference)
    parts = {f"W1 {h}-day / sd": w / max(float(aggregate(ref, h, True).std()), 1e-12)
             for h, w in wasserstein_scores(syn, ref, horizons).items()}
    for transform, name in (("identity", "r"), ("abs", "|r|"), ("square", "r^2")):
        parts[f"ACF {name}"] = acf_score(syn, ref, max_lag, transform)
    parts["leverage"] = leverage_score(syn, ref)
    return parts


def selection_score(synthetic: Any, reference: Any, horizons: Sequence[int] = (1, 5, 20), max_lag: int = 100) -> float:
    """One number to choose checkpoints by (lower is better): the Quant GAN scores summed.

    ``sum_h W1_h / sd_h + ACF score (r, |r|, r^2) + leverage score``, where W1_h is the
    EMD of h-day returns (:func:`wasserstein_scores`) divided by the reference's h-day
    standard deviation so that every term is unit-free (the terms one by one:
    :func:`selection_parts`).
    """
    return float(sum(selection_parts(synthetic, reference, horizons, max_lag).values()))
