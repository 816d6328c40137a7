"""The storm-level engine on small synthetic signal paths (labelled SYNTHETIC)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stormwatch.level import STORM_SPEC, apply_hysteresis, compute_level, raw_stage, storm_score
from stormwatch.signals.base import SignalOutput, SignalResult, SignalSpec

IDX = pd.bdate_range("2020-01-01", periods=12, name="date")


def result(sid: str, states: str, intensity: list[float] | None = None) -> SignalResult:
    """SYNTHETIC: states given as a string, one char per day: o=off w=watch O=on u=unknown."""
    code = {"o": "off", "w": "watch", "O": "on", "u": "unknown"}
    st_ = pd.Series([code[c] for c in states], index=IDX[: len(states)], dtype=object)
    x = pd.Series(
        intensity
        if intensity is not None
        else [2.5 if c == "O" else 1.2 if c == "w" else 0.0 if c == "o" else np.nan for c in states],
        index=st_.index,
    )
    spec = SignalSpec(
        id=sid,
        family="t",
        title=sid,
        kind="checklist",
        inputs={},
        params={},
        rationale="",
        func=lambda data: SignalOutput(intensity=x),
    )
    return SignalResult(
        spec=spec,
        state=st_,
        intensity=x,
        evidence=pd.DataFrame(index=st_.index),
        used={},
        proxies={},
        reason=pd.Series("", index=st_.index),
    )


def checklist(**states: str) -> dict[str, SignalResult]:
    ids = STORM_SPEC.checklist
    out = {}
    for item in range(1, 7):
        s = states.get(f"i{item}", "o" * len(IDX))
        out[ids[item]] = result(ids[item], s)
    return out


def test_raw_stage_follows_the_escalation() -> None:
    res = checklist(
        i1="oOOOOOOOOOOO",
        i3="ooOOOOOOOOOO",
        i4="oooOwwwwwwww",
        i5="ooooOOOOOOOO",
        i6="oooooooOOOoo",
    )
    raw = raw_stage(res, IDX).tolist()
    assert raw == [0, 1, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3]


def test_watch_needs_item_1_at_watch_or_real_skew_on() -> None:
    assert raw_stage(checklist(i1="w" * 12), IDX).max() == 1
    # A skew proxy is capped at watch: it cannot raise the level alone.
    assert raw_stage(checklist(i2="w" * 12), IDX).max() == 0
    assert raw_stage(checklist(i2="O" * 12), IDX).max() == 1


def test_warning_needs_the_broken_hedge_confirmed() -> None:
    # 3 on alone (no 1/2) is not Warning; with 2 at watch it is.
    assert raw_stage(checklist(i3="O" * 12), IDX).max() == 0
    assert raw_stage(checklist(i3="O" * 12, i2="w" * 12), IDX).max() == 2


def test_unknown_counts_as_not_on() -> None:
    assert raw_stage(checklist(i1="u" * 12, i2="u" * 12, i3="O" * 12), IDX).max() == 0


def test_hysteresis_up_after_two_days_down_after_ten() -> None:
    raw = pd.Series([0, 2, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], index=pd.RangeIndex(16))
    level = apply_hysteresis(raw, up_days=2, down_days=10).tolist()
    assert level == [0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=60))
def test_hysteresis_is_causal_and_bounded(raw_list: list[int]) -> None:
    raw = pd.Series(raw_list)
    full = apply_hysteresis(raw, up_days=2, down_days=5)
    for t in range(len(raw_list)):
        part = apply_hysteresis(raw.iloc[: t + 1], up_days=2, down_days=5)
        assert part.iloc[-1] == full.iloc[t]
    assert full.between(0, 4).all()


def test_score_is_weighted_clipped_and_reports_coverage() -> None:
    res = {
        "dollar_falls_with_equities": result("dollar_falls_with_equities", "o" * 3, [3.0, 6.0, np.nan]),
        "valuation": result("valuation", "o" * 3, [0.0, 0.0, 0.0]),
    }
    idx = IDX[:3]
    score, contrib, coverage = storm_score(res, idx)
    w3 = STORM_SPEC.weights["dollar_falls_with_equities"][0]
    wv = STORM_SPEC.weights["valuation"][0]
    assert score.iloc[0] == pytest.approx(100 * w3 / (w3 + wv))
    assert score.iloc[1] == score.iloc[0]  # capped at 3
    assert score.iloc[2] == 0.0
    total = sum(w for w, _ in STORM_SPEC.weights.values())
    assert coverage.iloc[0] == pytest.approx((w3 + wv) / total)
    assert np.allclose(contrib.sum(axis=1), score)


@settings(max_examples=50, deadline=None)
@given(st.floats(-5, 5), st.floats(0, 5))
def test_score_never_falls_when_an_intensity_rises(x: float, bump: float) -> None:
    idx = IDX[:1]
    base = {
        "dollar_down_vol_up": result("dollar_down_vol_up", "o", [x]),
        "valuation": result("valuation", "o", [1.0]),
    }
    up = {
        "dollar_down_vol_up": result("dollar_down_vol_up", "o", [x + bump]),
        "valuation": result("valuation", "o", [1.0]),
    }
    assert storm_score(up, idx)[0].iloc[0] >= storm_score(base, idx)[0].iloc[0] - 1e-12


def test_transitions_explain_what_moved() -> None:
    res = checklist(i1="ooOOOOOOOOOO", i3="ooooOOOOOOOO")
    lvl = compute_level(res, IDX)
    assert [(t.from_level, t.to_level) for t in lvl.transitions] == [(0, 1), (1, 2)]
    first, second = lvl.transitions
    assert first.date == IDX[3] and "First signs" in first.reason
    assert any(m.signal_id == "dollar_falls_with_equities" and m.state_now == "on" for m in second.moved)
    assert "since" in second.text() and "Warning" in second.text()
    assert lvl.frame["level_name"].iloc[-1] == "Warning"
