"""Cboe index history CSVs (``cdn.cboe.com``).

Native key: the index symbol, e.g. ``VIX``, ``VIX3M``, ``VVIX``, ``SKEW``.
``{SYM}_History.csv`` is the full history at every call: ``DATE,OPEN,HIGH,LOW,CLOSE``
for OHLC indices, ``DATE,<SYM>`` for single-value ones (VVIX, SKEW). Dates are
``MM/DD/YYYY``. The value is ``CLOSE`` or the column named like the symbol.
Rows before ``query.start`` are dropped; ``published_at`` comes from the
catalog's release lag (end of the trading day for lag 0).
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from stormwatch.errors import EmptyResponseError, MalformedResponseError
from stormwatch.sources._sniff import (
    check_status,
    decode_text,
    find_column,
    make_frame,
    parse_dates,
    parse_number,
    since,
)
from stormwatch.sources.base import Query, register_source
from stormwatch.sources.http import HttpFetcher

__all__ = ["BASE_URL", "Cboe"]

SOURCE = "cboe"
BASE_URL = "https://cdn.cboe.com/api/global/us_indices/daily_prices"


@register_source("cboe", website="https://www.cboe.com/tradable_products/vix/vix_historical_data/")
class Cboe:
    """Cboe index history connector.

    Parameters
    ----------
    fetcher
        The shared :class:`HttpFetcher`.
    base_url
        The ``daily_prices`` folder (overridden in tests).
    """

    name = SOURCE

    def __init__(self, fetcher: HttpFetcher, *, base_url: str = BASE_URL) -> None:
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"Cboe(base_url={self.base_url!r})"

    def url(self, query: Query) -> str:
        """The CSV ``query`` reads (pure)."""
        return f"{self.base_url}/{query.spec.native.strip().upper()}_History.csv"

    def fetch_raw(self, query: Query) -> bytes:
        """Download the full history (one request). 403/404 -> :class:`EmptyResponseError`.

        What the CDN answers for an unknown symbol is unverified; an S3-style
        403 ("AccessDenied") or a 404 are both treated as "no such series".
        """
        response = self.fetcher.get(self.url(query), source=SOURCE, series_id=query.spec.id)
        return check_status(response, source=SOURCE, series_id=query.spec.id, empty_statuses=(403, 404))

    @staticmethod
    def parse(raw: bytes, query: Query) -> pd.DataFrame:
        """Cboe CSV -> observation frame.

        Raises
        ------
        EmptyResponseError
            Empty body or header only.
        MalformedResponseError
            HTML, no ``DATE`` column, neither ``CLOSE`` nor a ``<SYM>`` column,
            unreadable dates or values.
        """
        series_id = query.spec.id
        symbol = query.spec.native.strip().upper()
        text = decode_text(raw, source=SOURCE, series_id=series_id, what="CSV")
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
        header = rows[0]
        date_col = find_column(header, ("DATE",), source=SOURCE, series_id=series_id)
        value_col = find_column(header, ("CLOSE", symbol), source=SOURCE, series_id=series_id)
        body = rows[1:]
        if not body:
            raise EmptyResponseError(
                source=SOURCE, series_id=series_id, detail="the CSV has a header but no rows"
            )
        dates: list[str] = []
        values: list[float] = []
        for n, row in enumerate(body, start=2):
            field = row[value_col] if len(row) > value_col else None
            try:
                values.append(parse_number(field))
            except ValueError:
                raise MalformedResponseError(
                    source=SOURCE, series_id=series_id, detail=f"line {n}: value {field!r} is not a number"
                ) from None
            dates.append(row[date_col] if len(row) > date_col else "")
        period = parse_dates(dates, "%m/%d/%Y", source=SOURCE, series_id=series_id)
        published = query.spec.published_at(pd.Series(period))
        return since(make_frame(period, published, values), query.start, query.spec.frequency)
