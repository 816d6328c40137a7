"""The ``stormwatch`` command line: thin commands over the library.

This module (with :mod:`stormwatch.config`) is the only reader of the clock
and the environment; everything below it takes ``now``/``today`` and settings
as arguments. Errors print one line and exit 1; ``--verbose`` adds the trace.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from stormwatch.catalog import Catalog, load_catalog
from stormwatch.config import Settings, load_settings
from stormwatch.errors import StormwatchError
from stormwatch.ingest import ImportReport, IngestReport, import_directory, update
from stormwatch.store import Store

app = typer.Typer(
    name="stormwatch",
    help="Early warning for a dollar-debasement-driven sell-off of US risk assets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="DuckDB store file (default: STORMWATCH_STORE, config, or user data dir)."),
]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="A stormwatch.toml to read.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show tracebacks on errors.")]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Replay as of this date (YYYY-MM-DD): only data known then.")
]

_VERBOSE = False


@dataclass(frozen=True)
class Ctx:
    """What every command reads once at the edge."""

    settings: Settings
    catalog: Catalog
    now: dt.datetime
    today: dt.date


def _ctx(store: Path | None, config: Path | None, verbose: bool) -> Ctx:
    global _VERBOSE
    _VERBOSE = _VERBOSE or verbose
    settings = load_settings(cwd=Path.cwd(), environ=os.environ, config_file=config, store_path=store)
    catalog = load_catalog(settings.catalog)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    return Ctx(settings=settings, catalog=catalog, now=now, today=now.date())


def _parse_date(text: str | None, option: str) -> pd.Timestamp | None:
    if text is None:
        return None
    try:
        return pd.Timestamp(dt.date.fromisoformat(text))
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date; use YYYY-MM-DD", param_hint=option) from None


@contextmanager
def _progress(total: int, what: str) -> Iterator[Any]:
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with bar:
        task = bar.add_task(what, total=total)
        yield lambda _name: bar.advance(task)


def _print_statuses(report: IngestReport) -> None:
    table = Table(title="per-series status", show_lines=False)
    for col in ("series", "status", "last period", "detail"):
        table.add_column(col)
    colors = {"updated": "green", "unchanged": "dim", "stale": "yellow", "failed": "red"}
    for s in report.statuses:
        last = "" if s.last_period is None else str(s.last_period.date())
        table.add_row(s.series_id, f"[{colors.get(s.status, '')}]{s.status}[/]", last, s.detail)
    out.print(table)
    counts = {k: report.count(k) for k in ("updated", "unchanged", "stale", "failed")}
    out.print(", ".join(f"{v} {k}" for k, v in counts.items()))


@app.command("import")
def import_cmd(
    directory: Annotated[Path, typer.Argument(help="Folder of date,value CSV/Parquet files named by id.")],
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Import a folder of local files (e.g. ../shared/data/market) into the store."""
    ctx = _ctx(store, config, verbose)
    if not directory.is_dir():
        raise typer.BadParameter(f"{directory} is not a folder", param_hint="DIRECTORY")
    files = [p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".parquet")]
    with Store.open(ctx.settings.store.path) as st, _progress(len(files), "importing") as tick:
        report: ImportReport = import_directory(
            st, ctx.catalog, directory, now=ctx.now, today=ctx.today, progress=tick
        )
    _print_statuses(report)
    for path in report.unknown_files:
        err.print(
            f"[yellow]not imported:[/] {path.name} matches no catalog entry (local_file); nothing guessed"
        )
    for path, why in report.skipped_files:
        err.print(f"[dim]skipped:[/] {path.name}: {why}")
    out.print(f"store: {ctx.settings.store.path}")
    if report.failed:
        raise typer.Exit(1)


def _freshness(row: Any, catalog: Catalog, today: dt.date) -> str:
    try:
        spec = catalog.resolve(str(row["series_id"]))
    except StormwatchError:
        return "unknown"
    if pd.isna(row["last"]):
        return "empty"
    age = (pd.Timestamp(today) - pd.Timestamp(row["last"])).days
    return "fresh" if age <= spec.stale_after + spec.release_lag_days else f"stale ({age} d)"


