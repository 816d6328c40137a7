"""Benchmarks of :mod:`stormwatch.kernels`, the research sweep and the daily run, each with its baseline.

Every kernel measurement is taken on SYNTHETIC random data (a one-factor
Gaussian returns panel from a seeded generator) and every baseline is timed
in the same process, right after its kernel, so the ratios compare like with
like on whatever machine runs them. Each result also carries the largest
absolute difference between the kernel and its baseline, checked against a
tolerance: the ``--quick`` smoke run is a correctness test, not a timing one.

Timing: best of ``repeat`` (default 3) :func:`time.perf_counter` runs; every
kernel is run once on a tiny input first so numba's compile time is
excluded. A baseline that would take more than about ``budget`` seconds
(default 20) for all its repeats is timed on a subset and extrapolated
linearly; its ``baseline_note`` says so and how.

Bounds, timed in the same run: memory bandwidth (a numpy triad) for the
rolling moments, the LAPACK floor (``eigvalsh`` of a fixed N x N matrix per
window) for the absorption ratio, GEMM/flop rates for the correlation
kernels, one sort per z-score vector for the sweep.

The targets of the issue that asked for this are declared once, in
:data:`TARGETS`, and every result says whether it meets them.

One family per module: :mod:`.moments` (rolling moments, two-series
correlation), :mod:`.panel` (average and all-pairs correlation, absorption
ratio, turbulence), :mod:`.sweep` (the (series, window, threshold) sweep and
Dask scaling), :mod:`.history` (the whole-history run, the incremental daily
step and peak memory).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd

from stormwatch.bench._core import DATA_NOTE, TIMING_NOTE, BenchResult, Sizes, best_of, synthetic_panel
from stormwatch.bench.moments import bench_rolling_corr, bench_rolling_moments
from stormwatch.bench.panel import (
    bench_absorption_ratio,
    bench_avg_corr,
    bench_corr_summary,
    bench_turbulence,
    warm_panel_kernels,
)
from stormwatch.bench.sweep import bench_signal_sweep

__all__ = [
    "DATA_NOTE",
    "TARGETS",
    "TIMING_NOTE",
    "BenchResult",
    "Sizes",
    "bench_absorption_ratio",
    "bench_avg_corr",
    "bench_corr_summary",
    "bench_rolling_corr",
    "bench_rolling_moments",
    "bench_signal_sweep",
    "bench_turbulence",
    "best_of",
    "results_frame",
    "run_bench",
    "synthetic_panel",
    "with_target",
]

#: The issue's targets, by kernel (and N where it matters): (speedup at least, kernel/bound at most).
#: The whole-history run and the incremental step carry theirs in ``extra`` (absolute seconds).
TARGETS: dict[tuple[str, int | None], tuple[float | None, float | None]] = {
    ("rolling_mean_std", None): (10.0, 3.0),
    ("rolling_corr", None): (5.0, None),
    ("rolling_avg_corr", 100): (100.0, None),
    ("absorption_ratio", None): (4.0, 1.5),
    ("turbulence", None): (15.0, None),
    ("signal_sweep", None): (50.0, None),
}


def with_target(result: BenchResult) -> BenchResult:
    """``result`` with the targets of :data:`TARGETS` that apply to its kernel (and N)."""
    # "signal_sweep (100 series x ...)" is the sweep; "absorption_ratio step=5 (weekly)" is the
    # weekly option, shown beside the daily run the target is about
    name = result.kernel if "step=" in result.kernel else result.kernel.split(" ")[0]
    for key in ((name, result.n), (name, None)):
        if key in TARGETS:
            speed, bound = TARGETS[key]
            return dataclasses.replace(result, target_speedup=speed, target_over_bound=bound)
    return result


def run_bench(
    sizes: Sizes,
    *,
    repeat: int = 3,
    budget: float = 20.0,
    seed: int = 0,
    history_store: str | None = None,
    history: bool = True,
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
    history_store : str, optional
        A store for the whole-history and incremental-step benchmarks
        (default: the SIMULATED demo scenario).
    history : bool, default True
        Whether to run those two at all.
    progress : callable, optional
        Called with the name of each benchmark before it runs.

    Returns
    -------
    list of BenchResult
        In the order: rolling moments (one per ``sizes.moments_n``), rolling
        correlation, average correlation (``panel_n``, then each ``wide_n``),
        the all-pairs summary, absorption ratio daily and weekly, turbulence,
        the signal sweep, and (with ``history``) the whole-history run and the
        incremental step; targets attached by :func:`with_target`.
    """
    say = progress or (lambda _name: None)
    warm_panel_kernels()
    out: list[BenchResult] = []
    t, w = sizes.t, sizes.window
    for n in sizes.moments_n:
        say(f"rolling_mean_std N={n}")
        out.append(bench_rolling_moments(synthetic_panel(t, n, seed), w, repeat))
    say("rolling_corr")
    pair = synthetic_panel(t, 2, seed)
    out.append(
        bench_rolling_corr(np.ascontiguousarray(pair[:, 0]), np.ascontiguousarray(pair[:, 1]), w, repeat)
    )
    panel = synthetic_panel(t, sizes.panel_n, seed)
    for n in (sizes.panel_n, *sizes.wide_n):
        say(f"rolling_avg_corr N={n}")
        out.append(
            bench_avg_corr(panel if n == sizes.panel_n else synthetic_panel(t, n, seed), w, repeat, budget)
        )
    say(f"rolling_corr_summary N={sizes.summary_n}")
    out.append(bench_corr_summary(synthetic_panel(t, sizes.summary_n, seed), w, repeat, budget))
    for step in (1, 5):
        say(f"absorption_ratio step={step}")
        out.append(bench_absorption_ratio(panel, w, repeat, budget, step))
    say("turbulence")
    out.append(bench_turbulence(panel, w, repeat, budget))
    say("signal_sweep")
    out.append(
        bench_signal_sweep(
            sizes.sweep_t,
            sizes.sweep_series,
            sizes.sweep_windows,
            sizes.sweep_thresholds,
            repeat=repeat,
            budget=budget,
            seed=seed,
        )
    )
    if history:
        from stormwatch.bench.history import bench_history  # reads a store: only when asked

        say("whole-history run and incremental step")
        out.extend(bench_history(history_store, repeat=repeat, seed=seed))
    return [with_target(r) for r in out]


def results_frame(results: list[BenchResult]) -> pd.DataFrame:
    """The results as a frame, one row per benchmark, with ``speedup``, ``kernel_over_bound``, ``matched``."""
    return pd.DataFrame([r.to_dict() for r in results])
