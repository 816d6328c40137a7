"""The foreign investor's hedge backtests: formulas on tiny cases, point-in-time positions, dev data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stormwatch.catalog import Catalog
from stormwatch.evaluation.backtest import (
    STRATEGIES,
    BacktestConfig,
    MarketData,
    market_data,
    performance,
    positions,
    realized_frame,
    run_backtest,
    variance_swap_pnl,
)
from stormwatch.evaluation.metrics import BUSINESS_DAYS_PER_YEAR
from stormwatch.evaluation.replay import Replay


def _market(n: int = 60, seed: int = 0, fx_vol: float = 0.005) -> MarketData:
    """SYNTHETIC: random S&P 500 and FX returns, flat 5% foreign and 1% US rates, VIX 20."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2010-01-04", periods=n)
    spx = rng.normal(0.0005, 0.01, n)
    frame = pd.DataFrame(
        {
            "spx_ret": spx,
            "spx_logret": np.log1p(spx),
            "fx_ret": rng.normal(0, fx_vol, n),
            "dxy_ret": rng.normal(0, 0.004, n),
            "rate_base": 5.0,
            "rate_usd": 1.0,
            "vix": 20.0 + np.cumsum(rng.normal(0, 0.5, n)),
        },
        index=idx,
    )
    frame.iloc[0, [0, 1, 2, 3]] = np.nan  # no return on the first day
    return MarketData(base="EUR", frame=frame)


def test_strategy_returns_follow_the_formulas() -> None:
    m = _market()
    f = m.frame
    level = pd.Series(0.0, index=f.index)
    level.iloc[20:30] = 2.0  # Warning for ten closes
    cfg = BacktestConfig(cost_bp=2.0)
    bt = run_backtest(m, level, cfg)
    r = bt.returns
    fi = f.index  # the span starts on fi[1], the first day with returns
    days = r.index
    assert days[0] == fi[1]
    rp, rx = f.loc[days, "spx_ret"], f.loc[days, "fx_ret"]
    carry = (0.04 * fi.to_series().diff().dt.days / 365.0).loc[days]
    np.testing.assert_allclose(r["unhedged"], (1 + rp) * (1 + rx) - 1, atol=1e-15)
    hedged = (1 + rp) * (1 + rx) - 1 + (carry - rx)
    hedged.iloc[0] -= 2e-4  # the hedge is put on at the first close
    np.testing.assert_allclose(r["hedged"], hedged, atol=1e-15)
    # The level of close t sets the hedge earned on day t+1.
    h = bt.positions["hedge_ratio"]
    assert (h.loc[fi[20]], h.loc[fi[21]], h.loc[fi[30]], h.loc[fi[31]]) == (0.0, 1.0, 1.0, 0.0)
    assert r.loc[fi[25], "level_hedge"] == pytest.approx(r.loc[fi[25], "hedged"])
    assert r.loc[fi[21], "level_hedge"] == pytest.approx(r.loc[fi[21], "hedged"] - 2e-4)  # traded on
    assert r.loc[fi[10], "level_hedge"] == r.loc[fi[10], "unhedged"]
    # The overlay only differs while it is on, and on the day it is closed (the cost of closing).
    on = bt.positions["overlay_on"]
    closing = (on.diff() == -1.0).to_numpy()
    off = ((on == 0).to_numpy()) & ~closing
    np.testing.assert_array_equal(r.loc[off, "overlay"], r.loc[off, "unhedged"])
    assert (r.loc[on == 1, "overlay"] != r.loc[on == 1, "unhedged"]).all()
    close_cost = 2e-4 * cfg.overlay_usd_short + cfg.overlay_vega * cfg.vol_cost_points
    np.testing.assert_allclose(r.loc[closing, "unhedged"] - r.loc[closing, "overlay"], close_cost, atol=1e-15)
    assert bt.stats.loc["level_hedge", "turnover"] == pytest.approx(
        2.0 / (len(days) / BUSINESS_DAYS_PER_YEAR)
    )
    assert list(bt.stats.index) == list(STRATEGIES)


