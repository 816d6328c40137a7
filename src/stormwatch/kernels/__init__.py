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

The absorption ratio and turbulence call LAPACK (numpy's ``eigvalsh`` and
``solve``) on many small matrices; a multi-threaded OpenBLAS is much
slower at that than one thread when the cores are busy, so processes that
run these at scale should start with ``OPENBLAS_NUM_THREADS=1``.
"""

from __future__ import annotations

from stormwatch.kernels._threads import get_num_threads, set_num_threads
from stormwatch.kernels.correlation import (
    CorrContributions,
    PairChange,
    PanelStat,
    corr_contributions,
    rolling_avg_corr,
    rolling_corr,
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

__all__ = [
    "CorrContributions",
    "PairChange",
    "PanelStat",
    "absorption_ratio",
    "absorption_shift",
    "corr_contributions",
    "expanding_mean_std",
    "expanding_zscore",
    "get_num_threads",
    "rolling_avg_corr",
    "rolling_corr",
    "rolling_mean_std",
    "rolling_zscore",
    "set_num_threads",
    "top_pairs",
    "turbulence",
    "window_corr",
]
