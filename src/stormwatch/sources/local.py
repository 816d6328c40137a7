"""User-supplied files: CSV or Parquet, one series per file (or one column of a wide file).

A file is found for a catalog entry by an explicit path (``paths[series_id]``)
or, in ``directory``, by the entry's ``local_file`` stem (else its native key)
with a ``.csv`` or ``.parquet`` suffix, case-insensitively. Columns are found by
name: ``date`` and ``value`` by default (the layout of ``shared/data/market``),
configurable globally or per series; for a catalog entry with
``wide_columns = true`` the value column defaults to the entry's native key.
An optional ``published_at`` column is used when configured; otherwise the
catalog's release lag gives it.

``fetch_raw`` reads the file (Parquet through DuckDB, re-serialised as CSV so
``parse`` has one pure path); ``parse`` applies the same checks as the network
sources: an empty file is :class:`EmptyResponseError`, an HTML page saved as
``.csv`` or a missing column is :class:`MalformedResponseError`, and every
message names the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stormwatch._typing import SeriesId
from stormwatch.catalog import SeriesSpec
from stormwatch.errors import EmptyResponseError, MalformedResponseError
from stormwatch.sources._sniff import decode_text, find_column, make_frame, parse_number, since
from stormwatch.sources.base import Query, register_source
from stormwatch.sources.http import HttpFetcher

__all__ = ["SUFFIXES", "ColumnMap", "Local", "read_parquet_csv"]

SOURCE = "local"
SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class ColumnMap:
    """Which columns of a user file hold what.

    Parameters
    ----------
    date
        The period column (ISO dates, ``YYYY-MM-DD``).
    value
        The value column.
    published_at
        Optional column with publication timestamps (naive UTC).
    """

    date: str = "date"
    value: str = "value"
    published_at: str | None = None


def read_parquet_csv(path: Path) -> bytes:
    """Read a Parquet file with DuckDB and return it as CSV bytes (header included).

    Raises
    ------
    duckdb.Error
        The file is not readable Parquet.
    """
    import duckdb  # lazy: only Parquet users pay for the import

    con = duckdb.connect()
    try:
        frame = con.execute("select * from read_parquet(?)", [str(path)]).df()
    finally:
        con.close()
    assert isinstance(frame, pd.DataFrame)
    return frame.to_csv(index=False).encode("utf-8")


@register_source("local", website="local files (see stormwatch.sources.local)")
class Local:
    """User-file connector.

    Parameters
    ----------
    fetcher
        Unused (files are local); accepted so every connector is built alike.
    directory
        Folder searched for ``<stem>.csv`` / ``<stem>.parquet``.
    paths
        Explicit file per series id; wins over ``directory``.
    columns
        Default column names.
    overrides
        Column names per series id.
    """

    name = SOURCE

    def __init__(
        self,
        fetcher: HttpFetcher | None = None,
        *,
        directory: Path | None = None,
        paths: Mapping[SeriesId, Path] | None = None,
        columns: ColumnMap | None = None,
        overrides: Mapping[SeriesId, ColumnMap] | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.directory = directory
        self.paths = dict(paths or {})
        self.columns = columns or ColumnMap()
        self.overrides = dict(overrides or {})
        self._resolved: dict[SeriesId, Path] = {}

    def __repr__(self) -> str:
        return f"Local(directory={self.directory!r}, paths={len(self.paths)})"

    def column_map(self, spec: SeriesSpec) -> ColumnMap:
        """The columns to read for ``spec`` (per-series override, else the default)."""
        if spec.id in self.overrides:
            return self.overrides[spec.id]
        if spec.wide_columns and self.columns.value == ColumnMap.value:
            return ColumnMap(
                date=self.columns.date, value=spec.native, published_at=self.columns.published_at
            )
        return self.columns

    def path(self, query: Query) -> Path:
        """The file for ``query``.

        Raises
        ------
        EmptyResponseError
            No file is configured or found.
        """
        spec = query.spec
        if spec.id in self.paths:
            return Path(self.paths[spec.id])
        stem = spec.local_file or spec.native
        if self.directory is not None and self.directory.is_dir():
            wanted = {f"{stem}{suffix}".lower() for suffix in SUFFIXES}
            for candidate in sorted(self.directory.iterdir()):
                if candidate.name.lower() in wanted and candidate.is_file():
                    return candidate
        where = self.directory if self.directory is not None else "(no directory configured)"
        raise EmptyResponseError(
            source=SOURCE,
            series_id=spec.id,
            detail=f"no file {stem}.csv or {stem}.parquet in {where}",
        )

    def describe(self, query: Query) -> str:
        """How errors name the file for ``query``, without touching the disk."""
        spec = query.spec
        if spec.id in self._resolved:
            return str(self._resolved[spec.id])
        if spec.id in self.paths:
            return str(self.paths[spec.id])
        stem = spec.local_file or spec.native
        folder = self.directory if self.directory is not None else Path()
        return f"{folder / stem}.csv"

    def fetch_raw(self, query: Query) -> bytes:
        """Read the file; Parquet is converted to CSV bytes.

        Raises
        ------
        EmptyResponseError
            No file.
        MalformedResponseError
            A ``.parquet`` file DuckDB cannot read.
        """
        path = self.path(query)
        self._resolved[query.spec.id] = path  # so parse can name the file without touching the disk
        if path.suffix.lower() == ".parquet":
            try:
                return read_parquet_csv(path)
            except Exception as exc:  # duckdb raises its own error tree
                raise MalformedResponseError(
                    source=SOURCE, series_id=query.spec.id, detail=f"{path} is not readable Parquet ({exc})"
                ) from None
        return path.read_bytes()

    def parse(self, raw: bytes, query: Query) -> pd.DataFrame:
        """CSV bytes -> observation frame (pure; the path only names the file in errors).

        Raises
        ------
        EmptyResponseError
            Empty file or header only.
        MalformedResponseError
            HTML, missing columns, unreadable dates or values; the message names the file.
        """
        spec = query.spec
        series_id = spec.id
        cols = self.column_map(spec)
        where = str(self.describe(query))
        text = decode_text(raw, source=SOURCE, series_id=series_id, what="CSV", where=where)
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
        header = rows[0]
        date_col = find_column(header, (cols.date,), source=SOURCE, series_id=series_id, where=where)
        value_col = find_column(header, (cols.value,), source=SOURCE, series_id=series_id, where=where)
        pub_col = (
            find_column(header, (cols.published_at,), source=SOURCE, series_id=series_id, where=where)
            if cols.published_at
            else None
        )
        body = rows[1:]
        if not body:
            raise EmptyResponseError(
                source=SOURCE, series_id=series_id, detail=f"{where} has a header but no rows"
            )
        dates: list[str] = []
        pubs: list[str] = []
        values: list[float] = []
        for n, row in enumerate(body, start=2):
            field = row[value_col] if len(row) > value_col else None
            try:
                values.append(parse_number(field))
            except ValueError:
                raise MalformedResponseError(
                    source=SOURCE,
                    series_id=series_id,
                    detail=f"{where} line {n}: {cols.value} {field!r} is not a number",
                ) from None
            dates.append(row[date_col].strip() if len(row) > date_col else "")
            if pub_col is not None:
                pubs.append(row[pub_col].strip() if len(row) > pub_col else "")
        period = _iso_dates(dates, column=cols.date, where=where, series_id=series_id).normalize()
        if pub_col is not None:
            published = pd.Series(
                _iso_dates(pubs, column=str(cols.published_at), where=where, series_id=series_id)
            )
        else:
            published = spec.published_at(pd.Series(period))
        return since(make_frame(period, published, values), query.start, spec.frequency)


def _iso_dates(texts: list[str], *, column: str, where: str, series_id: str) -> pd.DatetimeIndex:
    parsed = pd.to_datetime(pd.Series(texts, dtype="object"), format="ISO8601", errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        first = texts[int(bad.argmax())]
        raise MalformedResponseError(
            source=SOURCE,
            series_id=series_id,
            detail=f"{where}: {int(bad.sum())} unreadable {column} values (e.g. {first!r}; use YYYY-MM-DD)",
        )
    index = pd.DatetimeIndex(parsed)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return index.as_unit("ns")
