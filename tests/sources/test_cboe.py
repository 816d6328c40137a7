"""Cboe index history CSVs: MM/DD/YYYY, CLOSE or the symbol column."""

from __future__ import annotations

import datetime as dt

import pytest

from stormwatch.errors import EmptyResponseError, MalformedResponseError
from stormwatch.sources.base import Query
from stormwatch.sources.cboe import BASE_URL, Cboe

from ._helpers import assert_obs_frame, fixture_bytes, make_spec, mock_fetcher, serve, ts

TODAY = dt.date(2026, 9, 2)


def q(symbol: str, start: dt.date | None = None) -> Query:
    return Query(spec=make_spec(f"cboe:{symbol}", "daily"), start=start, today=TODAY)


def test_vix_close() -> None:
    frame = Cboe.parse(fixture_bytes("cboe/VIX_History.csv"), q("VIX"))
    assert_obs_frame(frame)
    assert frame["period"].iloc[0] == ts("1990-01-02")
    assert frame["value"].iloc[0] == 17.24
    assert frame["period"].iloc[-1] == ts("2026-07-02")
    assert frame["value"].iloc[-1] == 16.15
    assert frame["published_at"].iloc[-1] == ts("2026-07-02 23:59")


def test_single_value_column_named_like_the_symbol() -> None:
    frame = Cboe.parse(fixture_bytes("cboe/SKEW_History.csv"), q("SKEW"))
    assert frame["value"].iloc[-1] == 149.77
    assert frame["period"].iloc[-1] == ts("2026-08-28")


def test_start_filter_and_errors() -> None:
    frame = Cboe.parse(fixture_bytes("cboe/VIX_History.csv"), q("VIX", start=dt.date(2026, 7, 1)))
    assert frame["value"].tolist() == [17.21, 16.15]
    with pytest.raises(MalformedResponseError, match="'CLOSE' or 'VVIX'"):
        Cboe.parse(fixture_bytes("cboe/SKEW_History.csv"), q("VVIX"))
    with pytest.raises(MalformedResponseError, match="unreadable dates"):
        Cboe.parse(b"DATE,CLOSE\n2026-07-02,16.15\n", q("VIX"))
    with pytest.raises(MalformedResponseError, match="HTML"):
        Cboe.parse(fixture_bytes("fred/html_error.html"), q("VIX"))
    with pytest.raises(EmptyResponseError):
        Cboe.parse(b"DATE,OPEN,HIGH,LOW,CLOSE\n", q("VIX"))


def test_fetch_url_and_unknown_symbol() -> None:
    handler = serve(fixture_bytes("cboe/VIX_History.csv"))
    Cboe(mock_fetcher(handler)).fetch_raw(q("vix3m"))
    assert str(handler.requests[0].url) == f"{BASE_URL}/VIX3M_History.csv"
    cboe = Cboe(mock_fetcher(serve(fixture_bytes("cboe/access_denied.xml"), 403)))
    with pytest.raises(EmptyResponseError, match="HTTP 403"):
        cboe.fetch_raw(q("NOPE"))
