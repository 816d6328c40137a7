"""Tests of ``dollar_down_vol_up`` (stormwatch.signals.dollar_vol), checklist item 1."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import stormwatch.signals.dollar_vol  # noqa: F401  (registers the signal)
from stormwatch.signals import evaluate, registry

from ._dollar import assert_truncation_invariant, drop, from_log_returns, share, synthetic_panel

SPEC = registry()["dollar_down_vol_up"]
SMALL = {"window": 1, "min_obs": 2, "clip": 4.0}
DOLLAR_IDS = ("yahoo:DX-Y.NYB", "fred:DTWEXBGS", "fred:DTWEXB")


def test_declaration() -> None:
    assert SPEC.kind == "checklist"
    assert SPEC.checklist_item == 1
    assert (SPEC.watch_at, SPEC.on_at) == (1.0, 1.5)
    assert all(p.reason for p in SPEC.params.values())
    assert SPEC.inputs["dollar"].candidates == DOLLAR_IDS
    assert SPEC.inputs["eur"].candidates[0] == "ecb:EXR/D.USD.EUR.SP00.A"
    assert not SPEC.inputs["vix"].optional
    assert all(SPEC.inputs[k].optional for k in ("move", "evz", "ovx", "gvz", "eur", "jpy", "gbp", "chf"))


def _base() -> dict[str, list[float]]:
    # SYNTHETIC. DXY one-day log returns +1%, -1%, -3%; VIX log changes 0, 0, +0.3.
    return {
        "yahoo:DX-Y.NYB": from_log_returns(100.0, [0.01, -0.01, -0.03]),
        "fred:VIXCLS": from_log_returns(20.0, [0.0, 0.0, 0.3]),
    }


def test_hand_computed_dollar_and_vix() -> None:
    # Day 3: dollar leg = 0.03 / sqrt((1e-4 + 1e-4 + 9e-4) / 3) = 1.5667 (expanding RMS, no mean);
    #        vol leg = z of (0, 0, 0.3) at 0.3 = (0.3 - 0.1) / sqrt(0.03) = 1.1547;
    #        intensity = min = 1.1547 -> watch (>= 1, < 1.5).
    # Day 2: the VIX changes (0, 0) have no spread -> NaN -> unknown (never a silent zero).
    res = evaluate(SPEC, synthetic_panel(_base()), SMALL)
    dollar_leg = 0.03 / math.sqrt(11e-4 / 3)
    vol_leg = 0.2 / math.sqrt(0.03)
    np.testing.assert_allclose(res.intensity.to_numpy(), [np.nan, np.nan, np.nan, vol_leg], rtol=1e-12)
    assert list(res.state) == ["unknown", "unknown", "unknown", "watch"]
    ev = res.evidence.iloc[3]
    assert ev["dollar_down_vol_up.dollar_leg"] == pytest.approx(dollar_leg, rel=1e-9)
    assert ev["vol_n"] == 1.0
    assert ev["majors_n"] == 0.0


def test_hand_computed_majors_veto_and_vol_average() -> None:
    # SYNTHETIC. Add JPY per USD with log returns +2%, -2%, -1% (the only major: a basket of one)
    # and MOVE with log changes 0, 0, -0.3.
    # Day 3: basket leg = 0.01 / sqrt((4 + 4 + 1) / 3 * 1e-4) = 0.57735 -> the dollar leg is
    #        min(1.5667, 0.57735) = 0.57735 (the majors do not confirm a big fall);
    #        vol leg = (1.1547 + (-1.1547)) / 2 = 0 -> intensity 0 -> off.
    cols = _base() | {
        "yahoo:JPY=X": from_log_returns(110.0, [0.02, -0.02, -0.01]),
        "local:MOVE": from_log_returns(80.0, [0.0, 0.0, -0.3]),
    }
    res = evaluate(SPEC, synthetic_panel(cols), SMALL)
    assert res.proxies == {"jpy": "yahoo:JPY=X"}
    ev = res.evidence.iloc[3]
    assert ev["dollar_down_vol_up.majors_fall"] == pytest.approx(1 / math.sqrt(3), rel=1e-9)
    assert ev["dollar_down_vol_up.dollar_leg"] == pytest.approx(1 / math.sqrt(3), rel=1e-9)
    assert ev["dollar_down_vol_up.vol_leg"] == pytest.approx(0.0, abs=1e-12)
    assert ev["vol_n"] == 2.0
    assert res.intensity.iloc[3] == pytest.approx(0.0, abs=1e-12)
    assert res.state.iloc[3] == "off"


@pytest.fixture(scope="module")
def dev_slice(dev_panel: pd.DataFrame) -> pd.DataFrame:
    # 2007-06..2009-12: every vol component starts inside the slice (OVX, EVZ, GVZ).
    return dev_panel.loc["2007-06-01":"2009-12-31"]


def test_truncation_invariance(dev_slice: pd.DataFrame) -> None:
    assert_truncation_invariant(SPEC, dev_slice, [300, 420, 560, len(dev_slice) - 1])


def test_missing_inputs(dev_slice: pd.DataFrame) -> None:
    proxy = evaluate(SPEC, drop(dev_slice, "yahoo:DX-Y.NYB"))
    assert proxy.proxies == {"dollar": "fred:DTWEXBGS"}
    assert proxy.intensity.notna().any()
    no_dollar = evaluate(SPEC, drop(dev_slice, *DOLLAR_IDS))
    assert (no_dollar.state == "unknown").all()
    assert "yahoo:DX-Y.NYB or fred:DTWEXBGS or fred:DTWEXB" in no_dollar.reason.iloc[-1]
    no_vix = evaluate(SPEC, drop(dev_slice, "fred:VIXCLS"))
    assert (no_vix.state == "unknown").all()
    assert no_vix.reason.iloc[0] == "missing input: vix (fred:VIXCLS)"
    optional = [c for inp in ("move", "evz", "ovx", "gvz") for c in SPEC.inputs[inp].candidates]
    fx = [c for inp in ("eur", "jpy", "gbp", "chf") for c in SPEC.inputs[inp].candidates]
    bare = evaluate(SPEC, drop(dev_slice, *optional, *fx))
    assert bare.intensity.notna().any()
    assert bare.evidence["vol_n"].max() == 1.0
    assert bare.evidence["majors_n"].max() == 0.0


def test_gap_in_vix_gives_unknown_not_zero(dev_slice: pd.DataFrame) -> None:
    holed = dev_slice.copy()
    holed.loc[holed.index[400:430], "fred:VIXCLS"] = np.nan
    res = evaluate(SPEC, holed)
    assert (res.state.iloc[400:430] == "unknown").all()
    assert res.intensity.iloc[460:].notna().all()


def test_history_not_a_classic_risk_off_2008(dev_panel: pd.DataFrame) -> None:
    """Fact of the data: in Sept-Nov 2008 volatility exploded but the dollar surged (DXY +11%
    in the 20 days to 2008-10-24), so item 1 is off on every day."""
    res = evaluate(SPEC, dev_panel)
    assert (res.state.loc["2008-09-15":"2008-11-30"] == "off").all()


def test_history_2002_dollar_fell_as_vol_rose(dev_panel: pd.DataFrame) -> None:
    """Fact of the data: in June-July 2002 the DXY fell 4-5% in a month while the VIX rose; item 1
    is watch or on on at least 15 days of those two months (1990-2019 base rate: about 1.5%)."""
    res = evaluate(SPEC, dev_panel)
    assert int(res.state.loc["2002-06-01":"2002-07-31"].isin(["watch", "on"]).sum()) >= 15
    assert share(res.state.loc["1990":"2019"], "watch", "on") < 0.03
