"""Tests of ``real_rate_dollar_pressure`` (stormwatch.signals.real_rates)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import stormwatch.signals.real_rates  # noqa: F401  (registers the signal)
from stormwatch.signals import evaluate, registry

from ._aggfuel import assert_truncation_invariant, drop, synthetic_panel

SPEC = registry()["real_rate_dollar_pressure"]
SMALL = {"window": 1, "min_obs": 3}


def test_declaration() -> None:
    assert SPEC.kind == "aggravator"
    assert SPEC.inputs["nominal"].candidates == ("local:SOFR_FUT_TERMINAL", "fred:DGS2")
    assert SPEC.inputs["inflation"].candidates == (
        "local:USD_INFL_SWAP_2Y",
        "fred:EXPINF2YR",
        "fred:T5YIE",
    )
    assert all(p.reason for p in SPEC.params.values())


def test_hand_computed_synthetic() -> None:
    # SYNTHETIC: 2y yield 3,4,4,3 and 2y inflation expectations 1,1,1,1 -> real rate 2,3,3,2,
    # changes 1,0,-1; minus the change (-1,0,1): z on day 3 = 1.
    # Euro-area 3-month rate 5,5,5,6 (the only foreign rate): changes 0,0,1, so the
    # differential changes 1,0,-2; minus (-1,0,2): mean 1/3, sd sqrt(7/3): z = 5/sqrt(21).
    # Intensity = mean(1, 5/sqrt(21)) = 1.0455 -> watch.
    panel = synthetic_panel(
        {
            "fred:DGS2": [3.0, 4.0, 4.0, 3.0],
            "fred:EXPINF2YR": [1.0, 1.0, 1.0, 1.0],
            "fred:IR3TIB01EZM156N": [5.0, 5.0, 5.0, 6.0],
            "yahoo:DX-Y.NYB": [100.0, 101.0, 100.0, 99.0],
        }
    )
    res = evaluate(SPEC, panel, SMALL)
    assert res.intensity.iloc[3] == pytest.approx((1 + 5 / math.sqrt(21)) / 2, abs=1e-9)
    assert res.state.iloc[3] == "watch"
    assert list(res.state.iloc[:3]) == ["unknown"] * 3
    assert res.evidence["us_real_rate_2y"].iloc[3] == 2.0
    assert res.evidence["real_rate_differential"].iloc[3] == -4.0
    assert res.proxies == {"nominal": "fred:DGS2", "inflation": "fred:EXPINF2YR"}
    assert any("foreign inflation" in n for n in res.notes)
    assert any("jpy, gbp" in n for n in res.notes)


def test_hand_computed_no_foreign_rates() -> None:
    # SYNTHETIC: without foreign rates the intensity is the real-rate z alone (1 on day 3).
    panel = synthetic_panel({"fred:DGS2": [3.0, 4.0, 4.0, 3.0], "fred:EXPINF2YR": [1.0] * 4})
    res = evaluate(SPEC, panel, SMALL)
    assert res.intensity.iloc[3] == pytest.approx(1.0, abs=1e-12)
    assert any("no foreign short rates" in n for n in res.notes)
    assert res.evidence["dxy"].isna().all()


def test_dxy_weights_renormalised() -> None:
    # SYNTHETIC: EUR +1 and JPY 0 on day 3: the foreign change is 0.576 / (0.576 + 0.136).
    panel = synthetic_panel(
        {
            "fred:DGS2": [3.0, 3.0, 3.0, 3.0],
            "fred:EXPINF2YR": [1.0] * 4,
            "fred:IR3TIB01EZM156N": [5.0, 5.0, 5.0, 6.0],
            "fred:IR3TIB01JPM156N": [0.1] * 4,
        }
    )
    res = evaluate(SPEC, panel, SMALL)
    assert res.evidence["differential_change_1d"].iloc[3] == pytest.approx(-0.576 / 0.712)


@pytest.fixture(scope="module")
def dev_slice(dev_panel: pd.DataFrame) -> pd.DataFrame:
    return dev_panel.loc["2006-01-01":"2008-06-30"]


def test_truncation_invariance(dev_slice: pd.DataFrame) -> None:
    assert_truncation_invariant(SPEC, dev_slice, [320, 420, 520, len(dev_slice) - 1], {"min_obs": 252})


def test_missing_inputs(dev_slice: pd.DataFrame) -> None:
    alt = evaluate(SPEC, drop(dev_slice, "fred:EXPINF2YR"), {"min_obs": 252})
    assert alt.proxies["inflation"] == "fred:T5YIE"
    assert alt.intensity.notna().any()
    gone = evaluate(SPEC, drop(dev_slice, "fred:DGS2"))
    assert (gone.state == "unknown").all()
    assert gone.reason.iloc[0] == "missing input: nominal (local:SOFR_FUT_TERMINAL or fred:DGS2)"


def test_history_real_rate_falls_in_easing_cycles(dev_panel: pd.DataFrame) -> None:
    """Fact of the data: the US short real rate fell fast when the Fed eased in 2001 and
    2007-08; the signal is at watch or on then. Over 1990-2019 it is watch or on on
    roughly 7% of days."""
    res = evaluate(SPEC, dev_panel)
    s = res.state
    assert s.loc["2001-01":"2001-03"].isin(["watch", "on"]).any()
    assert (s.loc["2008-01":"2008-03"] == "on").any()
    frac = s.loc["1990":"2019"].isin(["watch", "on"]).mean()
    assert 0.02 < frac < 0.15
    assert np.isfinite(res.evidence["real_rate_differential"].loc["2008-01-31"])
