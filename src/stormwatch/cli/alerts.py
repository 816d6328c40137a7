"""Alert commands: ``subscribers add|remove|list``, ``alerts list|resend``; and the run's last step.

``stormwatch run`` ends with :func:`deliver_for_run`. A channel URL is a
secret: every command here shows it only through
:func:`~stormwatch.delivery.channels.redact_url`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from stormwatch.cli._app import ConfigOpt, Ctx, StoreOpt, VerboseOpt, _ctx, app, err, out
from stormwatch.config import Settings

if TYPE_CHECKING:
    from stormwatch.compute import Assessment
    from stormwatch.delivery.alerts import AlertOptions, DeliveryReport, DeliveryResult

__all__ = ["alert_options", "deliver_for_run"]

subscribers_app = typer.Typer(
    help="Who gets alerts: add, remove, list (channel URLs are shown redacted).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
alerts_app = typer.Typer(
    help="The alert outbox: list messages and their state, resend one.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(subscribers_app, name="subscribers")
app.add_typer(alerts_app, name="alerts")

_BASES = ("USD", "EUR", "JPY", "GBP", "CHF", "CNY")


def alert_options(settings: Settings) -> AlertOptions:
    """The ``[alerts]`` settings as :class:`~stormwatch.delivery.alerts.AlertOptions`."""
    from stormwatch.delivery.alerts import AlertOptions

    a = settings.alerts
    return AlertOptions(
        feed_path=None if a.feed_path is None else a.feed_path.expanduser(),
        report_url=a.report_url,
        report_path=None if a.report_path is None else a.report_path.expanduser(),
        timeout_seconds=a.timeout_seconds,
        max_attempts=a.max_attempts,
        backoff=dt.timedelta(minutes=a.backoff_minutes),
        max_backoff=dt.timedelta(hours=a.max_backoff_hours),
        catchup_days=a.catchup_days,
    )


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/] {message}", markup=True, highlight=False)
    return typer.Exit(1)


def _print_results(results: Sequence[DeliveryResult]) -> None:
    for r in results:
        if r.state == "sent":
            err.print(f"  sent         {r.subscriber}: {r.title} ({r.key[:12]})", markup=False)
        else:
            when = "given up" if r.retry_at is None else f"retry after {r.retry_at:%Y-%m-%d %H:%M} UTC"
            err.print(f"  failed       {r.subscriber}: {r.detail} ({when})", markup=False)


def print_delivery(report: DeliveryReport) -> None:
    """Print what a delivery did to stderr: one summary line, then a line per message (no secrets)."""
    err.print(report.summary(), markup=False)
    for r in report.interrupted:
        err.print(
            f"  unconfirmed  {r.subscriber}: a run ended while sending {r.key[:12]} ({r.title}); "
            f"not resent automatically - check the channel, or `stormwatch alerts resend {r.key[:12]}`",
            markup=False,
        )
    _print_results(report.results)
    for note in report.notes:
        err.print(f"  note: {note}", markup=False)


def deliver_for_run(
    ctx: Ctx, assessment: Assessment, *, report_path: Path | None = None, report_url: str | None = None
) -> DeliveryReport:
    """The last step of ``stormwatch run``: queue and send alerts, write the feed, report to stderr.

    Parameters
    ----------
    ctx
        The run's context (store path, ``[alerts]`` settings, clock).
    assessment
        The run's assessment; its last day is the day delivered for.
    report_path, report_url
        The HTML report this run wrote and where it is published (each
        overrides ``[alerts]``): email attaches the file, every alert links it.
    """
    from stormwatch.delivery.alerts import deliver_alerts

    options = alert_options(ctx.settings)
    if report_path is not None:
        options = dataclasses.replace(options, report_path=report_path)
    if report_url is not None:
        options = dataclasses.replace(options, report_url=report_url)
    report = deliver_alerts(ctx.settings.store.path, assessment, now=ctx.now, options=options)
    print_delivery(report)
    return report


# -- subscribers ---------------------------------------------------------------------------


@subscribers_app.command("add")
def subscribers_add(
    name: Annotated[str, typer.Argument(help="A name for this subscriber (unique).")],
    url: Annotated[
        str,
        typer.Argument(
            help="Channel URL: mailto://, mailtos://, json://, jsons:// or any apprise URL "
            "(slack://, discord://, msteams://, tgram://, ntfy://, ...). Use - to read it from "
            "stdin and keep it out of the shell history."
        ),
    ],
    min_level: Annotated[
        int, typer.Option("--min-level", min=0, max=4, help="Only changes reaching this level (0-4).")
    ] = 0,
    base: Annotated[
        str | None,
        typer.Option(
            "--base", help="Investor currency for the S&P 500 read-out: EUR, JPY, GBP, CHF, CNY, USD."
        ),
    ] = None,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Add a subscriber; it gets the current level on the next run, then one alert per level change."""
    from stormwatch.delivery.channels import ChannelError, redact_url, validate_url
    from stormwatch.delivery.outbox import Outbox, SubscriberError
    from stormwatch.store import Store

    ctx = _ctx(store, config, verbose)
    if url == "-":
        url = sys.stdin.readline().strip()
    code = None if base is None else base.strip().upper()
    if code is not None and code not in _BASES:
        raise typer.BadParameter(f"{base!r}: use one of {', '.join(_BASES)}", param_hint="--base")
    try:
        kind = validate_url(url)
    except ChannelError as exc:
        raise _fail(str(exc)) from None
    with Store.open(ctx.settings.store.path) as st:
        try:
            sub = Outbox(st).add_subscriber(name, url, min_level=min_level, base=code, now=ctx.now)
        except SubscriberError as exc:
            raise _fail(str(exc)) from None
    out.print(
        f"added subscriber {sub.name}: {redact_url(url)} ({kind}), min level {sub.min_level}"
        + (f", base {sub.base}" if sub.base else "")
        + "; the next run sends the current level, then one alert per level change",
        markup=False,
    )


