"""Binding beyond loopback needs a token; with a token every route but /health needs it."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

import stormwatch.cli.serve  # noqa: F401  (registers `stormwatch serve`)
from stormwatch.catalog import Catalog
from stormwatch.errors import ConfigError
from stormwatch.web import WebSettings, build_server, check_bind, create_app, is_loopback
from tests.cli_helpers import run_cli

from .conftest import fixed_clock

TOKEN = "t0ken-that-is-long-enough-42"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_needs_no_token(host: str) -> None:
    assert is_loopback(host)
    check_bind(host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.org"])
def test_other_hosts_are_refused_without_a_token(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(ConfigError, match="--token or set STORMWATCH_TOKEN"):
        check_bind(host, None)
    check_bind(host, TOKEN)


def test_a_short_token_is_refused() -> None:
    with pytest.raises(ConfigError, match="at least 16"):
        check_bind("0.0.0.0", "short")


def test_serve_refuses_to_start_on_all_interfaces_without_a_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("STORMWATCH_TOKEN", raising=False)
    res = run_cli(capsys, "serve", "--host", "0.0.0.0", "--port", "0", "--store", str(tmp_path / "x.duckdb"))
    assert res.code == 1
    assert "binding to 0.0.0.0 would expose the dashboard" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 or "error:" in res.stderr.splitlines()[0]


def test_build_server_checks_before_binding(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(ConfigError):
        build_server(tmp_path / "x.duckdb", catalog, host="0.0.0.0", port=0, clock=fixed_clock)
    server = build_server(
        tmp_path / "x.duckdb", catalog, host="0.0.0.0", port=0, clock=fixed_clock, token=TOKEN
    )
    assert not server.started  # built, not bound


async def _acall(app: FastAPI, path: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path, headers=headers)


def _call(app: FastAPI, path: str, token: str | None) -> httpx.Response:
    # On a worker thread with its own loop: Playwright's sync API may hold a loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(_acall(app, path, token))).result()


@pytest.fixture
def token_app(tmp_path: Path, catalog: Catalog) -> FastAPI:
    return create_app(tmp_path / "none.duckdb", catalog, WebSettings(token=TOKEN), clock=fixed_clock)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/level",
        "/api/signals",
        "/api/history",
        "/api/series/fred:DGS10",
        "/openapi.json",
        "/static/plotly.min.js",
    ],
)
def test_token_is_required(token_app: FastAPI, path: str) -> None:
    for token in (None, "wrong-token-wrong-token", TOKEN[:-1]):
        r = _call(token_app, path, token)
        assert r.status_code == 401, (path, token)
        assert r.headers["www-authenticate"] == "Bearer"


def test_with_the_token_the_api_answers(token_app: FastAPI) -> None:
    spec = _call(token_app, "/openapi.json", TOKEN)
    assert spec.status_code == 200
    assert "HTTPBearer" in spec.json()["components"]["securitySchemes"]
    level = _call(token_app, "/api/level", TOKEN)
    assert level.status_code == 503 and "no store" in level.json()["detail"]  # authorised; there is no store
    health = _call(token_app, "/health", None)
    assert health.status_code == 200 and health.json()["store_present"] is False
