"""CFTC Commitments of Traders through the Socrata API (``publicreporting.cftc.gov``).

Native key: ``<contract market code>:<field>``, e.g. ``099741:noncomm_net``
(EUR, legacy futures-only) or ``232741:lev_money_net`` (AUD, Traders in
Financial Futures, futures-only). The field picks the dataset and the two
position columns whose difference (long − short, in contracts) is the value:

================  ==========  =================================================
field             dataset     long − short
================  ==========  =================================================
``noncomm_net``   6dca-aqww   noncomm_positions_long_all − noncomm_positions_short_all
``comm_net``      6dca-aqww   comm_positions_long_all − comm_positions_short_all
``lev_money_net`` gpe5-46if   lev_money_positions_long − lev_money_positions_short
``asset_mgr_net`` gpe5-46if   asset_mgr_positions_long − asset_mgr_positions_short
``dealer_net``    gpe5-46if   dealer_positions_long_all − dealer_positions_short_all
================  ==========  =================================================

Every value arrives as a string and null fields are omitted (a NaN row).
``period`` is the Tuesday "as of" date; ``published_at`` is the following
Friday at 15:30 America/New_York converted to naive UTC (19:30 in summer,
20:30 in winter). Holiday weeks, when the CFTC publishes a business day or two
later, are not modelled: for those weeks ``published_at`` is early by that delay.

Socrata answers errors in two envelopes, ``{"message", "errorCode"}`` (400,
bad SoQL) and ``{"code", "error": true, "message"}`` (404, unknown dataset).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np
import pandas as pd
from pydantic import SecretStr

from stormwatch.errors import EmptyResponseError, MalformedResponseError, SourceError
from stormwatch.sources._sniff import decode_text, make_frame, parse_dates, parse_number, snippet
from stormwatch.sources.base import Query, register_source
from stormwatch.sources.http import HttpFetcher, redact

__all__ = ["BASE_URL", "FIELDS", "Cftc", "CotField", "release_time"]

SOURCE = "cftc"
BASE_URL = "https://publicreporting.cftc.gov/resource"
LEGACY_FUTURES = "6dca-aqww"
TFF_FUTURES = "gpe5-46if"
_DATE_FIELD = "report_date_as_yyyy_mm_dd"
_CODE_FIELD = "cftc_contract_market_code"
_RELEASE_TZ = "America/New_York"


@dataclass(frozen=True)
class CotField:
    """A derived COT field: which dataset, and the long and short columns."""

    dataset: str
    long: str
    short: str


FIELDS: dict[str, CotField] = {
    "noncomm_net": CotField(LEGACY_FUTURES, "noncomm_positions_long_all", "noncomm_positions_short_all"),
    "comm_net": CotField(LEGACY_FUTURES, "comm_positions_long_all", "comm_positions_short_all"),
    "lev_money_net": CotField(TFF_FUTURES, "lev_money_positions_long", "lev_money_positions_short"),
    "asset_mgr_net": CotField(TFF_FUTURES, "asset_mgr_positions_long", "asset_mgr_positions_short"),
    "dealer_net": CotField(TFF_FUTURES, "dealer_positions_long_all", "dealer_positions_short_all"),
}


def release_time(report_date: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The Friday 15:30 New York time after each report date, as naive UTC.

    Examples
    --------
    >>> release_time(pd.DatetimeIndex(["2025-08-05"]))[0]
    Timestamp('2025-08-08 19:30:00')
    """
    weekday = report_date.day_of_week.to_numpy()
    ahead = (4 - weekday) % 7
    ahead = np.where(ahead == 0, 7, ahead)
    friday = report_date.normalize() + pd.to_timedelta(ahead, unit="D")
    local = (friday + pd.Timedelta(hours=15, minutes=30)).tz_localize(_RELEASE_TZ)
    return local.tz_convert("UTC").tz_localize(None).as_unit("ns")


def _split_native(native: str) -> tuple[str, CotField, str]:
    code, sep, field = native.rpartition(":")
    code = code.strip()
    if not sep or not code or field not in FIELDS:
        raise ValueError(
            f"CFTC native key {native!r} must be '<contract code>:<field>' with field one of {sorted(FIELDS)}"
        )
    return code, FIELDS[field], field


