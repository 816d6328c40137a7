"""Signal sweep kernel: one sort per score vector = brute-force counts and rank-sum AUROC, exactly."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stormwatch.bench.sweep import naive_signal_sweep, synthetic_target
from stormwatch.kernels import rolling_zscore
from stormwatch.kernels.sweep import score_sweep, signal_sweep

F64 = npt.NDArray[np.float64]


def brute(z: F64, y: F64, th: F64) -> tuple[float, int, int, list[int], list[int]]:
    """Counts by comparing every day with every threshold; AUROC by all (pos, neg) pairs."""
    known = np.isfinite(z) & np.isfinite(y)
    zp, zn = z[known & (y == 1.0)], z[known & (y == 0.0)]
    hits = [int((zp >= h).sum()) for h in th]
    fals = [int((zn >= h).sum()) for h in th]
    if zp.size and zn.size:
        u = (zp[:, None] > zn[None, :]).sum() + 0.5 * (zp[:, None] == zn[None, :]).sum()
        auc = float(u / (zp.size * zn.size))
    else:
        auc = float("nan")
    return auc, zp.size, zn.size, hits, fals


def rank_auroc(z: F64, y: F64) -> float:
    """The textbook rank-sum (Mann-Whitney) AUROC with pandas average ranks."""
    known = np.isfinite(z) & np.isfinite(y)
    s, lab = pd.Series(z[known]), y[known]
    p, n = int((lab == 1).sum()), int((lab == 0).sum())
    return float((s.rank()[lab == 1].sum() - p * (p + 1) / 2) / (p * n))


@settings(max_examples=150, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.one_of(st.integers(-4, 4).map(float), st.just(float("nan"))),  # ties are common
            st.sampled_from([0.0, 1.0, float("nan")]),
        ),
        min_size=0,
        max_size=60,
    ),
    th=st.lists(st.integers(-5, 5).map(lambda v: v / 2), min_size=1, max_size=6),
)
def test_score_sweep_equals_brute_force_with_ties_and_nan(
    data: list[tuple[float, float]], th: list[float]
) -> None:
    z = np.array([d[0] for d in data], dtype=np.float64)
    y = np.array([d[1] for d in data], dtype=np.float64)
    thr = np.array(th)
    res = score_sweep(z, y, thr)
    auc, p, n, hits, fals = brute(z, y, thr)
    assert (int(res.n_pos), int(res.n_neg)) == (p, n)
    assert res.hits.tolist() == hits
    assert res.false_alarms.tolist() == fals
    if np.isnan(auc):
        assert np.isnan(res.auroc)
    else:
        assert float(res.auroc) == auc  # U is exact: the same correctly rounded quotient


def test_auroc_matches_rank_sum_and_is_half_for_all_ties() -> None:
    rng = np.random.default_rng(3)
    z = np.round(rng.standard_normal(2000), 1)  # SYNTHETIC, many ties
    y = (rng.random(2000) < 0.2).astype(float)
    assert abs(float(score_sweep(z, y, [0.0]).auroc) - rank_auroc(z, y)) <= 1e-12
    flat = score_sweep(np.ones(10), np.r_[np.ones(5), np.zeros(5)], [1.0])
    assert float(flat.auroc) == 0.5
    assert flat.hits.tolist() == [5] and flat.false_alarms.tolist() == [5]  # z >= h includes equality


def test_perfect_and_reversed_scores() -> None:
    y = np.r_[np.zeros(50), np.ones(50)]
    z = np.arange(100.0)
    assert float(score_sweep(z, y, [0.0]).auroc) == 1.0
    assert float(score_sweep(-z, y, [0.0]).auroc) == 0.0
    one_class = score_sweep(z, np.ones(100), [0.0])
    assert np.isnan(one_class.auroc) and int(one_class.n_neg) == 0


def test_threshold_order_is_kept() -> None:
    rng = np.random.default_rng(4)
    z, y = rng.standard_normal(300), (rng.random(300) < 0.3).astype(float)
    th = np.array([1.0, -2.0, 0.5, 0.0])
    got = score_sweep(z, y, th)
    order = np.argsort(th)
    np.testing.assert_array_equal(got.hits[order], score_sweep(z, y, th[order]).hits)
    assert got.hits[1] >= got.hits[3] >= got.hits[2] >= got.hits[0]


def test_signal_sweep_is_score_sweep_of_each_zscore() -> None:
    x = np.cumsum(np.random.default_rng(5).standard_normal((800, 4)), axis=0)  # SYNTHETIC
    x[100:140, 2] = np.nan
    y = synthetic_target(800, seed=5)
    ws, th = [10, 37, 120], np.linspace(-2, 2, 9)
    res = signal_sweep(x, y, ws, th)
    assert res.auroc.shape == (4, 3) and res.hits.shape == (4, 3, 9)
    for k, w in enumerate(ws):
        one = score_sweep(rolling_zscore(x, w), y, th)
        np.testing.assert_array_equal(res.hits[:, k], one.hits)
        np.testing.assert_array_equal(res.false_alarms[:, k], one.false_alarms)
        np.testing.assert_array_equal(res.n_pos[:, k], one.n_pos)
        np.testing.assert_array_equal(res.auroc[:, k], one.auroc)
    # a series' numbers do not depend on the other columns
    sub = signal_sweep(x[:, 2:], y, ws, th)
    np.testing.assert_array_equal(sub.hits, res.hits[2:])
    np.testing.assert_array_equal(sub.auroc, res.auroc[2:])


def test_signal_sweep_matches_naive_pandas() -> None:
    x = np.cumsum(np.random.default_rng(6).standard_normal((1500, 5)), axis=0)  # SYNTHETIC levels
    y = synthetic_target(1500, seed=6)
    ws, th = [20, 63, 250], np.linspace(-3, 3, 25)
    res = signal_sweep(x, y, ws, th)
    pairs = [(s, k) for s in range(5) for k in range(3)]
    ref = naive_signal_sweep(x, y, ws, th, pairs)
    ss, kk = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    np.testing.assert_array_equal(res.hits[ss, kk], ref.hits)
    np.testing.assert_array_equal(res.false_alarms[ss, kk], ref.false_alarms)
    np.testing.assert_array_equal(res.n_pos[ss, kk], ref.n_pos)
    np.testing.assert_array_equal(res.n_neg[ss, kk], ref.n_neg)
    np.testing.assert_allclose(res.auroc[ss, kk], ref.auroc, rtol=0, atol=1e-12)


def test_real_vix_against_a_real_spx_drawdown_label(market_series) -> None:  # type: ignore[no-untyped-def]
    """Real data (VIX and S&P 500 closes on their own dates): kernel = brute force on its z-scores."""
    vix, spx = market_series("VIX")[-3000:], market_series("SP500")[-3000:]
    n = min(vix.size, spx.size)
    vix, spx = vix[-n:], spx[-n:]
    fut = np.array([np.nanmin(spx[t + 1 : t + 21]) if t + 21 <= n else np.nan for t in range(n)])
    y = np.where(np.isnan(fut) | np.isnan(spx), np.nan, (fut <= 0.95 * spx).astype(float))
    th = np.array([-1.0, 0.0, 1.0, 2.0])
    res = signal_sweep(vix.reshape(-1, 1), y, [60], th)
    auc, p, _, hits, fals = brute(rolling_zscore(vix, 60), y, th)
    assert res.hits[0, 0].tolist() == hits and res.false_alarms[0, 0].tolist() == fals
    assert int(res.n_pos[0, 0]) == p > 0
    assert float(res.auroc[0, 0]) == auc


@pytest.mark.parametrize(
    ("y", "th", "ws", "msg"),
    [
        (np.full(50, 2.0), [0.0], [5], "target values"),
        (np.zeros(49), [0.0], [5], "target must be 1-D"),
        (np.zeros(50), [np.inf], [5], "thresholds"),
        (np.zeros(50), [], [5], "thresholds"),
        (np.zeros(50), [0.0], [], "windows"),
        (np.zeros(50), [0.0], [1], "window must be >= 2"),
    ],
)
def test_bad_arguments_raise(y: F64, th: list[float], ws: list[int], msg: str) -> None:
    with pytest.raises(ValueError, match=msg):
        signal_sweep(np.zeros((50, 2)), y, ws, th)
