"""Data commands: ``import``, ``status``, ``update``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from stormwatch.catalog import Catalog
from stormwatch.cli._app import (
    ConfigOpt,
    Ctx,
    StoreOpt,
    VerboseOpt,
    _ctx,
    _print_statuses,
    _progress,
    app,
    err,
    out,
)
from stormwatch.errors import StormwatchError
from stormwatch.ingest import ImportReport, IngestReport, import_directory, update
from stormwatch.store import Store


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
