"""Scale benchmark: nearest correlation vs statsmodels, vectorised stylized facts, streaming scenarios.

    fingan bench scale --out benchmarks/results/scale.md

(``python benchmarks/scale.py`` takes the same flags.) Four tables: the batched Higham
projection against statsmodels' ``corr_nearest`` for N = 20, 100, 200; the vectorised
per-path facts against a loop over paths with statsmodels' ``acf``; the facts of 100,000
paths in chunks (bounded memory) or all at once; and scenarios streamed to Parquet
(1,000,000 bootstrap paths, 100,000 Quant GAN paths) with each process's peak memory.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy import stats

from fingan.bench.report import log, machine_description, publish
from fingan.bench.report import parser as bench_parser
from fingan.bench.settings import quantgan_options
from fingan.validation.tables import markdown_table


def _indefinite_correlations(n_assets: int, count: int, seed: int) -> np.ndarray:
    """Estimated-looking correlation matrices made indefinite by symmetric noise (what a generator emits)."""
    rng = np.random.default_rng(seed)
    out = np.empty((count, n_assets, n_assets))
    for i in range(count):
        factors = rng.normal(size=(n_assets, 3)) * [0.8, 0.4, 0.3]
        cov = factors @ factors.T + np.diag(rng.uniform(0.2, 0.6, n_assets))
        sd = np.sqrt(np.diag(cov))
        corr = cov / np.outer(sd, sd)
        noise = rng.normal(scale=0.08, size=(n_assets, n_assets))
        corr = np.clip(corr + (noise + noise.T) / 2, -0.99, 0.99)
        np.fill_diagonal(corr, 1.0)
        out[i] = corr
    return out


def compare_nearest(raw: np.ndarray, devices: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """fingan's batched Higham projection of ``raw`` (n, N, N) against statsmodels ``corr_nearest``, one row per device.

    statsmodels projects one matrix at a time. Each row has the seconds of both, the speed
    ratio, the largest entry-wise difference between the two results, each one's mean
    Frobenius distance to the input and smallest eigenvalue.
    """
    from statsmodels.stats.correlation_tools import corr_nearest

    from fingan.data.correlations import nearest_correlation

    devices = devices or (("cpu", "cuda") if torch.cuda.is_available() else ("cpu",))
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns when it stops at its iteration cap
        theirs = np.stack([corr_nearest(m) for m in raw])
    t_theirs = time.perf_counter() - started
    rows = []
    for device in devices:
        batch = torch.as_tensor(raw, device=device)
        nearest_correlation(batch[:1])  # warm-up (CUDA context, kernels)
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        ours = nearest_correlation(batch)
        if device == "cuda":
            torch.cuda.synchronize()
        t_ours = time.perf_counter() - started
        ours = ours.cpu().numpy()
        rows.append({
            "N": raw.shape[-1], "matrices": len(raw), "device": device, "statsmodels s": t_theirs, "fingan s": t_ours,
            "speed-up": t_theirs / t_ours, "max abs difference": float(np.abs(ours - theirs).max()),
            "distance fingan": float(np.linalg.norm(ours - raw, axis=(1, 2)).mean()),
            "distance statsmodels": float(np.linalg.norm(theirs - raw, axis=(1, 2)).mean()),
            "min eigenvalue fingan": float(np.linalg.eigvalsh(ours).min()),
            "min eigenvalue statsmodels": float(np.linalg.eigvalsh(theirs).min()),
        })
    return rows


def nearest_correlation_comparison(
    sizes: dict[int, int] | None = None, seed: int = 0, devices: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    """:func:`compare_nearest` on indefinite estimated-looking matrices; ``sizes`` maps the side N to their count."""
    sizes = sizes or {20: 50, 100: 2, 200: 1}
    rows = []
    for n_assets, count in sizes.items():
        rows += compare_nearest(_indefinite_correlations(n_assets, count, seed), devices)
    return rows


def garch_paths(n_paths: int, length: int, seed: int = 0) -> np.ndarray:
    """GARCH(1,1) paths with Student-t(5) shocks (omega 1e-6, alpha 0.08, beta 0.9): clustered, fat-tailed test data."""
    rng = np.random.default_rng(seed)
    shocks = rng.standard_t(5, size=(n_paths, length)) * np.sqrt(3 / 5)
    out = np.empty((n_paths, length))
    var = np.full(n_paths, 1e-6 / (1 - 0.08 - 0.9))
    for t in range(length):
        out[:, t] = np.sqrt(var) * shocks[:, t]
        var = 1e-6 + 0.08 * out[:, t] ** 2 + 0.9 * var
    return out


def per_path_facts_loop(paths: np.ndarray, max_lag: int, leverage_lags: int) -> dict[str, np.ndarray]:
    """The per-path facts computed the straightforward way: a Python loop over paths with statsmodels' ``acf``.

    The reference for :func:`facts_speed`; returns the path averages that
    :func:`fingan.validation.returns.stylized_facts` reports.
    """
    from statsmodels.tsa.stattools import acf

    sums: dict[str, Any] = {}
    for path in paths:
        values = {
            "kurtosis": stats.kurtosis(path), "skewness": stats.skew(path),
            "acf r": acf(path, nlags=max_lag, fft=False)[1:],
            "acf |r|": acf(np.abs(path), nlags=max_lag, fft=False)[1:],
            "acf r^2": acf(path**2, nlags=max_lag, fft=False)[1:],
            "leverage": np.array([np.corrcoef(path[:-k], path[k:] ** 2)[0, 1] for k in range(1, leverage_lags + 1)]),
        }
        for name, value in values.items():
            sums[name] = sums.get(name, 0) + value
    return {name: total / len(paths) for name, total in sums.items()}


def facts_speed(n_paths: int = 2000, length: int = 252, max_lag: int = 100, leverage_lags: int = 20,
                seed: int = 0) -> dict[str, Any]:
    """Vectorised facts against the per-path loop on the same GARCH paths; checks they agree."""
    from fingan.validation import returns as R

    paths = garch_paths(n_paths, length, seed)
    started = time.perf_counter()
    loop = per_path_facts_loop(paths, max_lag, leverage_lags)
    t_loop = time.perf_counter() - started
    started = time.perf_counter()
    facts = R.stylized_facts(paths, max_lag=max_lag, leverage_lags=leverage_lags)
    t_all = time.perf_counter() - started
    started = time.perf_counter()  # the same per-path quantities as the loop, vectorised
    vectorised = {
        "kurtosis": R.excess_kurtosis(paths).mean(), "skewness": R.skewness(paths).mean(),
        "acf r": R.acf(paths, max_lag).mean(axis=0), "acf |r|": R.acf(np.abs(paths), max_lag).mean(axis=0),
        "acf r^2": R.acf(paths**2, max_lag).mean(axis=0), "leverage": R.leverage(paths, leverage_lags),
    }
    t_vec = time.perf_counter() - started
    difference = max(float(np.max(np.abs(np.asarray(vectorised[k]) - loop[k]))) for k in loop)
    return {"paths": n_paths, "length": length, "loop s": t_loop, "vectorised s": t_vec, "speed-up": t_loop / t_vec,
            "max abs difference": difference, "all facts s": t_all, "facts": len(facts)}


def facts_memory(n_paths: int = 100_000, length: int = 252, chunk_size: int = 5000, seed: int = 0) -> list[dict]:
    """Time and peak extra memory (tracemalloc, beyond the input) of the facts of many paths, chunked or not."""
    from fingan.validation import returns as R

    paths = garch_paths(n_paths, length, seed)
    rows = []
    for size in (chunk_size, n_paths):
        tracemalloc.start()
        started = time.perf_counter()
        R.stylized_facts(paths, chunk_size=size)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows.append({"paths": n_paths, "length": length, "chunk": size, "seconds": seconds,
                     "peak MiB beyond the input": peak / 2**20, "input MiB": paths.nbytes / 2**20})
    return rows


def peak_rss_mib() -> float:
    """This process's peak resident memory in MiB.

    Read from ``VmHWM`` in ``/proc/self/status`` on Linux: ``getrusage``'s ``ru_maxrss``
    also counts the parent's memory at the time a spawned child was forked.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stream_child(model_name: str, n_paths: int, length: int, chunk_size: int, path: str) -> dict[str, Any]:
    """Fit a model on the bundled S&P 500, stream paths to Parquet, report time and this process's peak memory."""
    torch.set_num_threads(os.cpu_count() or 1)
    from fingan.baselines import StationaryBootstrap
    from fingan.data.prices import load_prices
    from fingan.data.returns import log_returns
    from fingan.models.quantgan import QuantGAN

    returns = log_returns(load_prices("sp500"))
    if model_name == "stationary bootstrap":
        model = StationaryBootstrap().fit(returns)
    else:  # the demo's architecture; a few steps, since speed and memory do not depend on the weights
        model = QuantGAN(device="cpu", **quantgan_options("small", steps=5)).fit(returns)
    before = peak_rss_mib()
    started = time.perf_counter()
    model.sample_to_parquet(path, n_paths, length, chunk_size=chunk_size, seed=0)
    seconds = time.perf_counter() - started
    return {"model": model_name, "paths": n_paths, "length": length, "chunk": chunk_size, "seconds": seconds,
            "paths/s": n_paths / seconds, "peak RSS MiB": peak_rss_mib(),
            "RSS before sampling MiB": before, "file MiB": os.path.getsize(path) / 2**20,
            "all paths in memory MiB": n_paths * length * 8 / 2**20}


