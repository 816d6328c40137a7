"""Research sweep of (series, window, threshold): which indicator's z-score warns of the target best?

For each candidate series ``s`` (a column of a T x S panel), each rolling
z-score window ``w`` and each threshold ``h``, the signal is
``rolling_zscore(x_s, w) >= h`` and it is scored against a binary target
``y`` (1.0 event, 0.0 no event, NaN unknown; e.g. a forward S&P 500
drawdown from :func:`stormwatch.evaluation.targets.forward_hits`).

Per (s, w): the Mann-Whitney AUROC of the z-score (ties as one half) on the
days where the z-score and the label are known. Per (s, w, h): on the same
days, ``hits`` (alarm, event), ``false_alarms`` (alarm, no event),
``misses`` (no alarm, event) and ``quiet`` (no alarm, no event), and from
them the hit rate ``A/(A+C)``, false-alarm rate ``B/(B+D)`` and
noise-to-signal ``far / hit`` (NaN when the hit rate is 0), as in
:mod:`stormwatch.evaluation.metrics`.

The numbers for a series depend only on that series and the target, so
:func:`split_series` cuts the panel into column chunks that can be
evaluated anywhere (:func:`stormwatch.distributed.run_signal_sweep` runs
them on a Dask cluster) and :func:`combine` concatenates the parts into a
frame identical to the one-call result.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from stormwatch.kernels.sweep import signal_sweep as _kernel_sweep

__all__ = [
    "RESULT_COLUMNS",
    "combine",
    "default_thresholds",
    "default_windows",
    "signal_sweep",
    "split_series",
]

RESULT_COLUMNS: tuple[str, ...] = (
    "series",
    "window",
    "threshold",
    "auroc",
    "hits",
    "false_alarms",
    "misses",
    "quiet",
    "hit_rate",
    "false_alarm_rate",
    "noise_to_signal",
)


def default_windows() -> list[int]:
    """40 windows, 20 .. 800 business days in steps of 20 (a month to about three years)."""
    return list(range(20, 801, 20))


def default_thresholds() -> npt.NDArray[np.float64]:
    """100 z-score thresholds evenly spaced from -3 to 3."""
    return np.linspace(-3.0, 3.0, 100)


def _aligned(panel: pd.DataFrame, target: pd.Series | npt.ArrayLike) -> npt.NDArray[np.float64]:
    if isinstance(target, pd.Series):
        if not target.index.equals(panel.index):
            raise ValueError("target and panel must share one index (reindex the target to the panel)")
        return target.to_numpy(dtype=np.float64)
    arr = np.asarray(target, dtype=np.float64)
    if arr.shape != (len(panel),):
        raise ValueError(f"target must have {len(panel)} values; got shape {arr.shape}")
    return arr


def signal_sweep(
    panel: pd.DataFrame,
    target: pd.Series | npt.ArrayLike,
    windows: Sequence[int] | None = None,
    thresholds: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Evaluate every (series, window, threshold) signal ``rolling_zscore(x_s, w) >= h`` on ``target``.

    Parameters
    ----------
    panel : pandas.DataFrame, shape (T, S)
        Candidate indicators (columns), rows in time order; NaN = missing.
    target : pandas.Series or array_like, shape (T,)
        1.0 / 0.0 / NaN per row (a Series must have the panel's index).
        Set it to NaN outside the study span: those rows still feed the
        z-score warm-up but are not evaluated.
    windows : sequence of int, optional
        Z-score windows in rows (default :func:`default_windows`).
    thresholds : array_like, optional
        Z-score thresholds (default :func:`default_thresholds`).

    Returns
    -------
    pandas.DataFrame
        :data:`RESULT_COLUMNS`, one row per (series, window, threshold) in
        panel-column, ``windows`` and ``thresholds`` order, RangeIndex.
    """
    ws = default_windows() if windows is None else [int(w) for w in windows]
    th = default_thresholds() if thresholds is None else np.asarray(thresholds, dtype=np.float64).reshape(-1)
    y = _aligned(panel, target)
    names = [str(c) for c in panel.columns]
    n_s, n_w, n_h = len(names), len(ws), th.size
    if n_s == 0:
        raise ValueError("the panel has no series (columns)")
    res = _kernel_sweep(panel.to_numpy(dtype=np.float64), y, ws, th)
    hits = res.hits.reshape(-1)
    fals = res.false_alarms.reshape(-1)
    pos = np.repeat(res.n_pos.reshape(-1), n_h)
    neg = np.repeat(res.n_neg.reshape(-1), n_h)
    misses = pos - hits
    quiet = neg - fals
    with np.errstate(invalid="ignore", divide="ignore"):
        hit_rate = np.where(pos > 0, hits / pos, np.nan)
        far = np.where(neg > 0, fals / neg, np.nan)
        nsr = np.where(hit_rate > 0, far / hit_rate, np.nan)
    return pd.DataFrame(
        {
            "series": np.repeat(np.array(names, dtype=object), n_w * n_h),
            "window": np.tile(np.repeat(np.asarray(ws, dtype=np.int64), n_h), n_s),
            "threshold": np.tile(th, n_s * n_w),
            "auroc": np.repeat(res.auroc.reshape(-1), n_h),
            "hits": hits,
            "false_alarms": fals,
            "misses": misses,
            "quiet": quiet,
            "hit_rate": hit_rate,
            "false_alarm_rate": far,
            "noise_to_signal": nsr,
        },
        columns=list(RESULT_COLUMNS),
    )


def split_series(columns: Sequence[object], n_chunks: int) -> list[list[object]]:
    """``columns`` cut into at most ``n_chunks`` consecutive, non-empty, near-equal pieces."""
    if n_chunks < 1:
        raise ValueError("n_chunks must be >= 1")
    cols = list(columns)
    bounds = np.linspace(0, len(cols), min(n_chunks, max(len(cols), 1)) + 1).astype(int)
    return [cols[a:b] for a, b in itertools.pairwise(bounds.tolist()) if b > a]


def combine(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate chunk results (in :func:`split_series` order) into the one-call result."""
    if not parts:
        raise ValueError("no parts to combine")
    return pd.concat(list(parts), ignore_index=True)
