"""The DuckDB store: append-only vintages, as_of reads, atomic batches, one writer."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stormwatch.errors import StoreBusyError, StoreError
from stormwatch.store import Store

T0 = dt.datetime(2020, 2, 1)


def obs(values: list[float], start: str = "2020-01-01", lag_days: int = 1) -> pd.DataFrame:
    periods = pd.date_range(start, periods=len(values), freq="D")
    return pd.DataFrame(
        {"period": periods, "published_at": periods + pd.Timedelta(days=lag_days), "value": values}
    )


def test_rewriting_the_same_data_changes_nothing(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as s:
        first = s.write("x:a", obs([1.0, 2.0, 3.0]), fetched_at=T0)
        before = s.fingerprint()
        again = s.write("x:a", obs([1.0, 2.0, 3.0]), fetched_at=T0 + dt.timedelta(days=1))
        assert (first.new, again.new, again.revised, again.unchanged) == (3, 0, 0, 3)
        pd.testing.assert_frame_equal(before, s.fingerprint())


def test_revision_is_appended_never_overwritten(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as s:
        s.write("x:a", obs([1.0, 2.0]), fetched_at=T0)
        result = s.write("x:a", obs([1.0, 2.5]), fetched_at=T0 + dt.timedelta(days=3))
        assert (result.new, result.revised, result.unchanged) == (0, 1, 1)
        vint = s.vintages("x:a")
        assert len(vint) == 3
        # The revision is knowable only from when it was fetched.
        revised = vint[vint["value"] == 2.5].iloc[0]
        assert revised["published_at"] == pd.Timestamp(T0 + dt.timedelta(days=3))
        # Before the revision was seen, the old value is what was known.
        assert s.load_series("x:a", as_of=T0 + dt.timedelta(days=1)).tolist() == [1.0, 2.0]
        assert s.load_series("x:a").tolist() == [1.0, 2.5]


def test_as_of_never_returns_a_value_published_later(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as s:
        s.write("x:a", obs([1.0, 2.0, 3.0, 4.0], lag_days=10), fetched_at=T0)
        loaded = s.load(["x:a"], as_of=pd.Timestamp("2020-01-12"))
        assert loaded["period"].dt.strftime("%Y-%m-%d").tolist() == ["2020-01-01", "2020-01-02"]
        assert (loaded["published_at"] <= pd.Timestamp("2020-01-12")).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lags=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=30),
    cut=st.integers(min_value=0, max_value=80),
)
def test_as_of_property(tmp_path: Path, lags: list[int], cut: int) -> None:
    path = tmp_path / f"p{len(lags)}-{cut}-{sum(lags)}.duckdb"
    periods = pd.date_range("2020-01-01", periods=len(lags), freq="D")
    frame = pd.DataFrame(
        {
            "period": periods,
            "published_at": periods + pd.to_timedelta(lags, unit="D"),
            "value": [float(i) for i in range(len(lags))],
        }
    )
    with Store.open(path) as s:
        s.write("x:a", frame, fetched_at=T0)
        as_of = pd.Timestamp("2020-01-01") + pd.Timedelta(days=cut)
        got = s.load(["x:a"], as_of=as_of)
    expected = frame[frame["published_at"] <= as_of]
    assert (got["published_at"] <= as_of).all()
    assert got["value"].tolist() == expected["value"].tolist()
    path.unlink()


def test_second_writer_is_told_the_store_is_busy(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    code = (
        "import sys, time; from stormwatch.store import Store\n"
        f"s = Store({str(path)!r}); print('open', flush=True); time.sleep(30)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=_env()
    ) as proc:
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
            with pytest.raises(StoreBusyError, match="busy"):
                Store(path)
        finally:
            proc.kill()


def test_read_only_open_of_a_missing_store_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="stormwatch import"):
        Store(tmp_path / "nope.duckdb", read_only=True)


def test_a_file_that_is_not_a_store_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.duckdb"
    path.write_text("<html>not a database</html>")
    with pytest.raises(StoreError):
        Store(path)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_writer_killed_mid_batch_leaves_the_store_consistent(tmp_path: Path) -> None:
    """SIGKILL a real writer inside its transaction: the batch is all or nothing."""
    path = tmp_path / "s.duckdb"
    with Store.open(path) as s:
        s.write("x:good", obs([1.0, 2.0, 3.0]), fetched_at=T0)
        before = s.fingerprint()
    code = f"""
import datetime as dt, sys
import pandas as pd
from stormwatch.store import Store
s = Store({str(path)!r})
periods = pd.date_range('1900-01-01', periods=400_000, freq='h')
frame = pd.DataFrame({{'period': periods, 'published_at': periods, 'value': 1.0}})
con = s._con
con.execute('BEGIN TRANSACTION')
con.register('_big', frame)
con.execute("INSERT INTO observations SELECT 'x:big', period, published_at, value, now() FROM _big")
print('inserted', flush=True)
import time; time.sleep(60)
"""
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=_env()
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "inserted"
        os.kill(proc.pid, signal.SIGKILL)
    time.sleep(0.1)
    with Store.open(path) as s:
        after = s.fingerprint()
        assert "x:big" not in s.series_ids()
    pd.testing.assert_frame_equal(before, after)


def test_writer_killed_during_real_writes_keeps_every_batch_whole(tmp_path: Path) -> None:
    """Kill a process looping over Store.write at a random moment: each series is all-or-nothing."""
    path = tmp_path / "s.duckdb"
    code = f"""
import datetime as dt
import pandas as pd
from stormwatch.store import Store
s = Store({str(path)!r})
periods = pd.date_range('1950-01-01', periods=20_000, freq='D')
for i in range(1000):
    frame = pd.DataFrame({{'period': periods, 'published_at': periods, 'value': float(i)}})
    s.write(f'x:s{{i:04d}}', frame, fetched_at=dt.datetime(2020, 1, 1))
    print(i, flush=True)
"""
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=_env()
    ) as proc:
        assert proc.stdout is not None
        for _ in range(3):
            proc.stdout.readline()
        os.kill(proc.pid, signal.SIGKILL)
    with Store.open(path, read_only=True) as s:
        summary = s.summary()
    assert len(summary) >= 3
    assert (summary["rows"] == 20_000).all()