def streaming(jobs: list[tuple[str, int, int]] | None = None, length: int = 252) -> list[dict]:
    """Stream paths to Parquet, each (model, paths, chunk size) job in a fresh process (its peak memory is its own)."""
    jobs = jobs or [("stationary bootstrap", 1_000_000, 10_000), ("Quant GAN (demo size)", 100_000, 2000)]
    rows = []
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder:
        for name, n_paths, chunk_size in jobs:
            path = os.path.join(folder, "paths.parquet")
            with context.Pool(1) as pool:
                rows.append(pool.apply(_stream_child, (name, n_paths, length, chunk_size, path)))
            os.remove(path)
    return rows


def _f(value: float, digits: int = 3) -> str:
    return f"{value:,.{digits}f}"


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench scale``: run it, print the table, write it to ``--out``."""
    parser = bench_parser("scale", __doc__)
    parser.add_argument("--paths", type=int, default=1_000_000, help="bootstrap paths to stream")
    parser.add_argument("--quantgan-paths", type=int, default=100_000, help="Quant GAN paths to stream")
    parser.add_argument("--facts-paths", type=int, default=100_000, help="paths for the facts-memory table")
    parser.add_argument("--out", type=Path, help="write the Markdown tables here")
    args = parser.parse_args(argv)
    log("nearest correlation ...")
    rows = nearest_correlation_comparison()
    nearest = markdown_table(
        ["N", "matrices", "device", "statsmodels s", "fingan s", "speed-up", "max abs difference",
         "distance to input (fingan / statsmodels)", "min eigenvalue (fingan / statsmodels)"],
        [[r["N"], r["matrices"], r["device"], _f(r["statsmodels s"]), _f(r["fingan s"]), f"{r['speed-up']:,.0f}x",
          f"{r['max abs difference']:.1e}", f"{r['distance fingan']:.7f} / {r['distance statsmodels']:.7f}",
          f"{r['min eigenvalue fingan']:.1e} / {r['min eigenvalue statsmodels']:.1e}"] for r in rows])
    log("stylized facts: loop vs vectorised ...")
    speed = facts_speed()
    speed_table = markdown_table(
        ["paths x days", "loop with statsmodels acf, s", "vectorised, s", "speed-up", "max abs difference",
         "all 20 facts, s"],
        [[f"{speed['paths']:,} x {speed['length']}", _f(speed["loop s"]), _f(speed["vectorised s"]),
          f"{speed['speed-up']:.0f}x", f"{speed['max abs difference']:.1e}", _f(speed["all facts s"])]])
    log("stylized facts: memory ...")
    memory = facts_memory(n_paths=args.facts_paths)
    memory_table = markdown_table(
        ["paths x days", "paths per chunk", "seconds", "peak MiB beyond the input", "input MiB"],
        [[f"{r['paths']:,} x {r['length']}", f"{r['chunk']:,}", _f(r["seconds"], 1),
          _f(r["peak MiB beyond the input"], 0), _f(r["input MiB"], 0)] for r in memory])
    log("streaming ...")
    streamed = streaming([("stationary bootstrap", args.paths, 10_000),
                                ("Quant GAN (demo size)", args.quantgan_paths, 2000)])
    streaming_table = markdown_table(
        ["model", "paths x days", "paths per chunk", "seconds", "paths/s", "peak RSS MiB (before sampling)",
         "file MiB", "all paths in memory would be, MiB"],
        [[r["model"], f"{r['paths']:,} x {r['length']}", f"{r['chunk']:,}", _f(r["seconds"], 0),
          f"{r['paths/s']:,.0f}", f"{r['peak RSS MiB']:,.0f} ({r['RSS before sampling MiB']:,.0f})",
          _f(r["file MiB"], 0), _f(r["all paths in memory MiB"], 0)] for r in streamed])
    text = "\n\n".join([
        "Nearest correlation matrix (indefinite 3-factor matrices plus symmetric noise; statsmodels one at a time "
        "with its defaults, fingan batched, tol 1e-8):\n\n" + nearest,
        "Per-path facts (kurtosis, skewness, ACF of r, |r|, r^2 to lag 100, leverage to lag 20) of GARCH(1,1)-t "
        "paths:\n\n" + speed_table,
        "All stylized facts of many paths (tracemalloc peak):\n\n" + memory_table,
        "Scenarios streamed to Parquet (`sample_to_parquet`, float32, one row group per chunk), each model in a "
        "fresh process:\n\n" + streaming_table,
    ])
    note = (f"\nMachine: {machine_description()}. Command: `python benchmarks/py --paths {args.paths} "
            f"--quantgan-paths {args.quantgan_paths} --facts-paths {args.facts_paths}`.")
    publish(text, note, args.out)
    return 0
