"""The alert commands through the real CLI entry point: subscribers, the outbox, ``watch``, ``run``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

import stormwatch.cli.alerts
import stormwatch.cli.watch  # noqa: F401  (registers `watch`)
from stormwatch.cli._app import _ctx
from stormwatch.cli.alerts import deliver_for_run
from stormwatch.cli.watch import MAX_NAP_SECONDS, next_run_at, watch_loop
from stormwatch.compute import Assessment
from stormwatch.delivery.outbox import Outbox
from stormwatch.store import Store
from tests.alerts._receivers import SmtpSink, WebhookSink
from tests.alerts.test_alerts import Days
from tests.cli_helpers import run_cli

SECRET = "Sup3r-s3cret-Pa55"
PATH_TOKEN = "hook-token-8c1f3a"


def test_subscribers_add_list_remove_show_channels_redacted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = str(tmp_path / "s.duckdb")
    url = f"mailto://alice:{SECRET}@127.0.0.1:2525?to=ops@example.org&from=sw@example.org"
    res = run_cli(
        capsys, "subscribers", "add", "ops", url, "--min-level", "2", "--base", "eur", "--store", store
    )
    assert res.code == 0, res.stderr
    assert "mailto://alice:***@127.0.0.1:2525" in res.stdout and SECRET not in res.stdout + res.stderr
    # The URL can come from stdin, out of the shell history and the process list.
    monkeypatch.setattr("sys.stdin", io.StringIO(f"json://127.0.0.1:9/{PATH_TOKEN}/x\n"))
    res = run_cli(capsys, "subscribers", "add", "hook", "-", "--store", store)
    assert res.code == 0, res.stderr
    assert PATH_TOKEN not in res.stdout and "json://127.0.0.1:9/***/x" in res.stdout

    dup = run_cli(capsys, "subscribers", "add", "ops", "json://127.0.0.1:9/y", "--store", store)
    assert dup.code == 1 and "exists" in dup.stderr
    bad = run_cli(capsys, "subscribers", "add", "x", "bogus://secretthing", "--store", store)
    assert bad.code == 1 and "secretthing" not in bad.stderr and "bogus://***" in bad.stderr
    base = run_cli(
        capsys, "subscribers", "add", "y", "json://127.0.0.1:9/y", "--base", "XYZ", "--store", store
    )
    assert base.code == 2

    listed = run_cli(capsys, "subscribers", "list", "--json", "--store", store)
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert (
        rows["ops"]["channel"] == "mailto://alice:***@127.0.0.1:2525?to=ops@example.org&from=sw@example.org"
    )
    assert (rows["ops"]["min_level"], rows["ops"]["base"], rows["ops"]["kind"]) == (2, "EUR", "email")
    assert rows["hook"]["kind"] == "webhook"
    table = run_cli(capsys, "subscribers", "list", "--store", store)
    assert "alice:***@" in table.stdout
    assert SECRET not in listed.stdout + table.stdout and PATH_TOKEN not in listed.stdout + table.stdout

    assert run_cli(capsys, "subscribers", "remove", "ops", "--store", store).code == 0
    assert [
        r["name"]
        for r in json.loads(run_cli(capsys, "subscribers", "list", "--json", "--store", store).stdout)
    ] == ["hook"]
    assert run_cli(capsys, "subscribers", "remove", "ops", "--store", store).code == 1


def _secret_in_alert_tables(store: Path, secrets: tuple[str, ...]) -> list[str]:
    """Columns outside ``subscribers.url`` that contain a secret (there must be none)."""
    found = []
    with Store.open(store, read_only=True) as st:
        for table in ("alert_outbox", "alert_changes", "meta"):
            cols = [r[0] for r in st.execute(f"SELECT column_name FROM (DESCRIBE {table})")]
            for col in cols:
                for secret in secrets:
                    hit = st.execute(
                        f"SELECT count(*) FROM {table} WHERE CAST({col} AS VARCHAR) LIKE ?", [f"%{secret}%"]
                    )
                    if hit[0][0]:
                        found.append(f"{table}.{col}")
    return found


def test_delivery_failures_are_reported_and_stored_without_secrets_and_can_be_resent(
    dev_assessment: Assessment,
    tmp_path: Path,
    smtp_server: SmtpSink,
    webhook_server: WebhookSink,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = tmp_path / "s.duckdb"
    wrong = (
        f"mailto://alice:{SECRET}@127.0.0.1:{smtp_server.port}?to=ops@example.org"  # the server refuses it
    )
    hook = webhook_server.url(f"/{PATH_TOKEN}/in")
    for name, url in (("mail", wrong), ("hook", hook)):
        assert run_cli(capsys, "subscribers", "add", name, url, "--store", str(store)).code == 0
    webhook_server.status = 500
    ctx = dataclasses.replace(_ctx(store, None, False), now=dt.datetime(2026, 5, 4, 7, 0))
    capsys.readouterr()
    report = deliver_for_run(ctx, dev_assessment)
    printed = capsys.readouterr()
    assert sorted(r.subscriber for r in report.failed) == ["hook", "mail"]
    assert "SMTPAuthenticationError" in printed.err and "500" in printed.err
    outbox = run_cli(capsys, "alerts", "list", "--json", "--store", str(store))
    rows = json.loads(outbox.stdout)
    assert {r["state"] for r in rows} == {"pending"} and all(r["last_error"] for r in rows)
    for text in (printed.out, printed.err, outbox.stdout, outbox.stderr):
        assert SECRET not in text and PATH_TOKEN not in text
    assert _secret_in_alert_tables(store, (SECRET, PATH_TOKEN)) == []
    assert set(smtp_server.logins) == {("alice", SECRET)}  # the password was really used

    webhook_server.status = 200
    key = next(r["key"] for r in rows if r["subscriber"] == "hook")
    res = run_cli(capsys, "alerts", "resend", key[:10], "--store", str(store))
    assert (
        res.code == 1 and "only unconfirmed, failed or sent" in res.stderr
    )  # pending: the next run sends it
    # The next run sends the due webhook message (mail keeps failing, and says so).
    ctx = dataclasses.replace(ctx, now=ctx.now + dt.timedelta(hours=1))
    report = deliver_for_run(ctx, dev_assessment)
    assert [r.subscriber for r in report.sent] == ["hook"] and webhook_server.keys()[-1] == key
    res = run_cli(capsys, "alerts", "resend", key[:10], "--store", str(store))
    assert res.code == 0 and "sent" in res.stderr
    assert webhook_server.keys()[-2:] == [key, key]


# -- watch -----------------------------------------------------------------------------------


class Clock:
    """A clock that moves only when slept on: the loop runs days in microseconds."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start
        self.naps: list[float] = []

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.now += dt.timedelta(seconds=seconds)


