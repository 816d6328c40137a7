"""FRED and ALFRED (Federal Reserve Bank of St. Louis).

Two ways in, chosen by whether an API key is configured:

- **Keyless** (default): ``fredgraph.csv?id=<ID>&cosd=<start>``. The file carries
  no publication times, so ``published_at`` comes from the catalog's release lag
  (:meth:`SeriesSpec.published_at`). Both header forms (``observation_date,<ID>``
  since about December 2024, ``DATE,<ID>`` before) are read; ``.``, an empty
  field and a short row are missing values (NaN rows).
- **API v1 with a key**: ``series/observations?file_type=json`` with a real-time
  window (``output_type=1``), one row per (period, vintage). Each row's
  ``realtime_start`` becomes ``published_at`` (that day at 23:59, the same
  end-of-day convention as :meth:`SeriesSpec.published_at`).

ALFRED refuses a real-time window with more than 2000 vintage dates (HTTP 400
"... exceeds the maximum number of vintage dates ..."), which a daily series
reaches in about 8 years. :meth:`Fred.fetch_raw` makes one request and raises
:class:`VintageLimitError` in that case; :meth:`Fred.fetch_chunks` is the loop
ingest uses: it halves the window until each part fits, skips parts that precede
ALFRED's coverage, and returns one ``(FredQuery, bytes)`` per request. Parse each
with :meth:`Fred.parse` and merge them with :meth:`Fred.combine`::

    chunks = fred.fetch_chunks(query)                      # network
    frame = Fred.combine([Fred.parse(raw, q) for q, raw in chunks])   # pure
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import SecretStr

from stormwatch.errors import (
    AuthError,
    EmptyResponseError,
    MalformedResponseError,
    SourceError,
)
from stormwatch.series import empty_frame
from stormwatch.sources._sniff import (
    check_status,
    decode_text,
    find_column,
    is_html,
    make_frame,
    parse_dates,
    parse_number,
    snippet,
)
from stormwatch.sources.base import Query, register_source
from stormwatch.sources.http import HttpFetcher

__all__ = [
    "API_URL",
    "CSV_URL",
    "KEY_NAME",
    "KEY_WEBSITE",
    "REALTIME_ORIGIN",
    "Fred",
    "FredQuery",
    "NotInAlfredError",
    "VintageLimitError",
]

logger = logging.getLogger(__name__)

SOURCE = "fred"
CSV_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
API_URL = "https://api.stlouisfed.org/fred/series/observations"
KEY_NAME = "FRED_API_KEY"
KEY_WEBSITE = "https://fred.stlouisfed.org/docs/api/api_key.html"
#: ALFRED's "beginning of time" for real-time windows.
REALTIME_ORIGIN = dt.date(1776, 7, 4)
_OPEN_END = "9999-12-31"
_END_OF_DAY = pd.Timedelta(hours=23, minutes=59)
_MAX_CHUNK_REQUESTS = 64
_VINTAGE_COUNT_RE = re.compile(r"There are (\d+) vintage dates")


class VintageLimitError(SourceError):
    """ALFRED refused a real-time window holding more than 2000 vintage dates.

    :meth:`Fred.fetch_chunks` catches it and splits the window.
    """

    template = (
        "{source} refused the real-time window {window} for {series_id}: {detail}. "
        "Fetch it in smaller windows (Fred.fetch_chunks does this)."
    )


class NotInAlfredError(EmptyResponseError):
    """ALFRED has no vintages for the window (or the series does not exist)."""


@dataclass(frozen=True)
class FredQuery(Query):
    """A :class:`Query` with an ALFRED real-time window.

    Parameters
    ----------
    realtime_start
        First vintage date of the window (``None``: ``query.start``, or 1776-07-04
        for the full history).
    realtime_end
        Last vintage date (``None``: open, sent as ``9999-12-31``).
    vintages
        ``False`` asks the API for current values only; ``published_at`` then
        comes from the release lag, as for the keyless CSV.
    """

    realtime_start: dt.date | None = None
    realtime_end: dt.date | None = None
    vintages: bool = True

    @property
    def window(self) -> str:
        """The real-time window as ``start..end`` for messages."""
        start = self.realtime_start or REALTIME_ORIGIN
        end = self.realtime_end.isoformat() if self.realtime_end else _OPEN_END
        return f"{start.isoformat()}..{end}"


@register_source("fred", website="https://fred.stlouisfed.org", credentials=("api_key",))
class Fred:
    """FRED / ALFRED connector.

    Parameters
    ----------
    fetcher
        The shared :class:`HttpFetcher` (FRED hosts are paced at 2 req/s).
    api_key
        A FRED API key (``FRED_API_KEY``). ``None`` uses the keyless CSV, which
        has no vintages.
    csv_url, api_url
        Endpoints (overridden in tests that run a local server).
    """

    name = SOURCE

    def __init__(
        self,
        fetcher: HttpFetcher,
        api_key: SecretStr | None = None,
        *,
        csv_url: str = CSV_URL,
        api_url: str = API_URL,
    ) -> None:
        self.fetcher = fetcher
        self._api_key = api_key
        self.csv_url = csv_url
        self.api_url = api_url

    def __repr__(self) -> str:
        key = "set" if self._api_key is not None else "none (keyless CSV)"
        return f"Fred(api_key={key})"

    @property
    def keyed(self) -> bool:
        """True if requests go to the API (with vintages) rather than the keyless CSV."""
        return self._api_key is not None and bool(self._api_key.get_secret_value())

    # -- planning (pure) ------------------------------------------------------------

    @staticmethod
    def vintage_query(query: Query) -> FredQuery:
        """The :class:`FredQuery` for ``query`` with its real-time window filled in.

        The window starts at ``query.start`` (an incremental update: with
        ``observation_start == realtime_start`` ALFRED keeps the true
        ``realtime_start`` of each row) or at 1776-07-04 for the full history,
        and stays open at the end.
        """
        if isinstance(query, FredQuery):
            if query.realtime_start is not None:
                return query
            return dataclasses.replace(query, realtime_start=query.start or REALTIME_ORIGIN)
        return FredQuery(
            spec=query.spec,
            start=query.start,
            today=query.today,
            realtime_start=query.start or REALTIME_ORIGIN,
        )

    @staticmethod
    def split(query: FredQuery) -> tuple[FredQuery, FredQuery]:
        """Halve a real-time window: ``[a, m]`` and ``[m + 1 day, end]``.

        Raises
        ------
        ValueError
            The window is a single day and cannot be split.
        """
        start = query.realtime_start or REALTIME_ORIGIN
        end = query.realtime_end or query.today
        if end <= start:
            raise ValueError(f"real-time window {query.window} cannot be split further")
        mid = start + (end - start) // 2
        first = dataclasses.replace(query, realtime_start=start, realtime_end=mid)
        second = dataclasses.replace(query, realtime_start=mid + dt.timedelta(days=1))
        return first, second

    def _api_params(self, query: Query) -> dict[str, str]:
        assert self._api_key is not None
        params = {
            "series_id": query.spec.native,
            "api_key": self._api_key.get_secret_value(),
            "file_type": "json",
            "sort_order": "asc",
            "limit": "100000",
        }
        if query.start is not None:
            params["observation_start"] = query.start.isoformat()
        q = self.vintage_query(query)
        if q.vintages:
            params["realtime_start"] = (q.realtime_start or REALTIME_ORIGIN).isoformat()
            params["realtime_end"] = q.realtime_end.isoformat() if q.realtime_end else _OPEN_END
            params["output_type"] = "1"
        return params

    # -- network --------------------------------------------------------------------

    def fetch_raw(self, query: Query) -> bytes:
        """One request: the keyless CSV, or one real-time window from the API.

        Parameters
        ----------
        query
            A :class:`Query` (its ``start`` is sent as ``cosd`` or
            ``observation_start``) or a :class:`FredQuery` with a real-time window.

        Returns
        -------
        bytes
            The body, unparsed (CSV, or JSON from the API).

        Raises
        ------
        AuthError
            The API refused the key.
        VintageLimitError
            The real-time window holds more than 2000 vintages; use
            :meth:`fetch_chunks`.
        NotInAlfredError, EmptyResponseError
            No such series, or no vintages in the window.
        RateLimitedError, SourceUnavailableError
            From the fetcher, after its retries.
        """
        series_id = query.spec.id
        if not self.keyed:
            params = {"id": query.spec.native}
            if query.start is not None:
                params["cosd"] = query.start.isoformat()
            response = self.fetcher.get(self.csv_url, params=params, source=SOURCE, series_id=series_id)
            return check_status(response, source=SOURCE, series_id=series_id, empty_statuses=(400, 404))
        response = self.fetcher.get(
            self.api_url, params=self._api_params(query), source=SOURCE, series_id=series_id
        )
        if response.status_code == 200:
            return response.content
        message = _error_message(response.content)
        if message is None:
            if is_html(response.content):
                raise MalformedResponseError(
                    source=SOURCE,
                    series_id=series_id,
                    detail=f"HTTP {response.status_code} with an HTML page ({snippet(response.content)!r})",
                )
            return check_status(response, source=SOURCE, series_id=series_id)
        raise _api_error(response.status_code, message, query)

    def fetch_chunks(self, query: Query) -> list[tuple[FredQuery, bytes]]:
        """Fetch everything ``query`` asks for in as many requests as ALFRED needs.

        Without a key this is one keyless CSV request. With a key, the real-time
        window is halved whenever ALFRED answers with the 2000-vintage cap;
        parts that precede ALFRED's coverage are skipped. If ALFRED has no
        vintages for the whole window, the current values are fetched instead
        (``vintages=False``; ``published_at`` then comes from the release lag).

        Returns
        -------
        list of (FredQuery, bytes)
            One entry per successful request, oldest window first; parse each
            with :meth:`parse` (passing its own query) and merge with :meth:`combine`.
        """
        top = self.vintage_query(query)
        if not self.keyed:
            return [(top, self.fetch_raw(top))]
        pending = [top]
        out: list[tuple[FredQuery, bytes]] = []
        requests = 0
        while pending:
            q = pending.pop(0)
            requests += 1
            if requests > _MAX_CHUNK_REQUESTS:
                raise SourceError(
                    source=SOURCE,
                    series_id=query.spec.id,
                    detail=f"gave up after {_MAX_CHUNK_REQUESTS} requests splitting the real-time window",
                )
            try:
                out.append((q, self.fetch_raw(q)))
            except VintageLimitError:
                if (q.realtime_end or q.today) <= (q.realtime_start or REALTIME_ORIGIN):
                    raise  # a single day over the cap cannot be split
                pending[:0] = self.split(q)
            except NotInAlfredError:
                if q is top:
                    logger.warning(
                        "fred %s: ALFRED has no vintages for %s; fetching current values only",
                        query.spec.id,
                        q.window,
                    )
                    current = dataclasses.replace(top, vintages=False)
                    return [(current, self.fetch_raw(current))]
                logger.debug("fred %s: no vintages in %s (before ALFRED coverage)", query.spec.id, q.window)
        if not out:
            raise EmptyResponseError(
                source=SOURCE, series_id=query.spec.id, detail=f"no vintages in {top.window}"
            )
        return out

    # -- parsing (pure) ---------------------------------------------------------------

    @staticmethod
    def parse(raw: bytes, query: Query) -> pd.DataFrame:
        """Bytes from :meth:`fetch_raw` -> observation frame.

        The body decides the path: JSON from the API, CSV otherwise.

        Raises
        ------
        EmptyResponseError
            Empty body, no observations, or an API "series does not exist" body.
        MalformedResponseError
            HTML, an unexpected header, unreadable dates or values.
        AuthError
            An API error body about the key.
        """
        series_id = query.spec.id
        if raw.lstrip()[:1] == b"{":
            return _parse_json(raw, query)
        text = decode_text(raw, source=SOURCE, series_id=series_id, what="CSV")
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
        header = rows[0]
        date_col = find_column(header, ("observation_date", "DATE"), source=SOURCE, series_id=series_id)
        value_col = find_column(header, (query.spec.native,), source=SOURCE, series_id=series_id)
        body = rows[1:]
        if not body:
            raise EmptyResponseError(
                source=SOURCE, series_id=series_id, detail="the CSV has a header but no rows"
            )
        dates: list[str] = []
        values: list[float] = []
        for n, row in enumerate(body, start=2):
            if len(row) <= date_col:
                raise MalformedResponseError(
                    source=SOURCE, series_id=series_id, detail=f"line {n} has no date ({row!r})"
                )
            dates.append(row[date_col])
            field = row[value_col] if len(row) > value_col else None
            try:
                values.append(parse_number(field))
            except ValueError:
                raise MalformedResponseError(
                    source=SOURCE, series_id=series_id, detail=f"line {n}: value {field!r} is not a number"
                ) from None
        period = parse_dates(dates, "%Y-%m-%d", source=SOURCE, series_id=series_id)
        published = query.spec.published_at(pd.Series(period))
        return make_frame(period, published, values)

    @staticmethod
    def combine(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
        """Merge the frames of several real-time windows into one.

        A window that starts after a value was first published reports that
        value with ``realtime_start`` clamped to the window start. Such a row
        repeats the value of the period's previous vintage, so every row equal
        to its period's previous vintage is dropped: that changes no
        point-in-time answer. Exact ``(period, published_at)`` duplicates keep
        the last.
        """
        frames = [f for f in frames if len(f)]
        if not frames:
            return empty_frame()
        out = pd.concat(frames, ignore_index=True)
        out = out.drop_duplicates(subset=["period", "published_at"], keep="last")
        out = out.sort_values(["period", "published_at"], kind="stable").reset_index(drop=True)
        prev = out.groupby("period", sort=False)["value"].shift(1)
        same_period = out["period"].eq(out["period"].shift(1))
        values = out["value"].to_numpy()
        prev_values = prev.to_numpy()
        repeat = same_period.to_numpy() & (
            (values == prev_values) | (np.isnan(values) & np.isnan(prev_values))
        )
        kept: pd.DataFrame = out.loc[~repeat].reset_index(drop=True)
        return kept


def _error_message(raw: bytes) -> str | None:
    """The ``error_message`` of a FRED API error body, if it is one."""
    try:
        obj: Any = json.loads(raw.decode("utf-8", "replace"))
    except ValueError:
        return None
    if isinstance(obj, dict) and isinstance(obj.get("error_message"), str):
        return str(obj["error_message"])
    return None


def _api_error(status: int, message: str, query: Query) -> SourceError:
    """Map a FRED API error message to the matching error."""
    series_id = query.spec.id
    lowered = message.lower()
    detail = f"HTTP {status}: {message}"
    if "api_key" in lowered or "api key" in lowered:
        return AuthError(source=SOURCE, series_id=series_id, detail=detail, key=KEY_NAME, website=KEY_WEBSITE)
    if "maximum number of vintage dates" in lowered:
        m = _VINTAGE_COUNT_RE.search(message)
        window = Fred.vintage_query(query).window
        return VintageLimitError(
            source=SOURCE,
            series_id=series_id,
            detail=detail,
            window=window,
            vintage_count=int(m.group(1)) if m else None,
        )
    if "does not exist in alfred" in lowered:
        return NotInAlfredError(source=SOURCE, series_id=series_id, detail=detail)
    if "does not exist" in lowered or status == 404:
        return EmptyResponseError(source=SOURCE, series_id=series_id, detail=detail)
    return SourceError(source=SOURCE, series_id=series_id, detail=detail)


def _parse_json(raw: bytes, query: Query) -> pd.DataFrame:
    series_id = query.spec.id
    text = decode_text(raw, source=SOURCE, series_id=series_id, what="JSON")
    try:
        obj: Any = json.loads(text)
    except ValueError as exc:
        raise MalformedResponseError(
            source=SOURCE, series_id=series_id, detail=f"invalid JSON ({exc})"
        ) from None
    if not isinstance(obj, dict):
        raise MalformedResponseError(source=SOURCE, series_id=series_id, detail="JSON is not an object")
    if "error_message" in obj:
        raise _api_error(int(obj.get("error_code", 400)), str(obj["error_message"]), query)
    observations = obj.get("observations")
    if not isinstance(observations, list):
        raise MalformedResponseError(
            source=SOURCE, series_id=series_id, detail=f"no 'observations' list (keys: {sorted(obj)[:8]})"
        )
    if not observations:
        raise EmptyResponseError(source=SOURCE, series_id=series_id, detail="the API returned 0 observations")
    count, offset = obj.get("count"), obj.get("offset", 0)
    if isinstance(count, int) and isinstance(offset, int) and count > offset + len(observations):
        raise MalformedResponseError(
            source=SOURCE,
            series_id=series_id,
            detail=f"truncated: {len(observations)} of {count} observations (limit {obj.get('limit')})",
        )
    dates: list[str] = []
    starts: list[str] = []
    values: list[float] = []
    for i, o in enumerate(observations):
        if not isinstance(o, dict) or "date" not in o or "value" not in o:
            raise MalformedResponseError(
                source=SOURCE, series_id=series_id, detail=f"observation {i} lacks date or value ({o!r})"
            )
        dates.append(str(o["date"]))
        starts.append(str(o.get("realtime_start", "")))
        try:
            values.append(parse_number(str(o["value"])))
        except ValueError:
            raise MalformedResponseError(
                source=SOURCE,
                series_id=series_id,
                detail=f"observation {i}: value {o['value']!r} is not a number",
            ) from None
    period = parse_dates(dates, "%Y-%m-%d", source=SOURCE, series_id=series_id)
    vintages = not isinstance(query, FredQuery) or query.vintages
    if vintages:
        realtime = parse_dates(starts, "%Y-%m-%d", source=SOURCE, series_id=series_id, where="realtime_start")
        published = realtime + _END_OF_DAY
        return make_frame(period, published, values)
    return make_frame(period, query.spec.published_at(pd.Series(period)), values)
