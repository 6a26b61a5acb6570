"""Drawing from any fitted model straight into a file (what ``fingan sample`` does)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from fingan.errors import ConfigError

# above this many values (paths x days) paths are streamed with chunk_size instead of held in one DataFrame
IN_MEMORY_VALUES = 50_000_000


def save_array(path: str | os.PathLike, values: np.ndarray) -> Path:
    """Write ``values`` to a ``.npy`` file atomically."""
    from fingan.io import atomic_write

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:  # a file object: np.save given a path would append ".npy" to it
            np.save(fh, values)

    return atomic_write(path, write)


def write_samples(
    model: Any,
    path: str | os.PathLike,
    n: int,
    length: int = 252,
    seed: int | None = None,
    regime: int | str | None = None,
    history: str | None = None,
    history_start: str | None = None,
    history_end: str | None = None,
    prices: bool = False,
    start_price: float = 1.0,
    chunk_size: int | None = None,
    progress: bool | str = False,
) -> str:
    """Draw ``n`` samples from a fitted ``model`` into ``path``; returns one line on what was written.

    Return models (:class:`~fingan.models.paths.PathModel`) write ``n`` paths of ``length``
    days as ``.csv`` or ``.parquet`` (:func:`~fingan.models.paths.write_paths`), streamed
    ``chunk_size`` paths at a time to Parquet when given; ``history`` (a price source, cut
    to ``history_start`` / ``history_end``) makes a Quant GAN continue those returns;
    ``prices`` writes price paths from ``start_price``. CorrGAN (matrices) and the toy
    models (points) write ``.npy``. ``regime``: conditional models only.
    """
    from fingan.models.corrgan import CorrGAN
    from fingan.models.paths import PathModel, require_pyarrow, write_paths

    path = Path(path)
    if history is None and (history_start is not None or history_end is not None):
        raise ConfigError("--history-start and --history-end need --history (history=)")
    if isinstance(model, PathModel):
        options: dict[str, Any] = {} if regime is None else {"regime": regime}
        if history is not None:
            if not hasattr(model, "history_returns"):
                raise ConfigError(f"--history needs a Quant GAN; this is a {type(model).__name__}")
            options["history"] = model.history_returns(history, history_start, history_end)
        kind = "price" if prices else "return"
        if chunk_size is not None:
            if path.suffix != ".parquet":
                raise ConfigError("--chunk-size streams to Parquet: --out must end in .parquet")
            require_pyarrow()
            model.sample_to_parquet(path, n, length, chunk_size=chunk_size, seed=seed, prices=prices,
                                    start_price=start_price, progress=progress, **options)
            return f"wrote {n} {kind} paths of {length} days to {path} (one row per path, {chunk_size} paths per row group)"
        if n * length > IN_MEMORY_VALUES:
            raise ConfigError(f"{n} paths of {length} days are too many to hold in memory at once; "
                              "stream them with --chunk-size 10000 --out paths.parquet")
        if prices:
            frame = model.sample_prices(n, length, start_price=start_price, seed=seed, **options)
        else:
            frame = model.sample(n, length, seed=seed, **options)
        write_paths(frame, path)
        return f"wrote {n} {kind} paths of {length} days ({frame.index[0].date()} to {frame.index[-1].date()}) to {path}"
    if history is not None:
        raise ConfigError(f"--history needs a Quant GAN; this is a {type(model).__name__}")
    if path.suffix != ".npy":
        raise ConfigError(f"a {type(model).__name__} samples arrays: --out must end in .npy")
    if isinstance(model, CorrGAN):
        values = model.sample(n, seed=seed, regime=regime)
        what = f"{n} correlation matrices of size {values.shape[1]}"
    else:
        values = model.sample(n, seed=seed)
        what = f"{n} points"
    save_array(path, values)
    return f"wrote {what} to {path}"
