"""The Typer app, the consoles and what every command reads once at the edge.

Command modules (``cli/data.py``, ``cli/assess.py``, ...) register their
commands on :data:`app`.

This module (with :mod:`stormwatch.config`) is the only reader of the clock
and the environment; everything below it takes ``now``/``today`` and settings
as arguments. Errors print one line and exit 1; ``--verbose`` adds the trace.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
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
from stormwatch.ingest import IngestReport

app = typer.Typer(
    name="stormwatch",
    help="Early warning for a dollar-debasement-driven sell-off of US risk assets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Piped output (files, CI logs) gets a wide fixed width instead of Rich's 80 columns.
_WIDTH = None if sys.stdout.isatty() else 160
out = Console(highlight=False, soft_wrap=True, width=_WIDTH)
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


def _progress_bar() -> Progress:
    """The one progress bar style: on stderr, hidden when stderr is not a terminal."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


@contextmanager
def _progress(total: int, what: str) -> Iterator[Any]:
    bar = _progress_bar()
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
    # Each failure once more as one unwrapped line on stderr: what failed and what to do.
    for s in report.failed:
        err.print(f"[red]failed:[/] {s.series_id}: {s.detail}", soft_wrap=True)
