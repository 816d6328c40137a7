"""Absorption ratio and turbulence against per-window ``np.cov`` + ``eigvalsh`` / ``solve``.

Tolerances: these go through an eigen-decomposition or a linear solve, so
agreement is asserted at relative 1e-10 for the absorption ratio and 1e-9
for turbulence on well-conditioned data (seen: ~1e-14), and 1e-6 for
turbulence with exactly collinear columns (held together by the ridge).
"""

from __future__ import annotations

import numpy as np
import pytest
import reference as ref
import reference_panel as rp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from stormwatch.kernels import (
    absorption_ratio,
    absorption_shift,
    get_num_threads,
    set_num_threads,
    turbulence,
)

AR_RTOL = 1e-10
TURB_RTOL = 1e-9


def factor_returns(rng: np.random.Generator, n: int, k: int, n_factors: int = 2) -> np.ndarray:
    f = rng.standard_normal((n, n_factors))
    load = rng.standard_normal((n_factors, k))
    return 0.01 * (f @ load + rng.standard_normal((n, k)) * rng.uniform(0.5, 2.0, k))


def messy_panel(seed: int, n: int = 500, k: int = 8) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = factor_returns(rng, n, k)
    X[rng.random(X.shape) < 0.005] = np.nan
    X[150:260, 2] = 0.0  # stale column (flat) for a while
    X[:120, 6] = np.nan  # late starter
    X[300:320] *= 20.0  # volatility burst then calm
    return X


# --- absorption ratio ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("method", ["blocked", "direct"])
def test_absorption_ratio_random(seed: int, method: str) -> None:
    X = messy_panel(seed)
    ar, used = absorption_ratio(X, 60, _method=method)
    ref.assert_matches(ar, ref.absorption_ratio(X, 60, None, 60), AR_RTOL, what=f"AR {method}")
    ar2, _ = absorption_ratio(X, 60, n_factors=3, min_obs=30, _method=method)
    ref.assert_matches(ar2, ref.absorption_ratio(X, 60, 3, 30), AR_RTOL, what="AR k=3")
    assert ((ar[59:] >= 0) & (ar[59:] <= 1) | np.isnan(ar[59:])).all()
    for t in range(59, X.shape[0]):
        assert used[t] == ref.usable_columns(X[t - 59 : t + 1]).size
    assert used[130] <= 7 and used[250] <= 7  # the late starter / the flat column are left out


def test_absorption_ratio_step_matches_every_row() -> None:
    X = messy_panel(3)
    full, _ = absorption_ratio(X, 50)
    sparse, _ = absorption_ratio(X, 50, step=7)
    computed = np.flatnonzero(~np.isnan(sparse))
    assert computed[-1] == X.shape[0] - 1 and (np.diff(computed) % 7 == 0).all()
    np.testing.assert_array_equal(sparse[computed], full[computed])


def test_absorption_ratio_rank_deficiency_and_wide_panels() -> None:
    rng = np.random.default_rng(4)
    X = factor_returns(rng, 120, 30)  # N = 30 > W = 20: the Gram path
    ar, used = absorption_ratio(X, 20)
    ref.assert_matches(ar, ref.absorption_ratio(X, 20, None, 20), AR_RTOL, what="wide")
    assert (used[19:] == 30).all() and np.isfinite(ar[19:]).all()
    # n_factors >= W - 1: the top factors absorb everything by construction -> NaN
    assert np.isnan(absorption_ratio(X, 20, n_factors=19)[0]).all()
    assert np.isfinite(absorption_ratio(X, 20, n_factors=18)[0][19:]).all()
    # n_factors >= N: NaN; fewer than 3 usable columns: NaN
    assert np.isnan(absorption_ratio(X[:, :4], 20, n_factors=4)[0]).all()
    assert np.isnan(absorption_ratio(X[:, :2], 20)[0]).all()


def test_absorption_ratio_one_factor_world() -> None:
    rng = np.random.default_rng(5)
    f = rng.standard_normal((300, 1))
    X = f @ np.ones((1, 10)) + 1e-3 * rng.standard_normal((300, 10))
    ar, _ = absorption_ratio(X, 100, n_factors=1)
    assert np.nanmin(ar) > 0.99


def test_absorption_ratio_real_sectors(sector_returns: np.ndarray) -> None:
    X = sector_returns[-1500:]
    ar, used = absorption_ratio(X, 250)
    ref.assert_matches(ar, ref.absorption_ratio(X, 250, None, 250), AR_RTOL, what="sectors")
    assert (used[249:] == 9).all()


