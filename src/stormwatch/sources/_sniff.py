"""Shared checks and builders for connectors: sniff bodies, map statuses, build frames.

Everything here is pure except :func:`check_status`, which only reads a response
that was already received.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence

import httpx
import numpy as np
import pandas as pd

from stormwatch.errors import EmptyResponseError, MalformedResponseError, SourceError
from stormwatch.sources.http import redact

__all__ = [
    "MISSING_TOKENS",
    "check_status",
    "decode_text",
    "find_column",
    "is_html",
    "make_frame",
    "parse_dates",
    "parse_number",
    "since",
    "snippet",
]

#: Field values that mean "no observation" in the services we read.
MISSING_TOKENS = frozenset({"", ".", "n.a.", "na", "n/a", "nan", "null", "none", "nd"})

_HTML_RE = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)


def is_html(raw: bytes) -> bool:
    """True if ``raw`` starts like an HTML page (``<!DOCTYPE html``, ``<html``, ...)."""
    head = raw[:2048].lstrip(b"\xef\xbb\xbf")
    return bool(_HTML_RE.match(head))


def snippet(raw: bytes | str, limit: int = 120) -> str:
    """The first ``limit`` characters of a body on one line, secrets redacted."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return redact(text)


def decode_text(raw: bytes, *, source: str, series_id: str, what: str, where: str = "") -> str:
    """Decode a text body after checking it is neither empty nor HTML.

    Parameters
    ----------
    raw
        The body as received.
    source, series_id
        Named in the errors.
    what
        What was expected (``"CSV"``, ``"JSON"``), for the message.
    where
        Optional location (a file path) for the message.

    Returns
    -------
    str
        The text, decoded as UTF-8 (a BOM is dropped) or, failing that, Latin-1.

    Raises
    ------
    EmptyResponseError
        The body is empty or only whitespace.
    MalformedResponseError
        The body is an HTML page.
    """
    at = f" from {where}" if where else ""
    if not raw.strip():
        raise EmptyResponseError(source=source, series_id=series_id, detail=f"the body{at} is empty")
    if is_html(raw):
        raise MalformedResponseError(
            source=source,
            series_id=series_id,
            detail=f"expected {what}{at} but got an HTML page ({snippet(raw)!r})",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def check_status(
    response: httpx.Response,
    *,
    source: str,
    series_id: str,
    empty_statuses: Iterable[int] = (404,),
) -> bytes:
    """Return the body of a 2xx response; turn anything else into an error.

    Parameters
    ----------
    response
        A response from :meth:`HttpFetcher.get` (so never 429 or 5xx).
    source, series_id
        Named in the errors.
    empty_statuses
        Statuses that mean "no such series / no data" (default 404).

    Raises
    ------
    EmptyResponseError
        The status is one of ``empty_statuses``.
    SourceError
        Any other non-2xx status, with the (redacted) URL and a body excerpt.
    """
    status = response.status_code
    if 200 <= status < 300:
        return response.content
    url = redact(str(response.request.url))
    body = snippet(response.content)
    detail = f"HTTP {status} from {url}" + (f" ({body!r})" if body else "")
    if status in set(empty_statuses):
        raise EmptyResponseError(source=source, series_id=series_id, detail=detail)
    raise SourceError(source=source, series_id=series_id, detail=detail)


def find_column(
    header: Sequence[str],
    names: Iterable[str],
    *,
    source: str,
    series_id: str,
    where: str = "",
) -> int:
    """Index of the first header cell equal (stripped, case-insensitive) to one of ``names``.

    Raises
    ------
    MalformedResponseError
        None of ``names`` is in the header; the message lists what was found.
    """
    wanted = [n.strip().lower() for n in names]
    cells = [c.strip().lower() for c in header]
    for name in wanted:
        if name in cells:
            return cells.index(name)
    at = f" in {where}" if where else ""
    shown = ", ".join(repr(c.strip()) for c in header[:12])
    raise MalformedResponseError(
        source=source,
        series_id=series_id,
        detail=(
            f"unexpected header{at}: expected a column named {' or '.join(map(repr, names))}, got [{shown}]"
        ),
    )


def parse_number(text: str | None, *, missing: Iterable[float] = ()) -> float:
    """A float from a field; missing tokens and sentinel values become NaN.

    Parameters
    ----------
    text
        The field (``None`` for an omitted field or a short row).
    missing
        Sentinel values that mean missing (e.g. ``-99.99`` in the French library).

    Raises
    ------
    ValueError
        The field is neither a number nor a missing token.
    """
    if text is None:
        return math.nan
    s = text.strip()
    if s.lower() in MISSING_TOKENS:
        return math.nan
    value = float(s.replace(",", ""))
    if any(value == m for m in missing):
        return math.nan
    return value


def make_frame(
    period: pd.Series | pd.DatetimeIndex | Sequence[pd.Timestamp],
    published_at: pd.Series | pd.DatetimeIndex | Sequence[pd.Timestamp],
    value: Sequence[float] | np.ndarray | pd.Series,
) -> pd.DataFrame:
    """An observation frame with the contract's dtypes, sorted by period then published_at."""
    frame = pd.DataFrame(
        {
            "period": pd.to_datetime(pd.Series(np.asarray(period, dtype="datetime64[ns]"))).astype(
                "datetime64[ns]"
            ),
            "published_at": pd.to_datetime(
                pd.Series(np.asarray(published_at, dtype="datetime64[ns]"))
            ).astype("datetime64[ns]"),
            "value": pd.Series(np.asarray(value, dtype="float64"), dtype="float64"),
        }
    )
    return frame.sort_values(["period", "published_at"], kind="stable").reset_index(drop=True)


def parse_dates(
    texts: Sequence[str],
    fmt: str,
    *,
    source: str,
    series_id: str,
    where: str = "",
) -> pd.DatetimeIndex:
    """Parse date strings with one exact ``strftime`` format.

    Raises
    ------
    MalformedResponseError
        A field does not match ``fmt``; the message quotes the first one.
    """
    stripped = [t.strip() for t in texts]
    out = pd.to_datetime(pd.Series(stripped, dtype="object"), format=fmt, errors="coerce")
    bad = out.isna().to_numpy()
    if bad.any():
        first = stripped[int(np.flatnonzero(bad)[0])]
        at = f" in {where}" if where else ""
        raise MalformedResponseError(
            source=source,
            series_id=series_id,
            detail=f"{int(bad.sum())} unreadable dates{at} (e.g. {first!r}; expected format {fmt})",
        )
    return pd.DatetimeIndex(out).as_unit("ns")


def since(frame: pd.DataFrame, start: dt.date | None, frequency: str = "daily") -> pd.DataFrame:
    """Rows of an observation frame whose period covers ``start`` or comes later.

    ``start`` is floored to the start of its period (month, quarter, year) for
    lower frequencies, so the period containing ``start`` is kept.
    ``None`` keeps everything.
    """
    if start is None:
        return frame
    floor = pd.Timestamp(start)
    if frequency == "monthly":
        floor = floor.replace(day=1)
    elif frequency == "quarterly":
        floor = floor.replace(month=3 * ((floor.month - 1) // 3) + 1, day=1)
    elif frequency == "annual":
        floor = floor.replace(month=1, day=1)
    elif frequency == "weekly":
        floor = floor - pd.Timedelta(days=6)
    return frame.loc[frame["period"] >= floor].reset_index(drop=True)
