"""The dashboard and the report in a real browser (Debian's chromium via Playwright)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

import stormwatch.cli.report  # noqa: F401  (registers `stormwatch report`)
from tests.cli_helpers import run_cli

from .conftest import LiveServer

pytestmark = pytest.mark.slow

_CHART_STATE = """() => {
    const charts = Array.from(document.querySelectorAll('[data-chart]'));
    return {
        expected: document.querySelectorAll('script.fig-data').length,
        rendered: charts.filter(d => d.getAttribute('data-rendered') === '1').length,
        errors: charts.filter(d => d.hasAttribute('data-render-error'))
            .map(d => d.getAttribute('data-render-error')),
        svgs: charts.filter(d => d.querySelector('svg.main-svg path.js-line')).length,
    };
}"""


def _chart_state(page: Any) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(_CHART_STATE)
    return state


def test_dashboard_shows_the_api_level_and_renders_every_chart(
    browser: Any, live_server: LiveServer, artifacts: Path
) -> None:
    level = httpx.get(f"{live_server.base}/api/level", timeout=60).json()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{live_server.base}/", wait_until="load", timeout=60_000)
        page.wait_for_selector("body[data-charts-rendered]", timeout=60_000)
        badge = page.locator("#level")
        assert badge.get_attribute("data-level") == str(level["level"])
        assert badge.inner_text().split() == [str(level["level"]), level["level_name"]]
        assert page.locator("body").get_attribute("data-as-of") == level["as_of"]
        state = _chart_state(page)
        assert state["errors"] == [] and errors == []
        assert state["expected"] >= 12 and state["rendered"] == state["expected"] == state["svgs"]
        assert page.locator("#live").inner_text().startswith("Live from")
        page.screenshot(path=str(artifacts / "dashboard-test.png"), full_page=False)
    finally:
        page.close()
    assert all(u.startswith(live_server.base) for u in requests), requests
    assert f"{live_server.base}/static/plotly.min.js" in requests


def test_report_opens_offline_with_no_request(
    browser: Any, live_server: LiveServer, artifacts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    res = run_cli(capsys, "report", "--out", str(out), "--store", str(live_server.store))
    assert res.code == 0, res.stderr
    assert re.search(r"level \d \w+ as of 2019-12-31", res.stdout)
    pngs = sorted(p.name for p in (tmp_path / "report-charts").glob("*.png"))
    assert pngs == ["dollar_policy.png", "foreign_investor.png", "hedge_failure.png", "level_timeline.png"]

    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    seen: list[str] = []
    context.route(
        "**/*",
        lambda route: (
            seen.append(route.request.url),
            route.continue_() if route.request.url.startswith("file://") else route.abort(),
        ),
    )
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(out.as_uri(), wait_until="load", timeout=60_000)
        page.wait_for_selector("body[data-charts-rendered]", timeout=60_000)
        state = _chart_state(page)
        assert state["errors"] == [] and state["rendered"] == state["expected"] == state["svgs"] >= 12
        level = httpx.get(f"{live_server.base}/api/level", timeout=60).json()
        assert page.locator("#level").get_attribute("data-level") == str(level["level"])
        # Zooming out refits the y axes to what is visible (Plotly alone keeps them fixed).
        ranges = page.evaluate(
            """async () => {
                const div = document.getElementById('chart-dollar_policy');
                const before = div.layout.yaxis.range.slice();
                await Plotly.relayout(div, {'xaxis.range': ['1985-01-01', '2019-12-31']});
                await new Promise(r => setTimeout(r, 200));
                return [before, div.layout.yaxis.range.slice()];
            }"""
        )
        (_, hi0), (_, hi1) = ranges
        assert hi1 > hi0 + 10  # the dollar index was near 160 in 1985, under 105 in the last ten years
        page.screenshot(path=str(artifacts / "report-test.png"), full_page=False)
    finally:
        context.close()
    assert requests == [out.as_uri()], requests  # the document itself, and nothing else
    assert seen == [out.as_uri()]
