"""Rolling correlations: two series, panel average, and pair attribution.

Policies
--------
* :func:`rolling_corr` is *pairwise complete*: a row counts only where both
  series are valid; NaN where fewer than ``min_obs`` such rows are in the
  window or where either series is flat there.
* :func:`rolling_avg_corr` and :func:`corr_contributions` use, per window,
  only the columns with **no NaN in the window and a non-zero variance**
  (so every correlation in the average is on the same rows); the number of
  columns used is returned, and the average is NaN with fewer than two.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from stormwatch.kernels import _moments_nb, _pairs_nb, _panel_nb, _risk_nb
from stormwatch.kernels._blas import one_blas_thread
from stormwatch.kernels._threads import run_chunks
from stormwatch.kernels._validate import as_panel, as_series, check_min_obs, check_window

__all__ = [
    "CorrContributions",
    "CorrSummary",
    "PairChange",
    "PanelStat",
    "corr_contributions",
    "rolling_avg_corr",
    "rolling_corr",
    "rolling_corr_summary",
    "top_pairs",
    "window_corr",
]


class PanelStat(NamedTuple):
    """A per-row panel statistic and the number of columns that entered it."""

    value: npt.NDArray[np.float64]
    """The statistic, shape (T,); NaN where not defined."""
    n_used: npt.NDArray[np.int64]
    """Columns used at each row, shape (T,)."""


def rolling_corr(
    x: npt.ArrayLike, y: npt.ArrayLike, window: int, min_obs: int | None = None
) -> npt.NDArray[np.float64]:
    r"""Trailing-window Pearson correlation of two series (pairwise complete).

    Parameters
    ----------
    x, y : array_like, shape (T,) or (T, N)
        The two series. If both are 2-D they are paired column by column;
        a 1-D ``y`` is paired with every column of a 2-D ``x``.
    window : int
        Rows in the trailing window ``[t - window + 1, t]`` (>= 2).
    min_obs : int, optional
        Rows where both are valid needed in the window
        (``2 <= min_obs <= window``); defaults to ``window``.

    Returns
    -------
    ndarray, shape of ``x``

        .. math::

            \rho_t = \frac{\sum_{s \in V_t} (x_s - \bar x)(y_s - \bar y)}
                   {\sqrt{\sum_{s \in V_t} (x_s - \bar x)^2 \,
                          \sum_{s \in V_t} (y_s - \bar y)^2}}

        over the rows :math:`V_t` of the window where both are valid (the
        means are over :math:`V_t` too). NaN where
        :math:`|V_t| <` ``min_obs`` or either series is flat on
        :math:`V_t`: constant, or differing only by rounding
        (``max - min <= 4 * eps * max(|min|, |max|)``, the rule of
        :func:`~stormwatch.kernels.rolling_mean_std`). Clipped to ``[-1, 1]``.

    Notes
    -----
    Anchored, merge-only covariance aggregates (see
    :mod:`stormwatch.kernels._moments_nb`): stable on levels with a large
    offset; absolute error about 1e-15 against an exact two-pass reference.
    """
    w = check_window(window)
    mo = check_min_obs(min_obs, w, least=2, default=w)
    xs, x_1d = as_series(x, "x")
    ys, y_1d = as_series(y, "y")
    if ys.shape != xs.shape:
        if y_1d and ys.shape[1] == xs.shape[1]:
            ys = np.ascontiguousarray(np.broadcast_to(ys, xs.shape))
        else:
            raise ValueError(
                f"x and y must have the same shape (or y 1-D with x's length); got "
                f"{np.shape(x)} and {np.shape(y)}"
            )
    out = np.empty(xs.shape)
    run_chunks(_moments_nb.rolling_corr, xs.shape[0], 2 * xs.size, xs, ys, w, mo, out)
    if x_1d:
        return np.asarray(out[0])
    return np.ascontiguousarray(out.T)


# End rows per block of the average-correlation kernel: each block is one GEMM of
# (B, N) weights by (N, W + B - 1) rows; a larger B wastes B / W of the flops on rows
# outside the windows, a smaller one makes the GEMMs too small to run at full speed and
# copies each row (W + B - 1) / B times. Wide panels take the larger block.
_AVG_BLOCK = 64
_AVG_BLOCK_WIDE = 128
_AVG_WIDE_N = 1000
# Workspace per thread of the average-correlation kernel, in doubles (16 MB).
_AVG_WORK_DOUBLES = 1 << 21


def _avg_corr_blocks(
    x: npt.NDArray[np.float64],
    wts: npt.NDArray[np.float64],
    w: int,
    bsz: int,
    used: npt.NDArray[np.int64],
    out: npt.NDArray[np.float64],
    k0: int,
    k1: int,
) -> None:
    """Average correlation of the windows ending in blocks ``k0 .. k1-1`` (see :func:`rolling_avg_corr`)."""
    n_col = x.shape[1]
    span = w + bsz - 1
    group = max(1, _AVG_WORK_DOUBLES // (span * (n_col + bsz)))
    dev = np.empty((min(group, k1 - k0), span, n_col))
    for g0 in range(k0, k1, group):
        g1 = min(k1, g0 + group)
        for i, k in enumerate(range(g0, g1)):
            # anchor every block at its first end row t0 = k * bsz: it lies in every window of the
            # block (bsz <= w), so a column with a NaN there has weight 0 in all of them
            _panel_nb.block_dev(x, k * bsz, w, dev[i])
        # sums[i, b, r]: weighted row sum S_r of window t0 + b (rows as in avg_corr_band)
        wg = wts[g0 * bsz : g1 * bsz].reshape(g1 - g0, bsz, n_col)
        sums = np.matmul(wg, dev[: g1 - g0].transpose(0, 2, 1))
        for i, k in enumerate(range(g0, g1)):
            _panel_nb.avg_corr_band(sums[i], k * bsz, w, used, out)


def rolling_avg_corr(X: npt.ArrayLike, window: int, min_obs: int | None = None) -> PanelStat:
    r"""Rolling average pairwise correlation of the columns of ``X``, without forming pairs.

    Parameters
    ----------
    X : array_like, shape (T, N)
        The panel (usually returns), one column per series.
    window : int
        Rows in the trailing window ``[t - window + 1, t]`` (>= 2).
    min_obs : int, optional
        Rows needed in the window (``2 <= min_obs <= window``; only the
        first ``window - 1`` rows of the panel can have fewer); defaults
        to ``window``.

    Returns
    -------
    PanelStat
        ``value``: the average off-diagonal correlation, shape (T,);
        ``n_used``: the number of columns used at each row.

    Notes
    -----
    With the ``m`` usable columns standardised within the window,
    :math:`z_{ti} = (x_{ti} - \bar x_i)/\sigma_i` (population scale), and
    :math:`S_t = \sum_i z_{ti}`,

    .. math::

        \operatorname{Var}(S) = \sum_{i,j} \rho_{ij} = m + \sum_{i \ne j} \rho_{ij}
        \quad\Longrightarrow\quad
        \bar\rho = \frac{\operatorname{Var}(S) - m}{m (m - 1)}

    which costs :math:`O(W m)` per window instead of :math:`O(W m^2)`.

    Method: the per-window scales :math:`\sigma_i` come from merge-only
    (Welford/Chan) block aggregates, O(N) per row; the row sums of 64
    consecutive windows (128 when N >= 1000) are one GEMM of their weights
    :math:`1/\sigma_i` by the block's rows, in deviations from the block's
    first end row (which lies in every window of the block, so a level
    offset costs nothing); then an exact two-pass variance of each window's
    sums. BLAS runs on one thread per kernel thread.

    Accuracy: agrees with a per-window ``np.corrcoef`` with exact centring
    to an absolute 1e-12 (about 1e-15 seen, also on levels near 1e6 and on
    yields moving by 1bp). Each value depends mathematically on its own
    window only; a different start row of the panel changes the block
    alignment and so the rounding, by about 1e-15 (not bit-identical).
    Truncating the panel never changes earlier rows.

    NaN policy: a column with any NaN in the window, or constant over it,
    is dropped from that window's average; the value is NaN if fewer than
    2 columns remain (``n_used`` says how many were used).
    """
    w = check_window(window)
    mo = check_min_obs(min_obs, w, least=2, default=w)
    arr = as_panel(X)
    n_rows, n_col = arr.shape
    out = np.full(n_rows, np.nan)
    used = np.zeros(n_rows, dtype=np.int64)
    if n_rows == 0 or n_col == 0:
        return PanelStat(out, used)
    bsz = min(_AVG_BLOCK if n_col < _AVG_WIDE_N else _AVG_BLOCK_WIDE, w)
    n_blk = -(-n_rows // bsz)
    wts = np.zeros((n_blk * bsz, n_col))  # padded to whole blocks with zero weights
    run_chunks(_panel_nb.avg_corr_weight_blocks, -(-n_rows // w), n_rows * n_col * 8, arr, w, wts, used)
    short = min(n_rows, max(mo, 2) - 1)  # windows with too few rows: nothing is used
    wts[:short] = 0.0
    used[:short] = 0
    work = 2 * n_blk * bsz * (w + bsz) * n_col
    with one_blas_thread():
        run_chunks(_avg_corr_blocks, n_blk, work, arr, wts, w, bsz, used, out)
    return PanelStat(out, used)


def window_corr(
    X: npt.ArrayLike, window: int, end: int | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    r"""Correlation matrix of the usable columns over one window.

    Parameters
    ----------
    X : array_like, shape (T, N)
        The panel.
    window : int
        Rows in the window (>= 2); the window is ``[end - window + 1, end]``
        clipped at row 0.
    end : int, optional
        Last row of the window (negative counts from the end); default the
        last row.

    Returns
    -------
    corr : ndarray, shape (N, N)
        :math:`\rho_{ij}` for usable columns (no NaN in the window, not
        constant), unit diagonal; NaN in the rows and columns of the others.
    used : ndarray of bool, shape (N,)
    """
    w = check_window(window)
    arr = as_panel(X)
    n_rows, n_col = arr.shape
    if n_rows == 0:
        raise ValueError("X has no rows")
    e = n_rows - 1 if end is None else int(end)
    if e < 0:
        e += n_rows
    if not 0 <= e < n_rows:
        raise IndexError(f"end {end} is outside the {n_rows} rows of X")
    block = arr[max(0, e - w + 1) : e + 1]
    used = ~np.isnan(block).any(axis=0)
    # Anchored two-pass centring: a constant column becomes exactly zero.
    dev = block[:, used] - block[0, used]
    dev = dev - dev.mean(axis=0)
    ss = np.einsum("ij,ij->j", dev, dev)
    keep = ss > 0.0
    used_idx = np.flatnonzero(used)[keep]
    used = np.zeros(n_col, dtype=bool)
    used[used_idx] = True
    dev = dev[:, keep]
    inv = 1.0 / np.sqrt(ss[keep])
    sub = (dev.T @ dev) * inv[:, None] * inv[None, :]
    np.clip(sub, -1.0, 1.0, out=sub)
    np.fill_diagonal(sub, 1.0)
    corr = np.full((n_col, n_col), np.nan)
    corr[np.ix_(used_idx, used_idx)] = sub
    return corr, used


@dataclass(frozen=True)
class CorrSummary:
    """Per-window summary of all pairwise correlations of a panel (see :func:`rolling_corr_summary`).

    Attributes
    ----------
    mean : ndarray, shape (T,)
        Mean of the off-diagonal correlations of the usable columns (NaN
        with fewer than 2 usable columns or too few rows).
    share_above : ndarray, shape (T,)
        Share of the usable pairs ``i < j`` with correlation ``> threshold``.
    hist : ndarray of int64, shape (T, bins)
        Number of usable pairs ``i < j`` per bin of ``edges`` (the last bin
        includes +1); sums to ``n_used * (n_used - 1) / 2`` where defined, 0
        elsewhere.
    n_used : ndarray of int64, shape (T,)
        Usable columns in each window (0 where the window has too few rows).
    edges : ndarray, shape (bins + 1,)
        Bin edges, equally spaced on [-1, 1].
    threshold : float
        The threshold of ``share_above``.
    restarts : int
        Exact recomputations made (scheduled and forced); for diagnostics.
    """

    mean: npt.NDArray[np.float64]
    share_above: npt.NDArray[np.float64]
    hist: npt.NDArray[np.int64]
    n_used: npt.NDArray[np.int64]
    edges: npt.NDArray[np.float64]
    threshold: float
    restarts: int

    def quantiles(self, q: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Approximate quantiles of each window's pair correlations, read off the histogram.

        Parameters
        ----------
        q : array_like of float in [0, 1], shape (K,)

        Returns
        -------
        ndarray, shape (T, K)
            Linear interpolation inside the bin holding the quantile, so
            the error is at most one bin width (``2 / bins``). NaN where no
            pair is usable.
        """
        qs = np.atleast_1d(np.asarray(q, dtype=np.float64))
        if qs.ndim != 1 or ((qs < 0) | (qs > 1)).any():
            raise ValueError("q must be a 1-D array of probabilities in [0, 1]")
        cum = np.cumsum(self.hist, axis=1, dtype=np.float64)
        total = cum[:, -1]
        out = np.full((self.hist.shape[0], qs.size), np.nan)
        width = self.edges[1] - self.edges[0]
        for t in np.flatnonzero(total > 0).tolist():
            target = qs * total[t]
            k = np.minimum(np.searchsorted(cum[t], target, side="left"), cum.shape[1] - 1)
            before = np.where(k > 0, cum[t][k - 1], 0.0)
            inside = np.maximum(self.hist[t][k], 1)
            frac = np.clip((target - before) / inside, 0.0, 1.0)
            out[t] = self.edges[k] + frac * width
        return out


