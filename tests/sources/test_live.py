"""Live smoke tests against the real services: shape and dtypes only, never values.

Deselected by default; run with ``pytest -m live tests/sources/test_live.py``.
They need the network, so they also lift pytest-socket's block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from stormwatch.errors import RateLimitedError
from stormwatch.sources import (
    Cboe,
    Cftc,
    Ecb,
    Fred,
    French,
    HttpFetcher,
    Query,
    Tic,
    Yahoo,
    fetch_all,
    parse_all,
)

from ._helpers import assert_obs_frame, make_spec

pytestmark = [
    pytest.mark.live,
    pytest.mark.enable_socket,
    # belt and braces: skipped unless the run selects the marker (``-m live``)
    pytest.mark.skipif("'live' not in (config.getoption('markexpr') or '')", reason="live: run with -m live"),
]

TODAY = dt.date.today()


@pytest.fixture
def fetcher() -> Iterator[HttpFetcher]:
    with httpx.Client() as client:
        yield HttpFetcher(client)


def recent(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def check(frame: object, min_rows: int = 1) -> None:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    assert_obs_frame(frame)
    assert len(frame) >= min_rows
    assert frame["value"].notna().any()


def test_fred_keyless_csv_dgs10(fetcher: HttpFetcher) -> None:
    query = Query(spec=make_spec("fred:DGS10", release_lag_days=1), start=recent(60), today=TODAY)
    fred = Fred(fetcher)
    check(Fred.parse(fred.fetch_raw(query), query), min_rows=20)


def test_ecb_exr(fetcher: HttpFetcher) -> None:
    query = Query(spec=make_spec("ecb:EXR/D.USD.EUR.SP00.A"), start=recent(60), today=TODAY)
    ecb = Ecb(fetcher)
    check(parse_all(ecb, fetch_all(ecb, query)), min_rows=20)


def test_cftc_legacy_eur(fetcher: HttpFetcher) -> None:
    query = Query(spec=make_spec("cftc:099741:noncomm_net", "weekly"), start=recent(120), today=TODAY)
    cftc = Cftc(fetcher)
    check(Cftc.parse(cftc.fetch_raw(query), query), min_rows=8)


def test_cftc_tff_lev_money(fetcher: HttpFetcher) -> None:
    query = Query(spec=make_spec("cftc:099741:lev_money_net", "weekly"), start=recent(120), today=TODAY)
    cftc = Cftc(fetcher)
    check(Cftc.parse(cftc.fetch_raw(query), query), min_rows=8)


def test_french_five_factors_daily(fetcher: HttpFetcher) -> None:
    spec = make_spec("french:F-F_Research_Data_5_Factors_2x3_daily:Mkt-RF", release_lag_days=60)
    query = Query(spec=spec, start=dt.date(2020, 1, 1), today=TODAY)
    french = French(fetcher)
    raw = french.fetch_raw(query)
    check(French.parse(raw, query), min_rows=500)
    assert French.vintage(raw, query) is not None


def test_cboe_vix(fetcher: HttpFetcher) -> None:
    query = Query(spec=make_spec("cboe:VIX"), start=recent(60), today=TODAY)
    cboe = Cboe(fetcher)
    check(Cboe.parse(cboe.fetch_raw(query), query), min_rows=20)


def test_tic_table1_equity_net(fetcher: HttpFetcher) -> None:
    query = Query(spec=make_spec("tic:for_lt_eqty_net", "monthly", release_lag_days=48), today=TODAY)
    tic = Tic(fetcher)
    check(Tic.parse(tic.fetch_raw(query), query), min_rows=12)


def test_yahoo_vix(fetcher: HttpFetcher) -> None:
    query = Query(spec=make_spec("yahoo:^VIX"), start=recent(60), today=TODAY)
    yahoo = Yahoo(fetcher)
    try:
        raw = yahoo.fetch_raw(query)
    except RateLimitedError as exc:  # Yahoo answers 429 to whole hosts at times
        pytest.skip(str(exc))
    check(Yahoo.parse(raw, query), min_rows=20)
