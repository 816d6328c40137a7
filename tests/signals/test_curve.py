"""Tests of ``bear_steepening_while_cutting`` (stormwatch.signals.curve)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stormwatch.signals.curve  # noqa: F401  (registers the signal)
from stormwatch.signals import evaluate, registry

from ._aggfuel import assert_truncation_invariant, drop, synthetic_panel

SPEC = registry()["bear_steepening_while_cutting"]
SMALL = {"window": 1, "cut_window": 1, "cut_step": 0.25, "policy_smooth": 1, "min_obs": 3}


def test_declaration() -> None:
    assert SPEC.kind == "aggravator"
    assert SPEC.checklist_item is None
    assert all(p.reason for p in SPEC.params.values())
    assert SPEC.inputs["policy"].candidates == ("fred:DFF", "fred:DGS3MO")


def test_hand_computed_synthetic() -> None:
    # SYNTHETIC: 10y 5,4,4,5,5 -> daily changes -1,0,1,0; 2y 3,4,4,3,3 -> 2s10s 2,0,0,2,2,
    # changes -2,0,2,0; fed funds 2,2,2,1.5,1.5 -> cuts (in 25 bp) 0,0,2,0.
    # Day 3: z(10y change) of (-1,0,1) = 1; z(spread change) of (-2,0,2) = 1; cuts = 2
    #        -> min = 1 -> watch.
    # Day 4: z of (-1,0,1,0) at 0 = 0 for both; cuts = 0 -> min = 0 -> off.
    panel = synthetic_panel(
        {
            "fred:DGS10": [5.0, 4.0, 4.0, 5.0, 5.0],
            "fred:DGS2": [3.0, 4.0, 4.0, 3.0, 3.0],
            "fred:DFF": [2.0, 2.0, 2.0, 1.5, 1.5],
        }
    )
    res = evaluate(SPEC, panel, SMALL)
    np.testing.assert_allclose(res.intensity.to_numpy(), [np.nan, np.nan, np.nan, 1.0, 0.0], atol=1e-12)
    assert list(res.state) == ["unknown", "unknown", "unknown", "watch", "off"]
    assert res.evidence["t10y2y"].iloc[3] == 2.0
    assert res.evidence["cuts_1d"].iloc[3] == 2.0


def test_hiking_is_never_a_signal() -> None:
    # SYNTHETIC: the same bear steepening while the Fed HIKES 25 bp: the cut leg is -1.
    panel = synthetic_panel(
        {
            "fred:DGS10": [5.0, 4.0, 4.0, 5.0],
            "fred:DGS2": [3.0, 4.0, 4.0, 3.0],
            "fred:DFF": [2.0, 2.0, 2.0, 2.25],
        }
    )
    res = evaluate(SPEC, panel, SMALL)
    assert res.intensity.iloc[3] == pytest.approx(-1.0)
    assert res.state.iloc[3] == "off"


@pytest.fixture(scope="module")
def dev_slice(dev_panel: pd.DataFrame) -> pd.DataFrame:
    return dev_panel.loc["2000-06-01":"2002-12-31"]


def test_truncation_invariance(dev_slice: pd.DataFrame) -> None:
    assert_truncation_invariant(SPEC, dev_slice, [300, 450, 560, len(dev_slice) - 1], {"min_obs": 252})


def test_missing_inputs(dev_slice: pd.DataFrame) -> None:
    no_ff = evaluate(SPEC, drop(dev_slice, "fred:DFF"), {"min_obs": 252})
    assert no_ff.proxies == {"policy": "fred:DGS3MO"}
    assert no_ff.intensity.notna().any()
    gone = evaluate(SPEC, drop(dev_slice, "fred:DGS2"))
    assert (gone.state == "unknown").all()
    assert gone.reason.iloc[0] == "missing input: short (fred:DGS2)"
    none = evaluate(SPEC, drop(dev_slice, "fred:DFF", "fred:DGS3MO"))
    assert "fred:DFF or fred:DGS3MO" in none.reason.iloc[-1]


def test_history_bear_steepening_while_cutting_2001_2003(dev_panel: pd.DataFrame) -> None:
    """Fact of the data: the 10-year rose against Fed cuts in 2001-2003 (e.g. May 2001,
    Dec 2001, Jul-Aug 2003), so the signal reaches watch then. In 2008 it does not:
    it comes closest at the end of October 2008 (intensity 0.96), and in spring 2008
    long yields rose against the cuts but the 2-year rose more (a bear *flattening*)."""
    res = evaluate(SPEC, dev_panel)
    s = res.state
    assert s.loc["2001":"2003"].isin(["watch", "on"]).any()
    assert s.loc["2001-05"].isin(["watch", "on"]).any()
    assert s.loc["2003-07":"2003-08"].isin(["watch", "on"]).any()
    assert not s.loc["2008"].isin(["watch", "on"]).any()
    assert (s.loc["1990":"2019"] == "on").sum() == 0
