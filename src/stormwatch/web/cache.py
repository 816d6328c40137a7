"""The dashboard's assessment, recomputed only when the store changes.

DuckDB lets one process hold a database file open for writing, and a reader
that keeps the file open blocks that writer. The server therefore never
holds the store: it opens it read-only, assesses, and closes it at once, and
it does that again only when the store file (or its write-ahead log) has
changed since — so a daily ``stormwatch run`` can write while the dashboard
is up. If the writer holds the file at that moment, the last assessment is
served and says it is stale.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from stormwatch.catalog import Catalog
from stormwatch.compute import Assessment, assess
from stormwatch.errors import StoreBusyError, StoreError
from stormwatch.store import Store

__all__ = ["AssessmentCache", "Snapshot", "StoreUnavailableError", "store_stamp"]

Stamp = tuple[tuple[int, int], ...]
AssessFn = Callable[[Store, Catalog], Assessment]


class StoreUnavailableError(RuntimeError):
    """No assessment can be served: the store is missing or busy and nothing is cached."""


@dataclass
class Snapshot:
    """One assessment and what was derived from it, shared by every request until the store changes."""

    assessment: Assessment
    computed_at: dt.datetime
    stamp: Stamp
    stale_note: str = ""
    derived: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        """A value derived from this snapshot, computed once (e.g. the rendered page)."""
        with self.lock:
            if key not in self.derived:
                self.derived[key] = make()
            return self.derived[key]


def store_stamp(path: Path) -> Stamp | None:
    """Modification time and size of the store file and its write-ahead log; ``None`` if there is no store."""
    if not path.is_file():
        return None
    parts = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            st = p.stat()
        except FileNotFoundError:
            parts.append((0, 0))
            continue
        parts.append((st.st_mtime_ns, st.st_size))
    return tuple(parts)


def _default_assess(store: Store, catalog: Catalog) -> Assessment:
    return assess(store, catalog)


class AssessmentCache:
    """Serve the assessment of a store, recomputed when the store file changes.

    Parameters
    ----------
    store_path
        The DuckDB store; opened read-only, only while assessing.
    catalog
        The series catalog.
    clock
        Returns "now" (UTC, naive); the server reads no clock of its own.
    assess_fn
        How to assess an open store (default: :func:`stormwatch.compute.assess`, latest day).
    """

    def __init__(
        self,
        store_path: Path,
        catalog: Catalog,
        *,
        clock: Callable[[], dt.datetime],
        assess_fn: AssessFn | None = None,
    ) -> None:
        self.store_path = Path(store_path)
        self.catalog = catalog
        self._clock = clock
        self._assess = assess_fn or _default_assess
        self._lock = threading.Lock()
        self._snap: Snapshot | None = None
        self.computations = 0

    @property
    def current(self) -> Snapshot | None:
        """The last snapshot, without checking the store."""
        return self._snap

    def get(self) -> Snapshot:
        """The assessment for the store as it is now (recomputed if the file changed).

        Raises
        ------
        StoreUnavailableError
            If there is no store file, or the writer holds it, and nothing is cached yet.
        """
        with self._lock:
            stamp = store_stamp(self.store_path) or ()
            snap = self._snap
            if snap is not None and stamp == snap.stamp:
                return snap
            if not stamp:
                if snap is not None:
                    note = (
                        f"The store {self.store_path} is gone; showing the last assessment, computed "
                        f"{snap.computed_at:%Y-%m-%d %H:%M} UTC."
                    )
                    self._snap = replace(snap, stamp=(), stale_note=note, derived={}, lock=threading.Lock())
                    return self._snap
                raise StoreUnavailableError(
                    f"no store at {self.store_path}; run `stormwatch import DIR` or `stormwatch update` first"
                )
            try:
                with Store.open(self.store_path, read_only=True) as store:
                    assessment = self._assess(store, self.catalog)
            except StoreError as exc:
                busy = isinstance(exc, StoreBusyError)
                if snap is not None:
                    why = "is being written right now" if busy else f"cannot be read now ({exc})"
                    note = (
                        f"The store {why}; showing the assessment computed "
                        f"{snap.computed_at:%Y-%m-%d %H:%M} UTC (it refreshes once the store can be read)."
                    )
                    self._snap = replace(snap, stale_note=note, derived={}, lock=threading.Lock())
                    return self._snap
                raise StoreUnavailableError(
                    f"the store {self.store_path} is being written by another process; try again in a moment"
                    if busy
                    else str(exc)
                ) from None
            self.computations += 1
            self._snap = Snapshot(assessment=assessment, computed_at=self._clock(), stamp=stamp)
            return self._snap
