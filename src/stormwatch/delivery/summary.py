"""The terminal summary and the machine-readable forms of an assessment."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from stormwatch.compute import Assessment
from stormwatch.level import LEVEL_NAMES, daily_changes
from stormwatch.signals import SignalResult

__all__ = ["evidence_line", "history_frame", "render_summary", "summary_dict"]

_KIND_ORDER = {"checklist": 0, "aggravator": 1, "fuel": 2, "regime": 3, "readout": 4}
_STATE_STYLE = {"on": "bold red", "watch": "yellow", "off": "green", "unknown": "dim"}


def _num(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 4)


def evidence_line(res: SignalResult, day: pd.Timestamp, limit: int = 3) -> str:
    """One line of evidence: the first few evidence series' values on ``day``."""
    parts = []
    if res.state.loc[day] == "unknown" and res.reason.loc[day]:
        parts.append(str(res.reason.loc[day]))
    if not res.evidence.empty and day in res.evidence.index:
        row = res.evidence.loc[day]
        prefix = f"{res.spec.id}."
        for raw_name, value in list(row.items())[:limit]:
            name = str(raw_name).removeprefix(prefix)
            if isinstance(value, (int, float, np.floating)):
                if not np.isnan(value):
                    parts.append(f"{name}={float(value):.3g}")
            elif value is not None and not (isinstance(value, float) and np.isnan(value)):
                parts.append(f"{name}={value}")
    if res.proxies:
        parts.append("proxy: " + ", ".join(f"{k}<-{v}" for k, v in res.proxies.items()))
    return "; ".join(parts)


def _ordered(a: Assessment) -> list[SignalResult]:
    return sorted(
        a.results.values(),
        key=lambda r: (_KIND_ORDER.get(r.spec.kind, 9), r.spec.checklist_item or 0, r.spec.id),
    )


def summary_dict(a: Assessment) -> dict[str, Any]:
    """The summary as a JSON-ready dict (``stormwatch run --json``)."""
    day = a.as_of
    frame = a.level.frame
    signals = []
    for res in _ordered(a):
        signals.append(
            {
                "id": res.spec.id,
                "title": res.spec.title,
                "kind": res.spec.kind,
                "checklist_item": res.spec.checklist_item,
                "state": str(res.state.loc[day]),
                "intensity": _num(float(res.intensity.loc[day])),
                "evidence": evidence_line(res, day),
                "proxies": dict(res.proxies),
            }
        )
    transitions = [
        {"date": str(t.date.date()), "from": t.from_level, "to": t.to_level, "explanation": t.text()}
        for t in a.level.transitions[-5:]
    ]
    return {
        "as_of": str(day.date()),
        "level": int(frame["level"].iloc[-1]),
        "level_name": str(frame["level_name"].iloc[-1]),
        "score": _num(float(frame["score"].iloc[-1])),
        "coverage": _num(float(frame["coverage"].iloc[-1])),
        "regime": str(a.regime.loc[day]),
        "signals": signals,
        "changes": daily_changes(a.results, a.level),
        "recent_transitions": transitions,
        "missing_series": list(a.panel.missing),
    }


def render_summary(a: Assessment, console: Console) -> None:
    """Print the summary: level, score, regime, the checklist, what changed."""
    d = summary_dict(a)
    lvl = d["level"]
    style = ["green", "yellow", "dark_orange", "red", "bold red"][lvl]
    score = "n/a" if d["score"] is None else f"{d['score']:.0f}/100"
    console.print(
        f"[bold]stormwatch[/] as of {d['as_of']}: [{style}]level {lvl} {LEVEL_NAMES[lvl]}[/]  "
        f"score {score} (coverage {d['coverage'] or 0:.0%})  regime: {d['regime']}"
    )
    table = Table(show_header=True, header_style="bold", expand=False)
    for col in ("#", "signal", "state", "intensity", "evidence"):
        table.add_column(col, overflow="fold")
    kinds = {"checklist": "", "aggravator": "agg", "fuel": "fuel", "readout": "info", "regime": "regime"}
    for s in d["signals"]:
        num = str(s["checklist_item"]) if s["checklist_item"] else kinds.get(s["kind"], s["kind"])
        st = s["state"]
        inten = "" if s["intensity"] is None else f"{s['intensity']:+.2f}"
        table.add_row(num, s["title"], f"[{_STATE_STYLE.get(st, '')}]{st}[/]", inten, s["evidence"])
    console.print(table)
    if d["changes"]:
        console.print("[bold]since the previous business day:[/]")
        for c in d["changes"]:
            if c["what"] == "level":
                console.print(f"  level {c['from']} -> {c['to']}")
            else:
                console.print(f"  {c['id']}: {c['from']} -> {c['to']}")
    else:
        console.print("no change since the previous business day")
    if a.level.transitions:
        console.print("[bold]last level change:[/]")
        console.print(a.level.transitions[-1].text(), markup=False)


def history_frame(
    a: Assessment, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None
) -> pd.DataFrame:
    """One row per business day: date, level, level_name, score, regime, then each signal's state."""
    frame = a.level.frame.loc[:, ["level", "level_name", "score"]].copy()
    frame.insert(3, "regime", a.regime.reindex(frame.index))
    for res in _ordered(a):
        frame[res.spec.id] = res.state.reindex(frame.index)
    if start is not None:
        frame = frame.loc[frame.index >= start]
    if end is not None:
        frame = frame.loc[frame.index <= end]
    frame = frame.reset_index()
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    frame["score"] = frame["score"].round(2)
    return frame
