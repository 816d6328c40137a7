"""The point-in-time store: one DuckDB file of vintaged observations.

Tables
------
``observations(series_id, period, published_at, value, fetched_at)``
    Append-only. A value is never overwritten: a revision is a new row with a
    later ``published_at``. ``load(ids, as_of=t)`` returns, for every period,
    the latest row with ``published_at <= t`` — what could be known at ``t``.
``fetch_status(run_id, series_id, status, detail, ...)``
    One row per series per update/import run (updated / unchanged / stale / failed).
``runs(run_id, command, started_at, finished_at, status)``
    One row per command that wrote.

Every batch is written in one transaction, so a process killed mid-write
leaves the store as it was before the batch. DuckDB allows one writing
process per file; a second one gets :class:`~stormwatch.errors.StoreBusyError`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from stormwatch._typing import SeriesId
from stormwatch.errors import StoreBusyError, StoreError
from stormwatch.series import OBS_COLUMNS

__all__ = ["SeriesStatus", "Store", "WriteResult"]

SCHEMA_VERSION = 1

_DDL = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS observations (
        series_id VARCHAR NOT NULL,
        period TIMESTAMP NOT NULL,
        published_at TIMESTAMP NOT NULL,
        value DOUBLE NOT NULL,
        fetched_at TIMESTAMP NOT NULL,
        PRIMARY KEY (series_id, period, published_at)
    )""",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR PRIMARY KEY,
        command VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP,
        status VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS fetch_status (
        run_id VARCHAR NOT NULL,
        series_id VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        detail VARCHAR,
        rows_new INTEGER NOT NULL DEFAULT 0,
        rows_revised INTEGER NOT NULL DEFAULT 0,
        last_period TIMESTAMP,
        source VARCHAR,
        recorded_at TIMESTAMP NOT NULL,
        PRIMARY KEY (run_id, series_id)
    )""",
]

# Relative tolerance under which a re-fetched value counts as unchanged: the
# same number printed with other rounding is not a revision.
_SAME_VALUE_RTOL = 1e-12


@dataclass(frozen=True)
class WriteResult:
    """What one :meth:`Store.write` did."""

    series_id: SeriesId
    new: int
    revised: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.new or self.revised)


@dataclass(frozen=True)
class SeriesStatus:
    """The outcome for one series in one run."""

    series_id: SeriesId
    status: str  # updated | unchanged | stale | failed | skipped
    detail: str = ""
    rows_new: int = 0
    rows_revised: int = 0
    last_period: pd.Timestamp | None = None
    source: str = ""


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


class Store:
    """A DuckDB-backed, append-only, point-in-time series store.

    Parameters
    ----------
    path
        The database file; created with its parent folder if missing.
    read_only
        Open without taking the writer's lock (fails if the file is missing).

    Examples
    --------
    >>> with Store.open(path) as store:            # doctest: +SKIP
    ...     store.write("fred:DGS10", frame, fetched_at=now)
    ...     store.load(["fred:DGS10"], as_of="2020-03-01")
    """

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(
                path=self.path,
                detail="no store here yet; run `stormwatch import DIR` or `stormwatch update` first",
            )
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if _is_lock_error(exc):
                raise StoreBusyError(path=self.path) from None
            raise StoreError(path=self.path, detail=f"cannot open ({exc})") from None
        except duckdb.Error as exc:
            raise StoreError(
                path=self.path, detail=f"not a readable stormwatch store ({type(exc).__name__}: {exc})"
            ) from None
        self.read_only = read_only
        if not read_only:
            self._migrate()

    @classmethod
    @contextmanager
    def open(cls, path: Path | str, *, read_only: bool = False) -> Iterator[Store]:
        """Open the store for the duration of a ``with`` block."""
        store = cls(path, read_only=read_only)
        try:
            yield store
        finally:
            store.close()

    def close(self) -> None:
        self._con.close()

    # -- schema -----------------------------------------------------------------

    def _migrate(self) -> None:
        with self._transaction():
            for ddl in _DDL:
                self._con.execute(ddl)
            self._con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING", [str(SCHEMA_VERSION)]
            )
        found = self._con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if found is None or int(found[0]) > SCHEMA_VERSION:
            raise StoreError(
                path=self.path, detail="written by a newer stormwatch; upgrade stormwatch to read it"
            )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        else:
            self._con.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction for tables other modules own (e.g. the alert outbox).

        Statements run through :meth:`execute` inside the block commit together,
        or roll back together if the block raises.
        """
        self._require_writable()
        with self._transaction():
            yield

    def execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one SQL statement on the store's connection; the rows it returned.

        For modules that keep their own tables in the store file (the alert
        outbox); observations are written only through :meth:`write`.
        """
        cur = self._con.execute(sql, list(params))
        return cur.fetchall() if cur.description is not None else []

    # -- writing ----------------------------------------------------------------

    def write(self, series_id: SeriesId, frame: pd.DataFrame, *, fetched_at: dt.datetime) -> WriteResult:
        """Append what is new in ``frame`` for one series, in one transaction.

        Rows identical to what is already known are skipped, so re-importing
        the same file writes nothing. A changed value for a period already
        stored is a *revision*: it is appended, never overwritten, with
        ``published_at`` no earlier than ``fetched_at`` unless the source gave
        a later vintage time itself (a revision we only see now was not
        knowable before).

        Parameters
        ----------
        series_id
            The catalog id.
        frame
            A validated observation frame (see :func:`stormwatch.series.validate`).
        fetched_at
            When the data was fetched (naive UTC, from the caller's clock).
        """
        self._require_writable()
        with self._transaction():
            result, rows = self._diff(series_id, frame, fetched_at)
            if len(rows):
                self._con.register("_incoming", rows)
                try:
                    self._con.execute(
                        "INSERT INTO observations SELECT ?, period, published_at, value, ? FROM _incoming",
                        [series_id, fetched_at],
                    )
                finally:
                    self._con.unregister("_incoming")
        return result

    def _diff(
        self, series_id: SeriesId, frame: pd.DataFrame, fetched_at: dt.datetime
    ) -> tuple[WriteResult, pd.DataFrame]:
        incoming = frame.loc[:, list(OBS_COLUMNS)].copy()
        incoming["period"] = pd.to_datetime(incoming["period"]).astype("datetime64[us]")
        incoming["published_at"] = pd.to_datetime(incoming["published_at"]).astype("datetime64[us]")
        stored = self._con.execute(
            "SELECT period, published_at, value FROM observations WHERE series_id = ? AND period >= ? "
            "ORDER BY period, published_at",
            [series_id, incoming["period"].min().to_pydatetime()],
        ).df()
        if stored.empty:
            empty = WriteResult(series_id, new=len(incoming), revised=0, unchanged=0)
            return empty, incoming
        stored["period"] = stored["period"].astype("datetime64[us]")
        stored["published_at"] = stored["published_at"].astype("datetime64[us]")
        # What was known about each incoming row's period at its published_at.
        left = incoming.sort_values("published_at", kind="stable").reset_index(drop=True)
        right = stored.rename(columns={"value": "known", "published_at": "known_at"}).sort_values(
            "known_at", kind="stable"
        )
        merged = pd.merge_asof(
            left, right, left_on="published_at", right_on="known_at", by="period", direction="backward"
        )
        latest = stored.groupby("period", sort=False).agg(
            latest_value=("value", "last"), latest_at=("published_at", "last")
        )
        merged = merged.join(latest, on="period")
        has_prior = merged["known"].notna()
        same_as_known = has_prior & np.isclose(
            merged["value"], merged["known"], rtol=_SAME_VALUE_RTOL, atol=0.0
        )
        # A row the store has no earlier knowledge of, but later knowledge, is
        # a back-filled vintage; compare it with the period's latest value.
        no_prior_but_later = ~has_prior & merged["latest_value"].notna()
        same_as_latest = no_prior_but_later & np.isclose(
            merged["value"], merged["latest_value"], rtol=_SAME_VALUE_RTOL, atol=0.0
        )
        skip = same_as_known | same_as_latest
        new_period = merged["latest_value"].isna()
        keep = merged.loc[~skip, ["period", "published_at", "value", "latest_at"]].copy()
        revision = keep["latest_at"].notna()
        # A revision is knowable no earlier than when we saw it, unless the
        # source says it was published later than anything stored.
        stamp = pd.Timestamp(fetched_at).as_unit("us")
        late = revision & (keep["published_at"] <= keep["latest_at"])
        pub = keep["published_at"].to_numpy(dtype="datetime64[us]").copy()
        latest_at = keep["latest_at"].to_numpy(dtype="datetime64[us]")
        late_mask = late.to_numpy(dtype=bool)
        pub[late_mask] = np.maximum(pub[late_mask], stamp.to_datetime64().astype("datetime64[us]"))
        # Still not after the stored vintage (a clock behind the data): one tick later.
        clash = late_mask & (pub <= latest_at)
        pub[clash] = latest_at[clash] + np.timedelta64(1, "us")
        keep["published_at"] = pub
        keep = keep.drop(columns="latest_at").drop_duplicates(subset=["period", "published_at"], keep="last")
        result = WriteResult(
            series_id,
            new=int((~skip & new_period).sum()),
            revised=int((~skip & ~new_period).sum()),
            unchanged=int(skip.sum()),
        )
        return result, keep.sort_values(["period", "published_at"]).reset_index(drop=True)

    def start_run(self, command: str, *, now: dt.datetime) -> str:
        """Record the start of a writing command; returns its run id."""
        self._require_writable()
        run_id = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        self._con.execute("INSERT INTO runs VALUES (?, ?, ?, NULL, 'running')", [run_id, command, now])
        return run_id

    def finish_run(self, run_id: str, *, now: dt.datetime, status: str) -> None:
        self._require_writable()
        self._con.execute(
            "UPDATE runs SET finished_at = ?, status = ? WHERE run_id = ?", [now, status, run_id]
        )

    def record_status(self, run_id: str, statuses: Iterable[SeriesStatus], *, now: dt.datetime) -> None:
        """Record each series' outcome of a run (one transaction)."""
        self._require_writable()
        rows = [
            (
                run_id,
                s.series_id,
                s.status,
                s.detail,
                s.rows_new,
                s.rows_revised,
                None if s.last_period is None else s.last_period.to_pydatetime(),
                s.source,
                now,
            )
            for s in statuses
        ]
        if not rows:
            return
        with self._transaction():
            self._con.executemany(
                "INSERT OR REPLACE INTO fetch_status VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )

    def _require_writable(self) -> None:
        if self.read_only:
            raise StoreError(path=self.path, detail="opened read-only")

    # -- reading ----------------------------------------------------------------

    def series_ids(self) -> list[SeriesId]:
        """Every series id with at least one observation."""
        rows = self._con.execute("SELECT DISTINCT series_id FROM observations ORDER BY 1").fetchall()
        return [str(r[0]) for r in rows]

    def load(
        self, ids: Sequence[SeriesId] | None = None, *, as_of: dt.datetime | pd.Timestamp | None = None
    ) -> pd.DataFrame:
        """What was known at ``as_of``: one row per (series, period).

        Parameters
        ----------
        ids
            Series to read; ``None`` reads all.
        as_of
            Only rows with ``published_at <= as_of`` count; for each period the
            latest of those wins. ``None`` reads the latest vintage of everything.

        Returns
        -------
        DataFrame
            Columns ``series_id``, ``period``, ``published_at``, ``value``,
            sorted by series and period.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if ids is not None:
            if not ids:
                return pd.DataFrame(columns=["series_id", *OBS_COLUMNS])
            clauses.append("series_id IN (SELECT unnest(?))")
            params.append(list(ids))
        if as_of is not None:
            clauses.append("published_at <= ?")
            params.append(pd.Timestamp(as_of).to_pydatetime())
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        frame = self._con.execute(
            f"""
            SELECT series_id, period, max(published_at) AS published_at,
                   arg_max(value, published_at) AS value
            FROM observations {where}
            GROUP BY series_id, period
            ORDER BY series_id, period
            """,
            params,
        ).df()
        for col in ("period", "published_at"):
            frame[col] = frame[col].astype("datetime64[ns]")
        return frame

    def load_series(
        self, series_id: SeriesId, *, as_of: dt.datetime | pd.Timestamp | None = None
    ) -> pd.Series:
        """One series as a ``period``-indexed float Series (see :meth:`load`)."""
        frame = self.load([series_id], as_of=as_of)
        out = pd.Series(frame["value"].to_numpy(), index=pd.DatetimeIndex(frame["period"], name="period"))
        out.name = series_id
        return out

    def vintages(self, series_id: SeriesId) -> pd.DataFrame:
        """Every stored row of one series, all vintages, with ``fetched_at``."""
        frame = self._con.execute(
            "SELECT period, published_at, value, fetched_at FROM observations WHERE series_id = ? "
            "ORDER BY period, published_at",
            [series_id],
        ).df()
        return frame

    def all_vintages(
        self, ids: Sequence[SeriesId], *, published_by: dt.datetime | pd.Timestamp | None = None
    ) -> pd.DataFrame:
        """Every row of ``ids`` (all vintages) published by ``published_by``.

        Returns ``series_id`` (categorical, categories = ``ids``), ``period``,
        ``published_at`` and ``value``, sorted by series, ``published_at`` and
        ``period``; the panel needs all vintages so that each day sees the one
        known then.
        """
        ids = list(dict.fromkeys(ids))
        params: list[Any] = [ids, ids]
        where = "series_id IN (SELECT unnest(?))"
        if published_by is not None:
            where += " AND published_at <= ?"
            params.append(pd.Timestamp(published_by).to_pydatetime())
        # Integer keys and numpy arrays: ~10x faster than materialising strings.
        cols = self._con.execute(
            f"SELECT list_position(?, series_id)::INTEGER - 1 AS k, period, published_at, value "
            f"FROM observations WHERE {where} ORDER BY k, published_at, period",
            params,
        ).fetchnumpy()
        return pd.DataFrame(
            {
                "series_id": pd.Categorical.from_codes(
                    np.asarray(cols["k"], dtype=np.int64), dtype=pd.CategoricalDtype(ids)
                ),
                "period": np.asarray(cols["period"]).astype("datetime64[ns]"),
                "published_at": np.asarray(cols["published_at"]).astype("datetime64[ns]"),
                "value": np.asarray(cols["value"], dtype="float64"),
            }
        )

    def last_period(self, series_id: SeriesId) -> pd.Timestamp | None:
        row = self._con.execute(
            "SELECT max(period) FROM observations WHERE series_id = ?", [series_id]
        ).fetchone()
        return None if row is None or row[0] is None else pd.Timestamp(row[0])

    def last_periods(self, ids: Sequence[SeriesId]) -> dict[SeriesId, pd.Timestamp]:
        """The last stored period of each of ``ids`` that has any data."""
        rows = self._con.execute(
            "SELECT series_id, max(period) FROM observations WHERE series_id IN (SELECT unnest(?)) "
            "GROUP BY series_id",
            [list(ids)],
        ).fetchall()
        return {str(r[0]): pd.Timestamp(r[1]) for r in rows}

    def value_before(self, series_id: SeriesId, period: pd.Timestamp) -> float | None:
        """The latest known value of the last period before ``period`` (for seam checks)."""
        row = self._con.execute(
            "SELECT arg_max(value, published_at) FROM observations WHERE series_id = ? AND period = "
            "(SELECT max(period) FROM observations WHERE series_id = ? AND period < ?)",
            [series_id, series_id, period.to_pydatetime()],
        ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def summary(self) -> pd.DataFrame:
        """Per series: first and last period, periods stored, rows, last fetch and last status."""
        frame = self._con.execute(
            """
            WITH obs AS (
                SELECT series_id, min(period) AS first, max(period) AS last,
                       count(DISTINCT period) AS periods, count(*) AS rows,
                       max(fetched_at) AS fetched_at, max(published_at) AS published_at
                FROM observations GROUP BY series_id
            ), st AS (
                SELECT series_id, arg_max(status, recorded_at) AS last_status,
                       arg_max(detail, recorded_at) AS last_detail,
                       arg_max(source, recorded_at) AS source
                FROM fetch_status GROUP BY series_id
            )
            SELECT coalesce(obs.series_id, st.series_id) AS series_id, obs.first, obs.last,
                   coalesce(obs.periods, 0) AS periods, coalesce(obs.rows, 0) AS rows,
                   obs.fetched_at, obs.published_at, st.last_status, st.last_detail, st.source
            FROM obs FULL OUTER JOIN st ON obs.series_id = st.series_id
            ORDER BY 1
            """
        ).df()
        return frame

    def last_statuses(self) -> pd.DataFrame:
        """The per-series outcome of the most recent run that recorded any."""
        return self._con.execute(
            """
            SELECT series_id, status, detail, rows_new, rows_revised, last_period, source, recorded_at
            FROM fetch_status
            WHERE run_id = (SELECT run_id FROM fetch_status ORDER BY recorded_at DESC LIMIT 1)
            ORDER BY series_id
            """
        ).df()

    def fingerprint(self) -> pd.DataFrame:
        """Every observation row except ``fetched_at``, sorted: equal means same contents."""
        return self._con.execute(
            "SELECT series_id, period, published_at, value FROM observations "
            "ORDER BY series_id, period, published_at"
        ).df()
