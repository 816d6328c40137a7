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
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from stormwatch import kernels

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

DATA_NOTE = "synthetic random data: one-factor Gaussian returns panel, numpy default_rng(seed)"
TIMING_NOTE = "best of {repeat} time.perf_counter runs; numba compiled beforehand (compile time excluded)"

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BenchResult:
    """One kernel measured against its baseline (seconds are per full run over the panel)."""

    kernel: str
    n: int
    t: int
    window: int
    seconds: float
    baseline: str
    baseline_seconds: float
    baseline_note: str
    bound: str | None
    bound_seconds: float | None
    max_abs_diff: float
    tolerance: float

    @property
    def speedup(self) -> float:
        """``baseline_seconds / seconds``."""
        return self.baseline_seconds / self.seconds if self.seconds > 0 else math.inf

    @property
    def kernel_over_bound(self) -> float | None:
        """``seconds / bound_seconds`` (1.0 would be at the bound), or None without a bound."""
        if self.bound_seconds is None or self.bound_seconds <= 0:
            return None
        return self.seconds / self.bound_seconds

    @property
    def matched(self) -> bool:
        """Whether the kernel agreed with its baseline within ``tolerance``."""
        return bool(self.max_abs_diff <= self.tolerance)

    def to_dict(self) -> dict[str, Any]:
        """The fields plus ``speedup``, ``kernel_over_bound`` and ``matched`` (JSON-ready)."""
        doc = asdict(self)
        doc["speedup"] = self.speedup
        doc["kernel_over_bound"] = self.kernel_over_bound
        doc["matched"] = self.matched
        return doc


@dataclass(frozen=True)
class Sizes:
    """The sizes one bench run uses."""

    t: int
    window: int
    moments_n: tuple[int, ...]
    panel_n: int

    @classmethod
    def full(cls) -> Sizes:
        """T=10,000, W=250; rolling moments at N=500 and N=3000, panel kernels at N=100."""
        return cls(t=10_000, window=250, moments_n=(500, 3000), panel_n=100)

    @classmethod
    def quick(cls) -> Sizes:
        """T=600, W=100; N <= 20 (the CI smoke run)."""
        return cls(t=600, window=100, moments_n=(5, 20), panel_n=20)


