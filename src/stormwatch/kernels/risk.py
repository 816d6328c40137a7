"""Systemic-risk kernels on a returns panel: absorption ratio and turbulence.

The absorption ratio reads, for each window, the columns' means and scatter
matrix from :func:`stormwatch.kernels._panel_nb.scatter_rows` (anchored,
merge-only Welford/Chan aggregates in O(N^2) per row). When that would need
too much memory (``window * N**2`` doubles above ``_BLOCKED_MAX_DOUBLES``)
each window is computed directly instead (anchored two-pass with numpy);
both paths give the same numbers to rounding. The sum of the top
eigenvalues of each scatter matrix comes from a numba Householder
tridiagonalisation + Sturm-count search (:mod:`stormwatch.kernels._eig_nb`,
about 2.3x faster than LAPACK ``eigvalsh`` at N=100), LAPACK remaining for
the Gram-matrix case and as ``_method="lapack"`` for cross-checks.

Turbulence streams the inverse covariance with rank-one updates and exact
restarts (:mod:`stormwatch.kernels._risk_nb`); the batched exact solves
remain as ``_method="blocked"``/``"direct"`` for cross-checks.

Panel NaN policy: in each window a column is used only if it has no NaN
there and is not constant; columns never mix different rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stormwatch.kernels import _eig_nb, _panel_nb, _risk_nb
from stormwatch.kernels._blas import one_blas_thread
from stormwatch.kernels._threads import run_chunks
from stormwatch.kernels._validate import as_panel, as_series, check_min_obs, check_window
from stormwatch.kernels.correlation import PanelStat
from stormwatch.kernels.moments import rolling_mean_std

__all__ = [
    "absorption_ratio",
    "absorption_shift",
    "turbulence",
]

# Blocked path workspace: window * N**2 doubles (N=100, W=250: 2.5e6, 20 MB).
_BLOCKED_MAX_DOUBLES = 1 << 24
_DIRECT_CHUNK_DOUBLES = 1 << 22
# Turbulence: target rows between scheduled exact restarts (and the unit of work of a thread).
_TURB_RESTART = 1024


@dataclass(frozen=True)
class _Batch:
    """Window statistics for a batch of end rows (arrays may be reused workspace)."""

    ends: npt.NDArray[np.int64]  # end row of each window, sorted
    pos: npt.NDArray[np.int64]  # where each end sits in the arrays below
    anchor: npt.NDArray[np.float64]  # (B, N) deviations are taken from
    mean: npt.NDArray[np.float64]  # (B, N) window mean of x - anchor
    scat: npt.NDArray[np.float64]  # (B, N, N) centred scatter (upper triangle; full if asked)
    nrow: npt.NDArray[np.int64]  # (B,) rows in each window


def _iter_scatter(
    arr: npt.NDArray[np.float64],
    w: int,
    ends: npt.NDArray[np.int64],
    *,
    full: bool,
    method: str = "auto",
) -> Iterator[_Batch]:
    """Yield window statistics for the (sorted) end rows ``ends``, a batch at a time.

    The arrays of a batch are valid until the next one is requested.
    """
    n_rows, n_col = arr.shape
    if ends.size == 0:
        return
    if method == "auto":
        method = "blocked" if w * n_col * n_col <= _BLOCKED_MAX_DOUBLES else "direct"
    if method == "blocked":
        blocks = ends // w
        mean = np.full((w, n_col), np.nan)
        scat = np.empty((w, n_col, n_col))
        nrow = np.zeros(w, dtype=np.int64)
        for k in np.unique(blocks).tolist():
            sel = ends[blocks == k]
            b0 = k * w
            nb = min(b0 + w, n_rows) - b0
            want = np.zeros(nb, dtype=np.bool_)
            pos = sel - b0
            want[pos] = True
            anchor, *terms = _panel_nb.scatter_prepare(arr, w, k, want, mean, nrow)
            n_pairs = (n_col + 1) // 2
            run_chunks(_panel_nb.scatter_rows, n_pairs, 2 * w * n_col * n_col, *terms, want, full, scat)
            yield _Batch(sel, pos, np.broadcast_to(anchor, (w, n_col)), mean, scat, nrow)
    elif method == "direct":
        chunk = max(1, _DIRECT_CHUNK_DOUBLES // max(1, n_col * n_col))
        for c0 in range(0, ends.size, chunk):
            sel = ends[c0 : c0 + chunk]
            b = sel.size
            anchor = np.empty((b, n_col))
            mean = np.empty((b, n_col))
            scat = np.empty((b, n_col, n_col))
            nrow = np.empty(b, dtype=np.int64)
            for i, e in enumerate(sel.tolist()):
                rows = arr[max(0, e - w + 1) : e + 1]
                anchor[i] = rows[0]
                dev = rows - rows[0]
                mean[i] = dev.mean(axis=0)
                dev -= mean[i]
                scat[i] = dev.T @ dev
                nrow[i] = rows.shape[0]
            yield _Batch(sel, np.arange(b, dtype=np.int64), anchor, mean, scat, nrow)
    else:
        raise ValueError(f"unknown method {method!r}")


def _groups(mask: npt.NDArray[np.bool_]) -> Iterator[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    """Group rows of a boolean matrix by pattern: yields (row positions, column indices)."""
    if mask.shape[0] == 0:
        return
    if (mask == mask[0]).all():
        yield np.arange(mask.shape[0], dtype=np.int64), np.flatnonzero(mask[0])
        return
    patterns, inverse = np.unique(mask, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    for g in range(patterns.shape[0]):
        yield np.flatnonzero(inverse == g), np.flatnonzero(patterns[g])


def _take(
    a: npt.NDArray[np.float64], rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """``a[rows][:, cols][:, :, cols]`` with as little copying as possible."""
    n_col = a.shape[-1]
    all_cols = cols.size == n_col
    if all_cols and rows.size == a.shape[0] and (rows == np.arange(rows.size)).all():
        return a
    if all_cols:
        return a[rows]
    return a[np.ix_(rows, cols, cols)]


def absorption_ratio(
    X: npt.ArrayLike,
    window: int,
    n_factors: int | None = None,
    step: int = 1,
    min_obs: int | None = None,
    *,
    _method: str = "auto",
) -> PanelStat:
    r"""Rolling absorption ratio (Kritzman, Li, Page & Rigobon 2011).

    Parameters
    ----------
    X : array_like, shape (T, N)
        Returns panel, one column per asset.
    window : int
        Rows in the trailing window ``[t - window + 1, t]`` (>= 2).
    n_factors : int, optional
        Eigenvectors counted as "absorbing" (>= 1). Default
        ``ceil(m / 5)`` with ``m`` the columns usable in the window.
    step : int, default 1
        Compute every ``step``-th row only, aligned so that the last row is
        always computed (the others are NaN). Each computed value is the
        same as with ``step=1``.
    min_obs : int, optional
        Rows needed in the window (``2 <= min_obs <= window``); defaults to
        ``window``.

    Returns
    -------
    PanelStat
        ``value`` (T,): the absorption ratio, ``n_used``: columns used.

    Notes
    -----
    With :math:`\lambda_1 \ge \dots \ge \lambda_m` the eigenvalues of the
    window's sample covariance matrix of the usable columns and
    :math:`K` = ``n_factors``,

    .. math::

        AR_t = \frac{\sum_{k=1}^{K} \lambda_k}{\sum_{k=1}^{m} \lambda_k}
             = \frac{\sum_{k=1}^{K} \lambda_k}{\operatorname{tr} \Sigma_t}

    The top-:math:`K` sum comes from a Householder reduction of the
    :math:`m \times m` scatter matrix to tridiagonal form and bisection /
    bracketed Laguerre steps on Sturm counts for its top :math:`K` eigenvalues
    (:mod:`stormwatch.kernels._eig_nb`; no eigenvectors, no full spectrum),
    or from :func:`numpy.linalg.eigvalsh` of the :math:`n \times n` Gram
    matrix when :math:`m > n` rows (same non-zero eigenvalues).

    NaN policy: columns with a NaN in the window, or constant over it, are
    left out; the value is NaN when fewer than 3 columns remain, when
    :math:`K \ge m` (the ratio would be 1 by construction) and when
    :math:`K \ge n - 1` (with ``n`` rows the covariance has rank at most
    :math:`n - 1`, so the top :math:`K` eigenvalues would absorb everything).
    Agreement with a per-window ``np.cov`` + ``eigvalsh`` reference is
    tested at a relative 1e-12 (about 1e-15 seen).

    Cost: about 0.13 ms per computed row at N=100 (0.1 ms reduction, 0.03 ms
    eigenvalue search; LAPACK ``eigvalsh`` alone takes about 0.3 ms), split over the
    kernel threads (see :func:`stormwatch.kernels.set_num_threads`); use
    ``step`` (e.g. 5 for weekly values) for long histories of wide panels.
    """
    w = check_window(window)
    mo = check_min_obs(min_obs, w, least=2, default=w)
    if n_factors is not None and (isinstance(n_factors, bool) or int(n_factors) < 1):
        raise ValueError(f"n_factors must be >= 1 or None; got {n_factors!r}")
    st = check_window(step, least=1, what="step")
    arr = as_panel(X)
    n_rows = arr.shape[0]
    out = np.full(n_rows, np.nan)
    used = np.zeros(n_rows, dtype=np.int64)
    first = max(0, mo - 1)
    ends = np.arange(n_rows - 1, first - 1, -st, dtype=np.int64)[::-1].copy()
    with one_blas_thread():
        _absorption_batches(arr, w, ends, n_factors, _method, out, used)
    np.clip(out, 0.0, 1.0, out=out)
    return PanelStat(out, used)


def _eigvalsh_batch(sub: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``np.linalg.eigvalsh(sub, UPLO="U")`` of a stack of matrices, split over the kernel threads.

    numpy's LAPACK loop releases the GIL, so plain threads run the halves in
    parallel; each matrix's eigenvalues are the same whatever the split.
    """
    ev = np.empty(sub.shape[:2])

    def part(lo: int, hi: int) -> None:
        ev[lo:hi] = np.linalg.eigvalsh(sub[lo:hi], UPLO="U")

    n = sub.shape[1]
    run_chunks(part, sub.shape[0], sub.shape[0] * 4 * n * n * n)
    return ev


