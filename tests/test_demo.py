"""`stormwatch demo`: a SIMULATED storm walked through the real pipeline, offline, in a temp dir.

The generator tests run on the pure frame (fast); the command tests run the real
CLI entry point twice (JSON with --keep, and text), each in a few seconds to
~20 s on a loaded machine, with the working directory, the configured store and
the system temp dir all pointed into pytest's tmp_path.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import stormwatch.cli.demo  # noqa: F401  (registers `demo`; cli/__init__ imports it once wired)
from stormwatch import demo
from stormwatch.catalog import Catalog
from stormwatch.cli import main
from stormwatch.compute import required_ids
from stormwatch.level import LEVEL_NAMES
from stormwatch.series import validate
from stormwatch.store import Store
from tests.cli_helpers import run_cli

CHECKLIST = (
    "dollar_down_vol_up",
    "fx_skew_confirms",
    "dollar_falls_with_equities",
    "high_beta_leads_selloff",
    "correlations_to_one",
    "fed_put_fails",
)


# ---------------------------------------------------------------------------
# The generator (pure)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return demo.simulate_scenario(0)


@pytest.fixture(scope="module")
def phases() -> pd.DataFrame:
    return demo.phase_table()


def test_every_series_the_signals_read_is_simulated(frame: pd.DataFrame) -> None:
    assert demo.missing_recipes() == []
    assert set(frame["series_id"]) == set(required_ids())
    assert list(frame.columns) == ["series_id", "period", "published_at", "value"]
    assert frame["period"].dtype == "datetime64[ns]"
    assert frame["published_at"].dtype == "datetime64[ns]"
    assert np.isfinite(frame["value"].to_numpy()).all()


def test_publication_times_and_frequencies_follow_the_catalog(
    frame: pd.DataFrame, catalog: Catalog, phases: pd.DataFrame
) -> None:
    last_day = phases["last_day"].iloc[-1]
    for sid, rows in frame.groupby("series_id"):
        spec = catalog.resolve(str(sid))
        period = rows["period"].reset_index(drop=True)
        expected = spec.published_at(period).astype("datetime64[ns]")
        pd.testing.assert_series_equal(
            rows["published_at"].reset_index(drop=True), expected, check_names=False, obj=str(sid)
        )
        assert period.is_monotonic_increasing and period.is_unique, sid
        assert period.max() <= last_day, sid
        if spec.frequency == "daily":
            assert (period.dt.day_of_week < 5).all(), sid
        elif spec.frequency == "weekly":
            assert period.dt.day_of_week.nunique() == 1, sid
            assert (period.diff().dropna() == pd.Timedelta(days=7)).all(), sid
        elif spec.frequency == "monthly":
            assert (period.dt.day == 1).all(), sid
        elif spec.frequency == "quarterly":
            assert ((period.dt.day == 1) & period.dt.month.isin([1, 4, 7, 10])).all(), sid
    weekday = {sid: int(rows["period"].dt.day_of_week.iloc[0]) for sid, rows in frame.groupby("series_id")}
    assert weekday["fred:WALCL"] == 2  # H.4.1: Wednesday
    assert weekday["fred:ICSA"] == 5  # initial claims: week ending Saturday
    assert weekday["cftc:099741:noncomm_net"] == 1  # CFTC as-of Tuesday (published Friday)


def test_the_data_passes_the_same_gate_as_real_data(frame: pd.DataFrame, catalog: Catalog) -> None:
    today = frame["period"].max().date()
    for sid, rows in frame.groupby("series_id"):
        spec = catalog.resolve(str(sid))
        _, report = validate(
            rows, series_id=spec.id, source=demo.SIMULATED_SOURCE, today=today, jump=spec.jump
        )
        assert report.rows_kept == len(rows), sid


def test_dates_are_fictional_and_the_draw_is_deterministic_per_seed(frame: pd.DataFrame) -> None:
    assert frame["period"].min() >= demo.DEFAULT_START >= pd.Timestamp("2030-01-01")
    ids = ["yahoo:^GSPC", "fred:WALCL", "local:EURUSD_RR25_1M"]
    again = demo.simulate_scenario(0, ids=ids)
    # A subset is the same rows as in the full frame (each series has its own noise stream).
    full = frame[frame["series_id"].isin(ids)].reset_index(drop=True)
    pd.testing.assert_frame_equal(again, full)
    other = demo.simulate_scenario(1, ids=ids)
    assert not np.allclose(other["value"].to_numpy(), again["value"].to_numpy())


def _day(phases: pd.DataFrame, phase: str, which: str) -> pd.Timestamp:
    row = phases.loc[phases["phase"] == phase, which]
    return pd.Timestamp(row.iloc[0])


def test_the_calm_has_the_usual_hedges_and_the_storm_breaks_them(
    frame: pd.DataFrame, phases: pd.DataFrame
) -> None:
    wide = frame.pivot(index="period", columns="series_id", values="value")
    spx, dxy = np.log(wide["yahoo:^GSPC"]), np.log(wide["yahoo:DX-Y.NYB"])
    calm_end = _day(phases, "calm", "last_day")
    first = _day(phases, "dollar_vol", "first_day")
    last = _day(phases, "fed_put_fails", "last_day")
    calm = wide.index <= calm_end
    storm = (wide.index >= _day(phases, "broken_hedge", "first_day")) & (wide.index <= last)
    r_spx, r_dxy = spx.diff(2), dxy.diff(2)
    # Realistic calm volatilities (annualised, daily log returns).
    assert 0.08 < spx.diff()[calm].std() * np.sqrt(252) < 0.16
    assert 0.03 < dxy.diff()[calm].std() * np.sqrt(252) < 0.08
    # The dollar hedges US equities in the calm and falls with them in the storm.
    assert r_spx[calm].corr(r_dxy[calm]) < -0.2
    assert r_spx[storm].corr(r_dxy[storm]) > 0.3
    # The storm: the dollar falls against the majors, equities sell off, VIX at least doubles.
    assert dxy.loc[last] - dxy.loc[first] < np.log(0.9)
    assert spx.loc[last] - spx.loc[first] < np.log(0.8)
    vix = wide["fred:VIXCLS"]
    assert vix.loc[last] > 2.0 * vix.loc[:calm_end].median()
    # The Fed holds until the fed_put_fails phase, then cuts by a point.
    dff = wide["fred:DFF"].dropna()
    before = dff.loc[: _day(phases, "cross_border", "last_day")]
    assert before.between(4.30, 4.37).all()
    assert dff.loc[:last].iloc[-1] < before.median() - 0.9


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float


def _invoke(*args: str) -> Run:
    """Run the real entry point in-process (module-scoped fixtures cannot use capsys)."""
    out, err = io.StringIO(), io.StringIO()
    old = sys.argv
    sys.argv = ["stormwatch", *args]
    code = 0
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
    finally:
        sys.argv = old
    return Run(code, out.getvalue(), err.getvalue(), time.perf_counter() - started)


@contextlib.contextmanager
def _sandbox(root: Path) -> Iterator[Path]:
    """Working dir, configured store and system temp dir all inside ``root``."""
    work, tmp = root / "work", root / "tmp"
    work.mkdir()
    tmp.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        mp.setenv("STORMWATCH_STORE", str(root / "user-store.duckdb"))
        mp.setattr(tempfile, "tempdir", str(tmp))
        yield root


@pytest.fixture(scope="module")
def json_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, dict[str, Any], Path]:
    root = tmp_path_factory.mktemp("demo-json")
    kept = root / "kept" / "demo.duckdb"
    with _sandbox(root):
        run = _invoke("demo", "--json", "--keep", str(kept))
    assert run.code == 0, run.stderr[-2000:]
    # Nothing outside the sandbox's kept file: no user store, nothing left in temp or cwd.
    assert not (root / "user-store.duckdb").exists()
    assert list((root / "tmp").iterdir()) == []
    assert list((root / "work").iterdir()) == []
    return run, json.loads(run.stdout), kept


def test_demo_json_is_labelled_simulated_and_fast(json_run: tuple[Run, dict[str, Any], Path]) -> None:
    run, doc, _ = json_run
    assert doc["simulated"] is True
    assert doc["banner"] == demo.SIMULATED_BANNER == "SIMULATED DATA — not market history"
    assert demo.SIMULATED_BANNER in run.stderr
    assert doc["series"] == len(required_ids())
    assert doc["not_simulated"] == []
    assert run.seconds < 60, f"the demo took {run.seconds:.0f} s"


def test_level_path_visits_every_stage_in_order_then_steps_down(
    json_run: tuple[Run, dict[str, Any], Path], phases: pd.DataFrame
) -> None:
    _, doc, _ = json_run
    path = [(pd.Timestamp(p["first_day"]), p["level"]) for p in doc["level_path"]]
    levels = [lvl for _, lvl in path]
    assert levels[0] == 0 and levels[-1] == 0
    # 0, 1, 2, 3, 4 in order: each stage first reached after the one below it.
    first = {lvl: min(d for d, v in path if v == lvl) for lvl in range(5)}
    assert first[0] < first[1] < first[2] < first[3] < first[4]
    assert max(levels) == 4
    # ... each storm stage no earlier than the phase built to reach it, and within the storm.
    assert first[1] >= _day(phases, "dollar_vol", "first_day")
    assert first[2] >= _day(phases, "broken_hedge", "first_day")
    assert first[3] >= _day(phases, "cross_border", "first_day")
    assert _day(phases, "fed_put_fails", "first_day") <= first[4] < _day(phases, "relief", "first_day")
    # The calm years stay at Calm, and after Endgame the level steps back down to Calm.
    assert path[1][0] >= _day(phases, "dollar_vol", "first_day")
    after = levels[levels.index(4) :]
    assert all(a > b for a, b in itertools.pairwise(after))
    # Every step is explained, up and down.
    steps = [(t["from"], t["to"]) for t in doc["transitions"]]
    assert steps[:4] == [(0, 1), (1, 2), (2, 3), (3, 4)]
    for t in doc["transitions"]:
        assert f"-> {t['to']} {LEVEL_NAMES[t['to']]}" in t["explanation"]
        assert "why:" in t["explanation"]


def test_the_storm_runs_on_the_real_signals(json_run: tuple[Run, dict[str, Any], Path]) -> None:
    _, doc, _ = json_run
    peak = doc["summary_at_peak"]
    assert peak["level"] == 4
    states = {s["id"]: s for s in peak["signals"]}
    for sid in ("dollar_falls_with_equities", "fed_put_fails"):
        assert states[sid]["state"] == "on", sid
    for sid in ("high_beta_leads_selloff", "correlations_to_one"):
        assert states[sid]["state"] in ("watch", "on"), sid
    # FX skew runs on the simulated risk reversals, not the EVZ proxy.
    assert states["fx_skew_confirms"]["proxies"] == {}
    assert "risk reversals" in states["fx_skew_confirms"]["evidence"]
    assert all(states[sid]["proxies"] == {} for sid in CHECKLIST)
    assert peak["missing_series"] == []
    final = doc["summary"]
    assert final["level"] == 0
    assert {s["id"]: s["state"] for s in final["signals"]}["fed_put_fails"] == "off"


def test_kept_store_holds_the_simulated_data_labelled_as_such(
    json_run: tuple[Run, dict[str, Any], Path], catalog: Catalog
) -> None:
    _, doc, kept = json_run
    assert doc["store"] == str(kept)
    with Store.open(kept, read_only=True) as st:
        summary = st.summary()
        statuses = st.last_statuses()
        runs = st._con.execute("SELECT command, status FROM runs").fetchall()
        spx = st.load_series("yahoo:^GSPC")
    assert set(summary["series_id"]) == set(required_ids())
    assert (summary["source"] == demo.SIMULATED_SOURCE).all()
    assert statuses["detail"].str.contains("SIMULATED DATA").all()
    assert runs == [("demo --seed 0 (SIMULATED)", "ok")]
    assert spx.index.min() == demo.DEFAULT_START


def test_demo_text_walks_through_with_the_banner_top_and_bottom(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with _sandbox(tmp_path):
        res = run_cli(capsys, "demo")
    assert res.code == 0, res.stderr[-2000:]
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    assert demo.SIMULATED_BANNER in "\n".join(lines[:3])
    assert demo.SIMULATED_BANNER in "\n".join(lines[-3:])
    text = res.stdout
    steps = ["level 0 Calm -> 1 Watch", "level 1 Watch -> 2 Warning", "level 2 Warning -> 3 Storm"]
    steps.append("level 3 Storm -> 4 Endgame")
    positions = [text.index(s) for s in steps]
    assert positions == sorted(positions)
    assert "The summary at the height of the storm" in text
    assert "level 4 Endgame" in text[text.index("The summary at the height") :]
    assert not (tmp_path / "user-store.duckdb").exists()
    assert list((tmp_path / "tmp").iterdir()) == []


def test_keep_never_overwrites_an_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "store.duckdb"
    existing.write_bytes(b"not yours to overwrite")
    res = run_cli(capsys, "demo", "--keep", str(existing))
    assert res.code == 2
    assert "exists" in res.stderr
    assert existing.read_bytes() == b"not yours to overwrite"
