"""``stormwatch watch``: the daily ``run`` on a schedule, surviving a failing day.

The loop is plain code with an injected clock and sleep (:func:`watch_loop`),
so tests drive it through days in milliseconds; the command wires it to the
real clock, ``time.sleep`` and the same function ``stormwatch run`` calls.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from stormwatch.cli._app import ConfigOpt, StoreOpt, VerboseOpt, _ctx, app

__all__ = ["next_run_at", "parse_at", "sleep_until", "watch_loop"]

#: Longest single sleep: the clock is read again after each, so a suspended
#: machine or a clock change is noticed within this many seconds.
MAX_NAP_SECONDS = 60.0


def parse_at(text: str) -> dt.time:
    """``HH:MM`` (24-hour) as a time of day."""
    try:
        hour, minute = (int(p) for p in text.split(":"))
        return dt.time(hour, minute)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a time of day; use HH:MM, e.g. 07:30", param_hint="--at"
        ) from None


def next_run_at(now: dt.datetime, at: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The first ``at`` (wall-clock time in ``tz``) strictly after ``now``, as an aware UTC datetime.

    On the day clocks go forward, a time that does not exist (02:30 in
    Europe/Berlin) runs at the same offset before the jump (03:30 local); on
    the day they go back, an ambiguous time runs at its first occurrence.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    local = now.astimezone(tz)
    day = local.date()
    for _ in range(3):
        candidate = dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)
        if candidate > now:
            return candidate
        day += dt.timedelta(days=1)
    raise AssertionError("unreachable: a later day always has the time")  # pragma: no cover


def sleep_until(
    target: dt.datetime, clock: Callable[[], dt.datetime], sleep: Callable[[float], None]
) -> None:
    """Sleep in naps of at most :data:`MAX_NAP_SECONDS` until ``clock()`` reaches ``target``."""
    while (remaining := (target - clock()).total_seconds()) > 0:
        sleep(min(remaining, MAX_NAP_SECONDS))


def watch_loop(
    job: Callable[[], None],
    *,
    at: dt.time,
    tz: dt.tzinfo,
    clock: Callable[[], dt.datetime],
    sleep: Callable[[float], None],
    log: logging.Logger,
    max_runs: int | None = None,
    run_now: bool = False,
) -> list[bool]:
    """Run ``job`` every day at ``at`` in ``tz``; a failing run is logged and the loop goes on.

    Parameters
    ----------
    job
        One daily run (raises on failure).
    at, tz
        The wall-clock time and its time zone.
    clock
        Aware UTC now (``lambda: datetime.now(UTC)``).
    sleep
        ``time.sleep``.
    log
        Where each run's start, end, failure (with traceback) and the next run time go.
    max_runs
        Stop after this many runs (``None``: never).
    run_now
        Run once immediately before the first scheduled time.

    Returns
    -------
    list of bool
        Whether each run succeeded (when ``max_runs`` ends the loop).
    """
    outcomes: list[bool] = []
    immediate = run_now
    while max_runs is None or len(outcomes) < max_runs:
        if immediate:
            immediate = False
            scheduled = clock()
        else:
            scheduled = next_run_at(clock(), at, tz)
            log.info("next run at %s", scheduled.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z"))
            sleep_until(scheduled, clock, sleep)
        number = len(outcomes) + 1
        started = clock()
        log.info(
            "run %d started (scheduled %s)", number, scheduled.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
        )
        try:
            job()
        except (Exception, SystemExit) as exc:
            if isinstance(exc, SystemExit) and not exc.code:
                ok = True
            else:
                ok = False
                seconds = (clock() - started).total_seconds()
                detail = (
                    f"exit code {exc.code}" if isinstance(exc, SystemExit) else f"{type(exc).__name__}: {exc}"
                )
                log.error("run %d failed after %.1f s: %s", number, seconds, detail)
                log.debug("run %d traceback", number, exc_info=exc)
        else:
            ok = True
        if ok:
            log.info("run %d finished in %.1f s", number, (clock() - started).total_seconds())
        outcomes.append(ok)
    return outcomes


def _logger(path: Path) -> logging.Logger:
    log = logging.getLogger("stormwatch.watch")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    _close(log)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S%z")
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setLevel(logging.DEBUG)  # the file keeps tracebacks
    to_file.setFormatter(fmt)
    to_err = logging.StreamHandler(sys.stderr)
    to_err.setLevel(logging.INFO)
    to_err.setFormatter(fmt)
    log.addHandler(to_file)
    log.addHandler(to_err)
    return log


def _close(log: logging.Logger) -> None:
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()


@app.command("watch")
def watch_cmd(
    at: Annotated[str, typer.Option("--at", help="Time of day to run, HH:MM (24-hour).")],
    timezone: Annotated[
        str, typer.Option("--timezone", help="IANA time zone of --at, e.g. Europe/Berlin.")
    ] = "UTC",
    offline: Annotated[bool, typer.Option("--offline", help="Each run uses only the store.")] = False,
    run_now: Annotated[bool, typer.Option("--run-now", help="Also run once right away.")] = False,
    max_runs: Annotated[
        int | None, typer.Option("--max-runs", min=1, help="Stop after this many runs (default: never).")
    ] = None,
    log_file: Annotated[
        Path | None,
        typer.Option("--log-file", help="Log file (default: [alerts] watch_log or watch.log by the store)."),
    ] = None,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Run the daily job (update, compute, report, alerts) every day at --at; a failing day is logged."""
    from stormwatch.cli.assess import run_cmd

    time_of_day = parse_at(at)
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(f"{timezone!r} is not an IANA time zone", param_hint="--timezone") from None
    ctx = _ctx(store, config, verbose)
    path = log_file or ctx.settings.alerts.watch_log or ctx.settings.store.path.parent / "watch.log"
    log = _logger(path.expanduser())
    log.info("watch started: daily at %s %s%s; log %s", at, timezone, " (offline)" if offline else "", path)

    def job() -> None:
        run_cmd(offline=offline, as_of=None, as_json=False, store=store, config=config, verbose=verbose)

    try:
        outcomes = watch_loop(
            job,
            at=time_of_day,
            tz=tz,
            clock=lambda: dt.datetime.now(dt.UTC),
            sleep=time.sleep,
            log=log,
            max_runs=max_runs,
            run_now=run_now,
        )
    except KeyboardInterrupt:
        log.info("watch stopped (interrupted)")
        _close(log)
        return
    log.info("watch stopped after %d run(s), %d failed", len(outcomes), outcomes.count(False))
    _close(log)
    if outcomes and not outcomes[-1]:
        raise typer.Exit(1)
