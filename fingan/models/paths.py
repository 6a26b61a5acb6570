"""The sample API shared by every return model: Quant GAN and the baselines."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fingan.data.returns import prices_from_returns
from fingan.errors import ConfigError, DataError, as_count


def origin_positions(frame: pd.DataFrame, origins: Any = None) -> np.ndarray:
    """Positions in ``frame`` of forecast origins: dates of its index (each forecast uses the
    rows strictly before it), or ``None`` for one origin after its last row."""
    if origins is None:
        return np.array([len(frame)])
    dates = pd.DatetimeIndex(np.atleast_1d(pd.to_datetime(origins)))
    positions = frame.index.get_indexer(dates)
    if (positions < 0).any():
        missing = dates[positions < 0][:3].strftime("%Y-%m-%d").tolist()
        raise DataError(f"forecast origins must be dates of the returns; not found: {', '.join(missing)}")
    if (positions < 1).any():
        raise DataError("every forecast origin needs at least one day of history before it")
    return positions


def check_forecast_sizes(n_paths: int, horizon: int) -> tuple[int, int]:
    return as_count(n_paths, "n_paths"), as_count(horizon, "horizon")


class PathModel:
    """Mixin: ``sample`` and ``sample_prices`` as DataFrames from a model's ``_paths``.

    A subclass sets ``columns_`` (asset names) and ``last_date_`` (last training date) in
    ``fit`` and implements ``_paths(n_paths, length, seed, **options)`` returning an
    array (n_paths, length, n_assets) of log returns.
    """

    columns_: list[str] | None = None
    last_date_: pd.Timestamp | None = None

    def _paths(self, n_paths: int, length: int, seed: int | None, **options: Any) -> np.ndarray:
        raise NotImplementedError

    @property
    def reads_history(self) -> bool:
        """Whether the model's scenarios can continue a real history (``forecast_paths``)."""
        return hasattr(self, "forecast_paths")

    def _start_after(self, **options: Any) -> pd.Timestamp:
        """The date the sampled paths continue: the last training date unless options say otherwise."""
        return self.last_date_

    def _check_fitted(self) -> None:
        if self.columns_ is None:
            raise ConfigError(f"this {type(self).__name__} is not fitted yet: call fit(...) first")

    def sample(self, n_paths: int, length: int = 252, seed: int | None = None, **options: Any) -> pd.DataFrame:
        """Draw ``n_paths`` return paths of ``length`` business days after the training data.

        Returns a DataFrame indexed by the business days following the last training
        date, with one column per path (single asset) or columns ``(path, asset)``
        (several assets). The same seed gives the same paths, in memory or streamed in
        chunks of any size; ``seed=None`` draws fresh paths on every call. No path is ever
        dropped.
        """
        self._check_fitted()
        n_paths, length = as_count(n_paths, "n_paths"), as_count(length, "length")
        paths = np.concatenate(list(self._blocks(n_paths, length, seed, **options)))
        index = pd.bdate_range(self._start_after(**options) + pd.offsets.BDay(1), periods=int(length), name="date")
        if len(self.columns_) == 1:
            return pd.DataFrame(paths[:, :, 0].T, index=index, columns=pd.RangeIndex(n_paths, name="path"))
        columns = pd.MultiIndex.from_product([range(n_paths), self.columns_], names=["path", "asset"])
        return pd.DataFrame(paths.transpose(1, 0, 2).reshape(length, -1), index=index, columns=columns)

    def sample_prices(
        self,
        n_paths: int,
        length: int = 252,
        start_price: float | dict[str, float] = 1.0,
        seed: int | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        """Price paths ``start_price * exp(cumulative sampled returns)``, laid out like :meth:`sample`.

        ``start_price`` is the price on the last training date: one number, or one per
        asset as a dict.
        """
        returns = self.sample(n_paths, length, seed=seed, **options)
        if isinstance(start_price, dict):
            missing = [c for c in self.columns_ if c not in start_price]
            if missing:
                raise ConfigError(f"start_price has no price for {', '.join(map(str, missing))}")
            start = np.array([start_price[c] for c in self.columns_] * n_paths, dtype=float)
        else:
            start = float(start_price)
        return prices_from_returns(returns, start)

    #: Paths are drawn in blocks of this many, block ``k`` with a seed derived from
    #: ``(seed, k)`` (block 0 with ``seed`` itself), so path ``i`` is the same whether the
    #: paths are drawn at once or streamed in chunks of any size.
    draw_block: int = 10_000

    def _blocks(self, n_paths: int, length: int, seed: int | None, **options: Any) -> Iterator[np.ndarray]:
        """The paths (n, length, n_assets) in draw blocks."""
        for k, start in enumerate(range(0, int(n_paths), self.draw_block)):
            size = min(self.draw_block, int(n_paths) - start)
            block_seed = seed if seed is None or k == 0 else int(np.random.SeedSequence([seed, k]).generate_state(1)[0])
            yield np.asarray(self._paths(size, int(length), block_seed, **options), dtype=float)

    def sample_chunks(
        self, n_paths: int, length: int = 252, chunk_size: int = 10_000, seed: int | None = None, **options: Any
    ) -> Iterator[np.ndarray]:
        """Yield log-return paths ``chunk_size`` at a time, arrays (n_chunk, length, n_assets).

        The paths are those of :meth:`sample` with the same seed, whatever the chunk size.
        Memory is bounded by one chunk plus one draw block (:attr:`draw_block` paths).
        """
        self._check_fitted()
        n_paths, length = as_count(n_paths, "n_paths"), as_count(length, "length")
        chunk_size = int(as_count(chunk_size, "chunk_size"))
        pending: list[np.ndarray] = []
        held = 0
        for block in self._blocks(n_paths, length, seed, **options):
            pending.append(block)
            held += len(block)
            while held >= chunk_size:
                joined = np.concatenate(pending)
                yield joined[:chunk_size]
                pending, held = [joined[chunk_size:]], held - chunk_size
        if held:
            yield np.concatenate(pending)

    def sample_to_parquet(
        self,
        path: str | os.PathLike,
        n_paths: int,
        length: int = 252,
        chunk_size: int = 10_000,
        seed: int | None = None,
        prices: bool = False,
        start_price: float = 1.0,
        progress: bool = False,
        **options: Any,
    ) -> Path:
        """Stream ``n_paths`` paths to one Parquet file, one row group per chunk, in bounded memory.

        Layout: one row per path (and asset): ``path`` (int64), ``asset`` (several assets
        only), then one float32 column per business day (ISO dates) holding the log
        return, or with ``prices=True`` the price ``start_price * exp(cumulative return)``.
        :func:`read_parquet_paths` reads it back chunk by chunk. The file appears only
        when complete (written to a temporary file, then renamed).
        """
        self._check_fitted()
        dates = pd.bdate_range(self._start_after(**options) + pd.offsets.BDay(1), periods=int(length))
        chunks = self.sample_chunks(n_paths, length, chunk_size, seed, **options)
        if prices:
            chunks = (np.exp(np.cumsum(chunk, axis=1)) * start_price for chunk in chunks)
        return write_parquet_paths(path, chunks, dates, list(map(str, self.columns_)), progress=progress,
                                   total=int(n_paths))


def write_parquet_paths(
    path: str | os.PathLike, chunks: Iterable[np.ndarray], dates: Sequence[Any], assets: Sequence[str],
    progress: bool | str = False, total: int | None = None,
) -> Path:
    """Write paths, given as chunks (n, length, n_assets), in fingan's Parquet scenario layout.

    One row per path (and asset): ``path`` (int64), ``asset`` (several assets only), then
    one float32 column per day (ISO dates). Written atomically, one row group per chunk;
    :func:`read_parquet_paths` reads it back chunk by chunk.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tqdm.auto import tqdm

    from fingan.io import atomic_write

    day_columns = [pd.Timestamp(d).date().isoformat() for d in dates]
    length, assets = len(day_columns), list(assets)
    fields = [pa.field("path", pa.int64())] + ([pa.field("asset", pa.string())] if len(assets) > 1 else [])
    schema = pa.schema(fields + [pa.field(c, pa.float32()) for c in day_columns])

    def write(tmp: str) -> None:
        first = 0
        with pq.ParquetWriter(tmp, schema) as writer, \
                tqdm(total=total, disable=progress is not True, desc="sampling", unit="path") as bar:
            for chunk in chunks:
                n = len(chunk)
                rows = np.asarray(chunk).transpose(0, 2, 1).reshape(n * len(assets), length).astype(np.float32)
                columns = {"path": np.repeat(np.arange(first, first + n, dtype=np.int64), len(assets))}
                if len(assets) > 1:
                    columns["asset"] = np.tile(assets, n)
                columns.update({c: rows[:, j] for j, c in enumerate(day_columns)})
                writer.write_table(pa.table(columns, schema=schema))
                first += n
                bar.update(n)

    return atomic_write(path, write)


def require_pyarrow() -> None:
    import importlib.util

    if importlib.util.find_spec("pyarrow") is None:
        raise ConfigError("writing Parquet needs pyarrow: pip install 'fingan[parquet]', or use .csv")


def write_paths(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write the frame of :meth:`PathModel.sample` atomically to ``path``.

    ``.parquet``: the scenario layout of :meth:`PathModel.sample_to_parquet` (one row per
    path); ``.csv``: the frame as it is (one column per path, names flattened to strings).
    """
    from fingan.io import atomic_write

    path = Path(path)
    if path.suffix == ".parquet":
        require_pyarrow()
        if isinstance(frame.columns, pd.MultiIndex):  # (path, asset) columns, path-major
            assets = list(dict.fromkeys(frame.columns.get_level_values("asset")))
            values = frame.to_numpy().reshape(len(frame), -1, len(assets)).transpose(1, 0, 2)
        else:
            assets, values = ["value"], frame.to_numpy().T[:, :, None]
        return write_parquet_paths(path, [values], frame.index, [str(a) for a in assets])
    out = frame.copy()
    out.columns = ["/".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in out.columns]
    if path.suffix == ".csv":
        return atomic_write(path, lambda tmp: out.to_csv(tmp))
    raise ConfigError(f"scenario files end in .csv or .parquet, not {path.suffix!r}")


def read_parquet_paths(path: str | os.PathLike, batch_size: int = 10_000) -> Iterator[np.ndarray]:
    """Read a file written by :meth:`PathModel.sample_to_parquet` in chunks of ``batch_size`` rows.

    Yields float64 arrays (n_rows, length): one row per path (single asset), or per
    (path, asset) pair in file order for several assets.
    """
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path} as Parquet: {exc}") from None
    days = [name for name in source.schema_arrow.names if name not in ("path", "asset")]
    if "path" not in source.schema_arrow.names or not days:
        raise ConfigError(f"{path} is not a streamed path file (no 'path' column and day columns)")
    for batch in source.iter_batches(batch_size=batch_size, columns=days):
        yield np.column_stack([batch.column(i).to_numpy() for i in range(batch.num_columns)]).astype(float)
