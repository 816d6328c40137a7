"""Point-in-time replay: one pass over the history equals asking each day with that day's data.

The proof is literal: the panel (and the store read ``as_of`` a day) truncated
after day ``t`` is assessed with the same code the ``run`` command uses, and
its last row is compared with row ``t`` of the replay. The dates straddle the
days on which signals switch input series (the ECB euro crosses start in
1999, Yahoo's yen in 1996).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stormwatch.catalog import Catalog
from stormwatch.compute import assess, assess_panel
from stormwatch.evaluation.evaluate import evaluation_ids
from stormwatch.evaluation.replay import Replay, choice_breaks, level_signal_ids, load_replay_panel, replay
from stormwatch.panel import Panel, StaleDataWarning, build_panel
from stormwatch.signals.base import Input, SignalOutput, SignalSpec
from stormwatch.store import Store

LEVEL_COLUMNS = ["raw_stage", "level", "score", "coverage"]


def _panel(values: pd.DataFrame) -> Panel:
    return Panel(values=values, age_days=values * np.nan, stale=(), missing=())


def _same_float(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or a == b


def test_choice_breaks_on_a_synthetic_spec() -> None:
    """SYNTHETIC: candidate A (preferred) starts on row 5, B on row 0, C on row 2."""
    idx = pd.bdate_range("2020-01-01", periods=10)
    panel = pd.DataFrame({"x:a": np.nan, "x:b": 1.0, "x:c": np.nan, "x:d": 2.0, "x:e": np.nan}, index=idx)
    panel.iloc[7:, 4] = 1.0
    panel.iloc[5:, 0] = 1.0
    panel.iloc[2:, 2] = 1.0
    spec = SignalSpec(
        id="t",
        family="t",
        title="t",
        kind="readout",
        inputs={
            "fx": Input("x:a", proxies=("x:c", "x:b")),
            "eq": Input("x:d"),
            "opt": Input("x:e", optional=True),  # first appears on row 7: no break
        },
        params={},
        rationale="",
        func=lambda data: SignalOutput(intensity=data["fx"]),
    )
    # b from row 0; c (better) from row 2; a (best) from row 5.
    assert choice_breaks(spec, panel) == [2, 5]


@pytest.mark.parametrize("day", ["1988-06-30", "1995-06-30", "1999-01-05", "2008-10-10"])
def test_replay_row_equals_the_assessment_with_data_to_that_day(
    dev_replay: Replay, eval_panel: pd.DataFrame, day: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaleDataWarning)
        truncated = assess_panel(_panel(eval_panel.loc[:day]))
    seen = truncated.level.frame.iloc[-1]
    got = dev_replay.frame.loc[day]
    assert truncated.as_of == pd.Timestamp(day)
    for col in LEVEL_COLUMNS:
        assert _same_float(float(seen[col]), float(got[col])), (day, col, seen[col], got[col])
    for sid in level_signal_ids():
        if sid not in truncated.results:
            continue
        a, b = truncated.results[sid], dev_replay.results[sid]
        assert a.state.iloc[-1] == b.state.loc[day], (day, sid)
        assert _same_float(float(a.intensity.iloc[-1]), float(b.intensity.loc[day])), (day, sid)


def test_replay_is_truncation_invariant(eval_panel: pd.DataFrame) -> None:
    """Truncating the data after day t never changes a replayed row dated t or earlier."""
    short = eval_panel.loc["1997-01-01":"1999-12-31"]
    full = replay(short, extra=["absorption_ratio"])
    for cut in ("1999-03-31",):
        part = replay(short.loc[:cut], extra=["absorption_ratio"])
        pd.testing.assert_frame_equal(part.frame, full.frame.loc[:cut])
        for sid, res in part.results.items():
            pd.testing.assert_series_equal(res.intensity, full.results[sid].intensity.loc[:cut], obj=sid)
            pd.testing.assert_series_equal(res.state, full.results[sid].state.loc[:cut], obj=sid)
        assert all(t.date <= pd.Timestamp(cut) for t in part.level.transitions)


def test_replay_says_which_series_it_read_when(dev_replay: Replay) -> None:
    segs = dev_replay.segments["dollar_down_vol_up"]
    assert segs[0].first == pd.Timestamp("1985-01-01")
    # Before the ECB reference rates (1999) the Fed's H.10 yen rate was what a user had.
    early = next(s for s in segs if s.first <= pd.Timestamp("1995-01-02") <= s.last)
    assert early.used["jpy"] == "fred:DEXJPUS"
    late = segs[-1]
    assert late.used["jpy"] == "ecb:EXR/D.JPY.EUR.SP00.A"
    assert any("fred:DEXJPUS instead of" in line for line in dev_replay.proxies_used())


@pytest.mark.parametrize("day", ["1995-06-30", "2008-10-10"])
def test_point_in_time_panel_rows_never_change_when_later_data_arrives(
    eval_obs: pd.DataFrame, eval_panel: pd.DataFrame, catalog: Catalog, day: str
) -> None:
    """What the store returns as of a day (publication lags applied) = the full panel's rows to that day."""
    cutoff = pd.Timestamp(day) + pd.Timedelta(hours=23, minutes=59, seconds=59)
    known = eval_obs.loc[eval_obs["published_at"] <= cutoff]
    ids = list(eval_panel.columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaleDataWarning)
        then = build_panel(known, catalog, start="1985-01-01", end=day, ids=ids).values
    pd.testing.assert_frame_equal(then, eval_panel.loc[:day], check_freq=False)


def test_store_as_of_reads_and_assess_agree_with_the_replay(small_store: Path, catalog: Catalog) -> None:
    ids = [i for i in evaluation_ids() if i in catalog]
    with Store.open(small_store, read_only=True) as st:
        full = load_replay_panel(st, catalog, ids=ids, start=pd.Timestamp("2005-01-03"))
        day = pd.Timestamp("2008-09-30")
        then = load_replay_panel(st, catalog, ids=ids, start=pd.Timestamp("2005-01-03"), as_of=day)
        pd.testing.assert_frame_equal(then, full.loc[:day], check_freq=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StaleDataWarning)
            seen = assess(st, catalog, as_of=day, start=pd.Timestamp("2005-01-03")).level.frame.iloc[-1]
    got = replay(full).frame.loc[day]
    for col in LEVEL_COLUMNS:
        assert _same_float(float(seen[col]), float(got[col])), col
    assert full.index[-1] == pd.Timestamp("2009-12-31")