# Rows between scheduled exact restarts of the streamed all-pairs kernel (and a thread's unit of work).
_SUMMARY_RESTART = 512


def rolling_corr_summary(
    X: npt.ArrayLike,
    window: int,
    min_obs: int | None = None,
    *,
    threshold: float = 0.5,
    bins: int = 20,
    restart: int = _SUMMARY_RESTART,
) -> CorrSummary:
    r"""All pairwise correlations of each trailing window, streamed and reduced to a few numbers.

    Parameters
    ----------
    X : array_like, shape (T, N)
        The panel (usually returns).
    window : int
        Rows in the trailing window ``[t - window + 1, t]`` (>= 2).
    min_obs : int, optional
        Rows needed in the window (``2 <= min_obs <= window``; only the
        first ``window - 1`` rows can have fewer); defaults to ``window``.
    threshold : float, default 0.5
        ``share_above`` counts the pairs with a correlation above it.
    bins : int, default 20
        Histogram bins, equally spaced on [-1, 1] (1 to 100). The cost of
        the histogram grows with the number of bins a window's
        correlations occupy.
    restart : int, default 512
        Rows between exact recomputations of the window's scatter matrix
        (>= 1; smaller is more accurate and slower).

    Returns
    -------
    CorrSummary
        ``mean``, ``share_above``, ``hist`` (and ``quantiles()`` from it),
        ``n_used``.

    Notes
    -----
    The correlations are those of ``np.corrcoef`` on the window's usable
    columns (same policy as :func:`rolling_avg_corr`: no NaN in the
    window, not constant), clipped to [-1, 1]. The N x N centred scatter
    matrix is slid one row at a time by an exact rank-two update and
    reduced in the same pass: O(N^2) work per row and O(N^2) memory, never
    T x N x N. Accuracy: the scatter matrix is recomputed exactly every
    ``restart`` rows and whenever a usable column's variance has dropped by
    more than 16x since the last recomputation, which bounds the error of
    every correlation by about ``restart * 16 * 1.1e-16`` (< 1e-12; about
    1e-15 is typical). A pair whose correlation lies within that of a bin
    edge or of ``threshold`` may be counted on the other side.

    Dependence on other rows (for splitting a long panel into time
    chunks): every value is mathematically a function of its own window
    only. Exact recomputations are scheduled at rows ``window - 1 + k *
    restart``; a chunk that starts at a row that is a multiple of
    ``restart`` of the full panel gives **bit-identical** results from its
    own row ``window - 1`` on (its first ``window - 1`` rows only see
    partial windows). Any other start gives results equal to about 1e-15
    (different rounding along the updates). Results do not depend on the
    number of threads.
    """
    w = check_window(window)
    mo = check_min_obs(min_obs, w, least=2, default=w)
    thr = float(threshold)
    if not math.isfinite(thr):
        raise ValueError(f"threshold must be finite; got {threshold!r}")
    nb = check_window(bins, least=1, what="bins")
    if nb > 100:
        raise ValueError(f"bins must be <= 100; got {nb}")
    rs = check_window(restart, least=1, what="restart")
    arr = as_panel(X)
    n_rows, n_col = arr.shape
    mean = np.full(n_rows, np.nan)
    share = np.full(n_rows, np.nan)
    hist = np.zeros((n_rows, nb), dtype=np.int64)
    used = np.zeros(n_rows, dtype=np.int64)
    edges = np.linspace(-1.0, 1.0, nb + 1)
    if n_rows == 0 or n_col == 0:
        return CorrSummary(mean, share, hist, used, edges, thr, 0)
    nanc = _panel_nb.nan_prefix_counts(arr)
    chg = _risk_nb.change_prefix_counts(arr)
    # segment 0: rows 0 .. w-2; segment k >= 1: rows w-1 + (k-1)*rs .. (see corr_summary_rows)
    n_seg = 1 + max(0, -(-(n_rows - (w - 1)) // rs))
    counts = np.zeros(n_seg, dtype=np.int64)

    def seg_range(k0: int, k1: int) -> None:
        for k in range(k0, k1):
            counts[k] = _pairs_nb.corr_summary_rows(
                arr, nanc, chg, w, mo, thr, nb, rs, mean, share, hist, used, k, k + 1
            )

    with one_blas_thread():
        run_chunks(seg_range, n_seg, n_rows * n_col * n_col)
    return CorrSummary(mean, share, hist, used, edges, thr, int(counts.sum()))


@dataclass(frozen=True)
class CorrContributions:
    """Which pairs make up the average correlation of one window.

    Attributes
    ----------
    corr : ndarray, shape (N, N)
        Correlation matrix (NaN rows/columns for unused columns).
    used : ndarray of bool, shape (N,)
        Columns that entered the window's average.
    average : float
        Average off-diagonal correlation of the used columns (NaN if < 2).
    pair : ndarray, shape (N, N)
        ``2 * corr[i, j] / (m (m - 1))`` for used ``i != j``: the share of
        the average owed to the unordered pair, so the strict upper
        triangle sums to ``average``. Zero on the diagonal, NaN for unused.
    column : ndarray, shape (N,)
        ``sum_{j != i} corr[i, j] / (m (m - 1))``: each column's share;
        the shares of the used columns sum to ``average`` (NaN if unused).
    """

    corr: npt.NDArray[np.float64]
    used: npt.NDArray[np.bool_]
    average: float
    pair: npt.NDArray[np.float64]
    column: npt.NDArray[np.float64]


def corr_contributions(X: npt.ArrayLike, window: int, end: int | None = None) -> CorrContributions:
    r"""Decompose one window's average correlation into pair and column shares.

    Parameters
    ----------
    X : array_like, shape (T, N)
        The panel (usually returns).
    window : int
        Rows in the window (>= 2).
    end : int, optional
        Last row of the window; default the last row of ``X``.

    Returns
    -------
    CorrContributions

    Notes
    -----
    With ``m`` usable columns (same policy as :func:`rolling_avg_corr`),

    .. math::

        \bar\rho = \sum_{i<j} \frac{2\rho_{ij}}{m(m-1)}
                 = \sum_i \sum_{j \ne i} \frac{\rho_{ij}}{m(m-1)}

    ``average`` matches :func:`rolling_avg_corr` at ``end`` to rounding.
    """
    corr, used = window_corr(X, window, end)
    m = int(used.sum())
    n_col = corr.shape[0]
    pair = np.full((n_col, n_col), np.nan)
    column = np.full(n_col, np.nan)
    if m < 2:
        return CorrContributions(corr, used, float("nan"), pair, column)
    idx = np.flatnonzero(used)
    sub = corr[np.ix_(idx, idx)].copy()
    np.fill_diagonal(sub, 0.0)
    scale = 1.0 / (m * (m - 1.0))
    pair[np.ix_(idx, idx)] = 2.0 * scale * sub
    column[idx] = scale * sub.sum(axis=1)
    average = float(scale * sub.sum())
    return CorrContributions(corr, used, average, pair, column)


class PairChange(NamedTuple):
    """How the correlation of one pair moved between two windows."""

    a: str
    b: str
    before: float
    now: float
    change: float


def top_pairs(
    names: Sequence[str],
    corr_now: npt.ArrayLike,
    corr_before: npt.ArrayLike,
    k: int = 5,
) -> list[PairChange]:
    """The ``k`` pairs whose correlation rose most from ``corr_before`` to ``corr_now``.

    Parameters
    ----------
    names : sequence of str, length N
        Column names, in the order of the matrices.
    corr_now, corr_before : array_like, shape (N, N)
        Correlation matrices, e.g. ``window_corr(X, W)[0]`` and
        ``window_corr(X, W, end=-1 - W)[0]``.
    k : int, default 5
        How many pairs to return (fewer if fewer pairs are defined).

    Returns
    -------
    list of PairChange
        Unordered pairs ``i < j`` where both matrices are finite, sorted by
        ``change = now - before`` descending (ties by name).
    """
    now = np.asarray(corr_now, dtype=np.float64)
    before = np.asarray(corr_before, dtype=np.float64)
    n = len(names)
    if now.shape != (n, n) or before.shape != (n, n):
        raise ValueError(f"corr_now and corr_before must be ({n}, {n}) to match names")
    if k < 0:
        raise ValueError(f"k must be >= 0; got {k}")
    iu, ju = np.triu_indices(n, 1)
    a_now = now[iu, ju]
    a_before = before[iu, ju]
    ok = np.isfinite(a_now) & np.isfinite(a_before)
    rows = [
        PairChange(names[i], names[j], float(b), float(c), float(c - b))
        for i, j, b, c in zip(iu[ok], ju[ok], a_before[ok], a_now[ok], strict=True)
    ]
    rows.sort(key=lambda p: (-p.change, p.a, p.b))
    return rows[:k]
