"""Reading a user's local files into observation frames (used by ``stormwatch import``).

A long file has a date column and a value column (``date,value`` by default;
``period``/``observation_date``/``DATE`` are also recognised); a wide file has
a date column and one column per series (FRED-MD). CSV or Parquet.
Anything that is not such a table — an HTML page saved as ``.csv``, an empty
file, a file without the named columns — is refused with the file named.
"""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pandas as pd

from stormwatch.catalog import SeriesSpec
from stormwatch.errors import ImportFileError

__all__ = ["read_local_file", "read_table", "read_wide_file"]

DATE_COLUMNS = ("date", "period", "observation_date", "time_period")
MISSING_MARKERS = ("", ".", "NA", "N/A", "NaN", "nan", "n.a.", "null")


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV or Parquet file as strings, refusing anything that is not a table."""
    if path.suffix.lower() == ".parquet":
        try:
            with duckdb.connect() as con:
                frame = con.execute("SELECT * FROM read_parquet(?)", [str(path)]).df()
        except duckdb.Error as exc:
            raise ImportFileError(path=path, detail=f"not a readable Parquet file ({exc})") from None
        return frame.astype("string")
    raw = path.read_bytes()
    head = raw[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        raise ImportFileError(path=path, detail="the file is empty")
    if head.startswith(b"<") or b"<html" in head or b"<!doctype" in head:
        raise ImportFileError(
            path=path,
            detail="it is an HTML page, not CSV (a saved error or login page?); download the data again",
        )
    try:
        frame = pd.read_csv(
            io.BytesIO(raw), dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise ImportFileError(path=path, detail=f"not a readable CSV file ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _date_column(frame: pd.DataFrame, path: Path) -> str:
    lowered = {c.lower(): c for c in frame.columns}
    for name in DATE_COLUMNS:
        if name in lowered:
            return lowered[name]
    raise ImportFileError(
        path=path,
        detail=f"no date column (expected one of {', '.join(DATE_COLUMNS)}; found {list(frame.columns)[:6]})",
    )


def _parse_dates(text: pd.Series, path: Path) -> pd.Series:
    parsed = pd.to_datetime(text.str.strip(), format="ISO8601", errors="coerce")
    bad = parsed.isna()
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise ImportFileError(
            path=path, detail=f"row {row + 2}: {text.iloc[row]!r} is not a date (YYYY-MM-DD)"
        )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.dt.normalize().astype("datetime64[ns]")


def _values(text: pd.Series) -> pd.Series:
    cleaned = text.astype("string").str.strip()
    cleaned = cleaned.mask(cleaned.isin(MISSING_MARKERS))
    return cleaned.astype(object).where(cleaned.notna(), None)


def read_local_file(
    path: Path, spec: SeriesSpec, *, date_column: str | None = None, value_column: str = "value"
) -> pd.DataFrame:
    """Read one series from a long file into an observation frame.

    Values stay unparsed text where they are not numbers, so that
    :func:`stormwatch.series.validate` refuses them with the series named;
    missing markers (empty, ``.``, ``NA``) become missing.

    Parameters
    ----------
    path
        A ``.csv`` or ``.parquet`` file.
    spec
        The catalog entry (for the publication lag).
    date_column, value_column
        Column names (case-insensitive); the date column is found by name if not given.
    """
    frame = read_table(path)
    if frame.empty:
        raise ImportFileError(path=path, detail="the file has a header but no rows")
    dcol = date_column or _date_column(frame, path)
    lowered = {c.lower(): c for c in frame.columns}
    vcol = lowered.get(value_column.lower())
    if vcol is None:
        others = [c for c in frame.columns if c != dcol]
        if len(others) == 1 and others[0].lower() in {
            spec.native.lower(),
            spec.local_file.lower() if spec.local_file else "",
        }:
            vcol = others[0]
        else:
            raise ImportFileError(
                path=path, detail=f"no {value_column!r} column (found {list(frame.columns)[:6]})"
            )
    period = _parse_dates(frame[dcol].astype("string"), path)
    return pd.DataFrame(
        {
            "period": period,
            "published_at": spec.published_at(period).astype("datetime64[ns]"),
            "value": _values(frame[vcol].astype("string")),
        }
    )


def read_wide_file(path: Path, spec: SeriesSpec) -> dict[str, pd.DataFrame]:
    """Read a wide file (date + one column per series) into one frame per column.

    Columns keep their names (``INDPRO``); the caller maps them to ids.
    """
    frame = read_table(path)
    if frame.empty:
        raise ImportFileError(path=path, detail="the file has a header but no rows")
    dcol = _date_column(frame, path)
    period = _parse_dates(frame[dcol].astype("string"), path)
    published = spec.published_at(period).astype("datetime64[ns]")
    out: dict[str, pd.DataFrame] = {}
    for col in frame.columns:
        if col == dcol:
            continue
        values = _values(frame[col].astype("string"))
        keep = pd.Series(values).notna().to_numpy()
        if not keep.any():
            continue
        out[col] = pd.DataFrame(
            {
                "period": period[keep].to_numpy(),
                "published_at": published[keep].to_numpy(),
                "value": pd.Series(values)[keep].to_numpy(),
            }
        )
    return out