def _absorption_batches(
    arr: npt.NDArray[np.float64],
    w: int,
    ends: npt.NDArray[np.int64],
    n_factors: int | None,
    method: str,
    out: npt.NDArray[np.float64],
    used: npt.NDArray[np.int64],
) -> None:
    """Fill ``out`` and ``used`` at ``ends`` (see :func:`absorption_ratio`).

    ``method`` is ``"<scatter>"`` or ``"<scatter>-lapack"`` (``<scatter>`` one
    of ``auto``/``blocked``/``direct``, or just ``"lapack"``): the suffix
    takes the eigenvalues from LAPACK instead of the tridiagonal
    reduction + bisection of :mod:`stormwatch.kernels._eig_nb`.
    """
    scatter_method, _, eig = method.partition("-")
    if scatter_method == "lapack" and not eig:
        scatter_method, eig = "auto", "lapack"
    if eig not in ("", "lapack"):
        raise ValueError(f"unknown method {method!r}")
    for bt in _iter_scatter(arr, w, ends, full=False, method=scatter_method):
        diag = np.diagonal(bt.scat, axis1=1, axis2=2)[bt.pos]
        usable = np.isfinite(diag) & (diag > 0.0)
        used[bt.ends] = usable.sum(axis=1)
        for grp, cols in _groups(usable):
            m = cols.size
            k = n_factors if n_factors is not None else math.ceil(m / 5)
            grp = grp[(bt.nrow[bt.pos[grp]] - 1 > k) & (m > k) & (m >= 3)]
            if grp.size == 0:
                continue
            wpos = bt.pos[grp]
            wide = bt.nrow[wpos] < m  # more columns than rows: use the Gram matrix
            if not wide.any():
                if eig == "lapack":
                    sub = _take(bt.scat, wpos, cols)
                    ev = _eigvalsh_batch(sub)
                    trace = np.trace(sub, axis1=1, axis2=2)
                    out[bt.ends[grp]] = ev[:, -k:].sum(axis=1) / trace
                else:
                    ratio = np.empty(grp.size)
                    run_chunks(
                        _eig_nb.absorption_rows, grp.size, grp.size * 2 * m**3,
                        bt.scat, wpos, cols, k, ratio,
                    )  # fmt: skip
                    out[bt.ends[grp]] = ratio
                continue
            for g in grp.tolist():
                e = int(bt.ends[g])
                rows = arr[max(0, e - w + 1) : e + 1][:, cols]
                dev = rows - rows[0]
                dev -= dev.mean(axis=0)
                ev1 = np.linalg.eigvalsh(dev @ dev.T)
                out[e] = ev1[-k:].sum() / np.einsum("ij,ij->", dev, dev)


