"""ECB Data Portal (``data-api.ecb.europa.eu``), SDMX CSV.

Native key: ``FLOW/KEY``, e.g. ``EXR/D.USD.EUR.SP00.A`` (USD per EUR reference
rate) or ``EST/B.EU000A2X2A25.WT`` (€STR). The request asks for
``format=csvdata&detail=dataonly`` and ``startPeriod``; the parser reads the
``TIME_PERIOD`` and ``OBS_VALUE`` columns by name with a real CSV parser (the
``detail=full`` form has quoted titles with commas).

The ECB answers 404 when there are no results and, for some empty windows, 200
with an empty body: both become :class:`EmptyResponseError`. The data carry no
publication time, so ``published_at`` comes from the catalog's release lag.
Periods: ``YYYY-MM-DD``; ``YYYY-MM`` and ``YYYY-Qn`` map to the first day of the
month or quarter, ``YYYY`` to 1 January.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

import pandas as pd

from stormwatch.errors import EmptyResponseError, MalformedResponseError
from stormwatch.sources._sniff import (
    check_status,
    decode_text,
    find_column,
    make_frame,
    parse_number,
)
from stormwatch.sources.base import Query, register_source
from stormwatch.sources.http import HttpFetcher

__all__ = ["BASE_URL", "Ecb", "parse_period"]

SOURCE = "ecb"
BASE_URL = "https://data-api.ecb.europa.eu/service/data"

_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_RE = re.compile(r"^(\d{4})-?Q([1-4])$")
_HALF_RE = re.compile(r"^(\d{4})-?S([12])$")
_YEAR_RE = re.compile(r"^(\d{4})$")


def parse_period(text: str) -> pd.Timestamp | None:
    """An SDMX ``TIME_PERIOD`` as the first day of the period, or ``None`` if unreadable.

    Examples
    --------
    >>> parse_period("2024-03"), parse_period("2024-Q2")
    (Timestamp('2024-03-01 00:00:00'), Timestamp('2024-04-01 00:00:00'))
    """
    s = text.strip()
    try:
        if _DAY_RE.match(s):
            return pd.Timestamp(s)
        if m := _MONTH_RE.match(s):
            return pd.Timestamp(year=int(m.group(1)), month=int(m.group(2)), day=1)
        if m := _QUARTER_RE.match(s):
            return pd.Timestamp(year=int(m.group(1)), month=3 * int(m.group(2)) - 2, day=1)
        if m := _HALF_RE.match(s):
            return pd.Timestamp(year=int(m.group(1)), month=6 * int(m.group(2)) - 5, day=1)
        if m := _YEAR_RE.match(s):
            return pd.Timestamp(year=int(m.group(1)), month=1, day=1)
    except ValueError:
        return None
    return None


def _split_native(native: str) -> tuple[str, str]:
    flow, sep, key = native.partition("/")
    if not sep or not flow or not key:
        raise ValueError(f"ECB native key {native!r} is not FLOW/KEY (e.g. 'EXR/D.USD.EUR.SP00.A')")
    return flow, key


@register_source("ecb", website="https://data.ecb.europa.eu")
class Ecb:
    """ECB Data Portal connector.

    Parameters
    ----------
    fetcher
        The shared :class:`HttpFetcher`.
    base_url
        The ``.../service/data`` endpoint (overridden in tests).
    """

    name = SOURCE

    def __init__(self, fetcher: HttpFetcher, *, base_url: str = BASE_URL) -> None:
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"Ecb(base_url={self.base_url!r})"

    @staticmethod
    def start_period(query: Query) -> str | None:
        """``startPeriod`` in the form the series' frequency uses."""
        if query.start is None:
            return None
        s = query.start
        freq = query.spec.frequency
        if freq == "monthly":
            return f"{s.year:04d}-{s.month:02d}"
        if freq == "quarterly":
            return f"{s.year:04d}-Q{(s.month - 1) // 3 + 1}"
        if freq == "annual":
            return f"{s.year:04d}"
        return s.isoformat()

    def fetch_raw(self, query: Query) -> bytes:
        """One request for ``FLOW/KEY`` as CSV (``detail=dataonly``).

        Raises
        ------
        EmptyResponseError
            404 (no results).
        SourceError
            Another 4xx (e.g. 400 for a bad key).
        """
        flow, key = _split_native(query.spec.native)
        params = {"format": "csvdata", "detail": "dataonly"}
        start = self.start_period(query)
        if start is not None:
            params["startPeriod"] = start
        response = self.fetcher.get(
            f"{self.base_url}/{flow}/{key}",
            params=params,
            headers={"Accept": "text/csv"},
            source=SOURCE,
            series_id=query.spec.id,
        )
        return check_status(response, source=SOURCE, series_id=query.spec.id, empty_statuses=(404,))

    @staticmethod
    def parse(raw: bytes, query: Query) -> pd.DataFrame:
        """ECB CSV -> observation frame.

        Raises
        ------
        EmptyResponseError
            Empty body (the ECB's "200 with no content") or a header only.
        MalformedResponseError
            HTML, no ``TIME_PERIOD``/``OBS_VALUE`` column, several series in one
            answer, unreadable periods or values.
        """
        series_id = query.spec.id
        text = decode_text(raw, source=SOURCE, series_id=series_id, what="SDMX CSV")
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
        header = rows[0]
        time_col = find_column(header, ("TIME_PERIOD",), source=SOURCE, series_id=series_id)
        value_col = find_column(header, ("OBS_VALUE",), source=SOURCE, series_id=series_id)
        key_col = _optional_column(header, "KEY")
        body = rows[1:]
        if not body:
            raise EmptyResponseError(
                source=SOURCE, series_id=series_id, detail="the CSV has a header but no rows"
            )
        if key_col is not None:
            keys = {r[key_col] for r in body if len(r) > key_col}
            if len(keys) > 1:
                shown = ", ".join(sorted(keys)[:3])
                raise MalformedResponseError(
                    source=SOURCE,
                    series_id=series_id,
                    detail=(
                        f"the answer holds {len(keys)} series ({shown}, ...); the catalog key must name one"
                    ),
                )
        periods: list[pd.Timestamp] = []
        values: list[float] = []
        for n, row in enumerate(body, start=2):
            cell = row[time_col] if len(row) > time_col else ""
            period = parse_period(cell)
            if period is None:
                raise MalformedResponseError(
                    source=SOURCE, series_id=series_id, detail=f"line {n}: unreadable TIME_PERIOD {cell!r}"
                )
            field = row[value_col] if len(row) > value_col else None
            try:
                values.append(parse_number(field))
            except ValueError:
                raise MalformedResponseError(
                    source=SOURCE,
                    series_id=series_id,
                    detail=f"line {n}: OBS_VALUE {field!r} is not a number",
                ) from None
            periods.append(period)
        period_index = pd.DatetimeIndex(periods).as_unit("ns")
        published = query.spec.published_at(pd.Series(period_index))
        return make_frame(period_index, published, values)


def _optional_column(header: Sequence[str], name: str) -> int | None:
    cells = [c.strip().upper() for c in header]
    return cells.index(name) if name in cells else None
