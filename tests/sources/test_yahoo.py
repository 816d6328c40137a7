"""Yahoo through an injected yfinance-shaped downloader: serialisation, failure detection, retries."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from yfinance.exceptions import YFRateLimitError, YFTzMissingError

from stormwatch.errors import (
    EmptyResponseError,
    MalformedResponseError,
    RateLimitedError,
    SourceUnavailableError,
)
from stormwatch.sources.base import Query
from stormwatch.sources.yahoo import YAHOO_HOST, Yahoo, close_series, yfinance_history

from ._helpers import FakeClock, assert_obs_frame, make_spec, mock_fetcher, serve, ts

SPY = make_spec("yahoo:SPY", "daily")
TODAY = dt.date(2025, 1, 10)


def q(start: dt.date | None = dt.date(2025, 1, 2)) -> Query:
    return Query(spec=SPY, start=start, today=TODAY)


def history_frame() -> pd.DataFrame:
    """Shaped like ``Ticker('SPY').history(auto_adjust=True, actions=False)``: tz-aware exchange midnights."""
    index = pd.DatetimeIndex(
        ["2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07", "2025-01-08"], name="Date"
    ).tz_localize("America/New_York")
    return pd.DataFrame(
        {
            "Open": [589.39, 587.53, 596.27, 597.42, 588.70],
            "High": [591.13, 592.60, 599.70, 597.75, 590.58],
            "Low": [580.50, 586.43, 593.60, 586.78, 585.20],
            "Close": [584.64, 591.95, 595.36, 588.63, np.nan],
            "Volume": [50203900, 37888500, 47679400, 60882300, 0],
        },
        index=index,
    )


def download_frame(close: list[float]) -> pd.DataFrame:
    """Shaped like ``yf.download('SPY')`` (MultiIndex ('Price', 'Ticker'), naive ``Date`` index)."""
    index = pd.DatetimeIndex(["2025-01-02", "2025-01-03"], name="Date")
    columns = pd.MultiIndex.from_tuples(
        [("Close", "SPY"), ("High", "SPY"), ("Low", "SPY"), ("Open", "SPY"), ("Volume", "SPY")],
        names=["Price", "Ticker"],
    )
    data = np.column_stack([close, close, close, close, [1.0, 1.0]])
    return pd.DataFrame(data, index=index, columns=columns)


def test_fetch_raw_serialises_date_close_and_parse_reads_it() -> None:
    calls: list[tuple[str, dt.date | None, dt.date]] = []

    def downloader(symbol: str, start: dt.date | None, end: dt.date) -> pd.DataFrame:
        calls.append((symbol, start, end))
        return history_frame()

    yahoo = Yahoo(mock_fetcher(serve(b"")), downloader=downloader)
    raw = yahoo.fetch_raw(q())
    assert calls == [("SPY", dt.date(2025, 1, 2), dt.date(2025, 1, 11))]  # end is exclusive: today + 1
    assert raw.decode().splitlines()[:2] == ["Date,Close", "2025-01-02,584.64"]
    assert raw.decode().splitlines()[-1] == "2025-01-08,"
    frame = Yahoo.parse(raw, q())
    assert_obs_frame(frame)
    assert frame["period"].tolist()[:2] == [ts("2025-01-02"), ts("2025-01-03")]  # exchange-local day, naive
    assert frame["value"].iloc[1] == 591.95
    assert math.isnan(frame["value"].iloc[-1])


def test_download_multiindex_is_read() -> None:
    close = close_series(download_frame([584.64, 591.95]), "SPY")
    assert close.tolist() == [584.64, 591.95]
    assert pd.DatetimeIndex(close.index).tz is None


def test_all_nan_close_and_empty_frame_are_empty_responses() -> None:
    nan_yahoo = Yahoo(downloader=lambda s, a, b: download_frame([np.nan, np.nan]))
    with pytest.raises(EmptyResponseError, match="only missing closes"):
        Yahoo.parse(nan_yahoo.fetch_raw(q()), q())
    empty_yahoo = Yahoo(downloader=lambda s, a, b: pd.DataFrame())
    with pytest.raises(EmptyResponseError, match="no rows"):
        Yahoo.parse(empty_yahoo.fetch_raw(q()), q())


def test_missing_close_column_is_malformed() -> None:
    yahoo = Yahoo(downloader=lambda s, a, b: history_frame().drop(columns=["Close"]))
    with pytest.raises(MalformedResponseError, match="no Close column"):
        yahoo.fetch_raw(q())


def test_rate_limit_is_retried_then_raised() -> None:
    clock = FakeClock()
    attempts: list[int] = []

    def downloader(symbol: str, start: dt.date | None, end: dt.date) -> pd.DataFrame:
        attempts.append(1)
        raise YFRateLimitError()

    yahoo = Yahoo(mock_fetcher(serve(b""), clock, max_attempts=3), downloader=downloader)
    with pytest.raises(RateLimitedError, match="Too Many Requests"):
        yahoo.fetch_raw(q())
    assert len(attempts) == 3
    assert clock.sleeps == [1.0, 2.0]


def test_rate_limit_then_success() -> None:
    answers: list[object] = [YFRateLimitError(), history_frame()]

    def downloader(symbol: str, start: dt.date | None, end: dt.date) -> pd.DataFrame:
        item = answers.pop(0)
        if isinstance(item, Exception):
            raise item
        assert isinstance(item, pd.DataFrame)
        return item

    yahoo = Yahoo(mock_fetcher(serve(b"")), downloader=downloader)
    assert len(Yahoo.parse(yahoo.fetch_raw(q()), q())) == 5


def test_missing_ticker_and_network_errors() -> None:
    def missing(symbol: str, start: dt.date | None, end: dt.date) -> pd.DataFrame:
        raise YFTzMissingError(symbol)

    with pytest.raises(EmptyResponseError, match="YFTzMissingError"):
        Yahoo(downloader=missing).fetch_raw(q())

    def offline(symbol: str, start: dt.date | None, end: dt.date) -> pd.DataFrame:
        raise ConnectionError("Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com")

    yahoo = Yahoo(mock_fetcher(serve(b""), max_attempts=2), downloader=offline)
    with pytest.raises(SourceUnavailableError, match="after 2 attempts"):
        yahoo.fetch_raw(q())


def test_yahoo_host_is_paced() -> None:
    clock = FakeClock()
    fetcher = mock_fetcher(serve(b""), clock, rate_limits={"finance.yahoo.com": 1.0})
    yahoo = Yahoo(fetcher, downloader=lambda s, a, b: history_frame())
    yahoo.fetch_raw(q())
    yahoo.fetch_raw(q())
    assert clock.sleeps == [pytest.approx(1.0)]
    assert YAHOO_HOST.endswith("finance.yahoo.com")


def test_default_downloader_and_lazy_import() -> None:
    assert Yahoo().downloader is yfinance_history
    code = "import sys, stormwatch.sources.yahoo; print('yfinance' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
