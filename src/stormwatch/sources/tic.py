"""US Treasury International Capital (TIC) system, Form SLT long-format tables.

Native key: ``[<table>:]<column>``, e.g. ``for_lt_eqty_net`` (net foreign
purchases of US equities, ``slt_table1``, the default table) or
``slt_table3:for_treas_pos``. The value is the **Grand Total** row (country
code 99996) of that column, in millions of USD.

File layout (``slt_table1.txt`` .. ``slt_table4.txt``, tab-delimited): title
lines, a grouping header and a human header, then the machine header that
starts ``country<TAB>country_code<TAB>date``; one row per (country, month),
newest first; a blank line; footnotes. Dates are ``YYYY-MM`` (the month; the
period is its first day). ``n.a.`` is missing. The file carries no release
dates, so ``published_at`` comes from the catalog's release lag (about six
weeks after month end). The whole history is in every download; rows before
``query.start`` are dropped.
"""

from __future__ import annotations

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

__all__ = ["BASE_URL", "DEFAULT_TABLE", "GRAND_TOTAL_CODE", "Tic"]

SOURCE = "tic"
BASE_URL = "https://ticdata.treasury.gov/resource-center/data-chart-center/tic/Documents"
DEFAULT_TABLE = "slt_table1"
GRAND_TOTAL_CODE = "99996"
_MACHINE_HEADER = ("country", "country_code", "date")


def _split_native(native: str) -> tuple[str, str]:
    table, sep, column = native.rpartition(":")
    if not sep:
        table = DEFAULT_TABLE
    table = table.strip() or DEFAULT_TABLE
    if not table.startswith("slt_table") or not column.strip():
        raise ValueError(f"TIC native key {native!r} must be '[slt_tableN:]<column>', e.g. 'for_lt_eqty_net'")
    return table, column.strip()


@register_source("tic", website="https://home.treasury.gov/data/treasury-international-capital-tic-system")
class Tic:
    """Treasury TIC (Form SLT) connector.

    Parameters
    ----------
    fetcher
        The shared :class:`HttpFetcher`.
    base_url
        The ``Documents`` folder (overridden in tests).
    """

    name = SOURCE

    def __init__(self, fetcher: HttpFetcher, *, base_url: str = BASE_URL) -> None:
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"Tic(base_url={self.base_url!r})"

    def url(self, query: Query) -> str:
        """The file ``query`` reads (pure)."""
        table, _ = _split_native(query.spec.native)
        return f"{self.base_url}/{table}.txt"

    def fetch_raw(self, query: Query) -> bytes:
        """Download the whole table (one request). 404 -> :class:`EmptyResponseError`."""
        response = self.fetcher.get(self.url(query), source=SOURCE, series_id=query.spec.id)
        return check_status(response, source=SOURCE, series_id=query.spec.id, empty_statuses=(404,))

    @staticmethod
    def parse(raw: bytes, query: Query) -> pd.DataFrame:
        """TIC tab-delimited table -> Grand Total observation frame.

        Raises
        ------
        EmptyResponseError
            Empty body, or no Grand Total rows.
        MalformedResponseError
            HTML, no machine header, no such column, unreadable dates or values.
        """
        series_id = query.spec.id
        table, column = _split_native(query.spec.native)
        text = decode_text(raw, source=SOURCE, series_id=series_id, what=f"{table}.txt")
        lines = text.splitlines()
        start = None
        for i, line in enumerate(lines):
            first3 = tuple(c.strip().lower() for c in line.split("\t")[:3])
            if first3 == _MACHINE_HEADER:
                start = i
                break
        if start is None:
            raise MalformedResponseError(
                source=SOURCE,
                series_id=series_id,
                detail=f"no machine header line starting 'country<TAB>country_code<TAB>date' in {table}.txt",
            )
        header = lines[start].split("\t")
        code_col = find_column(header, ("country_code",), source=SOURCE, series_id=series_id)
        country_col = find_column(header, ("country",), source=SOURCE, series_id=series_id)
        date_col = find_column(header, ("date",), source=SOURCE, series_id=series_id)
        value_col = find_column(header, (column,), source=SOURCE, series_id=series_id, where=f"{table}.txt")
        dates: list[str] = []
        values: list[float] = []
        for n, line in enumerate(lines[start + 1 :], start=start + 2):
            if not line.strip():
                break
            cells = line.split("\t")
            code = cells[code_col].strip() if len(cells) > code_col else ""
            country = cells[country_col].strip() if len(cells) > country_col else ""
            if code != GRAND_TOTAL_CODE and not (code == "" and country.lower() == "grand total"):
                continue
            field = cells[value_col] if len(cells) > value_col else None
            try:
                values.append(parse_number(field))
            except ValueError:
                raise MalformedResponseError(
                    source=SOURCE, series_id=series_id, detail=f"line {n}: {column} {field!r} is not a number"
                ) from None
            dates.append(cells[date_col] if len(cells) > date_col else "")
        if not dates:
            raise EmptyResponseError(
                source=SOURCE,
                series_id=series_id,
                detail=f"no Grand Total ({GRAND_TOTAL_CODE}) rows in {table}.txt",
            )
        period = parse_dates(dates, "%Y-%m", source=SOURCE, series_id=series_id, where=f"{table}.txt")
        if period.duplicated().any():
            raise MalformedResponseError(
                source=SOURCE,
                series_id=series_id,
                detail=f"month {period[period.duplicated()][0]:%Y-%m} appears twice in the Grand Total rows",
            )
        published = query.spec.published_at(pd.Series(period))
        return since(make_frame(period, published, values), query.start, query.spec.frequency)
