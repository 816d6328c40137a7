"""Rolling / expanding mean, std and z-score against the exact two-pass reference.

Tolerances: std relative error <= 1e-12; mean relative to the data's magnitude
(``|m - m_ref| <= 1e-12 * max(|m_ref|, max|x|)``: a mean near 0 is a cancellation); z-scores
``|z - z_ref| <= 1e-12 * max(1, |z_ref|)`` (a z-score is in units of std).
"""

from __future__ import annotations

import numpy as np
import pytest
import reference as ref
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from stormwatch.kernels import (
    expanding_mean_std,
    expanding_zscore,
    rolling_mean_std,
    rolling_zscore,
)

RTOL = 1e-12


def check_rolling(x: np.ndarray, w: int, min_obs: int | None = None, ddof: int = 1, what: str = "") -> None:
    mo = w if min_obs is None else min_obs
    mean, std = rolling_mean_std(x, w, min_obs, ddof)
    r_mean, r_std, r_z = ref.moments(x, w, mo, ddof)
    ref.assert_matches(mean, r_mean, RTOL, atol=ref.data_scale(x), what=f"{what} mean")
    ref.assert_matches(std, r_std, RTOL, what=f"{what} std")
    if ddof == 1 and mo >= 2:
        z = rolling_zscore(x, w, min_obs)
        ref.assert_matches(z, r_z, RTOL, atol=1.0, what=f"{what} z")


def random_walk(rng: np.random.Generator, n: int, scale: float = 1.0) -> np.ndarray:
    return np.cumsum(rng.standard_normal(n) * scale)


