"""The HTML report: one self-contained file, rendered from the signals' own definitions.

:func:`report_context` gathers everything the page shows from an
:class:`~stormwatch.compute.Assessment` (level, checklist with states,
evidence and what moved, the level spec, the charts); :func:`render_html`
renders the Jinja2 template. In the report, plotly.js is inlined once and
every figure's data sits in the page, so the file opens offline and makes no
request (a Content-Security-Policy in the page forbids any). The dashboard
(:mod:`stormwatch.web`) renders the same template live, loading plotly.js
from its own server.

Titles, rationale, parameters and their reasons come from each
:class:`~stormwatch.signals.SignalSpec` and from
:data:`~stormwatch.level.STORM_SPEC`; the template never restates them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from plotly.offline import get_plotlyjs

from stormwatch import __version__
from stormwatch.compute import Assessment
from stormwatch.delivery.charts import (
    KEY_CHARTS,
    LEVEL_COLORS,
    STATE_COLORS,
    Chart,
    ChartOptions,
    build_charts,
)
from stormwatch.delivery.episodes import KIND_LABELS, KIND_TINTS, EpisodeSet
from stormwatch.delivery.figures import figure_json, plotly_figure, png_bytes
from stormwatch.delivery.summary import evidence_line, summary_dict
from stormwatch.level import LEVEL_NAMES, STORM_SPEC
from stormwatch.signals import SignalResult

__all__ = [
    "LiveInfo",
    "RenderedChart",
    "plotly_js",
    "render_html",
    "render_report",
    "report_context",
    "signal_view",
    "write_pngs",
    "write_report",
]

_KIND_TITLES = {
    "checklist": "The checklist",
    "aggravator": "Aggravating conditions",
    "fuel": "Structural fuel",
    "readout": "Read-outs",
    "regime": "Regime",
}
_KIND_ORDER = ("checklist", "aggravator", "fuel", "readout", "regime")
#: Business days over which a signal's "what moved" is measured.
MOVE_DAYS = 5


@dataclass(frozen=True)
class LiveInfo:
    """What the dashboard adds to the page: where it reads from and its API."""

    store: str
    computed_at: str
    stale_note: str = ""
    replay: bool = False
    api_links: tuple[tuple[str, str], ...] = (
        ("/api/level", "level"),
        ("/api/signals", "signals"),
        ("/api/history", "history"),
        ("/openapi.json", "OpenAPI"),
    )


@dataclass(frozen=True)
class RenderedChart:
    """A chart ready for the template."""

    chart: Chart
    json: str
    signals: tuple[dict[str, Any], ...]


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.js bundle shipped with the plotly package (no network)."""
    return str(get_plotlyjs())


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("stormwatch.delivery", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _fmt_num
    return env


def _fmt_num(x: object, digits: int = 2, signed: bool = False) -> str:
    if x is None:
        return "n/a"
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v) or math.isinf(v):
        return "n/a"
    return f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"


