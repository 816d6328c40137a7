"""`stormwatch import` and `stormwatch status` on the real development data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from stormwatch.catalog import Catalog
from stormwatch.store import Store
from tests.cli_helpers import run_cli


def test_status_lists_every_dev_file_with_its_dates(
    imported_store: Path, dev_data_dir: Path, catalog: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    res = run_cli(capsys, "status", "--json", "--store", str(imported_store))
    assert res.code == 0, res.stderr
    listed = {r["id"]: r for r in json.loads(res.stdout)}
    checked = 0
    for path in sorted(dev_data_dir.glob("*.csv")):
        spec = catalog.by_local_file(path.stem)
        assert spec is not None, f"{path.name} has no catalog entry"
        if spec.role == "metadata" or spec.wide_columns:
            continue
        raw = pd.read_csv(path)
        entry = listed[spec.id]
        assert entry["first"] == raw["date"].min(), spec.id
        assert entry["last"] == raw["date"].max(), spec.id
        assert entry["rows"] == raw["value"].notna().sum(), spec.id
        checked += 1
    assert checked >= 160
    # The wide FRED-MD file is stored one column per series.
    assert "fredmd:INDPRO" in listed
    for field in ("id", "first", "last", "rows"):
        assert all(field in r for r in listed.values())


def test_reimport_changes_nothing(
    imported_store: Path, dev_data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "copy.duckdb"
    shutil.copy(imported_store, store)
    with Store.open(store, read_only=True) as st:
        before = st.fingerprint()
    sub = tmp_path / "sub"
    sub.mkdir()
    for name in ("SP500.csv", "DGS10.csv", "CAPE_SHILLER.csv", "COT_EUR_NONCOMM_NET.csv"):
        shutil.copy(dev_data_dir / name, sub / name)
    res = run_cli(capsys, "import", str(sub), "--store", str(store))
    assert res.code == 0, res.stderr
    assert "0 updated, 4 unchanged" in res.stdout
    with Store.open(store, read_only=True) as st:
        pd.testing.assert_frame_equal(before, st.fingerprint())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("SP500.csv", "<!DOCTYPE html><html><body>Service Unavailable</body></html>", "HTML page"),
        ("DGS10.csv", "date,value\n2019-12-30,1.9\n2019-12-31,1.92\n2019-12-31,1.95\n", "share a date"),
        ("VIX.csv", "date,value\n2019-12-30,13.4\nnot-a-date,14\n", "not a date"),
        ("DGS2.csv", "date,value\n2019-12-30,1.6\n2019-12-31,one point six\n", "non-numeric"),
        ("DXY.csv", "", "empty"),
        ("SPY.csv", "when,price\n2019-12-31,321.9\n", "no date column"),
        ("GLD.csv", "date,value\n2019-12-31,140.2\n2099-01-02,150\n", "after today"),
        ("DFF.csv", "date,value\n2019-12-31,1.55\n2020-01-02,45.0\n", "implausible jump"),
    ],
)
def test_bad_files_are_refused_and_the_store_is_unchanged(
    imported_store: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str,
    message: str,
) -> None:
    store = tmp_path / "copy.duckdb"
    shutil.copy(imported_store, store)
    with Store.open(store, read_only=True) as st:
        before = st.fingerprint()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / name).write_text(content)
    res = run_cli(capsys, "import", str(bad), "--store", str(store))
    assert res.code == 1
    failure = [line for line in res.stderr.splitlines() if line.startswith("failed:")]
    assert len(failure) == 1 and message in failure[0] and name in failure[0], res.stderr
    with Store.open(store, read_only=True) as st:
        pd.testing.assert_frame_equal(before, st.fingerprint())


def test_unknown_files_are_reported_not_guessed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "MYSTERY_SERIES.csv").write_text("date,value\n2019-12-31,1\n")
    res = run_cli(capsys, "import", str(folder), "--store", str(tmp_path / "s.duckdb"))
    assert "MYSTERY_SERIES.csv matches no catalog entry" in res.stderr


def test_errors_are_one_line_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "status", "--store", str(tmp_path / "missing.duckdb"))
    assert res.code == 1
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "stormwatch import" in lines[0]
    verbose = run_cli(capsys, "status", "--verbose", "--store", str(tmp_path / "missing.duckdb"))
    assert "Traceback" in verbose.stderr