def test_next_run_at_follows_the_wall_clock_across_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    utc = dt.UTC
    at7 = dt.time(7, 0)
    # Before 07:00 local: today; after: tomorrow. 07:00 CET is 06:00 UTC, CEST is 05:00 UTC.
    assert next_run_at(dt.datetime(2026, 3, 27, 5, 0, tzinfo=utc), at7, berlin) == dt.datetime(
        2026, 3, 27, 6, 0, tzinfo=utc
    )
    assert next_run_at(dt.datetime(2026, 3, 28, 6, 0, tzinfo=utc), at7, berlin) == dt.datetime(
        2026, 3, 29, 5, 0, tzinfo=utc
    )
    # 02:30 does not exist on 2026-03-29 in Berlin: it runs at 03:30 CEST (01:30 UTC).
    assert next_run_at(dt.datetime(2026, 3, 29, 0, 0, tzinfo=utc), dt.time(2, 30), berlin) == dt.datetime(
        2026, 3, 29, 1, 30, tzinfo=utc
    )
    # 02:30 happens twice on 2026-10-25: the first one (CEST, 00:30 UTC).
    assert next_run_at(dt.datetime(2026, 10, 24, 23, 0, tzinfo=utc), dt.time(2, 30), berlin) == dt.datetime(
        2026, 10, 25, 0, 30, tzinfo=utc
    )
    with pytest.raises(ValueError, match="aware"):
        next_run_at(dt.datetime(2026, 1, 1), at7, berlin)