@register_source("cftc", website="https://publicreporting.cftc.gov", credentials=("app_token",))
class Cftc:
    """CFTC Commitments of Traders connector (Socrata JSON).

    Parameters
    ----------
    fetcher
        The shared :class:`HttpFetcher`.
    app_token
        Optional Socrata app token, sent as ``X-App-Token`` (moves requests out
        of the shared, throttled pool); never required.
    base_url
        The ``.../resource`` endpoint (overridden in tests).
    limit
        ``$limit`` per request; weekly data since 1986 is about 2,100 rows.
    """

    name = SOURCE

    def __init__(
        self,
        fetcher: HttpFetcher,
        app_token: SecretStr | None = None,
        *,
        base_url: str = BASE_URL,
        limit: int = 10000,
    ) -> None:
        self.fetcher = fetcher
        self._app_token = app_token
        self.base_url = base_url.rstrip("/")
        self.limit = limit

    def __repr__(self) -> str:
        return f"Cftc(app_token={'set' if self._app_token else 'none'})"

    def request_params(self, query: Query) -> tuple[str, dict[str, str]]:
        """The URL and SoQL parameters for ``query`` (pure)."""
        code, field, _ = _split_native(query.spec.native)
        where = f"{_CODE_FIELD}='{code}'"
        if query.start is not None:
            where += f" AND {_DATE_FIELD}>='{query.start.isoformat()}T00:00:00'"
        params = {
            "$select": ",".join([_DATE_FIELD, _CODE_FIELD, field.long, field.short]),
            "$where": where,
            "$order": f"{_DATE_FIELD} ASC",
            "$limit": str(self.limit),
        }
        return f"{self.base_url}/{field.dataset}.json", params

    def fetch_raw(self, query: Query) -> bytes:
        """One SoQL request; returns the JSON array unparsed.

        Raises
        ------
        EmptyResponseError
            404 (unknown dataset).
        MalformedResponseError
            400 (the query names a column the dataset does not have).
        """
        url, params = self.request_params(query)
        headers = {"Accept": "application/json"}
        if self._app_token is not None and self._app_token.get_secret_value():
            headers["X-App-Token"] = self._app_token.get_secret_value()
        response = self.fetcher.get(
            url, params=params, headers=headers, source=SOURCE, series_id=query.spec.id
        )
        if 200 <= response.status_code < 300:
            return response.content
        raise _status_error(response, query)

    @staticmethod
    def parse(raw: bytes, query: Query) -> pd.DataFrame:
        """Socrata JSON array -> observation frame (net positions in contracts).

        Raises
        ------
        EmptyResponseError
            ``[]`` or an empty body.
        MalformedResponseError
            HTML, an error envelope, rows for another contract, duplicated
            report dates, unreadable numbers or dates.
        """
        series_id = query.spec.id
        code, field, _ = _split_native(query.spec.native)
        text = decode_text(raw, source=SOURCE, series_id=series_id, what="JSON")
        try:
            data: Any = json.loads(text)
        except ValueError as exc:
            raise MalformedResponseError(
                source=SOURCE, series_id=series_id, detail=f"invalid JSON ({exc})"
            ) from None
        if isinstance(data, dict):
            raise _envelope_error(data, 200, query)
        if not isinstance(data, list):
            raise MalformedResponseError(source=SOURCE, series_id=series_id, detail="JSON is not an array")
        if not data:
            raise EmptyResponseError(
                source=SOURCE,
                series_id=series_id,
                detail=f"no reports for contract {code} in {field.dataset}",
            )
        dates: list[str] = []
        values: list[float] = []
        for i, row in enumerate(data):
            if not isinstance(row, dict) or _DATE_FIELD not in row:
                raise MalformedResponseError(
                    source=SOURCE, series_id=series_id, detail=f"row {i} has no {_DATE_FIELD}"
                )
            row_code = str(row.get(_CODE_FIELD, code)).strip()
            if row_code != code:
                raise MalformedResponseError(
                    source=SOURCE,
                    series_id=series_id,
                    detail=f"row {i} is for contract {row_code!r}, not {code!r}",
                )
            try:
                long = parse_number(row.get(field.long))
                short = parse_number(row.get(field.short))
            except ValueError:
                raise MalformedResponseError(
                    source=SOURCE,
                    series_id=series_id,
                    detail=(
                        f"row {i}: positions {row.get(field.long)!r}/{row.get(field.short)!r} are not numbers"
                    ),
                ) from None
            dates.append(str(row[_DATE_FIELD])[:10])
            values.append(long - short)
        period = parse_dates(dates, "%Y-%m-%d", source=SOURCE, series_id=series_id, where=_DATE_FIELD)
        if period.duplicated().any():
            first = period[period.duplicated()][0].date()
            raise MalformedResponseError(
                source=SOURCE,
                series_id=series_id,
                detail=f"several rows for report date {first}; use a futures-only dataset",
            )
        return make_frame(period, release_time(period), values)


def _envelope_error(obj: dict[str, Any], status: int, query: Query) -> SourceError:
    message = str(obj.get("message", ""))
    code = obj.get("errorCode") or obj.get("code") or ""
    detail = (
        f"HTTP {status}: {code}: {message}"
        if code
        else f"HTTP {status}: {message or snippet(json.dumps(obj))}"
    )
    if status == 404 or code == "dataset.missing":
        return EmptyResponseError(source=SOURCE, series_id=query.spec.id, detail=detail)
    return MalformedResponseError(source=SOURCE, series_id=query.spec.id, detail=detail)


def _status_error(response: httpx.Response, query: Query) -> SourceError:
    try:
        obj: Any = json.loads(response.content.decode("utf-8", "replace"))
    except ValueError:
        obj = None
    if isinstance(obj, dict) and ("message" in obj or "errorCode" in obj or "code" in obj):
        return _envelope_error(obj, response.status_code, query)
    url = redact(str(response.request.url))
    detail = f"HTTP {response.status_code} from {url} ({snippet(response.content)!r})"
    if response.status_code == 404:
        return EmptyResponseError(source=SOURCE, series_id=query.spec.id, detail=detail)
    return SourceError(source=SOURCE, series_id=query.spec.id, detail=detail)
