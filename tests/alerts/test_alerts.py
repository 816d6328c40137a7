"""Alerts end to end: the real level path of the development data, a real SMTP server and a real
webhook server; exactly once across repeated runs, failures with backoff, and real crashes."""

from __future__ import annotations

import base64
import datetime as dt
import json
import pickle
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
import pytest

from stormwatch.compute import Assessment
from stormwatch.delivery.alerts import (
    AlertOptions,
    AlertSnapshot,
    deliver_snapshot,
    dispatch,
    key_chart_png,
)
from stormwatch.delivery.channels import Message, SendOutcome, send
from stormwatch.delivery.outbox import Outbox, Subscriber, idempotency_key
from stormwatch.level import LEVEL_NAMES, Transition
from stormwatch.store import Store
from tests.alerts._receivers import SmtpSink, WebhookSink

REPO = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 5, 4, 7, 0)


def _add(path: Path, name: str, url: str, *, min_level: int = 0, base: str | None = None) -> Subscriber:
    with Store.open(path) as st:
        return Outbox(st).add_subscriber(name, url, min_level=min_level, base=base, now=T0)


def _states(path: Path) -> dict[tuple[str, str], str]:
    with Store.open(path) as st:
        frame = Outbox(st).listing(limit=1000)
    return {(r.subscriber, r.kind): r.state for r in frame.itertuples()}


def _mailto(smtp: SmtpSink) -> str:
    return f"mailto://127.0.0.1:{smtp.port}?to=ops@example.org&from=stormwatch@example.org"


class Days:
    """Days around the last step up of the real level path (derived, not hard-coded)."""

    def __init__(self, a: Assessment) -> None:
        idx = a.level.frame.index
        ups = [i for i, t in enumerate(a.level.transitions) if t.to_level > t.from_level]
        assert ups, "the development data's level path has no step up"
        k = ups[-1]
        self.up: Transition = a.level.transitions[k]
        i = idx.get_loc(self.up.date)
        # A few days before, but not before the previous change: only this step lies in between.
        prev = idx.get_loc(a.level.transitions[k - 1].date) if k > 0 else 0
        self.before = pd.Timestamp(idx[max(i - 3, prev)])
        self.change = pd.Timestamp(idx[i])
        self.after = pd.Timestamp(idx[i + 2])
        self.down: Transition | None = (
            a.level.transitions[k + 1] if k + 1 < len(a.level.transitions) else None
        )
        if self.down is not None:
            assert self.after < self.down.date


def _snap(a: Assessment, day: pd.Timestamp) -> AlertSnapshot:
    return AlertSnapshot.from_assessment(a, day)


