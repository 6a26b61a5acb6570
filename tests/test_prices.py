"""Price sources and validation: bundled data, files, Yahoo (recorded responses)."""

import logging

import numpy as np
import pandas as pd
import pytest

from fingan.data import fetch_yahoo, load_index, load_prices, read_price_file, validate_prices
from fingan.data.yahoo import cache_path
from fingan.errors import DataError


def test_bundled_sp500_index_covers_1999_to_2018():
    p = load_prices("sp500")
    assert list(p.columns) == ["SP500"]
    assert p.index[0] == pd.Timestamp("1999-01-04") and p.index[-1] == pd.Timestamp("2018-12-31")
    assert p.index.is_monotonic_increasing and p.index.is_unique and (p > 0).all().all()


def test_bundled_stock_panel_has_20_stocks_over_20_years():
    p = load_prices("sp500-stocks")
    assert p.shape[1] >= 20
    assert (p.index[-1] - p.index[0]).days > 20 * 365
    assert {"AAPL", "MSFT", "JPM", "XOM"} <= set(p.columns)
    assert p.notna().all().all() and (p > 0).all().all()
    index = load_index()
    assert index.index.equals(p.index)


def test_tickers_and_date_range_are_selected():
    p = load_prices("sp500-stocks", start="2010-01-01", end="2010-12-31", tickers=["MSFT", "KO"])
    assert list(p.columns) == ["MSFT", "KO"]
    assert p.index.min() >= pd.Timestamp("2010-01-01") and p.index.max() <= pd.Timestamp("2010-12-31")
    with pytest.raises(DataError, match="ZZZZ"):
        load_prices("sp500-stocks", tickers=["MSFT", "ZZZZ"])


@pytest.fixture
def panel():
    return load_prices("sp500-stocks", start="2020-01-01", tickers=["AAPL", "MSFT", "KO"])


def test_wide_and_long_csv_files_read_the_same(tmp_path, panel):
    panel.to_csv(tmp_path / "wide.csv")
    long = panel.stack().rename("price").reset_index().rename(columns={"level_1": "ticker"})
    long.columns = ["date", "ticker", "price"]
    long.to_csv(tmp_path / "long.csv", index=False)
    for path in (tmp_path / "wide.csv", tmp_path / "long.csv"):
        got = load_prices(path)
        pd.testing.assert_frame_equal(got[panel.columns], panel, check_freq=False)


def test_parquet_files_read_back(tmp_path, panel):
    panel.to_parquet(tmp_path / "wide.parquet")
    pd.testing.assert_frame_equal(load_prices(tmp_path / "wide.parquet"), panel, check_freq=False)


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda p: p.assign(KO=p["KO"].where(p.index != p.index[5], -1.0)), r"KO: non-positive.*2020-01-09"),
        (lambda p: p.assign(MSFT=p["MSFT"].where(p.index != p.index[3], np.inf)), r"MSFT: non-positive or infinite"),
        (lambda p: pd.concat([p, p.iloc[[10]]]).sort_index(), r"duplicate dates.*2020-01-16"),
        (lambda p: p.iloc[::-1], r"not sorted"),
        (lambda p: p.assign(AAPL=p["AAPL"].where(p.index > p.index[400])), r"AAPL is missing on \d+% of dates"),
        (lambda p: p.assign(KO=p["KO"].where(p.index != p.index[7])), r"KO has missing prices, first on 2020-01-13"),
    ],
)
def test_bad_prices_raise_data_errors_naming_ticker_and_date(panel, corrupt, message):
    with pytest.raises(DataError, match=message):
        validate_prices(corrupt(panel))


def test_missing_value_policies_are_explicit(panel):
    gappy = panel.copy()
    gappy.iloc[7, 2] = np.nan
    gappy.iloc[20:23, 0] = np.nan
    dropped = validate_prices(gappy, missing="dropna")
    assert len(dropped) == len(panel) - 4 and dropped.notna().all().all()
    filled = validate_prices(gappy, missing="ffill", ffill_limit=5)
    assert len(filled) == len(panel)
    assert filled.iloc[7, 2] == panel.iloc[6, 2]
    short = validate_prices(gappy, missing="ffill", ffill_limit=2)  # a 3-day gap: one date stays missing
    assert len(short) == len(panel) - 1


def test_too_short_history_is_an_error(panel):
    with pytest.raises(DataError, match="only 5 dates"):
        validate_prices(panel.iloc[:5], min_length=100)


def test_unreadable_files_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_price_file(tmp_path / "nope.csv")
    (tmp_path / "bad.csv").write_text("date,AAPL\nnot-a-date,1.0\n")
    with pytest.raises(DataError, match="does not parse as dates"):
        read_price_file(tmp_path / "bad.csv")
    with pytest.raises(DataError, match="unknown price data"):
        load_prices("sp600")
    with pytest.raises(DataError, match="source must be one of"):
        load_prices("sp500", source="bloomberg")


