"""Benchmarks of the rolling moments and the two-series rolling correlation (SYNTHETIC data from the caller).

Both are timed as a user calls them and against pandas in the same process,
best of ``repeat`` runs each, right after one another (the machine is shared:
only same-run ratios mean anything). The moments are also compared with the
memory-bandwidth bound of reading ``x`` and writing mean and std (a numpy
triad timed in the same run).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stormwatch import kernels
from stormwatch.bench._core import Array, BenchResult, best_of, max_abs_diff, rel_tol, triad_bound

__all__ = ["bench_rolling_corr", "bench_rolling_moments"]


def bench_rolling_moments(x: Array, window: int, repeat: int = 3) -> BenchResult:
    """``rolling_mean_std`` vs pandas ``DataFrame.rolling(window).mean()`` and ``.std()``.

    Parameters
    ----------
    x : ndarray, shape (T, N)
        The panel (SYNTHETIC in the bench run), C-contiguous float64.
    window : int
        Rolling window in rows.
    repeat : int, default 3
        Timed runs of each side; the best is kept.

    Returns
    -------
    BenchResult
        ``seconds`` is the plain call ``rolling_mean_std(x, window)`` (fresh
        outputs, page faults included); the time with preallocated
        ``out=`` arrays is reported in ``baseline_note``. Bound: reading
        ``x`` and writing mean and std (3 arrays of ``x.size``) at the
        bandwidth a numpy triad reaches in this run.
    """
    t, n = x.shape
    frame = pd.DataFrame(x)
    mean, std = kernels.rolling_mean_std(x, window)
    rolled = frame.rolling(window)
    ref_mean = rolled.mean().to_numpy()
    ref_std = rolled.std().to_numpy()
    diff = max(max_abs_diff(mean, ref_mean), max_abs_diff(std, ref_std))
    tol = 1e-9 * max(rel_tol(1.0, ref_mean), rel_tol(1.0, ref_std))
    out = (np.empty_like(x), np.empty_like(x))
    kernels.rolling_mean_std(x, window, out=out)  # touch the pages once
    secs = best_of(lambda: kernels.rolling_mean_std(x, window), repeat)
    secs_out = best_of(lambda: kernels.rolling_mean_std(x, window, out=out), repeat)

    def base() -> None:
        r = frame.rolling(window)
        r.mean()
        r.std()

    base_secs = best_of(base, repeat)
    bound, bound_note = triad_bound(x.size, 3, repeat)
    note = (
        f"measured; kernel = plain call (fresh outputs); with preallocated out= arrays "
        f"{secs_out:.4g} s ({base_secs / secs_out:.1f}x pandas, {secs_out / bound:.2f}x the bound), "
        f"threads={kernels.get_num_threads()}"
    )
    return BenchResult(
        "rolling_mean_std", n, t, window, secs, "pandas rolling().mean() + .std()", base_secs,
        note, bound_note, bound, diff, tol,
    )  # fmt: skip


def bench_rolling_corr(x: Array, y: Array, window: int, repeat: int = 3) -> BenchResult:
    """``rolling_corr`` of two series vs pandas ``Series.rolling(window).corr(other)``.

    Parameters
    ----------
    x, y : ndarray, shape (T,)
        The two series (SYNTHETIC in the bench run).
    window : int
        Rolling window in rows.
    repeat : int, default 3
        Timed runs of each side (at T=10,000 a call is well under a
        millisecond, so at least 50 runs are taken); the best is kept.

    Returns
    -------
    BenchResult
        The public call, Python-side validation included.
    """
    reps = max(repeat, 50)
    sx, sy = pd.Series(x), pd.Series(y)
    got = kernels.rolling_corr(x, y, window)
    ref = sx.rolling(window).corr(sy).to_numpy()
    diff = max_abs_diff(got, ref)
    secs = best_of(lambda: kernels.rolling_corr(x, y, window), reps)
    base_secs = best_of(lambda: sx.rolling(window).corr(sy), reps)
    return BenchResult(
        "rolling_corr", 2, x.size, window, secs, "pandas Series.rolling().corr()", base_secs,
        f"measured, best of {reps}", None, None, diff, 1e-9,
    )  # fmt: skip
