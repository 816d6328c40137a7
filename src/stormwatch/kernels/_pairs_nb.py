"""Numba core of :func:`stormwatch.kernels.correlation.rolling_corr_summary`: streamed all-pairs correlation.

The centred scatter matrix ``M`` of the window (all columns, N x N) is slid
one row at a time with the exact rank-two identity (window length ``n``
fixed, row ``o`` out, row ``a`` in, ``d = x_a - x_o``, ``mu`` the old mean)

    M' = M + d v^T + v d^T,   v = (x_o - mu) + d (1 - 1/n) / 2,   mu' = mu + d / n

(Welford's ``M' = M + n/(n+1) u u^T`` while the window is still growing),
and reduced in the same pass over its upper triangle: correlation
``M_ij / sqrt(M_ii M_jj)`` of every usable pair, its sum, how many exceed
the threshold and a fixed-bin histogram. Nothing of size T x N x N is ever
formed; the work per row is O(N^2).

Accuracy: every quantity is in deviations from an anchor row (so a level
offset costs nothing) and ``M`` is recomputed exactly (anchored two-pass,
one GEMM) at scheduled *restart* rows, so rounding from the updates never
builds up over more than ``restart`` rows; a restart is also forced when the
diagonal of a usable column has fallen by more than ``DROP`` since the last
restart (the update errors are relative to the largest values seen, e.g. a
volatility burst that has left the window). Missing values enter the
updates as the anchor's value (a deviation of 0) and the column is left
out of every window that contains them, so NaN never poisons ``M``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

DROP = 16.0


@njit(cache=True, nogil=True)
def _restart(x, s, t, anchor, mu, scat):  # type: ignore[no-untyped-def]
    """Exact anchored state of rows ``s .. t`` (all columns; NaN as the anchor's value)."""
    n_col = x.shape[1]
    n = t - s + 1
    for j in range(n_col):
        # anchor: the last valid value in the window (0 if none), so a NaN (deviation 0) is a
        # plausible value of the column, not a spike
        a = 0.0
        for r in range(t, s - 1, -1):
            v = x[r, j]
            if not np.isnan(v):
                a = v
                break
        anchor[j] = a
    dev = np.empty((n, n_col))
    mu[:] = 0.0
    for r in range(s, t + 1):
        for j in range(n_col):
            v = x[r, j] - anchor[j]
            v = v if v == v else 0.0
            dev[r - s, j] = v
            mu[j] += v
    for j in range(n_col):
        mu[j] /= n
    corr = np.zeros(n_col)
    for r in range(n):
        for j in range(n_col):
            dv = dev[r, j] - mu[j]
            dev[r, j] = dv
            corr[j] += dv
    for j in range(n_col):
        # corrected two-pass: fold the rounding error of the mean back in
        c = corr[j] / n
        mu[j] += c
        for r in range(n):
            dev[r, j] -= c
    scat[:, :] = dev.T @ dev


# The row kernels take 0-based slices (row i from column i+1 on): with indices known to be
# non-negative LLVM vectorises the loops, about 4x faster than indexing scat[i, j] for j > i.
@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _update_reduce_row(row, ai, bi, si, a, b, sc, uf, half, nbins, thr, bins):  # type: ignore[no-untyped-def]
    """``row += ai b + bi a``, then reduce its usable pairs.

    Returns (sum of correlations, count above ``thr``, lowest and highest
    bin used); ``bins[j]`` gets each pair's bin, -1 for unusable pairs.
    """
    ssum = 0.0
    cnt = 0.0
    lo = nbins
    hi = -1
    for j in range(row.shape[0]):
        mij = row[j] + (ai * b[j] + bi * a[j])
        row[j] = mij
        r = min(1.0, max(-1.0, mij * si * sc[j]))
        ssum += r
        cnt += uf[j] if r > thr else 0.0
        bb = min(np.int32((r + 1.0) * half), np.int32(nbins - 1))
        bu = bb if uf[j] > 0.0 else np.int32(-1)
        bins[j] = bu
        hi = max(hi, int(bu))
        lo = min(lo, int(bb) if uf[j] > 0.0 else nbins)
    return ssum, cnt, lo, hi


@njit(cache=True, nogil=True)
def _count_bins(bins, lo, hi, hist):  # type: ignore[no-untyped-def]
    """``hist[k] += #(bins == k)`` for ``lo <= k <= hi``.

    One vectorised counting pass per occupied bin: much faster than a
    scatter increment per pair, since a window's correlations fill only a
    few bins.
    """
    for k in range(lo, hi + 1):
        kk = np.int32(k)
        c = 0
        for j in range(bins.shape[0]):
            c += bins[j] == kk
        hist[k] += c


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _update_row(row, ai, bi, a, b):  # type: ignore[no-untyped-def]
    for j in range(row.shape[0]):
        row[j] += ai * b[j] + bi * a[j]


@njit(cache=True, nogil=True)
def _update_all(scat, a, b):  # type: ignore[no-untyped-def]
    n_col = scat.shape[0]
    for i in range(n_col - 1):
        _update_row(scat[i, i + 1 :], a[i], b[i], a[i + 1 :], b[i + 1 :])


@njit(cache=True, nogil=True)
def corr_summary_rows(  # type: ignore[no-untyped-def]
    x, nanc, chg, w, min_obs, thr, nbins, restart, mean_out, share_out, hist_out, used_out, seg0, seg1
):
    """Summaries of the windows ending at the rows of segments ``seg0 .. seg1-1``; returns the restarts made.

    Segment 0 is rows ``0 .. w-2`` (windows still growing); segment ``k >= 1``
    is rows ``w-1 + (k-1)*restart .. w-2 + k*restart``. Every segment starts
    with an exact restart, so the split over threads does not change the
    results, and a shift of the first row by a multiple of ``restart``
    leaves the full windows bit-identical. ``nanc``/``chg``: NaN and change
    prefix counts of ``x``. Outputs must start as NaN (``mean_out``,
    ``share_out``) and 0 (``hist_out``, ``used_out``).
    """
    n_rows, n_col = x.shape
    t_lo = 0 if seg0 == 0 else w - 1 + (seg0 - 1) * restart
    t_hi = min(n_rows, w - 1 + (seg1 - 1) * restart)
    anchor = np.empty(n_col)
    mu = np.empty(n_col)
    scat = np.empty((n_col, n_col))
    peak = np.empty(n_col)
    a = np.empty(n_col)
    b = np.empty(n_col)
    sc = np.empty(n_col)
    uf = np.empty(n_col)
    bins = np.empty(n_col, np.int32)
    hist = np.zeros(nbins, np.int64)
    half = nbins / 2.0
    n_restarts = 0
    valid = False
    for t in range(t_lo, t_hi):
        s = max(0, t - w + 1)
        n = t - s + 1
        scheduled = t == t_lo or (t >= w - 1 and (t - (w - 1)) % restart == 0)
        do_restart = scheduled or not valid
        if not do_restart:
            # slide: row t in, row s - 1 out (if the window is full)
            if s > 0:
                inv_n = 1.0 / n
                g = 0.5 * (1.0 - inv_n)
                for j in range(n_col):
                    xa = x[t, j] - anchor[j]
                    xa = xa if xa == xa else 0.0
                    xo = x[s - 1, j] - anchor[j]
                    xo = xo if xo == xo else 0.0
                    d = xa - xo
                    a[j] = d
                    b[j] = (xo - mu[j]) + d * g
                    mu[j] += d * inv_n
            else:
                f = (n - 1.0) / n
                for j in range(n_col):
                    xa = x[t, j] - anchor[j]
                    xa = xa if xa == xa else 0.0
                    u = xa - mu[j]
                    a[j] = 0.5 * f * u
                    b[j] = u
                    mu[j] += u / n
            for j in range(n_col):
                scat[j, j] += 2.0 * a[j] * b[j]
        else:
            _restart(x, s, t, anchor, mu, scat)
            n_restarts += 1
            valid = True
            a[:] = 0.0
            b[:] = 0.0
            for j in range(n_col):
                peak[j] = scat[j, j]
        # usable columns: no NaN in the window, not constant (exact counts, not the computed variance)
        drop = False
        for j in range(n_col):
            ok = nanc[t + 1, j] == nanc[s, j] and chg[t + 1, j] != chg[s + 1, j] and scat[j, j] > 0.0
            uf[j] = 1.0 if ok else 0.0
            if ok and scat[j, j] * DROP < peak[j]:
                drop = True
        if drop:
            # a usable column's variance fell far below its peak since the restart (e.g. a burst left
            # the window): the update errors, relative to that peak, would be too large -- redo exactly
            _restart(x, s, t, anchor, mu, scat)
            n_restarts += 1
            a[:] = 0.0
            b[:] = 0.0
            for j in range(n_col):
                peak[j] = scat[j, j]
        m = 0
        for j in range(n_col):
            ok = uf[j] > 0.0 and scat[j, j] > 0.0
            peak[j] = max(peak[j], scat[j, j])
            uf[j] = 1.0 if ok else 0.0
            sc[j] = 1.0 / np.sqrt(scat[j, j]) if ok else 0.0
            m += ok
        if n < min_obs or n < 2:
            _update_all(scat, a, b)
            continue
        used_out[t] = m
        if m < 2:
            _update_all(scat, a, b)
            continue
        hist[:] = 0
        total = 0.0
        above = 0.0
        for i in range(n_col - 1):
            i1 = i + 1
            if uf[i] == 0.0:
                _update_row(scat[i, i1:], a[i], b[i], a[i1:], b[i1:])
                continue
            ssum, cnt, lo, hi = _update_reduce_row(
                scat[i, i1:], a[i], b[i], sc[i], a[i1:], b[i1:], sc[i1:], uf[i1:], half, nbins, thr, bins
            )
            total += ssum
            above += cnt
            _count_bins(bins[: n_col - i1], lo, hi, hist)
        pairs = m * (m - 1) / 2.0
        mean_out[t] = total / pairs
        share_out[t] = above / pairs
        hist_out[t, :] = hist
    return n_restarts
