"""Numba cores for the absorption ratio: the sum of the top ``k`` eigenvalues of symmetric matrices.

Only that sum is needed (the trace is known), so instead of a full LAPACK
``eigvalsh`` each matrix is

1. reduced to symmetric tridiagonal form by Householder reflections
   (LAPACK ``dsytd2`` order, upper triangle only), with the rank-2 update
   of one step fused with the matrix-vector product of the next so the
   trailing triangle is swept once per step over contiguous rows;
2. searched for its top ``k`` eigenvalues with Sturm counts (LAPACK
   ``dstebz`` rules: LDL^T pivots with the ``pivmin`` guard): bisection
   until a bracket holds a single eigenvalue, then Laguerre steps kept
   inside the bracket. Several shifts go in each sweep so the serial pivot
   recurrences overlap, and every count narrows every bracket.

Householder reduction is backward stable and each eigenvalue of the
tridiagonal matrix is pinned to about ``2 eps |lambda| + pivmin``, so the
sum has an error of a few ``eps * ||A||``.

The functions are serial and release the GIL; the Python wrapper splits
the matrices over threads with :func:`stormwatch.kernels._threads.run_chunks`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# Shifts evaluated per Sturm sweep: independent pivot recurrences that the
# CPU overlaps (one recurrence alone is bound by the division latency).
_LANES = 8
# Shifts per eigenvalue with interpolation / Laguerre steps (about 5-10 are needed) before
# falling back to plain bisection.
_MAX_FAST_LOOKS = 40
# error_model="numpy" drops the zero-division checks (pivots are kept away from 0 by
# pivmin, reflector denominators are tested), which otherwise block vectorisation.
# Reassociation lets the dot products vectorise; contraction allows FMA. No
# "nnan"/"ninf" (the guards must keep their meaning) and no "arcp"/"afn"
# (approximate reciprocals would cost the last bits of the pivots).
_FAST = {"reassoc", "contract", "nsz"}


@njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")
def tridiagonalize(a, d, e, v, w, p, y):  # type: ignore[no-untyped-def]
    """Reduce the symmetric ``a`` (n, n), given by its upper triangle, to tridiagonal form.

    Parameters
    ----------
    a : ndarray, shape (n, n)
        Upper triangle of a symmetric matrix (the strict lower triangle is
        never read); overwritten.
    d, e : ndarray, shape (n,)
        Out: diagonal and (first n-1 entries) off-diagonal of the tridiagonal matrix.
    v, w, p, y : ndarray, shape (n,)
        Workspace.

    Notes
    -----
    LAPACK ``dsytd2`` order (reflector ``i`` from row ``i``), applied as
    ``A <- A - u z^T - z u^T`` with ``z = tau A u - (tau^2/2)(u^T A u) u``.
    The update of step ``i`` is applied lazily, in the same sweep as the
    product ``A u'`` of step ``i + 1`` (row ``i + 1`` is updated first, since
    ``u'`` comes from it): one pass over the trailing upper triangle per
    step. Each stored element ``a[r, c]`` (``r < c``) feeds both ``y[r]``
    (dot) and ``y[c]`` (axpy), and four rows go together so ``u``, ``z``,
    ``u'`` and ``y`` are loaded once for the four. ``v``/``w`` hold the
    pending ``u``/``z``. No ``dlarfg`` rescaling: callers scale the matrix
    to O(1) entries.
    """
    n = a.shape[0]
    for j in range(n):
        v[j] = 0.0
        w[j] = 0.0
    for i in range(n - 1):
        ai = a[i]
        vi = v[i]
        wi = w[i]
        for c in range(i, n):
            ai[c] -= vi * w[c] + wi * v[c]
        d[i] = ai[i]
        alpha = ai[i + 1]
        xnorm2 = 0.0
        for c in range(i + 2, n):
            xnorm2 += ai[c] * ai[c]
        if xnorm2 == 0.0:
            e[i] = alpha
            for r in range(i + 1, n):
                ar = a[r]
                vr = v[r]
                wr = w[r]
                for c in range(r, n):
                    ar[c] -= vr * w[c] + wr * v[c]
            for r in range(i + 1, n):
                v[r] = 0.0
                w[r] = 0.0
            continue
        beta = np.sqrt(alpha * alpha + xnorm2)
        if alpha >= 0.0:
            beta = -beta
        tau = (beta - alpha) / beta
        scal = 1.0 / (alpha - beta)
        e[i] = beta
        p[i + 1] = 1.0
        for c in range(i + 2, n):
            p[c] = ai[c] * scal
        for c in range(i + 1, n):
            y[c] = 0.0
        r = i + 1
        while r + 3 < n:
            # the 4x4 diagonal block (its upper triangle), scalar
            for q in range(4):
                rq = r + q
                arq = a[rq]
                vq = v[rq]
                wq = w[rq]
                pq = p[rq]
                xd = arq[rq] - 2.0 * vq * wq
                arq[rq] = xd
                sq = xd * pq
                for c in range(rq + 1, r + 4):
                    xx = arq[c] - (vq * w[c] + wq * v[c])
                    arq[c] = xx
                    sq += xx * p[c]
                    y[c] += xx * pq
                y[rq] += sq
            c0 = r + 4
            m = n - c0
            a0 = a[r, c0:]
            a1 = a[r + 1, c0:]
            a2 = a[r + 2, c0:]
            a3 = a[r + 3, c0:]
            vv = v[c0:]
            wv = w[c0:]
            pv = p[c0:]
            yv = y[c0:]
            v0 = v[r]
            w0 = w[r]
            v1 = v[r + 1]
            w1 = w[r + 1]
            v2 = v[r + 2]
            w2 = w[r + 2]
            v3 = v[r + 3]
            w3 = w[r + 3]
            p0 = p[r]
            p1 = p[r + 1]
            p2 = p[r + 2]
            p3 = p[r + 3]
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            s3 = 0.0
            for c in range(m):
                vc = vv[c]
                wc = wv[c]
                pc = pv[c]
                x0 = a0[c] - (v0 * wc + w0 * vc)
                x1 = a1[c] - (v1 * wc + w1 * vc)
                x2 = a2[c] - (v2 * wc + w2 * vc)
                x3 = a3[c] - (v3 * wc + w3 * vc)
                a0[c] = x0
                a1[c] = x1
                a2[c] = x2
                a3[c] = x3
                s0 += x0 * pc
                s1 += x1 * pc
                s2 += x2 * pc
                s3 += x3 * pc
                yv[c] += (x0 * p0 + x1 * p1) + (x2 * p2 + x3 * p3)
            y[r] += s0
            y[r + 1] += s1
            y[r + 2] += s2
            y[r + 3] += s3
            r += 4
        while r < n:
            ar = a[r]
            vr = v[r]
            wr = w[r]
            pr = p[r]
            xd = ar[r] - 2.0 * vr * wr
            ar[r] = xd
            sr = xd * pr
            for c in range(r + 1, n):
                xx = ar[c] - (vr * w[c] + wr * v[c])
                ar[c] = xx
                sr += xx * p[c]
                y[c] += xx * pr
            y[r] += sr
            r += 1
        s_all = 0.0
        for r in range(i + 1, n):
            s_all += y[r] * p[r]
        half = -0.5 * tau * tau * s_all
        for r in range(i + 1, n):
            v[r] = p[r]
            w[r] = tau * y[r] + half * p[r]
    if n >= 1:
        d[n - 1] = a[n - 1, n - 1] - 2.0 * v[n - 1] * w[n - 1]


@njit(cache=True, nogil=True, fastmath=_FAST, error_model="numpy")
def _sturm(d, e2, pivmin, x, cnt, slope, curv):  # type: ignore[no-untyped-def]
    """Sturm counts and log-determinant derivatives of the tridiagonal (d, e) at the shifts ``x``.

    With ``T - x I = L D L^T`` (pivots ``d_i(x)``): ``cnt[q]`` = number of
    pivots <= 0, i.e. of eigenvalues below ``x[q]`` (``dstebz`` convention
    with the ``pivmin`` guard); ``slope[q]`` = ``sum_i 1/(x - l_i)`` =
    ``sum_i d_i'/d_i`` and ``curv[q]`` = ``sum_i 1/(x - l_i)**2`` =
    ``sum_i (d_i'/d_i)**2 - d_i''/d_i``, from the differentiated pivot
    recurrence, for Laguerre steps.
    """
    n = d.shape[0]
    piv = np.empty(_LANES)
    dpiv = np.empty(_LANES)
    ddpiv = np.empty(_LANES)
    for q in range(_LANES):
        t = d[0] - x[q]
        if abs(t) < pivmin:
            t = -pivmin
        piv[q] = t
        dpiv[q] = -1.0
        ddpiv[q] = 0.0
        cnt[q] = 1 if t <= 0.0 else 0
        slope[q] = 0.0
        curv[q] = 0.0
    # one division per step: 1/d_{j-1} serves both the recurrence and the terms of pivot j-1
    for j in range(1, n):
        dj = d[j]
        ej = e2[j - 1]
        for q in range(_LANES):
            inv = 1.0 / piv[q]
            r = ej * inv
            t = (dj - x[q]) - r
            if abs(t) < pivmin:
                t = -pivmin
            dp = dpiv[q]
            ddp = ddpiv[q]
            g = dp * inv
            slope[q] += g
            curv[q] += g * g - ddp * inv
            ddpiv[q] = r * inv * (ddp - 2.0 * dp * g)
            dpiv[q] = -1.0 + r * g
            piv[q] = t
            cnt[q] += 1 if t <= 0.0 else 0
    for q in range(_LANES):
        g = dpiv[q] / piv[q]
        slope[q] += g
        curv[q] += g * g - ddpiv[q] / piv[q]


@njit(cache=True, nogil=True, error_model="numpy")
def top_sum_tridiag(d, e, k):  # type: ignore[no-untyped-def]
    """Sum of the ``k`` largest eigenvalues of the symmetric tridiagonal matrix (d, e[:n-1]).

    Each wanted eigenvalue is bracketed by Sturm counts (LAPACK ``dstebz``
    rules: ``pivmin`` guard, Gershgorin start). Every sweep evaluates up to
    ``_LANES`` shifts and every count narrows every bracket. While a
    bracket holds more than one eigenvalue its shift alternates between an
    interpolated position and the midpoint; once it holds exactly one, the
    shift is a Laguerre step on ``det(T - x I)`` from the last shift, kept
    only if it falls inside the bracket (else the midpoint). Spare lanes
    multisect the brackets in play. An eigenvalue is done when its bracket
    is below ``2 eps max(|lo|, |hi|) + pivmin``, or when the step from
    inside an isolating bracket is that small, or so small that the
    Newton error bound ``step**2 (n-1) / gap`` (``gap``: distance to the
    bracket ends, beyond which the other eigenvalues lie) is below a
    quarter of that tolerance.
    """
    n = d.shape[0]
    eps = np.finfo(np.float64).eps
    safemin = np.finfo(np.float64).tiny
    e2 = np.empty(max(n - 1, 1))
    emax2 = 0.0
    gl = d[0]
    gu = d[0]
    for j in range(n):
        r = 0.0
        if j > 0:
            r += abs(e[j - 1])
        if j < n - 1:
            r += abs(e[j])
        gl = min(gl, d[j] - r)
        gu = max(gu, d[j] + r)
    for j in range(n - 1):
        e2[j] = e[j] * e[j]
        emax2 = max(emax2, e2[j])
    pivmin = safemin * max(1.0, emax2)
    tnorm = max(abs(gl), abs(gu))
    # widen as dstebz does so the end points are strictly outside the spectrum
    gl = gl - 2.0 * eps * tnorm * n - 2.0 * pivmin
    gu = gu + 2.0 * eps * tnorm * n + 2.0 * pivmin
    # bracket m holds eigenvalue j = n-k+m (ascending): count(lo) <= j < count(hi)
    base = n - k
    lo = np.full(k, gl)
    hi = np.full(k, gu)
    clo = np.zeros(k, np.int64)
    chi = np.full(k, n, np.int64)
    guess = np.full(k, np.nan)  # Laguerre target from the last evaluation of this eigenvalue
    interp = np.zeros(k, np.bool_)  # the last shift of this bracket was an interpolated one
    looks = np.zeros(k, np.int64)  # shifts chosen for this eigenvalue so far
    val = np.zeros(k)
    done = np.zeros(k, np.bool_)
    x = np.zeros(_LANES)
    who = np.zeros(_LANES, np.int64)
    cnt = np.zeros(_LANES, np.int64)
    slope = np.zeros(_LANES)
    curv = np.zeros(_LANES)
    remaining = k
    nxt = 0
    while remaining > 0:
        nl = 0
        tried = 0
        while nl < _LANES and tried < k:
            m = (nxt + tried) % k
            tried += 1
            if done[m]:
                continue
            g = guess[m]
            j = base + m
            iso = clo[m] == j and chi[m] == j + 1
            looks[m] += 1
            if looks[m] > _MAX_FAST_LOOKS:
                # plain bisection from here on: halving every look, so termination is certain
                # whatever rounding noise does to the Laguerre steps
                xc = 0.5 * (lo[m] + hi[m])
            elif iso and g > lo[m] and g < hi[m]:
                xc = g
                interp[m] = False
            elif chi[m] - clo[m] > 1 and not interp[m]:
                # several eigenvalues share the bracket: aim where eigenvalue j would sit if they
                # were evenly spread, so brackets shared by several lanes get distinct shifts;
                # alternating with the midpoint keeps the bisection rate (halving every two looks)
                frac = (j - clo[m] + 0.5) / (chi[m] - clo[m])
                xc = lo[m] + (hi[m] - lo[m]) * frac
                interp[m] = True
            else:
                xc = 0.5 * (lo[m] + hi[m])
                interp[m] = False
            dup = False
            for q in range(nl):
                dup = dup or x[q] == xc
            if dup:
                continue  # the shared count narrows this bracket too
            x[nl] = xc
            who[nl] = m
            nl += 1
        nxt = (nxt + tried) % k
        # spare lanes (few eigenvalues left) multisect the brackets of the eigenvalues being
        # looked at: a sweep costs the same with them, and they shrink those brackets
        # (s + 1)-fold, which helps most where the first steps are poor (the top one starts from Gershgorin)
        nl0 = nl
        spare = _LANES - nl0
        for t in range(spare):
            q0 = t % nl0
            m = who[q0]
            n_pts = spare // nl0 + (1 if q0 < spare % nl0 else 0)
            x[nl] = lo[m] + (hi[m] - lo[m]) * ((t // nl0) + 1) / (n_pts + 1)
            who[nl] = -1
            nl += 1
        _sturm(d, e2, pivmin, x, cnt, slope, curv)
        for q in range(nl):
            xq = x[q]
            c = cnt[q]
            for m in range(k):
                if c <= base + m:
                    if xq > lo[m]:
                        lo[m] = xq
                        clo[m] = c
                elif xq < hi[m]:
                    hi[m] = xq
                    chi[m] = c
        for q in range(nl0):
            m = who[q]
            xq = x[q]
            tol = 2.0 * eps * max(abs(lo[m]), abs(hi[m])) + pivmin
            if hi[m] - lo[m] <= tol:
                done[m] = True
                val[m] = 0.5 * (lo[m] + hi[m])
                continue
            iso = clo[m] == base + m and chi[m] == base + m + 1
            if iso and slope[q] != 0.0 and looks[m] <= _MAX_FAST_LOOKS:
                # Laguerre step (cubic near a simple root; for a real-rooted polynomial it heads
                # for a root next to x, and from outside the spectrum straight for the extreme one)
                gq = slope[q]
                disc = math.sqrt(max(0.0, (n - 1) * (n * curv[q] - gq * gq)))
                den = gq + disc if gq > 0.0 else gq - disc
                step = -n / den
                xn = xq + step
                # near a simple root the error after the step is at most about that of a Newton step,
                # step**2 * |sum_{i != j} 1/(l_i - x)| (Laguerre: cubic, smaller still),
                # and every other eigenvalue lies outside [lo, hi], at least gap from xn
                gap = min(xn - lo[m], hi[m] - xn)
                if abs(step) <= tol or (gap > 0.0 and step * step * (n - 1) <= 0.25 * tol * gap):
                    done[m] = True
                    val[m] = xn
                    continue
                guess[m] = xn
            else:
                guess[m] = np.nan
        remaining = 0
        for m in range(k):
            if not done[m]:
                remaining += 1
    total = 0.0
    for m in range(k):
        total += val[m]
    return total


@njit(cache=True, nogil=True)
def top_sum(a, k):  # type: ignore[no-untyped-def]
    """Sum of the ``k`` largest eigenvalues of the symmetric ``a`` (upper triangle read; overwritten)."""
    n = a.shape[0]
    d = np.empty(n)
    e = np.zeros(n)
    v = np.empty(n)
    w = np.empty(n)
    p = np.empty(n)
    y = np.empty(n)
    tridiagonalize(a, d, e, v, w, p, y)
    return top_sum_tridiag(d, e, k)


@njit(cache=True, nogil=True)
def absorption_rows(scat, wpos, cols, k, out, lo, hi):  # type: ignore[no-untyped-def]
    """``out[j]`` = (sum of the top ``k`` eigenvalues) / trace of ``scat[wpos[j]][cols][:, cols]``.

    Parameters
    ----------
    scat : ndarray, shape (B, N, N)
        Scatter matrices; only the upper triangle is read.
    wpos : ndarray of int64, shape (G,)
        Matrices to use.
    cols : ndarray of int64, shape (m,)
        Usable columns (increasing).
    k : int
        Eigenvalues summed (``1 <= k < m``).
    out : ndarray, shape (G,)
        Out: the ratios for ``lo <= j < hi``.
    lo, hi : int
        Range of ``j`` to compute.
    """
    m = cols.shape[0]
    n_col = scat.shape[1]
    every = m == n_col  # cols is then 0..N-1: copy whole row pieces
    a = np.empty((m, m))
    d = np.empty(m)
    e = np.zeros(m)
    v = np.empty(m)
    w = np.empty(m)
    p = np.empty(m)
    y = np.empty(m)
    for j in range(lo, hi):
        s = scat[wpos[j]]
        trace = 0.0
        for r in range(m):
            trace += s[cols[r], cols[r]]
        # scale to unit mean eigenvalue: the ratio is scale free, and O(1) entries keep the
        # reflector norms (computed without dlarfg's rescaling) far from over/underflow
        f = m / trace
        for r in range(m):
            ar = a[r]
            sr = s[cols[r]]
            if every:
                for c in range(r, m):
                    ar[c] = sr[c] * f
            else:
                for c in range(r, m):
                    ar[c] = sr[cols[c]] * f
        tridiagonalize(a, d, e, v, w, p, y)
        out[j] = top_sum_tridiag(d, e, k) / m
