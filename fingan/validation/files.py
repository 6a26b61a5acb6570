"""Validating files of synthetic data: read them (Parquet streamed in chunks) and score them.

What ``fingan validate`` does, as a function: :func:`validate_file` reads synthetic
returns (``.csv`` / ``.parquet``, one path per column or the streamed scenario layout, or
``.npy``) or correlation matrices (``.npy``), builds the reference from a price source,
and returns the :class:`~fingan.validation.scorecard.Scorecard`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fingan.errors import ConfigError, DataError, FinganWarning


def read_synthetic(path: str | os.PathLike, max_paths: int | None = None, what: str = "synthetic data file",
                   log: Callable[[str], None] = print) -> tuple[Any, dict[str, float] | None]:
    """(data, facts): the file's data, and for a streamed Parquet file the facts of all its paths.

    A streamed file (``fingan sample --chunk-size``) is read chunk by chunk: its stylized
    facts cover every path, the data returned (for distance scores and plots) its first
    ``max_paths`` paths (10,000 by default).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{what} {path} does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return np.load(path, allow_pickle=False), None
        if suffix == ".csv":
            return pd.read_csv(path, index_col=0), None
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            meta = pq.ParquetFile(path)
            if "path" not in meta.schema_arrow.names:
                return pd.read_parquet(path), None
            return _stream_facts(path, meta, max_paths, log)
    except (ValueError, OSError, ImportError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    raise DataError(f"synthetic data must be .csv, .parquet or .npy, not {suffix!r}")


def _stream_facts(path: Path, meta: Any, max_paths: int | None, log: Callable[[str], None]):
    from fingan.models.paths import read_parquet_paths
    from fingan.validation.returns import FactAccumulator

    if "asset" in meta.schema_arrow.names:
        raise ConfigError(f"{path} holds several assets; validate one asset's paths at a time")
    n_paths = meta.metadata.num_rows
    length = len(meta.schema_arrow.names) - 1
    accumulator = FactAccumulator(length, n_paths)
    head = []
    kept = 0
    limit = max_paths or 10_000
    for chunk in read_parquet_paths(path):
        accumulator.update(chunk)
        if kept < limit:
            head.append(chunk[: limit - kept])
            kept += len(head[-1])
    log(f"stylized facts over all {n_paths} paths of {path.name}; distance scores and plots on the first {kept}")
    return np.concatenate(head), accumulator.result()


def regime_panel(model_path: str | os.PathLike, reference: pd.DataFrame) -> pd.DataFrame | None:
    """A conditional Quant GAN's risk panel by regime against ``reference``; None for other models.

    On the CPU: a thousand short paths per regime take well under a second.
    """
    from fingan.models import load_model
    from fingan.models.quantgan import QuantGAN
    from fingan.validation.risk import regime_risk_panel

    model_path = Path(model_path)
    model = load_model(model_path / "model.pt" if model_path.is_dir() else model_path, device="cpu")
    if not isinstance(model, QuantGAN) or model.regime_edges_ is None:
        return None
    frame = reference
    if frame.shape[1] != len(model.columns_):
        if not set(model.columns_) <= {str(c) for c in frame.columns}:
            raise DataError(f"the reference lacks the model's tickers {model.columns_}")
        frame = frame.rename(columns=str)[list(model.columns_)]
    return regime_risk_panel(model, frame)


def looks_like_prices(values: Any) -> bool:
    """All positive with a median far above any daily log return: prices, not log returns."""
    from fingan.validation.returns import MAX_LOG_RETURN

    values = np.asarray(values, dtype=float)
    return bool(values.size and np.all(values > 0) and 0.5 < np.median(values) < MAX_LOG_RETURN)


def validate_file(
    synthetic: str | os.PathLike,
    reference: str = "sp500",
    start: str | None = None,
    end: str | None = None,
    window: int = 252,
    model: str | os.PathLike | None = None,
    baselines: bool = True,
    plots: bool = False,
    max_paths: int | None = None,
    log: Callable[[str], None] = print,
):
    """The scorecard of a file of synthetic returns or correlation matrices against real data.

    ``reference`` is a price source (``sp500``, ``sp500-stocks``, a price file,
    ``yahoo:A,B``; ``start`` / ``end`` cut it) or a ``.npy`` of reference matrices.
    Matrices are compared with the reference's rolling ``window``-day correlation
    matrices. ``model``: the file of the model that made the data, named in the
    scorecard's provenance; a conditional Quant GAN's file also adds its risk panel by
    regime.
    """
    from fingan.data.correlations import rolling_correlations
    from fingan.data.prices import load_prices
    from fingan.data.returns import log_returns
    from fingan.models.base import describe_model_file
    from fingan.validation.scorecard import scorecard

    data, facts = read_synthetic(synthetic, max_paths, log=log)
    matrices = np.ndim(data) == 3
    if matrices and np.shape(data)[1] != np.shape(data)[2]:
        raise ConfigError(f"{synthetic} holds an array of shape {np.shape(data)}: returns are "
                          "(n_paths, T), correlation matrices (n, N, N)")
    if not matrices and looks_like_prices(data):
        warnings.warn(f"{synthetic} looks like prices, not log returns (all positive, median "
                      f"{np.median(np.asarray(data, dtype=float)):.3g}); sample returns (fingan sample without "
                      f"--prices) to validate", FinganWarning, stacklevel=2)
    from_file = str(reference).endswith(".npy")
    if from_file:
        real = read_synthetic(Path(reference), what="reference file")[0]
    else:
        real = log_returns(load_prices(reference, start=start, end=end, missing="dropna"))
        if matrices:
            real = rolling_correlations(real, window=window, step=max(1, window // 12), n_assets=np.shape(data)[1],
                                        order=True)
    provenance = {"input": str(synthetic), "reference source": str(reference)}
    if model is not None:
        provenance["model"] = describe_model_file(model)
    card = scorecard(data, real, window=window if matrices else None, plots=plots, provenance=provenance,
                     baselines=baselines, synthetic_facts=facts)
    if model is not None and not matrices and not from_file:
        card.risk_by_regime = regime_panel(model, real)
    return card
