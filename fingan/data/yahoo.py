"""Prices from Yahoo Finance through yfinance, cached on disk per ticker and date range."""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from fingan.io import atomic_write
from fingan.errors import DataError

DEFAULT_CACHE = Path.home() / ".cache" / "fingan" / "yahoo"
_NETWORK_ERRORS = re.compile(r"DNSError|resolve host|ConnectionError|Connection|timed out|Timeout|curl", re.I)


class _Collect(logging.Handler):
    """Keeps yfinance's log messages: it reports failures there, not by raising."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _key(value: str | pd.Timestamp | None) -> str:
    return "open" if value is None else pd.Timestamp(value).strftime("%Y-%m-%d")


def cache_path(cache_dir: str | os.PathLike, ticker: str, start=None, end=None) -> Path:
    """Where the prices of one ticker over [start, end) are cached."""
    safe = re.sub(r"[^A-Za-z0-9._^=-]", "_", ticker)
    return Path(cache_dir) / f"{safe}_{_key(start)}_{_key(end)}.csv"


def _close_prices(frame: pd.DataFrame | None, tickers: Sequence[str]) -> pd.DataFrame:
    """Adjusted closes, one column per ticker, from any shape yfinance returns."""
    if frame is None or frame.empty:
        return pd.DataFrame(columns=list(tickers), dtype=float)
    if isinstance(frame.columns, pd.MultiIndex):
        level = "Price" if "Price" in frame.columns.names else 0
        fields = frame.columns.get_level_values(level)
        field = "Adj Close" if "Adj Close" in fields else "Close"
        close = frame.xs(field, axis=1, level=level)
    else:  # a single ticker downloaded with multi_level_index=False
        field = "Adj Close" if "Adj Close" in frame.columns else "Close"
        close = frame[[field]].set_axis([tickers[0]], axis=1)
    close = close.reindex(columns=list(tickers))
    index = pd.DatetimeIndex(close.index)
    close.index = index.tz_localize(None) if index.tz is not None else index
    close.index.name = "date"
    return close.astype(float)


def _read_cache(path: Path, damaged: list[Path]) -> pd.Series | None:
    """A cached price series, or None when there is none or it is damaged (listed in ``damaged``,
    then fetched again and overwritten: the cache is fingan's own copy, not the user's data)."""
    if not path.is_file():
        return None
    try:
        cached = pd.read_csv(path, index_col=0, parse_dates=True)
        series = cached.iloc[:, 0].astype(float)
        if not isinstance(series.index, pd.DatetimeIndex) or series.empty or not np.isfinite(series).all():
            raise ValueError("not a dated series of finite prices")
    except (ValueError, TypeError, IndexError, OSError, pd.errors.ParserError, UnicodeDecodeError):
        damaged.append(path)
        return None
    return series


def fetch_yahoo(
    tickers: Sequence[str],
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Adjusted close prices of ``tickers`` from Yahoo, read from the cache when present.

    Tickers not yet cached are downloaded in one ``yfinance.download`` call
    (``auto_adjust=True``) and each is written to ``cache_dir`` as CSV; a later call for
    the same tickers and dates needs no network.

    Raises
    ------
    DataError
        When a ticker returns no prices (unknown or delisted; the message names it), or
        when nothing can be downloaded (no network): the message points to the cache and
        to the bundled data.
    """
    tickers = [str(t).strip().upper() for t in tickers if str(t).strip()]
    if not tickers:
        raise DataError("no tickers given")
    cache = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE
    columns: dict[str, pd.Series] = {}
    damaged: list[Path] = []
    for ticker in tickers:
        cached = _read_cache(cache_path(cache, ticker, start, end), damaged)
        if cached is not None:
            columns[ticker] = cached
    to_fetch = [t for t in tickers if t not in columns]
    if to_fetch:
        fetched, messages = _download(to_fetch, start, end)
        closes = _close_prices(fetched, to_fetch)
        failed = [t for t in to_fetch if t not in closes or closes[t].dropna().empty]
        if failed:
            offline = any(_NETWORK_ERRORS.search(m) for m in messages)
            if offline and len(failed) == len(to_fetch):
                note = f" (the cached file {damaged[0]} is damaged and was ignored)" if damaged else ""
                raise DataError(
                    f"cannot reach Yahoo Finance to fetch {', '.join(failed)} (no network?){note}. Cached prices "
                    f"are read from {cache}; offline, use the bundled data: load_prices('sp500-stocks') "
                    "or load_prices('sp500')"
                )
            raise DataError(
                f"Yahoo returned no prices for {', '.join(failed)} between {_key(start)} and {_key(end)}: "
                "check the ticker symbols (unknown or delisted?)"
            )
        for ticker in to_fetch:
            series = closes[ticker].dropna().rename(ticker)
            series.index.name = "date"
            atomic_write(cache_path(cache, ticker, start, end),
                         lambda tmp, s=series: s.to_frame().to_csv(tmp))
            columns[ticker] = series
    prices = pd.concat([columns[t] for t in tickers], axis=1)
    prices.index.name = "date"
    return prices.sort_index()


def _download(tickers: list[str], start, end) -> tuple[pd.DataFrame | None, list[str]]:
    import yfinance

    handler = _Collect()
    logger = logging.getLogger("yfinance")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings():  # yfinance's own pandas deprecation warnings
            warnings.simplefilter("ignore")
            frame = yfinance.download(
                tickers, start=start, end=end, auto_adjust=True, progress=False, threads=False, timeout=10,
            )
    except Exception as exc:  # yfinance raises many types (curl, JSON, HTTP); all mean "no data"
        handler.messages.append(f"{type(exc).__name__}: {exc}")
        frame = None
    finally:
        logger.removeHandler(handler)
    return frame, handler.messages