def test_full_hedge_with_a_fixed_rate_earns_the_carry() -> None:
    m = _market(fx_vol=0.0)
    m.frame["fx_ret"] = 0.0
    m.frame["spx_ret"] = 0.0
    bt = run_backtest(m, pd.Series(0.0, index=m.frame.index), BacktestConfig(cost_bp=0.0))
    total = float((1 + bt.returns["hedged"]).prod() - 1)
    fi = m.frame.index  # carry accrues from the first close (fi[0]) on
    gaps = fi.to_series().diff().dt.days.iloc[1:]
    assert total == pytest.approx(math.prod(1 + 0.04 * d / 365 for d in gaps) - 1, rel=1e-12)
    assert total == pytest.approx(0.04 * (fi[-1] - fi[0]).days / 365, rel=0.01)
    assert float((1 + bt.returns["unhedged"]).prod() - 1) == 0.0


def test_positions_and_returns_never_use_later_data() -> None:
    m = _market(n=120, seed=3)
    rng = np.random.default_rng(9)
    level = pd.Series(rng.integers(0, 3, 120).astype(float), index=m.frame.index)
    full = run_backtest(m, level)
    for cut in (40, 85):
        day = m.frame.index[cut]
        part = run_backtest(MarketData("EUR", m.frame.loc[:day]), level.loc[:day])
        pd.testing.assert_frame_equal(part.returns, full.returns.loc[:day])
        pd.testing.assert_frame_equal(part.positions, full.positions.loc[:day])
        pd.testing.assert_frame_equal(positions(level.loc[:day]), positions(level).loc[:day])


def test_positions_map_levels_to_hedge_ratios() -> None:
    idx = pd.bdate_range("2020-01-01", periods=6)
    level = pd.Series([0, 1, 2, 3, 4, np.nan], index=idx)
    p = positions(level, BacktestConfig(hedge_by_level=(0.0, 0.25, 0.5, 0.75, 1.0), overlay_level=3))
    assert p["hedge_ratio"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0, 0.0]
    assert p["overlay_on"].tolist() == [0, 0, 0, 1, 1, 0]
    with pytest.raises(ValueError, match="five ratios"):
        BacktestConfig(hedge_by_level=(0.0, 1.0))  # type: ignore[arg-type]


def test_performance_known_answers() -> None:
    idx = pd.bdate_range("2020-01-01", periods=261)
    flat = performance(pd.Series(0.0001, index=idx))
    assert flat["cagr"] == pytest.approx(1.0001**261 - 1)
    assert flat["max_drawdown"] == 0.0 and np.isnan(flat["calmar"])
    idx3 = pd.DatetimeIndex(["2020-01-30", "2020-01-31", "2020-02-03"])
    p = performance(pd.Series([0.1, -0.5, 0.2], index=idx3))
    assert p["max_drawdown"] == pytest.approx(-0.5)  # 1.1 -> 0.55
    assert p["worst_month"] == pytest.approx(1.1 * 0.5 - 1)  # January
    assert p["calmar"] == pytest.approx(p["cagr"] / 0.5)
    rf = pd.Series(0.0001, index=idx)
    noisy = pd.Series(np.random.default_rng(0).normal(0.0003, 0.01, 261), index=idx)
    s = performance(noisy, rf)
    expect = (noisy - 0.0001).mean() * 261 / (noisy.std() * math.sqrt(261))
    assert s["sharpe"] == pytest.approx(expect)


