"""`stormwatch run --offline` and `stormwatch history` on the imported development data."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from stormwatch.signals import registry
from tests.cli_helpers import run_cli


@pytest.fixture(scope="module")
def run_store(imported_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy: `run` ends by delivering alerts, which writes the outbox state into the store."""
    path = tmp_path_factory.mktemp("run") / "store.duckdb"
    shutil.copyfile(imported_store, path)
    return path


def test_run_offline_json_has_the_relied_on_fields(
    run_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    res = run_cli(capsys, "run", "--offline", "--json", "--store", str(run_store))
    assert res.code == 0, res.stderr
    d = json.loads(res.stdout)
    for key in ("as_of", "level", "level_name", "score", "regime", "signals", "changes"):
        assert key in d
    assert d["as_of"] == "2019-12-31"
    assert d["level"] in range(5)
    assert {"id", "state", "intensity"} <= set(d["signals"][0])
    ids = {s["id"] for s in d["signals"]}
    assert ids == set(registry())
    assert all(s["state"] in ("off", "watch", "on", "unknown") for s in d["signals"])


def test_run_offline_prints_the_checklist(run_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "run", "--offline", "--store", str(run_store))
    assert res.code == 0, res.stderr
    assert "as of 2019-12-31" in res.stdout and "level" in res.stdout
    assert "Dollar" in res.stdout  # checklist item 1's title comes from its declaration


def test_run_as_of_replays_what_was_known(run_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "run", "--offline", "--json", "--as-of", "2008-10-15", "--store", str(run_store))
    assert res.code == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["as_of"] == "2008-10-15"
    # Autumn 2008: the dollar surged while equities crashed — classic risk-off, not debasement.
    assert d["regime"] == "classic_risk_off"


def test_history_covers_1990_to_2019_with_relied_on_columns(
    run_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    res = run_cli(capsys, "history", "--format", "csv", "--store", str(run_store))
    assert res.code == 0, res.stderr
    frame = pd.read_csv(io.StringIO(res.stdout))
    assert list(frame.columns[:5]) == ["date", "level", "level_name", "score", "regime"]
    assert set(registry()) <= set(frame.columns)
    assert frame["date"].iloc[0] <= "1990-01-02" and frame["date"].iloc[-1] == "2019-12-31"
    assert frame["level"].between(0, 4).all()
    assert frame["score"].notna().mean() > 0.95


def test_history_rows_match_a_replay_as_of_that_day(
    run_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Point in time: the history row of a day equals `run --as-of` that day."""
    res = run_cli(
        capsys,
        "history",
        "--format",
        "json",
        "--start",
        "2002-07-01",
        "--end",
        "2002-07-31",
        "--store",
        str(run_store),
    )
    rows = {r["date"]: r for r in json.loads(res.stdout)}
    day = "2002-07-23"
    replay = json.loads(
        run_cli(capsys, "run", "--offline", "--json", "--as-of", day, "--store", str(run_store)).stdout
    )
    assert rows[day]["level"] == replay["level"]
    assert rows[day]["score"] == pytest.approx(replay["score"], abs=0.01)
    for s in replay["signals"]:
        assert rows[day][s["id"]] == s["state"], s["id"]


def test_history_format_is_validated(run_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "history", "--format", "xml", "--store", str(run_store))
    assert res.code == 2


def test_run_on_an_empty_store_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "run", "--offline", "--store", str(tmp_path / "new.duckdb"))
    assert res.code == 1
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "stormwatch import DIR" in lines[0] and "Traceback" not in res.stderr


def test_run_steps_incrementally_from_the_sidecar_and_says_so(
    imported_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run a few days after the last one is incremental, and prints what a full recompute prints."""
    store = tmp_path / "store.duckdb"
    shutil.copyfile(imported_store, store)
    sidecar = tmp_path / "store.duckdb.carry.pkl"
    args = ("run", "--offline", "--json", "-v", "--store", str(store))
    first = run_cli(capsys, *args, "--as-of", "2019-12-20")
    assert first.code == 0, first.stderr
    assert "compute: full recompute (no carried state)" in first.stderr
    assert sidecar.exists()
    step = run_cli(capsys, *args)
    assert step.code == 0, step.stderr
    assert "compute: incremental, 7 new day(s)" in step.stderr
    # The same day again from scratch: the sidecar is gone, so a full recompute.
    sidecar.unlink()
    full = run_cli(capsys, *args)
    assert "compute: full recompute" in full.stderr
    a, b = json.loads(step.stdout), json.loads(full.stdout)
    assert a["as_of"] == b["as_of"] == "2019-12-31"
    assert a["level"] == b["level"] and a["regime"] == b["regime"]
    assert a["score"] == pytest.approx(b["score"], abs=1e-9)
    assert [(s["id"], s["state"]) for s in a["signals"]] == [(s["id"], s["state"]) for s in b["signals"]]
    assert a["changes"] == b["changes"]