def test_absorption_shift() -> None:
    rng = np.random.default_rng(6)
    ar = 0.6 + 0.05 * np.sin(np.arange(700) / 30) + 0.01 * rng.standard_normal(700)
    ar[400:420] = 0.7  # flat run inside long windows is fine
    shift = absorption_shift(ar, 15, 250)
    ref.assert_matches(shift, ref.absorption_shift(ar, 15, 250), 1e-12, atol=1.0, what="shift")
    assert np.isnan(shift[:249]).all() and np.isfinite(shift[249:]).all()
    flat = np.full(300, 0.5)
    assert np.isnan(absorption_shift(flat, 15, 100)).all()  # std of a flat AR is 0: NaN
    with pytest.raises(ValueError, match="smaller than long"):
        absorption_shift(ar, 250, 15)
    # a sparse (step > 1) AR with lowered counts
    sparse = np.where(np.arange(700) % 5 == 4, ar, np.nan)
    out = absorption_shift(sparse, 15, 250, min_obs_short=3, min_obs_long=50)
    assert np.isfinite(out[-1])


# --- turbulence --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("method", ["blocked", "direct"])
def test_turbulence_random(seed: int, method: str) -> None:
    X = messy_panel(seed)
    X[333, 4] = np.nan  # x_t missing in one column: that column is left out at t
    tb, used = turbulence(X, 60, _method=method)
    ref.assert_matches(tb, ref.turbulence(X, 60, 1e-8, 60), TURB_RTOL, what=f"turbulence {method}")
    assert np.isnan(tb[:60]).all()
    for t in range(60, X.shape[0]):
        cols = ref.usable_columns(X[t - 60 : t])
        assert used[t] == np.isfinite(X[t, cols]).sum()
    assert used[333] < 8
    tb2, _ = turbulence(X, 60, ridge=1e-3, min_obs=10, _method=method)
    ref.assert_matches(tb2, ref.turbulence(X, 60, 1e-3, 10), TURB_RTOL, what="ridge 1e-3")


def test_turbulence_excludes_the_current_row() -> None:
    """Row t is measured against rows t-W..t-1 only: a shock at t is fully 'surprising'."""
    rng = np.random.default_rng(7)
    X = 0.01 * rng.standard_normal((300, 4))
    X[250] = 0.2  # a 20-sigma day
    tb, _ = turbulence(X, 100)
    hist = X[150:250]
    d = X[250] - hist.mean(axis=0)
    cov = np.cov(hist, rowvar=False)
    cov += 1e-8 * np.trace(cov) / 4 * np.eye(4)
    assert tb[250] == pytest.approx(d @ np.linalg.solve(cov, d), rel=TURB_RTOL)
    assert tb[250] > 1000
    # truncation: the value at t does not depend on later rows
    tb_cut, _ = turbulence(X[:251], 100)
    np.testing.assert_array_equal(tb_cut, tb[:251])


def test_turbulence_collinear_columns_need_the_ridge() -> None:
    rng = np.random.default_rng(8)
    base = factor_returns(rng, 400, 3)
    X = np.column_stack([base, base[:, 0]])  # an exact duplicate: singular covariance
    tb, _ = turbulence(X, 100)
    ref.assert_matches(tb, ref.turbulence(X, 100, 1e-8, 100), 1e-6, what="collinear")
    assert np.isfinite(tb[100:]).all()


def test_turbulence_real_sectors(sector_returns: np.ndarray) -> None:
    X = sector_returns[-1500:]
    tb, used = turbulence(X, 250)
    ref.assert_matches(tb, ref.turbulence(X, 250, 1e-8, 250), TURB_RTOL, what="sectors")
    assert (used[250:] == 9).all()
    assert np.nanmedian(tb) == pytest.approx(9, rel=0.5)  # about N for a typical day


def test_argument_validation() -> None:
    X = np.zeros((10, 3))
    with pytest.raises(ValueError, match="window=2"):
        turbulence(X, 1)
    with pytest.raises(ValueError, match="ridge"):
        turbulence(X, 5, ridge=-1.0)
    with pytest.raises(ValueError, match="n_factors"):
        absorption_ratio(X, 5, n_factors=0)
    with pytest.raises(ValueError, match="step"):
        absorption_ratio(X, 5, step=0)
    with pytest.raises(ValueError, match="2-D"):
        absorption_ratio(np.zeros(10), 5)


# --- properties ----------------------------------------------------------------------------

small_panels = hnp.arrays(
    np.float64,
    st.tuples(st.integers(3, 30), st.integers(3, 6)),
    # returns on a 1e-3 grid: ties and flat columns are common, no underflow games
    elements=st.one_of(st.integers(-1000, 1000).map(lambda i: i / 1000), st.just(np.nan)),
)


@settings(max_examples=40, deadline=None)
@given(X=small_panels, w=st.integers(4, 9), data=st.data())
def test_truncation_invariance_and_paths_agree(X: np.ndarray, w: int, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, X.shape[0]))
    ar, _ = absorption_ratio(X, w, min_obs=3)
    tb, _ = turbulence(X, w, min_obs=3)
    np.testing.assert_array_equal(absorption_ratio(X[:cut], w, min_obs=3)[0], ar[:cut])
    np.testing.assert_array_equal(turbulence(X[:cut], w, min_obs=3)[0], tb[:cut])
    ar_d, _ = absorption_ratio(X, w, min_obs=3, _method="direct")
    ref.assert_matches(ar_d, ar, AR_RTOL, what="AR paths")
    ref.assert_matches(ar, ref.absorption_ratio(X, w, None, 3), AR_RTOL, what="AR ref")


