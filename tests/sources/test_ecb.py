"""ECB Data Portal: SDMX CSV by header name, empty 200, 404, period forms."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from stormwatch.catalog import SeriesSpec
from stormwatch.errors import EmptyResponseError, MalformedResponseError, SourceError
from stormwatch.sources.base import Query
from stormwatch.sources.ecb import BASE_URL, Ecb, parse_period

from ._helpers import assert_obs_frame, fixture_bytes, make_spec, mock_fetcher, serve, ts

EXR_D = make_spec("ecb:EXR/D.USD.EUR.SP00.A", "daily")
EXR_M = make_spec("ecb:EXR/M.USD.EUR.SP00.A", "monthly", release_lag_days=2)
TODAY = dt.date(2026, 9, 1)


def q(spec: SeriesSpec = EXR_D, start: dt.date | None = None) -> Query:
    return Query(spec=spec, start=start, today=TODAY)


def test_parse_dataonly() -> None:
    frame = Ecb.parse(fixture_bytes("ecb/EXR_D.USD.EUR.SP00.A_dataonly.csv"), q())
    assert_obs_frame(frame)
    assert frame["period"].tolist() == [
        ts(d) for d in ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"]
    ]
    assert frame["value"].tolist() == [1.0956, 1.0919, 1.0953, 1.0921, 1.0946]
    assert frame["published_at"].iloc[0] == ts("2024-01-02 23:59")


def test_parse_full_detail_monthly_with_quoted_commas_and_missing() -> None:
    frame = Ecb.parse(fixture_bytes("ecb/EXR_M.USD.EUR.SP00.A_full.csv"), q(EXR_M))
    assert_obs_frame(frame)
    assert frame["period"].tolist() == [
        ts("2024-01-01"),
        ts("2024-02-01"),
        ts("2024-03-01"),
        ts("2024-04-01"),
    ]
    assert frame["value"].iloc[:3].tolist() == [1.0905, 1.0795, 1.0872]
    assert math.isnan(frame["value"].iloc[3])
    assert frame["published_at"].iloc[0] == ts("2024-02-02 23:59")  # month end + 2 days


def test_empty_200_is_empty_response() -> None:
    with pytest.raises(EmptyResponseError, match="empty"):
        Ecb.parse(fixture_bytes("ecb/empty_200.csv"), q())
    with pytest.raises(EmptyResponseError, match="no rows"):
        Ecb.parse(b"KEY,FREQ,TIME_PERIOD,OBS_VALUE\r\n", q())


def test_wildcard_answer_is_refused() -> None:
    with pytest.raises(MalformedResponseError, match="2 series"):
        Ecb.parse(fixture_bytes("ecb/EXR_wildcard_two_series.csv"), q())


def test_bad_header_and_period() -> None:
    with pytest.raises(MalformedResponseError, match="OBS_VALUE"):
        Ecb.parse(b"KEY,TIME_PERIOD,VALUE\nX,2024-01-02,1.0\n", q())
    with pytest.raises(MalformedResponseError, match="TIME_PERIOD '2024-W03'"):
        Ecb.parse(b"TIME_PERIOD,OBS_VALUE\n2024-W03,1.0\n", q())
    with pytest.raises(MalformedResponseError, match="HTML"):
        Ecb.parse(b"<html><body>Request blocked.</body></html>", q())


def test_parse_period_forms() -> None:
    assert parse_period("2024-03-15") == ts("2024-03-15")
    assert parse_period("2024-03") == ts("2024-03-01")
    assert parse_period("2024-Q3") == ts("2024-07-01")
    assert parse_period("2024-S2") == ts("2024-07-01")
    assert parse_period("2024") == ts("2024-01-01")
    assert parse_period("2024-13") is None
    assert parse_period("March 2024") is None


def test_request_url_and_params() -> None:
    handler = serve(fixture_bytes("ecb/EXR_D.USD.EUR.SP00.A_dataonly.csv"))
    ecb = Ecb(mock_fetcher(handler))
    raw = ecb.fetch_raw(q(start=dt.date(2024, 1, 2)))
    (request,) = handler.requests
    assert str(request.url).split("?")[0] == f"{BASE_URL}/EXR/D.USD.EUR.SP00.A"
    assert dict(request.url.params) == {
        "format": "csvdata",
        "detail": "dataonly",
        "startPeriod": "2024-01-02",
    }
    assert len(Ecb.parse(raw, q())) == 5


def test_monthly_start_period() -> None:
    assert Ecb.start_period(q(EXR_M, dt.date(2024, 3, 15))) == "2024-03"
    quarterly = make_spec("ecb:MNA/Q.Y.I9.W2.S1.S1.B.B1GQ._Z._Z._Z.EUR.LR.N", "quarterly")
    assert Ecb.start_period(q(quarterly, dt.date(2024, 5, 1))) == "2024-Q2"
    assert Ecb.start_period(q()) is None


def test_404_is_empty_and_400_is_a_source_error() -> None:
    ecb = Ecb(mock_fetcher(serve(fixture_bytes("ecb/404_spring.json"), 404)))
    with pytest.raises(EmptyResponseError, match="HTTP 404"):
        ecb.fetch_raw(q())
    ecb = Ecb(mock_fetcher(serve(b"Syntax error", 400)))
    with pytest.raises(SourceError, match="HTTP 400"):
        ecb.fetch_raw(q())


def test_native_key_must_be_flow_slash_key() -> None:
    ecb = Ecb(mock_fetcher(serve(b"")))
    with pytest.raises(ValueError, match="FLOW/KEY"):
        ecb.fetch_raw(q(make_spec("ecb:EXR.D.USD.EUR.SP00.A")))


def test_frame_is_sorted_even_if_the_answer_is_not() -> None:
    raw = b"TIME_PERIOD,OBS_VALUE\n2024-01-03,2\n2024-01-02,1\n"
    frame = Ecb.parse(raw, q())
    assert frame["value"].tolist() == [1.0, 2.0]
    assert isinstance(frame, pd.DataFrame)
