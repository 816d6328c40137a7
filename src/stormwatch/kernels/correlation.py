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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from stormwatch.kernels import _moments_nb, _panel_nb
from stormwatch.kernels._threads import run_chunks
from stormwatch.kernels._validate import as_panel, as_series, check_min_obs, check_window

__all__ = [
    "CorrContributions",
    "PairChange",
    "PanelStat",
    "corr_contributions",
    "rolling_avg_corr",
    "rolling_corr",
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
        :math:`|V_t| <` ``min_obs`` or either series is constant on
        :math:`V_t`. Clipped to ``[-1, 1]``.

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
    nanc = _panel_nb.nan_prefix_counts(arr)
    work = 3 * n_rows * min(w, n_rows) * n_col
    run_chunks(_panel_nb.avg_corr_rows, n_rows, work, arr, nanc, w, mo, out, used)
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
