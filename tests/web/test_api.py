"""The JSON API over real HTTP: what it answers, what it refuses, and that it never holds the store."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from stormwatch.catalog import Catalog
from stormwatch.signals import registry
from stormwatch.store import Store
from stormwatch.web import AssessmentCache, StoreUnavailableError, store_stamp

from .conftest import NOW, LiveServer, fixed_clock


def get(server: LiveServer, path: str, **kw: Any) -> httpx.Response:
    return httpx.get(f"{server.base}{path}", timeout=60, **kw)


def test_health_and_level(live_server: LiveServer) -> None:
    health = get(live_server, "/health").json()
    assert health["status"] == "ok" and health["store_present"] is True
    assert health["as_of"] == "2019-12-31"
    level = get(live_server, "/api/level").json()
    assert level["as_of"] == "2019-12-31"
    assert 0 <= level["level"] <= 4 and level["level_name"] in (
        "Calm",
        "Watch",
        "Warning",
        "Storm",
        "Endgame",
    )
    assert level["computed_at"] == NOW.isoformat() + "Z" and level["stale"] is False
    last = get(live_server, "/api/history?start=2019-12-31").json()["rows"]
    assert [r["date"] for r in last] == ["2019-12-31"]
    assert last[0]["level"] == level["level"] and last[0]["score"] == pytest.approx(level["score"], abs=0.01)


def test_signals_carry_their_declarations(live_server: LiveServer) -> None:
    signals = get(live_server, "/api/signals").json()
    specs = registry()
    assert {s["id"] for s in signals} == set(live_server.app.state.cache.current.assessment.results)
    checklist = [s for s in signals if s["kind"] == "checklist"]
    assert [s["checklist_item"] for s in checklist] == [1, 2, 3, 4, 5, 6]
    for s in signals:
        spec = specs[s["id"]]
        assert s["title"] == spec.title and s["rationale"] == spec.rationale
        assert {k: v["reason"] for k, v in s["params"].items()} == {
            k: p.reason for k, p in spec.params.items()
        }
        assert s["state"] in ("off", "watch", "on", "unknown")
    one = get(live_server, "/api/signals/dollar_falls_with_equities").json()
    assert one["checklist_item"] == 3
    assert get(live_server, "/api/signals/no_such_signal").status_code == 404
    assert get(live_server, "/api/signals/DROP%20TABLE").status_code == 422


def test_history_range_and_validation(live_server: LiveServer) -> None:
    dec = get(live_server, "/api/history", params={"start": "2019-12-02", "end": "2019-12-31"}).json()
    assert len(dec["rows"]) == len(pd.bdate_range("2019-12-02", "2019-12-31"))
    assert set(dec["rows"][0]["states"]) >= {"dollar_down_vol_up", "fed_put_fails"}
    assert (
        get(live_server, "/api/history", params={"start": "2019-12-31", "end": "2019-12-01"}).status_code
        == 422
    )
    assert get(live_server, "/api/history", params={"start": "yesterday"}).status_code == 422
    assert get(live_server, "/api/history", params={"start": "9999-01-01"}).json()["rows"] == []
    assert len(get(live_server, "/api/history", params={"end": "0001-01-01"}).json()["rows"]) == 0


def test_series_reads_only_catalog_ids(live_server: LiveServer) -> None:
    dgs10 = get(live_server, "/api/series/fred:DGS10", params={"start": "2019-12-27"}).json()
    assert [o["period"] for o in dgs10["observations"]] == ["2019-12-27", "2019-12-30", "2019-12-31"]
    assert [o["value"] for o in dgs10["observations"]] == [1.88, 1.9, 1.92]
    eur = get(live_server, "/api/series/ecb:EXR%2FD.USD.EUR.SP00.A", params={"start": "2019-12-31"}).json()
    assert eur["id"] == "ecb:EXR/D.USD.EUR.SP00.A" and eur["observations"][0]["value"] == pytest.approx(
        1.1234
    )
    for bad in (
        "fred:NOPE",
        "fred:DGS10'%20OR%201=1--",
        "fred:..%2F..%2Fetc%2Fpasswd",
        "..%2F..%2Fetc%2Fpasswd",
    ):
        assert get(live_server, f"/api/series/{bad}").status_code in (404, 422), bad


def test_read_only_and_host_checked(live_server: LiveServer) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert httpx.request(method, f"{live_server.base}/api/level", timeout=10).status_code == 405
    assert get(live_server, "/api/level", headers={"Host": "attacker.example"}).status_code == 400
    assert get(live_server, "/api/level", headers={"Host": "localhost:1"}).status_code == 200
    r = get(live_server, "/api/level")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert get(live_server, "/docs").status_code == 404  # the CDN-loading docs UI is not mounted
    spec = get(live_server, "/openapi.json").json()
    assert {"/api/level", "/api/signals", "/api/history", "/api/series/{series_id}", "/health"} <= set(
        spec["paths"]
    )
    assert all(set(ops) == {"get"} for ops in spec["paths"].values())


def test_server_holds_no_lock_on_the_store(live_server: LiveServer) -> None:
    """While the dashboard is up, another process can open the store for writing."""
    assert get(live_server, "/api/level").status_code == 200
    code = textwrap.dedent(
        f"""
        import duckdb
        con = duckdb.connect({str(live_server.store)!r})
        print(con.execute("SELECT count(*) FROM observations").fetchone()[0])
        con.close()
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 100_000


# -- the cache, on a store of its own ---------------------------------------------------------------


def _count_rows(store: Store, catalog: Catalog) -> Any:
    return len(store.load())  # stands in for an assessment: what the cache read


def test_cache_recomputes_when_the_store_changes_and_serves_stale_while_written(
    tmp_path: Path, catalog: Catalog
) -> None:
    path = tmp_path / "s.duckdb"
    frame = pd.DataFrame(
        {
            "period": pd.to_datetime(["2020-01-02", "2020-01-03"]),
            "published_at": pd.to_datetime(["2020-01-02 23:59", "2020-01-03 23:59"]),
            "value": [1.0, 2.0],
        }
    )
    cache = AssessmentCache(path, catalog, clock=fixed_clock, assess_fn=_count_rows)
    with pytest.raises(StoreUnavailableError, match="no store"):
        cache.get()
    with Store.open(path) as st:
        st.write("fred:DGS10", frame.iloc[:1], fetched_at=dt.datetime(2020, 1, 3))
    assert cache.get().assessment == 1 and cache.computations == 1
    assert cache.get().assessment == 1 and cache.computations == 1  # unchanged file: no work
    with Store.open(path) as st:  # the cache holds no lock: a writer gets in
        st.write("fred:DGS10", frame, fetched_at=dt.datetime(2020, 1, 4))
    assert cache.get().assessment == 2 and cache.computations == 2

    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(path)!r})
            con.execute("INSERT INTO meta VALUES ('busy', 'yes')")
            con.execute("CHECKPOINT")
            print("ready", flush=True)
            time.sleep(60)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    ) as writer:
        try:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
            snap = cache.get()
            assert snap.assessment == 2 and "being written" in snap.stale_note
        finally:
            writer.kill()
    assert store_stamp(path) is not None
    fresh = cache.get()
    assert fresh.stale_note == "" and cache.computations == 3

    shutil.move(path, tmp_path / "elsewhere.duckdb")
    gone = cache.get()
    assert gone.assessment == 2 and "gone" in gone.stale_note
