"""Two-series, average and pairwise correlations against naive references.

Correlations live in [-1, 1], so they are compared in absolute terms:
``|r - r_ref| <= 1e-12``.
"""

from __future__ import annotations

import numpy as np
import pytest
import reference as ref
import reference_panel as rp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from stormwatch.bench._core import synthetic_panel
from stormwatch.kernels import (
    corr_contributions,
    get_num_threads,
    rolling_avg_corr,
    rolling_corr,
    set_num_threads,
    top_pairs,
    window_corr,
)

ATOL = 1e-12


def assert_corr(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    ref.assert_matches(actual, expected, ATOL, atol=1.0, what=what)


def correlated_pair(rng: np.random.Generator, n: int, rho: float) -> tuple[np.ndarray, np.ndarray]:
    a = rng.standard_normal(n)
    b = rho * a + np.sqrt(1 - rho * rho) * rng.standard_normal(n)
    return a, b


def factor_panel(rng: np.random.Generator, n: int, k: int, loading: float = 0.6) -> np.ndarray:
    f = rng.standard_normal((n, 1))
    return 0.01 * (loading * f + rng.standard_normal((n, k)) * rng.uniform(0.5, 2.0, k))


# --- rolling_corr --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("w", [3, 40, 250])
def test_rolling_corr_random(seed: int, w: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = correlated_pair(rng, 900, 0.5)
    a[rng.random(a.size) < 0.05] = np.nan
    b[rng.random(b.size) < 0.05] = np.nan
    mo = max(2, (3 * w) // 4)
    assert_corr(rolling_corr(a, b, w, mo), ref.corr(a, b, w, mo), f"seed={seed} w={w}")


def test_rolling_corr_levels_with_offset() -> None:
    rng = np.random.default_rng(3)
    a, b = correlated_pair(rng, 2000, 0.3)
    x = 1e6 + np.cumsum(a)
    y = np.round(4.0 + 0.01 * np.cumsum(np.sign(b)), 2)  # a yield moving by 1bp
    assert_corr(rolling_corr(x, y, 250), ref.corr(x, y, 250, 250), "levels")
    assert_corr(rolling_corr(x, y, 10), ref.corr(x, y, 10, 10), "levels short")


def test_rolling_corr_2d_and_broadcast() -> None:
    rng = np.random.default_rng(4)
    X = factor_panel(rng, 600, 4)
    y = X.mean(axis=1) + 0.01 * rng.standard_normal(600)
    X[rng.random(X.shape) < 0.05] = np.nan
    out = rolling_corr(X, y, 60, 50)
    assert out.shape == X.shape
    for j in range(X.shape[1]):
        np.testing.assert_array_equal(out[:, j], rolling_corr(X[:, j], y, 60, 50))
        assert_corr(out[:, j], ref.corr(X[:, j], y, 60, 50), f"col {j}")
    pairs = rolling_corr(X[:, :2], X[:, 2:], 60, 50)
    np.testing.assert_array_equal(pairs[:, 1], rolling_corr(X[:, 1], X[:, 3], 60, 50))
    with pytest.raises(ValueError, match="same shape"):
        rolling_corr(X, X[:, :2], 60)


def test_rolling_corr_flat_gap_and_min_obs() -> None:
    rng = np.random.default_rng(5)
    a, b = correlated_pair(rng, 300, 0.8)
    b[100:180] = 2.5  # stale segment
    a[200:230] = np.nan
    r = rolling_corr(a, b, 50, 30)
    assert np.isnan(r[149:180]).all()  # windows inside the flat segment
    assert np.isfinite(r[180])
    # the window ending at 235 has rows 186..235 with 30 missing: 20 pairs < 30
    assert np.isnan(r[235]) and np.isnan(r[258]) and np.isfinite(r[259])
    assert_corr(r, ref.corr(a, b, 50, 30), "flat+gap")
    # identical series: exactly 1 (clipped), opposite: -1
    assert np.nanmax(rolling_corr(a, a, 20, 10)) <= 1.0
    assert np.nanmin(rolling_corr(a, -a, 20, 10)) >= -1.0


@pytest.mark.parametrize(("x_name", "y_name"), [("SP500", "USDJPY"), ("SP500", "DGS10")])
def test_rolling_corr_real(market_series, x_name: str, y_name: str) -> None:
    x = market_series(x_name)
    y = market_series(y_name)
    n = min(x.size, y.size, 5000)
    x, y = np.diff(x[-n:]), np.diff(y[-n:])  # not date-aligned: fine for a numeric test
    assert_corr(rolling_corr(x, y, 63, 50), ref.corr(x, y, 63, 50), f"{x_name}/{y_name}")


def corr_ref(x: np.ndarray, y: np.ndarray, w: int, min_obs: int) -> np.ndarray:
    """``ref.corr`` with the moments' flat rule: NaN where either series is flat up to rounding."""
    out = ref.corr(x, y, w, min_obs)
    for t in np.flatnonzero(~np.isnan(out)):
        sl = slice(max(0, t - w + 1), t + 1)
        ok = ~(np.isnan(x[sl]) | np.isnan(y[sl]))
        if ref.is_flat(x[sl][ok].tolist()) or ref.is_flat(y[sl][ok].tolist()):
            out[t] = np.nan
    return out


def check_corr(
    x: np.ndarray, y: np.ndarray, w: int, min_obs: int, what: str, expected: np.ndarray | None = None
) -> np.ndarray:
    """Matches the exact reference, is bit-symmetric in (x, y) and truncation-invariant."""
    r = rolling_corr(x, y, w, min_obs)
    assert_corr(r, corr_ref(x, y, w, min_obs) if expected is None else expected, what)
    np.testing.assert_array_equal(r, rolling_corr(y, x, w, min_obs))
    for cut in (w - 1, w, 2 * w + 1, x.size // 2 + 7):
        if cut <= x.size:
            np.testing.assert_array_equal(rolling_corr(x[:cut], y[:cut], w, min_obs), r[:cut])
    return r


@pytest.mark.parametrize("w", [2, 5, 63, 250])
def test_rolling_corr_stress_levels_and_yields(w: int) -> None:
    rng = np.random.default_rng(11)
    a, b = correlated_pair(rng, 1300, -0.4)
    x = 1e6 + np.cumsum(a) * 0.5  # price level with a large offset
    y = np.round(4.0 + 0.01 * np.cumsum(np.sign(b)), 2)  # a yield moving by 1bp (flat stretches)
    check_corr(x, y, w, max(2, w // 2), f"levels/yields w={w}")
    # a volatility burst then calm: the calm windows must not inherit the burst's error
    z = np.concatenate([1e3 + rng.standard_normal(400) * 50.0, 1e3 + rng.standard_normal(900) * 1e-6])
    check_corr(z, x, w, max(2, w // 2), f"burst/calm w={w}")


def test_rolling_corr_nan_gaps_longer_than_blocks() -> None:
    rng = np.random.default_rng(12)
    a, b = correlated_pair(rng, 2000, 0.7)
    a[300:700] = np.nan  # longer than the window: whole blocks without a valid pair
    b[900:960] = np.nan
    b[1200:1450:3] = np.nan
    a[rng.random(a.size) < 0.03] = np.nan
    for w, mo in [(100, 60), (100, 2), (250, 200), (7, 3)]:
        r = check_corr(a, b, w, mo, f"gaps w={w} mo={mo}")
        assert np.isnan(r[399 + w - 1 : 700]).all()
    # a leading gap and an all-NaN series
    c = a.copy()
    c[:500] = np.nan
    check_corr(c, b, 100, 50, "leading gap")
    assert np.isnan(rolling_corr(np.full(400, np.nan), b[:400], 50, 10)).all()


def test_rolling_corr_flat_up_to_rounding() -> None:
    """Flat and rounding-level flat windows (values one ulp apart) give NaN, as in the moments."""
    rng = np.random.default_rng(13)
    a, b = correlated_pair(rng, 900, 0.5)
    half = 0.5 + rng.choice([0.0, np.spacing(0.5)], size=200)  # "equal" correlations one ulp apart
    a[300:500] = half
    b[600:800] = 1e6  # exactly flat at a large level
    b[650:660] = np.nan
    for w, mo in [(50, 30), (120, 100), (200, 200)]:
        r = check_corr(a, b, w, mo, f"flat w={w}")
        assert np.isnan(r[300 + w - 1 : 500]).all()
        assert np.isnan(r[600 + w - 1 : 800]).all()
        assert np.isfinite(r[500 + w // 2])
    # the exact-equality reference would give a (meaningless) value there: the kernel does not
    assert np.isfinite(ref.corr(a, b, 50, 30)[420])


def test_rolling_corr_extreme_magnitudes() -> None:
    """Products of M2 beyond the float range (the reference itself overflows there: compare unscaled)."""
    rng = np.random.default_rng(14)
    a, b = correlated_pair(rng, 700, 0.3)
    expected = corr_ref(a, b, 60, 40)
    for sx, sy in [(1e150, 1e150), (1e-150, 1e-150), (1e-150, 1e150), (1.0, 1e-140)]:
        check_corr(a * sx, b * sy, 60, 40, f"scales {sx:g}/{sy:g}", expected)


@pytest.mark.parametrize("name", ["SP500", "USDJPY", "DGS10"])
def test_rolling_corr_real_levels(market_series, name: str) -> None:
    """Real levels (large offsets, flat holiday stretches) against their own lagged values."""
    x = market_series(name)[-3000:]
    check_corr(x[1:], x[:-1], 250, 200, f"{name} levels")
    r = np.diff(x)
    check_corr(r[5:], r[:-5], 63, 50, f"{name} returns")


# --- rolling_avg_corr ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_avg_corr_random(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = factor_panel(rng, 500, 7)
    X[rng.random(X.shape) < 0.01] = np.nan
    X[100:180, 3] = 0.0  # a stale (flat) column for a while
    X[:90, 5] = np.nan  # a late starter
    val, used = rolling_avg_corr(X, 60)
    r_val, r_used = ref.avg_corr(X, 60, 60)
    assert_corr(val, r_val, f"seed={seed}")
    np.testing.assert_array_equal(used[59:], r_used[59:])
    val2, _ = rolling_avg_corr(X, 60, min_obs=20)
    assert_corr(val2, ref.avg_corr(X, 60, 20)[0], "min_obs=20")


def test_avg_corr_policy() -> None:
    rng = np.random.default_rng(6)
    X = factor_panel(rng, 200, 3)
    X[150, 0] = np.nan
    X[100:, 1] = 1.0
    val, used = rolling_avg_corr(X, 30)
    assert np.isnan(val[:29]).all() and (used[:29] == 0).all()
    assert used[60] == 3 and used[140] == 2  # column 1 flat from row 100
    # rows 150..179: column 0 has a NaN in the window and column 1 is flat -> 1 column
    assert used[160] == 1 and np.isnan(val[160])
    assert used[185] == 2 and np.isfinite(val[185])
    # with two columns the average is just their correlation
    np.testing.assert_allclose(val[140], np.corrcoef(X[111:141, [0, 2]], rowvar=False)[0, 1], atol=ATOL)


def test_avg_corr_real_sectors(sector_returns: np.ndarray) -> None:
    X = sector_returns[-3000:]
    val, used = rolling_avg_corr(X, 250)
    r_val, r_used = ref.avg_corr(X, 250, 250)
    assert_corr(val, r_val, "sectors")
    np.testing.assert_array_equal(used, r_used)
    assert 0.2 < np.nanmean(val) < 0.95


# --- contributions and top pairs -----------------------------------------------------------


def test_corr_contributions_add_up() -> None:
    rng = np.random.default_rng(7)
    X = factor_panel(rng, 300, 6)
    X[-10, 4] = np.nan  # column 4 unusable in the last window
    cc = corr_contributions(X, 100)
    val, used = rolling_avg_corr(X, 100)
    assert cc.used.sum() == used[-1] == 5 and not cc.used[4]
    assert cc.average == pytest.approx(val[-1], abs=ATOL)
    assert np.nansum(np.triu(cc.pair, 1)) == pytest.approx(cc.average, abs=ATOL)
    assert np.nansum(cc.column) == pytest.approx(cc.average, abs=ATOL)
    idx = np.flatnonzero(cc.used)
    np.testing.assert_allclose(
        cc.corr[np.ix_(idx, idx)], np.corrcoef(X[-100:, idx], rowvar=False), atol=ATOL, rtol=0
    )
    assert np.isnan(cc.corr[4]).all() and np.isnan(cc.pair[:, 4]).all()
    # an earlier window, by end index
    cc2 = corr_contributions(X, 100, end=150)
    assert cc2.average == pytest.approx(val[150], abs=ATOL)


def test_top_pairs() -> None:
    names = ["a", "b", "c", "d"]
    before = np.eye(4)
    now = np.eye(4)
    now[0, 1] = now[1, 0] = 0.5
    now[2, 3] = now[3, 2] = 0.9
    now[0, 2] = now[2, 0] = -0.3
    before[1, 3] = before[3, 1] = np.nan
    top = top_pairs(names, now, before, k=2)
    assert [(p.a, p.b) for p in top] == [("c", "d"), ("a", "b")]
    assert top[0].change == pytest.approx(0.9) and top[0].before == 0.0
    assert len(top_pairs(names, now, before, k=10)) == 5  # (b, d) undefined before
    with pytest.raises(ValueError):
        top_pairs(names[:3], now, before)
    # end to end on a window pair
    rng = np.random.default_rng(8)
    X = factor_panel(rng, 400, 5)
    X[200:, 1] = X[200:, 0] + 1e-4 * rng.standard_normal(200)  # 0 and 1 lock together
    c_now, _ = window_corr(X, 100)
    c_before, _ = window_corr(X, 100, end=199)
    best = top_pairs(list("vwxyz"), c_now, c_before, 1)[0]
    assert (best.a, best.b) == ("v", "w") and best.now > 0.99


# --- properties ----------------------------------------------------------------------------

panels = hnp.arrays(
    np.float64,
    st.tuples(st.integers(2, 40), st.integers(1, 6)),
    # returns-like values; a coarse grid makes ties and flat columns common
    # (deviations below ~1e-154 would underflow when squared: not returns)
    elements=st.one_of(
        st.integers(-1000, 1000).map(lambda i: i / 1000),
        st.floats(-1.0, 1.0).filter(lambda v: v == 0 or abs(v) > 1e-100),
        st.just(np.nan),
        st.just(0.25),
    ),
)


@settings(max_examples=40, deadline=None)
@given(X=panels, w=st.integers(2, 10), data=st.data())
def test_avg_corr_permutation_and_truncation(X: np.ndarray, w: int, data: st.DataObject) -> None:
    mo = data.draw(st.integers(2, w))
    val, used = rolling_avg_corr(X, w, mo)
    perm = data.draw(st.permutations(range(X.shape[1])))
    pval, pused = rolling_avg_corr(X[:, list(perm)], w, mo)
    np.testing.assert_array_equal(pused, used)
    np.testing.assert_allclose(pval, val, atol=ATOL, rtol=0)
    cut = data.draw(st.integers(0, X.shape[0]))
    tval, tused = rolling_avg_corr(X[:cut], w, mo)
    np.testing.assert_array_equal(tval, val[:cut])
    np.testing.assert_array_equal(tused, used[:cut])
    r_val, _ = ref.avg_corr(X, w, mo, exact=True)  # np.corrcoef is not exact on 1-ulp spreads
    assert_corr(val, r_val, "hypothesis")


@settings(max_examples=40, deadline=None)
@given(X=panels, w=st.integers(2, 10), data=st.data())
def test_rolling_corr_truncation_and_symmetry(X: np.ndarray, w: int, data: st.DataObject) -> None:
    if X.shape[1] < 2:
        return
    x, y = X[:, 0], X[:, 1]
    mo = data.draw(st.integers(2, w))
    r = rolling_corr(x, y, w, mo)
    np.testing.assert_array_equal(r, rolling_corr(y, x, w, mo))
    cut = data.draw(st.integers(0, x.size))
    np.testing.assert_array_equal(rolling_corr(x[:cut], y[:cut], w, mo), r[:cut])
    assert_corr(r, corr_ref(x, y, w, mo), "hypothesis")


# --- rolling_avg_corr: stress panels, real markets, block edges ----------------------------


def test_avg_corr_stress_panel() -> None:
    """Levels at 1e6, 1bp yields, a burst then calm, a stale column, NaN gaps (exact-centring reference)."""
    X = rp.stress_panel(1)  # SYNTHETIC
    for w, mo in ((100, 100), (100, 10), (250, 250)):
        val, used = rolling_avg_corr(X, w, mo)
        r_val, r_used = rp.avg_corr(X, w, mo)
        assert_corr(val, r_val, f"stress w={w} min_obs={mo}")
        ok = ~np.isnan(r_val)
        np.testing.assert_array_equal(used[ok], r_used[ok])
    val, used = rolling_avg_corr(X, 100, 10)
    assert np.isnan(val[:9]).all() and (used[:9] == 0).all()  # below min count


def test_avg_corr_real_markets() -> None:
    rets = rp.market_returns()
    if rets is None:
        pytest.skip("market data not found")
    X = rets[-2500:]
    val, used = rolling_avg_corr(X, 250)
    r_val, r_used = rp.avg_corr(X, 250, 250)
    assert_corr(val, r_val, "world markets")
    np.testing.assert_array_equal(used[249:], r_used[249:])


@pytest.mark.parametrize(("n_rows", "n_col", "w"), [(130, 70, 40), (200, 3, 64), (65, 5, 2), (129, 4, 200)])
def test_avg_corr_block_edges_and_wide(n_rows: int, n_col: int, w: int) -> None:
    """Row counts around the 64-row blocks, N > W, window 2, window longer than the panel."""
    rng = np.random.default_rng(n_rows + n_col)
    X = factor_panel(rng, n_rows, n_col)
    X[rng.random(X.shape) < 0.01] = np.nan
    mo = min(w, max(2, n_rows // 2))
    val, used = rolling_avg_corr(X, w, mo)
    r_val, r_used = rp.avg_corr(X, w, mo)
    assert_corr(val, r_val, f"T={n_rows} N={n_col} w={w}")
    np.testing.assert_array_equal(used[~np.isnan(r_val)], r_used[~np.isnan(r_val)])


def test_avg_corr_shift_and_threads() -> None:
    """Each value depends on its window only: a shifted start agrees to rounding; threads change nothing."""
    X = synthetic_panel(1500, 30, 3)  # SYNTHETIC
    full = rolling_avg_corr(X, 200).value
    part = rolling_avg_corr(X[301:], 200).value
    np.testing.assert_allclose(part[199:], full[500:], rtol=0, atol=1e-14)
    before = get_num_threads()
    try:
        set_num_threads(1)
        one = rolling_avg_corr(X, 200).value
        set_num_threads(2)
        two = rolling_avg_corr(X, 200).value
    finally:
        set_num_threads(before)
    np.testing.assert_array_equal(one, two)
