"""Tests of ``fx_skew_confirms`` (stormwatch.signals.fx_skew), checklist item 2."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest

import stormwatch.signals.fx_skew as fx_skew
from stormwatch.signals import evaluate, registry

from ._dollar import assert_truncation_invariant, drop, from_log_returns, share, synthetic_panel

SPEC = registry()["fx_skew_confirms"]
ECB_EURUSD = "ecb:EXR/D.USD.EUR.SP00.A"


def test_declaration() -> None:
    assert SPEC.kind == "checklist"
    assert SPEC.checklist_item == 2
    assert all(p.reason for p in SPEC.params.values())
    assert SPEC.inputs["rr_eur"].candidates == ("local:EURUSD_RR25_1M", "fred:EVZCLS")
    assert SPEC.inputs["rr_jpy"].optional and SPEC.inputs["rr_gbp"].optional


def test_hand_computed_risk_reversals() -> None:
    # SYNTHETIC. EURUSD RR -1, 0, 1 (positive = EUR calls bid); USDJPY RR 1, 1, -2 (negative =
    # JPY calls bid, so the signed series is -RR = -1, -1, 2).
    # Day 1: z_eur of (-1, 0) at 0 = 0.5 / 0.7071 = 0.7071; z_jpy of (-1, -1) = NaN (flat)
    #        -> intensity 0.7071 -> off.
    # Day 2: z_eur of (-1, 0, 1) at 1 = 1; z_jpy of (-1, -1, 2) at 2 = 2 / sqrt(3) = 1.1547
    #        -> intensity (1 + 1.1547) / 2 = 1.0774 -> watch.
    panel = synthetic_panel(
        {"local:EURUSD_RR25_1M": [-1.0, 0.0, 1.0], "local:USDJPY_RR25_1M": [1.0, 1.0, -2.0]}
    )
    res = evaluate(SPEC, panel, {"min_obs": 2})
    expected = [np.nan, 1 / math.sqrt(2), (1 + 2 / math.sqrt(3)) / 2]
    np.testing.assert_allclose(res.intensity.to_numpy(), expected, rtol=1e-9)
    assert list(res.state) == ["unknown", "off", "watch"]
    assert list(res.evidence["source"]) == ["", fx_skew.RR_SOURCE, fx_skew.RR_SOURCE]
    assert res.proxies == {}
    assert res.notes == ()


def _proxy_panel() -> tuple[pd.DataFrame, list[float]]:
    # SYNTHETIC. Euro returns u (USD per EUR up); EVZ log changes v = -u + noise for 8 days (EUR
    # puts bid: vol up when the euro falls), then v = 3u for 4 days (EUR calls bid).
    u = np.array([0.01, -0.02, 0.015, -0.005, 0.02, -0.01, 0.005, -0.015, 0.01, -0.02, 0.03, -0.01])
    noise = np.array([0.01, 0.0, -0.01, 0.02, 0.0, 0.01, -0.02, 0.0, 0.0, 0.0, 0.0, 0.0])
    v = np.where(np.arange(12) < 8, -u + noise, 3 * u)
    panel = synthetic_panel(
        {
            "fred:EVZCLS": from_log_returns(10.0, list(v)),
            # EUR per USD on the panel: the euro's return is minus its log change.
            ECB_EURUSD: from_log_returns(0.9, list(-u)),
        }
    )
    # Reference, from the definition: 4-day correlations, then the expanding z-score.
    corr = [float(np.corrcoef(u[i - 3 : i + 1], v[i - 3 : i + 1])[0, 1]) for i in range(3, 12)]
    z = [math.nan] + [
        (corr[k] - statistics.fmean(corr[: k + 1])) / statistics.stdev(corr[: k + 1]) for k in range(1, 9)
    ]
    return panel, [math.nan] * 4 + z


def test_hand_computed_proxy_is_named_and_capped_at_watch() -> None:
    panel, expected = _proxy_panel()
    res = evaluate(SPEC, panel, {"min_obs": 2, "window": 4, "horizon": 1})
    assert res.proxies == {"rr_eur": "fred:EVZCLS"}
    np.testing.assert_allclose(res.intensity.to_numpy(), expected, rtol=1e-9, atol=1e-12)
    assert res.evidence["spot_vol_corr_4d"].iloc[-1] == pytest.approx(1.0)
    # Row 9: z = 2.013 would be 'on' on risk reversals; on the proxy it is capped at watch.
    assert res.intensity.iloc[9] >= 2.0
    assert res.state.iloc[9] == "watch"
    assert bool(res.evidence["capped"].iloc[9])
    assert "on" not in set(res.state)
    assert res.evidence["source"].iloc[9] == fx_skew.PROXY_NAME
    assert any(fx_skew.PROXY_NAME in n for n in res.notes)


@pytest.fixture(scope="module")
def dev_slice(dev_panel: pd.DataFrame) -> pd.DataFrame:
    return dev_panel.loc["2008-01-01":"2010-06-30"]


def test_truncation_invariance_proxy(dev_slice: pd.DataFrame) -> None:
    assert_truncation_invariant(SPEC, dev_slice, [330, 450, 560, len(dev_slice) - 1])


def test_truncation_invariance_risk_reversals(dev_slice: pd.DataFrame) -> None:
    # SYNTHETIC risk reversals (a random walk) laid on the real calendar.
    rng = np.random.default_rng(7)
    panel = dev_slice.copy()
    panel["local:EURUSD_RR25_1M"] = np.cumsum(rng.normal(0, 0.2, len(panel)))
    panel["local:GBPUSD_RR25_1M"] = np.cumsum(rng.normal(0, 0.2, len(panel)))
    assert_truncation_invariant(SPEC, panel, [300, 451, len(panel) - 1])


def test_missing_inputs(dev_slice: pd.DataFrame) -> None:
    none = evaluate(SPEC, drop(dev_slice, "fred:EVZCLS"))
    assert (none.state == "unknown").all()
    assert none.reason.iloc[-1] == "missing input: rr_eur (local:EURUSD_RR25_1M or fred:EVZCLS)"
    eur_ids = SPEC.inputs["eur"].candidates
    no_spot = evaluate(SPEC, drop(dev_slice, *eur_ids))
    assert (no_spot.state == "unknown").all()
    assert any("EUR per USD" in n for n in no_spot.notes)


def test_history_proxy(dev_panel: pd.DataFrame) -> None:
    """Facts of the data (proxy, 2009-2018; EVZ ends 2018-04 in the development files): the spot-vol
    correlation of the euro was negative through the 2010 euro crisis (EUR puts bid: off all year)
    and turned positive in the 2017-18 euro rally (watch on most days of 2017-07..2018-03). The
    proxy never reaches 'on'."""
    res = evaluate(SPEC, dev_panel)
    assert res.proxies == {"rr_eur": "fred:EVZCLS"}
    assert (res.state.loc["2010"] == "off").all()
    assert share(res.state.loc["2017-07-01":"2018-03-31"], "watch") > 0.75
    assert "on" not in set(res.state)
    known = res.intensity.notna()
    assert (res.evidence.loc[known, "source"] == fx_skew.PROXY_NAME).all()
