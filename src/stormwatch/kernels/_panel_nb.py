"""Numba cores for the panel kernels: average correlation and window scatter matrices.

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
def avg_corr_rows(x, nanc, w, min_obs, out, used, t0, t1):  # type: ignore[no-untyped-def]
    """Rolling average off-diagonal correlation of the columns of ``x`` (T, N), rows ``t0 .. t1-1``.

    ``nanc`` comes from :func:`nan_prefix_counts`. Per window (exact
    two-pass, no pairs formed): columns with no NaN are anchored at the
    window's first row, centred, scaled to unit norm and summed row-wise
    into ``S``; then ``n var(S) = sum_ij corr_ij``. Columns whose centred
    sum of squares is exactly 0 (flat) are dropped. ``out`` must start as
    NaN and ``used`` as 0.
    """
    n_col = x.shape[1]
    idx = np.empty(n_col, np.int64)
    anc = np.empty(n_col)
    s1 = np.empty(n_col)
    mu = np.empty(n_col)
    q = np.empty(n_col)
    e = np.empty(n_col)
    for t in range(t0, t1):
        s = max(0, t - w + 1)
        n = t - s + 1
        if n < min_obs or n < 2:
            continue
        m = 0
        for j in range(n_col):
            if nanc[t + 1, j] - nanc[s, j] == 0:
                idx[m] = j
                m += 1
        for jj in range(m):
            anc[jj] = x[s, idx[jj]]
            s1[jj] = 0.0
            q[jj] = 0.0
            e[jj] = 0.0
        for r in range(s, t + 1):
            for jj in range(m):
                s1[jj] += x[r, idx[jj]] - anc[jj]
        for jj in range(m):
            mu[jj] = s1[jj] / n
        for r in range(s, t + 1):
            for jj in range(m):
                dv = (x[r, idx[jj]] - anc[jj]) - mu[jj]
                q[jj] += dv * dv
                e[jj] += dv
        # keep non-flat columns; compact in place (k <= jj always)
        k = 0
        for jj in range(m):
            qq = q[jj] - e[jj] * e[jj] / n
            if qq > 0.0:
                idx[k] = idx[jj]
                anc[k] = anc[jj]
                mu[k] = mu[jj]
                q[k] = 1.0 / np.sqrt(qq)
                k += 1
        used[t] = k
        if k < 2:
            continue
        s_sum = 0.0
        s_sq = 0.0
        for r in range(s, t + 1):
            acc = 0.0
            for jj in range(k):
                acc += ((x[r, idx[jj]] - anc[jj]) - mu[jj]) * q[jj]
            s_sum += acc
            s_sq += acc * acc
        var_s = s_sq - s_sum * s_sum / n
        val = (var_s - k) / (k * (k - 1.0))
        out[t] = min(1.0, max(-1.0 / (k - 1.0), val))


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