# --- turbulence: rank-one updates against exact references --------------------------------

TURB_EXACT_RTOL = 1e-12


def test_turbulence_rank1_matches_exact_solves_random() -> None:
    """The streamed kernel against per-row exact centring + solve (+ refinement), and the batched path."""
    X = factor_returns(np.random.default_rng(11), 1400, 12)  # SYNTHETIC
    tb, used = turbulence(X, 250)
    ref.assert_matches(tb, rp.turbulence(X, 250, 1e-8, 250), TURB_EXACT_RTOL, what="rank1 vs exact")
    batched, b_used = turbulence(X, 250, _method="blocked")
    ref.assert_matches(tb, batched, TURB_EXACT_RTOL, what="rank1 vs batched")
    np.testing.assert_array_equal(used, b_used)


@pytest.mark.parametrize(
    ("w", "mo", "ridge"), [(60, 60, 1e-8), (60, 10, 1e-8), (100, 100, 1e-3), (100, 50, 0.0)]
)
def test_turbulence_stress_panel(w: int, mo: int, ridge: float) -> None:
    """Levels at 1e6, 1bp yields, a x30 burst then calm, a stale column, NaN gaps and a late start."""
    X = rp.stress_panel(2)  # SYNTHETIC
    X[333, 2] = np.nan  # x_t missing in a usable column: that row is solved on the others
    tb, used = turbulence(X, w, ridge=ridge, min_obs=mo)
    ref.assert_matches(tb, rp.turbulence(X, w, ridge, mo), TURB_EXACT_RTOL, what=f"stress w={w} mo={mo}")
    assert np.isnan(tb[:mo]).all() and (used[:mo] == 0).all()  # below min count
    assert used[333] == used[332] - 1 or used[333] < 8


def test_turbulence_real_markets() -> None:
    rets = rp.market_returns()
    if rets is None:
        pytest.skip("market data not found")
    X = rets[-2500:]
    tb, used = turbulence(X, 250)
    ref.assert_matches(tb, rp.turbulence(X, 250, 1e-8, 250), TURB_EXACT_RTOL, what="world markets")
    assert (used[250:] == X.shape[1]).all()


def test_turbulence_restart_schedule_is_invisible() -> None:
    """Scheduled restarts every 1024 rows and thread splits leave the values (and truncation) unchanged."""
    X = factor_returns(np.random.default_rng(12), 2600, 6)  # SYNTHETIC
    before = get_num_threads()
    try:
        set_num_threads(1)
        one, _ = turbulence(X, 120)
        set_num_threads(2)
        two, _ = turbulence(X, 120)
    finally:
        set_num_threads(before)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(turbulence(X[:1500], 120)[0], one[:1500])
    ref.assert_matches(one, rp.turbulence(X, 120, 1e-8, 120), TURB_EXACT_RTOL, what="long")


def test_absorption_ratio_threads_and_weekly() -> None:
    X = messy_panel(4, n=700, k=12)  # SYNTHETIC
    before = get_num_threads()
    try:
        set_num_threads(1)
        one, _ = absorption_ratio(X, 120, min_obs=60)
        set_num_threads(2)
        two, _ = absorption_ratio(X, 120, min_obs=60)
    finally:
        set_num_threads(before)
    np.testing.assert_array_equal(one, two)
    weekly, _ = absorption_ratio(X, 120, step=5, min_obs=60)
    done = ~np.isnan(weekly)
    np.testing.assert_array_equal(weekly[done], one[done])
    ref.assert_matches(one, ref.absorption_ratio(X, 120, None, 60), 1e-12, what="AR vs eigvalsh loop")


@pytest.mark.parametrize("method", ["auto", "direct"])
def test_absorption_ratio_bisection_matches_lapack_path(method: str) -> None:
    X = messy_panel(7, n=400, k=25)  # SYNTHETIC: NaN gaps, flat column, burst then calm
    X[:, 3] += 1e6  # level offset: irrelevant for the scatter
    fast = absorption_ratio(X, 80, min_obs=40, _method=method)
    slow = absorption_ratio(X, 80, min_obs=40, _method=f"{method}-lapack")
    np.testing.assert_array_equal(fast.n_used, slow.n_used)
    ref.assert_matches(fast.value, slow.value, 1e-12, what=f"bisection vs LAPACK {method}")
    ref.assert_matches(fast.value, ref.absorption_ratio(X, 80, None, 40), 1e-12, what="vs loop")
    with pytest.raises(ValueError, match="unknown method"):
        absorption_ratio(X, 80, _method="auto-qr")


def test_absorption_ratio_real_sectors_tight(sector_returns: np.ndarray) -> None:
    X = sector_returns[-800:]
    ar, _ = absorption_ratio(X, 120, n_factors=2)
    ref.assert_matches(ar, ref.absorption_ratio(X, 120, 2, 120), 1e-12, what="sectors k=2")
