"""Numba cores for the panel kernels: average correlation (weights, block deviations, band
variances) and window scatter matrices.

Panel NaN policy (shared by every caller of this module): inside a window a
column is *usable* only if it has no NaN there; columns are never compared
on different rows.

The functions are serial and release the GIL; the Python wrappers split
the work over threads with :func:`stormwatch.kernels._threads.run_chunks`.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def nan_prefix_counts(x):  # type: ignore[no-untyped-def]
    """``out[t, j]`` = number of NaN in ``x[:t, j]`` (shape (T+1, N))."""
    n_rows, n_col = x.shape
    out = np.zeros((n_rows + 1, n_col), np.int64)
    for t in range(n_rows):
        for j in range(n_col):
            out[t + 1, j] = out[t, j] + (1 if np.isnan(x[t, j]) else 0)
    return out


@njit(cache=True, nogil=True)
def scatter_prepare(x, w, k, want, mean_out, nrow):  # type: ignore[no-untyped-def]
    """Sequential part of the scatter matrices of the windows ending in block ``k``.

    For every end row ``e = k*w + i`` (``0 <= i < nb``, ``nb = min(w, T - k*w)``)
    the window is rows ``[max(0, e-w+1), e]``; it is the suffix of block
    ``k-1`` from index ``si = i + 1`` plus the prefix of block ``k`` of
    ``i + 1`` rows. Every such window contains row ``k*w``, so all
    deviations are taken from ``anchor = x[k*w]``.

    Fills ``mean_out[i]`` (window mean of ``x - anchor``, rows with
    ``want[i]`` only) and ``nrow[i]``, and returns ``anchor`` and the Welford
    terms used by :func:`scatter_rows`: for the prefix (forwards) and the
    suffix (backwards) the running means, the deviations ``u`` from the
    previous mean and the factors ``(c-1)/c``.

    A column with a NaN anywhere in a window gets NaN in its mean (NaN
    propagates; callers drop such columns).
    """
    n_rows, n_col = x.shape
    b0 = k * w
    nb = min(b0 + w, n_rows) - b0
    anchor = x[b0].copy()
    ns = w if k > 0 else 0
    p_mean = np.zeros((nb + 1, n_col))  # p_mean[i] = mean of the first i rows of block k
    p_u = np.empty((nb, n_col))
    p_f = np.empty(nb)
    for i in range(nb):
        cnt = i + 1.0
        p_f[i] = (cnt - 1.0) / cnt
        for j in range(n_col):
            u = (x[b0 + i, j] - anchor[j]) - p_mean[i, j]
            p_u[i, j] = u
            p_mean[i + 1, j] = p_mean[i, j] + u / cnt
    s_mean = np.zeros((ns + 1, n_col))  # s_mean[si] = mean of rows si..w-1 of block k-1
    s_u = np.empty((ns, n_col))
    s_f = np.empty(ns)
    for i in range(ns - 1, -1, -1):
        cnt = ns - i + 0.0
        r = b0 - w + i
        s_f[i] = (cnt - 1.0) / cnt
        for j in range(n_col):
            u = (x[r, j] - anchor[j]) - s_mean[i + 1, j]
            s_u[i, j] = u
            s_mean[i, j] = s_mean[i + 1, j] + u / cnt
    for i in range(nb):
        pn = i + 1
        na = ns - pn if ns > 0 else 0
        nrow[i] = na + pn
        if not want[i]:
            continue
        if na == 0:
            for j in range(n_col):
                mean_out[i, j] = p_mean[pn, j]
        else:
            g = pn / (na + pn)
            for j in range(n_col):
                mean_out[i, j] = s_mean[pn, j] + (p_mean[pn, j] - s_mean[pn, j]) * g
    return anchor, p_mean, p_u, p_f, s_mean, s_u, s_f


@njit(cache=True, nogil=True)
def scatter_rows(p_mean, p_u, p_f, s_mean, s_u, s_f, want, full, scat, pp0, pp1):  # type: ignore[no-untyped-def]
    """Scatter matrices of the wanted windows, matrix rows ``pp`` and ``N-1-pp`` for ``pp0 <= pp < pp1``.

    Uses the terms from :func:`scatter_prepare`. ``scat[i]`` (N, N) gets the
    sum over window ``i`` of the outer products of the centred deviations:
    the upper triangle always, both triangles if ``full``. Rows ``i`` without
    ``want[i]`` are not touched.

    Method: Welford's symmetric update ``M += (c-1)/c * u u^T`` builds the
    prefix scatter of block ``k`` forwards (written to ``scat``) and the
    suffix scatter of block ``k-1`` backwards (added in), with Chan's merge
    term ``n_a n_b / n * delta delta^T``. Nothing is ever subtracted from a
    running sum, so no error accumulates along the series. Matrix rows are
    folded in pairs (``p`` with ``N-1-p``) so equal ranges of ``pp`` carry
    equal work.
    """
    nb = p_u.shape[0]
    ns = s_u.shape[0]
    n_col = p_u.shape[1]
    acc = np.empty(n_col)
    for pp in range(pp0, pp1):
        for half in range(2):
            p = pp if half == 0 else n_col - 1 - pp
            if half == 1 and p == pp:
                continue
            acc[:] = 0.0
            for i in range(nb):
                fu = p_f[i] * p_u[i, p]
                for qq in range(p, n_col):
                    acc[qq] += fu * p_u[i, qq]
                if want[i]:
                    for qq in range(p, n_col):
                        scat[i, p, qq] = acc[qq]
            acc[:] = 0.0
            for si in range(ns - 1, 0, -1):
                fu = s_f[si] * s_u[si, p]
                for qq in range(p, n_col):
                    acc[qq] += fu * s_u[si, qq]
                i = si - 1
                if i < nb and want[i]:
                    pn = i + 1
                    na = ns - pn
                    dp = (p_mean[pn, p] - s_mean[si, p]) * (na * (pn / (na + pn)))
                    for qq in range(p, n_col):
                        scat[i, p, qq] += acc[qq] + dp * (p_mean[pn, qq] - s_mean[si, qq])
            if full:
                for i in range(nb):
                    if want[i]:
                        for qq in range(p + 1, n_col):
                            scat[i, qq, p] = scat[i, p, qq]


@njit(cache=True, nogil=True)
def block_dev(x, t0, w, dev):  # type: ignore[no-untyped-def]
    """``dev[r] = x[t0 - w + 1 + r] - x[t0]`` for ``r < dev.shape[0]``; 0 outside ``x`` and for NaN.

    A NaN anchor counts as 0 (the column has weight 0 in every window of
    the block, which all contain row ``t0``).
    """
    n_rows, n_col = x.shape
    anc = np.empty(n_col)
    for j in range(n_col):
        a = x[t0, j]
        anc[j] = 0.0 if np.isnan(a) else a
    for r in range(dev.shape[0]):
        row = t0 - w + 1 + r
        if row < 0 or row >= n_rows:
            dev[r, :] = 0.0
            continue
        for j in range(n_col):
            dv = x[row, j] - anc[j]
            dev[r, j] = dv if dv == dv else 0.0  # NaN -> 0, branch-free so it vectorises


# reassociating the sums lets them vectorise; any fixed order is as accurate
@njit(cache=True, nogil=True, fastmath={"reassoc"})
def avg_corr_band(p, t0, w, used, out):  # type: ignore[no-untyped-def]
    """Average correlation of the windows ending at ``t0 .. t0+B-1`` from their row sums.

    ``p[b, r]`` (shape (B, w + B - 1)) is the weighted row sum ``S_r`` for
    the window ending at ``t = t0 + b`` and row ``t0 - w + 1 + r``; the
    window's rows are ``r = b + (w - 1 - n + 1) .. b + w - 1`` with ``n`` its
    length. Two-pass variance (ddof 0) of ``S`` over those rows, then
    ``(var - k) / (k (k - 1))``, clipped to ``[-1/(k-1), 1]``.
    """
    n_rows = out.shape[0]
    for b in range(p.shape[0]):
        t = t0 + b
        if t >= n_rows:
            break
        k = used[t]
        if k < 2:
            continue
        n = t - max(0, t - w + 1) + 1
        hi = b + w
        lo = hi - n
        acc = 0.0
        for r in range(lo, hi):
            acc += p[b, r]
        mean = acc / n
        q = 0.0
        e = 0.0
        for r in range(lo, hi):
            d = p[b, r] - mean
            q += d * d
            e += d
        var = (q - e * e / n) / n
        val = (var - k) / (k * (k - 1.0))
        out[t] = min(1.0, max(-1.0 / (k - 1.0), val))


@njit(cache=True, nogil=True)
def avg_corr_weight_blocks(x, w, wts, used, k0, k1):  # type: ignore[no-untyped-def]
    """Weights ``1 / sd`` of the usable columns of the windows ending in blocks ``k0 .. k1-1``, else 0.

    ``sd`` is the population standard deviation of the column over the
    window; a column is usable if it has no NaN in the window and ``sd > 0``
    (a window whose values are all equal gets exactly 0: every deviation is
    exactly 0). ``used[t]`` gets the number of usable columns.

    Block ``k`` is rows ``k*w .. k*w + w - 1``. A window ending in block
    ``k`` is a suffix of block ``k-1`` plus a prefix of block ``k``:
    Welford aggregates of the suffixes (backwards, deviations from the last
    row of block ``k-1``) and of the prefixes (forwards, deviations from the
    first row of block ``k``) are merged with Chan's formula -- the same
    merge-only scheme as :mod:`stormwatch.kernels._moments_nb`, with the
    columns in the inner loop so that it vectorises. NaN enter as a
    deviation of 0 and are tracked separately: ``s_nan[j]`` is the last NaN
    row of block ``k-1``, ``p_nan[j]`` whether the prefix has one.
    """
    n_rows, n_col = x.shape
    s_m = np.zeros((w + 1, n_col))
    s_q = np.zeros((w + 1, n_col))
    pm = np.empty(n_col)
    pq = np.empty(n_col)
    s_nan = np.empty(n_col, np.int64)
    p_nan = np.empty(n_col, np.bool_)
    for k in range(k0, k1):
        b0 = k * w
        if b0 >= n_rows:
            break
        stop = min(b0 + w, n_rows)
        ca = x[b0 - 1] if k > 0 else x[b0]
        cb = x[b0]
        s_nan[:] = -1
        if k > 0:
            s_m[w, :] = 0.0
            s_q[w, :] = 0.0
            for i in range(w - 1, -1, -1):
                cnt = w - i
                inv = 1.0 / cnt
                r = b0 - w + i
                for j in range(n_col):
                    v = x[r, j]
                    if np.isnan(v):
                        s_nan[j] = max(s_nan[j], r)
                    d = 0.0 if np.isnan(v) or np.isnan(ca[j]) else v - ca[j]
                    u = d - s_m[i + 1, j]
                    mm = s_m[i + 1, j] + u * inv
                    s_m[i, j] = mm
                    s_q[i, j] = s_q[i + 1, j] + u * (d - mm)
        pm[:] = 0.0
        pq[:] = 0.0
        p_nan[:] = False
        for t in range(b0, stop):
            pn = t - b0 + 1
            inv = 1.0 / pn
            for j in range(n_col):
                v = x[t, j]
                if np.isnan(v):
                    p_nan[j] = True
                d = 0.0 if np.isnan(v) or np.isnan(cb[j]) else v - cb[j]
                u = d - pm[j]
                pm[j] += u * inv
                pq[j] += u * (d - pm[j])
            i = pn  # suffix index: rows b0 - w + pn .. b0 - 1
            na = w - pn if k > 0 else 0
            first = max(0, t - w + 1)  # first row of the window; s_nan = -1 means no NaN
            m = 0
            if na == 0:
                for j in range(n_col):
                    var = pq[j] * inv
                    good = var > 0.0 and not p_nan[j] and s_nan[j] < first
                    wts[t, j] = 1.0 / np.sqrt(var) if good else 0.0
                    m += good
            else:
                n = na + pn
                g = na * (pn / n)
                for j in range(n_col):
                    ac = 0.0 if np.isnan(ca[j]) or np.isnan(cb[j]) else cb[j] - ca[j]
                    delta = ac + (pm[j] - s_m[i, j])
                    var = (s_q[i, j] + pq[j] + delta * delta * g) / n
                    good = var > 0.0 and not p_nan[j] and s_nan[j] < first
                    wts[t, j] = 1.0 / np.sqrt(var) if good else 0.0
                    m += good
            used[t] = m
