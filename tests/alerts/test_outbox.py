"""The outbox tables and the change planning, on tiny cases whose answers are known exactly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from stormwatch.delivery.alerts import AlertOptions, AlertSnapshot, plan_changes
from stormwatch.delivery.outbox import Outbox, OutboxRow, SubscriberError, change_key, idempotency_key
from stormwatch.level import Transition
from stormwatch.store import Store

NOW = dt.datetime(2026, 5, 4, 7, 0)


def _snap(levels: list[int], transitions: list[tuple[str, int, int]]) -> AlertSnapshot:
    index = pd.bdate_range("2024-01-01", periods=len(levels), name="date")
    frame = pd.DataFrame({"level": levels, "score": 10.0, "coverage": 1.0}, index=index)
    trans = tuple(Transition(pd.Timestamp(d), f, t, (), "because") for d, f, t in transitions)
    return AlertSnapshot(
        as_of=pd.Timestamp(index[-1]),
        level=levels[-1],
        score=10.0,
        coverage=1.0,
        regime="neutral",
        frame=frame,
        transitions=trans,
        investor={},
        standing=(),
    )


# 2024-01-01 .. 2024-01-10 are business days 0..7.
LEVELS = [0, 0, 1, 1, 2, 2, 1, 1]
TRANSITIONS = [("2024-01-03", 0, 1), ("2024-01-05", 1, 2), ("2024-01-09", 2, 1)]


def test_the_first_run_announces_the_change_that_set_the_level() -> None:
    plan = plan_changes(_snap(LEVELS, TRANSITIONS), None, None)
    assert plan.first_run and [(c.from_level, c.to_level) for c in plan.changes] == [(2, 1)]
    flat = plan_changes(_snap([0, 0, 0], []), None, None)
    assert flat.changes == ()


def test_later_runs_announce_each_change_after_the_cursor_in_order() -> None:
    plan = plan_changes(_snap(LEVELS, TRANSITIONS), dt.date(2024, 1, 3), 1)
    assert [(str(c.date.date()), c.from_level, c.to_level) for c in plan.changes] == [
        ("2024-01-05", 1, 2),
        ("2024-01-09", 2, 1),
    ]
    assert [c.direction for c in plan.changes] == ["up", "down"]
    assert plan_changes(_snap(LEVELS, TRANSITIONS), dt.date(2024, 1, 10), 1).changes == ()


def test_a_replay_into_the_past_announces_nothing() -> None:
    plan = plan_changes(_snap(LEVELS, TRANSITIONS), dt.date(2024, 2, 1), 1)
    assert plan.backwards and plan.changes == ()


def test_revised_data_never_repeats_an_announced_level_and_corrects_an_undone_one() -> None:
    # We announced level 2 on 2024-01-05; revised data now dates that step a day later.
    restated = _snap([0, 0, 1, 1, 1, 2, 2, 2], [("2024-01-03", 0, 1), ("2024-01-08", 1, 2)])
    assert plan_changes(restated, dt.date(2024, 1, 5), 2).changes == ()
    # We announced level 2; revised data says it never got there: one correction, dated today.
    undone = _snap([0, 0, 1, 1, 1, 1, 1, 1], [("2024-01-03", 0, 1)])
    [fix] = plan_changes(undone, dt.date(2024, 1, 5), 2).changes
    assert (fix.from_level, fix.to_level, fix.date) == (2, 1, pd.Timestamp("2024-01-10"))
    assert "revised data" in fix.reason


def test_keys_identify_subscriber_and_change() -> None:
    day = dt.date(2024, 1, 5)
    k = idempotency_key("sub-a", day, 1, 2)
    assert k == idempotency_key("sub-a", day, 1, 2) and len(k) == 32
    others = {
        idempotency_key("sub-b", day, 1, 2),
        idempotency_key("sub-a", dt.date(2024, 1, 8), 1, 2),
        idempotency_key("sub-a", day, 0, 2),
        idempotency_key("sub-a", day, 1, 3),
        idempotency_key("sub-a", day, None, 2),
    }
    assert k not in others and len(others) == 5
    assert change_key(day, 1, 2) != change_key(day, 2, 1)


def _row(key: str, sub: str) -> OutboxRow:
    return OutboxRow(
        key, sub, "c1", "change", "pending", 0, NOW, None, "t", "text", "<p>", "{}", "info", None, NOW
    )


def test_the_outbox_queues_a_key_once_and_walks_its_states(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as st:
        box = Outbox(st)
        sub = box.add_subscriber("a", "json://127.0.0.1:9/x", min_level=0, base=None, now=NOW)
        assert box.enqueue(_row("k" * 32, sub.subscriber_id))
        assert not box.enqueue(_row("k" * 32, sub.subscriber_id))  # the key is the primary key
        assert [r.idempotency_key for r in box.due(now=NOW)] == ["k" * 32]
        assert box.due(now=NOW - dt.timedelta(seconds=1)) == []
        box.mark_sending("k" * 32, now=NOW)
        assert box.due(now=NOW) == []
    # A new connection (a new process) finds it in `sending`: unconfirmed, not due.
    with Store.open(tmp_path / "s.duckdb") as st:
        box = Outbox(st)
        [row] = box.recover_interrupted()
        assert row.idempotency_key == "k" * 32
        assert box.get("k" * 32).state == "unconfirmed"  # type: ignore[union-attr]
        assert box.due(now=NOW + dt.timedelta(days=9)) == []
        with pytest.raises(SubscriberError, match="at least 6"):
            box.requeue("kkk", now=NOW)
        box.requeue("kkkkkk", now=NOW)
        assert [r.idempotency_key for r in box.due(now=NOW)] == ["k" * 32]


def test_removing_a_subscriber_cancels_its_unsent_messages_and_names_can_be_reused(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as st:
        box = Outbox(st)
        first = box.add_subscriber("ops", "json://127.0.0.1:9/x", min_level=1, base="EUR", now=NOW)
        with pytest.raises(SubscriberError, match="exists"):
            box.add_subscriber("ops", "json://127.0.0.1:9/y", min_level=0, base=None, now=NOW)
        box.enqueue(_row("a" * 32, first.subscriber_id))
        removed, cancelled = box.remove_subscriber("ops", now=NOW)
        assert removed.subscriber_id == first.subscriber_id and cancelled == 1
        assert box.get("a" * 32).state == "cancelled"  # type: ignore[union-attr]
        with pytest.raises(SubscriberError, match="no subscriber"):
            box.remove_subscriber("ops", now=NOW)
        again = box.add_subscriber("ops", "json://127.0.0.1:9/z", min_level=0, base=None, now=NOW)
        assert again.subscriber_id != first.subscriber_id  # so it is told the current level anew
        assert [s.name for s in box.subscribers()] == ["ops"]
        assert len(box.subscribers(include_removed=True)) == 2
        assert "json://" not in repr(again)  # the channel URL stays out of reprs


def test_backoff_doubles_up_to_its_cap_then_gives_up() -> None:
    opts = AlertOptions(backoff=dt.timedelta(minutes=15), max_backoff=dt.timedelta(hours=1), max_attempts=5)
    waits = [opts.retry_at(NOW, n) for n in range(1, 6)]
    assert [None if w is None else (w - NOW).total_seconds() / 60 for w in waits] == [15, 30, 60, 60, None]
