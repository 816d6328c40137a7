"""Subscribers, level changes and the alert outbox, kept in the store file.

Tables (created on first use, beside the observations)::

    subscribers(subscriber_id PK, name, url, min_level, base, created_at,
                welcomed_as_of, removed_at)
    alert_changes(change_key PK, change_date, from_level, to_level, title, text,
                  as_of, recorded_at)                      -- the feed's entries
    alert_outbox(idempotency_key PK, subscriber_id, change_key, kind, state,
                 attempts, next_attempt_at, last_error, title, body_text, body_html,
                 payload_json, notify_type, chart_png, created_at, sending_at, sent_at)

An outbox row moves through these states::

    pending --(marked before the send, committed)--> sending
    sending --(channel confirmed, committed)--> sent
    sending --(channel refused or unreachable)--> pending (attempts+1, next_attempt_at backed off)
                                               \\-> failed  (after max_attempts: given up)
    sending --(the process died before the outcome was recorded)--> unconfirmed
    unconfirmed | failed --(`stormwatch alerts resend KEY`)--> pending

``idempotency_key`` is the primary key, so a message is queued at most once
per subscriber and level change however often a run repeats. Every state
change is its own committed transaction: a crash loses at most the outcome
of the one send in flight, and that row is found in ``sending`` by the next
run. ``last_error`` is stored redacted (see :func:`stormwatch.delivery.channels.redact_text`).
The channel URL (a secret) is stored in ``subscribers.url`` in the store
file, and nowhere else: protect the store file like any credentials file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from stormwatch.store import Store

__all__ = [
    "STATES",
    "ChangeRecord",
    "Outbox",
    "OutboxRow",
    "Subscriber",
    "SubscriberError",
    "change_key",
    "idempotency_key",
]

ALERTS_SCHEMA_VERSION = 1
STATES = ("pending", "sending", "sent", "failed", "unconfirmed", "cancelled")

_DDL = [
    """CREATE TABLE IF NOT EXISTS subscribers (
        subscriber_id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        url VARCHAR NOT NULL,
        min_level INTEGER NOT NULL,
        base VARCHAR,
        created_at TIMESTAMP NOT NULL,
        welcomed_as_of DATE,
        removed_at TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS alert_changes (
        change_key VARCHAR PRIMARY KEY,
        change_date DATE NOT NULL,
        from_level INTEGER,
        to_level INTEGER NOT NULL,
        title VARCHAR NOT NULL,
        text VARCHAR NOT NULL,
        as_of DATE NOT NULL,
        recorded_at TIMESTAMP NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS alert_outbox (
        idempotency_key VARCHAR PRIMARY KEY,
        subscriber_id VARCHAR NOT NULL,
        change_key VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        state VARCHAR NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at TIMESTAMP NOT NULL,
        last_error VARCHAR,
        title VARCHAR NOT NULL,
        body_text VARCHAR NOT NULL,
        body_html VARCHAR NOT NULL,
        payload_json VARCHAR NOT NULL,
        notify_type VARCHAR NOT NULL,
        chart_png BLOB,
        created_at TIMESTAMP NOT NULL,
        sending_at TIMESTAMP,
        sent_at TIMESTAMP
    )""",
]


class SubscriberError(ValueError):
    """A subscriber command that cannot be done (unknown or duplicate name)."""


def _level_text(level: int | None) -> str:
    return "none" if level is None else str(int(level))


def change_key(change_date: dt.date, from_level: int | None, to_level: int) -> str:
    """The identity of a level change: its day and the two levels."""
    raw = f"stormwatch-change/1|{change_date.isoformat()}|{_level_text(from_level)}|{int(to_level)}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def idempotency_key(subscriber_id: str, change_date: dt.date, from_level: int | None, to_level: int) -> str:
    """``sha256(subscriber, change date, from level, to level)``: one message per change and subscriber."""
    raw = (
        f"stormwatch-alert/1|{subscriber_id}|{change_date.isoformat()}|"
        f"{_level_text(from_level)}|{int(to_level)}"
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Subscriber:
    """One subscriber; ``url`` is a secret and stays out of ``repr``."""

    subscriber_id: str
    name: str
    url: str = field(repr=False)
    min_level: int
    base: str | None
    created_at: dt.datetime
    welcomed_as_of: dt.date | None = None
    removed_at: dt.datetime | None = None


@dataclass(frozen=True)
class ChangeRecord:
    """A level change as recorded for the feed."""

    change_key: str
    change_date: dt.date
    from_level: int | None
    to_level: int
    title: str
    text: str
    as_of: dt.date
    recorded_at: dt.datetime


@dataclass(frozen=True)
class OutboxRow:
    """One message to one subscriber, as stored."""

    idempotency_key: str
    subscriber_id: str
    change_key: str
    kind: str
    state: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    title: str
    body_text: str
    body_html: str
    payload_json: str
    notify_type: str
    chart_png: bytes | None = field(default=None, repr=False)
    created_at: dt.datetime | None = None
    sending_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None


_OUTBOX_COLS = (
    "idempotency_key, subscriber_id, change_key, kind, state, attempts, next_attempt_at, last_error, "
    "title, body_text, body_html, payload_json, notify_type, chart_png, created_at, sending_at, sent_at"
)
_SUB_COLS = "subscriber_id, name, url, min_level, base, created_at, welcomed_as_of, removed_at"


def _row(r: tuple[Any, ...]) -> OutboxRow:
    return OutboxRow(
        idempotency_key=r[0],
        subscriber_id=r[1],
        change_key=r[2],
        kind=r[3],
        state=r[4],
        attempts=int(r[5]),
        next_attempt_at=r[6],
        last_error=r[7],
        title=r[8],
        body_text=r[9],
        body_html=r[10],
        payload_json=r[11],
        notify_type=r[12],
        chart_png=None if r[13] is None else bytes(r[13]),
        created_at=r[14],
        sending_at=r[15],
        sent_at=r[16],
    )


def _sub(r: tuple[Any, ...]) -> Subscriber:
    return Subscriber(
        subscriber_id=r[0],
        name=r[1],
        url=r[2],
        min_level=int(r[3]),
        base=r[4],
        created_at=r[5],
        welcomed_as_of=r[6],
        removed_at=r[7],
    )


class Outbox:
    """The alert tables of one writable :class:`~stormwatch.store.Store`.

    Parameters
    ----------
    store
        An open, writable store; the tables are created if missing.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        with store.transaction():
            for ddl in _DDL:
                store.execute(ddl)
            store.execute(
                "INSERT INTO meta VALUES ('alerts_schema_version', ?) ON CONFLICT DO NOTHING",
                [str(ALERTS_SCHEMA_VERSION)],
            )

    # -- subscribers ----------------------------------------------------------------

    def add_subscriber(
        self, name: str, url: str, *, min_level: int, base: str | None, now: dt.datetime
    ) -> Subscriber:
        """Add a subscriber; the name must not be taken by an active one."""
        if not name.strip():
            raise SubscriberError("a subscriber needs a name")
        sub = Subscriber(uuid.uuid4().hex, name, url, int(min_level), base, now)
        with self.store.transaction():
            if self.store.execute("SELECT 1 FROM subscribers WHERE name = ? AND removed_at IS NULL", [name]):
                raise SubscriberError(
                    f"a subscriber named {name!r} exists; remove it first or pick another name"
                )
            self.store.execute(
                f"INSERT INTO subscribers ({_SUB_COLS}) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
                [sub.subscriber_id, name, url, sub.min_level, base, now],
            )
        return sub

    def remove_subscriber(self, name: str, *, now: dt.datetime) -> tuple[Subscriber, int]:
        """Remove an active subscriber; its unsent messages are cancelled. Returns it and how many."""
        with self.store.transaction():
            rows = self.store.execute(
                f"SELECT {_SUB_COLS} FROM subscribers WHERE name = ? AND removed_at IS NULL", [name]
            )
            if not rows:
                raise SubscriberError(
                    f"no subscriber named {name!r}; `stormwatch subscribers list` shows them"
                )
            sub = _sub(rows[0])
            self.store.execute(
                "UPDATE subscribers SET removed_at = ? WHERE subscriber_id = ?", [now, sub.subscriber_id]
            )
            cancelled = self.store.execute(
                "UPDATE alert_outbox SET state = 'cancelled' WHERE subscriber_id = ? "
                "AND state IN ('pending', 'failed', 'unconfirmed') RETURNING idempotency_key",
                [sub.subscriber_id],
            )
        return sub, len(cancelled)

    def subscribers(self, *, include_removed: bool = False) -> list[Subscriber]:
        """Subscribers in the order they were added."""
        where = "" if include_removed else "WHERE removed_at IS NULL"
        rows = self.store.execute(f"SELECT {_SUB_COLS} FROM subscribers {where} ORDER BY created_at, name")
        return [_sub(r) for r in rows]

    def mark_welcomed(self, subscriber_id: str, as_of: dt.date) -> None:
        self.store.execute(
            "UPDATE subscribers SET welcomed_as_of = ? WHERE subscriber_id = ?", [as_of, subscriber_id]
        )

    # -- the delivery cursor -------------------------------------------------------------

    def cursor(self) -> tuple[dt.date | None, int | None]:
        """The last day a run delivered for, and the level it announced then."""
        rows = dict(
            self.store.execute(
                "SELECT key, value FROM meta WHERE key IN ('alerts_cursor_date', 'alerts_cursor_level')"
            )
        )
        day = rows.get("alerts_cursor_date")
        level = rows.get("alerts_cursor_level")
        return (
            None if day is None else dt.date.fromisoformat(str(day)),
            None if level is None else int(level),
        )

    def set_cursor(self, day: dt.date, level: int) -> None:
        for key, value in (("alerts_cursor_date", day.isoformat()), ("alerts_cursor_level", str(int(level)))):
            self.store.execute(
                "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )

    # -- level changes (the feed) ----------------------------------------------------------

    def record_change(self, change: ChangeRecord) -> bool:
        """Record a level change once; ``False`` if it was recorded before."""
        inserted = self.store.execute(
            "INSERT INTO alert_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING "
            "RETURNING change_key",
            [
                change.change_key,
                change.change_date,
                change.from_level,
                change.to_level,
                change.title,
                change.text,
                change.as_of,
                change.recorded_at,
            ],
        )
        return bool(inserted)

    def changes(self, limit: int = 50) -> list[ChangeRecord]:
        """The most recent recorded level changes, newest first."""
        rows = self.store.execute(
            "SELECT change_key, change_date, from_level, to_level, title, text, as_of, recorded_at "
            "FROM alert_changes ORDER BY change_date DESC, recorded_at DESC LIMIT ?",
            [limit],
        )
        return [
            ChangeRecord(r[0], r[1], None if r[2] is None else int(r[2]), int(r[3]), r[4], r[5], r[6], r[7])
            for r in rows
        ]

    # -- the outbox --------------------------------------------------------------------------

    def enqueue(self, row: OutboxRow) -> bool:
        """Queue a message; ``False`` (and nothing changes) if its idempotency key is known."""
        inserted = self.store.execute(
            f"INSERT INTO alert_outbox ({_OUTBOX_COLS}) VALUES "
            "(?, ?, ?, ?, 'pending', 0, ?, NULL, ?, ?, ?, ?, ?, ?, ?, NULL, NULL) "
            "ON CONFLICT DO NOTHING RETURNING idempotency_key",
            [
                row.idempotency_key,
                row.subscriber_id,
                row.change_key,
                row.kind,
                row.next_attempt_at,
                row.title,
                row.body_text,
                row.body_html,
                row.payload_json,
                row.notify_type,
                row.chart_png,
                row.created_at,
            ],
        )
        return bool(inserted)

    def recover_interrupted(self) -> list[OutboxRow]:
        """Rows a dead process left in ``sending`` become ``unconfirmed``; returns them.

        Only one process writes to a store at a time, so a row in ``sending``
        when a run starts was being sent by a process that died before it could
        record the outcome: the channel may or may not have the message.
        """
        with self.store.transaction():
            rows = self.store.execute(
                f"UPDATE alert_outbox SET state = 'unconfirmed', last_error = "
                "'the run ended while sending (outcome unknown); not resent automatically' "
                f"WHERE state = 'sending' RETURNING {_OUTBOX_COLS}"
            )
        return [_row(r) for r in rows]

    def due(self, *, now: dt.datetime) -> list[OutboxRow]:
        """Pending messages whose next attempt is due, for active subscribers, oldest first."""
        rows = self.store.execute(
            f"SELECT {', '.join('o.' + c.strip() for c in _OUTBOX_COLS.split(','))} "
            "FROM alert_outbox o JOIN subscribers s USING (subscriber_id) "
            "WHERE o.state = 'pending' AND o.next_attempt_at <= ? AND s.removed_at IS NULL "
            "ORDER BY o.created_at, o.idempotency_key",
            [now],
        )
        return [_row(r) for r in rows]

    def mark_sending(self, key: str, *, now: dt.datetime) -> None:
        """Committed before the send: the record that a send may have happened."""
        with self.store.transaction():
            self.store.execute(
                "UPDATE alert_outbox SET state = 'sending', sending_at = ? WHERE idempotency_key = ?",
                [now, key],
            )

    def mark_sent(self, key: str, *, now: dt.datetime, detail: str = "") -> None:
        with self.store.transaction():
            self.store.execute(
                "UPDATE alert_outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, "
                "last_error = ? WHERE idempotency_key = ?",
                [now, detail or None, key],
            )

    def mark_failed(self, key: str, *, error: str, retry_at: dt.datetime | None) -> None:
        """Record a failed attempt: back to ``pending`` until ``retry_at``, or ``failed`` if ``None``."""
        with self.store.transaction():
            if retry_at is None:
                self.store.execute(
                    "UPDATE alert_outbox SET state = 'failed', attempts = attempts + 1, last_error = ? "
                    "WHERE idempotency_key = ?",
                    [error, key],
                )
            else:
                self.store.execute(
                    "UPDATE alert_outbox SET state = 'pending', attempts = attempts + 1, last_error = ?, "
                    "next_attempt_at = ? WHERE idempotency_key = ?",
                    [error, retry_at, key],
                )

    def requeue(self, key: str, *, now: dt.datetime) -> OutboxRow:
        """Put an ``unconfirmed``, ``failed`` or ``sent`` message back to ``pending`` (a deliberate resend).

        ``key`` is the idempotency key or a unique prefix of at least 6 characters.
        """
        if len(key) < 6:
            raise SubscriberError(
                "give at least 6 characters of the key; `stormwatch alerts list` shows them"
            )
        with self.store.transaction():
            rows = self.store.execute(
                f"SELECT {_OUTBOX_COLS} FROM alert_outbox WHERE starts_with(idempotency_key, ?)", [key]
            )
            if len(rows) != 1:
                what = "no message" if not rows else f"{len(rows)} messages"
                raise SubscriberError(f"{what} with key {key!r}; `stormwatch alerts list` shows the keys")
            row = _row(rows[0])
            if row.state not in ("unconfirmed", "failed", "sent"):
                raise SubscriberError(
                    f"message {row.idempotency_key} is {row.state}; only unconfirmed, failed or sent ones "
                    "can be resent"
                )
            self.store.execute(
                "UPDATE alert_outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, "
                "last_error = 'resend requested' WHERE idempotency_key = ?",
                [now, row.idempotency_key],
            )
        return row

    def get(self, key: str) -> OutboxRow | None:
        rows = self.store.execute(f"SELECT {_OUTBOX_COLS} FROM alert_outbox WHERE idempotency_key = ?", [key])
        return _row(rows[0]) if rows else None

    def listing(self, *, limit: int = 50, states: Sequence[str] | None = None) -> pd.DataFrame:
        """The newest messages with subscriber name, state, attempts and redacted last error."""
        where = ""
        params: list[object] = []
        if states:
            where = "WHERE o.state IN (SELECT unnest(?))"
            params.append(list(states))
        params.append(limit)
        rows = self.store.execute(
            "SELECT o.idempotency_key, s.name, o.kind, o.state, o.attempts, o.created_at, o.sent_at, "
            "o.next_attempt_at, o.title, o.last_error FROM alert_outbox o "
            f"LEFT JOIN subscribers s USING (subscriber_id) {where} "
            "ORDER BY o.created_at DESC, o.idempotency_key LIMIT ?",
            params,
        )
        cols = [
            "key",
            "subscriber",
            "kind",
            "state",
            "attempts",
            "created_at",
            "sent_at",
            "next_attempt_at",
            "title",
            "last_error",
        ]
        return pd.DataFrame(rows, columns=cols)

    def counts(self) -> dict[str, int]:
        """Messages per state."""
        return {
            str(s): int(n)
            for s, n in self.store.execute("SELECT state, count(*) FROM alert_outbox GROUP BY 1")
        }
