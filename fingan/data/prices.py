"""Price histories: bundled data, files and Yahoo, validated into one clean shape.

Every loader returns adjusted close prices as a pandas DataFrame with one float column
per ticker and a sorted, unique DatetimeIndex named ``date``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fingan.errors import DataError

BUNDLED = ("sp500", "sp500-stocks")
MISSING_POLICIES = ("raise", "dropna", "ffill")


def _bundled(name: str) -> pd.DataFrame:
    if name == "sp500":
        from arch.data import sp500

        frame = sp500.load()[["Adj Close"]].rename(columns={"Adj Close": "SP500"})
    else:
        with resources.files("fingan.data").joinpath("bundled/sp500_stocks.csv.gz").open("rb") as fh:
            frame = pd.read_csv(fh, compression="gzip", index_col=0, parse_dates=True)
    frame.index.name = "date"
    frame.columns.name = None
    return frame


def load_index(name: str = "sp500-index") -> pd.Series:
    """The S&P 500 index level 1990-2022 that accompanies ``"sp500-stocks"`` (same dates)."""
    if name != "sp500-index":
        raise DataError(f"unknown index {name!r}; the bundled index is 'sp500-index'")
    with resources.files("fingan.data").joinpath("bundled/sp500_index.csv.gz").open("rb") as fh:
        frame = pd.read_csv(fh, compression="gzip", index_col=0, parse_dates=True)
    series = frame.iloc[:, 0].astype(float)
    series.index.name = "date"
    return series


def read_price_file(path: str | os.PathLike) -> pd.DataFrame:
    """Read prices from CSV or Parquet, wide (date + one column per ticker) or long (date, ticker, price).

    The date column is the one named ``date`` (any case) or else the first column; a long
    file has exactly the columns date, ticker and one numeric price column.
    """
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path} is a folder; give a .csv or .parquet price file")
    if not path.is_file():
        raise DataError(f"price file {path} does not exist")
    try:
        if path.suffix.lower() == ".parquet":
            raw = pd.read_parquet(path)
        elif path.suffix.lower() in (".csv", ".gz", ".txt"):
            raw = pd.read_csv(path)
        else:
            raise DataError(f"price files are .csv or .parquet, not {path.suffix!r}")
    except ImportError as exc:
        raise DataError(f"reading Parquet needs pyarrow: pip install pyarrow ({exc})") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read price file {path}: {exc}") from None
    if isinstance(raw.index, pd.DatetimeIndex):
        raw = raw.reset_index()
    lower = {str(c).lower(): c for c in raw.columns}
    date_col = lower.get("date", raw.columns[0])
    if {"ticker", "price"} <= set(lower) or ("ticker" in lower and raw.shape[1] == 3):
        price_col = lower.get("price") or next(c for c in raw.columns if c not in (date_col, lower["ticker"]))
        if raw.duplicated([date_col, lower["ticker"]]).any():
            raise DataError(f"{path}: the long file has duplicate (date, ticker) rows")
        raw = raw.pivot(index=date_col, columns=lower["ticker"], values=price_col)
    else:
        raw = raw.set_index(date_col)
    try:
        raw.index = pd.to_datetime(raw.index)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{path}: the date column {date_col!r} does not parse as dates ({exc})") from None
    raw.index.name = "date"
    raw.columns = [str(c) for c in raw.columns]
    return raw


def validate_prices(
    prices: pd.DataFrame,
    missing: str = "raise",
    ffill_limit: int = 5,
    max_missing: float = 0.1,
    min_length: int = 2,
) -> pd.DataFrame:
    """Check a price table and apply the missing-value policy; returns a cleaned copy.

    Parameters
    ----------
    prices : DataFrame
        Prices, DatetimeIndex, one column per ticker.
    missing : {"raise", "dropna", "ffill"}
        What to do with missing prices: raise, drop the dates where any ticker is missing,
        or carry the last price forward for at most ``ffill_limit`` days (the dates still
        missing after that are dropped). Nothing is filled silently.
    max_missing : float
        A ticker missing on more than this share of dates is an error (whatever the policy).
    min_length : int
        The fewest dates left after cleaning.

    Raises
    ------
    DataError
        Naming the ticker and dates: non-positive or non-finite prices, duplicate or
        unsorted dates, a mostly missing ticker, too short a history.
    """
    if missing not in MISSING_POLICIES:
        raise DataError(f"missing must be one of {MISSING_POLICIES}, not {missing!r}")
    if not isinstance(prices, pd.DataFrame):
        raise DataError(f"prices must be a pandas DataFrame, got {type(prices).__name__}")
    if not isinstance(prices.index, pd.DatetimeIndex):
        raise DataError("prices need a DatetimeIndex (one row per date)")
    if prices.shape[1] == 0:
        raise DataError("prices have no columns (tickers)")
    duplicated = prices.index[prices.index.duplicated()]
    if len(duplicated):
        raise DataError(f"duplicate dates in prices, first {duplicated[0].date()} ({len(duplicated)} in all)")
    if not prices.index.is_monotonic_increasing:
        position = int(np.argmax(np.diff(prices.index.asi8) < 0)) + 1
        raise DataError(f"dates are not sorted: {prices.index[position].date()} comes after "
                        f"{prices.index[position - 1].date()}; sort the index first")
    try:
        values = prices.astype(float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"prices must be numeric: {exc}") from None
    for ticker in values.columns:
        col = values[ticker]
        bad = col[np.isinf(col) | (col <= 0)]
        if len(bad):
            raise DataError(f"ticker {ticker}: non-positive or infinite price {bad.iloc[0]} on "
                            f"{bad.index[0].date()} ({len(bad)} such dates)")
        share = col.isna().mean()
        if share > max_missing:
            raise DataError(f"ticker {ticker} is missing on {share:.0%} of dates (more than {max_missing:.0%}); "
                            "drop it or load a shorter period")
    if values.isna().any().any():
        if missing == "raise":
            ticker = values.columns[values.isna().any()][0]
            first = values.index[values[ticker].isna()][0]
            raise DataError(f"ticker {ticker} has missing prices, first on {first.date()}; "
                            "choose missing='dropna' or missing='ffill'")
        if missing == "ffill":
            values = values.ffill(limit=ffill_limit)
        values = values.dropna()
    if len(values) < min_length:
        raise DataError(f"only {len(values)} dates of prices, need at least {min_length}")
    return values


SOURCES = ("bundled", "file", "yahoo")


def parse_date(value: Any, name: str = "date") -> pd.Timestamp | None:
    """A date from a string (``YYYY-MM-DD`` or anything pandas reads), datetime or Timestamp.

    The one place fingan reads dates given by a user: anything else is one DataError
    naming the option. ``None`` stays ``None``.
    """
    if value is None:
        return None
    try:
        date = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        date = pd.NaT
    if date is pd.NaT:
        raise DataError(f"{name} {value!r} is not a date; write it as YYYY-MM-DD")
    return date




def raw_prices(
    data: str | os.PathLike | Sequence[str] | pd.DataFrame,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    source: str | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Prices as the source gives them, before validation (see :func:`load_prices`)."""
    start, end = parse_date(start, "start"), parse_date(end, "end")
    if source is not None and source not in SOURCES:
        raise DataError(f"source must be one of {SOURCES}, not {source!r}")
    if isinstance(data, str) and data.startswith("yahoo:"):
        data, source = [t for t in data[len("yahoo:"):].split(",") if t], "yahoo"
    if isinstance(data, pd.DataFrame):
        return data
    if source == "yahoo" or (source is None and isinstance(data, (list, tuple))):
        from fingan.data.yahoo import fetch_yahoo

        return fetch_yahoo([data] if isinstance(data, str) else list(data), start=start, end=end,
                           cache_dir=cache_dir)
    if source in (None, "bundled") and isinstance(data, str) and data in BUNDLED:
        return _bundled(data)
    if source in (None, "file") and isinstance(data, (str, os.PathLike)) and (
        Path(data).suffix or Path(data).exists()
    ):
        return read_price_file(data)
    raise DataError(f"unknown price data {data!r}: use one of {BUNDLED}, a .csv/.parquet path, "
                    "or Yahoo tickers with source='yahoo'")


