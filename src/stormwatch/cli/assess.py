"""Assessment commands: ``run``, ``history``."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from stormwatch.cli._app import (
    AsOfOpt,
    ConfigOpt,
    Ctx,
    StoreOpt,
    VerboseOpt,
    _ctx,
    _parse_date,
    app,
    err,
    out,
)
from stormwatch.cli.alerts import deliver_for_run
from stormwatch.cli.data import _do_update
from stormwatch.store import Store


def _assess(ctx: Ctx, as_of: pd.Timestamp | None) -> Any:
    from stormwatch.compute import assess

    with Store.open(ctx.settings.store.path, read_only=True) as st:
        return assess(st, ctx.catalog, as_of=as_of)


def _assess_daily(ctx: Ctx, as_of: pd.Timestamp | None, verbose: bool) -> Any:
    """The daily run: incremental from the carried state beside the store when it is valid."""
    from stormwatch.incremental import assess_incremental, sidecar_path

    path = ctx.settings.store.path
    with Store.open(path, read_only=True) as st:
        assessment, _, info = assess_incremental(st, ctx.catalog, as_of=as_of, state_path=sidecar_path(path))
    if verbose:
        if info.mode == "incremental":
            extra = f"; recomputed in full: {', '.join(info.full_signals)}" if info.full_signals else ""
            err.print(f"compute: incremental, {info.new_days} new day(s){extra}")
        else:
            err.print(f"compute: full recompute ({info.reason})")
    return assessment


@app.command("run")
def run_cmd(
    offline: Annotated[bool, typer.Option("--offline", help="Use only the store; fetch nothing.")] = False,
    as_of: AsOfOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """The daily job: update (unless --offline), compute, print the summary."""
    from stormwatch.delivery.summary import render_summary, summary_dict

    ctx = _ctx(store, config, verbose)
    day = _parse_date(as_of, "--as-of")
    if not offline:
        report = _do_update(ctx)
        failed = report.failed
        err.print(
            f"update: {report.count('updated')} updated, {report.count('unchanged')} unchanged, "
            f"{report.count('stale')} stale, {len(failed)} failed"
            + (" (`stormwatch status` shows why)" if failed else "")
        )
    assessment = _assess_daily(ctx, day, verbose)
    if as_json:
        sys.stdout.write(json.dumps(summary_dict(assessment), indent=1, default=str) + "\n")
    else:
        render_summary(assessment, out)
        lag = (pd.Timestamp(ctx.today) - assessment.as_of).days
        if day is None and lag > 7:
            err.print(
                f"note: the latest market data in the store is from {assessment.as_of.date()} "
                f"({lag} days ago); run `stormwatch update` for fresh data."
            )
    deliver_for_run(ctx, assessment)


@app.command("history")
def history_cmd(
    start: Annotated[str | None, typer.Option("--start", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last day (YYYY-MM-DD).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """The level, score, regime and every signal's state for each business day, point in time."""
    from stormwatch.delivery.summary import history_frame

    if fmt not in ("table", "csv", "json"):
        raise typer.BadParameter("use table, csv or json", param_hint="--format")
    ctx = _ctx(store, config, verbose)
    lo, hi = _parse_date(start, "--start"), _parse_date(end, "--end")
    assessment = _assess(ctx, hi)
    frame = history_frame(assessment, lo, hi)
    if lo is None:
        known = frame["score"].notna().to_numpy()
        frame = frame.iloc[int(known.argmax()) if known.any() else 0 :]
    if fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    elif fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", indent=1) + "\n")
    else:
        table = Table(title=f"stormwatch history {frame['date'].iloc[0]} .. {frame['date'].iloc[-1]}")
        for col in ("date", "level", "level_name", "score", "regime"):
            table.add_column(col)
        changes = frame[frame["level"].ne(frame["level"].shift())]
        for _, r in changes.iterrows():
            table.add_row(r["date"], str(r["level"]), r["level_name"], f"{r['score']:.1f}", str(r["regime"]))
        out.print(table)
        out.print(
            f"{len(frame)} business days; rows shown where the level changed (use --format csv for all)"
        )
