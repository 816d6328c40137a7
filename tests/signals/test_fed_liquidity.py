"""Tests of ``fed_put_fails``, ``fed_net_liquidity`` and ``policy_reaction``
(stormwatch.signals.fed_liquidity)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import stormwatch.signals.fed_liquidity as fl
from stormwatch.signals import evaluate, registry

from ._flows import assert_truncation_invariant, drop, levels, synthetic_panel

PUT = registry()["fed_put_fails"]
LIQ = registry()["fed_net_liquidity"]
SMALL = {
    "ease_window": 2,
    "rate_smooth": 1,
    "step_bp": 25.0,
    "horizon": 1,
    "scale_window": 3,
    "min_obs": 3,
}


def test_declarations() -> None:
    assert PUT.kind == "checklist"
    assert PUT.checklist_item == 6
    assert LIQ.kind == "readout"
    for spec in (PUT, LIQ):
        assert all(p.reason for p in spec.params.values())
    assert PUT.inputs["policy_rate"].candidates == ("fred:DFF", "fred:DGS3MO")
    assert PUT.inputs["dollar"].candidates == ("yahoo:DX-Y.NYB", "fred:DTWEXBGS")
    assert PUT.inputs["walcl"].optional and PUT.inputs["rrp"].optional
    assert not LIQ.inputs["walcl"].optional and LIQ.inputs["rrp"].optional


def _put_panel(dollar_sign: float) -> pd.DataFrame:
    # SYNTHETIC: 6 rows. Fed funds 2, 2, 2, 1.75, 1.5, 1.5 (two 25 bp cuts).
    # Dollar daily log returns s*(0.01, 0, -0.01, -0.02, -0.03), S&P 500 0.02, 0, -0.02,
    # -0.04, -0.06: every 3-day window of either has standard deviation 0.01 (0.02).
    return synthetic_panel(
        {
            "fred:DFF": [2.0, 2.0, 2.0, 1.75, 1.5, 1.5],
            "yahoo:DX-Y.NYB": levels([dollar_sign * r for r in (0.01, 0.0, -0.01, -0.02, -0.03)]),
            "yahoo:^GSPC": levels([0.02, 0.0, -0.02, -0.04, -0.06]),
        }
    )


def test_hand_computed_put_fails_synthetic() -> None:
    # SYNTHETIC (see _put_panel), ease window 2 days, horizon 1 day, scale over 3 returns.
    # cuts (25 bp units) over 2 days:  day 3: 1, day 4: 2, day 5: 1
    # dollar fall = -r/0.01:           day 3: 1, day 4: 2, day 5: 3
    # equity fall = -r/0.02:           day 3: 1, day 4: 2, day 5: 3
    # min:                             day 3: 1 (watch), day 4: 2 (on), day 5: 1 (watch)
    res = evaluate(PUT, _put_panel(+1.0), SMALL)
    np.testing.assert_allclose(res.intensity.to_numpy(), [np.nan, np.nan, np.nan, 1.0, 2.0, 1.0], atol=1e-9)
    assert list(res.state) == ["unknown", "unknown", "unknown", "watch", "on", "watch"]
    np.testing.assert_allclose(res.evidence["easing.cuts"].iloc[2:], [0.0, 1.0, 2.0, 1.0])
    assert res.evidence["easing.liquidity"].isna().all()
    assert res.notes and "rate cuts only" in res.notes[0]


def test_dollar_rising_is_the_working_fed_put() -> None:
    # SYNTHETIC: the same easing and equity fall, but the dollar RISES (2008): dollar leg
    # -1, -2, -3 -> the minimum is negative -> off.
    res = evaluate(PUT, _put_panel(-1.0), SMALL)
    np.testing.assert_allclose(res.intensity.iloc[3:], [-1.0, -2.0, -3.0], atol=1e-9)
    assert list(res.state.iloc[3:]) == ["off", "off", "off"]


def test_hand_computed_net_liquidity_synthetic() -> None:
    # SYNTHETIC: WALCL 4,000,000 (USD mn), TGA 300,000 (USD mn), RRP 100 (USD bn):
    # net liquidity = 4,000 - 300 - 100 = 3,600 bn. RRP missing on the last day -> zero.
    panel = synthetic_panel(
        {
            "fred:WALCL": [4_000_000.0, 4_000_000.0],
            "fred:WTREGEN": [300_000.0, 300_000.0],
            "fred:RRPONTSYD": [100.0, np.nan],
        }
    )
    level, zero = fl.net_liquidity(panel["fred:WALCL"], panel["fred:WTREGEN"], panel["fred:RRPONTSYD"])
    assert list(level) == [3600.0, 3700.0]
    assert list(zero) == [0.0, 1.0]
    # SYNTHETIC: net liquidity 1000*exp(cumsum(0, .01, .01, .03)) bn -> one-day log changes
    # .01, .01, .03; z over 3 (today included) of .03: mean .05/3, deviation .04/3, std
    # .02/sqrt(3) -> z = 2/sqrt(3) = 1.155 -> watch.
    nl_bn = levels([0.01, 0.01, 0.03], start=1000.0)
    panel = synthetic_panel(
        {
            "fred:WALCL": [x * 1000.0 for x in nl_bn],
            "fred:WTREGEN": [0.0] * 4,
            "fred:RRPONTSYD": [0.0] * 4,
        }
    )
    res = evaluate(LIQ, panel, {"window": 1, "z_window": 3, "min_obs": 3})
    assert res.intensity.iloc[-1] == pytest.approx(2.0 / math.sqrt(3.0))
    assert list(res.state) == ["unknown", "unknown", "unknown", "watch"]
    assert res.evidence["net_liquidity_bn"].iloc[-1] == pytest.approx(1000.0 * math.exp(0.05))


def test_hand_computed_policy_reaction_synthetic() -> None:
    # SYNTHETIC: 30 days; fed funds 2.00 then 1.75 from day 10 (rate_smooth=1, cut_span=1):
    # one rate-cut event on day 10 of -25 bp. The dollar falls 1%/day throughout; the
    # S&P 500 is flat. window=5: dollar before = after = -0.05.
    n = 30
    panel = synthetic_panel(
        {
            "fred:DFF": [2.0] * 10 + [1.75] * (n - 10),
            "yahoo:DX-Y.NYB": levels([-0.01] * (n - 1)),
            "yahoo:^GSPC": [100.0] * n,
        }
    )
    ev = fl.policy_reaction(panel, window=5, rate_smooth=1, cut_span=1)
    assert list(ev.index) == [panel.index[10]]
    row = ev.iloc[0]
    assert row["kind"] == "rate_cut"
    assert row["size"] == pytest.approx(-25.0)
    assert row["dollar_before"] == pytest.approx(-0.05)
    assert row["dollar_after"] == pytest.approx(-0.05)
    assert row["spx_before"] == 0.0 and row["spx_after"] == 0.0
    assert row["dollar_id"] == "yahoo:DX-Y.NYB"
    # an event too close to the panel's end has NaN "after"
    late = fl.policy_reaction(panel.iloc[:13], window=5, rate_smooth=1, cut_span=1)
    assert math.isnan(late["dollar_after"].iloc[0])
    # no easing at all: an empty table with the columns
    flat = fl.policy_reaction(drop(panel, "fred:DFF"), window=5)
    assert flat.empty and "dollar_after" in flat.columns


@pytest.fixture(scope="module")
def dev_slice(dev_panel: pd.DataFrame) -> pd.DataFrame:
    return dev_panel.loc["2006-01-01":"2008-12-31"]


def test_truncation_invariance(dev_slice: pd.DataFrame) -> None:
    days = [400, 500, 620, len(dev_slice) - 1]
    assert_truncation_invariant(PUT, dev_slice, days, {"min_obs": 252, "liq_min_obs": 200})
    assert_truncation_invariant(LIQ, dev_slice, days, {"min_obs": 200})


def test_missing_inputs(dev_slice: pd.DataFrame) -> None:
    no_dff = evaluate(PUT, drop(dev_slice, "fred:DFF"), {"min_obs": 252})
    assert no_dff.proxies == {"policy_rate": "fred:DGS3MO"}
    assert no_dff.intensity.notna().any()
    no_dxy = evaluate(PUT, drop(dev_slice, "yahoo:DX-Y.NYB"), {"min_obs": 252})
    assert no_dxy.proxies == {"dollar": "fred:DTWEXBGS"}
    gone = evaluate(PUT, drop(dev_slice, "yahoo:DX-Y.NYB", "fred:DTWEXBGS"))
    assert (gone.state == "unknown").all()
    assert gone.reason.iloc[0] == "missing input: dollar (yahoo:DX-Y.NYB or fred:DTWEXBGS)"
    no_bs = evaluate(PUT, drop(dev_slice, "fred:WALCL"), {"min_obs": 252})
    assert no_bs.intensity.notna().any() and no_bs.notes
    liq = evaluate(LIQ, drop(dev_slice, "fred:WTREGEN"))
    assert (liq.state == "unknown").all()
    assert liq.reason.iloc[0] == "missing input: tga (fred:WTREGEN)"
    no_rrp = evaluate(LIQ, drop(dev_slice, "fred:RRPONTSYD"), {"min_obs": 200})
    assert no_rrp.notes and "taken as zero" in no_rrp.notes[0]
    assert no_rrp.intensity.notna().any()


def test_history_2008_the_fed_put_did_not_fail(dev_panel: pd.DataFrame) -> None:
    """Fact of the data: from September to December 2008 the Fed cut and its balance sheet
    doubled, but the dollar rose as equities fell (the funding currency in a carry unwind):
    the easing leg is far above 1 all quarter, the dollar leg is negative on average, and the
    signal is never 'on' (one 'watch' day, 2008-11-25, when the dollar dipped 2% in a month
    as the S&P 500 fell 9%)."""
    res = evaluate(PUT, dev_panel)
    q = slice("2008-09-01", "2008-12-31")
    ev = res.evidence.loc[q]
    assert (ev["easing"].loc["2008-10":"2008-12"] > 1.0).all()
    assert ev["dollar_fall.z"].loc["2008-10"].mean() < 0.0
    assert not (res.state.loc[q] == "on").any()
    assert (res.state.loc[q] == "watch").sum() <= 1


def test_history_late_2007_easing_with_a_falling_dollar(dev_panel: pd.DataFrame) -> None:
    """Fact of the data: in November 2007 the Fed had cut 75 bp, the dollar index fell to
    then-record lows and the S&P 500 fell: the signal reached watch (its strongest reading
    of 1990-2019, 1.95). Over 1990-2019 it is never 'on' and 'watch' on under 1% of days."""
    res = evaluate(PUT, dev_panel)
    assert res.state.loc["2007-11"].isin(["watch"]).any()
    s = res.state.loc["1990":"2019"]
    assert not (s == "on").any()
    assert (s == "watch").mean() < 0.01


def test_history_policy_reaction(dev_panel: pd.DataFrame) -> None:
    """Fact of the data: the event table finds the 2008 liquidity jump (2008-09-18, the week of
    AIG and the swap lines) and the 2019 cuts; after the September 2008 steps the dollar rose
    over the next 20 days (the Fed put 'worked' for the dollar, not for equities)."""
    ev = fl.policy_reaction(dev_panel)
    liq = ev[ev["kind"] == "liquidity"]
    assert pd.Timestamp("2008-09-18") in liq.index
    in_2019 = ev.loc["2019-01-01":"2019-12-31"]
    assert list(in_2019["kind"]).count("rate_cut") == 3
    sept08 = ev.loc["2008-09-15":"2008-09-30"]
    assert (sept08["dollar_after"] > 0).all()
    assert (sept08["spx_after"] < 0).all()