def load_prices(
    data: str | os.PathLike | Sequence[str] | pd.DataFrame,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    source: str | None = None,
    tickers: Sequence[str] | None = None,
    missing: str = "raise",
    ffill_limit: int = 5,
    min_length: int = 2,
    cache_dir: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Load validated adjusted close prices.

    Parameters
    ----------
    data : str, path, list of tickers or DataFrame
        ``"sp500"`` (S&P 500 index 1999-2018 from ``arch.data``), ``"sp500-stocks"`` (20
        large US stocks 1990-2022, bundled), a path to a CSV or Parquet file, or ticker
        symbols to fetch from Yahoo (``["AAPL", "MSFT"]`` or ``"yahoo:AAPL,MSFT"``), or a
        DataFrame of prices to validate.
    source : {"bundled", "file", "yahoo"}, optional
        Where ``data`` comes from; inferred when not given (a list of tickers means Yahoo).
    start, end : date-like, optional
        Keep dates in [start, end].
    tickers : list of str, optional
        Keep only these columns (all must exist).
    missing, ffill_limit, min_length
        See :func:`validate_prices`.
    cache_dir : path, optional
        Yahoo only: where fetched prices are cached (default ``~/.cache/fingan/yahoo``).
    """
    start, end = parse_date(start, "start"), parse_date(end, "end")
    prices = raw_prices(data, start=start, end=end, source=source, cache_dir=cache_dir)
    if tickers is not None:
        absent = [t for t in tickers if t not in prices.columns]
        if absent:
            raise DataError(f"ticker(s) {', '.join(absent)} not in {data!r}; available: "
                            f"{', '.join(map(str, prices.columns))}")
        prices = prices[list(tickers)]
    if start is not None:
        prices = prices[prices.index >= start]
    if end is not None:
        prices = prices[prices.index <= end]
    return validate_prices(prices, missing=missing, ffill_limit=ffill_limit, min_length=min_length)


def count_tickers(prices: pd.DataFrame) -> str:
    """"1 ticker" or "N tickers": the width of a price frame in words."""
    return f"{prices.shape[1]} ticker" + ("" if prices.shape[1] == 1 else "s")


def describe_prices(source: Any, start: Any = None, end: Any = None, missing: str = "raise") -> str:
    """A plain-text summary of a price source: date range, tickers, missing prices, return statistics."""
    from fingan.data.returns import log_returns

    raw = raw_prices(source, start=start, end=end)
    prices = load_prices(raw, start=start, end=end, missing=missing)
    returns = log_returns(prices)
    gaps = raw.isna().sum()
    stats = returns.describe().T[["mean", "std", "min", "max"]]
    stats["skew"] = returns.skew()
    stats["excess kurtosis"] = returns.kurt()
    return "\n".join([
        f"{source}: {prices.index[0].date()} to {prices.index[-1].date()}, {len(prices)} dates, "
        f"{count_tickers(prices)}",
        "missing prices: " + (", ".join(f"{t} {n}" for t, n in gaps[gaps > 0].items()) or "none")
        + ("" if missing == "raise" else f" (policy: {missing})"),
        "daily log returns:",
        stats.to_string(float_format=lambda v: f"{v:.4f}"),
    ])


def check_price_file(path: str | os.PathLike) -> Path:
    """A new ``.csv`` or ``.parquet`` file to write prices to; an existing file is an error."""
    from fingan.errors import ConfigError
    from fingan.io import check_new_file

    path = check_new_file(path, "--out")
    if path.suffix not in (".csv", ".parquet"):
        raise ConfigError(f"--out must end in .csv or .parquet, not {path.suffix!r}")
    return path


def write_prices(prices: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write prices to a new ``.csv`` or ``.parquet`` file (:func:`check_price_file`), atomically."""
    from fingan.io import atomic_write

    path = check_price_file(path)
    return atomic_write(path, lambda tmp: prices.to_csv(tmp) if path.suffix == ".csv" else prices.to_parquet(tmp))
