"""Benchmarks of the panel kernels (average correlation, all-pairs summary, absorption ratio, turbulence).

Same rules as :mod:`stormwatch.bench`: SYNTHETIC data from
:func:`stormwatch.bench._core.synthetic_panel`, numba compiled before any
timing, best of ``repeat`` runs, every baseline and bound timed in the same
process right after its kernel, and a baseline that would take more than
``budget`` seconds timed on a subset and extrapolated (``baseline_note``
says how). Each result carries the largest difference between the kernel
and its baseline on the windows the baseline computed.

Run ``python -m stormwatch.bench.panel`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from stormwatch import kernels
from stormwatch.bench._core import (
    Array,
    BenchResult,
    best_of,
    max_abs_diff,
    rel_tol,
    strided_loop,
    synthetic_panel,
)
from stormwatch.kernels._blas import one_blas_thread
from stormwatch.kernels.correlation import rolling_corr_summary

__all__ = [
    "bench_absorption_ratio",
    "bench_avg_corr",
    "bench_corr_summary",
    "bench_turbulence",
    "run_panel_bench",
    "warm_panel_kernels",
]


def warm_panel_kernels() -> None:
    """Run every panel kernel once on a tiny SYNTHETIC input so numba compiles outside the timings."""
    x = synthetic_panel(60, 5, seed=99)
    kernels.rolling_avg_corr(x, 10)
    rolling_corr_summary(x, 10)
    kernels.absorption_ratio(x, 10)
    kernels.turbulence(x, 10)


def _pandas_avg_corr(x: Array, window: int) -> Array:
    n = x.shape[1]
    c = pd.DataFrame(x).rolling(window).corr().to_numpy().reshape(x.shape[0], n, n)
    total = c.sum(axis=(1, 2))
    return np.asarray((total - np.trace(c, axis1=1, axis2=2)) / (n * (n - 1)), dtype=np.float64)


def _pandas_extrapolated(x: Array, window: int, repeat: int) -> tuple[float, int, float, float, int]:
    """pandas all-pairs time on the first ``W+50`` and ``W+250`` rows, extended linearly to all rows.

    Returns (seconds, l1, t1, t2, l2).
    """
    t = x.shape[0]
    l1, l2 = min(t, window + 50), min(t, window + 250)
    t1 = best_of(lambda: _pandas_avg_corr(x[:l1], window), repeat)
    t2 = best_of(lambda: _pandas_avg_corr(x[:l2], window), repeat)
    # noise can make t2 < t1; pandas' cost never falls with more rows
    slope = max(0.0, (t2 - t1) / (l2 - l1)) if l2 > l1 else t1 / max(l1, 1)
    return max(t1, t2) + slope * (t - l2), l1, t1, t2, l2


def _gemm_rate(repeat: int) -> float:
    """Flop/s of one BLAS thread on a (256 x 512) @ (512 x 512) product, timed now."""
    a = np.random.default_rng(0).standard_normal((256, 512))
    b = np.random.default_rng(1).standard_normal((512, 512))
    with one_blas_thread():
        a @ b
        secs = best_of(lambda: a @ b, max(repeat, 5))
    return 2.0 * 256 * 512 * 512 / secs


def bench_avg_corr(x: Array, window: int, repeat: int = 3, budget: float = 20.0) -> BenchResult:
    """``rolling_avg_corr`` vs pandas all pairs (N <= 200) or a per-window ``np.corrcoef`` loop.

    Baseline: for N <= 200 pandas ``DataFrame.rolling().corr()`` (every
    pair, then the off-diagonal mean), always run in full (its cost is
    mostly per pair, so a short-panel extrapolation would be unreliable),
    best of as many of ``repeat`` runs as fit the budget. For larger N
    pandas would hold T*N*N doubles (20 GB at N=500), so the baseline is a
    loop of ``np.corrcoef`` per window (timed on every k-th window and
    extrapolated if over budget).

    Bound: the useful flops, ``2 W N`` per window (one weighted sum per row
    of the window), at the rate one BLAS thread reaches on a GEMM now.
    """
    t, n = x.shape
    got = kernels.rolling_avg_corr(x, window).value
    secs = best_of(lambda: kernels.rolling_avg_corr(x, window), repeat)
    if n <= 200:
        # pandas' cost is mostly per pair, not per row, so a short-panel extrapolation is unreliable:
        # always run it in full, fewer times if the repeats would exceed the budget
        t0 = time.perf_counter()
        ref = _pandas_avg_corr(x, window)
        first = time.perf_counter() - t0
        diff = max_abs_diff(got, ref)
        reps = max(0, min(repeat, int(budget // max(first, 1e-9))) - 1)
        base_secs = min(first, best_of(lambda: _pandas_avg_corr(x, window), reps)) if reps else first
        note = f"measured, best of {reps + 1}"
        baseline = "pandas rolling().corr() all pairs, off-diagonal mean"
    else:

        def one(e: int) -> float:
            c = np.corrcoef(x[e - window + 1 : e + 1], rowvar=False)
            return float((c.sum() - n) / (n * (n - 1)))

        ends = np.arange(window - 1, t, dtype=np.int64)
        vals, sub, base_secs, note = strided_loop(one, ends, repeat, budget)
        diff = max_abs_diff(got[sub], vals)
        note = f"pandas infeasible (T*N*N = {t * n * n * 8 / 1e9:.0f} GB); {note}"
        baseline = "loop: np.corrcoef per window, off-diagonal mean"
    rate = _gemm_rate(repeat)
    bound = 2.0 * window * n * (t - window + 1) / rate
    bound_note = (
        f"flop bound: 2*W*N flops per window at {rate / 1e9:.0f} GFLOP/s "
        "(one BLAS thread on a 256x512x512 GEMM, timed now)"
    )
    return BenchResult(
        "rolling_avg_corr", n, t, window, secs, baseline, base_secs, note, bound_note, bound, diff, 1e-9,
    )  # fmt: skip


def bench_corr_summary(x: Array, window: int, repeat: int = 3, budget: float = 20.0) -> BenchResult:
    """``rolling_corr_summary`` (all pairs streamed, reduced per window) vs pandas all pairs, extrapolated.

    pandas cannot hold T*N*N doubles at N >= 200, so its time is measured
    on the first 100 columns (first ``W+50`` / ``W+250`` rows, extended
    linearly to all rows) and scaled by the number of pairs, N(N-1) /
    (100*99) -- pandas' rolling correlation costs the same per pair. The
    kernel is checked against a per-window ``np.corrcoef`` on a few
    windows.

    Bound: the kernel reads and writes the upper triangle of an N x N
    matrix once per row; the bound is that traffic at the bandwidth a numpy
    in-place add reaches on an L2-resident array of that size, timed now.
    """
    t, n = x.shape
    res = rolling_corr_summary(x, window)
    secs = best_of(lambda: rolling_corr_summary(x, window), repeat)
    n_base = min(n, 100)
    est, l1, t1, t2, l2 = _pandas_extrapolated(x[:, :n_base], window, repeat)
    scale = n * (n - 1) / (n_base * (n_base - 1))
    base_secs = est * scale
    note = (
        f"EXTRAPOLATED: pandas all pairs timed on {n_base} columns, first {l1:,} and {l2:,} rows "
        f"({t1:.3f} s, {t2:.3f} s), extended linearly to {t:,} rows and scaled by the pair count "
        f"({scale:.1f}x)"
    )
    diff = 0.0
    for e in np.linspace(window - 1, t - 1, 5).astype(int).tolist():
        c = np.asarray(np.corrcoef(x[e - window + 1 : e + 1], rowvar=False))
        r = c[np.triu_indices(n, 1)]
        diff = max(diff, abs(float(res.mean[e]) - float(r.mean())))
    tri = np.ones(n * (n - 1) // 2)

    def stream() -> None:
        np.add(tri, 1e-300, out=tri)

    per_row = best_of(stream, max(repeat, 20))
    bound = per_row * t
    bound_note = (
        f"cache bandwidth: one in-place pass over the N(N-1)/2 upper triangle per row "
        f"({per_row * 1e6:.1f} us, numpy add, timed now) x {t:,} rows"
    )
    return BenchResult(
        "rolling_corr_summary", n, t, window, secs, "pandas rolling().corr() all pairs", base_secs, note,
        bound_note, bound, diff, 1e-9,
    )  # fmt: skip


def bench_absorption_ratio(
    x: Array, window: int, repeat: int = 3, budget: float = 20.0, step: int = 1
) -> BenchResult:
    """``absorption_ratio`` (every ``step``-th row) vs a loop of ``np.cov`` + ``eigvalsh`` per window.

    The loop computes the same windows (every ``step``-th). Floor: the same
    number of ``np.linalg.eigvalsh`` calls on one fixed N x N symmetric
    matrix under one BLAS thread, timed now (the LAPACK work the kernel
    cannot avoid; the kernel may split it over its threads).
    """
    t, n = x.shape
    k = math.ceil(n / 5)
    got = kernels.absorption_ratio(x, window, step=step).value
    secs = best_of(lambda: kernels.absorption_ratio(x, window, step=step), repeat)

    def one(e: int) -> float:
        ev = np.linalg.eigvalsh(np.cov(x[e - window + 1 : e + 1].T))
        return float(ev[-k:].sum() / ev.sum())

    ends = np.arange(t - 1, window - 2, -step, dtype=np.int64)[::-1].copy()
    vals, sub, base_secs, note = strided_loop(one, ends, repeat, budget)
    diff = max_abs_diff(got[sub], vals)
    sym = np.cov(x[:window].T)
    calls = ends.size

    def floor() -> None:
        for _ in range(calls):
            np.linalg.eigvalsh(sym)

    with one_blas_thread():
        floor_secs = best_of(floor, repeat)
    name = "absorption_ratio" if step == 1 else f"absorption_ratio step={step} (weekly)"
    bound_note = (
        f"LAPACK floor: {calls:,} calls of np.linalg.eigvalsh on one fixed {n}x{n} symmetric matrix, "
        "one BLAS thread"
    )
    return BenchResult(
        name, n, t, window, secs, f"loop: np.cov + np.linalg.eigvalsh per window (every {step})",
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


def run_panel_bench(
    t: int = 10_000,
    window: int = 250,
    *,
    n_panel: int = 100,
    n_wide: tuple[int, ...] = (500, 3000),
    n_summary: int = 500,
    repeat: int = 3,
    budget: float = 20.0,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[BenchResult]:
    """Warm the kernels, then run every panel benchmark on SYNTHETIC panels.

    Returns, in order: average correlation at ``n_panel`` and each of
    ``n_wide``, the all-pairs summary at ``n_summary``, the absorption ratio
    daily and weekly (``step=5``), and turbulence, all at ``n_panel``
    except where said.
    """
    say = progress or (lambda _name: None)
    warm_panel_kernels()
    out: list[BenchResult] = []
    panel = synthetic_panel(t, n_panel, seed)
    say(f"rolling_avg_corr N={n_panel}")
    out.append(bench_avg_corr(panel, window, repeat, budget))
    for n in n_wide:
        say(f"rolling_avg_corr N={n}")
        out.append(bench_avg_corr(synthetic_panel(t, n, seed), window, repeat, budget))
    say(f"rolling_corr_summary N={n_summary}")
    out.append(bench_corr_summary(synthetic_panel(t, n_summary, seed), window, repeat, budget))
    for step in (1, 5):
        say(f"absorption_ratio step={step}")
        out.append(bench_absorption_ratio(panel, window, repeat, budget, step))
    say("turbulence")
    out.append(bench_turbulence(panel, window, repeat, budget))
    return out


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="T=600, W=100, small N (a smoke run)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget", type=float, default=20.0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    if args.quick:
        res = run_panel_bench(
            600, 100, n_panel=20, n_wide=(250,), n_summary=30, repeat=args.repeat, budget=args.budget
        )
    else:
        res = run_panel_bench(repeat=args.repeat, budget=args.budget, progress=lambda s: print("..", s))
    frame = pd.DataFrame([r.to_dict() for r in res])
    cols = ["kernel", "n", "seconds", "baseline_seconds", "speedup", "bound_seconds", "kernel_over_bound",
            "max_abs_diff", "matched"]  # fmt: skip
    with pd.option_context("display.width", 200, "display.max_colwidth", 200):
        print(frame[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        for r in res:
            print(f"- {r.kernel} N={r.n}: baseline {r.baseline} [{r.baseline_note}]; bound: {r.bound}")
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    _main()
