"""``stormwatch demo``: a SIMULATED storm walked through the real pipeline, offline.

The scenario (:mod:`stormwatch.demo`) is written into a fresh temporary store
through the real :meth:`~stormwatch.store.Store.write` (each series validated by
the same gate as real data, its fetch status recorded with source
``simulated``), assessed by the real :func:`~stormwatch.compute.assess`, and
explained: the phases, the level path, what moved at every step and the
summary at the height of the storm and at the end. Nothing is read from the
network, the user's store or configuration, or any data folder.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from stormwatch.catalog import Catalog, load_catalog
from stormwatch.cli import _app
from stormwatch.cli._app import VerboseOpt, app, err, out
from stormwatch.compute import Assessment, assess
from stormwatch.demo import (
    SIMULATED_BANNER,
    SIMULATED_SOURCE,
    missing_recipes,
    phase_table,
    simulate_scenario,
)
from stormwatch.level import LEVEL_NAMES
from stormwatch.series import validate
from stormwatch.store import SeriesStatus, Store

__all__ = ["demo_cmd", "level_path", "write_scenario"]


def write_scenario(
    store: Store, frame: pd.DataFrame, catalog: Catalog, *, seed: int, now: dt.datetime
) -> list[SeriesStatus]:
    """Validate and write the simulated observations, labelled as simulated.

    Each series passes :func:`stormwatch.series.validate` with the catalog's
    plausibility bound (the scenario's last day is its "today"), is written
    with :meth:`Store.write`, and gets a fetch status with source
    ``simulated`` and a detail that says so; the run is recorded as a
    ``demo`` run.

    Returns
    -------
    list of SeriesStatus
        One per series written.
    """
    detail = f"{SIMULATED_BANNER} (stormwatch demo, seed {seed})"
    today = pd.Timestamp(frame["period"].max()).date()
    run_id = store.start_run(f"demo --seed {seed} (SIMULATED)", now=now)
    statuses: list[SeriesStatus] = []
    try:
        for sid, rows in frame.groupby("series_id", sort=False):
            spec = catalog.resolve(str(sid))
            clean, _ = validate(rows, series_id=spec.id, source=SIMULATED_SOURCE, today=today, jump=spec.jump)
            result = store.write(spec.id, clean, fetched_at=now)
            statuses.append(
                SeriesStatus(
                    spec.id,
                    "updated",
                    detail,
                    result.new,
                    result.revised,
                    pd.Timestamp(clean["period"].max()),
                    SIMULATED_SOURCE,
                )
            )
        store.record_status(run_id, statuses, now=now)
    except BaseException:
        store.finish_run(run_id, now=now, status="failed")
        raise
    store.finish_run(run_id, now=now, status="ok")
    return statuses


def level_path(assessment: Assessment) -> pd.DataFrame:
    """The level as runs of days: ``first_day``, ``last_day``, ``level``, ``level_name``, ``days``."""
    lv = assessment.level.frame["level"]
    run = lv.ne(lv.shift()).cumsum()
    grouped = lv.groupby(run)
    return pd.DataFrame(
        {
            "first_day": [pd.Timestamp(g.index[0]) for _, g in grouped],
            "last_day": [pd.Timestamp(g.index[-1]) for _, g in grouped],
            "level": [int(g.iloc[0]) for _, g in grouped],
            "level_name": [LEVEL_NAMES[int(g.iloc[0])] for _, g in grouped],
            "days": [len(g) for _, g in grouped],
        }
    )


def _phase_of(day: pd.Timestamp, phases: pd.DataFrame) -> tuple[str, int]:
    """The phase a day falls in and its business day within it (1-based)."""
    for _, row in phases.iterrows():
        if row["first_day"] <= day <= row["last_day"]:
            return str(row["phase"]), len(pd.bdate_range(row["first_day"], day))
    return "", 0


def _peak_day(assessment: Assessment) -> pd.Timestamp | None:
    """The day of the highest score at the highest level reached (the height of the storm)."""
    frame = assessment.level.frame
    top = frame.loc[frame["level"] == frame["level"].max(), "score"]
    if top.empty or int(frame["level"].max()) == 0 or top.isna().all():
        return None
    return pd.Timestamp(top.idxmax())


def _banner() -> None:
    line = "=" * (len(SIMULATED_BANNER) + 8)
    out.print(line, markup=False)
    out.print(f"=== {SIMULATED_BANNER} ===", style="bold", markup=False)
    out.print(line, markup=False)


@app.command("demo")
def demo_cmd(
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation (same seed, same storm).")] = 0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the walk-through as one JSON object.")
    ] = False,
    keep: Annotated[
        Path | None,
        typer.Option("--keep", help="Keep the simulated store at this new file (it must not exist)."),
    ] = None,
    verbose: VerboseOpt = False,
) -> None:
    """A SIMULATED storm, offline: every stage from Calm to Endgame, through the real pipeline."""
    _app._VERBOSE = _app._VERBOSE or verbose
    if keep is not None and keep.exists():
        raise typer.BadParameter(
            f"{keep} exists; give a new file name (the demo never writes into an existing store)",
            param_hint="--keep",
        )
    catalog = load_catalog()  # the packaged catalog: the demo reads no user configuration
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    started = time.perf_counter()
    phases = phase_table()
    frame = simulate_scenario(seed, catalog=catalog)
    # A signal input the scenario has no recipe for stays missing (the signal says unknown).
    not_simulated = missing_recipes()
    if not_simulated:
        err.print(f"note: not simulated (signals reading them show unknown): {', '.join(not_simulated)}")
    with tempfile.TemporaryDirectory(prefix="stormwatch-demo-") as tmp:
        path = keep if keep is not None else Path(tmp) / "demo.duckdb"
        with Store.open(path) as st:
            statuses = write_scenario(st, frame, catalog, seed=seed, now=now)
            start = pd.Timestamp(phases["first_day"].iloc[0])
            assessment = assess(st, catalog, start=start)
            peak = _peak_day(assessment)
            at_peak = assess(st, catalog, start=start, as_of=peak) if peak is not None else None
    elapsed = time.perf_counter() - started
    path_df = level_path(assessment)
    transitions = [
        {
            "date": str(t.date.date()),
            "from": t.from_level,
            "to": t.to_level,
            "phase": _phase_of(t.date, phases)[0],
            "explanation": t.text(),
        }
        for t in assessment.level.transitions
    ]
    if as_json:
        from stormwatch.delivery.summary import summary_dict

        doc: dict[str, Any] = {
            "simulated": True,
            "banner": SIMULATED_BANNER,
            "seed": seed,
            "store": str(keep) if keep is not None else None,
            "series": len(statuses),
            "rows": len(frame),
            "not_simulated": not_simulated,
            "phases": [
                {
                    "phase": r["phase"],
                    "title": r["title"],
                    "designed_level": int(r["level"]),
                    "first_day": str(r["first_day"].date()),
                    "last_day": str(r["last_day"].date()),
                    "description": r["description"],
                }
                for _, r in phases.iterrows()
            ],
            "level_path": [
                {
                    "first_day": str(r["first_day"].date()),
                    "last_day": str(r["last_day"].date()),
                    "level": int(r["level"]),
                    "level_name": r["level_name"],
                    "days": int(r["days"]),
                }
                for _, r in path_df.iterrows()
            ],
            "transitions": transitions,
            "summary_at_peak": summary_dict(at_peak) if at_peak is not None else None,
            "summary": summary_dict(assessment),
            "seconds": round(elapsed, 1),
        }
        err.print(SIMULATED_BANNER, markup=False)
        sys.stdout.write(json.dumps(doc, indent=1, default=str) + "\n")
        return
    _render(seed, keep, phases, path_df, assessment, at_peak, len(statuses), len(frame), elapsed)


def _render(
    seed: int,
    keep: Path | None,
    phases: pd.DataFrame,
    path_df: pd.DataFrame,
    assessment: Assessment,
    at_peak: Assessment | None,
    n_series: int,
    n_rows: int,
    elapsed: float,
) -> None:
    from stormwatch.delivery.summary import render_summary

    _banner()
    first, last = phases["first_day"].iloc[0].date(), phases["last_day"].iloc[-1].date()
    where = f"kept at {keep}" if keep is not None else "a temporary store, deleted afterwards"
    out.print(
        f"stormwatch demo, seed {seed}: {n_series} simulated series ({n_rows:,} observations, "
        f"{first} .. {last}; the dates are fictional) written to {where}, then assessed by the real "
        f"pipeline in {elapsed:.0f} s. No network, no real data.",
        markup=False,
    )
    out.print("")
    out.print("[bold]The scenario[/]")
    for _, r in phases.iterrows():
        out.print(
            f"  {r['first_day'].date()} .. {r['last_day'].date()}  {r['title']} "
            f"(built to reach level {r['level']} {LEVEL_NAMES[int(r['level'])]})",
            markup=False,
        )
        out.print(f"      {r['description']}", markup=False, style="dim")
    out.print("")
    out.print("[bold]The storm level, day by day[/]")
    for _, r in path_df.iterrows():
        out.print(
            f"  {r['first_day'].date()} .. {r['last_day'].date()}  level {r['level']} {r['level_name']:<8} "
            f"{r['days']:>5} business day{'s' if r['days'] != 1 else ''}",
            markup=False,
        )
    out.print("")
    out.print("[bold]What moved at each step[/]")
    for t in assessment.level.transitions:
        phase, day = _phase_of(t.date, phases)
        out.print(f"[phase: {phase}, business day {day}]", style="dim", markup=False)
        out.print(t.text(), markup=False)
        out.print("")
    if at_peak is not None:
        out.print(f"[bold]The summary at the height of the storm ({at_peak.as_of.date()})[/]")
        render_summary(at_peak, out)
        out.print("")
    out.print("[bold]The summary on the last simulated day[/]")
    render_summary(assessment, out)
    out.print("")
    if keep is not None:
        out.print(
            f"The simulated store is kept at {keep}; e.g. `stormwatch history --store {keep}`. "
            "Never mix it with real data.",
            markup=False,
        )
    _banner()
