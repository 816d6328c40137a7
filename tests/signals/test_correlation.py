"""Tests of the correlation family (stormwatch.signals.correlation): ``cross_border_correlation``,
``cross_asset_correlation``, ``absorption_ratio``, ``turbulence``, ``ciss_stress``,
``correlations_to_one`` and ``correlation_attribution``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import stormwatch.signals.correlation as corr
from stormwatch.signals import SignalResult, evaluate, registry

from ._flows import assert_truncation_invariant, drop, levels, synthetic_panel

IDS = (
    "cross_border_correlation",
    "cross_asset_correlation",
    "absorption_ratio",
    "turbulence",
    "ciss_stress",
    "correlations_to_one",
)
SPECS = {sid: registry()[sid] for sid in IDS}
R2 = 1.0 / math.sqrt(2.0)
NAN = float("nan")

# SYNTHETIC return paths shared by the hand cases: r cycles 1, 0, -1 (%); q is a
# different ordering, so that the 3-day correlation of r and q runs
# 1, sqrt(3)/2, 1/2, 1/2, sqrt(3)/2, sqrt(3)/2, 1/2 (rows 3..9).
R_PATH = [0.01, 0.0, -0.01] * 3
Q_PATH = [0.01, 0.0, -0.01, 0.0, 0.01, -0.01, 0.01, -0.01, 0.0]
TINY = {"window": 3, "min_obs": 3, "z_window": 2, "z_min_obs": 2, "score_min_obs": 2, "min_pairs": 3}


def test_declarations() -> None:
    for spec in SPECS.values():
        assert spec.family == "correlation"
        assert all(p.reason for p in spec.params.values()), spec.id
    assert SPECS["correlations_to_one"].kind == "checklist"
    assert SPECS["correlations_to_one"].checklist_item == 5
    assert all(SPECS[s].kind == "readout" for s in IDS[:-1])
    # the longer-history fallbacks are also the last proxies (see returns_frame)
    assert SPECS["cross_asset_correlation"].inputs["gold"].candidates[-1] == "fred:GOLDPMGBD228NLBM"
    credit = SPECS["cross_asset_correlation"].inputs["credit"]
    assert credit.candidates == ("fred:BAMLH0A0HYM2", "fred:BAA10Y")


def test_hand_computed_cross_border_synthetic() -> None:
    # SYNTHETIC: S&P 500, DAX and FTSE all follow r; the Nikkei follows q. horizon 1, 3-day
    # correlations, z over 2 values: z = sign(change)/sqrt(2), NaN if unchanged.
    # Pairs among the three identical markets: correlation 1 throughout -> flat -> no score.
    # The three pairs with the Nikkei share rho_t = 1, .866, .5, .5, .866, .866, .5 (rows 3-9):
    #   pair z (rows 4-9): -, -, NaN, +, NaN, -   (times 1/sqrt 2), the mean is the same;
    #   re-standardised over the last 2 valid scores: rows 7: (-, +) -> +1/sqrt2, 9: -1/sqrt2.
    # avg_corr (6 pairs, kernel): row 4 = (3 * 1 + 3 * .866)/6 = .9330.
    panel = synthetic_panel(
        {
            "yahoo:^GSPC": levels(R_PATH),
            "yahoo:^GDAXI": levels(R_PATH),
            "yahoo:^FTSE": levels(R_PATH),
            "yahoo:^N225": levels(Q_PATH),
        }
    )
    res = evaluate(SPECS["cross_border_correlation"], panel, {"horizon": 1, **TINY})
    np.testing.assert_allclose(res.intensity.to_numpy(), [NAN] * 7 + [R2, NAN, -R2], rtol=1e-9, atol=1e-12)
    assert list(res.state) == ["unknown"] * 7 + ["off", "unknown", "off"]
    np.testing.assert_allclose(
        res.evidence["pair_z_mean"].to_numpy(), [NAN] * 4 + [-R2, -R2, NAN, R2, NAN, -R2], rtol=1e-9
    )
    assert res.evidence["avg_corr"].iloc[4] == pytest.approx((3 + 3 * math.sqrt(3) / 2) / 6)
    assert list(res.evidence["n_pairs"].iloc[3:]) == [6.0] * 7


def test_returns_frame_orientation_and_alignment() -> None:
    # SYNTHETIC: the 10-year yield rises 10 bp on day 1 and falls 20 bp on day 2; the S&P 500
    # rises 1% on day 1. Long-bond return = -change: -0.10, +0.20. With a one-day
    # alignment lag, the S&P 500's day-1 return appears on day 2 (next to the yield that was
    # published a day late).
    series = {
        "spx": pd.Series([100.0, 100.0 * math.exp(0.01), 100.0 * math.exp(0.01)]),
        "ust10": pd.Series([4.0, 4.1, 3.9]),
    }
    kinds: dict[str, corr.Kind] = {"spx": "price", "ust10": "rate"}
    f = corr.returns_frame(series, kinds, horizon=1, align_lag=1)
    assert list(f["ust10"].round(12).iloc[1:]) == [-0.1, 0.2]
    assert np.isnan(f["spx"].iloc[1]) and f["spx"].iloc[2] == pytest.approx(0.01)
    f0 = corr.returns_frame(series, kinds, horizon=1, align_lag=0)
    assert f0["spx"].iloc[1] == pytest.approx(0.01)
    # a fill series is used only where the main series has no return
    series["gold"] = pd.Series([np.nan, np.nan, 10.0])
    series["gold_fix"] = pd.Series([5.0, 10.0, 11.0])
    g = corr.returns_frame(series, {"gold": "price"}, horizon=1, align_lag=0)["gold"]
    assert g.iloc[1] == pytest.approx(math.log(2.0)) and g.iloc[2] == pytest.approx(math.log(11 / 10))


def test_cross_asset_against_a_reference_synthetic() -> None:
    # SYNTHETIC (seeded) daily moves of five US holdings: the S&P 500, dollar and gold as log
    # returns, the 10-year yield and HY spread as changes (published a day late). Reference
    # pipeline written out with pandas, independent of the module: long-holding returns
    # (-change for yields and spreads), same-day prices lagged one row, 10-day correlations,
    # Fisher transform, 20-day z-score per pair, mean over pairs, re-standardised.
    rng = np.random.default_rng(11)
    n = 90
    common = rng.normal(0.0, 0.01, n)
    moves = {name: 0.6 * common + rng.normal(0.0, 0.01, n) for name in ("spx", "ust", "usd", "gold", "hy")}
    panel = synthetic_panel(
        {
            "yahoo:^GSPC": levels(moves["spx"]),
            "fred:DGS10": [4.0 + c for c in np.concatenate([[0.0], np.cumsum(moves["ust"])])],
            "yahoo:DX-Y.NYB": levels(moves["usd"]),
            "yahoo:GC=F": levels(moves["gold"]),
            "fred:BAMLH0A0HYM2": [5.0 + c for c in np.concatenate([[0.0], np.cumsum(moves["hy"])])],
        }
    )
    params = {
        "horizon": 1,
        "window": 10,
        "min_obs": 10,
        "z_window": 20,
        "z_min_obs": 10,
        "score_min_obs": 10,
        "min_pairs": 3,
        "align_lag": 1,
    }
    res = evaluate(SPECS["cross_asset_correlation"], panel, params)

    idx = panel.index
    pad = pd.Series([np.nan], index=idx[:1])
    oriented = pd.DataFrame(
        {
            "spx": pd.concat([pad, pd.Series(moves["spx"], index=idx[1:])]).shift(1),
            "ust10": pd.concat([pad, pd.Series(-moves["ust"], index=idx[1:])]),
            "dollar": pd.concat([pad, pd.Series(moves["usd"], index=idx[1:])]).shift(1),
            "gold": pd.concat([pad, pd.Series(moves["gold"], index=idx[1:])]).shift(1),
            "credit": pd.concat([pad, pd.Series(-moves["hy"], index=idx[1:])]),
        }
    )
    zs = []
    cols = list(oriented.columns)
    for i, a in enumerate(cols):
        for b in cols[i + 1 :]:
            rho = oriented[a].rolling(10, min_periods=10).corr(oriented[b])
            fz = np.arctanh(rho.clip(-0.999, 0.999))
            m, sd = fz.rolling(20, min_periods=10).mean(), fz.rolling(20, min_periods=10).std()
            zs.append((fz - m) / sd)
    zframe = pd.concat(zs, axis=1)
    score = zframe.mean(axis=1).where(zframe.notna().sum(axis=1) >= 3)  # min_pairs
    valid = score.dropna()
    mean, sd = valid.rolling(20, min_periods=10).mean(), valid.rolling(20, min_periods=10).std()
    expected = ((valid - mean) / sd).reindex(idx)
    np.testing.assert_allclose(res.evidence["pair_z_mean"], score, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(res.intensity, expected, rtol=1e-8, atol=1e-10)
    assert res.intensity.notna().sum() > 40


def _walsh(n_rows: int) -> np.ndarray:
    """Rows 1..8 of the 16x16 Sylvester-Hadamard matrix (orthogonal, zero-mean +-1 patterns),
    repeated to ``n_rows`` days, as 1% daily moves: SYNTHETIC."""
    h = np.array([[1.0]])
    for _ in range(4):
        h = np.block([[h, h], [h, -h]])
    return np.array([np.resize(w, n_rows) for w in h[1:9]]).T * 0.01


def _union_panel(moves: np.ndarray) -> pd.DataFrame:
    # SYNTHETIC: columns 0-5 are prices (log returns = moves), 6-7 yields/spreads that FALL by
    # the move (long-holding return = move).
    ids = ["yahoo:^GSPC", "yahoo:^GDAXI", "yahoo:^FTSE", "yahoo:^N225", "yahoo:DX-Y.NYB", "yahoo:GC=F"]
    cols: dict[str, list[float]] = {cid: levels(moves[:, j]) for j, cid in enumerate(ids)}
    for j, cid in ((6, "fred:DGS10"), (7, "fred:BAMLH0A0HYM2")):
        cols[cid] = [5.0 - c for c in np.concatenate([[0.0], np.cumsum(moves[:, j])])]
    return synthetic_panel(cols)


def test_hand_computed_absorption_synthetic() -> None:
    # SYNTHETIC: three orthogonal +-1% patterns a, b, c (period 4); four markets follow a, two
    # follow b, two follow c. Over any 8-day window the covariance of the (equally scaled)
    # returns has eigenvalues 4v, 2v, 2v (and zeros): with ceil(8/5) = 2 factors the
    # absorption ratio is (4 + 2)/8 = 0.75 exactly. It never moves, so the standardised shift
    # is undefined: NaN intensity, state unknown (not a rounding-noise "watch").
    a, b, c = (np.resize(p, 40) * 0.01 for p in ([1, 1, -1, -1], [1, -1, 1, -1], [1, -1, -1, 1]))
    moves = np.column_stack([a, a, a, a, b, b, c, c])
    res = evaluate(
        SPECS["absorption_ratio"],
        _union_panel(moves),
        {"horizon": 1, "window": 8, "short": 2, "long": 3, "align_lag": 0, "fill_gaps": 0},
    )
    np.testing.assert_allclose(res.evidence["absorption_ratio"].iloc[15:], 0.75, atol=1e-12)
    assert res.evidence["n_markets"].iloc[-1] == 8.0
    # (the first few ratios, from partly filled scaling windows, differ: rows 11-13)
    assert res.intensity.iloc[16:].isna().all()
    assert (res.state.iloc[16:] == "unknown").all()


def test_absorption_shift_restarts_when_a_market_joins() -> None:
    # SYNTHETIC random returns (seeded): the shift is computed within runs of a constant market
    # count; a market that joins restarts it (NaN for `long` rows) instead of faking a jump.
    rng = np.random.default_rng(7)
    n = 120
    frame = pd.DataFrame(rng.normal(0, 0.01, size=(n, 5)) + rng.normal(0, 0.01, size=(n, 1)))
    frame.iloc[:60, 4] = np.nan
    _, shift, used = corr.absorption(frame, window=20, short=3, long=10)
    first_five = int(used[used == 5].index[0])
    assert used.iloc[first_five - 1] == 4.0
    assert shift.iloc[first_five : first_five + 9].isna().all()
    assert shift.iloc[first_five + 9 :].notna().all()
    assert shift.iloc[first_five - 20 : first_five].notna().all()


def test_hand_computed_turbulence_synthetic() -> None:
    # SYNTHETIC: eight orthogonal zero-mean +-1% Walsh patterns of period 16. Over any 16-day
    # history each has mean 0 and variance 16/15 (x 1e-4) and they are uncorrelated, so a
    # day of +-1% moves has squared Mahalanobis distance 8 * 15/16 = 7.5, i.e. 0.9375 per
    # market, every day from day 17. On the last day every move is tripled: 9 * 0.9375 =
    # 8.4375. With smoothing 1 and a z-score over the last 4 log values (three equal, one
    # higher) the intensity is (n-1)/sqrt(n) = 3/2 -> watch; before that the log turbulence is
    # flat, hence NaN. (The kernel's relative ridge of 1e-8 shifts the values by ~1e-8.)
    moves = _walsh(40)
    moves[-1] *= 3.0
    res = evaluate(
        SPECS["turbulence"],
        _union_panel(moves),
        {
            "horizon": 1,
            "window": 16,
            "smooth": 1,
            "z_window": 4,
            "z_min_obs": 4,
            "align_lag": 0,
            "fill_gaps": 0,
        },
    )
    turb = res.evidence["turbulence"]
    np.testing.assert_allclose(turb.iloc[17:40], 0.9375, rtol=1e-7)
    assert turb.iloc[40] == pytest.approx(8.4375, rel=1e-7)
    assert res.intensity.iloc[40] == pytest.approx(1.5, rel=1e-7)
    assert res.state.iloc[40] == "watch"
    assert res.intensity.iloc[17:40].isna().all()
    assert res.evidence["turbulence_pct"].iloc[40] == 1.0


def test_hand_computed_ciss_aggregation() -> None:
    # SYNTHETIC, half-life 1 day (lambda = 1/2), deviations from the median 1/2:
    # day 0: s = (1, 1): sigma = outer(.5, .5) -> corr 1 -> sqrt(s'Cs)/2 = sqrt(4)/2 = 1
    # day 1: s = (1, 0): sigma = .5*[[.25,.25],[.25,.25]] + .5*[[.25,-.25],[-.25,.25]]
    #        = diag(.25) -> corr 0 -> sqrt(1)/2 = .5
    # day 2: s = (.75, .75): sigma = .5*diag(.25) + .5*.0625*ones = [[.15625,.03125],..]
    #        -> corr .2 -> sqrt(.5625*(2 + .4))/2 = .580948
    subs = pd.DataFrame({"a": [1.0, 1.0, 0.75], "b": [1.0, 0.0, 0.75]})
    level, avg = corr.ciss(subs, halflife=1.0, min_subindices=2)
    np.testing.assert_allclose(level, [1.0, 0.5, math.sqrt(0.5625 * 2.4) / 2], rtol=1e-12)
    np.testing.assert_allclose(avg, [1.0, 0.0, 0.2], atol=1e-12)


def test_hand_computed_ciss_stress_synthetic() -> None:
    # SYNTHETIC: VIX 20, 10, 30, 15 and HY OAS 5, 6, 4, 7; the S&P 500 is too short for a
    # 10-day realised vol; nothing else. Sequential CDF (share of values so far <= today):
    # equity = 1, .5, 1, .5; credit = 1, 1, 1/3, 1.
    # CISS (half-life 1): day 0: 1. Day 1: sigma = .5*[[.25,.25],[.25,.25]] + .5*[[0,0],[0,.25]]
    #   = [[.125,.125],[.125,.25]] -> corr 1/sqrt2 -> sqrt(.25 + 1 + 2*.7071*.5)/2 = .699483.
    # Day 2: dev (.5, -1/6) -> sigma [[.1875,.020833],[.020833,.138889]] -> corr .129099 ->
    #   sqrt(1 + 1/9 + 2*.129099/3)/2 = .547078.
    # Intensity day 2: z of .547078 among (1, .699483, .547078) = -0.875528 -> off.
    panel = synthetic_panel(
        {
            "yahoo:^GSPC": [100.0] * 4,
            "fred:VIXCLS": [20.0, 10.0, 30.0, 15.0],
            "fred:BAMLH0A0HYM2": [5.0, 6.0, 4.0, 7.0],
        }
    )
    params = {
        "rv_window": 10,
        "cdf_min_obs": 1,
        "halflife": 1.0,
        "min_subindices": 2,
        "z_window": 3,
        "z_min_obs": 3,
    }
    res = evaluate(SPECS["ciss_stress"], panel, params)
    np.testing.assert_allclose(res.evidence["ciss.equity"], [1.0, 0.5, 1.0, 0.5])
    np.testing.assert_allclose(res.evidence["ciss.credit"], [1.0, 1.0, 1 / 3, 1.0])
    assert res.evidence["ciss.rates"].isna().all()
    np.testing.assert_allclose(res.evidence["ciss"].iloc[:3], [1.0, 0.699483, 0.547078], atol=1e-6)
    assert res.intensity.iloc[2] == pytest.approx(-0.875528, abs=1e-6)
    assert list(res.state.iloc[:3]) == ["unknown", "unknown", "off"]


# ---------------------------------------------------------------------------
# Real data: a dev slice (truncation, missing inputs) and the full history
# ---------------------------------------------------------------------------

FAST = {
    "cross_border_correlation": {"z_window": 250, "z_min_obs": 120, "score_min_obs": 60},
    "cross_asset_correlation": {"z_window": 250, "z_min_obs": 120, "score_min_obs": 60},
    "absorption_ratio": {"window": 120, "long": 120},
    "turbulence": {"window": 120, "z_min_obs": 100},
    "ciss_stress": {"cdf_min_obs": 100, "z_min_obs": 100},
    "correlations_to_one": {
        "z_window": 250,
        "z_min_obs": 120,
        "score_min_obs": 60,
        "ar_window": 120,
        "ar_long": 120,
    },
}


@pytest.fixture(scope="module")
def dev_slice(dev_panel: pd.DataFrame) -> pd.DataFrame:
    return dev_panel.loc["2007-01-01":"2009-06-30"]


@pytest.mark.parametrize("sid", IDS)
def test_truncation_invariance(sid: str, dev_slice: pd.DataFrame) -> None:
    assert_truncation_invariant(SPECS[sid], dev_slice, [450, 520, len(dev_slice) - 1], FAST[sid])


def test_correlations_to_one_is_the_mean_of_its_parts(dev_slice: pd.DataFrame) -> None:
    p = FAST["correlations_to_one"]
    item = evaluate(SPECS["correlations_to_one"], dev_slice, p)
    keys = ("z_window", "z_min_obs", "score_min_obs")
    cb = evaluate(SPECS["cross_border_correlation"], dev_slice, {k: p[k] for k in keys})
    ca = evaluate(SPECS["cross_asset_correlation"], dev_slice, {k: p[k] for k in keys})
    ar = evaluate(SPECS["absorption_ratio"], dev_slice, {"window": 120, "long": 120})
    parts = pd.concat([cb.intensity, ca.intensity, ar.intensity], axis=1)
    expected = parts.mean(axis=1).where(parts.notna().sum(axis=1) >= 2)
    pd.testing.assert_series_equal(item.intensity, expected, check_names=False, rtol=1e-12)
    assert item.intensity.notna().sum() > 100


def test_missing_inputs(dev_slice: pd.DataFrame) -> None:
    gone = evaluate(SPECS["cross_border_correlation"], drop(dev_slice, "yahoo:^N225", "yahoo:EWJ"))
    assert (gone.state == "unknown").all()
    assert gone.reason.iloc[0] == "missing input: nikkei (yahoo:^N225 or yahoo:EWJ)"
    proxied = evaluate(
        SPECS["cross_asset_correlation"], drop(dev_slice, "yahoo:DX-Y.NYB"), FAST["cross_asset_correlation"]
    )
    assert proxied.proxies == {"dollar": "yahoo:UUP"}
    assert proxied.intensity.notna().any()
    no_gold = evaluate(SPECS["correlations_to_one"], drop(dev_slice, "yahoo:GC=F", "yahoo:GLD"))
    assert no_gold.proxies.get("gold") == "fred:GOLDPMGBD228NLBM"
    for sid in ("absorption_ratio", "turbulence", "correlations_to_one"):
        res = evaluate(SPECS[sid], drop(dev_slice, "fred:DGS10"))
        assert (res.state == "unknown").all()
        assert res.reason.iloc[0] == "missing input: ust10 (fred:DGS10)"
    # optional markets may go: fewer pairs, still a reading
    fewer = evaluate(
        SPECS["cross_border_correlation"],
        drop(dev_slice, "yahoo:^HSI", "yahoo:EWH", "yahoo:EEM", "yahoo:VWO"),
        FAST["cross_border_correlation"],
    )
    assert fewer.intensity.notna().any()
    ciss_only_spx = evaluate(SPECS["ciss_stress"], dev_slice[["yahoo:DX-Y.NYB"]])
    assert ciss_only_spx.reason.iloc[0] == "missing input: spx (yahoo:^GSPC or yahoo:SPY)"
    ciss_no_vix = evaluate(SPECS["ciss_stress"], drop(dev_slice, "fred:VIXCLS"), FAST["ciss_stress"])
    assert ciss_no_vix.intensity.notna().any()


def test_attribution_hand_computed_synthetic() -> None:
    # SYNTHETIC: before (rows 1-6) the Nikkei moves against the other three markets for
    # half the days; in the last window (rows 7-12) all four move together. window 6,
    # lookback 6, horizon 1, no alignment. The three Nikkei pairs' correlation rises most.
    r = [0.01, -0.01, 0.02, -0.02, 0.01, -0.01] * 2
    q = [0.01, 0.01, -0.02, -0.02, 0.01, 0.01, *r[6:]]
    panel = synthetic_panel(
        {
            "yahoo:^GSPC": levels(r),
            "yahoo:^GDAXI": levels(r),
            "yahoo:^FTSE": levels(r),
            "yahoo:^N225": levels(q),
        }
    )
    last = panel.index[-1]
    out = corr.correlation_attribution(panel, last, window=6, lookback=6, k=3, horizon=1, align_lag=0)
    assert set(out["b"]) == {"nikkei"}
    assert out["now"].to_numpy() == pytest.approx([1.0, 1.0, 1.0])
    # all pairs' contributions add up to the change in the average (same market set)
    full = corr.correlation_attribution(panel, last, window=6, lookback=6, k=6, horizon=1, align_lag=0)
    assert full["contribution"].sum() == pytest.approx(full.attrs["avg_now"] - full.attrs["avg_before"])
    with pytest.raises(ValueError, match="window \\+ lookback"):
        corr.correlation_attribution(panel, panel.index[5], window=6, lookback=6)


@pytest.fixture(scope="module")
def history(dev_panel: pd.DataFrame) -> dict[str, SignalResult]:
    return {sid: evaluate(SPECS[sid], dev_panel) for sid in IDS}


def test_history_cross_border_correlation(history: dict[str, SignalResult]) -> None:
    """Fact of the data: the average 60-day correlation of two-day local-currency returns of
    the world's equity markets was 0.73 in Oct-Nov 2008 and 0.76 in Aug 2011, above its
    highest value in calm 2017 (0.58; 2017 mean 0.48)."""
    avg = history["cross_border_correlation"].evidence["avg_corr"]
    top_2017 = avg.loc["2017"].max()
    assert avg.loc["2008-10":"2008-11"].mean() > top_2017
    assert avg.loc["2011-08"].mean() > top_2017
    assert avg.loc["2008-10":"2008-11"].mean() > avg.loc["2017"].mean() + 0.2
    st = history["cross_border_correlation"].state
    assert st.loc["2008-10":"2008-11"].isin(["watch", "on"]).mean() > 0.9
    assert (st.loc["2017"] == "off").all()


def test_history_turbulence_oct_2008(history: dict[str, SignalResult]) -> None:
    """Fact of the data: in October 2008 daily turbulence exceeded the 95th percentile of all
    turbulence readings up to that day (expanding, so no look-ahead) and the smoothed signal
    was 'on'; it was never 'on' in 2017."""
    res = history["turbulence"]
    turb = res.evidence["turbulence"]
    p95 = turb.expanding(min_periods=504).quantile(0.95)
    oct08 = slice("2008-10-01", "2008-10-31")
    assert (turb.loc[oct08] > p95.loc[oct08]).any()
    assert res.evidence["turbulence_pct"].loc[oct08].max() >= 0.95
    assert (res.state.loc[oct08] == "on").any()
    assert not (res.state.loc["2017"] == "on").any()


def test_history_2008_hedges_worked(history: dict[str, SignalResult]) -> None:
    """Fact of the data: in Oct-Nov 2008 the average correlation of long US equity, Treasury,
    dollar, gold and high-yield holdings stayed below zero (Treasuries and the dollar rallied
    as equities fell), so the cross-asset part never reached 'on' then; the checklist item
    reached 'watch' through the cross-border correlation and the absorption shift."""
    ca = history["cross_asset_correlation"]
    assert ca.evidence["avg_corr"].loc["2008-10":"2008-11"].max() < 0.0
    assert not (ca.state.loc["2008-10":"2008-11"] == "on").any()
    item = history["correlations_to_one"]
    assert item.state.loc["2008-10":"2008-11"].isin(["watch", "on"]).any()
    assert (item.state.loc["2017"] == "off").all()


def test_history_ciss_2008(history: dict[str, SignalResult]) -> None:
    """Fact of the data: the CISS-style composite was 'on' throughout Oct-Nov 2008."""
    st = history["ciss_stress"].state
    assert (st.loc["2008-10":"2008-11"] == "on").all()


def test_truncation_invariance_before_gold_futures_and_hy_oas(dev_panel: pd.DataFrame) -> None:
    # 1995-mid 1997: the HY OAS starts in 1997, so a panel cut in 1996 picks the Baa-Treasury
    # spread as the credit proxy, while the full slice picks the HY OAS and fills the 1996 days
    # from the Baa spread: the same returns, the same values.
    early = dev_panel.loc["1995-01-01":"1997-06-30"]
    days = [450, 500, len(early) - 1]
    ca = SPECS["cross_asset_correlation"]
    assert_truncation_invariant(ca, early, days, FAST["cross_asset_correlation"])
    assert_truncation_invariant(SPECS["turbulence"], early, days, FAST["turbulence"])
