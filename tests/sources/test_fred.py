"""FRED: keyless CSV, API v1 vintages, error bodies, the vintage-cap chunking."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from urllib.parse import parse_qs, urlsplit

import httpx
import numpy as np
import pandas as pd
import pytest
from pydantic import SecretStr

from stormwatch.catalog import SeriesSpec
from stormwatch.errors import (
    AuthError,
    EmptyResponseError,
    MalformedResponseError,
    RateLimitedError,
)
from stormwatch.sources.base import Query
from stormwatch.sources.fred import (
    API_URL,
    CSV_URL,
    KEY_NAME,
    KEY_WEBSITE,
    REALTIME_ORIGIN,
    Fred,
    FredQuery,
    NotInAlfredError,
    VintageLimitError,
)

from ._helpers import assert_obs_frame, fixture_bytes, make_spec, mock_fetcher, serve, ts

DGS10 = make_spec("fred:DGS10", "daily", release_lag_days=1)
PAYEMS = make_spec("fred:PAYEMS", "monthly", release_lag_days=7)
TODAY = dt.date(2026, 9, 1)
KEY = "0123456789abcdefghijklmnopqrstuv"  # 32 lowercase alphanumerics, like a real key; not one


def q(spec: SeriesSpec = DGS10, start: dt.date | None = None) -> Query:
    return Query(spec=spec, start=start, today=TODAY)


# -- keyless CSV: parse ----------------------------------------------------------------


def test_parse_new_header_with_empty_missing() -> None:
    frame = Fred.parse(fixture_bytes("fred/DGS10_observation_date.csv"), q())
    assert_obs_frame(frame)
    assert len(frame) == 12
    assert frame["period"].iloc[0] == ts("2024-12-16")
    assert frame["value"].iloc[0] == 4.39
    christmas = frame.loc[frame["period"] == ts("2024-12-25"), "value"]
    assert len(christmas) == 1 and christmas.isna().all()  # a missing value is a NaN row, not dropped
    assert frame["value"].iloc[-1] == 4.58
    # release lag 1 day, known at the end of the release day
    assert frame["published_at"].iloc[0] == ts("2024-12-17 23:59")


def test_parse_old_header_with_dot_missing() -> None:
    frame = Fred.parse(fixture_bytes("fred/DGS10_DATE_dot.csv"), q())
    assert_obs_frame(frame)
    assert frame["period"].tolist() == [
        ts(d)
        for d in [
            "1962-02-05",
            "1962-02-06",
            "1962-02-07",
            "1962-02-08",
            "1962-02-09",
            "1962-02-12",
            "1962-02-13",
        ]
    ]
    assert frame["value"].isna().tolist() == [False] * 5 + [True, False]
    assert frame["value"].iloc[4] == 4.05


def test_parse_short_row_is_missing() -> None:
    frame = Fred.parse(fixture_bytes("fred/DGS10_short_row.csv"), q())
    assert frame["value"].isna().sum() == 1
    assert math.isnan(frame.loc[frame["period"] == ts("2021-05-31"), "value"].iloc[0])
    assert frame["value"].dropna().tolist() == [1.61, 1.58, 1.62]


@pytest.mark.parametrize(
    ("fixture", "error", "text"),
    [
        ("fred/empty.csv", EmptyResponseError, "empty"),
        ("fred/html_error.html", MalformedResponseError, "HTML"),
        ("fred/DGS10_unexpected_header.csv", MalformedResponseError, "unexpected header"),
    ],
)
def test_parse_bad_csv(fixture: str, error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text) as info:
        Fred.parse(fixture_bytes(fixture), q())
    assert "fred:DGS10" in str(info.value)


def test_parse_header_only_and_bad_values() -> None:
    with pytest.raises(EmptyResponseError, match="no rows"):
        Fred.parse(b"observation_date,DGS10\n", q())
    with pytest.raises(MalformedResponseError, match="'abc' is not a number"):
        Fred.parse(b"observation_date,DGS10\n2024-01-02,abc\n", q())
    with pytest.raises(MalformedResponseError, match="unreadable dates"):
        Fred.parse(b"observation_date,DGS10\n01/02/2024,4.0\n", q())


# -- keyless CSV: connector ---------------------------------------------------------------


def test_keyless_request_sends_id_and_cosd() -> None:
    handler = serve(fixture_bytes("fred/DGS10_observation_date.csv"))
    fred = Fred(mock_fetcher(handler))
    raw = fred.fetch_raw(q(start=dt.date(2024, 12, 16)))
    (request,) = handler.requests
    assert str(request.url).startswith(CSV_URL)
    assert dict(request.url.params) == {"id": "DGS10", "cosd": "2024-12-16"}
    frame = Fred.parse(raw, q(start=dt.date(2024, 12, 16)))
    assert len(frame) == 12


def test_keyless_full_history_sends_no_cosd() -> None:
    handler = serve(fixture_bytes("fred/DGS10_DATE_dot.csv"))
    Fred(mock_fetcher(handler)).fetch_raw(q())
    (request,) = handler.requests
    assert dict(request.url.params) == {"id": "DGS10"}


@pytest.mark.parametrize("status", [400, 404])
def test_keyless_unknown_id_is_empty(status: int) -> None:
    fred = Fred(mock_fetcher(serve(b"Bad Request", status)))
    with pytest.raises(EmptyResponseError, match=f"HTTP {status}"):
        fred.fetch_raw(q())


def test_keyless_chunks_are_one_request() -> None:
    handler = serve(fixture_bytes("fred/DGS10_observation_date.csv"))
    chunks = Fred(mock_fetcher(handler)).fetch_chunks(q())
    assert len(chunks) == 1
    assert len(handler.requests) == 1


# -- API v1 --------------------------------------------------------------------------------


def test_parse_api_vintages_keeps_realtime_start() -> None:
    frame = Fred.parse(fixture_bytes("fred/PAYEMS_api_vintages.json"), q(PAYEMS))
    assert_obs_frame(frame)
    jan = frame[frame["period"] == ts("2024-01-01")]
    assert jan["value"].tolist() == [157533.0, 157304.0, 157347.0]
    assert jan["published_at"].tolist() == [
        ts("2024-02-02 23:59"),
        ts("2024-03-08 23:59"),
        ts("2024-04-05 23:59"),
    ]
    march = frame[frame["period"] == ts("2024-03-01")]
    assert len(march) == 1 and math.isnan(march["value"].iloc[0])
    assert not frame.duplicated(["period", "published_at"]).any()


def test_parse_api_current_values_use_release_lag() -> None:
    spec = make_spec("fred:HQMCB10YR", "monthly", release_lag_days=30)
    query = FredQuery(spec=spec, today=TODAY, vintages=False)
    frame = Fred.parse(fixture_bytes("fred/HQMCB10YR_api_current.json"), query)
    assert frame["value"].tolist() == [4.98, 5.06, 5.00, 4.89, 5.04, 5.12]
    assert frame["published_at"].iloc[0] == ts("2023-03-02 23:59")  # Jan end + 30 days


def test_api_request_params_and_key_is_sent() -> None:
    handler = serve(fixture_bytes("fred/PAYEMS_api_vintages.json"))
    fred = Fred(mock_fetcher(handler), api_key=SecretStr(KEY))
    fred.fetch_raw(q(PAYEMS, start=dt.date(2024, 1, 1)))
    (request,) = handler.requests
    assert str(request.url).startswith(API_URL)
    params = dict(request.url.params)
    assert params == {
        "series_id": "PAYEMS",
        "api_key": KEY,
        "file_type": "json",
        "sort_order": "asc",
        "limit": "100000",
        "observation_start": "2024-01-01",
        "realtime_start": "2024-01-01",
        "realtime_end": "9999-12-31",
        "output_type": "1",
    }
    assert KEY not in repr(fred)


def test_api_full_history_window_starts_at_origin() -> None:
    handler = serve(fixture_bytes("fred/PAYEMS_api_vintages.json"))
    Fred(mock_fetcher(handler), api_key=SecretStr(KEY)).fetch_raw(q(PAYEMS))
    params = dict(handler.requests[0].url.params)
    assert "observation_start" not in params
    assert params["realtime_start"] == REALTIME_ORIGIN.isoformat() == "1776-07-04"


@pytest.mark.parametrize(
    "fixture", ["fred/api_error_api_key_not_set.json", "fred/api_error_api_key_not_registered.json"]
)
def test_api_key_errors_are_auth_errors_without_the_key(fixture: str) -> None:
    fred = Fred(mock_fetcher(serve(fixture_bytes(fixture), 400)), api_key=SecretStr(KEY))
    with pytest.raises(AuthError) as info:
        fred.fetch_raw(q())
    message = str(info.value)
    assert KEY not in message
    assert KEY_NAME in message and KEY_WEBSITE in message
    assert "api_key" in message


@pytest.mark.parametrize(
    ("fixture", "status"),
    [("fred/api_error_series_missing.json", 400), ("fred/api_error_series_missing_404.json", 404)],
)
def test_api_unknown_series_is_empty(fixture: str, status: int) -> None:
    fred = Fred(mock_fetcher(serve(fixture_bytes(fixture), status)), api_key=SecretStr(KEY))
    with pytest.raises(EmptyResponseError, match="series does not exist") as info:
        fred.fetch_raw(q())
    assert not isinstance(info.value, NotInAlfredError)
    assert KEY not in str(info.value)


def test_api_vintage_cap_raises_vintage_limit() -> None:
    fred = Fred(
        mock_fetcher(serve(fixture_bytes("fred/api_error_vintage_cap.json"), 400)), api_key=SecretStr(KEY)
    )
    with pytest.raises(VintageLimitError, match="maximum number of vintage dates") as info:
        fred.fetch_raw(q())
    assert info.value.vintage_count == 5090  # type: ignore[attr-defined]
    assert "1776-07-04..9999-12-31" in str(info.value)


def test_api_429_is_rate_limited_after_retries_and_hides_the_key() -> None:
    handler = serve(fixture_bytes("fred/api_429.json"), 429)
    fred = Fred(mock_fetcher(handler), api_key=SecretStr(KEY))
    with pytest.raises(RateLimitedError) as info:
        fred.fetch_raw(q())
    assert len(handler.requests) == 4
    assert KEY not in str(info.value)
    assert "api_key=REDACTED" in str(info.value)


def test_api_html_error_is_malformed() -> None:
    fred = Fred(mock_fetcher(serve(fixture_bytes("fred/html_error.html"), 403)), api_key=SecretStr(KEY))
    with pytest.raises(MalformedResponseError, match="HTML"):
        fred.fetch_raw(q())


def test_parse_api_error_body_and_empty_observations() -> None:
    with pytest.raises(AuthError):
        Fred.parse(fixture_bytes("fred/api_error_api_key_not_set.json"), q())
    empty = json.dumps({"count": 0, "offset": 0, "observations": []}).encode()
    with pytest.raises(EmptyResponseError, match="0 observations"):
        Fred.parse(empty, q())
    truncated = json.dumps(
        {
            "count": 3,
            "offset": 0,
            "limit": 1,
            "observations": [
                {
                    "realtime_start": "2024-01-02",
                    "realtime_end": "9999-12-31",
                    "date": "2024-01-01",
                    "value": "1",
                }
            ],
        }
    ).encode()
    with pytest.raises(MalformedResponseError, match="truncated"):
        Fred.parse(truncated, q())


# -- vintage-cap chunking ------------------------------------------------------------------

ALFRED_FIRST_VINTAGE = dt.date(2006, 1, 1)
VINTAGES_PER_DAY = 248 / 365  # a daily series gains about 248 vintages a year
CAP_BODY = fixture_bytes("fred/api_error_vintage_cap.json")
NOT_IN_ALFRED = fixture_bytes("fred/api_error_not_in_alfred.json")


def alfred_like(request: httpx.Request) -> httpx.Response:
    """A fake ALFRED for a daily series: enforces the cap and the coverage start.

    Each window answers with one observation dated at the window start and one
    observation first published before the window (its realtime_start clamped
    to the window start), as ALFRED does.
    """
    params = parse_qs(urlsplit(str(request.url)).query)
    start = dt.date.fromisoformat(params["realtime_start"][0])
    end_text = params["realtime_end"][0]
    end = TODAY if end_text == "9999-12-31" else dt.date.fromisoformat(end_text)
    if end < ALFRED_FIRST_VINTAGE:
        return httpx.Response(400, content=NOT_IN_ALFRED)
    vintages = (end - max(start, ALFRED_FIRST_VINTAGE)).days * VINTAGES_PER_DAY
    if vintages > 2000:
        return httpx.Response(400, content=CAP_BODY)
    window_start = max(start, ALFRED_FIRST_VINTAGE).isoformat()
    body = {
        "count": 2,
        "offset": 0,
        "observations": [
            {"realtime_start": window_start, "realtime_end": end_text, "date": "1962-01-02", "value": "4.06"},
            {"realtime_start": window_start, "realtime_end": end_text, "date": window_start, "value": "3.50"},
        ],
    }
    return httpx.Response(200, json=body)


def test_fetch_chunks_splits_on_the_cap_and_skips_pre_alfred_windows() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return alfred_like(request)

    fred = Fred(mock_fetcher(handler), api_key=SecretStr(KEY))
    chunks = fred.fetch_chunks(q())
    assert len(chunks) >= 3
    windows = [(c.realtime_start, c.realtime_end) for c, _ in chunks]
    # contiguous, ordered, non-overlapping windows ending open
    assert windows[-1][1] is None
    for (_, end), (nxt, _) in itertools.pairwise(windows):
        assert end is not None and nxt == end + dt.timedelta(days=1)
    # every window that was answered fits under the cap
    for c, _ in chunks:
        end = c.realtime_end or TODAY
        assert (
            end - max(c.realtime_start or REALTIME_ORIGIN, ALFRED_FIRST_VINTAGE)
        ).days * VINTAGES_PER_DAY <= 2000
    # the API key went with every request but never into a chunk query
    assert all(r.url.params["api_key"] == KEY for r in requests)

    frame = Fred.combine([Fred.parse(raw, cq) for cq, raw in chunks])
    assert_obs_frame(frame)
    old = frame[frame["period"] == ts("1962-01-02")]
    assert len(old) == 1  # clamped repeats of an unchanged value are dropped
    assert old["published_at"].iloc[0] == ts("2006-01-01 23:59")


def test_fetch_chunks_falls_back_to_current_values_when_not_in_alfred() -> None:
    responses = [
        httpx.Response(400, content=NOT_IN_ALFRED),
        httpx.Response(200, content=fixture_bytes("fred/HQMCB10YR_api_current.json")),
    ]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses.pop(0)

    spec = make_spec("fred:HQMCB10YR", "monthly", release_lag_days=30)
    fred = Fred(mock_fetcher(handler), api_key=SecretStr(KEY))
    chunks = fred.fetch_chunks(q(spec))
    assert len(chunks) == 1
    ((query, raw),) = chunks
    assert query.vintages is False
    assert "realtime_start" not in seen[1].url.params
    frame = Fred.parse(raw, query)
    assert frame["published_at"].iloc[0] == ts("2023-03-02 23:59")


def test_fetch_chunks_unknown_series_is_empty() -> None:
    responses = [
        httpx.Response(400, content=NOT_IN_ALFRED),
        httpx.Response(400, content=fixture_bytes("fred/api_error_series_missing.json")),
    ]
    fred = Fred(mock_fetcher(lambda r: responses.pop(0)), api_key=SecretStr(KEY))
    with pytest.raises(EmptyResponseError, match="series does not exist"):
        fred.fetch_chunks(q())


def test_split_halves_the_window() -> None:
    query = FredQuery(spec=DGS10, today=TODAY, realtime_start=dt.date(2020, 1, 1))
    first, second = Fred.split(query)
    assert first.realtime_start == dt.date(2020, 1, 1)
    assert first.realtime_end is not None and second.realtime_start == first.realtime_end + dt.timedelta(
        days=1
    )
    assert second.realtime_end is None
    one_day = FredQuery(spec=DGS10, today=TODAY, realtime_start=TODAY, realtime_end=TODAY)
    with pytest.raises(ValueError, match="cannot be split"):
        Fred.split(one_day)


def test_combine_drops_only_repeated_vintages() -> None:
    a = pd.DataFrame(
        {
            "period": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-02-01"]),
            "published_at": pd.to_datetime(["2020-02-07", "2020-03-06", "2020-03-06"]),
            "value": [1.0, 1.5, np.nan],
        }
    )
    b = pd.DataFrame(
        {
            "period": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-02-01"]),
            "published_at": pd.to_datetime(["2020-04-01", "2020-04-01", "2020-05-01"]),
            "value": [1.5, np.nan, 2.0],
        }
    )
    out = Fred.combine(
        [
            a.astype({"period": "datetime64[ns]", "published_at": "datetime64[ns]"}),
            b.astype({"period": "datetime64[ns]", "published_at": "datetime64[ns]"}),
        ]
    )
    assert out["published_at"].tolist() == [
        ts("2020-02-07"),
        ts("2020-03-06"),
        ts("2020-03-06"),
        ts("2020-05-01"),
    ]
    assert out["value"].tolist()[:2] == [1.0, 1.5]
    assert out["value"].iloc[3] == 2.0
    assert len(Fred.combine([])) == 0
