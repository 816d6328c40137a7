"""``stormwatch research sweep-signals`` and ``universe-corr`` in-process, on SYNTHETIC CSV folders."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stormwatch.cli.research  # noqa: F401  (registers `research` until cli/__init__ imports it)
from stormwatch.bench._core import synthetic_panel
from stormwatch.cli.research import read_csv_dir
from tests.cli_helpers import run_cli


@pytest.fixture(scope="module")
def csv_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SYNTHETIC date,value files: a price SPX, five indicators, a monthly one, and a non-series file."""
    folder = tmp_path_factory.mktemp("market")
    days = pd.bdate_range("2005-01-03", periods=1400)
    rets = synthetic_panel(1400, 6, seed=21)
    levels = 100.0 * np.exp(np.cumsum(2.0 * rets, axis=0))
    for i, name in enumerate(["SPX", "A", "B", "C", "D", "E"]):
        pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "value": levels[:, i]}).to_csv(
            folder / f"{name}.csv", index=False
        )
    monthly = pd.DataFrame(
        {"date": days[::21].strftime("%Y-%m-%d"), "value": np.arange(len(days[::21]), 0, -1.0)}
    )
    monthly.to_csv(folder / "M.csv", index=False)
    (folder / "notes.csv").write_text("a,b\n1,2\n")
    return folder


def test_read_csv_dir_aligns_on_weekdays(csv_dir: Path) -> None:
    frame = read_csv_dir(csv_dir)
    assert sorted(frame.columns) == ["A", "B", "C", "D", "E", "M", "SPX"]
    assert (frame.index.day_of_week < 5).all() and frame["M"].notna().all()  # carried forward


def test_sweep_signals_local_and_dask_agree(csv_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["research", "sweep-signals", "--dir", str(csv_dir), "--target", "SPX", "--horizon", "20",
            "--drop", "0.05", "--windows", "20,60", "--thresholds", "-1,0,1.5",
            "--format", "csv"]  # fmt: skip
    local = run_cli(capsys, *args, "--local", "--chunks", "3")
    assert local.code == 0, local.stderr
    frame = pd.read_csv(io.StringIO(local.stdout))
    assert len(frame) == 6 * 2 * 3 and set(frame["series"]) == {"A", "B", "C", "D", "E", "M"}
    assert "36 signals (6 series x 2 windows x 3 thresholds)" in local.stderr
    dask = run_cli(capsys, *args, "--workers", "1")
    assert dask.code == 0, dask.stderr
    assert dask.stdout == local.stdout
    table = run_cli(capsys, *args[:-2], "--local", "--top", "3")
    assert table.code == 0 and "AUROC" in table.stdout and "best 3" in table.stdout


def test_universe_corr_table_and_csv(csv_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["research", "universe-corr", "--dir", str(csv_dir), "--window", "40", "--series", "A,B,C,D,E"]
    res = run_cli(capsys, *base, "--local", "--format", "csv")
    assert res.code == 0, res.stderr
    frame = pd.read_csv(io.StringIO(res.stdout), index_col="date")
    assert frame["avg_corr"].iloc[:40].isna().all() and frame["avg_corr"].iloc[40:].notna().all()
    # one-factor returns with loading 0.6 / 0.8: pairwise correlation 0.36 in expectation
    assert 0.25 < frame["avg_corr"].iloc[40:].mean() < 0.45
    shown = run_cli(capsys, *base, "--local", "--last", "3")
    assert shown.code == 0 and "series used" in shown.stdout


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        (["--target", "NOPE"], "target series 'NOPE'"),
        (["--series", "A,ZZ"], "unknown series"),
        (["--format", "xml"], "table, csv or json"),
    ],
)
def test_sweep_signals_errors(
    csv_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], msg: str
) -> None:
    res = run_cli(
        capsys, "research", "sweep-signals", "--dir", str(csv_dir), "--target", "SPX", "--local", *args
    )
    assert res.code != 0 and msg in res.stderr


def test_research_bench_quick_json(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "research", "bench", "--quick", "--no-dask", "--format", "json")
    assert res.code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert len(doc) == 1 and doc[0]["matched"] and doc[0]["max_abs_diff"] <= 1e-12
    assert doc[0]["baseline_note"] == "measured" and doc[0]["target_speedup"] == 50.0
