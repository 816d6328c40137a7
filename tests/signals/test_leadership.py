"""Tests of ``high_beta_leads_selloff`` (stormwatch.signals.leadership)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import stormwatch.signals.leadership as lead
from stormwatch.signals import evaluate, registry

from ._flows import assert_truncation_invariant, drop, levels, synthetic_panel

SPEC = registry()["high_beta_leads_selloff"]
SMALL = {
    "horizon": 2,
    "scale_window": 3,
    "min_obs": 3,
    "min_components": 2,
    "peak_window": 3,
    "selloff_full_at": 0.02,
}
R2 = 1.0 / math.sqrt(2.0)


def test_declaration() -> None:
    assert SPEC.kind == "checklist"
    assert SPEC.checklist_item == 4
    assert all(p.reason for p in SPEC.params.values())
    assert SPEC.inputs["spx"].candidates == ("yahoo:^GSPC", "yahoo:SPY")
    assert not SPEC.inputs["spx"].optional
    assert all(inp.optional for name, inp in SPEC.inputs.items() if name != "spx")
    assert SPEC.params["lagged_factors"].default is False


def _hand_panel(spx_daily: float) -> pd.DataFrame:
    # SYNTHETIC: 6 rows. S&P 500 moves by `spx_daily` (log) every day.
    # SPHB - SPLV daily relative returns 0.01, 0, -0.01, -0.02, -0.03 (SPLV flat): every
    # three-day window has standard deviation 0.01.
    # ^NDX - ^GSPC daily relative returns 0.03, 0.02, 0.01, 0, -0.01 (std 0.01 too).
    spx = [spx_daily] * 5
    rel_ndx = [0.03, 0.02, 0.01, 0.0, -0.01]
    return synthetic_panel(
        {
            "yahoo:^GSPC": levels(spx),
            "yahoo:SPHB": levels([0.01, 0.0, -0.01, -0.02, -0.03]),
            "yahoo:SPLV": [100.0] * 6,
            "yahoo:^NDX": levels([s + r for s, r in zip(spx, rel_ndx, strict=True)]),
        }
    )


def test_hand_computed_synthetic() -> None:
    # SYNTHETIC (see _hand_panel), horizon 2, scale over 3 daily returns, S&P 500 falling 5%/day
    # (so the sell-off weight is 1 from day 1: a 4.9% fall against the 2% full depth).
    # beta  z = -(sum of last two relative returns) / (0.01 * sqrt 2):
    #   day 3: -(0 - 0.01)/.. = +1/sqrt2; day 4: +3/sqrt2; day 5: +5/sqrt2
    # theme z: day 3: -(0.02 + 0.01) = -3/sqrt2; day 4: -1/sqrt2; day 5: +1/sqrt2
    # mean:   day 3: -1/sqrt2 (off), day 4: +1/sqrt2 (off), day 5: 3/sqrt2 = 2.12 (on).
    res = evaluate(SPEC, _hand_panel(-0.05), SMALL)
    np.testing.assert_allclose(
        res.intensity.to_numpy(), [np.nan, np.nan, np.nan, -R2, R2, 3 * R2], rtol=1e-9, atol=1e-12
    )
    assert list(res.state) == ["unknown", "unknown", "unknown", "off", "off", "on"]
    np.testing.assert_allclose(res.evidence["beta.z"].iloc[3:], [R2, 3 * R2, 5 * R2], rtol=1e-9)
    np.testing.assert_allclose(res.evidence["theme.z"].iloc[3:], [-3 * R2, -R2, R2], rtol=1e-9)
    assert list(res.evidence["beta.leg"].iloc[3:]) == [0.0, 0.0, 0.0]
    assert list(res.evidence["theme.leg"].iloc[3:]) == [2.0, 2.0, 2.0]  # ^NDX vs ^GSPC, the third pair
    assert list(res.evidence["n_components"].iloc[3:]) == [2.0, 2.0, 2.0]
    assert list(res.evidence["selloff_weight"].iloc[1:]) == [1.0] * 5


def test_no_selloff_no_signal() -> None:
    # SYNTHETIC: the same relative moves while the S&P 500 RISES 1%/day: rotation, not a
    # sell-off; the weight is 0 and the intensity is exactly 0 (off).
    res = evaluate(SPEC, _hand_panel(0.01), SMALL)
    assert list(res.intensity.iloc[3:]) == [0.0, 0.0, 0.0]
    assert list(res.state.iloc[3:]) == ["off", "off", "off"]
    # the ungated score is still there for the chart
    assert res.evidence["leadership_score"].iloc[5] == pytest.approx(3 * R2)


def test_partial_selloff_weight() -> None:
    # SYNTHETIC: a 1% fall from the 3-day high with full weight at 2%: w = 0.5.
    spx = pd.Series([100.0, 100.0, 99.0, 99.0])
    w = lead.selloff_weight(spx, peak_window=3, full_at=0.02)
    assert list(w) == pytest.approx([0.0, 0.0, 0.5, 0.5])


def test_one_component_is_not_leadership() -> None:
    # SYNTHETIC: with ^NDX gone only the beta component is left: below min_components -> unknown.
    res = evaluate(SPEC, drop(_hand_panel(-0.05), "yahoo:^NDX"), SMALL)
    assert res.intensity.isna().all()
    assert (res.state == "unknown").all()
    assert res.reason.iloc[-1] == "not enough data yet (warm-up or gaps)"


@pytest.fixture(scope="module")
def dev_slice(dev_panel: pd.DataFrame) -> pd.DataFrame:
    # 2016-2019: every ETF pair exists (QUAL, MTUM from 2013).
    return dev_panel.loc["2017-06-01":"2019-12-31"]


def test_truncation_invariance(dev_slice: pd.DataFrame) -> None:
    assert_truncation_invariant(SPEC, dev_slice, [300, 360, 420, len(dev_slice) - 1], {"min_obs": 252})


def test_missing_inputs(dev_slice: pd.DataFrame) -> None:
    gone = evaluate(SPEC, drop(dev_slice, "yahoo:^GSPC", "yahoo:SPY"))
    assert (gone.state == "unknown").all()
    assert gone.reason.iloc[0] == "missing input: spx (yahoo:^GSPC or yahoo:SPY)"
    proxied = evaluate(SPEC, drop(dev_slice, "yahoo:^GSPC"), {"min_obs": 252})
    assert proxied.proxies == {"spx": "yahoo:SPY"}
    assert proxied.intensity.notna().any()
    # no high-beta ETF: the beta component falls back to XLY vs XLP, day by day
    no_sphb = evaluate(SPEC, drop(dev_slice, "yahoo:SPHB"), {"min_obs": 252})
    assert set(no_sphb.evidence["beta.leg"].dropna()) == {1.0}


def test_lagged_factors_are_opt_in(dev_panel: pd.DataFrame) -> None:
    # 1995-96: no quality or momentum ETF; only Kenneth French's RMW and Mom could say.
    window = dev_panel.loc["1994-01-01":"1996-12-31"]
    off = evaluate(SPEC, window)
    assert off.evidence["quality.z"].isna().all()
    on = evaluate(SPEC, window, {"lagged_factors": True})
    assert set(on.evidence["quality.leg"].dropna()) == {1.0}
    assert set(on.evidence["momentum.leg"].dropna()) == {1.0}
    assert on.notes and "two months late" in on.notes[0]


def test_history_high_beta_led_q4_2018(dev_panel: pd.DataFrame) -> None:
    """Fact of the data: in the Q4 2018 sell-off SPHB lagged SPLV by more than two of its
    monthly standard deviations (late October), theme (semis) and momentum lagged too,
    and the signal reached watch (maximum 1.64 on 2018-10-29)."""
    res = evaluate(SPEC, dev_panel)
    q4 = slice("2018-10-01", "2018-12-31")
    ev = res.evidence.loc[q4]
    assert (ev["beta.leg"] == 0).all()  # SPHB vs SPLV itself
    assert ev["beta.z"].max() > 2.0
    assert res.state.loc[q4].isin(["watch", "on"]).any()
    assert 1.0 < res.intensity.loc[q4].max() < 2.0


def test_history_aug_2011_and_calm_2017(dev_panel: pd.DataFrame) -> None:
    """Fact of the data: in August 2011 (SPHB too young to be scored: a year of history is
    needed) cyclicals lagged staples (XLY vs XLP) and small caps lagged: watch. In calm 2017
    the S&P 500 never fell far from its high: off all year."""
    res = evaluate(SPEC, dev_panel)
    aug = res.evidence.loc["2011-08"]
    assert (aug["beta.leg"] == 1).all()
    assert res.state.loc["2011-08"].isin(["watch", "on"]).any()
    assert (res.state.loc["2017"] == "off").all()
