"""Treasury TIC slt_table1: machine header, Grand Total rows, n.a., footnotes."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from stormwatch.catalog import SeriesSpec
from stormwatch.errors import EmptyResponseError, MalformedResponseError
from stormwatch.sources.base import Query
from stormwatch.sources.tic import BASE_URL, Tic

from ._helpers import assert_obs_frame, fixture_bytes, make_spec, mock_fetcher, serve, ts

EQTY = make_spec("tic:for_lt_eqty_net", "monthly", release_lag_days=48)
TODAY = dt.date(2026, 5, 1)
RAW = fixture_bytes("tic/slt_table1.txt")


def q(spec: SeriesSpec = EQTY, start: dt.date | None = None) -> Query:
    return Query(spec=spec, start=start, today=TODAY)


def test_grand_total_equity_net() -> None:
    frame = Tic.parse(RAW, q())
    assert_obs_frame(frame)
    assert frame["period"].tolist() == [ts("2025-12-01"), ts("2026-01-01"), ts("2026-02-01")]
    assert frame["value"].tolist() == [-7115.0, 14736.0, 18131.0]
    # end of February + 48 days, end of day
    assert frame["published_at"].iloc[2] == ts("2026-04-17 23:59")


def test_other_columns_and_n_a() -> None:
    agcy = Tic.parse(RAW, q(make_spec("tic:slt_table1:for_lt_agcy_net", "monthly")))
    assert math.isnan(agcy["value"].iloc[0])
    assert agcy["value"].iloc[1:].tolist() == [2320.0, 6104.0]
    total = Tic.parse(RAW, q(make_spec("tic:for_lt_total_pos", "monthly")))
    assert total["value"].iloc[-1] == 33817562.0


def test_start_filters_whole_months() -> None:
    frame = Tic.parse(RAW, q(start=dt.date(2026, 1, 15)))
    assert frame["period"].tolist() == [ts("2026-01-01"), ts("2026-02-01")]


def test_errors() -> None:
    with pytest.raises(MalformedResponseError, match="for_lt_eqty_nett"):
        Tic.parse(RAW, q(make_spec("tic:for_lt_eqty_nett", "monthly")))
    with pytest.raises(MalformedResponseError, match="machine header"):
        Tic.parse(b"Table 1\nMillions of dollars\n\nCountry\tCountry Code\n", q())
    with pytest.raises(MalformedResponseError, match="HTML"):
        Tic.parse(fixture_bytes("tic/snetus_404.html"), q())
    with pytest.raises(EmptyResponseError):
        Tic.parse(b"", q())
    no_total = b"country\tcountry_code\tdate\tfor_lt_eqty_net\nJapan\t42609\t2026-02\t4436\n\nnotes\n"
    with pytest.raises(EmptyResponseError, match="Grand Total"):
        Tic.parse(no_total, q())
    bad_date = b"country\tcountry_code\tdate\tfor_lt_eqty_net\nGrand Total\t99996\tFeb 2026\t4436\n"
    with pytest.raises(MalformedResponseError, match="unreadable dates"):
        Tic.parse(bad_date, q())


def test_fetch_url_and_404() -> None:
    handler = serve(RAW)
    Tic(mock_fetcher(handler)).fetch_raw(q())
    assert str(handler.requests[0].url) == f"{BASE_URL}/slt_table1.txt"
    tic = Tic(mock_fetcher(serve(fixture_bytes("tic/snetus_404.html"), 404)))
    with pytest.raises(EmptyResponseError, match="HTTP 404"):
        tic.fetch_raw(q(make_spec("tic:slt_table3:for_treas_pos", "monthly")))
