"""Connectors over real sockets: a ThreadingHTTPServer on 127.0.0.1 and a real httpx.Client."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from stormwatch.errors import SourceUnavailableError
from stormwatch.sources import Ecb, Fred, HttpFetcher, Query, RetryPolicy

from ._helpers import FakeClock, assert_obs_frame, fixture_bytes, make_spec, ts


@dataclass
class Route:
    """What the server answers on one path: a list of (status, body, delay seconds), the last repeating."""

    answers: list[tuple[int, bytes, float]]
    seen: list[dict[str, list[str]]] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)


class Server:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                route = routes.get(parts.path)
                if route is None:
                    self.send_error(404)
                    return
                route.seen.append(parse_qs(parts.query))
                route.agents.append(self.headers.get("User-Agent", ""))
                status, body, delay = route.answers[0] if len(route.answers) == 1 else route.answers.pop(0)
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/csv")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                    pass

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()
        srv.thread.join(timeout=5)


def real_fetcher(client: httpx.Client, clock: FakeClock, **kwargs: object) -> HttpFetcher:
    return HttpFetcher(client, sleep=clock.sleep, clock=clock, jitter=lambda b: b, **kwargs)  # type: ignore[arg-type]


def test_fred_csv_over_a_real_socket(server: Server) -> None:
    route = Route([(200, fixture_bytes("fred/DGS10_observation_date.csv"), 0.0)])
    server.routes["/graph/fredgraph.csv"] = route
    spec = make_spec("fred:DGS10", release_lag_days=1)
    query = Query(spec=spec, start=dt.date(2024, 12, 16), today=dt.date(2025, 1, 2))
    with httpx.Client() as client:
        fred = Fred(real_fetcher(client, FakeClock()), csv_url=f"{server.base}/graph/fredgraph.csv")
        raw = fred.fetch_raw(query)
    assert route.seen == [{"id": ["DGS10"], "cosd": ["2024-12-16"]}]
    assert route.agents[0].startswith("stormwatch/")
    frame = Fred.parse(raw, query)
    assert_obs_frame(frame)
    assert frame["value"].iloc[0] == 4.39


def test_real_503_then_200_is_retried(server: Server) -> None:
    body = fixture_bytes("ecb/EXR_D.USD.EUR.SP00.A_dataonly.csv")
    route = Route([(503, b"Service Unavailable", 0.0), (200, body, 0.0)])
    server.routes["/service/data/EXR/D.USD.EUR.SP00.A"] = route
    clock = FakeClock()
    query = Query(spec=make_spec("ecb:EXR/D.USD.EUR.SP00.A"), today=dt.date(2024, 2, 1))
    with httpx.Client() as client:
        ecb = Ecb(real_fetcher(client, clock), base_url=f"{server.base}/service/data")
        frame = Ecb.parse(ecb.fetch_raw(query), query)
    assert len(route.seen) == 2
    assert clock.sleeps == [1.0]
    assert frame["period"].iloc[-1] == ts("2024-01-08")


def test_real_read_timeout_is_retried(server: Server) -> None:
    body = fixture_bytes("ecb/EXR_D.USD.EUR.SP00.A_dataonly.csv")
    route = Route([(200, body, 1.0), (200, body, 0.0)])
    server.routes["/service/data/EXR/D.USD.EUR.SP00.A"] = route
    clock = FakeClock()
    query = Query(spec=make_spec("ecb:EXR/D.USD.EUR.SP00.A"), today=dt.date(2024, 2, 1))
    with httpx.Client() as client:
        fetcher = real_fetcher(client, clock, read_timeout=0.2)
        ecb = Ecb(fetcher, base_url=f"{server.base}/service/data")
        assert len(Ecb.parse(ecb.fetch_raw(query), query)) == 5
    assert len(route.seen) == 2
    assert clock.sleeps == [1.0]


def test_real_connection_refused_exhausts_retries() -> None:
    # bind a port, then close it so nothing listens there
    srv = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = srv.server_address[1]
    srv.server_close()
    clock = FakeClock()
    query = Query(spec=make_spec("ecb:EXR/D.USD.EUR.SP00.A"), today=dt.date(2024, 2, 1))
    with httpx.Client() as client:
        fetcher = real_fetcher(client, clock, retry=RetryPolicy(max_attempts=2))
        ecb = Ecb(fetcher, base_url=f"http://127.0.0.1:{port}/service/data")
        with pytest.raises(SourceUnavailableError, match="ConnectError"):
            ecb.fetch_raw(query)
    assert clock.sleeps == [1.0]
