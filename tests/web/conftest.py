"""A real store of the dev data, the dashboard served by uvicorn on 127.0.0.1, and Debian's chromium."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from stormwatch.catalog import Catalog
from stormwatch.compute import required_ids
from stormwatch.ingest import import_directory
from stormwatch.store import Store
from stormwatch.web import build_server

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
NOW = dt.datetime(2020, 1, 2, 7, 0)


def fixed_clock() -> dt.datetime:
    return NOW


@pytest.fixture(scope="session")
def dev_store(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, dev_data_dir: Path) -> Path:
    """The dev files every signal reads, imported through the real import path into a fresh store."""
    wanted = set(required_ids())
    folder = tmp_path_factory.mktemp("market")
    for src in dev_data_dir.iterdir():
        spec = catalog.by_local_file(src.stem)
        if spec is not None and spec.id in wanted:
            (folder / src.name).symlink_to(src)
    path = tmp_path_factory.mktemp("store") / "dev.duckdb"
    with Store.open(path) as store:
        report = import_directory(store, catalog, folder, now=NOW, today=NOW.date())
    assert not report.failed
    return path


@dataclass
class LiveServer:
    base: str
    server: uvicorn.Server
    store: Path

    @property
    def app(self) -> Any:
        return self.server.config.app


@pytest.fixture(scope="session")
def live_server(dev_store: Path, catalog: Catalog) -> Iterator[LiveServer]:
    """``stormwatch serve``'s server on 127.0.0.1, any free port, in a thread; warm before it listens."""
    server = build_server(
        dev_store, catalog, host="127.0.0.1", port=0, clock=fixed_clock, log_level="warning"
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 180
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the dashboard server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", server, dev_store)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright. Missing: skipped locally, a failure in CI."""
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run must `apt-get install -y chromium`")
        pytest.skip(f"{CHROMIUM} not found: `apt-get install -y chromium` to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
