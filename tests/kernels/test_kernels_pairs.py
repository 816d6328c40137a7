"""``rolling_corr_summary`` (streamed all-pairs correlation, reduced per window) against naive references.

The reference forms every window's correlation matrix with exact centring
(``reference_panel.exact_corr``). The mean of the pair correlations is
compared in absolute terms at 1e-12; the share above the threshold and the
histogram must match exactly except for pairs whose exact correlation lies
within 1e-11 of the threshold or of a bin edge (the kernel's correlations
are exact to ~1e-14, so such a pair may fall on either side). Panels are
SYNTHETIC unless they come from ../shared/data/market.
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
from stormwatch.kernels import get_num_threads, rolling_avg_corr, set_num_threads
from stormwatch.kernels.correlation import rolling_corr_summary

ATOL = 1e-12


def check(X: np.ndarray, w: int, min_obs: int | None = None, threshold: float = 0.5, bins: int = 20,
          restart: int = 512, what: str = "") -> None:  # fmt: skip
    mo = w if min_obs is None else min_obs
    got = rolling_corr_summary(X, w, min_obs, threshold=threshold, bins=bins, restart=restart)
    exp = rp.Summary(X, w, mo, threshold, bins)
    ok_rows = exp.used >= 2
    np.testing.assert_array_equal(got.n_used[ok_rows], exp.used[ok_rows])
    ref.assert_matches(got.mean, exp.mean, ATOL, atol=1.0, what=f"{what} mean")
    share_err = np.abs(got.share_above - exp.share)[ok_rows] * (exp.used * (exp.used - 1) / 2)[ok_rows]
    assert (share_err <= exp.near_thr[ok_rows] + 1e-6).all(), f"{what}: share above differs"
    hist_err = np.abs(got.hist - exp.hist).sum(axis=1)
    bad = np.flatnonzero(hist_err > 2 * exp.near_edge)
    assert bad.size == 0, f"{what}: histogram differs at rows {bad[:5]}"
    assert (got.hist[~ok_rows] == 0).all()
    pairs = got.n_used * (got.n_used - 1) // 2
    np.testing.assert_array_equal(got.hist.sum(axis=1)[ok_rows], pairs[ok_rows])


@pytest.mark.parametrize("seed", [0, 1])
def test_summary_random(seed: int) -> None:
    X = synthetic_panel(700, 12, seed)  # SYNTHETIC one-factor panel
    rng = np.random.default_rng(seed)
    X[rng.random(X.shape) < 0.003] = np.nan
    check(X, 60, what=f"seed={seed}")
    check(X, 60, min_obs=20, threshold=0.3, bins=7, restart=50, what="min_obs=20, short restarts")


def test_summary_stress_panel() -> None:
    """Levels at 1e6, 1bp yields, a x30 burst then calm, a flat stale column, NaN gaps, short windows."""
    X = rp.stress_panel(3)
    check(X, 100, what="stress")
    check(X, 100, min_obs=10, restart=37, what="stress min_obs=10")
    res = rolling_corr_summary(X, 100)
    assert np.isnan(res.mean[:99]).all() and (res.n_used[:99] == 0).all()  # below min count
    assert res.n_used[400] == 7  # the stale column is out; the others are in
    # the burst leaving the window (rows 330..430) forces extra exact restarts beyond the schedule
    scheduled = 1 + -(-(X.shape[0] - 99) // 512)
    assert res.restarts > scheduled


def test_summary_real_markets() -> None:
    rets = rp.market_returns()
    if rets is None:
        pytest.skip("market data not found (CI lays ../shared beside the clone)")
    X = rets[-1500:]
    check(X, 250, threshold=0.3, what="world markets")
    check(X, 63, min_obs=40, restart=100, what="world markets, quarter windows")


def test_summary_mean_is_the_average_correlation() -> None:
    X = synthetic_panel(600, 40, 5)  # SYNTHETIC
    X[200:260, 7] = np.nan
    res = rolling_corr_summary(X, 120)
    avg = rolling_avg_corr(X, 120)
    ref.assert_matches(res.mean, avg.value, ATOL, atol=1.0, what="summary vs avg corr")
    np.testing.assert_array_equal(res.n_used, avg.n_used)


def test_summary_wide_panel_more_columns_than_rows() -> None:
    X = synthetic_panel(260, 90, 6)  # SYNTHETIC, N = 90 > W = 40
    check(X, 40, threshold=0.0, what="wide")


def test_summary_chunks_are_bit_identical() -> None:
    """A chunk starting at a multiple of ``restart`` gives the same bits from its row W-1 on."""
    X = synthetic_panel(1400, 15, 7)  # SYNTHETIC
    w, rs = 120, 200
    full = rolling_corr_summary(X, w, restart=rs)
    for start in (200, 600):
        part = rolling_corr_summary(X[start:], w, restart=rs)
        np.testing.assert_array_equal(part.mean[w - 1 :], full.mean[start + w - 1 :])
        np.testing.assert_array_equal(part.hist[w - 1 :], full.hist[start + w - 1 :])
        np.testing.assert_array_equal(part.share_above[w - 1 :], full.share_above[start + w - 1 :])
    # any other start: equal to rounding only
    part = rolling_corr_summary(X[137:], w, restart=rs)
    ref.assert_matches(part.mean[w - 1 :], full.mean[137 + w - 1 :], 1e-13, atol=1.0, what="shifted")
    # truncation never changes earlier rows
    cut = rolling_corr_summary(X[:777], w, restart=rs)
    np.testing.assert_array_equal(cut.mean, full.mean[:777])


def test_summary_threads_do_not_change_results() -> None:
    X = synthetic_panel(2000, 30, 8)  # SYNTHETIC
    before = get_num_threads()
    try:
        set_num_threads(1)
        one = rolling_corr_summary(X, 100, restart=300)
        set_num_threads(2)
        two = rolling_corr_summary(X, 100, restart=300)
    finally:
        set_num_threads(before)
    np.testing.assert_array_equal(one.mean, two.mean)
    np.testing.assert_array_equal(one.hist, two.hist)


def test_summary_quantiles_within_a_bin() -> None:
    X = synthetic_panel(400, 25, 9)  # SYNTHETIC
    res = rolling_corr_summary(X, 100, bins=40)
    q = np.array([0.1, 0.5, 0.9])
    got = res.quantiles(q)
    exp = rp.Summary(X, 100, 100, 0.5, 40)
    width = 2.0 / 40
    for t, r in exp.pairs.items():
        assert np.all(np.abs(got[t] - np.quantile(r, q)) <= width + 1e-12)
    assert np.isnan(got[:99]).all()
    with pytest.raises(ValueError):
        res.quantiles([1.5])


def test_summary_policy_and_validation() -> None:
    X = synthetic_panel(200, 3, 10)  # SYNTHETIC
    X[100:, 1] = 1.0  # flat from row 100
    X[150, 0] = np.nan
    res = rolling_corr_summary(X, 30)
    assert res.n_used[60] == 3 and res.n_used[140] == 2 and res.n_used[160] == 1
    assert np.isnan(res.mean[160]) and (res.hist[160] == 0).all()
    assert res.mean[140] == pytest.approx(np.corrcoef(X[111:141, [0, 2]], rowvar=False)[0, 1], abs=ATOL)
    for kwargs in ({"bins": 0}, {"bins": 101}, {"restart": 0}, {"threshold": float("nan")}):
        with pytest.raises(ValueError):
            rolling_corr_summary(X, 30, **kwargs)  # type: ignore[arg-type]
    empty = rolling_corr_summary(np.empty((0, 4)), 5)
    assert empty.mean.shape == (0,) and empty.hist.shape == (0, 20)


small_panels = hnp.arrays(
    np.float64,
    st.tuples(st.integers(2, 40), st.integers(1, 6)),
    # returns on a 1e-3 grid plus a repeated value: ties, flat columns and NaN are common
    elements=st.one_of(st.integers(-1000, 1000).map(lambda i: i / 1000), st.just(np.nan), st.just(0.25)),
)


@settings(max_examples=60, deadline=None)
@given(X=small_panels, w=st.integers(2, 10), data=st.data())
def test_summary_properties(X: np.ndarray, w: int, data: st.DataObject) -> None:
    """Tiny SYNTHETIC panels: reference agreement, truncation invariance, any restart interval."""
    mo = data.draw(st.integers(2, w))
    rs = data.draw(st.integers(1, 6))
    check(X, w, mo, threshold=0.2, bins=5, restart=rs, what="hypothesis")
    res = rolling_corr_summary(X, w, mo, restart=rs)
    cut = data.draw(st.integers(0, X.shape[0]))
    np.testing.assert_array_equal(rolling_corr_summary(X[:cut], w, mo, restart=rs).mean, res.mean[:cut])