def test_variance_swap_pays_realised_minus_implied_variance() -> None:
    idx = pd.bdate_range("2020-01-01", periods=43)
    r = 0.16 / math.sqrt(252)  # realised vol 16, exactly the VIX
    logret = pd.Series([r if i % 2 else -r for i in range(43)], index=idx)
    vix = pd.Series(16.0, index=idx)
    vs = variance_swap_pnl(logret, vix, roll_days=21)
    np.testing.assert_allclose(vs["pnl"], 0.0, atol=1e-12)
    assert vs["roll"].tolist().count(True) == 3  # struck on day 0, 21 and 42
    # Implied vol doubles on day 1 and stays: the swap gains (T-1)/T * (32^2 - 16^2) / (2*16) on that day.
    vix2 = vix.copy()
    vix2.iloc[1:] = 32.0
    vs2 = variance_swap_pnl(logret * 0, vix2, 21)
    assert vs2["pnl"].iloc[1] == pytest.approx((20 / 21 * 1024 - 256) / 32)
    assert vs2["pnl"].iloc[1:22].sum() == pytest.approx(-256 / 32)  # no realised variance: loses the strike


def test_realized_frame_dates_values_by_period(catalog: Catalog) -> None:
    obs = pd.DataFrame(
        {
            "series_id": ["fred:DEXUSEU", "fred:DEXUSEU", "fred:IR3TIB01EZM156N", "fred:IR3TIB01EZM156N"],
            "period": pd.to_datetime(["2020-01-02", "2020-01-03", "2019-12-01", "2020-01-01"]),
            "published_at": pd.to_datetime(["2020-01-09", "2020-01-10", "2020-02-01", "2020-03-01"]),
            "value": [1.25, 1.0, 0.1, 0.2],
        }
    )
    idx = pd.bdate_range("2019-12-30", "2020-01-06")
    f = realized_frame(obs, catalog, ["fred:DEXUSEU", "fred:IR3TIB01EZM156N"], idx)
    # H.10 is published a week late but the rate of 2020-01-02 is that day's rate; inverted to EUR per USD.
    assert f.loc["2020-01-02", "fred:DEXUSEU"] == 0.8
    assert f.loc["2020-01-03", "fred:DEXUSEU"] == 1.0
    assert f.loc["2020-01-06", "fred:DEXUSEU"] == 1.0  # carried over the weekend
    assert np.isnan(f.loc["2019-12-31", "fred:DEXUSEU"])
    assert f.loc["2019-12-31", "fred:IR3TIB01EZM156N"] == 0.1  # the month's average applies to its days
    assert f.loc["2020-01-02", "fred:IR3TIB01EZM156N"] == 0.2


def test_dev_backtests(eval_obs: pd.DataFrame, catalog: Catalog, dev_replay: Replay) -> None:
    level = dev_replay.frame["level"]
    idx = pd.DatetimeIndex(level.index)
    eur = run_backtest(market_data(eval_obs, catalog, "EUR", idx), level)
    assert eur.span[0] == pd.Timestamp("1999-01-05")  # the euro's first dollar rate is 1999-01-04
    jpy_market = market_data(eval_obs, catalog, "JPY", idx)
    assert any("JPY 3-month rate: no value (and no proxy) before 2002-04-01" in n for n in jpy_market.notes)
    jpy = run_backtest(jpy_market, level)
    assert jpy.span[0] >= pd.Timestamp("2002-04-01")
    gbp = run_backtest(market_data(eval_obs, catalog, "GBP", idx), level)
    assert gbp.span[0] == pd.Timestamp("1990-01-02")  # VIX (for the overlay) starts 1990
    for bt in (eur, jpy, gbp):
        assert set(bt.stats.columns) >= {
            "cagr",
            "volatility",
            "sharpe",
            "max_drawdown",
            "calmar",
            "worst_month",
            "turnover",
        }
        assert bt.stats["volatility"].between(0.10, 0.35).all()
        assert (bt.stats["max_drawdown"] < -0.3).all()  # 2008 is in every span
        doc = bt.to_dict()
        assert set(doc["strategies"]) == set(STRATEGIES)
        # Hedging removes currency risk: the hedged line is less volatile than the unhedged one.
        assert bt.stats.loc["hedged", "volatility"] < bt.stats.loc["unhedged", "volatility"]
    with pytest.raises(ValueError, match="unknown base currency"):
        market_data(eval_obs, catalog, "XYZ", idx)
