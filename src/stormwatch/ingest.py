"""The one place that moves data from sources into the store.

``update`` fetches what is new for each catalog series from its source
(concurrently, bounded), validates it and appends it; ``import_directory``
does the same for a folder of local files. One failing series never stops
the others; every run ends with a status per series.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from stormwatch._typing import SeriesId
from stormwatch.catalog import Catalog, SeriesSpec
from stormwatch.errors import SourceUnavailableError, StormwatchError
from stormwatch.series import validate
from stormwatch.sources.base import Query, Source
from stormwatch.sources.fetch import fetch_all, parse_all
from stormwatch.sources.files import read_local_file, read_wide_file
from stormwatch.store import SeriesStatus, Store

__all__ = ["ImportReport", "IngestReport", "import_directory", "revision_window", "update"]

Progress = Callable[[str], None]

#: How far back an incremental fetch reaches before the last stored period, so
#: that recent revisions (FRED restates recent days; monthly data is revised
#: for a few months) are seen again.
_REVISION_WINDOW = {
    "daily": pd.Timedelta(days=14),
    "weekly": pd.Timedelta(days=56),
    "monthly": pd.Timedelta(days=190),
    "quarterly": pd.Timedelta(days=400),
    "annual": pd.Timedelta(days=800),
}


def revision_window(spec: SeriesSpec) -> pd.Timedelta:
    """How far before the last stored period an incremental fetch starts."""
    return _REVISION_WINDOW[spec.frequency]


@dataclass
class IngestReport:
    """The outcome of one update or import run."""

    run_id: str
    statuses: list[SeriesStatus] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for s in self.statuses if s.status == status)

    @property
    def failed(self) -> list[SeriesStatus]:
        return [s for s in self.statuses if s.status == "failed"]


@dataclass
class ImportReport(IngestReport):
    """An :class:`IngestReport` plus the files that matched no catalog entry."""

    unknown_files: list[Path] = field(default_factory=list)
    skipped_files: list[tuple[Path, str]] = field(default_factory=list)


def _write_validated(
    store: Store,
    spec: SeriesSpec,
    frame: pd.DataFrame,
    *,
    source: str,
    now: dt.datetime,
    today: dt.date,
    check_stale: bool = True,
) -> SeriesStatus:
    first = pd.Timestamp(frame["period"].min()) if len(frame) else None
    previous = store.value_before(spec.id, first) if first is not None else None
    clean, report = validate(
        frame, series_id=spec.id, source=source, today=today, jump=spec.jump, previous=previous
    )
    result = store.write(spec.id, clean, fetched_at=now)
    last = store.last_period(spec.id)
    if result.changed:
        detail = f"{result.new} new, {result.revised} revised"
        if report.missing_dropped:
            detail += f", {report.missing_dropped} missing values skipped"
        return SeriesStatus(spec.id, "updated", detail, result.new, result.revised, last, source)
    stale = (
        check_stale
        and last is not None
        and (pd.Timestamp(today) - last).days > spec.stale_after + spec.release_lag_days
    )
    if stale:
        return SeriesStatus(
            spec.id,
            "stale",
            f"no new data; last period {last.date() if last is not None else '?'}",
            0,
            0,
            last,
            source,
        )
    return SeriesStatus(spec.id, "unchanged", "", 0, 0, last, source)


def update(
    store: Store,
    catalog: Catalog,
    sources: Mapping[str, Source],
    *,
    now: dt.datetime,
    today: dt.date,
    ids: Iterable[SeriesId] | None = None,
    max_workers: int = 4,
    progress: Progress | None = None,
    unreachable_after: int = 3,
) -> IngestReport:
    """Fetch what is new for each series and append it to the store.

    Parameters
    ----------
    store
        An open, writable store.
    catalog
        The series catalog.
    sources
        Connector instances by source name; series of other sources are skipped.
    now, today
        The caller's clock (read at the CLI edge).
    ids
        Restrict to these series (default: every catalog series with a source).
    max_workers
        Concurrent requests across series; per-host rate limits still apply.
    progress
        Called with each series id as it completes (for a progress bar).
    unreachable_after
        After this many consecutive unavailable answers from one source, its
        remaining series fail at once for this run (said in their status).

    Returns
    -------
    IngestReport
        One status per series: updated, unchanged, stale, or failed with the reason.
    """
    specs = [catalog.resolve(i) for i in ids] if ids is not None else list(catalog.values())
    run_id = store.start_run("update", now=now)
    report = IngestReport(run_id=run_id)
    todo: list[tuple[SeriesSpec, Query]] = []
    for spec in specs:
        if spec.source not in sources or spec.wide_columns or spec.role == "metadata":
            continue
        last = store.last_period(spec.id)
        start = None if last is None else (last - revision_window(spec)).date()
        todo.append((spec, Query(spec=spec, start=start, today=today)))

    # A source that keeps failing to answer (no network, outage) is given up for
    # this run after `unreachable_after` consecutive failures, instead of every
    # remaining series waiting out its own retries.
    down_streak: dict[str, int] = {}
    lock = threading.Lock()

    def fetch(spec: SeriesSpec, query: Query) -> pd.DataFrame:
        with lock:
            streak = down_streak.get(spec.source, 0)
        if streak >= unreachable_after:
            raise SourceUnavailableError(
                source=spec.source,
                series_id=spec.id,
                detail=f"skipped: {streak} requests in a row to this source failed in this run",
            )
        src = sources[spec.source]
        try:
            raw = fetch_all(src, query)
        except SourceUnavailableError:
            with lock:
                down_streak[spec.source] = down_streak.get(spec.source, 0) + 1
            raise
        with lock:
            down_streak[spec.source] = 0
        return parse_all(src, raw)

    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        futures = {pool.submit(fetch, spec, q): spec for spec, q in todo}
        for fut in as_completed(futures):
            spec = futures[fut]
            try:
                frame = fut.result()
                status = _write_validated(store, spec, frame, source=spec.source, now=now, today=today)
            except StormwatchError as exc:
                status = SeriesStatus(
                    spec.id, "failed", str(exc), source=spec.source, last_period=store.last_period(spec.id)
                )
            except Exception as exc:  # one broken series must never stop the others
                status = SeriesStatus(
                    spec.id,
                    "failed",
                    f"unexpected {type(exc).__name__}: {exc}",
                    source=spec.source,
                    last_period=store.last_period(spec.id),
                )
            report.statuses.append(status)
            if progress is not None:
                progress(spec.id)
    report.statuses.sort(key=lambda s: s.series_id)
    store.record_status(run_id, report.statuses, now=now)
    store.finish_run(run_id, now=now, status="failed" if report.failed else "ok")
    return report


DATA_SUFFIXES = (".csv", ".parquet")


def import_directory(
    store: Store,
    catalog: Catalog,
    directory: Path,
    *,
    now: dt.datetime,
    today: dt.date,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a folder of ``date,value`` files named by their catalog ``local_file``.

    Files whose name matches no catalog entry are reported, never guessed.
    Each file is validated whole before anything of it is written.

    Parameters
    ----------
    store, catalog
        Where to write, and how file names map to series ids.
    directory
        A folder such as ``../shared/data/market``.
    now, today
        The caller's clock.
    progress
        Called with each file name as it is done.
    """
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in DATA_SUFFIXES)
    run_id = store.start_run(f"import {directory}", now=now)
    report = ImportReport(run_id=run_id)
    for path in files:
        spec = catalog.by_local_file(path.stem)
        if spec is None:
            report.unknown_files.append(path)
        elif spec.role == "metadata":
            report.skipped_files.append((path, f"metadata for {spec.id}, not observations"))
        else:
            report.statuses.extend(_import_file(store, catalog, spec, path, now=now, today=today))
        if progress is not None:
            progress(path.name)
    store.record_status(run_id, report.statuses, now=now)
    store.finish_run(run_id, now=now, status="failed" if report.failed else "ok")
    return report


def _import_file(
    store: Store, catalog: Catalog, spec: SeriesSpec, path: Path, *, now: dt.datetime, today: dt.date
) -> list[SeriesStatus]:
    source = f"file {path.name}"
    try:
        if spec.wide_columns:
            columns = read_wide_file(path, spec)
            specs_frames = [
                (catalog.resolve(f"{spec.source}:{name}"), frame) for name, frame in columns.items()
            ]
        else:
            specs_frames = [(spec, read_local_file(path, spec))]
    except StormwatchError as exc:
        return [SeriesStatus(spec.id, "failed", str(exc), source=source)]
    out = []
    for sub, frame in specs_frames:
        try:
            out.append(
                _write_validated(store, sub, frame, source=source, now=now, today=today, check_stale=False)
            )
        except StormwatchError as exc:
            out.append(
                SeriesStatus(sub.id, "failed", str(exc), source=source, last_period=store.last_period(sub.id))
            )
    return out