# --- Yahoo, with responses shaped like yfinance 1.x returns them -------------------------


def recorded_download(panel, unknown=(), offline=False):
    """A stand-in for yfinance.download: MultiIndex (Price, Ticker) columns, auto-adjusted."""
    calls = []

    def download(tickers, start=None, end=None, **kwargs):
        calls.append(list(tickers))
        log = logging.getLogger("yfinance")
        if offline:
            for t in tickers:
                log.error("Failed to get ticker '%s' reason: Failed to perform, curl: (6) Could not "
                          "resolve host: query2.finance.yahoo.com.", t)
            cols = pd.MultiIndex.from_product([["Adj Close", "Close", "High", "Low", "Open", "Volume"], tickers],
                                              names=["Price", "Ticker"])
            return pd.DataFrame(columns=cols, index=pd.DatetimeIndex([], name="Date"))
        part = panel.loc[pd.Timestamp(start): pd.Timestamp(end) - pd.Timedelta(days=1)]
        fields = {}
        for t in tickers:
            close = part[t] if t in part and t not in unknown else pd.Series(np.nan, index=part.index)
            if t in unknown:
                log.error("%s: possibly delisted; no price data found", t)
            fields.update({("Close", t): close, ("High", t): close * 1.01, ("Low", t): close * 0.99,
                           ("Open", t): close, ("Volume", t): close * 0 + 1e6})
        frame = pd.DataFrame(fields)
        frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["Price", "Ticker"])
        frame.index = pd.DatetimeIndex(part.index, name="Date")
        return frame.sort_index(axis=1, level=0)

    download.calls = calls
    return download


def test_yahoo_prices_are_fetched_then_served_from_the_cache(monkeypatch, tmp_path, panel):
    import yfinance

    fake = recorded_download(panel)
    monkeypatch.setattr(yfinance, "download", fake)
    got = load_prices(["AAPL", "MSFT"], start="2020-01-01", end="2020-07-01", source="yahoo", cache_dir=tmp_path)
    expected = panel.loc["2020-01-01":"2020-06-30", ["AAPL", "MSFT"]]
    pd.testing.assert_frame_equal(got, expected, check_freq=False, check_names=False)
    assert cache_path(tmp_path, "AAPL", "2020-01-01", "2020-07-01").is_file()
    # a second call, even with the network gone, reads the cache
    monkeypatch.setattr(yfinance, "download", recorded_download(panel, offline=True))
    again = load_prices("yahoo:AAPL,MSFT", start="2020-01-01", end="2020-07-01", cache_dir=tmp_path)
    pd.testing.assert_frame_equal(again, got)
    assert fake.calls == [["AAPL", "MSFT"]]


def test_yahoo_fetches_only_tickers_missing_from_the_cache(monkeypatch, tmp_path, panel):
    import yfinance

    fake = recorded_download(panel)
    monkeypatch.setattr(yfinance, "download", fake)
    fetch_yahoo(["AAPL"], start="2020-01-01", end="2020-03-01", cache_dir=tmp_path)
    fetch_yahoo(["AAPL", "KO"], start="2020-01-01", end="2020-03-01", cache_dir=tmp_path)
    assert fake.calls == [["AAPL"], ["KO"]]


def test_unknown_yahoo_ticker_is_named(monkeypatch, tmp_path, panel):
    import yfinance

    monkeypatch.setattr(yfinance, "download", recorded_download(panel, unknown=("MSFTX",)))
    with pytest.raises(DataError, match="no prices for MSFTX"):
        load_prices(["AAPL", "MSFTX"], start="2020-01-01", end="2020-03-01", cache_dir=tmp_path)


def test_offline_without_cache_points_to_the_cache_and_bundled_data(monkeypatch, tmp_path, panel):
    import yfinance

    monkeypatch.setattr(yfinance, "download", recorded_download(panel, offline=True))
    with pytest.raises(DataError, match=r"cannot reach Yahoo.*" + str(tmp_path).replace("/", ".") + r".*sp500-stocks"):
        load_prices(["AAPL"], start="2020-01-01", end="2020-03-01", cache_dir=tmp_path)


def test_single_level_yahoo_frame_is_understood(monkeypatch, tmp_path, panel):
    import yfinance

    def flat(tickers, start=None, end=None, **kwargs):
        part = panel.loc["2020-01-01":"2020-02-28", ["KO"]]
        return pd.DataFrame({"Open": part["KO"], "Close": part["KO"], "Volume": 1.0})

    monkeypatch.setattr(yfinance, "download", flat)
    got = fetch_yahoo(["KO"], start="2020-01-01", end="2020-03-01", cache_dir=tmp_path)
    assert list(got.columns) == ["KO"] and len(got) == len(panel.loc["2020-01-01":"2020-02-28"])