def synthetic_panel(t: int, n: int, seed: int = 0) -> Array:
    """A SYNTHETIC returns panel: ``0.01 * (0.6 * f_t + 0.8 * e_ti)``, standard normal f and e.

    Parameters
    ----------
    t, n : int
        Rows and columns.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    ndarray, shape (t, n), C-contiguous float64
        Pairwise correlation 0.36 in expectation, so the correlation and
        absorption kernels see a real common factor.
    """
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((t, 1))
    e = rng.standard_normal((t, n))
    return np.ascontiguousarray(0.01 * (0.6 * f + 0.8 * e))


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best (smallest) wall time of ``repeat`` calls of ``fn``, by :func:`time.perf_counter`."""
    best = math.inf
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _max_abs_diff(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Largest |a - b| where both are finite; inf if they disagree on where NaN is."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or not np.array_equal(np.isnan(x), np.isnan(y)):
        return math.inf
    both = np.isfinite(x) & np.isfinite(y)
    if not both.any():
        return math.inf
    return float(np.max(np.abs(x[both] - y[both])))


def _tol(rtol: float, ref: npt.ArrayLike) -> float:
    r = np.asarray(ref, dtype=np.float64)
    scale = float(np.nanmax(np.abs(r))) if np.isfinite(r).any() else 1.0
    return rtol * max(scale, 1e-300)


def warm_kernels() -> None:
    """Run every benchmarked kernel once on a tiny input so numba compiles outside the timings."""
    x = synthetic_panel(40, 4, seed=99)
    kernels.rolling_mean_std(x, 10)
    kernels.rolling_corr(x[:, 0], x[:, 1], 10)
    kernels.rolling_avg_corr(x, 10)
    kernels.absorption_ratio(x, 10)
    kernels.turbulence(x, 10)


def _triad_bound(size: int, streams: int, repeat: int) -> tuple[float, str]:
    """Seconds to move ``streams`` float64 arrays of ``size``, from a timed numpy triad."""
    b = np.full(size, 1.0)
    c = np.full(size, 2.0)
    a = np.empty(size)
    s = 1.5

    def triad() -> None:
        np.multiply(c, s, out=a)
        np.add(a, b, out=a)

    triad()
    secs = best_of(triad, repeat)
    # numpy does the triad in two passes: read c, write a, read a, read b, write a = 5 array streams.
    bound = secs * streams / 5.0
    note = (
        f"memory bandwidth: numpy triad a=b+s*c on {size:,} float64 took {secs:.3g} s "
        f"(2 passes = 5 array streams), scaled to the {streams} streams the kernel must move"
    )
    return bound, note


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
    diff = max(_max_abs_diff(mean, ref_mean), _max_abs_diff(std, ref_std))
    tol = 1e-9 * max(_tol(1.0, ref_mean), _tol(1.0, ref_std))
    secs = best_of(lambda: kernels.rolling_mean_std(x, window), repeat)

    def base() -> None:
        r = frame.rolling(window)
        r.mean()
        r.std()

    base_secs = best_of(base, repeat)
    bound, bound_note = _triad_bound(x.size, 3, repeat)
    return BenchResult(
        "rolling_mean_std", n, t, window, secs, "pandas rolling().mean() + .std()", base_secs,
        "measured", bound_note, bound, diff, tol,
    )  # fmt: skip


def bench_rolling_corr(x: Array, y: Array, window: int, repeat: int = 3) -> BenchResult:
    """``rolling_corr`` of two series vs pandas ``Series.rolling().corr(other)``."""
    sx, sy = pd.Series(x), pd.Series(y)
    got = kernels.rolling_corr(x, y, window)
    ref = sx.rolling(window).corr(sy).to_numpy()
    diff = _max_abs_diff(got, ref)
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
        diff = _max_abs_diff(got, ref)
        base_secs = best_of(lambda: _pandas_avg_corr(x, window), repeat)
        note = "measured"
    else:
        ref = _pandas_avg_corr(x[:l2], window)
        diff = _max_abs_diff(got[:l2], ref)
        t1 = best_of(lambda: _pandas_avg_corr(x[:l1], window), repeat)
        t2 = best_of(lambda: _pandas_avg_corr(x[:l2], window), repeat)
        slope = (t2 - t1) / (l2 - l1)
        base_secs = t1 + slope * (t - l1)
        note = (
            f"EXTRAPOLATED: pandas timed on the first {l1:,} and {l2:,} rows "
            f"({t1:.3f} s, {t2:.3f} s) and extended linearly to {t:,} rows; checked on {l2:,} rows"
        )
    return BenchResult(
        "rolling_avg_corr", n, t, window, secs, "pandas rolling().corr() all pairs, off-diagonal mean",
        base_secs, note, None, None, diff, 1e-9,
    )  # fmt: skip


def _strided_loop(
    one: Callable[[int], float], ends: npt.NDArray[np.int64], repeat: int, budget: float
) -> tuple[Array, npt.NDArray[np.int64], float, str]:
    """Run ``one(end)`` per window; time all windows or every k-th one if all would exceed ``budget``."""
    probe = ends[:: max(1, ends.size // 20)][:20]
    t0 = time.perf_counter()
    for e in probe.tolist():
        one(e)
    per = (time.perf_counter() - t0) / max(probe.size, 1)
    k = (
        max(1, math.ceil(per * ends.size * repeat / (budget / 3.0)))
        if per * ends.size * repeat > budget
        else 1
    )
    sub = ends[::k]
    vals = np.empty(sub.size)

    def loop() -> None:
        for i, e in enumerate(sub.tolist()):
            vals[i] = one(e)

    secs = best_of(loop, repeat) * (ends.size / sub.size)
    if k == 1:
        note = "measured"
    else:
        note = (
            f"EXTRAPOLATED: loop timed on every {k}th window ({sub.size:,} of {ends.size:,}) "
            f"and scaled by {ends.size / sub.size:.2f}; checked on those windows"
        )
    return vals, sub, secs, note


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
    vals, sub, base_secs, note = _strided_loop(one, ends, repeat, budget)
    diff = _max_abs_diff(got[sub], vals)
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
    vals, sub, base_secs, note = _strided_loop(one, ends, repeat, budget)
    diff = _max_abs_diff(got[sub], vals)
    return BenchResult(
        "turbulence", n, t, window, secs, "loop: np.cov + np.linalg.inv per row", base_secs, note,
        None, None, diff, _tol(1e-8, vals),
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
