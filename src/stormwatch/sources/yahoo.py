"""Yahoo Finance daily closes through ``yfinance`` (1.x).

Native key: the Yahoo symbol, e.g. ``^VIX``, ``SPY``, ``DX-Y.NYB``.

``yfinance`` owns the HTTP (``curl_cffi``, cookie and crumb), so this connector
does not use :meth:`HttpFetcher.get`; it uses the fetcher's per-host pacing
and retry policy around an injectable *downloader*: a function
``(symbol, start, end_exclusive) -> DataFrame`` shaped like
``Ticker.history`` or ``yf.download`` output. The default one calls
``yfinance.Ticker(symbol).history(..., auto_adjust=True, actions=False)`` and
imports ``yfinance`` only when called.

``fetch_raw`` serialises the close to CSV bytes, ``Date,Close`` (``Date`` is the
exchange-local trading day, an empty ``Close`` is missing), so ``parse`` stays a
pure function of bytes. Failure detection follows yfinance 1.x: an empty
frame or an all-NaN ``Close`` is :class:`EmptyResponseError` (that is how a
delisted symbol or a rate limit inside ``download`` shows up), and
``YFRateLimitError`` becomes :class:`RateLimitedError` after the retries.
``Close`` is split- and dividend-adjusted (``auto_adjust=True``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
from collections.abc import Callable

import pandas as pd

from stormwatch.errors import (
    EmptyResponseError,
    MalformedResponseError,
    RateLimitedError,
    SourceError,
    SourceUnavailableError,
)
from stormwatch.sources._sniff import decode_text, find_column, make_frame, parse_dates, parse_number, since
from stormwatch.sources.base import Query, register_source
from stormwatch.sources.http import HttpFetcher, redact

__all__ = ["YAHOO_HOST", "Downloader", "Yahoo", "close_series", "yfinance_history"]

logger = logging.getLogger(__name__)

SOURCE = "yahoo"
YAHOO_HOST = "query2.finance.yahoo.com"

Downloader = Callable[[str, dt.date | None, dt.date], pd.DataFrame]
"""``(symbol, start or None for the full history, end exclusive) -> price frame``."""

_MISSING_ERRORS = ("YFTickerMissingError", "YFPricesMissingError", "YFTzMissingError", "YFInvalidPeriodError")
_TRANSIENT_ERRORS = ("ConnectionError", "TimeoutError", "Timeout", "RequestException", "CurlError")


def yfinance_history(symbol: str, start: dt.date | None, end: dt.date) -> pd.DataFrame:
    """The default downloader: ``yfinance.Ticker(symbol).history`` with adjusted prices.

    Parameters
    ----------
    symbol
        Yahoo symbol.
    start
        First day (inclusive); ``None`` asks for ``period="max"``.
    end
        Last day, exclusive (yfinance's convention).
    """
    import yfinance as yf  # lazy: importing yfinance costs about a second

    ticker = yf.Ticker(symbol)
    if start is None:
        frame = ticker.history(period="max", interval="1d", auto_adjust=True, actions=False)
    else:
        frame = ticker.history(
            start=start.isoformat(), end=end.isoformat(), interval="1d", auto_adjust=True, actions=False
        )
    assert isinstance(frame, pd.DataFrame)
    return frame


def close_series(frame: pd.DataFrame, symbol: str) -> pd.Series:
    """The ``Close`` column of a ``Ticker.history`` or ``yf.download`` frame.

    Accepts flat columns, and the ``('Price', 'Ticker')`` or
    ``('Ticker', 'Price')`` MultiIndex of ``download``. The index becomes naive
    midnights of the exchange-local trading day.

    Raises
    ------
    KeyError
        A non-empty frame without a ``Close`` column for ``symbol``.
    """
    if frame.empty and "Close" not in frame.columns:
        return pd.Series([], index=pd.DatetimeIndex([]), dtype="float64")
    if isinstance(frame.columns, pd.MultiIndex):
        with_close = [c for c in frame.columns if "Close" in c]
        candidates = [c for c in with_close if symbol in c] or with_close
        if len(candidates) != 1:
            raise KeyError(f"no single Close column for {symbol} in {list(frame.columns)[:8]}")
        close = frame[candidates[0]]
    else:
        if "Close" not in frame.columns:
            raise KeyError(f"no Close column in {list(frame.columns)[:8]}")
        close = frame["Close"]
    index = pd.DatetimeIndex(close.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    close = pd.Series(
        pd.to_numeric(close, errors="coerce").to_numpy(dtype="float64"), index=index.normalize()
    )
    return close


def _error_kind(exc: BaseException) -> str:
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "YFRateLimitError" in names:
        return "rate"
    if names.intersection(_MISSING_ERRORS):
        return "missing"
    if names.intersection(_TRANSIENT_ERRORS) or isinstance(exc, OSError):
        return "transient"
    return "other"


@register_source("yahoo", website="https://finance.yahoo.com")
class Yahoo:
    """Yahoo Finance connector (daily adjusted close).

    Parameters
    ----------
    fetcher
        The shared :class:`HttpFetcher`; its pacing (host ``query2.finance.yahoo.com``),
        retry policy and ``sleep`` are used. ``None`` disables pacing and retries.
    downloader
        ``(symbol, start, end_exclusive) -> DataFrame``; default
        :func:`yfinance_history`.
    """

    name = SOURCE

    def __init__(self, fetcher: HttpFetcher | None = None, *, downloader: Downloader | None = None) -> None:
        self.fetcher = fetcher
        self.downloader: Downloader = downloader or yfinance_history

    def __repr__(self) -> str:
        return f"Yahoo(downloader={getattr(self.downloader, '__name__', 'custom')})"

    def fetch_raw(self, query: Query) -> bytes:
        """Call the downloader once per attempt; return ``Date,Close`` CSV bytes.

        Raises
        ------
        RateLimitedError
            ``YFRateLimitError`` on the last attempt.
        SourceUnavailableError
            Network errors on the last attempt.
        EmptyResponseError
            yfinance says the symbol is missing or delisted.
        MalformedResponseError
            The frame has no ``Close`` column.
        """
        symbol = query.spec.native
        series_id = query.spec.id
        end = query.today + dt.timedelta(days=1)
        attempts = self.fetcher.retry.max_attempts if self.fetcher else 1
        for attempt in range(1, attempts + 1):
            if self.fetcher is not None:
                self.fetcher.limiter.acquire(YAHOO_HOST)
            try:
                frame = self.downloader(symbol, query.start, end)
                break
            except Exception as exc:
                kind = _error_kind(exc)
                detail = f"{type(exc).__name__}: {redact(str(exc))}"
                if kind == "missing":
                    raise EmptyResponseError(source=SOURCE, series_id=series_id, detail=detail) from None
                if kind == "other":
                    raise SourceError(source=SOURCE, series_id=series_id, detail=detail) from exc
                if attempt == attempts:
                    if kind == "rate":
                        raise RateLimitedError(source=SOURCE, series_id=series_id, detail=detail) from None
                    raise SourceUnavailableError(
                        source=SOURCE, series_id=series_id, detail=f"{detail} after {attempts} attempts"
                    ) from None
                assert self.fetcher is not None
                wait = self.fetcher.backoff_delay(attempt)
                logger.warning(
                    "yahoo %s: %s; retry %d/%d in %.2f s", series_id, detail, attempt, attempts - 1, wait
                )
                if wait > 0:
                    self.fetcher.sleep(wait)
        try:
            close = close_series(frame, symbol)
        except KeyError as exc:
            raise MalformedResponseError(source=SOURCE, series_id=series_id, detail=str(exc)) from None
        out = io.StringIO()
        out.write("Date,Close\n")
        for day, value in zip(close.index, close.to_numpy(), strict=True):
            out.write(f"{day:%Y-%m-%d},{'' if math.isnan(value) else repr(float(value))}\n")
        return out.getvalue().encode("utf-8")

    @staticmethod
    def parse(raw: bytes, query: Query) -> pd.DataFrame:
        """``Date,Close`` CSV -> observation frame.

        Raises
        ------
        EmptyResponseError
            No rows, or every ``Close`` missing (yfinance's way of failing).
        MalformedResponseError
            Another header, unreadable dates or values.
        """
        series_id = query.spec.id
        text = decode_text(raw, source=SOURCE, series_id=series_id, what="Date,Close CSV")
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
        date_col = find_column(rows[0], ("Date",), source=SOURCE, series_id=series_id)
        close_col = find_column(rows[0], ("Close",), source=SOURCE, series_id=series_id)
        body = rows[1:]
        dates: list[str] = []
        values: list[float] = []
        for n, row in enumerate(body, start=2):
            field = row[close_col] if len(row) > close_col else None
            try:
                values.append(parse_number(field))
            except ValueError:
                raise MalformedResponseError(
                    source=SOURCE, series_id=series_id, detail=f"line {n}: Close {field!r} is not a number"
                ) from None
            dates.append(row[date_col] if len(row) > date_col else "")
        if not values or all(math.isnan(v) for v in values):
            raise EmptyResponseError(
                source=SOURCE,
                series_id=series_id,
                detail=(
                    f"Yahoo returned {'no rows' if not values else 'only missing closes'} "
                    f"for {query.spec.native} (delisted, wrong symbol, or rate-limited)"
                ),
            )
        period = parse_dates(dates, "%Y-%m-%d", source=SOURCE, series_id=series_id)
        published = query.spec.published_at(pd.Series(period))
        return since(make_frame(period, published, values), query.start, query.spec.frequency)
