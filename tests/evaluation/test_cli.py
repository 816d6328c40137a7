"""`stormwatch evaluate`, `backtest` and `sweep` end to end on a real store (2005-2009 of the dev data)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

import stormwatch.cli.evaluate  # noqa: F401  (registers the commands until cli/__init__ imports it)
from stormwatch.evaluation.baselines import BASELINE_IDS
from stormwatch.evaluation.evaluate import MODEL_IDS
from tests.cli_helpers import run_cli


def test_evaluate_json(small_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(
        capsys,
        "evaluate",
        "--store",
        str(small_store),
        "--start",
        "2005-01-01",
        "--format",
        "json",
        "--n-boot",
        "50",
    )
    assert res.code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["as_of"] == "2009-12-31"
    for tid in ("joint_usd_spx_20d", "spx_drawdown_10pct_60d"):
        models = doc["targets"][tid]["models"]
        assert set(MODEL_IDS) <= set(models)
        assert {"storm_score", "level_ge_1", "level_ge_2", "level_ge_3", "level_ge_4", *BASELINE_IDS} <= set(
            models
        )
        assert all("auroc" in m for m in models.values())
        assert models["storm_score"]["auroc"] is not None
    eps = {e["id"]: e for e in doc["episodes"]}
    assert set(eps) == {"gfc_2007_2008", "gfc_2008_2009"}  # the catalogued episodes inside the span
    for e in eps.values():
        assert {"start", "trough", "kind", "first_alarm", "lead_days"} <= set(e)
    assert eps["gfc_2008_2009"]["kind"] == "classic_risk_off"


def test_evaluate_markdown_document(
    small_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "docs" / "EVALUATION.md"
    res = run_cli(
        capsys,
        "evaluate",
        "--store",
        str(small_store),
        "--format",
        "markdown",
        "--out",
        str(out),
        "--n-boot",
        "30",
    )
    assert res.code == 0, res.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# stormwatch")
    assert "stormwatch evaluate --format markdown --out docs/EVALUATION.md" in text.splitlines()[2]
    for bid in BASELINE_IDS:
        assert f"`{bid}`" in text
    for base in ("EUR", "JPY", "GBP", "CHF"):
        assert f"### {base} investor" in text
    assert "## Proxies and caveats" in text
    assert "no value (and no proxy) before" in text  # the short store: everything starts in 2005


def test_evaluate_table_and_bad_format(small_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "evaluate", "--store", str(small_store), "--start", "2006-06-01", "--n-boot", "20")
    assert res.code == 0, res.stderr
    assert "storm_score" in res.stdout and "joint_usd_spx_20d" in res.stdout
    bad = run_cli(capsys, "evaluate", "--store", str(small_store), "--format", "yaml")
    assert bad.code != 0


def test_backtest_json(small_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "backtest", "--base", "chf", "--store", str(small_store), "--format", "json")
    assert res.code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["base"] == "CHF"
    assert set(doc["strategies"]) == {"unhedged", "hedged", "level_hedge", "overlay"}
    for s in doc["strategies"].values():
        assert {"cagr", "volatility", "sharpe", "max_drawdown", "calmar", "worst_month", "turnover"} <= set(s)
    assert doc["span"]["start"] >= "2005-01-01"
    bad = run_cli(capsys, "backtest", "--base", "CNY", "--store", str(small_store))
    assert bad.code != 0


def test_sweep_local_and_on_a_scheduler(small_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "sweep",
        "--store",
        str(small_store),
        "--start",
        "2005-01-01",
        "--up-days",
        "1,2",
        "--down-days",
        "10",
    ]
    args += ["--level-k", "1", "--score-window", "1", "--quantile", "0.9", "--format", "csv"]
    local = run_cli(capsys, *args, "--local")
    assert local.code == 0, local.stderr
    frame = pd.read_csv(io.StringIO(local.stdout))
    assert len(frame) == 4  # 2 hysteresis settings x 2 targets
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        host="127.0.0.1",
        protocol="tcp",
        dashboard_address=None,
    ) as cluster:
        remote = run_cli(capsys, *args, "--scheduler", cluster.scheduler_address)
    assert remote.code == 0, remote.stderr
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(remote.stdout)), frame)
