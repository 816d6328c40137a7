"""Kenneth R. French data library (Tuck School of Business).

Native key: ``<dataset>:<column>``, e.g.
``F-F_Research_Data_5_Factors_2x3_daily:Mkt-RF`` or
``F-F_Momentum_Factor_daily:Mom``. The download is
``{dataset}_CSV.zip`` holding one ``{dataset}.CSV``.

Parsing follows the published files: prose lines, a blank line, a header row
that starts with a comma (labels padded, so stripped), then rows whose first
field is a date (``YYYYMMDD`` in daily files, ``YYYYMM`` in monthly ones) until
the first row that is not; a copyright footer or a second (annual) table may
follow. Lines end in CRLF (a lone CR is accepted too). Values are percent;
``-99.99`` and ``-999`` are missing.

Publication time. Every download is one *vintage* ("using the YYYYMM CRSP
database" on the first line) and the whole history can change between
vintages. Stamping every row with the vintage date would make the data
unusable before the first download, so ``published_at`` follows the catalog's
release lag per period, like the other lag-based sources; this treats each
value as known one lag after its period, which is honest for the newest rows
and an approximation for restated history. The vintage is kept in
``frame.attrs["vintage"]`` and returned by :meth:`French.vintage`.
"""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd

from stormwatch.errors import EmptyResponseError, MalformedResponseError
from stormwatch.sources._sniff import (
    check_status,
    decode_text,
    is_html,
    make_frame,
    parse_dates,
    parse_number,
    since,
    snippet,
)
from stormwatch.sources.base import Query, register_source
from stormwatch.sources.http import HttpFetcher

__all__ = ["BASE_URL", "French"]

SOURCE = "french"
BASE_URL = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp"
_MISSING = (-99.99, -999.0)
_VINTAGE_RE = re.compile(r"using the (\d{6}) CRSP database")
_DATE_RE = re.compile(r"^\d{8}$|^\d{6}$")


def _split_native(native: str) -> tuple[str, str]:
    dataset, sep, column = native.partition(":")
    if not sep or not dataset.strip() or not column.strip():
        raise ValueError(
            f"French native key {native!r} must be '<dataset>:<column>', "
            "e.g. 'F-F_Research_Data_5_Factors_2x3_daily:Mkt-RF'"
        )
    return dataset.strip(), column.strip()


@register_source(
    "french", website="https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/data_library.html"
)
class French:
    """Kenneth French data library connector.

    Parameters
    ----------
    fetcher
        The shared :class:`HttpFetcher`.
    base_url
        The ``ftp`` folder (overridden in tests).
    """

    name = SOURCE

    def __init__(self, fetcher: HttpFetcher, *, base_url: str = BASE_URL) -> None:
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"French(base_url={self.base_url!r})"

    def url(self, query: Query) -> str:
        """The zip ``query`` reads (pure)."""
        dataset, _ = _split_native(query.spec.native)
        return f"{self.base_url}/{dataset}_CSV.zip"

    def fetch_raw(self, query: Query) -> bytes:
        """Download the dataset's zip (one request). 404 -> :class:`EmptyResponseError`."""
        response = self.fetcher.get(self.url(query), source=SOURCE, series_id=query.spec.id)
        return check_status(response, source=SOURCE, series_id=query.spec.id, empty_statuses=(404,))

    @staticmethod
    def unzip(raw: bytes, query: Query) -> str:
        """The text of the zip's CSV member (pure).

        Raises
        ------
        EmptyResponseError
            Empty body.
        MalformedResponseError
            HTML, not a zip, or no CSV member.
        """
        series_id = query.spec.id
        if not raw.strip():
            raise EmptyResponseError(source=SOURCE, series_id=series_id, detail="the body is empty")
        if is_html(raw):
            raise MalformedResponseError(
                source=SOURCE,
                series_id=series_id,
                detail=f"expected a zip but got an HTML page ({snippet(raw)!r})",
            )
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                members = [n for n in zf.namelist() if n.lower().endswith((".csv", ".txt"))]
                if not members:
                    raise MalformedResponseError(
                        source=SOURCE,
                        series_id=series_id,
                        detail=f"the zip holds no CSV ({zf.namelist()[:5]})",
                    )
                data = zf.read(members[0])
        except zipfile.BadZipFile:
            raise MalformedResponseError(
                source=SOURCE, series_id=series_id, detail=f"expected a zip, got {snippet(raw, 60)!r}"
            ) from None
        return decode_text(data, source=SOURCE, series_id=series_id, what="CSV", where=members[0])

    @staticmethod
    def vintage(raw: bytes, query: Query) -> str | None:
        """The ``YYYYMM`` CRSP vintage named on the file's first lines, if any."""
        text = French.unzip(raw, query)
        m = _VINTAGE_RE.search(text[:2000])
        return m.group(1) if m else None

    @staticmethod
    def parse(raw: bytes, query: Query) -> pd.DataFrame:
        """Zip bytes -> observation frame for one column (values in percent).

        Raises
        ------
        EmptyResponseError
            Empty body or a table with no rows.
        MalformedResponseError
            HTML, not a zip, no header row, no such column, unreadable values.
        """
        series_id = query.spec.id
        _, column = _split_native(query.spec.native)
        text = French.unzip(raw, query)
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        header_at = next((i for i, line in enumerate(lines) if line.startswith(",")), None)
        if header_at is None:
            raise MalformedResponseError(
                source=SOURCE, series_id=series_id, detail="no header row (a line starting with ',')"
            )
        labels = [c.strip() for c in lines[header_at].split(",")]
        lowered = [c.lower() for c in labels]
        if column.lower() not in lowered[1:]:
            raise MalformedResponseError(
                source=SOURCE,
                series_id=series_id,
                detail=f"unexpected header: no column {column!r} (columns: {labels[1:]})",
            )
        col = lowered.index(column.lower(), 1)
        dates: list[str] = []
        values: list[float] = []
        width: int | None = None
        for n, line in enumerate(lines[header_at + 1 :], start=header_at + 2):
            cells = line.split(",")
            first = cells[0].strip()
            if not _DATE_RE.match(first) or (width is not None and len(first) != width):
                break
            width = len(first)
            field = cells[col] if len(cells) > col else None
            try:
                values.append(parse_number(field, missing=_MISSING))
            except ValueError:
                raise MalformedResponseError(
                    source=SOURCE, series_id=series_id, detail=f"line {n}: {column} {field!r} is not a number"
                ) from None
            dates.append(first)
        if not dates:
            raise EmptyResponseError(
                source=SOURCE, series_id=series_id, detail="the table has a header but no rows"
            )
        fmt = "%Y%m%d" if width == 8 else "%Y%m"
        period = parse_dates(dates, fmt, source=SOURCE, series_id=series_id)
        published = query.spec.published_at(pd.Series(period))
        frame = since(make_frame(period, published, values), query.start, query.spec.frequency)
        m = _VINTAGE_RE.search(text[:2000])
        frame.attrs["vintage"] = m.group(1) if m else None
        return frame
