"""`ingest.update` end to end: real FRED connector, real HTTP server on loopback, real store."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import httpx
import pandas as pd
import pytest

from stormwatch.catalog import Catalog
from stormwatch.ingest import update
from stormwatch.sources import Fred, HttpFetcher, RetryPolicy
from stormwatch.store import Store

NOW = dt.datetime(2020, 1, 10, 12)
TODAY = NOW.date()


class FredLike(BaseHTTPRequestHandler):
    """Serves fredgraph.csv the way FRED does; behaviour per series set by the test."""

    bodies: ClassVar[dict[str, tuple[int, str, str]]] = {}
    seen: ClassVar[list[dict[str, list[str]]]] = []

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        type(self).seen.append(query)
        status, ctype, body = type(self).bodies.get(query["id"][0], (404, "text/html", "<html>no</html>"))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[str]:
    FredLike.bodies = {}
    FredLike.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FredLike)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/graph/fredgraph.csv"
    finally:
        httpd.shutdown()
        httpd.server_close()


def csv(native: str, rows: list[tuple[str, str]]) -> tuple[int, str, str]:
    lines = [f"observation_date,{native}"] + [f"{d},{v}" for d, v in rows]
    return 200, "text/csv", "\n".join(lines) + "\n"


def run_update(url: str, store: Store, catalog: Catalog, ids: list[str]) -> dict[str, tuple[str, str]]:
    with httpx.Client() as client:
        fetcher = HttpFetcher(client, retry=RetryPolicy(max_attempts=2), sleep=lambda s: None)
        fred = Fred(fetcher, csv_url=url)
        report = update(store, catalog, {"fred": fred}, now=NOW, today=TODAY, ids=ids, max_workers=2)
    return {s.series_id: (s.status, s.detail) for s in report.statuses}


def test_update_is_incremental_idempotent_and_isolates_failures(
    server: str, tmp_path: Path, catalog: Catalog
) -> None:
    FredLike.bodies = {
        "DGS10": csv("DGS10", [("2020-01-02", "1.88"), ("2020-01-03", "1.80"), ("2020-01-06", "")]),
        "DGS2": csv("DGS2", [("2020-01-02", "1.58"), ("2020-01-03", ".")]),
        "DFF": (200, "text/html", "<!DOCTYPE html><html><body>Service temporarily down</body></html>"),
    }
    ids = ["fred:DGS10", "fred:DGS2", "fred:DFF"]
    with Store.open(tmp_path / "s.duckdb") as store:
        first = run_update(server, store, catalog, ids)
        assert first["fred:DGS10"][0] == "updated" and "2 new" in first["fred:DGS10"][1]
        assert first["fred:DGS2"][0] == "updated"
        assert first["fred:DFF"][0] == "failed" and "HTML" in first["fred:DFF"][1]
        assert store.load_series("fred:DGS10").tolist() == [1.88, 1.80]
        assert "fred:DFF" not in store.series_ids()
        before = store.fingerprint()

        # Second run: same data -> unchanged, nothing written; requests start near the last period.
        FredLike.seen.clear()
        second = run_update(server, store, catalog, ids)
        assert second["fred:DGS10"][0] == "unchanged"
        pd.testing.assert_frame_equal(before, store.fingerprint())
        cosd = {q["id"][0]: q.get("cosd", [None])[0] for q in FredLike.seen}
        assert cosd["DGS10"] is not None and cosd["DGS10"] <= "2020-01-03"
        assert cosd["DFF"] is None  # nothing stored yet: full history

        # A revision is appended as a new vintage, dated when it was seen.
        FredLike.bodies["DGS10"] = csv("DGS10", [("2020-01-03", "1.81"), ("2020-01-06", "1.81")])
        third = run_update(server, store, catalog, ids)
        assert third["fred:DGS10"] == ("updated", "1 new, 1 revised")
        vint = store.vintages("fred:DGS10")
        assert len(vint[vint["period"] == pd.Timestamp("2020-01-03")]) == 2
        # Before it was fetched, the old value of 2020-01-03 is what was known.
        assert store.load_series("fred:DGS10", as_of=pd.Timestamp("2020-01-09")).tolist() == [
            1.88,
            1.80,
            1.81,
        ]
        assert store.load_series("fred:DGS10").tolist() == [1.88, 1.81, 1.81]

        # Every series has a recorded status for the run.
        statuses = store.last_statuses()
        assert set(statuses["series_id"]) == set(ids)


def test_bad_data_never_overwrites_good(server: str, tmp_path: Path, catalog: Catalog) -> None:
    FredLike.bodies = {"DGS10": csv("DGS10", [("2020-01-02", "1.88"), ("2020-01-03", "1.80")])}
    with Store.open(tmp_path / "s.duckdb") as store:
        run_update(server, store, catalog, ["fred:DGS10"])
        before = store.fingerprint()
        for bad in (
            (200, "text/csv", ""),
            (200, "text/csv", "observation_date,DGS10\n2020-01-06,abc\n"),
            (200, "text/csv", "observation_date,DGS10\n2020-01-06,1.8\n2020-01-06,1.9\n"),
            (200, "text/csv", "observation_date,DGS10\n2020-01-06,9.80\n"),  # 8 pp jump
            (503, "text/plain", "unavailable"),
        ):
            FredLike.bodies["DGS10"] = bad
            status = run_update(server, store, catalog, ["fred:DGS10"])["fred:DGS10"]
            assert status[0] == "failed", (bad, status)
            pd.testing.assert_frame_equal(before, store.fingerprint())


def test_an_unreachable_source_is_given_up_after_three_failures(tmp_path: Path, catalog: Catalog) -> None:
    """Nothing listens on the port: the first series wait out their retries, the rest are skipped."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/graph/fredgraph.csv"
    ids = ["fred:DGS10", "fred:DGS2", "fred:DGS5", "fred:DGS30", "fred:DFF", "fred:T10Y2Y"]
    with Store.open(tmp_path / "s.duckdb") as store, httpx.Client() as client:
        fetcher = HttpFetcher(client, retry=RetryPolicy(max_attempts=2), sleep=lambda s: None)
        report = update(
            store,
            catalog,
            {"fred": Fred(fetcher, csv_url=dead)},
            now=NOW,
            today=TODAY,
            ids=ids,
            max_workers=1,
        )
    assert [s.status for s in report.statuses] == ["failed"] * len(ids)
    skipped = [s for s in report.statuses if "skipped" in s.detail]
    assert len(skipped) == len(ids) - 3
    assert all("--offline" in s.detail for s in report.statuses)
