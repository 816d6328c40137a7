"""Tests of the fuel gauges (stormwatch.signals.fuel): current_account_deficit,
foreign_holdings, valuation, concentration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stormwatch.signals.fuel  # noqa: F401  (registers the signals)
from stormwatch.signals import evaluate, registry
from stormwatch.signals._seq import PCT_80_Z, PCT_90_Z, expanding_pct_rank, norm_ppf

from ._aggfuel import assert_truncation_invariant, drop, synthetic_panel

IDS = ("current_account_deficit", "foreign_holdings", "valuation", "concentration")
SMALL = {"min_obs": 3}
# Phi^-1 reference values (R: qnorm(0.875), qnorm(5/6), qnorm(0.9), qnorm(0.8)).
QNORM_0_875 = 1.150349380376
QNORM_5_6 = 0.967421566101701
QNORM_0_9 = 1.281551565545
QNORM_0_8 = 0.841621233573


def test_declarations() -> None:
    for sid in IDS:
        spec = registry()[sid]
        assert spec.kind == "fuel"
        assert spec.family == "fuel"
        assert spec.watch_at == pytest.approx(QNORM_0_8, abs=1e-8)
        assert spec.on_at == pytest.approx(QNORM_0_9, abs=1e-8)
        assert all(p.reason for p in spec.params.values())


def test_norm_ppf_reference_values() -> None:
    got = norm_ppf([0.875, 5 / 6, 0.9, 0.8, 0.5, 0.01, 0.99])
    np.testing.assert_allclose(
        got,
        [QNORM_0_875, QNORM_5_6, QNORM_0_9, QNORM_0_8, 0.0, -2.326347874041, 2.326347874041],
        atol=1e-8,
    )
    assert abs(PCT_90_Z - QNORM_0_9) < 1e-8
    assert abs(PCT_80_Z - QNORM_0_8) < 1e-8
    assert np.isnan(norm_ppf([0.0, 1.0, np.nan])).all()


def test_expanding_pct_rank_midrank_and_ties() -> None:
    # SYNTHETIC: 10, 20, 20, 5 -> day 2: below 1, tied 2 -> (1 + 1) / 3; day 3: (0 + 0.5) / 4.
    x = pd.Series([10.0, 20.0, 20.0, 5.0, np.nan])
    p = expanding_pct_rank(x, min_obs=3)
    np.testing.assert_allclose(p.to_numpy(), [np.nan, np.nan, 2 / 3, 0.125, np.nan])


def test_valuation_hand_computed_synthetic() -> None:
    # SYNTHETIC CAPE 10, 20, 15, 30, 5 (no market cap to GDP):
    #   day 2: 15 among (10, 20, 15) -> 1.5/3 = 0.5 -> z 0 -> off
    #   day 3: 30 among four -> 3.5/4 = 0.875 -> z 1.1503 -> watch (80th-90th percentile)
    #   day 4: 5 among five -> 0.5/5 = 0.1 -> z -1.2816 -> off
    panel = synthetic_panel({"local:CAPE_SHILLER": [10.0, 20.0, 15.0, 30.0, 5.0]})
    res = evaluate(registry()["valuation"], panel, SMALL)
    np.testing.assert_allclose(
        res.intensity.to_numpy(), [np.nan, np.nan, 0.0, QNORM_0_875, -QNORM_0_9], atol=1e-8
    )
    assert list(res.state) == ["unknown", "unknown", "off", "watch", "off"]
    assert any("BUFFETT" in n for n in res.notes)


def test_valuation_two_measures_are_averaged() -> None:
    # SYNTHETIC: CAPE percentile z on day 3 = 1.1503; market cap to GDP 1, 2, 3, 4 -> 0.875
    # too -> mean 1.1503; on day 2 CAPE z 0 and mcap (2.5/3 -> 0.9674) -> mean 0.4837.
    panel = synthetic_panel(
        {"local:CAPE_SHILLER": [10.0, 20.0, 15.0, 30.0], "local:BUFFETT_W5000_GDP": [1.0, 2.0, 3.0, 4.0]}
    )
    res = evaluate(registry()["valuation"], panel, SMALL)
    assert res.intensity.iloc[2] == pytest.approx(QNORM_5_6 / 2, abs=1e-8)
    assert res.intensity.iloc[3] == pytest.approx(QNORM_0_875, abs=1e-8)


def test_current_account_hand_computed_synthetic() -> None:
    # SYNTHETIC balance -1, -2, -3, -4 % of GDP -> deficit 1..4, always a new record:
    #   day 2: 2.5/3 -> 0.9674 (watch), day 3: 3.5/4 -> 1.1503 (watch).
    panel = synthetic_panel({"fred:USAB6BLTT02STSAQ": [-1.0, -2.0, -3.0, -4.0]})
    res = evaluate(registry()["current_account_deficit"], panel, SMALL)
    np.testing.assert_allclose(res.intensity.to_numpy()[2:], [QNORM_5_6, QNORM_0_875], atol=1e-8)
    assert list(res.state) == ["unknown", "unknown", "watch", "watch"]


def test_current_account_proxy_units() -> None:
    # SYNTHETIC: BEA balance -100,000 (millions, quarterly rate) with GDP 20,000 (billions,
    # annual rate): -(-100,000 * 4 / 1,000) / 20,000 * 100 = 2.0 % of GDP.
    panel = synthetic_panel({"fred:IEABC": [-100_000.0] * 4, "fred:GDP": [20_000.0] * 4})
    res = evaluate(registry()["current_account_deficit"], panel, SMALL)
    assert res.proxies == {"balance": "fred:IEABC"}
    assert res.evidence["current_account_deficit_pct_gdp"].iloc[0] == pytest.approx(2.0)
    # Trade balance: -50,000 a month -> 600 bn a year -> 3 % of 20,000.
    trade = synthetic_panel({"fred:BOPGSTB": [-50_000.0] * 4, "fred:GDP": [20_000.0] * 4})
    res = evaluate(registry()["current_account_deficit"], trade, SMALL)
    assert res.proxies == {"balance": "fred:BOPGSTB"}
    assert res.evidence["current_account_deficit_pct_gdp"].iloc[0] == pytest.approx(3.0)
    # A proxy without GDP cannot be put in % of GDP: NaN (unknown), and the notes say why.
    no_gdp = evaluate(registry()["current_account_deficit"], drop(trade, "fred:GDP"), SMALL)
    assert (no_gdp.state == "unknown").all()
    assert any("fred:GDP" in n for n in no_gdp.notes)


def test_foreign_holdings_hand_computed_synthetic() -> None:
    # SYNTHETIC: 7,000,000 million dollars of Treasuries over GDP 20,000 bn = 35 % of GDP;
    # day 2 a record among three (2.5/3 -> 0.9674), day 3 the lowest of four (0.5/4 -> -1.1503).
    panel = synthetic_panel({"tic:for_treas_pos": [6e6, 6.5e6, 7e6, 5e6], "fred:GDP": [20_000.0] * 4})
    res = evaluate(registry()["foreign_holdings"], panel, SMALL)
    assert res.evidence["foreign_treasury_holdings_pct_gdp"].iloc[2] == pytest.approx(35.0)
    np.testing.assert_allclose(res.intensity.to_numpy()[2:], [QNORM_5_6, -QNORM_0_875], atol=1e-8)


def test_concentration_hand_computed_synthetic() -> None:
    # SYNTHETIC: NDX/SPX ratio 1, 2, 4, 3 -> day 2 record (0.9674), day 3 (2.5/4 -> 0.3186).
    panel = synthetic_panel({"yahoo:^NDX": [100.0, 200.0, 400.0, 300.0], "yahoo:^GSPC": [100.0] * 4})
    res = evaluate(registry()["concentration"], panel, SMALL)
    np.testing.assert_allclose(res.intensity.to_numpy()[2:], [QNORM_5_6, float(norm_ppf(0.625))], atol=1e-8)
    assert any("proxy" in n for n in res.notes)


@pytest.fixture(scope="module")
def dev_slice(dev_panel: pd.DataFrame) -> pd.DataFrame:
    return dev_panel.loc["1998-01-01":"2000-06-30"]


@pytest.mark.parametrize("sid", ["current_account_deficit", "valuation", "concentration"])
def test_truncation_invariance(dev_slice: pd.DataFrame, sid: str) -> None:
    days = [300, 450, 600, len(dev_slice) - 1]
    assert_truncation_invariant(registry()[sid], dev_slice, days, {"min_obs": 252})


def test_missing_inputs(dev_panel: pd.DataFrame) -> None:
    # TIC holdings are not in the development data: unknown, with the reason.
    res = evaluate(registry()["foreign_holdings"], dev_panel)
    assert (res.state == "unknown").all()
    assert res.reason.iloc[-1] == "missing input: holdings (tic:for_treas_pos)"
    gone = evaluate(registry()["valuation"], drop(dev_panel.iloc[-300:], "local:CAPE_SHILLER"))
    assert (gone.state == "unknown").all()
    assert "local:CAPE_SHILLER" in gone.reason.iloc[0]
    proxied = evaluate(
        registry()["concentration"], drop(dev_panel.loc["2005":], "yahoo:^NDX", "yahoo:^GSPC"), SMALL
    )
    assert proxied.proxies == {"growth": "yahoo:XLK", "broad": "yahoo:SPY"}
    assert proxied.intensity.notna().any()


@pytest.fixture(scope="module")
def fuel_results(dev_panel: pd.DataFrame) -> dict[str, pd.Series]:
    return {sid: evaluate(registry()[sid], dev_panel).state for sid in IDS}


def test_history_valuation_high_1999_2000(fuel_results: dict[str, pd.Series]) -> None:
    """Fact of the data: CAPE in 1999-2000 was the highest since the panel starts (1985)
    - it passed its 1929 peak in 1997 - so the valuation gauge is on throughout."""
    s = fuel_results["valuation"].loc["1999":"2000"]
    assert s.isin(["watch", "on"]).all()
    assert (s == "on").mean() > 0.9


def test_history_current_account_deficit_high_2005_2007(fuel_results: dict[str, pd.Series]) -> None:
    """Fact of the data: the current-account deficit peaked near 6 % of GDP in 2005-2006,
    a record; the gauge is watch or on on every day of 2005-2007, mostly on."""
    s = fuel_results["current_account_deficit"].loc["2005":"2007"]
    assert s.isin(["watch", "on"]).all()
    assert (s == "on").mean() > 0.9