@app.command("status")
def status_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """What is stored: first/last period, rows, freshness and source of each series."""
    ctx = _ctx(store, config, verbose)
    with Store.open(ctx.settings.store.path, read_only=True) as st:
        summary = st.summary()
    records: list[dict[str, Any]] = []
    for _, row in summary.iterrows():
        sid = str(row["series_id"])
        records.append(
            {
                "id": sid,
                "first": None if pd.isna(row["first"]) else str(pd.Timestamp(row["first"]).date()),
                "last": None if pd.isna(row["last"]) else str(pd.Timestamp(row["last"]).date()),
                "rows": int(row["rows"]),
                "periods": int(row["periods"]),
                "freshness": _freshness(row, ctx.catalog, ctx.today),
                "source": None if pd.isna(row["source"]) else str(row["source"]),
                "last_status": None if pd.isna(row["last_status"]) else str(row["last_status"]),
                "fetched_at": None
                if pd.isna(row["fetched_at"])
                else pd.Timestamp(row["fetched_at"]).isoformat(),
            }
        )
    if as_json:
        sys.stdout.write(json.dumps(records, indent=1) + "\n")
        return
    table = Table(title=f"stormwatch store {ctx.settings.store.path}")
    for col in ("id", "first", "last", "rows", "freshness", "source", "last status"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for r in records:
        table.add_row(
            r["id"],
            r["first"] or "",
            r["last"] or "",
            str(r["rows"]),
            r["freshness"],
            r["source"] or "",
            r["last_status"] or "",
        )
    out.print(table)
    out.print(f"{len(records)} series")


def _sources(ctx: Ctx) -> tuple[dict[str, Any], Any]:
    import httpx

    from stormwatch.sources import HttpFetcher, RetryPolicy, build_source, registered_sources

    cfg = ctx.settings.sources
    client = httpx.Client(follow_redirects=True)
    fetcher = HttpFetcher(
        client,
        connect_timeout=min(10.0, cfg.timeout_seconds),
        read_timeout=cfg.timeout_seconds,
        retry=RetryPolicy(max_attempts=cfg.max_attempts),
        rate_limits={
            "api.stlouisfed.org": cfg.fred_requests_per_second,
            "fred.stlouisfed.org": cfg.fred_requests_per_second,
            "alfred.stlouisfed.org": cfg.fred_requests_per_second,
        },
        default_rate=cfg.default_requests_per_second,
    )
    names = [n for n in registered_sources() if n != "local"]
    return {n: build_source(n, fetcher, ctx.settings.secrets) for n in names}, client


def _do_update(ctx: Ctx, ids: list[str] | None = None) -> IngestReport:
    sources, client = _sources(ctx)
    todo = [s for s in ctx.catalog.values() if s.source in sources and not s.wide_columns]
    try:
        with Store.open(ctx.settings.store.path) as st, _progress(len(todo), "updating") as tick:
            report = update(
                st,
                ctx.catalog,
                sources,
                now=ctx.now,
                today=ctx.today,
                ids=ids,
                max_workers=ctx.settings.sources.max_workers,
                progress=tick,
            )
    finally:
        client.close()
    return report


@app.command("update")
def update_cmd(
    series: Annotated[
        list[str] | None, typer.Option("--series", "-s", help="Only these series ids (repeatable).")
    ] = None,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Fetch what is new from the public sources into the store."""
    ctx = _ctx(store, config, verbose)
    report = _do_update(ctx, series)
    _print_statuses(report)
    if report.failed and len(report.failed) == len(report.statuses):
        err.print("every series failed: no network? Use `stormwatch import DIR` and `run --offline`.")
        raise typer.Exit(1)


def _assess(ctx: Ctx, as_of: pd.Timestamp | None) -> Any:
    from stormwatch.compute import assess

    with Store.open(ctx.settings.store.path, read_only=True) as st:
        return assess(st, ctx.catalog, as_of=as_of)


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
    assessment = _assess(ctx, day)
    if as_json:
        sys.stdout.write(json.dumps(summary_dict(assessment), indent=1, default=str) + "\n")
        return
    render_summary(assessment, out)
    lag = (pd.Timestamp(ctx.today) - assessment.as_of).days
    if day is None and lag > 7:
        err.print(
            f"note: the latest market data in the store is from {assessment.as_of.date()} "
            f"({lag} days ago); run `stormwatch update` for fresh data."
        )


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


def main() -> None:
    """Entry point: run the app, turning stormwatch errors into one line and exit 1."""
    try:
        app()
    except StormwatchError as exc:
        err.print(f"[red]error:[/] {exc}", markup=True)
        if _VERBOSE or "--verbose" in sys.argv or "-v" in sys.argv:
            err.print("".join(traceback.format_exception(exc)), markup=False)
        sys.exit(1)
