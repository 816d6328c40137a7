"""CFTC COT via Socrata: SoQL request, string values, release time, error envelopes."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from pydantic import SecretStr

from stormwatch.catalog import SeriesSpec
from stormwatch.errors import EmptyResponseError, MalformedResponseError, SourceError
from stormwatch.sources.base import Query
from stormwatch.sources.cftc import BASE_URL, Cftc, release_time

from ._helpers import assert_obs_frame, fixture_bytes, make_spec, mock_fetcher, serve, ts

EUR = make_spec("cftc:099741:noncomm_net", "weekly")
AUD_LEV = make_spec("cftc:232741:lev_money_net", "weekly")
AUD_AM = make_spec("cftc:232741:asset_mgr_net", "weekly")
AUD_DEALER = make_spec("cftc:232741:dealer_net", "weekly")
TODAY = dt.date(2026, 9, 1)


def q(spec: SeriesSpec = EUR, start: dt.date | None = None) -> Query:
    return Query(spec=spec, start=start, today=TODAY)


def test_parse_legacy_noncomm_net() -> None:
    frame = Cftc.parse(fixture_bytes("cftc/legacy_099741_noncomm.json"), q())
    assert_obs_frame(frame)
    assert frame["period"].tolist() == [
        ts("2025-07-15"),
        ts("2025-07-22"),
        ts("2025-07-29"),
        ts("2025-08-05"),
    ]
    assert frame["value"].tolist() == [254866 - 124719, 257317 - 129085, 245680 - 127012, 241377 - 124215]
    # Tuesday as-of -> Friday 15:30 New York = 19:30 UTC in summer (EDT)
    assert frame["published_at"].tolist() == [
        ts("2025-07-18 19:30"),
        ts("2025-07-25 19:30"),
        ts("2025-08-01 19:30"),
        ts("2025-08-08 19:30"),
    ]


def test_parse_tff_fields_and_omitted_nulls() -> None:
    raw = fixture_bytes("cftc/tff_232741_full_rows.json")
    lev = Cftc.parse(raw, q(AUD_LEV))
    assert_obs_frame(lev)
    assert math.isnan(lev["value"].iloc[0])  # lev_money_positions_short omitted (null) on 2025-07-29
    assert lev["value"].iloc[1] == 19628 - 30092
    assert Cftc.parse(raw, q(AUD_AM))["value"].tolist() == [41206 - 99342, 40337 - 101819]
    assert Cftc.parse(raw, q(AUD_DEALER))["value"].tolist() == [67355 - 2410, 69127 - 2137]


def test_release_time_winter_and_summer() -> None:
    out = release_time(pd.DatetimeIndex(["2025-01-07", "2025-08-05"]))
    assert out.tolist() == [ts("2025-01-10 20:30"), ts("2025-08-08 19:30")]
    assert out.dtype == "datetime64[ns]"


def test_request_soql() -> None:
    handler = serve(fixture_bytes("cftc/legacy_099741_noncomm.json"))
    cftc = Cftc(mock_fetcher(handler), app_token=SecretStr("MOCK_APP_TOKEN"))
    cftc.fetch_raw(q(start=dt.date(2025, 7, 1)))
    (request,) = handler.requests
    assert str(request.url).split("?")[0] == f"{BASE_URL}/6dca-aqww.json"
    params = dict(request.url.params)
    assert params["$where"] == (
        "cftc_contract_market_code='099741' AND report_date_as_yyyy_mm_dd>='2025-07-01T00:00:00'"
    )
    assert params["$order"] == "report_date_as_yyyy_mm_dd ASC"
    assert params["$limit"] == "10000"
    assert params["$select"].split(",") == [
        "report_date_as_yyyy_mm_dd",
        "cftc_contract_market_code",
        "noncomm_positions_long_all",
        "noncomm_positions_short_all",
    ]
    assert request.headers["X-App-Token"] == "MOCK_APP_TOKEN"
    assert "MOCK_APP_TOKEN" not in repr(cftc)


def test_tff_fields_use_the_tff_dataset() -> None:
    url, params = Cftc(mock_fetcher(serve(b"[]"))).request_params(q(AUD_LEV))
    assert url.endswith("/gpe5-46if.json")
    assert "lev_money_positions_short" in params["$select"]
    assert params["$where"] == "cftc_contract_market_code='232741'"


def test_error_envelopes() -> None:
    cftc = Cftc(mock_fetcher(serve(fixture_bytes("cftc/error_400_soql.json"), 400)))
    with pytest.raises(MalformedResponseError, match="no-such-column"):
        cftc.fetch_raw(q())
    cftc = Cftc(mock_fetcher(serve(fixture_bytes("cftc/error_404_dataset.json"), 404)))
    with pytest.raises(EmptyResponseError, match=r"dataset\.missing"):
        cftc.fetch_raw(q())
    cftc = Cftc(mock_fetcher(serve(b"Forbidden", 403)))
    with pytest.raises(SourceError, match="HTTP 403"):
        cftc.fetch_raw(q())
    # an envelope that arrives with 200 is still an error
    with pytest.raises(MalformedResponseError, match="no-such-column"):
        Cftc.parse(fixture_bytes("cftc/error_400_soql.json"), q())


def test_empty_and_bad_bodies() -> None:
    with pytest.raises(EmptyResponseError, match="no reports for contract 099741"):
        Cftc.parse(fixture_bytes("cftc/empty.json"), q())
    with pytest.raises(EmptyResponseError):
        Cftc.parse(b"", q())
    with pytest.raises(MalformedResponseError, match="HTML"):
        Cftc.parse(fixture_bytes("fred/html_error.html"), q())
    other = b'[{"report_date_as_yyyy_mm_dd":"2025-08-05T00:00:00.000","cftc_contract_market_code":"097741"}]'
    with pytest.raises(MalformedResponseError, match="'097741'"):
        Cftc.parse(other, q())


def test_trailing_spaces_in_codes_and_duplicate_dates() -> None:
    row = (
        '{"report_date_as_yyyy_mm_dd":"2025-08-05T00:00:00.000","cftc_contract_market_code":"099741 ",'
        '"noncomm_positions_long_all":"10","noncomm_positions_short_all":"4"}'
    )
    assert Cftc.parse(f"[{row}]".encode(), q())["value"].tolist() == [6.0]
    with pytest.raises(MalformedResponseError, match="several rows"):
        Cftc.parse(f"[{row},{row}]".encode(), q())


def test_native_key_validation() -> None:
    with pytest.raises(ValueError, match="field one of"):
        Cftc(mock_fetcher(serve(b"[]"))).request_params(q(make_spec("cftc:099741:net")))
