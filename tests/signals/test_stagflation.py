"""Tests of ``stagflation_pressure`` (stormwatch.signals.stagflation)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import stormwatch.signals.stagflation  # noqa: F401  (registers the signal)
from stormwatch.signals import evaluate, registry

from ._aggfuel import assert_truncation_invariant, drop, seqz_ref, synthetic_panel

SPEC = registry()["stagflation_pressure"]
SMALL = {"window": 1, "activity_avg": 1, "claims_avg": 1, "min_obs": 3, "block_min_obs": 3}


def test_declaration() -> None:
    assert SPEC.kind == "aggravator"
    assert SPEC.inputs["infl_2y"].candidates == ("local:USD_INFL_SWAP_2Y", "fred:EXPINF2YR")
    assert SPEC.inputs["breakeven"].candidates == ("fred:T5YIE", "fred:T10YIE")
    assert SPEC.inputs["dollar"].candidates == ("yahoo:DX-Y.NYB", "fred:DTWEXBGS")
    assert all(p.reason for p in SPEC.params.values())


def test_hand_computed_synthetic() -> None:
    # SYNTHETIC, only the required inputs (so each of the inflation and growth legs has one
    # component). Changes from day 1 on:
    #   2y inflation expectations: -1, 1, 0, 2, 1, 3
    #   CFNAI level (the growth leg uses minus the level): 1, 0, -1, -2, 0, -3
    #   DXY log returns: 0.01, -0.01, 0, -0.02, 0, -0.03  (the dollar leg uses minus the return)
    # Component z (min_obs 3) from day 3; the inflation and growth legs re-standardise their
    # component z (block_min_obs 3): the inflation leg exists from day 5, the growth leg (a
    # level, no change) from day 4. Expected values from the definition, by plain loops.
    infl = [2.0, 1.0, 2.0, 2.0, 4.0, 5.0, 8.0]
    cfnai = [0.0, 1.0, 0.0, -1.0, -2.0, 0.0, -3.0]
    rets = [0.01, -0.01, 0.0, -0.02, 0.0, -0.03]
    dxy = list(100.0 * np.exp(np.cumsum([0.0, *rets])))
    panel = synthetic_panel({"fred:EXPINF2YR": infl, "fred:CFNAI": cfnai, "yahoo:DX-Y.NYB": dxy})
    res = evaluate(SPEC, panel, SMALL)

    z_infl = seqz_ref([math.nan, *np.diff(infl)], 3)
    z_growth = seqz_ref([-c for c in cfnai], 3)
    leg_infl = seqz_ref(z_infl, 3)
    leg_growth = seqz_ref(z_growth, 3)
    leg_dollar = seqz_ref([math.nan, *(-r for r in rets)], 3)
    expected = [
        math.nan if math.isnan(a + b + c) else min(a, b, c)
        for a, b, c in zip(leg_infl, leg_growth, leg_dollar, strict=True)
    ]
    np.testing.assert_allclose(res.intensity.to_numpy(), expected, atol=1e-9)
    # Day 6: inflation leg 1.0245, growth leg 0.9411, dollar leg 1.4720 -> the weakest, 0.9411
    # (growth binds) -> off; day 5: the inflation leg is -0.257 -> off.
    assert res.evidence["stagflation_pressure.inflation_leg"].iloc[6] == pytest.approx(1.02449, abs=1e-4)
    assert res.intensity.iloc[6] == pytest.approx(0.94113, abs=1e-4)
    assert list(res.state) == ["unknown"] * 5 + ["off", "off"]
    assert len(res.notes) == 4  # breakeven, survey, claims, Sahm missing: said, not hidden


@pytest.fixture(scope="module")
def dev_slice(dev_panel: pd.DataFrame) -> pd.DataFrame:
    return dev_panel.loc["2006-01-01":"2009-06-30"]


def test_truncation_invariance(dev_slice: pd.DataFrame) -> None:
    params = {"min_obs": 252, "block_min_obs": 126}
    assert_truncation_invariant(SPEC, dev_slice, [500, 650, 800, len(dev_slice) - 1], params)


def test_missing_inputs(dev_slice: pd.DataFrame) -> None:
    params = {"min_obs": 252, "block_min_obs": 126}
    proxied = evaluate(SPEC, drop(dev_slice, "yahoo:DX-Y.NYB", "fred:T5YIE"), params)
    assert proxied.proxies == {
        "dollar": "fred:DTWEXBGS",
        "infl_2y": "fred:EXPINF2YR",
        "breakeven": "fred:T10YIE",
    }
    assert proxied.intensity.notna().any()
    optional_gone = evaluate(SPEC, drop(dev_slice, "fred:MICH", "fred:ICSA", "fred:SAHMREALTIME"), params)
    assert optional_gone.intensity.notna().any()
    assert len(optional_gone.notes) == 3
    gone = evaluate(SPEC, drop(dev_slice, "fred:CFNAI"))
    assert (gone.state == "unknown").all()
    assert gone.reason.iloc[0] == "missing input: activity (fred:CFNAI)"


def test_history_stagflation_rare_1990_2019(dev_panel: pd.DataFrame) -> None:
    """Fact of the data: 1990-2019 had no stagflation; the conjunction reaches watch on
    under 2% of days and is never on. The 1990 oil shock (inflation expectations up,
    activity falling, dollar weak) is one of the few watch episodes."""
    res = evaluate(SPEC, dev_panel)
    s = res.state.loc["1990":"2019"]
    assert (s == "on").sum() == 0
    assert s.isin(["watch", "on"]).mean() < 0.02
    assert s.loc["1990-09":"1990-12"].isin(["watch", "on"]).any()
