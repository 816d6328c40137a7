"""Pure numeric kernels on float64 numpy arrays: rolling moments, z-scores,
correlations, absorption ratio and turbulence.

Fast (numba ``nogil`` loops, split over a few threads: see
:func:`set_num_threads`) and numerically honest:
moments use anchored, merge-only aggregates (never a running sum of squares
on raw levels), a flat window has a standard deviation of exactly ``0.0``
and a z-score of NaN, and every kernel is tested against a naive exact
reference (``tests/kernels/reference.py``). All kernels are causal: the
output at row ``t`` depends on rows ``<= t`` only.

NaN is "missing" everywhere; ±inf is rejected. Windows are in rows.

The panel kernels call BLAS/LAPACK on many small matrices; a multi-threaded
OpenBLAS is much slower at that than one thread, so they limit BLAS to one
thread while they run (threadpoolctl) and split the work over their own
threads instead.
"""

from __future__ import annotations

from stormwatch.kernels._threads import get_num_threads, set_num_threads
from stormwatch.kernels.correlation import (
    CorrContributions,
    CorrSummary,
    PairChange,
    PanelStat,
    corr_contributions,
    rolling_avg_corr,
    rolling_corr,
    rolling_corr_summary,
    top_pairs,
    window_corr,
)
from stormwatch.kernels.moments import (
    expanding_mean_std,
    expanding_zscore,
    rolling_mean_std,
    rolling_zscore,
)
from stormwatch.kernels.risk import absorption_ratio, absorption_shift, turbulence
from stormwatch.kernels.sweep import SweepCounts, score_sweep, signal_sweep

__all__ = [
    "CorrContributions",
    "CorrSummary",
    "PairChange",
    "PanelStat",
    "SweepCounts",
    "absorption_ratio",
    "absorption_shift",
    "corr_contributions",
    "expanding_mean_std",
    "expanding_zscore",
    "get_num_threads",
    "rolling_avg_corr",
    "rolling_corr",
    "rolling_corr_summary",
    "rolling_mean_std",
    "rolling_zscore",
    "score_sweep",
    "set_num_threads",
    "signal_sweep",
    "top_pairs",
    "turbulence",
    "window_corr",
]