def _finite(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if (math.isnan(v) or math.isinf(v)) else v


def _param_value(value: object) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _since(state: pd.Series) -> pd.Timestamp | None:
    values = state.to_numpy(dtype=object)
    if len(values) == 0:
        return None
    cur = values[-1]
    diff = np.flatnonzero(values != cur)
    return pd.Timestamp(state.index[int(diff[-1]) + 1 if len(diff) else 0])


def signal_view(res: SignalResult, day: pd.Timestamp) -> dict[str, Any]:
    """One signal as the page and the API show it, from its spec and its result on ``day``.

    Parameters
    ----------
    res
        The evaluated signal.
    day
        The assessment's last day.

    Returns
    -------
    dict
        ``id``, ``title``, ``kind``, ``checklist_item``, ``state``, ``intensity``,
        ``intensity_before`` (``MOVE_DAYS`` business days earlier), ``state_before``,
        ``since``, ``evidence`` (one line), ``evidence_values``, ``proxies``,
        ``reason``, ``rationale``, ``params`` (value and reason), ``inputs``,
        ``watch_at``, ``on_at``, ``unit``, ``notes``, ``weight`` and
        ``weight_reason`` (in the storm score), ``moved`` (the move in words).
    """
    spec = res.spec
    state = res.state.loc[:day]
    pos = len(state) - 1
    before = max(0, pos - MOVE_DAYS)
    values: dict[str, float | str | None] = {}
    if not res.evidence.empty and day in res.evidence.index:
        for name, v in res.evidence.loc[day].items():
            key = str(name).removeprefix(f"{spec.id}.")
            if isinstance(v, str):
                values[key] = v
            else:
                values[key] = _finite(v)
    since = _since(state)
    view = {
        "id": spec.id,
        "title": spec.title,
        "kind": spec.kind,
        "family": spec.family,
        "checklist_item": spec.checklist_item,
        "state": str(state.iloc[-1]) if pos >= 0 else "unknown",
        "state_before": str(state.iloc[before]) if pos >= 0 else "unknown",
        "intensity": _finite(res.intensity.loc[day]) if day in res.intensity.index else None,
        "intensity_before": _finite(res.intensity.loc[:day].iloc[before]) if pos >= 0 else None,
        "since": None if since is None else str(since.date()),
        "evidence": evidence_line(res, day, limit=4),
        "evidence_values": values,
        "proxies": dict(res.proxies),
        "used": dict(res.used),
        "reason": str(res.reason.loc[day]) if day in res.reason.index else "",
        "rationale": spec.rationale,
        "params": {k: {"value": _param_value(p.default), "reason": p.reason} for k, p in spec.params.items()},
        "inputs": {
            k: {"primary": inp.primary, "proxies": list(inp.proxies), "optional": inp.optional}
            for k, inp in spec.inputs.items()
        },
        "watch_at": spec.watch_at,
        "on_at": spec.on_at,
        "unit": spec.unit,
        "notes": list(res.notes),
        "weight": STORM_SPEC.weights.get(spec.id, (None, ""))[0],
        "weight_reason": STORM_SPEC.weights.get(spec.id, (None, ""))[1],
    }
    view["moved"] = _moved(view)
    return view


def _moved(view: Mapping[str, Any]) -> str:
    """The signal's move over the last ``MOVE_DAYS`` business days, in words."""
    parts = []
    if view["state_before"] != view["state"]:
        parts.append(f"{view['state_before']} → {view['state']}")
    a, b = view["intensity_before"], view["intensity"]
    if a is not None and b is not None:
        parts.append(f"{b - a:+.2f}")
    return ", ".join(parts)


def _storm_spec_view() -> dict[str, Any]:
    return {
        "stages": [
            {"level": s.level, "name": s.name, "reason": s.reason, "color": LEVEL_COLORS[s.level]}
            for s in STORM_SPEC.stages
        ],
        "checklist": dict(STORM_SPEC.checklist),
        "weights": [{"id": k, "weight": w, "reason": r} for k, (w, r) in STORM_SPEC.weights.items()],
        "up_days": STORM_SPEC.up_days,
        "down_days": STORM_SPEC.down_days,
        "intensity_cap": STORM_SPEC.intensity_cap,
        "reasons": dict(STORM_SPEC.reasons),
    }


def report_context(
    a: Assessment,
    *,
    generated_at: dt.datetime,
    episodes: EpisodeSet,
    charts: Sequence[Chart] | None = None,
    options: ChartOptions | None = None,
) -> dict[str, Any]:
    """Everything the page shows, as plain data (pure).

    Parameters
    ----------
    a
        The assessment.
    generated_at
        When the page is made (the caller's clock).
    episodes
        The spans shaded on the charts, and their source.
    charts
        Pre-built charts (default: :func:`~stormwatch.delivery.charts.build_charts`).
    options
        Chart options (default: ten-year view, the given episodes).
    """
    day = a.as_of
    summary = summary_dict(a)
    opts = options or ChartOptions(episodes=episodes.episodes)
    built = list(charts) if charts is not None else build_charts(a, opts)
    views = {sid: signal_view(res, day) for sid, res in a.results.items()}
    groups = []
    for kind in _KIND_ORDER:
        members = sorted(
            (v for v in views.values() if v["kind"] == kind),
            key=lambda v: (v["checklist_item"] or 0, v["id"]),
        )
        if members:
            groups.append({"kind": kind, "title": _KIND_TITLES[kind], "signals": members})
    rendered = [
        RenderedChart(
            chart=c,
            json=figure_json(plotly_figure(c)),
            signals=tuple(views[s] for s in c.signal_ids if s in views),
        )
        for c in built
    ]
    level = int(summary["level"])
    transitions = [
        {
            "date": str(t.date.date()),
            "from": t.from_level,
            "to": t.to_level,
            "from_name": LEVEL_NAMES[t.from_level],
            "to_name": LEVEL_NAMES[t.to_level],
            "color": LEVEL_COLORS[t.to_level],
            "direction": t.direction,
            "reason": t.reason,
            "moved": [m.text() for m in t.moved],
            "unknown": list(t.unknown),
        }
        for t in reversed(a.level.transitions[-8:])
    ]
    changes = []
    for c in summary["changes"]:
        if c["what"] == "level":
            changes.append(
                f"level {c['from']} {LEVEL_NAMES[int(c['from'])]} → {c['to']} {LEVEL_NAMES[int(c['to'])]}"
            )
        else:
            title = views[str(c["id"])]["title"] if str(c["id"]) in views else str(c["id"])
            changes.append(f"{title}: {c['from']} → {c['to']}")
    return {
        "version": __version__,
        "as_of": summary["as_of"],
        "generated_at": generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        "level": level,
        "level_name": summary["level_name"],
        "level_color": LEVEL_COLORS[level],
        "level_names": list(LEVEL_NAMES),
        "level_colors": list(LEVEL_COLORS),
        "score": summary["score"],
        "coverage": summary["coverage"],
        "regime": summary["regime"],
        "changes": changes,
        "transitions": transitions,
        "groups": groups,
        "state_colors": STATE_COLORS,
        "storm": _storm_spec_view(),
        "charts": rendered,
        "missing_series": summary["missing_series"],
        "stale_series": list(a.panel.stale),
        "episodes": [
            {
                "name": e.name,
                "start": str(e.start.date()),
                "end": str(e.trough.date()),
                "kind": e.kind,
                "tint": KIND_TINTS.get(e.kind, KIND_TINTS["other"]),
            }
            for e in episodes.episodes
        ],
        "episodes_source": episodes.source,
        "episode_kinds": [{"kind": k, "tint": KIND_TINTS[k], "label": v} for k, v in KIND_LABELS.items()],
        "first_day": str(pd.Timestamp(a.level.frame.index[0]).date()),
    }


def render_html(context: Mapping[str, Any], *, live: LiveInfo | None = None) -> str:
    """Render the page: self-contained (plotly.js inlined) unless ``live`` (the dashboard).

    Parameters
    ----------
    context
        From :func:`report_context`.
    live
        For the dashboard: plotly.js is loaded from ``/static/plotly.min.js``
        and the page shows the store and the API links.
    """
    template = _env().get_template("report.html.j2")
    return template.render(
        **context,
        live=live,
        plotly_inline=None if live is not None else plotly_js(),
    )


def render_report(
    a: Assessment,
    *,
    generated_at: dt.datetime,
    episodes: EpisodeSet,
    options: ChartOptions | None = None,
) -> str:
    """The self-contained HTML report of an assessment."""
    return render_html(report_context(a, generated_at=generated_at, episodes=episodes, options=options))


def write_report(html: str, path: Path) -> Path:
    """Write the report atomically (a temporary file moved into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path


def write_pngs(charts: Sequence[Chart], directory: Path, *, only: Sequence[str] = KEY_CHARTS) -> list[Path]:
    """Write the key charts as PNG files (``<chart id>.png``) for emails.

    Parameters
    ----------
    charts
        Built charts.
    directory
        Where to write (created if missing).
    only
        Chart ids to write (default: :data:`~stormwatch.delivery.charts.KEY_CHARTS`).
    """
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for chart in charts:
        if chart.id not in only:
            continue
        path = directory / f"{chart.id}.png"
        path.write_bytes(png_bytes(chart))
        out.append(path)
    return out
