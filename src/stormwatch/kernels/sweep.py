"""Signal sweep: hit counts at many thresholds and the AUROC of many score vectors, one sort each.

A *signal* is ``score >= threshold``; a *target* is a binary label per day
(1.0 event, 0.0 no event, NaN unknown). A day is evaluated for a score
vector when both its score and its label are known, so warm-up days (NaN
z-score) are not counted as quiet days, and days outside a study span are
excluded by setting the label to NaN there.

See :mod:`stormwatch.kernels._sweep_nb` for the method: per score vector,
the evaluated scores of each class are sorted once (numpy's sort); every threshold's
counts are two binary searches and the Mann-Whitney AUROC (ties count
one half) is one merge of the two sorted parts. Counts are exact integers
and the AUROC is the correctly rounded ``U / (P N)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from stormwatch.kernels import _sweep_nb as nb
from stormwatch.kernels._threads import run_chunks
from stormwatch.kernels._validate import as_panel, check_window
from stormwatch.kernels.moments import rolling_zscore

__all__ = ["SweepCounts", "score_sweep", "signal_sweep"]


class SweepCounts(NamedTuple):
    """Confusion counts and AUROC of a sweep (leading axes: one per score vector).

    Misses are ``n_pos - hits`` and quiet (correct no-alarm) days ``n_neg - false_alarms``.
    """

    auroc: npt.NDArray[np.float64]
    """Mann-Whitney AUROC of each score vector (ties as one half); NaN without both classes."""
    n_pos: npt.NDArray[np.int64]
    """Evaluated event days (score and label known, label 1)."""
    n_neg: npt.NDArray[np.int64]
    """Evaluated non-event days (score and label known, label 0)."""
    hits: npt.NDArray[np.int64]
    """Event days with ``score >= threshold``; one more trailing axis (the thresholds)."""
    false_alarms: npt.NDArray[np.int64]
    """Non-event days with ``score >= threshold``; one more trailing axis (the thresholds)."""


def _check_target(y: npt.ArrayLike, n_rows: int) -> npt.NDArray[np.float64]:
    lab = np.ascontiguousarray(np.asarray(y, dtype=np.float64))
    if lab.ndim != 1 or lab.size != n_rows:
        raise ValueError(f"target must be 1-D with {n_rows} rows; got shape {lab.shape}")
    known = lab[~np.isnan(lab)]
    if not np.isin(known, (0.0, 1.0)).all():
        raise ValueError("target values must be 1.0 (event), 0.0 (no event) or NaN (unknown)")
    return lab


def _check_thresholds(thresholds: npt.ArrayLike) -> npt.NDArray[np.float64]:
    th = np.ascontiguousarray(np.asarray(thresholds, dtype=np.float64).reshape(-1))
    if th.size == 0 or not np.isfinite(th).all():
        raise ValueError("thresholds must be a non-empty sequence of finite numbers")
    return th


def _split_sort(
    z: npt.NDArray[np.float64],
    pos: npt.NDArray[np.intp],
    neg: npt.NDArray[np.intp],
    ps: npt.NDArray[np.float64],
    ns: npt.NDArray[np.float64],
    r0: int,
    r1: int,
) -> None:
    """Columns ``r0 .. r1-1`` of ``z`` (T, R): each class's days gathered into ``ps``/``ns`` rows, sorted."""
    # numpy's copies and sort release the GIL, and its (SIMD) sort is many times faster than numba's
    ps[r0:r1] = z[pos, r0:r1].T
    ns[r0:r1] = z[neg, r0:r1].T
    ps[r0:r1].sort(axis=1)
    ns[r0:r1].sort(axis=1)


