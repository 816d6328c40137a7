"""The package surface: registry, build_source, fetch_all/parse_all, __all__."""

from __future__ import annotations

import datetime as dt
import importlib

import httpx
import pytest
from pydantic import SecretStr

import stormwatch.sources as sources
from stormwatch.errors import ConfigError
from stormwatch.sources import (
    Cftc,
    Ecb,
    Fred,
    Local,
    Query,
    build_source,
    fetch_all,
    parse_all,
    registered_sources,
)

from ._helpers import DATA, assert_obs_frame, fixture_bytes, make_spec, mock_fetcher, serve

EXPECTED = {"cboe", "cftc", "ecb", "fred", "french", "local", "tic", "yahoo"}
MODULES = ["cboe", "cftc", "ecb", "fred", "french", "local", "tic", "yahoo", "http", "fetch", "_sniff"]


def test_every_connector_is_registered_with_a_website() -> None:
    reg = registered_sources()
    assert set(reg) >= EXPECTED
    for name in EXPECTED:
        info = reg[name]
        assert info.website
        assert getattr(info.factory, "name", None) == name
        assert callable(getattr(info.factory, "fetch_raw", None))
        assert callable(getattr(info.factory, "parse", None))
    assert reg["fred"].credentials == ("api_key",)
    with pytest.raises(TypeError):
        reg["x"] = reg["fred"]  # type: ignore[index]


def test_all_is_complete_and_resolves() -> None:
    for name in sources.__all__:
        assert hasattr(sources, name), name
    assert sources.__all__ == sorted(sources.__all__, key=lambda s: (not s[0].isupper(), s))
    exported = set(sources.__all__)
    for name in EXPECTED:
        assert registered_sources()[name].factory.__name__ in exported
    for module in MODULES:
        mod = importlib.import_module(f"stormwatch.sources.{module}")
        for name in mod.__all__:
            assert hasattr(mod, name), f"{module}.{name}"


def test_build_source_passes_only_its_own_credentials() -> None:
    fetcher = mock_fetcher(serve(b""))
    secrets = {"fred_api_key": SecretStr("MOCK_API_KEY"), "cftc_app_token": SecretStr("MOCK_TOKEN")}
    fred = build_source("fred", fetcher, secrets)
    assert isinstance(fred, Fred) and fred.keyed
    assert "MOCK_API_KEY" not in repr(fred)
    assert not build_source("fred", fetcher, {}).keyed  # type: ignore[attr-defined]
    assert build_source("fred", fetcher, {"FRED_API_KEY": SecretStr("MOCK_API_KEY")}).keyed  # type: ignore[attr-defined]
    cftc = build_source("cftc", fetcher, secrets)
    assert isinstance(cftc, Cftc)
    assert isinstance(build_source("ecb", fetcher, secrets), Ecb)
    local = build_source("local", fetcher, directory=DATA / "local")
    assert isinstance(local, Local) and local.directory == DATA / "local"
    with pytest.raises(ConfigError, match="unknown source 'nope'"):
        build_source("nope", fetcher)


def test_fetch_all_and_parse_all_single_request_source() -> None:
    handler = serve(fixture_bytes("ecb/EXR_D.USD.EUR.SP00.A_dataonly.csv"))
    ecb = build_source("ecb", mock_fetcher(handler))
    query = Query(spec=make_spec("ecb:EXR/D.USD.EUR.SP00.A"), today=dt.date(2024, 2, 1))
    chunks = fetch_all(ecb, query)
    assert [c[0] for c in chunks] == [query]
    frame = parse_all(ecb, chunks)
    assert_obs_frame(frame)
    assert len(frame) == 5
    with pytest.raises(ValueError, match="at least one"):
        parse_all(ecb, [])


def test_fetch_all_and_parse_all_fred_vintage_chunks() -> None:
    """Two real-time windows: the first answers with the cap, so the connector splits it."""
    cap = fixture_bytes("fred/api_error_vintage_cap.json")
    first = {
        "count": 1,
        "offset": 0,
        "observations": [
            {
                "realtime_start": "2015-01-05",
                "realtime_end": "2020-01-02",
                "date": "2015-01-02",
                "value": "2.12",
            }
        ],
    }
    second = {
        "count": 2,
        "offset": 0,
        "observations": [
            {
                "realtime_start": "2020-01-03",
                "realtime_end": "9999-12-31",
                "date": "2015-01-02",
                "value": "2.12",
            },
            {
                "realtime_start": "2020-01-03",
                "realtime_end": "9999-12-31",
                "date": "2020-01-02",
                "value": "1.88",
            },
        ],
    }
    answers = [
        httpx.Response(400, content=cap),
        httpx.Response(200, json=first),
        httpx.Response(200, json=second),
    ]
    fred = build_source(
        "fred", mock_fetcher(lambda r: answers.pop(0)), {"fred_api_key": SecretStr("MOCK_API_KEY")}
    )
    query = Query(
        spec=make_spec("fred:DGS10", release_lag_days=1),
        start=dt.date(2015, 1, 1),
        today=dt.date(2024, 12, 31),
    )
    chunks = fetch_all(fred, query)
    assert len(chunks) == 2
    frame = parse_all(fred, chunks)
    assert_obs_frame(frame)
    assert frame["value"].tolist() == [2.12, 1.88]  # the clamped repeat of 2015-01-02 is dropped
    assert frame["published_at"].dt.date.astype(str).tolist() == ["2015-01-05", "2020-01-03"]