def test_watch_survives_a_failing_day_and_logs_every_run() -> None:
    clock = Clock(dt.datetime(2026, 3, 28, 10, 0, tzinfo=dt.UTC))
    ran: list[dt.datetime] = []

    def job() -> None:
        ran.append(clock())
        if len(ran) == 1:
            raise RuntimeError("FRED is down today")
        if len(ran) == 2:
            raise SystemExit(1)  # a command that exits non-zero fails that day, not the watcher

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    log = logging.getLogger("tests.watch")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(Keep())
    outcomes = watch_loop(
        job,
        at=dt.time(7, 0),
        tz=ZoneInfo("Europe/Berlin"),
        clock=clock,
        sleep=clock.sleep,
        log=log,
        max_runs=3,
    )
    assert outcomes == [False, False, True]
    assert ran == [
        dt.datetime(2026, 3, 29, 5, 0, tzinfo=dt.UTC),  # 07:00 CEST, the day clocks went forward
        dt.datetime(2026, 3, 30, 5, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 31, 5, 0, tzinfo=dt.UTC),
    ]
    assert max(clock.naps) <= MAX_NAP_SECONDS
    messages = [r.getMessage() for r in records]
    assert any("run 1 failed" in m and "FRED is down today" in m for m in messages)
    assert any("run 2 failed" in m and "exit code 1" in m for m in messages)
    assert any(m.startswith("run 3 finished") for m in messages)
    assert any(r.exc_info for r in records)  # the traceback is logged (to the file, at debug level)
    assert sum("next run at 2026-03-30 07:00 CEST" in m for m in messages) == 1


def test_watch_command_runs_the_daily_job_and_logs_a_failing_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = tmp_path / "logs" / "watch.log"
    store = tmp_path / "empty.duckdb"  # no data: the run fails, the watcher reports it
    res = run_cli(
        capsys,
        "watch", "--at", "07:00", "--timezone", "Europe/Berlin", "--offline", "--run-now", "--max-runs", "1",
        "--log-file", str(log_file), "--store", str(store),
    )  # fmt: skip
    assert res.code == 1
    text = log_file.read_text()
    assert "watch started: daily at 07:00 Europe/Berlin (offline)" in text
    assert "run 1 failed" in text and "Traceback" in text
    assert "run 1 failed" in res.stderr and "Traceback" not in res.stderr
    assert run_cli(capsys, "watch", "--at", "7h", "--store", str(store)).code == 2
    assert (
        run_cli(capsys, "watch", "--at", "07:00", "--timezone", "Mars/Olympus", "--store", str(store)).code
        == 2
    )


@pytest.mark.slow
def test_run_ends_by_delivering_alerts_exactly_once(
    imported_store: Path,
    dev_assessment: Assessment,
    tmp_path: Path,
    smtp_server: SmtpSink,
    webhook_server: WebhookSink,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`stormwatch run --offline --as-of DAY` before and on a real level change: the welcome, then the alert.

    (Repeating a day sends nothing: shown on the library in tests/alerts/test_alerts.py, cheaper there.)
    """
    store = tmp_path / "store.duckdb"
    shutil.copy(imported_store, store)
    days = Days(dev_assessment)
    mail = f"mailto://127.0.0.1:{smtp_server.port}?to=ops@example.org"
    for name, url in (("mail", mail), ("hook", webhook_server.url())):
        assert run_cli(capsys, "subscribers", "add", name, url, "--store", str(store)).code == 0
    for day in (days.before, days.change):
        res = run_cli(capsys, "run", "--offline", "--json", "--as-of", f"{day.date()}", "--store", str(store))
        assert res.code == 0, res.stderr
        assert json.loads(res.stdout)["as_of"] == str(day.date())  # stdout stays one JSON object
        assert "alerts:" in res.stderr
    assert len(smtp_server.messages) == 2 and len(webhook_server.requests) == 2
    kinds = [b["stormwatch"]["kind"] for _, _, b in webhook_server.requests]
    assert kinds == ["current", "change"]
    assert (store.parent / "feed.xml").is_file()
    with Store.open(store) as st:
        assert set(Outbox(st).listing()["state"]) == {"sent"}
    assert pd.Timestamp(webhook_server.requests[1][2]["stormwatch"]["change"]["date"]) == days.up.date
