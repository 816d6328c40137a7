"""The HTML report: self-contained, rendered from the signals' own declarations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html as htmllib
import json
import re
from pathlib import Path

import pytest

from stormwatch.compute import Assessment
from stormwatch.delivery.charts import KEY_CHARTS, ChartOptions, build_charts
from stormwatch.delivery.episodes import EpisodeSet
from stormwatch.delivery.report import (
    LiveInfo,
    plotly_js,
    render_html,
    report_context,
    write_pngs,
    write_report,
)
from stormwatch.delivery.summary import summary_dict
from stormwatch.level import STORM_SPEC
from stormwatch.signals import Param

GENERATED = dt.datetime(2020, 1, 2, 7, 30)


@pytest.fixture(scope="module")
def page(dev_assessment: Assessment, episodes: EpisodeSet) -> str:
    return render_html(report_context(dev_assessment, generated_at=GENERATED, episodes=episodes))


def _text(page: str) -> str:
    return htmllib.unescape(page)


def test_report_is_self_contained(page: str) -> None:
    js = plotly_js()
    assert page.count(js[:400]) == 1  # plotly.js inlined once
    assert "<script src=" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"""(src|href|url)\s*[=(]\s*["']?(https?:)?//""", page.replace(js, ""))
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None and "default-src 'none'" in csp.group(1) and "connect-src 'none'" in csp.group(1)


def test_report_shows_the_level_of_the_assessment(page: str, dev_assessment: Assessment) -> None:
    s = summary_dict(dev_assessment)
    m = re.search(r'id="level" data-level="(\d)" data-level-name="(\w+)"', page)
    assert m is not None and (int(m.group(1)), m.group(2)) == (s["level"], s["level_name"])
    assert f'data-as-of="{s["as_of"]}"' in page


def test_every_signal_is_rendered_from_its_declaration(page: str, dev_assessment: Assessment) -> None:
    text = _text(page)
    day = dev_assessment.as_of
    for sid, res in dev_assessment.results.items():
        row = re.search(rf'<tr id="signal-{sid}" data-signal="{sid}" data-state="(\w+)">', page)
        assert row is not None and row.group(1) == res.state.loc[day], sid
        assert res.spec.title in text and res.spec.rationale in text, sid
        for name, p in res.spec.params.items():
            assert p.reason in text, (sid, name)
    for stage in STORM_SPEC.stages:
        assert stage.reason in text
    for sid, (_, why) in STORM_SPEC.weights.items():
        assert why in text, sid


def test_a_changed_declaration_changes_the_page(dev_assessment: Assessment, episodes: EpisodeSet) -> None:
    """Nothing about a signal is restated in the template: change the spec, the page follows."""
    sid = "dollar_falls_with_equities"
    res = dev_assessment.results[sid]
    spec = dataclasses.replace(
        res.spec,
        title="SENTINEL-TITLE",
        rationale="SENTINEL-RATIONALE",
        params={**res.spec.params, "window": Param(99, "SENTINEL-REASON")},
        watch_at=0.123,
    )
    changed = dataclasses.replace(
        dev_assessment, results={**dev_assessment.results, sid: dataclasses.replace(res, spec=spec)}
    )
    text = _text(render_html(report_context(changed, generated_at=GENERATED, episodes=episodes)))
    for sentinel in ("SENTINEL-TITLE", "SENTINEL-RATIONALE", "SENTINEL-REASON", "watch at 0.123"):
        assert sentinel in text
    assert res.spec.rationale not in text


def test_every_chart_with_data_is_embedded_as_valid_json(page: str, dev_assessment: Assessment) -> None:
    blobs = re.findall(
        r'<script type="application/json" class="fig-data" data-target="chart-(\w+)">(.*?)</script>',
        page,
        flags=re.S,
    )
    ids = [c.id for c in build_charts(dev_assessment) if c.has_data]
    assert [b[0] for b in blobs] == ids
    for _, blob in blobs:
        fig = json.loads(blob)
        assert fig["data"] and fig["layout"]["xaxis"]["type"] == "date"


def test_episodes_and_missing_inputs_are_listed(page: str, episodes: EpisodeSet) -> None:
    text = _text(page)
    for e in episodes.episodes:
        assert e.name in text
    assert "tic:for_treas_pos" in text  # foreign holdings: no TIC data in the dev store, said on the page


def test_dashboard_variant_loads_plotly_from_the_server(
    dev_assessment: Assessment, episodes: EpisodeSet
) -> None:
    ctx = report_context(dev_assessment, generated_at=GENERATED, episodes=episodes)
    live = render_html(
        ctx, live=LiveInfo(store="/x/store.duckdb", computed_at="now", stale_note="STALE-NOTE")
    )
    assert '<script src="/static/plotly.min.js"></script>' in live
    assert plotly_js()[:400] not in live
    assert "STALE-NOTE" in live and "/openapi.json" in live
    assert "Content-Security-Policy" not in live  # the server sends it as a header


def test_write_report_and_pngs(
    tmp_path: Path, page: str, dev_assessment: Assessment, episodes: EpisodeSet
) -> None:
    path = write_report(page, tmp_path / "sub" / "report.html")
    assert path.read_text(encoding="utf-8") == page
    assert not list((tmp_path / "sub").glob(".*.tmp"))
    charts = build_charts(dev_assessment, ChartOptions(episodes=episodes.episodes))
    pngs = write_pngs(charts, tmp_path / "png")
    assert sorted(p.stem for p in pngs) == sorted(KEY_CHARTS)
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)
