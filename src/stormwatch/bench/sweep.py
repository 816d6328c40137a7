"""Benchmarks of the signal sweep (numba kernel vs naive pandas) and a helper for Dask scaling runs.

SYNTHETIC data only: random-walk indicator levels (cumulated
:func:`~stormwatch.bench._core.synthetic_panel` returns) and a synthetic
forward-drawdown label (:func:`synthetic_target`). Baselines are timed in
the same process right after the kernel (best of ``repeat``), so ratios
compare like with like.

:func:`bench_dask_scaling` times the signal sweep and the universe
correlation read-out on LocalClusters of 1, 2, ... workers against the
local single-process path (:mod:`stormwatch.distributed`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from stormwatch.bench._core import Array, BenchResult, best_of, max_abs_diff, synthetic_panel
from stormwatch.distributed import dask_client, run_signal_sweep, run_universe_corr
from stormwatch.evaluation.signal_sweep import signal_sweep as frame_sweep
from stormwatch.kernels import get_num_threads, rolling_avg_corr, rolling_zscore, set_num_threads
from stormwatch.kernels.sweep import SweepCounts, signal_sweep

__all__ = [
    "bench_dask_scaling",
    "bench_scaling",
    "bench_signal_sweep",
    "naive_signal_sweep",
    "synthetic_target",
]


def synthetic_target(t: int, seed: int = 0, horizon: int = 20, drop: float = 0.05) -> Array:
    """A SYNTHETIC forward-drawdown label: 1.0 if a random-walk price falls ``drop`` within ``horizon`` days.

    The price is ``100 * exp(cumsum(0.012 * e))`` with standard normal ``e``
    from ``default_rng(seed + 10_000)``; the last ``horizon`` days are NaN
    (not known yet), as for a real forward label.
    """
    rng = np.random.default_rng(seed + 10_000)
    price = 100.0 * np.exp(np.cumsum(0.012 * rng.standard_normal(t)))
    out = np.full(t, np.nan)
    if t > horizon:
        fut = sliding_window_view(price[1:], horizon).min(axis=1)
        out[: t - horizon] = (fut <= price[: t - horizon] * (1.0 - drop)).astype(np.float64)
    return out


def naive_signal_sweep(
    x: Array, y: Array, windows: Sequence[int], thresholds: Array, pairs: Sequence[tuple[int, int]]
) -> SweepCounts:
    """The sweep the obvious pandas way, for the given (series, window-index) pairs only.

    Per pair: a pandas rolling z-score ``(x - rolling mean) / rolling std``;
    per threshold a boolean comparison and four counts; the AUROC from
    pandas average ranks, ``(R_pos - P(P+1)/2) / (P N)``. Days count where
    the z-score and the label are finite (as in the kernel).

    Returns
    -------
    SweepCounts
        Leading axis: the pairs, in order.
    """
    lab = pd.Series(y)
    th = np.asarray(thresholds, dtype=np.float64)
    k = len(pairs)
    out = SweepCounts(
        np.full(k, np.nan), np.zeros(k, np.int64), np.zeros(k, np.int64),
        np.zeros((k, th.size), np.int64), np.zeros((k, th.size), np.int64),
    )  # fmt: skip
    for i, (s, wi) in enumerate(pairs):
        col = pd.Series(x[:, s])
        roll = col.rolling(windows[wi])
        z = (col - roll.mean()) / roll.std()
        known = np.isfinite(z) & lab.notna()
        zk, yk = z[known], lab[known]
        is_pos = yk == 1.0
        p, n = int(is_pos.sum()), int((~is_pos).sum())
        out.n_pos[i], out.n_neg[i] = p, n
        for j, h in enumerate(th):
            alarm = zk >= h
            out.hits[i, j] = int((alarm & is_pos).sum())
            out.false_alarms[i, j] = int((alarm & ~is_pos).sum())
        if p and n:
            out.auroc[i] = (zk.rank()[is_pos].sum() - p * (p + 1) / 2.0) / (p * n)
    return out


def _diff(got: SweepCounts, ref: SweepCounts) -> float:
    """Largest AUROC difference; inf if any count differs (counts must match exactly)."""
    for a, b in zip(got[1:], ref[1:], strict=True):
        if not np.array_equal(a, b):
            return math.inf
    if not np.array_equal(np.isnan(got.auroc), np.isnan(ref.auroc)):
        return math.inf
    both = np.isfinite(got.auroc)
    return float(np.max(np.abs(got.auroc[both] - ref.auroc[both]), initial=0.0))


def bench_signal_sweep(
    t: int = 5000,
    n_series: int = 100,
    windows: Sequence[int] | None = None,
    n_thresholds: int = 100,
    repeat: int = 3,
    budget: float = 20.0,
    seed: int = 0,
) -> BenchResult:
    """The signal sweep kernel vs :func:`naive_signal_sweep`, plus the sort floor.

    Defaults: T=5,000, 100 series x 40 windows (20..410) x 100 thresholds
    = 400,000 configurations. The naive baseline is timed on every pair if
    its repeats fit in ``budget`` seconds, otherwise on an evenly strided
    subset of the (series, window) pairs (all thresholds each) and scaled
    linearly by the pair count (its cost per pair is the same for every
    pair); ``baseline_note`` says which. Correctness is checked on the
    pairs the baseline computed: counts exactly, AUROC within 1e-12.

    Bound: ``np.sort`` of every (series, window) z-score vector (the one
    sort per vector the method needs), timed on the real z-scores. Target
    (the issue's): at least 50x the naive baseline.
    """
    ws = list(windows) if windows is not None else list(range(20, 420, 10))
    th = np.linspace(-3.0, 3.0, n_thresholds)
    x = np.cumsum(synthetic_panel(t, n_series, seed), axis=0)
    y = synthetic_target(t, seed)
    signal_sweep(x[:50, :2], y[:50], [5], th)  # numba compile outside the clock
    got = signal_sweep(x, y, ws, th)
    secs = best_of(lambda: signal_sweep(x, y, ws, th), repeat)
    all_pairs = [(s, wi) for s in range(n_series) for wi in range(len(ws))]
    probe = all_pairs[:: max(1, len(all_pairs) // 8)][:8]
    per_pair = best_of(lambda: naive_signal_sweep(x, y, ws, th, probe), 1) / len(probe)
    if per_pair * len(all_pairs) * repeat <= budget:
        sub = all_pairs
    else:
        k = max(len(probe), int(budget / (repeat * per_pair)))
        sub = all_pairs[:: math.ceil(len(all_pairs) / k)]
    ref = naive_signal_sweep(x, y, ws, th, sub)
    idx_s = np.array([s for s, _ in sub])
    idx_w = np.array([w for _, w in sub])
    picked = SweepCounts(*(a[idx_s, idx_w] for a in got))
    diff = _diff(picked, ref)
    base_secs = best_of(lambda: naive_signal_sweep(x, y, ws, th, sub), repeat) * len(all_pairs) / len(sub)
    if len(sub) == len(all_pairs):
        note = "measured"
    else:
        note = (
            f"EXTRAPOLATED: pandas timed on {len(sub):,} of the {len(all_pairs):,} (series, window) pairs "
            f"(every {math.ceil(len(all_pairs) / len(sub))}th, all {th.size} thresholds each) and scaled "
            f"by {len(all_pairs) / len(sub):.2f}; checked on those pairs"
        )
    zs = [np.ascontiguousarray(rolling_zscore(x, w).T) for w in ws[:: max(1, len(ws) // 4)]]
    per_z = best_of(lambda: [np.sort(z, axis=1) for z in zs], repeat) / len(zs)
    floor = per_z * len(ws)
    bound_note = f"np.sort of all {len(all_pairs):,} z-score vectors (T={t:,}), timed on {len(zs)} windows"
    configs = len(all_pairs) * th.size
    return BenchResult(
        f"signal_sweep ({n_series} series x {len(ws)} windows x {th.size} thresholds = {configs:,} configs)",
        n_series, t, max(ws), secs, "naive pandas: rolling z-score, per-threshold comparisons, rank AUROC",
        base_secs, note, bound_note, floor, diff, 1e-12, target_speedup=50.0,
    )  # fmt: skip


def bench_scaling(
    kernel: str,
    n: int,
    t: int,
    window: int,
    seconds: float,
    local_seconds: float,
    diff: float,
    note: str,
    tolerance: float = 0.0,
    extra: dict[str, Any] | None = None,
) -> BenchResult:
    """A distributed run timed against the local single-process path (``speedup`` = local / distributed).

    ``diff`` is the largest difference from the local result (0.0 when
    identical, ``inf`` when the results differ in shape or NaN pattern); the
    result is ``matched`` when ``diff <= tolerance``. ``extra`` carries other
    timings (e.g. the local path on one kernel thread).
    """
    return BenchResult(
        kernel, n, t, window, seconds, "local single process (kernel threads: all CPUs)", local_seconds,
        note, None, None, diff, tolerance, extra=extra,
    )  # fmt: skip


def bench_dask_scaling(
    *,
    workers: Sequence[int] = (1, 2),
    sweep_series: int = 100,
    sweep_windows: Sequence[int] | None = None,
    sweep_thresholds: int = 100,
    universe_n: int = 2000,
    t: int = 5000,
    corr_window: int = 60,
    repeat: int = 2,
    processes: bool = True,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[BenchResult]:
    """Time the signal sweep and the universe read-out on LocalClusters of each size vs this process.

    The baseline is the local single-process path (this process, kernel
    threads as set here: all CPUs by default); the measured run is the same
    work on a LocalCluster of ``w`` worker processes with one task thread
    and one kernel thread each, started before the clock runs (the timings
    include scattering the inputs, the tasks and gathering the results).
    SYNTHETIC data: :func:`stormwatch.bench._core.synthetic_panel`.

    Returns
    -------
    list of BenchResult
        Per worker count: the signal sweep, then the universe read-out;
        ``speedup`` = local seconds / Dask seconds; ``max_abs_diff`` from
        the local result (the sweep must be identical, the read-out within 1e-12).
    """
    say = progress or (lambda _m: None)
    ws = list(sweep_windows) if sweep_windows is not None else list(range(20, 420, 10))
    th = np.linspace(-3.0, 3.0, sweep_thresholds)
    levels = np.cumsum(synthetic_panel(t, sweep_series, seed), axis=0)
    panel = pd.DataFrame(levels, columns=[f"s{i:04d}" for i in range(sweep_series)])
    y = synthetic_target(t, seed)
    universe = synthetic_panel(t, universe_n, seed + 1)
    say("local signal sweep")
    frame_sweep(panel.iloc[:50, :2], y[:50], [5], th)  # compile outside the clock
    ref_sweep = frame_sweep(panel, y, ws, th)
    say("local universe read-out")
    ref_corr = rolling_avg_corr(universe, corr_window).value
    local_sweep = best_of(lambda: frame_sweep(panel, y, ws, th), repeat)
    local_corr = best_of(lambda: rolling_avg_corr(universe, corr_window), repeat)
    threads = get_num_threads()
    set_num_threads(1)  # what one core does: the per-worker reference for the scaling
    try:
        one_sweep = best_of(lambda: frame_sweep(panel, y, ws, th), repeat)
        one_corr = best_of(lambda: rolling_avg_corr(universe, corr_window), repeat)
    finally:
        set_num_threads(threads)
    configs = sweep_series * len(ws) * th.size
    out: list[BenchResult] = []
    for w in workers:
        say(f"LocalCluster with {w} worker(s)")
        with dask_client(n_workers=w, processes=processes) as client:
            # warm every worker (numba compile / cache load) before timing
            run_signal_sweep(panel.iloc[:, : 2 * w], y, ws[:1], th, client=client, chunks=2 * w)
            run_universe_corr(universe[: 4 * corr_window, :4], corr_window, client=client, chunks=2 * w)

            def dsweep(c: Any = client) -> pd.DataFrame:
                return run_signal_sweep(panel, y, ws, th, client=c)

            def dcorr(c: Any = client) -> Array:
                return run_universe_corr(universe, corr_window, client=c).value

            note = (
                f"LocalCluster {w} worker process(es) x 1 thread, kernel threads 1, 4 chunks per worker; "
                f"local path with {threads} kernel thread(s); cluster start-up not timed"
            )
            got = dsweep()
            diff = 0.0 if got.equals(ref_sweep) else float("inf")
            out.append(
                bench_scaling(
                    f"signal_sweep on Dask, {w} worker(s) ({configs:,} configs)", sweep_series, t, max(ws),
                    best_of(dsweep, repeat), local_sweep, diff, note,
                    extra={"local_one_thread_seconds": one_sweep, "kernel_threads_local": threads},
                )
            )  # fmt: skip
            out.append(
                bench_scaling(
                    f"universe rolling_avg_corr on Dask, {w} worker(s)", universe_n, t, corr_window,
                    best_of(dcorr, repeat), local_corr, max_abs_diff(dcorr(), ref_corr), note,
                    tolerance=1e-12,
                    extra={"local_one_thread_seconds": one_corr, "kernel_threads_local": threads},
                )
            )  # fmt: skip
    return out