def _sweep_scores(
    z: npt.NDArray[np.float64], y: npt.NDArray[np.float64], th: npt.NDArray[np.float64]
) -> SweepCounts:
    """Counts and AUROC of every column of ``z`` (T, R): one sort per class, then the numba core."""
    n_t, n_r = z.shape
    pos = np.flatnonzero(y == 1.0)
    neg = np.flatnonzero(y == 0.0)
    ps = np.empty((n_r, pos.size))
    ns = np.empty((n_r, neg.size))
    out = SweepCounts(
        np.full(n_r, np.nan),
        np.zeros(n_r, np.int64),
        np.zeros(n_r, np.int64),
        np.zeros((n_r, th.size), np.int64),
        np.zeros((n_r, th.size), np.int64),
    )
    # work ~ a sort per row: T log2 T comparisons
    run_chunks(_split_sort, n_r, n_r * n_t * max(1, int(np.log2(max(n_t, 2)))), z, pos, neg, ps, ns)
    run_chunks(nb.count_sorted_rows, n_r, n_r * (n_t + 2 * th.size * 16), ps, ns, th, *out)
    return out


def score_sweep(scores: npt.ArrayLike, y: npt.ArrayLike, thresholds: npt.ArrayLike) -> SweepCounts:
    """Counts and AUROC of precomputed scores at every threshold.

    Parameters
    ----------
    scores : array_like, shape (T,) or (T, R)
        One score vector per column (NaN = no score that day).
    y : array_like, shape (T,)
        Target: 1.0, 0.0 or NaN (unknown; the day is not evaluated).
    thresholds : array_like, shape (H,)
        Finite thresholds, any order; the signal is ``score >= threshold``.

    Returns
    -------
    SweepCounts
        ``auroc``, ``n_pos``, ``n_neg`` of shape (R,) and ``hits``,
        ``false_alarms`` of shape (R, H) (no R axis for 1-D ``scores``).
    """
    arr = np.asarray(scores, dtype=np.float64)
    one_d = arr.ndim == 1
    panel = as_panel(arr.reshape(-1, 1) if one_d else arr, "scores")
    lab = _check_target(y, panel.shape[0])
    res = _sweep_scores(panel, lab, _check_thresholds(thresholds))
    if one_d:
        return SweepCounts(*(a[0] for a in res))
    return res


def signal_sweep(
    x: npt.ArrayLike, y: npt.ArrayLike, windows: Sequence[int], thresholds: npt.ArrayLike
) -> SweepCounts:
    """The (series, window, threshold) sweep of the signal ``rolling_zscore(x_s, w) >= h``.

    Parameters
    ----------
    x : array_like, shape (T, S)
        Candidate indicator series, one per column (NaN = missing).
    y : array_like, shape (T,)
        Target: 1.0, 0.0 or NaN (unknown; the day is not evaluated).
    windows : sequence of int
        Rolling z-score windows (each >= 2; see :func:`rolling_zscore`,
        which needs a full window of valid values).
    thresholds : array_like, shape (H,)
        Finite z-score thresholds.

    Returns
    -------
    SweepCounts
        ``auroc``, ``n_pos``, ``n_neg`` of shape (S, W); ``hits`` and
        ``false_alarms`` of shape (S, W, H). The result for a series does
        not depend on the other columns of ``x`` (split the columns
        anywhere and concatenate along axis 0: identical numbers).
    """
    panel = as_panel(x)
    n_t, n_s = panel.shape
    lab = _check_target(y, n_t)
    th = _check_thresholds(thresholds)
    ws = [check_window(w) for w in windows]
    if not ws:
        raise ValueError("windows must not be empty")
    # Window-major buffers (each window's block contiguous), transposed to (S, W, ...) at the end.
    auroc = np.empty((len(ws), n_s))
    n_pos = np.empty((len(ws), n_s), np.int64)
    n_neg = np.empty((len(ws), n_s), np.int64)
    hits = np.empty((len(ws), n_s, th.size), np.int64)
    fals = np.empty((len(ws), n_s, th.size), np.int64)
    for k, w in enumerate(ws):
        res = _sweep_scores(rolling_zscore(panel, w), lab, th)
        auroc[k], n_pos[k], n_neg[k], hits[k], fals[k] = res
    return SweepCounts(
        np.ascontiguousarray(auroc.T),
        np.ascontiguousarray(n_pos.T),
        np.ascontiguousarray(n_neg.T),
        np.ascontiguousarray(hits.transpose(1, 0, 2)),
        np.ascontiguousarray(fals.transpose(1, 0, 2)),
    )
