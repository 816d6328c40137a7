"""Take the README's screenshot of the dashboard (docs/dashboard.png).

Run from the repository root with a store of the development data (``bin/stormwatch
import ../shared/data/market`` makes one) and Debian's chromium installed:

    .venv/bin/python scripts/dashboard_screenshot.py --store PATH [--as-of 2002-07-22]

It starts the real dashboard (``stormwatch serve``'s server) on 127.0.0.1 at a free
port, replaying the store as of ``--as-of`` (only data known that day), waits until
every chart has rendered in chromium, and saves the page from its top to the end
of the level timeline. Nothing on the page is edited.
"""

from __future__ import annotations

import argparse
import datetime as dt
import threading
import time
from pathlib import Path

import pandas as pd
from playwright.sync_api import sync_playwright

from stormwatch.catalog import load_catalog
from stormwatch.web import build_server

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument(
        "--as-of", default="2002-07-22", help="replay day (YYYY-MM-DD); 'latest' for the last"
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "dashboard.png")
    parser.add_argument("--height", type=int, default=1500, help="first viewport height, pixels")
    args = parser.parse_args()
    as_of = None if args.as_of == "latest" else pd.Timestamp(dt.date.fromisoformat(args.as_of))
    server = build_server(
        args.store,
        load_catalog(),
        host="127.0.0.1",
        port=0,
        clock=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
        as_of=as_of,
        log_level="warning",
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the dashboard did not start")
        time.sleep(0.1)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": args.height}, device_scale_factor=1)
            page.goto(f"http://127.0.0.1:{port}/", wait_until="load", timeout=120_000)
            page.wait_for_selector("body[data-charts-rendered]", timeout=120_000)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            box = page.locator("#timeline").bounding_box()
            bottom = int(box["y"] + box["height"] + 18) if box else args.height
            page.set_viewport_size({"width": 1280, "height": max(bottom, 600)})
            page.screenshot(path=str(args.out), clip={"x": 0, "y": 0, "width": 1280, "height": bottom})
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=15)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
