"""Tests of ``metals_sold_with_equities`` (stormwatch.signals.metals)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import stormwatch.signals.metals  # noqa: F401  (registers the signal)
from stormwatch.signals import evaluate, registry
from stormwatch.signals._seq import norm_ppf

from ._aggfuel import assert_truncation_invariant, drop, synthetic_panel

SPEC = registry()["metals_sold_with_equities"]
SMALL = {"window": 1, "vix_window": 1, "vix_pct_window": 3, "corr_window": 3, "min_obs": 3}


def _levels(returns: list[float]) -> list[float]:
    """Prices whose daily log returns are exactly ``returns``."""
    return list(100.0 * np.exp(np.cumsum([0.0, *returns])))


def test_declaration() -> None:
    assert SPEC.kind == "aggravator"
    assert SPEC.inputs["gold"].candidates == ("yahoo:GC=F", "fred:GOLDPMGBD228NLBM")
    assert SPEC.inputs["silver"].candidates == ("yahoo:SI=F", "yahoo:SLV")
    assert all(p.reason for p in SPEC.params.values())


def test_hand_computed_synthetic() -> None:
    # SYNTHETIC, day 3 (third daily return):
    #   S&P and gold returns +1%, 0, -1%: z of the negated returns (-1, 0, 1) = 1.
    #   silver returns +2%, 0, -1%: negated (-2, 0, 1), mean -1/3, sd sqrt(7/3): z = 4/sqrt(21).
    #   VIX 10, 10, 10, 20: log changes (0, 0, log 2): z = 2/sqrt(3) = 1.155;
    #       percentile of 20 among (10, 10, 20) = 2.5/3 -> z = 0.967; VIX leg = 1.155.
    #   Intensity = min(1, min(1, 4/sqrt(21)), 1.155) = 4/sqrt(21) = 0.873 -> off.
    panel = synthetic_panel(
        {
            "yahoo:^GSPC": _levels([0.01, 0.0, -0.01]),
            "yahoo:GC=F": _levels([0.01, 0.0, -0.01]),
            "yahoo:SI=F": _levels([0.02, 0.0, -0.01]),
            "fred:VIXCLS": [10.0, 10.0, 10.0, 20.0],
        }
    )
    res = evaluate(SPEC, panel, SMALL)
    assert res.intensity.iloc[3] == pytest.approx(4 / math.sqrt(21), abs=1e-9)
    assert res.state.iloc[3] == "off"
    assert res.evidence["metals_sold_with_equities.vix_leg"].iloc[3] == pytest.approx(2 / math.sqrt(3))
    assert res.evidence["vix_pct_3d"].iloc[3] == pytest.approx(2.5 / 3)
    assert float(norm_ppf(2.5 / 3)) == pytest.approx(0.96742157, abs=1e-7)
    assert list(res.state.iloc[:3]) == ["unknown"] * 3


def test_hand_computed_all_legs_fire() -> None:
    # SYNTHETIC: silver now falls like gold (-1, 0, 1 negated): every price leg is z = 1,
    # the VIX leg 1.155: intensity = 1 -> watch.
    panel = synthetic_panel(
        {
            "yahoo:^GSPC": _levels([0.01, 0.0, -0.01]),
            "yahoo:GC=F": _levels([0.01, 0.0, -0.01]),
            "yahoo:SI=F": _levels([0.03, 0.0, -0.03]),
            "fred:VIXCLS": [10.0, 10.0, 10.0, 20.0],
        }
    )
    res = evaluate(SPEC, panel, SMALL)
    assert res.intensity.iloc[3] == pytest.approx(1.0, abs=1e-9)
    assert res.state.iloc[3] == "watch"


@pytest.fixture(scope="module")
def dev_slice(dev_panel: pd.DataFrame) -> pd.DataFrame:
    return dev_panel.loc["2007-06-01":"2009-06-30"]


def test_truncation_invariance(dev_slice: pd.DataFrame) -> None:
    assert_truncation_invariant(SPEC, dev_slice, [270, 340, 350, len(dev_slice) - 1], {"min_obs": 252})


def test_missing_inputs(dev_slice: pd.DataFrame) -> None:
    proxied = evaluate(SPEC, drop(dev_slice, "yahoo:GC=F", "yahoo:SI=F"), {"min_obs": 252})
    assert proxied.proxies == {"gold": "fred:GOLDPMGBD228NLBM", "silver": "yahoo:SLV"}
    assert proxied.intensity.notna().any()
    gone = evaluate(SPEC, drop(dev_slice, "fred:VIXCLS"))
    assert (gone.state == "unknown").all()
    assert gone.reason.iloc[0] == "missing input: vix (fred:VIXCLS)"
    assert gone.intensity.isna().all()


def test_history_metals_sold_with_equities_oct_2008(dev_panel: pd.DataFrame) -> None:
    """Fact of the data: in October 2008 gold and silver fell with the S&P 500 over two
    weeks while the VIX exploded (to 80); the signal is on (e.g. 22 and 27 Oct 2008)."""
    res = evaluate(SPEC, dev_panel)
    oct08 = res.state.loc["2008-10"]
    assert (oct08 == "on").any()
    day = res.intensity.loc["2008-10"].idxmax()
    ev = res.evidence.loc[day]
    assert ev["spx_return_10d"] < 0 and ev["gold_return_10d"] < 0 and ev["silver_return_10d"] < 0
    assert ev["vix"] > 50