@subscribers_app.command("remove")
def subscribers_remove(
    name: Annotated[str, typer.Argument(help="The subscriber's name.")],
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Remove a subscriber; its unsent messages are cancelled (its history stays in the outbox)."""
    from stormwatch.delivery.outbox import Outbox, SubscriberError
    from stormwatch.store import Store

    ctx = _ctx(store, config, verbose)
    with Store.open(ctx.settings.store.path) as st:
        try:
            sub, cancelled = Outbox(st).remove_subscriber(name, now=ctx.now)
        except SubscriberError as exc:
            raise _fail(str(exc)) from None
    out.print(f"removed subscriber {sub.name}; {cancelled} unsent message(s) cancelled", markup=False)


@subscribers_app.command("list")
def subscribers_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array.")] = False,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Every subscriber: channel (redacted), min level, base, and its messages by state."""
    from stormwatch.delivery.channels import channel_kind, redact_url
    from stormwatch.delivery.outbox import Outbox
    from stormwatch.store import Store

    ctx = _ctx(store, config, verbose)
    with Store.open(ctx.settings.store.path) as st:
        box = Outbox(st)
        subs = box.subscribers()
        listing = box.listing(limit=1_000_000)
    rows: list[dict[str, Any]] = []
    for s in subs:
        mine = listing[listing["subscriber"] == s.name]
        counts = {str(k): int(v) for k, v in mine["state"].value_counts().items()}
        rows.append(
            {
                "name": s.name,
                "channel": redact_url(s.url),
                "kind": channel_kind(s.url),
                "min_level": s.min_level,
                "base": s.base,
                "added": s.created_at.isoformat(sep=" "),
                "welcomed_as_of": None if s.welcomed_as_of is None else s.welcomed_as_of.isoformat(),
                "messages": counts,
            }
        )
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=1) + "\n")
        return
    if not rows:
        out.print("no subscribers; add one with `stormwatch subscribers add NAME URL`")
        return
    table = Table(title="subscribers")
    for col in ("name", "channel", "min level", "base", "added", "messages"):
        table.add_column(col, overflow="fold")
    for r in rows:
        msgs = ", ".join(f"{n} {k}" for k, n in sorted(r["messages"].items())) or "none yet"
        table.add_row(r["name"], r["channel"], str(r["min_level"]), r["base"] or "", r["added"][:16], msgs)
    out.print(table)


# -- the outbox ----------------------------------------------------------------------------


@alerts_app.command("list")
def alerts_list(
    state: Annotated[
        str | None,
        typer.Option(
            "--state", help="Only this state: pending, sending, sent, failed, unconfirmed, cancelled."
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest messages shown.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array.")] = False,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """The newest messages in the outbox with their state, attempts and (redacted) last error."""
    from stormwatch.delivery.outbox import STATES, Outbox
    from stormwatch.store import Store

    if state is not None and state not in STATES:
        raise typer.BadParameter(f"use one of {', '.join(STATES)}", param_hint="--state")
    ctx = _ctx(store, config, verbose)
    with Store.open(ctx.settings.store.path) as st:
        frame = Outbox(st).listing(limit=limit, states=None if state is None else [state])
    if as_json:
        sys.stdout.write(frame.to_json(orient="records", date_format="iso", indent=1) + "\n")
        return
    if frame.empty:
        out.print("no messages")
        return
    table = Table(title="alert outbox (newest first)")
    for col in ("key", "subscriber", "state", "tries", "created", "title", "last error"):
        table.add_column(col, overflow="fold")
    for _, r in frame.iterrows():
        table.add_row(
            str(r["key"])[:12],
            str(r["subscriber"]),
            str(r["state"]),
            str(r["attempts"]),
            str(r["created_at"])[:16],
            str(r["title"]),
            "" if r["last_error"] is None else str(r["last_error"]),
        )
    out.print(table)


@alerts_app.command("resend")
def alerts_resend(
    key: Annotated[str, typer.Argument(help="The message's key (or its first 6+ characters).")],
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Send an unconfirmed, failed or sent message again, now, under the same idempotency key."""
    from stormwatch.delivery.alerts import dispatch
    from stormwatch.delivery.outbox import Outbox, SubscriberError
    from stormwatch.store import Store

    ctx = _ctx(store, config, verbose)
    options = alert_options(ctx.settings)
    with Store.open(ctx.settings.store.path) as st:
        box = Outbox(st)
        try:
            row = box.requeue(key, now=ctx.now)
        except SubscriberError as exc:
            raise _fail(str(exc)) from None
        results = dispatch(box, now=ctx.now, options=options)
    _print_results(results)
    mine = [r for r in results if r.key == row.idempotency_key]
    if not mine or mine[0].state != "sent":
        raise typer.Exit(1)
