"""The bench harness shared by every benchmark: results, sizes, SYNTHETIC data, timing, bounds.

See :mod:`stormwatch.bench` for what is measured and how.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "DATA_NOTE",
    "TIMING_NOTE",
    "Array",
    "BenchResult",
    "Sizes",
    "best_of",
    "max_abs_diff",
    "rel_tol",
    "strided_loop",
    "synthetic_panel",
    "triad_bound",
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
    #: The issue's targets (see ``stormwatch.bench.TARGETS``): speedup at least, kernel/bound at most.
    target_speedup: float | None = None
    target_over_bound: float | None = None
    #: Anything else a benchmark measured (e.g. peak memory), JSON-ready.
    extra: dict[str, Any] | None = None

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

    @property
    def meets_target(self) -> bool | None:
        """Whether the declared targets are met (None when none is declared)."""
        if self.target_speedup is None and self.target_over_bound is None:
            return None
        ok = self.target_speedup is None or self.speedup >= self.target_speedup
        ratio = self.kernel_over_bound
        if self.target_over_bound is not None:
            ok = ok and ratio is not None and ratio <= self.target_over_bound
        return ok

    def to_dict(self) -> dict[str, Any]:
        """The fields plus ``speedup``, ``kernel_over_bound``, ``matched``, ``meets_target`` (JSON-ready)."""
        doc = asdict(self)
        doc["speedup"] = self.speedup
        doc["kernel_over_bound"] = self.kernel_over_bound
        doc["matched"] = self.matched
        doc["meets_target"] = self.meets_target
        return doc


@dataclass(frozen=True)
class Sizes:
    """The sizes one bench run uses (T rows, W window; N per kernel family)."""

    t: int
    window: int
    moments_n: tuple[int, ...]
    panel_n: int
    wide_n: tuple[int, ...]
    summary_n: int
    sweep_t: int
    sweep_series: int
    sweep_windows: tuple[int, ...]
    sweep_thresholds: int

    @classmethod
    def full(cls) -> Sizes:
        """The issue's sizes: T=10,000, W=250; moments N=500, 3000; panel kernels N=100 (average
        correlation also N=500, 3000; the all-pairs summary N=500); the sweep 100 series x 40
        windows x 100 thresholds = 400,000 configurations on T=5,000."""
        return cls(
            t=10_000, window=250, moments_n=(500, 3000), panel_n=100, wide_n=(500, 3000), summary_n=500,
            sweep_t=5_000, sweep_series=100, sweep_windows=tuple(range(20, 420, 10)), sweep_thresholds=100,
        )  # fmt: skip

    @classmethod
    def quick(cls) -> Sizes:
        """T=600, W=100, N <= 60 (the CI smoke run: correctness only)."""
        return cls(
            t=600, window=100, moments_n=(5, 20), panel_n=20, wide_n=(60,), summary_n=30,
            sweep_t=600, sweep_series=5, sweep_windows=(20, 60), sweep_thresholds=11,
        )  # fmt: skip


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


def max_abs_diff(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Largest |a - b| where both are finite; inf if they disagree on where NaN is."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or not np.array_equal(np.isnan(x), np.isnan(y)):
        return math.inf
    both = np.isfinite(x) & np.isfinite(y)
    if not both.any():
        return math.inf
    return float(np.max(np.abs(x[both] - y[both])))


def rel_tol(rtol: float, ref: npt.ArrayLike) -> float:
    r = np.asarray(ref, dtype=np.float64)
    scale = float(np.nanmax(np.abs(r))) if np.isfinite(r).any() else 1.0
    return rtol * max(scale, 1e-300)


def triad_bound(size: int, streams: int, repeat: int) -> tuple[float, str]:
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


def strided_loop(
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