def test_new_subscribers_get_the_level_once_then_exactly_one_alert_per_change(
    dev_assessment: Assessment, alert_store: Path, smtp_server: SmtpSink, webhook_server: WebhookSink
) -> None:
    a = dev_assessment
    days = Days(a)
    mail = _add(alert_store, "ops-mail", _mailto(smtp_server), base="EUR")
    hook = _add(alert_store, "ops-hook", webhook_server.url("/hook/t0k3n-5566"))

    # Day before the step: each new subscriber is told the current level, once.
    for run in range(2):
        rep = deliver_snapshot(alert_store, _snap(a, days.before), now=T0 + dt.timedelta(minutes=run))
        assert not rep.failed, rep.failed
    assert len(smtp_server.messages) == 1 and len(webhook_server.requests) == 1
    welcome = webhook_server.requests[0][2]["stormwatch"]
    assert welcome["kind"] == "current" and welcome["level"] == days.up.from_level
    assert smtp_server.messages[0]["Subject"].startswith(f"stormwatch: current level {days.up.from_level}")

    # The day of the step: one alert each, with what moved and the key chart; twice the same day.
    snap = _snap(a, days.change)
    for run in range(2):
        rep = deliver_snapshot(
            alert_store,
            snap,
            now=T0 + dt.timedelta(days=1, minutes=run),
            chart=lambda: key_chart_png(a, snap.as_of),
        )
        assert not rep.failed
        assert len(rep.new_changes) == (1 if run == 0 else 0)
    # And a later day without a change sends nothing.
    deliver_snapshot(alert_store, _snap(a, days.after), now=T0 + dt.timedelta(days=2))
    assert len(smtp_server.messages) == 2 and len(webhook_server.requests) == 2

    up = days.up
    key_mail = idempotency_key(mail.subscriber_id, up.date.date(), up.from_level, up.to_level)
    key_hook = idempotency_key(hook.subscriber_id, up.date.date(), up.from_level, up.to_level)
    email = smtp_server.messages[1]
    assert email["Message-ID"] == f"<{key_mail}@stormwatch>"
    assert f"level up to {up.to_level} {LEVEL_NAMES[up.to_level]}" in email["Subject"]
    text = email.get_body(preferencelist=("plain",))
    assert text is not None
    body = text.get_content()
    assert up.text().splitlines()[0] in body  # "what moved", from the level engine's own explanation
    assert "For a euro investor" in body  # the subscriber's base currency
    [png] = [p for p in email.walk() if p.get_content_type() == "image/png"]
    assert png.get_content()[:8] == b"\x89PNG\r\n\x1a\n" and len(png.get_content()) > 10_000

    path, headers, payload = webhook_server.requests[1]
    assert path == "/hook/t0k3n-5566"
    assert headers["Idempotency-Key"] == key_hook
    alert = payload["stormwatch"]
    assert alert["schema"] == "stormwatch.alert/1" and alert["kind"] == "change"
    assert alert["change"] == {
        "date": str(up.date.date()),
        "from_level": up.from_level,
        "from_name": LEVEL_NAMES[up.from_level],
        "to_level": up.to_level,
        "to_name": LEVEL_NAMES[up.to_level],
        "direction": "up",
        "reason": up.reason,
    }
    assert [m["signal"] for m in alert["what_moved"]] == [m.signal_id for m in up.moved]
    assert alert["level"] == int(a.level.frame.loc[days.change, "level"])
    assert alert["score"] == pytest.approx(float(a.level.frame.loc[days.change, "score"]), abs=0.01)
    assert alert["investor"] is None  # no --base for this one
    [att] = payload["attachments"]
    assert base64.b64decode(att["base64"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert _states(alert_store) == {
        ("ops-mail", "current"): "sent",
        ("ops-mail", "change"): "sent",
        ("ops-hook", "current"): "sent",
        ("ops-hook", "change"): "sent",
    }


def test_a_step_down_is_alerted_and_min_level_filters_changes_not_the_welcome(
    dev_assessment: Assessment, alert_store: Path, webhook_server: WebhookSink
) -> None:
    a = dev_assessment
    days = Days(a)
    if days.down is None:
        pytest.skip("the level never stepped down after its last step up")
    _add(alert_store, "all", webhook_server.url("/all"))
    high = min(days.up.to_level + 1, 4)
    _add(alert_store, "high-only", webhook_server.url("/high"), min_level=high)
    for i, day in enumerate((days.before, days.change, days.after, days.down.date)):
        deliver_snapshot(alert_store, _snap(a, day), now=T0 + dt.timedelta(days=i))
    got: dict[str, list[tuple[str, str]]] = {"/all": [], "/high": []}
    for path, _, body in webhook_server.requests:
        alert = body["stormwatch"]
        got[path].append((alert["kind"], alert["change"]["direction"]))
    assert [k for k, _ in got["/all"]] == ["current", "change", "change"]
    assert [d for _, d in got["/all"][1:]] == ["up", "down"]
    reaches = [max(t.from_level, t.to_level) >= high for t in (days.up, days.down)]
    assert [k for k, _ in got["/high"]] == ["current"] + ["change"] * sum(reaches)
    last = webhook_server.requests[-1][2]["stormwatch"]
    assert last["change"]["to_level"] == days.down.to_level
    assert "absent for" in last["change"]["reason"]  # stepped down past the hysteresis


def test_a_failing_channel_never_blocks_the_others_and_is_retried_with_backoff(
    dev_assessment: Assessment, alert_store: Path, smtp_server: SmtpSink, webhook_server: WebhookSink
) -> None:
    a = dev_assessment
    day = Days(a).before
    _add(alert_store, "hook", webhook_server.url("/hook/s3cr3t-path-0042"))
    _add(alert_store, "mail", _mailto(smtp_server))
    options = AlertOptions(backoff=dt.timedelta(minutes=15), max_attempts=3)
    webhook_server.status = 503
    rep = deliver_snapshot(alert_store, _snap(a, day), now=T0, options=options)
    assert [r.subscriber for r in rep.sent] == ["mail"]
    [failed] = rep.failed
    assert failed.subscriber == "hook" and failed.state == "pending"
    assert failed.retry_at == T0 + dt.timedelta(minutes=15)
    assert "503" in failed.detail and "s3cr3t-path-0042" not in failed.detail
    # Within the backoff nothing is tried again; after it, it is - and the channel confirms.
    deliver_snapshot(alert_store, _snap(a, day), now=T0 + dt.timedelta(minutes=10), options=options)
    assert len(webhook_server.requests) == 1
    webhook_server.status = 200
    rep = deliver_snapshot(alert_store, _snap(a, day), now=T0 + dt.timedelta(minutes=16), options=options)
    assert [r.subscriber for r in rep.sent] == ["hook"]
    assert len(webhook_server.requests) == 2 and len(set(webhook_server.keys())) == 1  # same key, retried
    assert len(smtp_server.messages) == 1
    with Store.open(alert_store) as st:
        frame = Outbox(st).listing()
    assert sorted(zip(frame["subscriber"], frame["state"], frame["attempts"], strict=True)) == [
        ("hook", "sent", 2),
        ("mail", "sent", 1),
    ]


def test_after_max_attempts_a_message_is_given_up(
    dev_assessment: Assessment, alert_store: Path, webhook_server: WebhookSink
) -> None:
    a = dev_assessment
    day = Days(a).before
    _add(alert_store, "hook", webhook_server.url())
    webhook_server.status = 500
    options = AlertOptions(backoff=dt.timedelta(minutes=1), max_attempts=2)
    first = deliver_snapshot(alert_store, _snap(a, day), now=T0, options=options)
    second = deliver_snapshot(alert_store, _snap(a, day), now=T0 + dt.timedelta(hours=1), options=options)
    third = deliver_snapshot(alert_store, _snap(a, day), now=T0 + dt.timedelta(days=1), options=options)
    assert [r.state for r in first.failed] == ["pending"]
    assert [r.state for r in second.failed] == ["failed"] and second.failed[0].retry_at is None
    assert third.results == []
    assert len(webhook_server.requests) == 2


_CRASHING_RUN = """
import datetime as dt, os, pickle, signal, sys
from pathlib import Path
from stormwatch.delivery.alerts import deliver_snapshot

snap = pickle.loads(Path(sys.argv[2]).read_bytes())

def die(row, outcome):
    # The channel has confirmed; the process dies before the outcome is recorded.
    os.kill(os.getpid(), signal.SIGKILL)

hook = die if sys.argv[3] == "after-confirmation" else None
deliver_snapshot(Path(sys.argv[1]), snap, now=dt.datetime(2026, 5, 4, 7, 0), on_sent=hook)
"""


def _crashing_run(tmp_path: Path, store: Path, snap: AlertSnapshot, mode: str) -> subprocess.Popen[bytes]:
    script = tmp_path / "crashing_run.py"
    script.write_text(_CRASHING_RUN)
    pickled = tmp_path / "snap.pkl"
    pickled.write_bytes(pickle.dumps(snap))
    env = {"PYTHONPATH": f"{REPO / 'src'}:{REPO}", "PATH": "/usr/bin:/bin"}
    return subprocess.Popen(
        [sys.executable, str(script), str(store), str(pickled), mode],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_crash_between_confirmation_and_record_sends_no_duplicate(
    dev_assessment: Assessment,
    alert_store: Path,
    smtp_server: SmtpSink,
    webhook_server: WebhookSink,
    tmp_path: Path,
) -> None:
    a = dev_assessment
    snap = _snap(a, Days(a).before)
    _add(alert_store, "mail", _mailto(smtp_server))
    _add(alert_store, "hook", webhook_server.url())
    proc = _crashing_run(tmp_path, alert_store, snap, "after-confirmation")
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == -9, stderr.decode()[-2000:]
    # Exactly one channel confirmed before the process was killed.
    delivered = len(smtp_server.messages) + len(webhook_server.requests)
    assert delivered == 1
    first_channel = "mail" if smtp_server.messages else "hook"
    assert _states(alert_store)[(first_channel, "current")] == "sending"

    # The next run (same day, twice): the confirmed one is not sent again; the other goes out once.
    for minute in (5, 6):
        rep = deliver_snapshot(alert_store, snap, now=T0 + dt.timedelta(minutes=minute))
        if minute == 5:
            assert [r.subscriber for r in rep.interrupted] == [first_channel]
            assert rep.open_unconfirmed == 1
    assert len(smtp_server.messages) == 1 and len(webhook_server.requests) == 1
    states = _states(alert_store)
    assert states[(first_channel, "current")] == "unconfirmed"
    assert states[("hook" if first_channel == "mail" else "mail", "current")] == "sent"

    # A deliberate resend goes out under the same key, so a receiver can drop the copy.
    with Store.open(alert_store) as st:
        box = Outbox(st)
        [key] = box.listing(states=["unconfirmed"])["key"].tolist()
        box.requeue(key[:8], now=T0 + dt.timedelta(minutes=7))
        [result] = dispatch(box, now=T0 + dt.timedelta(minutes=7), options=AlertOptions())
    assert result.state == "sent"
    if first_channel == "mail":
        assert smtp_server.message_ids() == [f"<{key}@stormwatch>"] * 2
    else:
        assert webhook_server.keys() == [key, key]


def test_a_process_killed_during_the_send_leaves_the_message_unconfirmed_not_resent(
    dev_assessment: Assessment, alert_store: Path, webhook_server: WebhookSink, tmp_path: Path
) -> None:
    a = dev_assessment
    snap = _snap(a, Days(a).before)
    _add(alert_store, "hook", webhook_server.url())
    webhook_server.kill_on_receipt = True
    proc = _crashing_run(tmp_path, alert_store, snap, "no-hook")
    webhook_server.kill_pid = proc.pid
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == -9, stderr.decode()[-2000:]
    assert len(webhook_server.requests) == 1  # it arrived; the sender never heard back
    webhook_server.kill_on_receipt = False
    rep = deliver_snapshot(alert_store, snap, now=T0 + dt.timedelta(minutes=5))
    assert [r.state for r in rep.interrupted] == ["unconfirmed"] and rep.results == []
    deliver_snapshot(alert_store, snap, now=T0 + dt.timedelta(days=1))
    assert len(webhook_server.requests) == 1
    assert "unconfirmed" in rep.summary()


def test_the_atom_feed_has_one_entry_per_level_change(dev_assessment: Assessment, alert_store: Path) -> None:
    a = dev_assessment
    days = Days(a)
    run_days = [days.before, days.change, days.change, days.after]
    if days.down is not None:
        run_days.append(days.down.date)
    for i, day in enumerate(run_days):
        rep = deliver_snapshot(alert_store, _snap(a, day), now=T0 + dt.timedelta(days=i))
    feed = ET.parse(rep.feed_path).getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert rep.feed_path == alert_store.parent / "feed.xml"
    ids = [e.findtext("a:id", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert len(ids) == len(set(ids))
    up = days.up
    assert f"tag:stormwatch,2024:change/{up.date.date()}/{up.from_level}-{up.to_level}" in ids
    # The first run seeds the feed with the change that set the level then; every later one adds its own.
    expected = 2 + (days.down is not None)
    assert len(ids) == expected
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert any(f"level up to {up.to_level}" in (t or "") for t in titles)


def test_a_replay_before_the_last_delivered_day_announces_nothing(
    dev_assessment: Assessment, alert_store: Path, webhook_server: WebhookSink
) -> None:
    a = dev_assessment
    days = Days(a)
    _add(alert_store, "hook", webhook_server.url())
    deliver_snapshot(alert_store, _snap(a, days.after), now=T0)
    rep = deliver_snapshot(alert_store, _snap(a, days.before), now=T0 + dt.timedelta(hours=1))
    assert rep.backwards and rep.new_changes == [] and rep.queued == []
    assert len(webhook_server.requests) == 1
    assert json.loads(json.dumps(webhook_server.requests[0][2]))["stormwatch"]["kind"] == "current"


def test_a_channel_that_raises_is_a_failure_of_that_channel_only(
    dev_assessment: Assessment, alert_store: Path, smtp_server: SmtpSink
) -> None:
    a = dev_assessment
    _add(alert_store, "broken", "json://127.0.0.1:9/boom/tok3n-999")
    _add(alert_store, "mail", _mailto(smtp_server))

    def flaky(url: str, message: Message, *, timeout: float) -> SendOutcome:
        if "/boom/" in url:
            raise RuntimeError(f"plugin bug while posting to {url}")
        return send(url, message, timeout=timeout)

    rep = deliver_snapshot(alert_store, _snap(a, Days(a).before), now=T0, send_fn=flaky)
    assert [r.subscriber for r in rep.sent] == ["mail"] and len(smtp_server.messages) == 1
    [broken] = rep.failed
    assert broken.state == "pending" and "RuntimeError" in broken.detail
    assert "tok3n-999" not in broken.detail