def absorption_shift(
    ar: npt.ArrayLike,
    short: int = 15,
    long: int = 250,
    min_obs_short: int | None = None,
    min_obs_long: int | None = None,
) -> npt.NDArray[np.float64]:
    r"""Standardised shift of the absorption ratio (Kritzman et al. 2011).

    Parameters
    ----------
    ar : array_like, shape (T,)
        Absorption ratio series (e.g. ``absorption_ratio(...).value``).
    short, long : int, default 15 and 250
        Trailing windows, in rows (``2 <= short < long``).
    min_obs_short, min_obs_long : int, optional
        Valid values needed in each window; default the full window (with
        a ``step`` > 1 absorption ratio, lower these).

    Returns
    -------
    ndarray, shape (T,)

        .. math::

            \Delta AR_t = \frac{\overline{AR}_{t,\text{short}} - \overline{AR}_{t,\text{long}}}
                               {\sigma_{t,\text{long}}(AR)}

        with trailing means and the sample standard deviation over the long
        window (NaN skipped). NaN where a window has too few values or the
        long-window standard deviation is 0.
    """
    s = check_window(short, what="short")
    lg = check_window(long, what="long")
    if s >= lg:
        raise ValueError(f"short ({s}) must be smaller than long ({lg})")
    mos = check_min_obs(min_obs_short, s, least=1, default=s)
    mol = check_min_obs(min_obs_long, lg, least=2, default=lg)
    arr, one_d = as_series(ar, "ar")
    if not one_d:
        raise ValueError("ar must be 1-D")
    series = arr[0]
    m_short, _ = rolling_mean_std(series, s, mos)
    m_long, sd_long = rolling_mean_std(series, lg, mol)
    out = np.full(series.shape, np.nan)
    ok = sd_long > 0.0
    out[ok] = (m_short[ok] - m_long[ok]) / sd_long[ok]
    return out


