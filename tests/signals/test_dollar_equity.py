"""Tests of ``dollar_falls_with_equities`` (checklist item 3) and ``hedge_failure_index``
(stormwatch.signals.dollar_equity)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import stormwatch.signals.dollar_equity  # noqa: F401  (registers the signals)
from stormwatch.signals import evaluate, registry

from ._dollar import assert_truncation_invariant, drop, from_log_returns, share, synthetic_panel

ITEM3 = registry()["dollar_falls_with_equities"]
HFI = registry()["hedge_failure_index"]
ECB_EURUSD = "ecb:EXR/D.USD.EUR.SP00.A"


def test_declarations() -> None:
    assert (ITEM3.kind, ITEM3.checklist_item) == ("checklist", 3)
    assert (ITEM3.watch_at, ITEM3.on_at) == (1.0, 1.5)
    assert ITEM3.inputs["equity"].candidates == ("yahoo:^GSPC", "yahoo:SPY")
    assert HFI.kind == "readout"
    assert not HFI.inputs["eur"].optional
    assert all(HFI.inputs[k].optional for k in ("jpy", "gbp", "chf", "rate_eur", "rate_usd"))
    for spec in (ITEM3, HFI):
        assert all(p.reason for p in spec.params.values())


def test_hand_computed_item3() -> None:
    # SYNTHETIC. DXY log returns +1%, -1%, -3%, -2%; S&P 500 +2%, -1%, -4%, +1%. window 1, min_obs 2.
    # Day 2: dollar fall = 0.01 / sqrt(2e-4 / 2) = 1; equity fall = 0.01 / sqrt(5e-4 / 2) = 0.632
    #        -> 0.632 -> off.
    # Day 3: dollar fall = 0.03 / sqrt(11e-4 / 3) = 1.5667; equity fall = 0.04 / sqrt(21e-4 / 3)
    #        = 1.5119 -> 1.5119 -> on (>= 1.5).
    # Day 4: equities rise: equity fall = -0.01 / sqrt(22e-4 / 4) = -0.4264 -> off.
    panel = synthetic_panel(
        {
            "yahoo:DX-Y.NYB": from_log_returns(100.0, [0.01, -0.01, -0.03, -0.02]),
            "yahoo:^GSPC": from_log_returns(3000.0, [0.02, -0.01, -0.04, 0.01]),
        }
    )
    res = evaluate(ITEM3, panel, {"window": 1, "min_obs": 2})
    expected = [
        np.nan,
        np.nan,
        0.01 / math.sqrt(5e-4 / 2),
        0.04 / math.sqrt(21e-4 / 3),
        -0.01 / math.sqrt(22e-4 / 4),
    ]
    np.testing.assert_allclose(res.intensity.to_numpy(), expected, rtol=1e-9)
    assert list(res.state) == ["unknown", "unknown", "off", "on", "off"]
    assert res.evidence["dollar_falls_with_equities.dollar_fall"].iloc[3] == pytest.approx(
        0.03 / math.sqrt(11e-4 / 3), rel=1e-9
    )


R = [0.01, -0.02, 0.015, -0.005, 0.02]


def _hfi_panel(with_jpy: bool) -> pd.DataFrame:
    # SYNTHETIC. EUR per USD moves exactly with the S&P 500 (the dollar falls when equities
    # fall: the hedge fails for a euro investor); JPY per USD exactly against it (the hedge works).
    cols = {
        "yahoo:^GSPC": from_log_returns(3000.0, R),
        ECB_EURUSD: from_log_returns(0.9, R),
        "fred:IR3TIB01EZM156N": [3.0] * 6,
        "fred:IR3TIB01USM156N": [1.0] * 6,
    }
    if with_jpy:
        cols["yahoo:JPY=X"] = from_log_returns(110.0, [-x for x in R])
    return synthetic_panel(cols)


def test_hand_computed_hedge_failure() -> None:
    # window 4, horizon 1 -> n_eff = 4 and sqrt(n_eff - 3) = 1, so the intensity is atanh(avg corr).
    # EUR alone: corr = 1 (clipped to 0.999) -> atanh(0.999) = 3.8002 -> on.
    # EUR and JPY: (1 + (-1)) / 2 = 0 -> 0 -> off.
    params = {"window": 4, "horizon": 1, "gap_windows": (2,)}
    eur_only = evaluate(HFI, _hfi_panel(with_jpy=False), params)
    np.testing.assert_allclose(
        eur_only.intensity.to_numpy(), [np.nan] * 4 + [math.atanh(0.999)] * 2, rtol=1e-9
    )
    assert list(eur_only.state[4:]) == ["on", "on"]
    both = evaluate(HFI, _hfi_panel(with_jpy=True), params)
    assert both.proxies == {"jpy": "yahoo:JPY=X"}
    np.testing.assert_allclose(both.intensity.to_numpy()[4:], [0.0, 0.0], atol=1e-9)
    assert list(both.state[4:]) == ["off", "off"]
    assert both.evidence["currencies_n"].iloc[-1] == 2.0
    # Gap on Monday 2020-01-13 over 2 rows: the euro investor's currency return (R[3] + R[4])
    # minus the hedge carry (3% - 1%) x (1 + 3 calendar days) / 365.
    gap = both.evidence["gap_2d_eur"].iloc[-1]
    assert gap == pytest.approx(R[3] + R[4] - 0.02 * 4 / 365, rel=1e-9)
    assert np.isnan(both.evidence["gap_2d_jpy"].iloc[-1])  # no JPY rate: NaN, not a zero carry


@pytest.fixture(scope="module")
def dev_slice(dev_panel: pd.DataFrame) -> pd.DataFrame:
    return dev_panel.loc["2001-06-01":"2003-12-31"]


def test_truncation_invariance_item3(dev_slice: pd.DataFrame) -> None:
    assert_truncation_invariant(ITEM3, dev_slice, [280, 400, 520, len(dev_slice) - 1])


def test_truncation_invariance_hedge_failure(dev_slice: pd.DataFrame) -> None:
    assert_truncation_invariant(HFI, dev_slice, [61, 200, 400, len(dev_slice) - 1])


def test_missing_inputs(dev_slice: pd.DataFrame) -> None:
    spy = evaluate(ITEM3, drop(dev_slice, "yahoo:^GSPC"))
    assert spy.proxies == {"equity": "yahoo:SPY"}
    assert spy.intensity.notna().any()
    none = evaluate(ITEM3, drop(dev_slice, "yahoo:^GSPC", "yahoo:SPY"))
    assert (none.state == "unknown").all()
    assert none.reason.iloc[0] == "missing input: equity (yahoo:^GSPC or yahoo:SPY)"
    no_eur = evaluate(HFI, drop(dev_slice, *HFI.inputs["eur"].candidates))
    assert (no_eur.state == "unknown").all()
    assert no_eur.reason.iloc[0].startswith("missing input: eur (ecb:EXR/D.USD.EUR.SP00.A")
    rates = [c for k, i in HFI.inputs.items() if k.startswith("rate_") for c in i.candidates]
    no_rates = evaluate(HFI, drop(dev_slice, *rates))
    full = evaluate(HFI, dev_slice)
    pd.testing.assert_series_equal(no_rates.intensity, full.intensity)
    assert no_rates.evidence["gap_60d_avg"].isna().all()


def test_history_item3(dev_panel: pd.DataFrame) -> None:
    """Facts of the data. 2002-06..2003-03 (bear market): the dollar fell with equities in
    June-July 2002 and late Dec 2002-Jan 2003 (not at the July and October lows, when the DXY was
    flat or firm): watch or on on 14.8% of days, ten times the 1990-2019 rate (1.5%).
    Sept-Nov 2008: the dollar surged as equities crashed: off on every day."""
    res = evaluate(ITEM3, dev_panel)
    bear = share(res.state.loc["2002-06-01":"2003-03-31"], "watch", "on")
    base = share(res.state.loc["1990":"2019"], "watch", "on")
    assert bear >= 0.10
    assert bear >= 5 * base
    assert int(res.state.loc["2002-06-01":"2002-07-31"].isin(["watch", "on"]).sum()) >= 15
    assert (res.state.loc["2008-09-01":"2008-11-30"] == "off").all()


def test_history_hedge_failure(dev_panel: pd.DataFrame) -> None:
    """Facts of the data. 2002-07..2003-06: the dollar moved with US equities for foreign
    investors (average correlation > 0 on 99% of days; watch or on on 85%), and an unhedged euro
    investor lost more than a hedged one over 60 days on 92% of days. 2008-Q4: for euro and
    sterling investors the dollar was a hedge (correlation < 0 on 91% and 100% of days) and the
    index is off throughout."""
    res = evaluate(HFI, dev_panel)
    ev = res.evidence
    y2002 = slice("2002-07-01", "2003-06-30")
    assert (ev.loc[y2002, "hedge_failure_index.corr_avg"] > 0).mean() > 0.9
    assert share(res.state.loc[y2002], "watch", "on") > 0.7
    assert (ev.loc[y2002, "gap_60d_eur"] < 0).mean() > 0.8
    q4 = slice("2008-10-01", "2008-12-31")
    assert (ev.loc[q4, "hedge_failure_index.corr_eur"] < 0).mean() > 0.8
    assert (ev.loc[q4, "hedge_failure_index.corr_gbp"] < 0).mean() > 0.8
    assert (res.state.loc[q4] == "off").all()