# --- random data ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("w", [2, 5, 63, 250])
def test_rolling_random_1d(seed: int, w: int) -> None:
    rng = np.random.default_rng(seed)
    x = random_walk(rng, 1200) + 100.0
    x[rng.random(x.size) < 0.05] = np.nan
    check_rolling(x, w, min_obs=max(1, w // 2), what=f"seed={seed} w={w}")
    check_rolling(x, w, min_obs=max(2, w // 2), ddof=0, what=f"ddof0 seed={seed} w={w}")


@pytest.mark.parametrize("seed", [3, 4])
def test_rolling_random_2d_columns_independent(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = np.column_stack([random_walk(rng, 900, s) + o for s, o in [(1, 0), (1e-3, 5), (10, 1e4), (0.1, -3)]])
    X[rng.random(X.shape) < 0.1] = np.nan
    X[200:260, 2] = np.nan  # a long gap in one column only
    check_rolling(X, 60, min_obs=40, what="2-D")
    mean2d, std2d = rolling_mean_std(X, 60, 40)
    for j in range(X.shape[1]):
        m1, s1 = rolling_mean_std(X[:, j], 60, 40)
        np.testing.assert_array_equal(mean2d[:, j], m1)
        np.testing.assert_array_equal(std2d[:, j], s1)


@pytest.mark.parametrize("seed", [5, 6])
def test_expanding_random(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = np.column_stack([random_walk(rng, 1100) + 50, rng.standard_normal(1100) * 1e-2])
    X[rng.random(X.shape) < 0.05] = np.nan
    mean, std = expanding_mean_std(X, min_obs=30)
    z = expanding_zscore(X, min_obs=30)
    r_mean, r_std, r_z = ref.moments(X, None, 30)
    ref.assert_matches(mean, r_mean, RTOL, atol=ref.data_scale(X), what="expanding mean")
    ref.assert_matches(std, r_std, RTOL, what="expanding std")
    ref.assert_matches(z, r_z, RTOL, atol=1.0, what="expanding z")


# --- stress series -----------------------------------------------------------------------


def test_price_levels_with_large_offset() -> None:
    rng = np.random.default_rng(7)
    x = 1e6 + random_walk(rng, 3000, 0.5)
    check_rolling(x, 250, what="1e6 offset")
    check_rolling(x, 20, what="1e6 offset short")
    _, _, r_z = ref.moments(x[:1200], None, 2)
    ref.assert_matches(expanding_zscore(x[:1200], 2), r_z, RTOL, atol=1.0, what="1e6 expanding z")


def test_stress_data_would_catch_a_naive_kernel() -> None:
    """Running sums of squares on 1e6 levels are off by far more than our tolerance."""
    rng = np.random.default_rng(7)
    x = 1e6 + random_walk(rng, 3000, 0.5)
    _, r_std, _ = ref.moments(x, 250, 250)
    assert ref.max_rel_err(ref.naive_running_std(x, 250), r_std) > 1e-6
    assert ref.max_rel_err(rolling_mean_std(x, 250)[1], r_std) < RTOL


def test_yields_with_one_bp_moves() -> None:
    rng = np.random.default_rng(8)
    steps = rng.choice([-1, 0, 0, 1], size=3000)
    x = np.round(4.0 + 0.01 * np.cumsum(steps), 2)
    check_rolling(x, 250, what="1bp yields")
    check_rolling(x, 10, min_obs=5, what="1bp yields short")


def test_volatility_burst_then_calm() -> None:
    """The calm windows after a burst must not inherit the burst's rounding error."""
    rng = np.random.default_rng(9)
    x = np.concatenate([1e3 + rng.standard_normal(300) * 50.0, 1e3 + rng.standard_normal(700) * 1e-6])
    check_rolling(x, 100, what="burst then calm")
    _, std = rolling_mean_std(x, 100)
    assert np.nanmax(std[500:]) < 1e-5


def test_flat_stale_segment_is_exactly_zero() -> None:
    rng = np.random.default_rng(10)
    x = np.concatenate([random_walk(rng, 100) + 0.1, np.full(120, 0.1), random_walk(rng, 50)])
    x[150] = np.nan  # a gap inside the flat segment changes nothing
    w = 50
    mean, std = rolling_mean_std(x, w, min_obs=40)
    z = rolling_zscore(x, w, min_obs=40)
    flat = slice(100 + w - 1, 220)  # windows entirely inside the flat segment
    assert (std[flat] == 0.0).all()
    assert (mean[flat] == 0.1).all()
    assert np.isnan(z[flat]).all()
    # the first window that leaves the flat segment has a proper, bounded z-score
    assert std[220] > 0 and np.isfinite(z[220]) and abs(z[220]) <= (w - 1) / np.sqrt(w)
    check_rolling(x, w, min_obs=40, what="flat")
    # expanding: flat from the start gives exactly 0 / NaN until the first change
    y = np.concatenate([np.full(30, 7.3), [7.4]])
    _, s = expanding_mean_std(y, min_obs=2)
    assert (s[1:30] == 0.0).all() and s[30] > 0
    assert np.isnan(expanding_zscore(y, 2)[:30]).all()


def test_nan_gaps_and_min_obs() -> None:
    x = np.arange(20, dtype=float)
    x[5:12] = np.nan
    mean, std = rolling_mean_std(x, 6, min_obs=3)
    # window ending at 13 holds rows 8..13 -> valid 12, 13 only
    assert np.isnan(mean[13]) and np.isnan(std[13])
    # window ending at 14 -> 12, 13, 14
    assert mean[14] == 13.0 and std[14] == 1.0
    # before min_obs rows exist
    assert np.isnan(mean[:2]).all() and mean[2] == 1.0
    # all-NaN input
    m, s = rolling_mean_std(np.full(10, np.nan), 3, 1)
    assert np.isnan(m).all() and np.isnan(s).all()
    # ddof bigger than the count: mean defined, std NaN
    m, s = rolling_mean_std(np.array([1.0, np.nan, np.nan, 2.0]), 2, min_obs=1)
    assert m.tolist()[0] == 1.0 and np.isnan(s[0]) and np.isnan(s[3])
    check_rolling(x, 6, min_obs=3, what="gaps")
    # z is NaN where x_t itself is missing, even with enough history
    assert np.isnan(rolling_zscore(x, 6, min_obs=2)[5])


def test_window_longer_than_series_and_empty() -> None:
    x = np.array([1.0, 2.0, 4.0])
    mean, _std = rolling_mean_std(x, 10, min_obs=2)
    assert np.isnan(mean[0]) and mean[2] == pytest.approx(7 / 3, rel=1e-15)
    m, s = rolling_mean_std(np.empty(0), 5)
    assert m.shape == (0,) and s.shape == (0,)
    m2, _ = rolling_mean_std(np.empty((0, 3)), 5)
    assert m2.shape == (0, 3)


# --- real data ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["SP500", "DGS10", "USDJPY"])
def test_real_levels_and_returns(market_series, name: str) -> None:
    x = market_series(name)[-4000:]  # ~16 years incl. 2020 and the 2022 hikes; a quick reference
    check_rolling(x, 250, min_obs=200, what=f"{name} levels")
    diff = np.diff(x)
    check_rolling(diff, 63, what=f"{name} changes")
    _, _, r_z = ref.moments(x[-1200:], None, 250)
    ref.assert_matches(expanding_zscore(x[-1200:], 250), r_z, RTOL, atol=1.0, what=f"{name} expanding z")


# --- validation ----------------------------------------------------------------------------


def test_argument_validation() -> None:
    x = np.arange(10.0)
    with pytest.raises(ValueError, match="window=2"):
        rolling_mean_std(x, 1)
    with pytest.raises(ValueError, match="cannot exceed window"):
        rolling_zscore(x, 5, min_obs=6)
    with pytest.raises(ValueError, match=">= 2"):
        rolling_zscore(x, 5, min_obs=1)
    with pytest.raises(ValueError, match="inf"):
        rolling_mean_std(np.array([1.0, np.inf, 2.0]), 2)
    with pytest.raises(ValueError, match="1-D"):
        rolling_mean_std(np.zeros((2, 2, 2)), 2)
    with pytest.raises(TypeError):
        rolling_mean_std(x, 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ddof"):
        rolling_mean_std(x, 3, ddof=3)
    with pytest.raises(ValueError, match=">= 2"):
        expanding_zscore(x, 1)
    # read-only inputs (e.g. broadcast views) are accepted
    ro = np.broadcast_to(np.arange(5.0), (5,))
    assert not ro.flags.writeable and rolling_mean_std(ro, 2)[0][1] == 0.5
    # lists and ints are accepted and converted
    m, _ = rolling_mean_std([1, 2, 3], 2)
    assert m.dtype == np.float64 and m.tolist()[1:] == [1.5, 2.5]


# --- properties ----------------------------------------------------------------------------

# |v| >= 1e-100 (or 0): squared deviations below ~1e-300 underflow to subnormals, where no float64
# method keeps 12 digits; that is outside the kernels' accuracy claim.
finite_or_nan = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_subnormal=False).filter(
        lambda v: v == 0.0 or abs(v) >= 1e-100
    ),
    st.just(np.nan),
    st.sampled_from([0.0, 1.0, 1e6, -3.25]),  # repeats make flat windows likely
)
series = hnp.arrays(np.float64, st.integers(1, 60), elements=finite_or_nan)


@settings(max_examples=60, deadline=None)
@given(x=series, w=st.integers(2, 12), cut=st.integers(0, 60), data=st.data())
def test_truncation_invariance(x: np.ndarray, w: int, cut: int, data: st.DataObject) -> None:
    """Output at row t is bit-identical whether or not rows after t exist."""
    mo = data.draw(st.integers(2, w))
    cut = min(cut, x.size)
    full_m, full_s = rolling_mean_std(x, w, mo)
    part_m, part_s = rolling_mean_std(x[:cut], w, mo)
    np.testing.assert_array_equal(part_m, full_m[:cut])
    np.testing.assert_array_equal(part_s, full_s[:cut])
    np.testing.assert_array_equal(rolling_zscore(x[:cut], w, mo), rolling_zscore(x, w, mo)[:cut])
    np.testing.assert_array_equal(expanding_zscore(x[:cut], mo), expanding_zscore(x, mo)[:cut])


@settings(max_examples=60, deadline=None)
@given(x=series, w=st.integers(2, 12))
def test_matches_reference_on_arbitrary_data(x: np.ndarray, w: int) -> None:
    r_mean, r_std, r_z = ref.moments(x, w, 2)
    mean, std = rolling_mean_std(x, w, 2)
    ref.assert_matches(mean, r_mean, RTOL, atol=ref.data_scale(x), what="mean")
    ref.assert_matches(std, r_std, RTOL, what="std")
    ref.assert_matches(rolling_zscore(x, w, 2), r_z, RTOL, atol=1.0, what="z")


# --- flat up to rounding, wide panels, preallocated outputs ---------------------------------


def test_values_equal_up_to_rounding_are_flat() -> None:
    """SYNTHETIC: two correlations equal in exact arithmetic (0.5) but one ulp apart are a flat window."""
    half = 0.5
    x = np.array([0.9, half, np.nextafter(half, 1.0), 0.3])
    _, std = rolling_mean_std(x, 2)
    z = rolling_zscore(x, 2)
    assert std[2] == 0.0 and np.isnan(z[2])
    assert std[1] > 0 and np.isfinite(z[1]) and std[3] > 0
    # flat iff max - min <= 4 * eps * max(|min|, |max|) (the rule in the docstrings): 7 ulps of 1e6 are
    # flat, 8 are not
    big = 1e6
    ulp = np.spacing(big)
    eps = np.finfo(np.float64).eps
    seen = set()
    for k in range(1, 12):
        _, s = rolling_mean_std(np.array([big, big + k * ulp]), 2)
        flat = k * ulp <= 4 * eps * (big + k * ulp)
        assert (s[1] == 0.0) == flat, k
        seen.add(flat)
    assert seen == {True, False}
    check_rolling(np.array([big, big + 7 * ulp, big + 8 * ulp, big, big + 9 * ulp]), 2, what="ulps")
    # expanding follows the same rule
    _, se = expanding_mean_std(np.array([half, np.nextafter(half, 1.0), half]), min_obs=2)
    assert (se[1:] == 0.0).all()


@pytest.mark.parametrize("n_cols", [1, 31, 33, 70])
def test_wide_panel_columns_match_single_series_bitwise(n_cols: int) -> None:
    """SYNTHETIC: columns are processed in tiles; NaN in one column must not change its neighbours' bits."""
    rng = np.random.default_rng(11)
    X = np.cumsum(rng.standard_normal((700, n_cols)), axis=0) + 50.0
    X[300:305, n_cols // 2] = np.nan  # one gappy column in the middle of a tile
    X[rng.random(X.shape) < 0.001] = np.nan
    mean2d, std2d = rolling_mean_std(X, 120, 100)
    z2d = rolling_zscore(X, 120, 100)
    ez2d = expanding_zscore(X, 50)
    for j in range(n_cols):
        m1, s1 = rolling_mean_std(X[:, j], 120, 100)
        np.testing.assert_array_equal(mean2d[:, j], m1)
        np.testing.assert_array_equal(std2d[:, j], s1)
        np.testing.assert_array_equal(z2d[:, j], rolling_zscore(X[:, j], 120, 100))
        np.testing.assert_array_equal(ez2d[:, j], expanding_zscore(X[:, j], 50))
    cols = [0, n_cols // 2, n_cols - 1]
    check_rolling(X[:, cols], 120, min_obs=100, what=f"wide {n_cols}")


def test_out_arrays_and_layouts() -> None:
    rng = np.random.default_rng(12)
    X = np.cumsum(rng.standard_normal((400, 5)), axis=0)
    X[rng.random(X.shape) < 0.02] = np.nan
    mean, std = rolling_mean_std(X, 60, 40)
    m_out, s_out = np.full_like(X, 7.0), np.full_like(X, 7.0)
    got = rolling_mean_std(X, 60, 40, out=(m_out, s_out))
    assert got[0] is m_out and got[1] is s_out
    np.testing.assert_array_equal(m_out, mean)
    np.testing.assert_array_equal(s_out, std)
    z_out = np.empty_like(X)
    assert rolling_zscore(X, 60, 40, out=z_out) is z_out
    np.testing.assert_array_equal(z_out, rolling_zscore(X, 60, 40))
    e_out = np.empty_like(X)
    np.testing.assert_array_equal(expanding_zscore(X, 30, out=e_out), expanding_zscore(X, 30))
    # Fortran-ordered and 1-D inputs give the same numbers
    np.testing.assert_array_equal(rolling_mean_std(np.asfortranarray(X), 60, 40)[1], std)
    one = np.empty(400)
    np.testing.assert_array_equal(rolling_zscore(X[:, 2], 60, 40, out=one), z_out[:, 2])
    with pytest.raises(ValueError, match="shape"):
        rolling_mean_std(X, 60, out=(np.empty((3, 3)), np.empty((3, 3))))
    with pytest.raises(ValueError, match="share memory"):
        rolling_mean_std(X, 60, out=(X, s_out))
    with pytest.raises(ValueError, match="share memory"):
        rolling_mean_std(X, 60, out=(m_out, m_out))
    with pytest.raises(ValueError, match="C-contiguous"):
        rolling_zscore(X, 60, out=np.empty((5, 400)).T)
    with pytest.raises(TypeError, match="float64"):
        rolling_zscore(X, 60, out=np.empty(X.shape, np.float32))  # type: ignore[arg-type]


def test_inf_rejected_anywhere_in_a_panel() -> None:
    X = np.zeros((50, 40))
    X[49, 37] = -np.inf  # last row, second tile: found by the kernel's own scan
    for call in (
        lambda: rolling_mean_std(X, 5),
        lambda: rolling_zscore(X, 5),
        lambda: expanding_mean_std(X),
        lambda: expanding_zscore(X, 2),
    ):
        with pytest.raises(ValueError, match="inf"):
            call()


def test_threaded_panel_with_block_long_gaps_matches_single_series() -> None:
    """SYNTHETIC: a panel big enough to be split over two threads (the second starting mid-panel), with
    a gap longer than a block in one column and the whole panel missing for a while: every column is
    bit-identical to its single-series result and matches the reference."""
    from stormwatch.kernels import get_num_threads, set_num_threads

    rng = np.random.default_rng(12)
    X = np.cumsum(rng.standard_normal((2100, 101)), axis=0) + 1e3
    X[500:700, 70] = np.nan  # longer than the window: whole blocks empty in one column
    X[1300:1310, :] = np.nan
    X[rng.random(X.shape) < 0.002] = np.nan
    X[900:1000, 3] = 7.25  # flat stretch
    before = get_num_threads()
    set_num_threads(2)
    try:
        mean2d, std2d = rolling_mean_std(X, 64, 40)
        z2d = rolling_zscore(X, 64, 40)
    finally:
        set_num_threads(before)
    for j in range(X.shape[1]):
        m1, s1 = rolling_mean_std(X[:, j], 64, 40)
        np.testing.assert_array_equal(mean2d[:, j], m1)
        np.testing.assert_array_equal(std2d[:, j], s1)
        np.testing.assert_array_equal(z2d[:, j], rolling_zscore(X[:, j], 64, 40))
    assert (std2d[963:1000, 3] == 0.0).all()
    check_rolling(X[:, [0, 3, 63, 64, 70, 100]], 64, min_obs=40, what="threaded")