def turbulence(
    X: npt.ArrayLike,
    window: int,
    ridge: float = 1e-8,
    min_obs: int | None = None,
    *,
    _method: str = "auto",
) -> PanelStat:
    r"""Financial turbulence: squared Mahalanobis distance of today's returns (Kritzman & Li 2010).

    Parameters
    ----------
    X : array_like, shape (T, N)
        Returns panel.
    window : int
        Rows of history (>= 2). The mean and covariance for row ``t`` come
        from rows ``t - window .. t - 1`` -- the **trailing window excludes
        row t**, so an unusual day is measured against what came before it.
    ridge : float, default 1e-8
        Relative ridge: :math:`\lambda = \text{ridge} \cdot
        \operatorname{tr}(\Sigma_t) / m` is added to the diagonal.
    min_obs : int, optional
        Rows of history needed (``2 <= min_obs <= window``); defaults to
        ``window``.

    Returns
    -------
    PanelStat
        ``value`` (T,): turbulence, ``n_used``: columns used.

    Notes
    -----
    .. math::

        d_t = (x_t - \mu_t)^\top (\Sigma_t + \lambda I)^{-1} (x_t - \mu_t)

    with :math:`\mu_t, \Sigma_t` the mean and sample covariance (ddof 1) of
    rows :math:`t-W .. t-1`. Under normality :math:`E[d_t] \approx m`; divide
    by ``n_used`` to compare across changing column sets.

    NaN policy: a column is used at ``t`` if it has no NaN in the history
    window, is not constant there (decided exactly, from the values), and
    ``x_t`` is valid; NaN when no column is usable or the history is
    shorter than ``min_obs``.

    Method (see :mod:`stormwatch.kernels._risk_nb`): the history's mean and
    scatter matrix slide by Welford rank-one updates, in deviations from an
    anchor row; the inverse of the ridged scatter matrix as of the last
    exact restart is kept current by Sherman-Morrison updates and used as
    a preconditioner: one residual correction with the exact current matrix
    (whose ridge follows the trace at every row) makes the quadratic form
    accurate to third order in the preconditioner's error, which is
    estimated at every row. Exact restart (two-pass scatter and inverse)
    every 1024 rows (at fixed row numbers, so threads and truncation change
    nothing), when the usable columns change, when a Sherman-Morrison
    denominator falls below 1e-6 and when the estimated error exceeds
    1e-15; a row whose ``x_t`` misses a usable column is solved exactly on
    the others. O(N^2) per row instead of O(W N^2 + N^3).

    Accuracy: agreement with a per-row exact-centring + ``solve`` reference
    is tested at a relative 1e-12 (about 1e-14 seen), including levels near
    1e6, 1bp yields, volatility bursts, stale columns, NaN gaps and
    ``ridge=0``; 1e-6 with exactly collinear columns held only by the ridge
    (the reference itself is that ill-conditioned).
    """
    w = check_window(window)
    mo = check_min_obs(min_obs, w, least=2, default=w)
    lam_rel = float(ridge)
    if not (lam_rel >= 0.0 and math.isfinite(lam_rel)):
        raise ValueError(f"ridge must be a finite number >= 0; got {ridge!r}")
    arr = as_panel(X)
    n_rows, n_col = arr.shape
    out = np.full(n_rows, np.nan)
    used = np.zeros(n_rows, dtype=np.int64)
    if _method in ("auto", "rank1"):
        if n_rows < 2 or n_col == 0:
            return PanelStat(out, used)
        nanc = _panel_nb.nan_prefix_counts(arr)
        chg = _risk_nb.change_prefix_counts(arr)
        r = _TURB_RESTART
        n_seg = -(-n_rows // r)
        work = 12 * n_rows * n_col * n_col
        with one_blas_thread():
            run_chunks(_risk_nb.turbulence_rows, n_seg, work, arr, nanc, chg, w, mo, lam_rel, r, out, used)
        return PanelStat(out, used)
    # batched exact solves (the former method; kept as a cross-check for the tests)
    ends = np.arange(max(0, mo - 1), n_rows - 1, dtype=np.int64)
    for bt in _iter_scatter(arr, w, ends, full=True, method=_method):
        target = bt.ends + 1
        xt = arr[target]
        diag = np.diagonal(bt.scat, axis1=1, axis2=2)[bt.pos]
        usable = np.isfinite(diag) & (diag > 0.0) & ~np.isnan(xt)
        used[target] = usable.sum(axis=1)
        for grp, cols in _groups(usable):
            m = cols.size
            if m == 0:
                continue
            wpos = bt.pos[grp]
            cov = _take(bt.scat, wpos, cols) / (bt.nrow[wpos] - 1.0)[:, None, None]
            lam = lam_rel * np.trace(cov, axis1=1, axis2=2) / m
            idx = np.arange(m)
            cov[:, idx, idx] += lam[:, None]
            dev = (xt[grp][:, cols] - bt.anchor[wpos][:, cols]) - bt.mean[wpos][:, cols]
            sol = np.linalg.solve(cov, dev[:, :, None])[:, :, 0]
            out[target[grp]] = np.einsum("ij,ij->i", dev, sol)
    return PanelStat(out, used)
