"""Benchmarks of :mod:`stormwatch.kernels` against their pandas / numpy-loop baselines, in one run.

Every measurement here is taken on SYNTHETIC random data (a one-factor
Gaussian returns panel from a seeded generator) and every baseline is timed
in the same process, right after its kernel, so the ratios compare like with
like on whatever machine runs them. Each result also carries the largest
absolute difference between the kernel and its baseline, checked against a
tolerance: the ``--quick`` smoke run is a correctness test, not a timing one.

Timing: best of ``repeat`` (default 3) :func:`time.perf_counter` runs; every
kernel is run once on a tiny input first so numba's compile time is
excluded. A baseline that would take more than about ``budget`` seconds
(default 20) for all its repeats is timed on a subset of the windows and
extrapolated linearly; its ``baseline_note`` says so and how.

Bounds: the rolling moments are compared with a memory-bandwidth bound (a
numpy triad ``a = b + s*c`` over arrays of the same size, timed in the same
run), the absorption ratio with its LAPACK floor (one ``eigvalsh`` of a fixed
N x N symmetric matrix per window, timed in the same run).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from stormwatch import kernels
from stormwatch.bench._core import (
    DATA_NOTE,
    TIMING_NOTE,
    Array,
    BenchResult,
    Sizes,
    best_of,
    max_abs_diff,
    rel_tol,
    strided_loop,
    synthetic_panel,
    triad_bound,
)

__all__ = [
    "DATA_NOTE",
    "TIMING_NOTE",
    "BenchResult",
    "Sizes",
    "bench_absorption_ratio",
    "bench_avg_corr",
    "bench_rolling_corr",
    "bench_rolling_moments",
    "bench_turbulence",
    "best_of",
    "results_frame",
    "run_bench",
    "synthetic_panel",
    "warm_kernels",
]


def warm_kernels() -> None:
    """Run every benchmarked kernel once on a tiny input so numba compiles outside the timings."""
    x = synthetic_panel(40, 4, seed=99)
    kernels.rolling_mean_std(x, 10)
    kernels.rolling_corr(x[:, 0], x[:, 1], 10)
    kernels.rolling_avg_corr(x, 10)
    kernels.absorption_ratio(x, 10)
    kernels.turbulence(x, 10)


def bench_rolling_moments(x: Array, window: int, repeat: int = 3) -> BenchResult:
    """``rolling_mean_std`` vs pandas ``rolling().mean()`` and ``.std()`` on the same panel.

    Bound: reading ``x`` and writing mean and std (3 arrays of ``x.size``) at
    the bandwidth a numpy triad reaches in this run.
    """
    t, n = x.shape
    frame = pd.DataFrame(x)
    mean, std = kernels.rolling_mean_std(x, window)
    rolled = frame.rolling(window)
    ref_mean = rolled.mean().to_numpy()
    ref_std = rolled.std().to_numpy()
    diff = max(max_abs_diff(mean, ref_mean), max_abs_diff(std, ref_std))
    tol = 1e-9 * max(rel_tol(1.0, ref_mean), rel_tol(1.0, ref_std))
    secs = best_of(lambda: kernels.rolling_mean_std(x, window), repeat)

    def base() -> None:
        r = frame.rolling(window)
        r.mean()
        r.std()

    base_secs = best_of(base, repeat)
    bound, bound_note = triad_bound(x.size, 3, repeat)
    return BenchResult(
        "rolling_mean_std", n, t, window, secs, "pandas rolling().mean() + .std()", base_secs,
        "measured", bound_note, bound, diff, tol,
    )  # fmt: skip


def bench_rolling_corr(x: Array, y: Array, window: int, repeat: int = 3) -> BenchResult:
    """``rolling_corr`` of two series vs pandas ``Series.rolling().corr(other)``."""
    sx, sy = pd.Series(x), pd.Series(y)
    got = kernels.rolling_corr(x, y, window)
    ref = sx.rolling(window).corr(sy).to_numpy()
    diff = max_abs_diff(got, ref)
    secs = best_of(lambda: kernels.rolling_corr(x, y, window), repeat)
    base_secs = best_of(lambda: sx.rolling(window).corr(sy), repeat)
    return BenchResult(
        "rolling_corr", 2, x.size, window, secs, "pandas Series.rolling().corr()", base_secs,
        "measured", None, None, diff, 1e-9,
    )  # fmt: skip


def _pandas_avg_corr(x: Array, window: int) -> Array:
    n = x.shape[1]
    c = pd.DataFrame(x).rolling(window).corr().to_numpy().reshape(x.shape[0], n, n)
    total = c.sum(axis=(1, 2))
    return np.asarray((total - np.trace(c, axis1=1, axis2=2)) / (n * (n - 1)), dtype=np.float64)


def bench_avg_corr(x: Array, window: int, repeat: int = 3, budget: float = 20.0) -> BenchResult:
    """``rolling_avg_corr`` vs pandas all-pairs ``DataFrame.rolling().corr()`` averaged off the diagonal.

    pandas forms every pair (and a T*N x N frame); if the full baseline would
    take more than ``budget`` seconds over its repeats it is timed on the
    first ``W + 50`` and ``W + 250`` rows and extrapolated linearly in rows
    to T (the per-pair fixed cost is the intercept). Correctness is checked
    on the rows pandas computed.
    """
    t, n = x.shape
    got = kernels.rolling_avg_corr(x, window).value
    secs = best_of(lambda: kernels.rolling_avg_corr(x, window), repeat)
    l1, l2 = min(t, window + 50), min(t, window + 250)
    t1 = best_of(lambda: _pandas_avg_corr(x[:l1], window), 1)
    t2 = best_of(lambda: _pandas_avg_corr(x[:l2], window), 1)
    slope = (t2 - t1) / (l2 - l1) if l2 > l1 else t1 / max(l1, 1)
    estimate = t1 + slope * (t - l1)
    if estimate * repeat <= budget or l2 >= t:
        ref = _pandas_avg_corr(x, window)
        diff = max_abs_diff(got, ref)
        base_secs = best_of(lambda: _pandas_avg_corr(x, window), repeat)
        note = "measured"
    else:
        ref = _pandas_avg_corr(x[:l2], window)
        diff = max_abs_diff(got[:l2], ref)
        t1 = best_of(lambda: _pandas_avg_corr(x[:l1], window), repeat)
        t2 = best_of(lambda: _pandas_avg_corr(x[:l2], window), repeat)
        # noise can make t2 < t1; pandas' cost never falls with more rows
        slope = max(0.0, (t2 - t1) / (l2 - l1))
        base_secs = max(t1, t2) + slope * (t - l2)
        note = (
            f"EXTRAPOLATED: pandas timed on the first {l1:,} and {l2:,} rows "
            f"({t1:.3f} s, {t2:.3f} s) and extended linearly to {t:,} rows; checked on {l2:,} rows"
        )
    return BenchResult(
        "rolling_avg_corr", n, t, window, secs, "pandas rolling().corr() all pairs, off-diagonal mean",
        base_secs, note, None, None, diff, 1e-9,
    )  # fmt: skip


def bench_absorption_ratio(x: Array, window: int, repeat: int = 3, budget: float = 20.0) -> BenchResult:
    """``absorption_ratio`` vs a loop of ``np.cov`` + ``np.linalg.eigvalsh`` per window.

    Floor: one ``eigvalsh`` of a fixed N x N symmetric matrix per window
    (the LAPACK work the kernel cannot avoid), timed in the same run.
    """
    t, n = x.shape
    k = math.ceil(n / 5)
    got = kernels.absorption_ratio(x, window).value
    secs = best_of(lambda: kernels.absorption_ratio(x, window), repeat)

    def one(e: int) -> float:
        ev = np.linalg.eigvalsh(np.cov(x[e - window + 1 : e + 1].T))
        return float(ev[-k:].sum() / ev.sum())

    ends = np.arange(window - 1, t, dtype=np.int64)
    vals, sub, base_secs, note = strided_loop(one, ends, repeat, budget)
    diff = max_abs_diff(got[sub], vals)
    sym = np.cov(x[:window].T)
    calls = ends.size

    def floor() -> None:
        for _ in range(calls):
            np.linalg.eigvalsh(sym)

    floor_secs = best_of(floor, repeat)
    bound_note = f"LAPACK floor: {calls:,} calls of np.linalg.eigvalsh on one fixed {n}x{n} symmetric matrix"
    return BenchResult(
        "absorption_ratio", n, t, window, secs, "loop: np.cov + np.linalg.eigvalsh per window",
        base_secs, note, bound_note, floor_secs, diff, 1e-10,
    )  # fmt: skip


def bench_turbulence(x: Array, window: int, repeat: int = 3, budget: float = 20.0) -> BenchResult:
    """``turbulence`` vs a loop of ``np.cov`` + ``np.linalg.inv`` per row (same ridge)."""
    t, n = x.shape
    ridge = 1e-8
    got = kernels.turbulence(x, window, ridge=ridge).value
    secs = best_of(lambda: kernels.turbulence(x, window, ridge=ridge), repeat)
    eye = np.eye(n)

    def one(target: int) -> float:
        hist = x[target - window : target]
        cov = np.cov(hist.T)
        cov += eye * (ridge * np.trace(cov) / n)
        dev = x[target] - hist.mean(axis=0)
        return float(dev @ np.linalg.inv(cov) @ dev)

    ends = np.arange(window, t, dtype=np.int64)
    vals, sub, base_secs, note = strided_loop(one, ends, repeat, budget)
    diff = max_abs_diff(got[sub], vals)
    return BenchResult(
        "turbulence", n, t, window, secs, "loop: np.cov + np.linalg.inv per row", base_secs, note,
        None, None, diff, rel_tol(1e-8, vals),
    )  # fmt: skip


def run_bench(
    sizes: Sizes,
    *,
    repeat: int = 3,
    budget: float = 20.0,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[BenchResult]:
    """Warm the kernels, then measure every kernel and its baseline at ``sizes``.

    Parameters
    ----------
    sizes : Sizes
        :meth:`Sizes.full` or :meth:`Sizes.quick`.
    repeat : int, default 3
        Timed runs per measurement (the best is kept).
    budget : float, default 20
        Seconds above which a slow baseline is timed on a subset and extrapolated.
    seed : int, default 0
        Seed of the synthetic data.
    progress : callable, optional
        Called with the name of each benchmark before it runs.

    Returns
    -------
    list of BenchResult
        In the order: rolling moments (one per ``sizes.moments_n``), rolling
        correlation, average correlation, absorption ratio, turbulence.
    """
    say = progress or (lambda _name: None)
    warm_kernels()
    out: list[BenchResult] = []
    for n in sizes.moments_n:
        say(f"rolling_mean_std N={n}")
        out.append(bench_rolling_moments(synthetic_panel(sizes.t, n, seed), sizes.window, repeat))
    say("rolling_corr")
    pair = synthetic_panel(sizes.t, 2, seed)
    out.append(
        bench_rolling_corr(
            np.ascontiguousarray(pair[:, 0]), np.ascontiguousarray(pair[:, 1]), sizes.window, repeat
        )
    )
    panel = synthetic_panel(sizes.t, sizes.panel_n, seed)
    say("rolling_avg_corr")
    out.append(bench_avg_corr(panel, sizes.window, repeat, budget))
    say("absorption_ratio")
    out.append(bench_absorption_ratio(panel, sizes.window, repeat, budget))
    say("turbulence")
    out.append(bench_turbulence(panel, sizes.window, repeat, budget))
    return out


def results_frame(results: list[BenchResult]) -> pd.DataFrame:
    """The results as a frame, one row per benchmark, with ``speedup``, ``kernel_over_bound``, ``matched``."""
    return pd.DataFrame([r.to_dict() for r in results])
