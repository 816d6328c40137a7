"""Alerts: one message per level change and subscriber, through an outbox, plus an Atom feed.

Every ``stormwatch run`` ends with :func:`deliver_alerts`. It

1. marks messages a dead run left in ``sending`` as ``unconfirmed`` (never
   resent on their own: the channel may already have them);
2. finds the level changes since the last delivered day (the *cursor*) and
   records each once (the feed's entries);
3. queues, in one transaction with the cursor move, one message per change
   for each subscriber whose ``min_level`` the change reaches, and one
   "current level" message for each new subscriber; the idempotency key
   ``sha256(subscriber, change date, from level, to level)`` is the outbox's
   primary key, so nothing is ever queued twice;
4. writes the Atom feed;
5. sends every due message: ``sending`` is committed before the send and
   ``sent`` after the channel confirmed; a failure goes back to ``pending``
   with an exponential backoff, and one channel's failure never stops the others.

Delivery semantics (see ``docs/ALERTS.md``): exactly once per change and
subscriber for every channel that confirms, including across repeated runs;
a crash in the one moment between a channel's confirmation and the record
of it leaves that message ``unconfirmed`` — it is not sent again (at most
once in that window), it is reported on every run, and
``stormwatch alerts resend KEY`` sends it again under the same key (email
``Message-ID``, webhook ``Idempotency-Key``) so a de-duplicating receiver
drops a copy it already has.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stormwatch.compute import Assessment
from stormwatch.delivery.alert_chart import level_chart_png
from stormwatch.delivery.channels import Message, SendOutcome, redact_text, send
from stormwatch.delivery.feed import FeedEntry, render_atom, write_feed
from stormwatch.delivery.outbox import (
    ChangeRecord,
    Outbox,
    OutboxRow,
    Subscriber,
    change_key,
    idempotency_key,
)
from stormwatch.level import LEVEL_NAMES, SignalMove, Transition
from stormwatch.signals.foreign_investor import BASES, foreign_investor_signal_id
from stormwatch.store import Store

__all__ = [
    "ALERT_SCHEMA",
    "AlertOptions",
    "AlertSnapshot",
    "DeliveryReport",
    "DeliveryResult",
    "LevelChange",
    "compose_message",
    "deliver_alerts",
    "deliver_snapshot",
    "dispatch",
    "plan_changes",
]

ALERT_SCHEMA = "stormwatch.alert/1"
_INVESTOR_WINDOW = 20
_BASE_NAMES = {"EUR": "euro", "JPY": "yen", "GBP": "sterling", "CHF": "Swiss franc", "CNY": "renminbi"}


@dataclass(frozen=True)
class AlertOptions:
    """How alerts are delivered (the ``[alerts]`` settings).

    Attributes
    ----------
    feed_path
        The Atom feed file; ``None``: ``feed.xml`` beside the store.
    report_url
        Where the HTML report is published (linked from every alert).
    report_path
        The report file of this run; attached to email when at most ``attach_report_max_bytes``.
    timeout_seconds
        Per-send connect/read timeout, so a dead channel cannot hold up the others for long.
    max_attempts
        Attempts before a message is given up as ``failed``.
    backoff, max_backoff
        The wait after the first failed attempt, doubled after each further one, capped.
    catchup_days
        A change older than this (calendar days before the run's day) when first
        seen goes into the feed but is not sent (after a long pause, or a replay
        that jumps ahead, subscribers are not flooded with history).
    chart_days
        Calendar days shown by the alert chart.
    """

    feed_path: Path | None = None
    report_url: str | None = None
    report_path: Path | None = None
    attach_report_max_bytes: int = 8_000_000
    timeout_seconds: float = 15.0
    max_attempts: int = 8
    backoff: dt.timedelta = dt.timedelta(minutes=15)
    max_backoff: dt.timedelta = dt.timedelta(hours=12)
    catchup_days: int = 14
    chart_days: int = 730

    def retry_at(self, now: dt.datetime, attempts: int) -> dt.datetime | None:
        """When to try again after ``attempts`` failed attempts; ``None`` once they are used up."""
        if attempts >= self.max_attempts:
            return None
        wait = min(self.backoff * (1 << max(attempts - 1, 0)), self.max_backoff)
        return now + wait


# -- what the alert says ---------------------------------------------------------------


@dataclass(frozen=True)
class LevelChange:
    """A level change to announce (or, with ``from_level`` equal to ``None``, the level since the start)."""

    date: pd.Timestamp
    from_level: int | None
    to_level: int
    reason: str
    moved: tuple[SignalMove, ...] = ()
    unknown: tuple[str, ...] = ()
    explanation: str = ""

    @classmethod
    def from_transition(cls, t: Transition) -> LevelChange:
        return cls(t.date, t.from_level, t.to_level, t.reason, t.moved, t.unknown, t.text())

    @property
    def direction(self) -> str:
        if self.from_level is None or self.from_level == self.to_level:
            return "none"
        return "up" if self.to_level > self.from_level else "down"

    @property
    def key(self) -> str:
        return change_key(self.date.date(), self.from_level, self.to_level)

    def headline(self) -> str:
        to = f"{self.to_level} {LEVEL_NAMES[self.to_level]}"
        if self.from_level is None:
            return f"level {to} since {self.date.date()}"
        frm = f"{self.from_level} {LEVEL_NAMES[self.from_level]}"
        return f"level {self.direction} to {to} (from {frm}) on {self.date.date()}"


@dataclass(frozen=True)
class AlertSnapshot:
    """What an alert needs from an assessment, cut at one day (pure, picklable).

    The level path is causal (hysteresis looks back only) and the panel is
    point in time, so cutting an assessment at an earlier day gives what a
    run on that day said.
    """

    as_of: pd.Timestamp
    level: int
    score: float | None
    coverage: float | None
    regime: str
    frame: pd.DataFrame = field(repr=False)
    transitions: tuple[Transition, ...] = field(repr=False)
    investor: Mapping[str, Mapping[str, float | None]] = field(repr=False)
    standing: tuple[tuple[str, str, str], ...] = field(repr=False)

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]

    @classmethod
    def from_assessment(cls, a: Assessment, as_of: pd.Timestamp | None = None) -> AlertSnapshot:
        """Cut ``a`` at ``as_of`` (default: its last day)."""
        full = a.level.frame
        day = pd.Timestamp(full.index[-1] if as_of is None else as_of)
        frame = full.loc[full.index <= day, ["level", "score", "coverage"]]
        if frame.empty:
            raise ValueError(f"the assessment has no day on or before {day.date()}")
        day = pd.Timestamp(frame.index[-1])
        last = frame.iloc[-1]
        investor: dict[str, dict[str, float | None]] = {}
        for base in BASES:
            res = a.results.get(foreign_investor_signal_id(base))
            if res is None or res.evidence.empty or day not in res.evidence.index:
                continue
            row = res.evidence.loc[day]
            view: dict[str, float | None] = {}
            for leg in ("usd", "unhedged", "hedged"):
                name = f"{leg}_{_INVESTOR_WINDOW}d"
                col = name if name in row.index else f"{res.spec.id}.{name}"
                value = _num(row[col]) if col in row.index else None
                view[leg] = None if value is None else float(np.expm1(value))
            investor[base] = view
        standing = []
        for res in a.results.values():
            if res.spec.kind not in ("checklist", "aggravator") or day not in res.state.index:
                continue
            state = str(res.state.loc[day])
            if state in ("on", "watch"):
                standing.append((res.spec.id, res.spec.title, state))
        standing.sort(key=lambda s: (s[2] != "on", s[0]))
        return cls(
            as_of=day,
            level=int(last["level"]),
            score=_num(last["score"]),
            coverage=_num(last["coverage"]),
            regime=str(a.regime.get(day, "unknown")),
            frame=frame,
            transitions=tuple(t for t in a.level.transitions if t.date <= day),
            investor=investor,
            standing=tuple(standing),
        )

    def current_change(self) -> LevelChange:
        """The change that set the current level (the first day, if the level never changed)."""
        if self.transitions:
            return LevelChange.from_transition(self.transitions[-1])
        first = pd.Timestamp(self.frame.index[0])
        return LevelChange(
            first, None, self.level, "no level change in the history", explanation="no level change yet"
        )


def _num(x: Any) -> float | None:
    if x is None:
        return None
    value = float(x)
    return None if math.isnan(value) else value


def _round(x: float, digits: int = 3) -> float | None:
    value = _num(x)
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class ChangePlan:
    """The level changes a run announces, and whether the run is a replay before the cursor."""

    changes: tuple[LevelChange, ...]
    backwards: bool = False
    first_run: bool = False


def plan_changes(snap: AlertSnapshot, cursor_date: dt.date | None, cursor_level: int | None) -> ChangePlan:
    """The level changes after the last delivered day (pure).

    Parameters
    ----------
    snap
        Today's snapshot.
    cursor_date, cursor_level
        The last delivered day and the level announced then (``None`` on the first run).

    Returns
    -------
    ChangePlan
        On the first run, the change that set the current level (so the feed
        starts with it). Afterwards, every transition after the cursor that
        moves away from the level last announced (a transition the data now
        dates differently, but that ends at the level already announced, is
        not announced again); and if revised data undid an announced change,
        one change from the announced level to today's. A run for a day
        before the cursor (a replay into the past) announces nothing.
    """
    day = snap.as_of.date()
    if cursor_date is None:
        first = snap.current_change()
        return ChangePlan(tuple(c for c in (first,) if c.from_level is not None), first_run=True)
    if day < cursor_date:
        return ChangePlan((), backwards=True)
    level = cursor_level
    out: list[LevelChange] = []
    for t in snap.transitions:
        if t.date.date() <= cursor_date:
            continue
        if level is not None and t.to_level == level:
            continue
        out.append(LevelChange.from_transition(t))
        level = t.to_level
    if level is not None and level != snap.level:
        reason = (
            f"revised data: the level announced before ({level} {LEVEL_NAMES[level]}) "
            f"no longer holds; it is {snap.level} {snap.level_name}"
        )
        out.append(
            LevelChange(
                snap.as_of,
                level,
                snap.level,
                reason,
                explanation=f"{day}: level {level} -> {snap.level}\n  why: {reason}",
            )
        )
    return ChangePlan(tuple(out))


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:+.1f}%"


def _investor_line(snap: AlertSnapshot, base: str | None) -> tuple[str, dict[str, Any] | None]:
    if not base or base == "USD" or base not in snap.investor:
        return "", None
    v = snap.investor[base]
    line = (
        f"For a {_BASE_NAMES.get(base, base)} investor, last {_INVESTOR_WINDOW} business days: "
        f"S&P 500 in USD {_pct(v.get('usd'))}, unhedged in {base} {_pct(v.get('unhedged'))}, "
        f"FX-hedged {_pct(v.get('hedged'))}."
    )
    data = {
        "base": base,
        "window_days": _INVESTOR_WINDOW,
        "usd_return": v.get("usd"),
        "unhedged_return": v.get("unhedged"),
        "hedged_return": v.get("hedged"),
    }
    return line, data


def _notify_type(kind: str, change: LevelChange) -> str:
    if change.to_level >= 3:
        return "failure"
    if kind == "change":
        return "warning" if change.direction == "up" else "success"
    return "info" if change.to_level == 0 else "warning"


def compose_message(
    snap: AlertSnapshot,
    change: LevelChange,
    sub: Subscriber,
    *,
    kind: str,
    key: str,
    options: AlertOptions,
    chart_png: bytes | None,
    created_at: dt.datetime,
) -> Message:
    """Render one alert for one subscriber (pure).

    ``kind`` is ``change`` (a level change) or ``current`` (a new subscriber's
    first message: the level now and the change that set it).
    """
    score = "n/a" if snap.score is None else f"{snap.score:.0f}/100"
    coverage = "" if snap.coverage is None else f" (coverage {snap.coverage:.0%})"
    if kind == "current":
        title = f"stormwatch: current level {snap.level} {snap.level_name} (as of {snap.as_of.date()})"
        lead = (
            f"You are subscribed to stormwatch as {sub.name!r}. The storm level as of {snap.as_of.date()} "
            f"is {snap.level} {snap.level_name}; last change: {change.headline()}."
        )
    else:
        title = f"stormwatch: {change.headline()}"
        lead = f"Storm level {change.to_level} {LEVEL_NAMES[change.to_level]}: {change.headline()}."
    chart_name = f"stormwatch-level-{snap.as_of.date()}.png"
    investor_line, investor = _investor_line(snap, sub.base)
    report_ref = options.report_url or (
        options.report_path.resolve().as_uri() if options.report_path is not None else None
    )
    lines = [
        lead,
        f"As of {snap.as_of.date()}: score {score}{coverage}; regime: {snap.regime}.",
        "",
        "What moved:",
        change.explanation or change.reason,
    ]
    if snap.standing:
        lines += ["", "Signals on or at watch now:"]
        lines += [f"  - [{state}] {title_}" for _, title_, state in snap.standing]
    if investor_line:
        lines += ["", investor_line]
    lines += ["", f"Chart: {chart_name} (attached)" if chart_png else "Chart: not available"]
    if report_ref:
        lines.append(f"Report: {report_ref}")
    lines += [
        "",
        f"One message per level change reaching level {sub.min_level} or above. Reference: {key}",
    ]
    text = "\n".join(lines)
    html_lines = [
        f"<h2>{escape(title)}</h2>",
        f"<p>{escape(lead)}</p>",
        f"<p>As of {snap.as_of.date()}: score <b>{escape(score)}</b>{escape(coverage)}; "
        f"regime: {escape(snap.regime)}.</p>",
    ]
    if chart_png:
        html_lines.append(f'<p><img src="cid:chart" alt="{escape(chart_name)}" width="900"></p>')
    html_lines += ["<h3>What moved</h3>", f"<pre>{escape(change.explanation or change.reason)}</pre>"]
    if snap.standing:
        items = "".join(f"<li>[{escape(s)}] {escape(t)}</li>" for _, t, s in snap.standing)
        html_lines.append(f"<h3>Signals on or at watch now</h3><ul>{items}</ul>")
    if investor_line:
        html_lines.append(f"<p>{escape(investor_line)}</p>")
    if report_ref:
        html_lines.append(f'<p><a href="{escape(report_ref)}">The full report</a></p>')
    html_lines.append(f"<p style='color:#777'>Reference: {escape(key)}</p>")
    payload: dict[str, Any] = {
        "schema": ALERT_SCHEMA,
        "idempotency_key": key,
        "kind": kind,
        "subscriber": sub.name,
        "as_of": str(snap.as_of.date()),
        "level": snap.level,
        "level_name": snap.level_name,
        "score": None if snap.score is None else round(snap.score, 2),
        "coverage": None if snap.coverage is None else round(snap.coverage, 4),
        "regime": snap.regime,
        "change": {
            "date": str(change.date.date()),
            "from_level": change.from_level,
            "from_name": None if change.from_level is None else LEVEL_NAMES[change.from_level],
            "to_level": change.to_level,
            "to_name": LEVEL_NAMES[change.to_level],
            "direction": change.direction,
            "reason": change.reason,
        },
        "what_moved": [
            {
                "signal": m.signal_id,
                "title": m.title,
                "from": m.state_before,
                "to": m.state_now,
                "intensity_from": _round(m.intensity_before),
                "intensity_to": _round(m.intensity_now),
                "since": None if m.since is None else str(m.since.date()),
            }
            for m in change.moved
        ],
        "unknown_signals": list(change.unknown),
        "explanation": change.explanation or change.reason,
        "standing": [{"signal": i, "title": t, "state": s} for i, t, s in snap.standing],
        "investor": investor,
        "report_url": report_ref,
        "chart": None if not chart_png else {"filename": chart_name, "mimetype": "image/png"},
    }
    return Message(
        key=key,
        title=title,
        text=text,
        html="\n".join(html_lines),
        payload=payload,
        notify_type=_notify_type(kind, change),
        chart_png=chart_png,
        chart_name=chart_name,
        created_at=created_at,
    )


# -- the run -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one message in one run (``detail`` is redacted)."""

    subscriber: str
    key: str
    title: str
    state: str
    detail: str = ""
    retry_at: dt.datetime | None = None


@dataclass
class DeliveryReport:
    """What :func:`deliver_alerts` did."""

    as_of: dt.date
    level: int
    feed_path: Path
    new_changes: list[LevelChange] = field(default_factory=list)
    queued: list[tuple[str, str]] = field(default_factory=list)
    results: list[DeliveryResult] = field(default_factory=list)
    interrupted: list[DeliveryResult] = field(default_factory=list)
    open_unconfirmed: int = 0
    not_sent_old: int = 0
    backwards: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def sent(self) -> list[DeliveryResult]:
        return [r for r in self.results if r.state == "sent"]

    @property
    def failed(self) -> list[DeliveryResult]:
        return [r for r in self.results if r.state != "sent"]

    def summary(self) -> str:
        """One line for the terminal and the log (no secrets: names and keys only)."""
        parts = [f"alerts: {len(self.new_changes)} level change(s) recorded", f"{len(self.queued)} queued"]
        parts.append(f"{len(self.sent)} sent")
        retrying = [r for r in self.failed if r.state == "pending"]
        given_up = [r for r in self.failed if r.state == "failed"]
        if retrying:
            parts.append(f"{len(retrying)} failed (retried later)")
        if given_up:
            parts.append(f"{len(given_up)} given up")
        if self.open_unconfirmed:
            parts.append(f"{self.open_unconfirmed} unconfirmed (see `stormwatch alerts list`)")
        line = ", ".join(parts)
        if self.backwards:
            line += "; a replay before the last delivered day announces nothing new"
        if self.not_sent_old:
            line += f"; {self.not_sent_old} change(s) older than the catch-up window went to the feed only"
        return line


OnSent = Callable[[OutboxRow, SendOutcome], None]
SendFn = Callable[..., SendOutcome]
ChartFn = Callable[[], bytes]


def key_chart_png(a: Assessment, as_of: pd.Timestamp, *, days: int = 730) -> bytes:
    """The report's level-timeline chart, cut to the ``days`` before ``as_of``, as PNG bytes."""
    from stormwatch.delivery.charts import ChartOptions, level_timeline
    from stormwatch.delivery.figures import png_bytes

    chart = level_timeline(a, ChartOptions())
    view = dataclasses.replace(chart, view_start=as_of - pd.Timedelta(days=days), view_end=as_of)
    return png_bytes(view)


def _render_chart(
    snap: AlertSnapshot, options: AlertOptions, chart: ChartFn | None, report: DeliveryReport
) -> bytes | None:
    if chart is not None:
        try:
            return chart()
        except Exception as exc:  # the alert goes out with the fallback chart
            report.notes.append(f"key chart failed ({type(exc).__name__}: {exc}); sent the simple chart")
    try:
        return level_chart_png(snap.frame, snap.transitions, days=options.chart_days)
    except Exception as exc:  # the alert goes out without a chart
        report.notes.append(f"chart failed ({type(exc).__name__}: {exc}); sent without a chart")
        return None


def dispatch(
    box: Outbox,
    *,
    now: dt.datetime,
    options: AlertOptions,
    on_sent: OnSent | None = None,
    send_fn: SendFn = send,
) -> list[DeliveryResult]:
    """Send every due message, one at a time, recording each outcome as it comes.

    ``sending`` is committed before each send and ``sent`` after the channel
    confirmed; ``on_sent`` runs between the two (a progress hook, and the
    test seam for a crash at the worst moment). A failure is recorded with a
    redacted reason and a retry time; it never stops the other messages.
    """
    subs = {s.subscriber_id: s for s in box.subscribers()}
    report_bytes: bytes | None = None
    path = options.report_path
    if path is not None and path.is_file() and path.stat().st_size <= options.attach_report_max_bytes:
        report_bytes = path.read_bytes()
    results = []
    for row in box.due(now=now):
        sub = subs[row.subscriber_id]
        payload = json.loads(row.payload_json)
        chart_meta = payload.get("chart") or {}
        message = Message(
            key=row.idempotency_key,
            title=row.title,
            text=row.body_text,
            html=row.body_html,
            payload=payload,
            notify_type=row.notify_type,
            chart_png=row.chart_png,
            chart_name=str(chart_meta.get("filename", "stormwatch-level.png")),
            report_html=report_bytes,
            created_at=row.created_at,
        )
        box.mark_sending(row.idempotency_key, now=now)
        try:
            outcome = send_fn(sub.url, message, timeout=options.timeout_seconds)
        except Exception as exc:  # a bug in a channel must not stop the others
            outcome = SendOutcome(False, redact_text(f"unexpected {type(exc).__name__}: {exc}", sub.url))
        if outcome.ok:
            if on_sent is not None:
                on_sent(row, outcome)
            box.mark_sent(row.idempotency_key, now=now, detail=outcome.detail)
            results.append(DeliveryResult(sub.name, row.idempotency_key, row.title, "sent", outcome.detail))
        else:
            retry_at = options.retry_at(now, row.attempts + 1)
            box.mark_failed(row.idempotency_key, error=outcome.detail, retry_at=retry_at)
            state = "pending" if retry_at is not None else "failed"
            results.append(
                DeliveryResult(sub.name, row.idempotency_key, row.title, state, outcome.detail, retry_at)
            )
    return results


def _feed_entries(box: Outbox, link: str | None) -> list[FeedEntry]:
    out = []
    for c in box.changes(limit=50):
        out.append(
            FeedEntry(
                entry_id=f"tag:stormwatch,2024:change/{c.change_date}/{c.from_level}-{c.to_level}",
                title=c.title,
                text=c.text,
                published=dt.datetime.combine(c.change_date, dt.time()),
                updated=c.recorded_at,
                link=link,
            )
        )
    return out


def deliver_snapshot(
    store_path: Path,
    snap: AlertSnapshot,
    *,
    now: dt.datetime,
    options: AlertOptions | None = None,
    on_sent: OnSent | None = None,
    send_fn: SendFn = send,
    chart: ChartFn | None = None,
) -> DeliveryReport:
    """:func:`deliver_alerts` for a snapshot (a day cut from an assessment).

    ``chart`` renders the key chart (PNG bytes) when a message is queued;
    without it, or if it fails, :func:`~stormwatch.delivery.alert_chart.level_chart_png`
    draws the level and score from the snapshot (an alert never waits on a chart).
    ``send_fn`` is the channel sender (default :func:`~stormwatch.delivery.channels.send`).
    """
    options = options or AlertOptions()
    store_path = Path(store_path)
    feed_path = options.feed_path or store_path.parent / "feed.xml"
    report = DeliveryReport(as_of=snap.as_of.date(), level=snap.level, feed_path=feed_path)
    with Store.open(store_path) as store:
        box = Outbox(store)
        names = {s.subscriber_id: s.name for s in box.subscribers(include_removed=True)}
        for row in box.recover_interrupted():
            report.interrupted.append(
                DeliveryResult(
                    names.get(row.subscriber_id, "?"), row.idempotency_key, row.title, "unconfirmed"
                )
            )
        cursor_date, cursor_level = box.cursor()
        plan = plan_changes(snap, cursor_date, cursor_level)
        report.backwards = plan.backwards
        report.new_changes = list(plan.changes)
        if not plan.backwards:
            _queue(box, snap, plan, report, now=now, options=options, chart=chart)
        write_feed(feed_path, render_atom(_feed_entries(box, options.report_url), link=options.report_url))
        report.results = dispatch(box, now=now, options=options, on_sent=on_sent, send_fn=send_fn)
        report.open_unconfirmed = box.counts().get("unconfirmed", 0)
    return report


def _queue(
    box: Outbox,
    snap: AlertSnapshot,
    plan: ChangePlan,
    report: DeliveryReport,
    *,
    now: dt.datetime,
    options: AlertOptions,
    chart: ChartFn | None,
) -> None:
    subs = box.subscribers()
    rendered: list[bytes | None] = []

    def chart_png() -> bytes | None:
        if not rendered:
            rendered.append(_render_chart(snap, options, chart, report))
        return rendered[0]

    horizon = snap.as_of.date() - dt.timedelta(days=options.catchup_days)

    def queue(sub: Subscriber, change: LevelChange, kind: str) -> None:
        key = idempotency_key(sub.subscriber_id, change.date.date(), change.from_level, change.to_level)
        msg = compose_message(
            snap, change, sub, kind=kind, key=key, options=options, chart_png=chart_png(), created_at=now
        )
        row = OutboxRow(
            idempotency_key=key,
            subscriber_id=sub.subscriber_id,
            change_key=change.key,
            kind=kind,
            state="pending",
            attempts=0,
            next_attempt_at=now,
            last_error=None,
            title=msg.title,
            body_text=msg.text,
            body_html=msg.html,
            payload_json=json.dumps(msg.payload, default=str),
            notify_type=msg.notify_type,
            chart_png=msg.chart_png,
            created_at=now,
        )
        if box.enqueue(row):
            report.queued.append((sub.name, key))

    with box.store.transaction():
        for change in plan.changes:
            box.record_change(
                ChangeRecord(
                    change.key,
                    change.date.date(),
                    change.from_level,
                    change.to_level,
                    f"stormwatch: {change.headline()}",
                    change.explanation or change.reason,
                    snap.as_of.date(),
                    now,
                )
            )
            if plan.first_run:
                continue  # nobody has been told anything yet: everyone gets the current level below
            if change.date.date() < horizon:
                report.not_sent_old += 1
                continue
            for sub in subs:
                if sub.welcomed_as_of is None:
                    continue  # a new subscriber gets the current level below, once
                if max(change.from_level or 0, change.to_level) < sub.min_level:
                    continue
                queue(sub, change, "change")
        current = snap.current_change()
        for sub in subs:
            if sub.welcomed_as_of is None:
                queue(sub, current, "current")
                box.mark_welcomed(sub.subscriber_id, snap.as_of.date())
        box.set_cursor(snap.as_of.date(), snap.level)


def deliver_alerts(
    store_path: Path,
    assessment: Assessment,
    *,
    now: dt.datetime,
    options: AlertOptions | None = None,
    on_sent: OnSent | None = None,
) -> DeliveryReport:
    """Queue and send the alerts of a run; write the feed. The last step of ``stormwatch run``.

    Parameters
    ----------
    store_path
        The store file (opened for writing for the duration of the call; the
        subscribers, the outbox and the delivery cursor live there).
    assessment
        The run's assessment; its last day is the day alerts are delivered for.
    now
        The run's clock (naive UTC): outbox times and retry backoff use it.
    options
        Feed path, report link, timeouts, retries (default :class:`AlertOptions`).
    on_sent
        Called after a channel confirmed a message and before that is recorded.

    Returns
    -------
    DeliveryReport
        New changes, queued and sent messages, failures with their (redacted)
        reasons and retry times, and unconfirmed messages.
    """
    options = options or AlertOptions()
    snap = AlertSnapshot.from_assessment(assessment)

    def chart() -> bytes:
        return key_chart_png(assessment, snap.as_of, days=options.chart_days)

    return deliver_snapshot(store_path, snap, now=now, options=options, on_sent=on_sent, chart=chart)


def changes_as_dicts(changes: Sequence[LevelChange]) -> list[dict[str, Any]]:
    """Level changes as JSON-ready dicts."""
    return [
        {
            "date": str(c.date.date()),
            "from_level": c.from_level,
            "to_level": c.to_level,
            "direction": c.direction,
            "explanation": c.explanation or c.reason,
        }
        for c in changes
    ]
