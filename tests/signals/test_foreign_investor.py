"""Tests of the foreign-investor read-outs and ``foreign_investor_returns``
(stormwatch.signals.foreign_investor)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import stormwatch.signals.foreign_investor as fi
from stormwatch.signals import SignalSpec, evaluate, registry

from ._dollar import assert_truncation_invariant, drop, synthetic_panel

ECB_EURUSD = "ecb:EXR/D.USD.EUR.SP00.A"
SMALL = {"window": 1, "min_obs": 2, "gap_windows": (1,)}


def _spec(base: str) -> SignalSpec:
    return registry()[fi.foreign_investor_signal_id(base)]


def test_declarations() -> None:
    assert [fi.foreign_investor_signal_id(b) for b in fi.BASES] == [
        "foreign_investor_eur",
        "foreign_investor_jpy",
        "foreign_investor_gbp",
        "foreign_investor_chf",
        "foreign_investor_cny",
    ]
    for base in fi.BASES:
        spec = _spec(base)
        assert spec.kind == "readout"
        assert spec.family == "foreign_investor"
        assert all(p.reason for p in spec.params.values())
        assert spec.inputs["equity"].candidates == ("yahoo:^GSPC", "yahoo:SPY")
    assert "rate_foreign" not in _spec("CNY").inputs  # no free CNY 3-month rate
    assert _spec("EUR").inputs["rate_foreign"].candidates == ("fred:IR3TIB01EZM156N", "local:EURIBOR3M")
    with pytest.raises(ValueError, match="unknown base currency"):
        fi.foreign_investor_signal_id("XAU")


def _eur_panel() -> pd.DataFrame:
    # SYNTHETIC. Mon-Wed. S&P 500 100, 110, 99; EUR per USD 0.80, 0.88, 0.88 (the dollar rises 10%
    # on Tuesday); euro 3-month rate 5%, US 1% (a hedge earns 4% a year).
    return synthetic_panel(
        {
            "yahoo:^GSPC": [100.0, 110.0, 99.0],
            ECB_EURUSD: [0.80, 0.88, 0.88],
            "fred:IR3TIB01EZM156N": [5.0, 5.0, 5.0],
            "fred:IR3TIB01USM156N": [1.0, 1.0, 1.0],
        }
    )


def test_hand_computed_eur() -> None:
    # usd       100, 110, 99
    # unhedged  100, 110 * 0.88 / 0.80 = 121, 99 * 0.88 / 0.80 = 108.9
    # hedged    100, 110 * exp(0.04 * 1/365), 99 * exp(0.04 * 2/365)
    # intensity: -(FX move in units of its RMS): day 2 has a zero FX move -> 0 -> off (a read-out).
    res = evaluate(_spec("EUR"), _eur_panel(), SMALL)
    ev = res.evidence
    np.testing.assert_allclose(ev["usd"], [100.0, 110.0, 99.0], rtol=1e-12)
    np.testing.assert_allclose(ev["unhedged"], [100.0, 121.0, 108.9], rtol=1e-12)
    np.testing.assert_allclose(
        ev["hedged"], [100.0, 110.0 * math.exp(0.04 / 365), 99.0 * math.exp(0.08 / 365)], rtol=1e-12
    )
    assert ev["gap_1d"].iloc[1] == pytest.approx(math.log(1.1) - 0.04 / 365, rel=1e-9)
    np.testing.assert_allclose(res.intensity.to_numpy(), [np.nan, np.nan, 0.0], atol=1e-12)
    assert list(res.state) == ["unknown", "unknown", "off"]
    out = fi.foreign_investor_returns(_eur_panel(), "EUR")
    assert list(out.columns) == ["usd", "unhedged", "hedged"]
    pd.testing.assert_frame_equal(out, ev[["usd", "unhedged", "hedged"]], check_names=False)


def test_hand_computed_jpy_through_the_ecb_cross() -> None:
    # SYNTHETIC. JPY per EUR 120, 120, 132 and EUR per USD 0.80, 0.88, 0.88 -> JPY per USD
    # 96, 105.6, 116.16; unhedged on day 2 = 99 * 116.16 / (100 * 96) = 119.79. No JPY rate.
    panel = _eur_panel().assign(**{"ecb:EXR/D.JPY.EUR.SP00.A": [120.0, 120.0, 132.0]})
    res = evaluate(_spec("JPY"), panel, SMALL)
    assert res.used["fx"] == "ecb:EXR/D.JPY.EUR.SP00.A"
    np.testing.assert_allclose(res.evidence["fx_per_usd"], [96.0, 105.6, 116.16], rtol=1e-12)
    assert res.evidence["unhedged"].iloc[2] == pytest.approx(100 * 99 * 116.16 / 9600, rel=1e-12)
    assert res.evidence["hedged"].isna().all()
    assert any("3-month rate" in n for n in res.notes)


def test_missing_inputs() -> None:
    no_equity = fi.foreign_investor_returns(drop(_eur_panel(), "yahoo:^GSPC"), "EUR")
    assert no_equity.isna().all().all()
    assert no_equity.attrs["reason"] == "missing input: equity (yahoo:^GSPC or yahoo:SPY)"
    no_fx = evaluate(_spec("EUR"), drop(_eur_panel(), ECB_EURUSD))
    assert (no_fx.state == "unknown").all()
    assert no_fx.reason.iloc[0].startswith("missing input: fx (ecb:EXR/D.USD.EUR.SP00.A")
    # A yen cross without EUR per USD: unknown and said so, not an exception or a rate of 1.
    cross_only = drop(_eur_panel().assign(**{"ecb:EXR/D.JPY.EUR.SP00.A": [120.0] * 3}), ECB_EURUSD)
    res = evaluate(_spec("JPY"), cross_only, SMALL)
    assert (res.state == "unknown").all()
    assert res.evidence["unhedged"].isna().all()
    assert any("EUR per USD" in n for n in res.notes)
    cny = fi.foreign_investor_returns(_eur_panel().assign(**{"yahoo:CNY=X": [7.0, 7.0, 7.1]}), "CNY")
    assert cny["unhedged"].notna().all() and cny["hedged"].isna().all()
    assert "hedged line is not computed" in cny.attrs["reason"]


@pytest.mark.parametrize("base", fi.BASES)
def test_truncation_invariance(dev_panel: pd.DataFrame, base: str) -> None:
    # The ECB's CNY rate starts in 2005; the others in 1999.
    start = "2005-04-01" if base == "CNY" else "2001-06-01"
    dev_slice = dev_panel.loc[start:].iloc[:650]
    assert_truncation_invariant(_spec(base), dev_slice, [300, len(dev_slice) - 1])


def test_history(dev_panel: pd.DataFrame) -> None:
    """Facts of the data (ECB rates, OECD 3-month rates). In 2002 the dollar fell with equities:
    the S&P 500 lost 23.4% in USD, 35.6% for an unhedged euro investor, 30.5% in yen, 31.2% in
    sterling, 36.9% in francs. In 2008 the dollar rose: the unhedged euro (-34.9%) and sterling
    (-15.5%) investors lost less than the dollar investor (-38.5%) — but the yen investor lost more
    (-50.2%): for Japan the dollar was no hedge even then."""

    def year(base: str, a: str, b: str) -> pd.Series:
        d = fi.foreign_investor_returns(dev_panel, base)
        end, begin = d.loc[b], d.loc[a]
        assert isinstance(end, pd.Series) and isinstance(begin, pd.Series)
        return end / begin - 1

    for base in ("EUR", "JPY", "GBP", "CHF"):
        y2002 = year(base, "2001-12-31", "2002-12-31")
        assert y2002["unhedged"] < y2002["usd"] - 0.05, base
    eur08 = year("EUR", "2007-12-31", "2008-12-31")
    gbp08 = year("GBP", "2007-12-31", "2008-12-31")
    jpy08 = year("JPY", "2007-12-31", "2008-12-31")
    assert eur08["usd"] == pytest.approx(-0.385, abs=0.005)
    assert eur08["unhedged"] > eur08["usd"] and gbp08["unhedged"] > gbp08["usd"]
    assert jpy08["unhedged"] < jpy08["usd"] - 0.05
