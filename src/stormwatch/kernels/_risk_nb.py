"""Numba core of :func:`stormwatch.kernels.risk.turbulence`: rank-one updates with exact restarts.

For the target row ``t`` the history is rows ``s .. e`` (``e = t - 1``,
``s = max(0, t - W)``, ``n = e - s + 1`` rows) and

    d_t = (n - 1) * dev^T A^{-1} dev,   A = M + c I,   c = ridge * tr(M) / m

with ``M`` the centred scatter matrix of the ``m`` usable columns and
``dev = x_t - mean`` (this is ``dev^T (Sigma + lambda I)^{-1} dev`` with
``Sigma = M / (n - 1)`` and ``lambda = ridge * tr(Sigma) / m``).

State carried from row to row (all in deviations from an anchor row, so
levels with a large offset lose nothing): the mean, ``M`` (Welford rank-one
add / remove), and ``G^{-1}`` with ``G = M_r + c_r I`` at the last restart,
kept current by Sherman-Morrison rank-one updates. ``G^{-1}`` is only a
preconditioner: with ``y0 = G^{-1} dev``, ``r = dev - A y0`` (exact ``A``)
and ``z = G^{-1} r``,

    dev^T A^{-1} dev = dev.y0 + (y0 + z).r + O(rho^3 |dev^T A^{-1} dev|)

where ``rho = ||I - G^{-1} A||`` (from the drift of ``c`` away from ``c_r``
and from rounding in the updates). ``|z| / |y0|`` estimates ``rho``; above
``RHO_MAX`` (error > ~1e-15) the row restarts exactly.

Exact restart (anchored two-pass ``M`` and ``numpy.linalg.inv``): at every
target row that is a multiple of ``restart`` (so results do not depend on
where a thread's chunk starts), when the usable column set changes (a NaN
enters or leaves the history, a column turns flat or not), when a
Sherman-Morrison denominator falls below ``DEN_MIN`` (a near-singular
downdate) and when ``rho`` is too large. A target row whose own value is
NaN in a usable column is computed exactly for that row only.
"""

from __future__ import annotations

import numpy as np
from numba import njit

RHO_MAX = 1e-5
DEN_MIN = 1e-6


@njit(cache=True, nogil=True)
def change_prefix_counts(x):  # type: ignore[no-untyped-def]
    """``out[t, j]`` = number of ``1 <= r < t`` with ``x[r, j] != x[r-1, j]`` (NaN counts as a change).

    A NaN-free window ``s .. e`` is constant in column ``j`` exactly when
    ``out[e + 1, j] == out[s + 1, j]``.
    """
    n_rows, n_col = x.shape
    out = np.zeros((n_rows + 1, n_col), np.int64)
    for t in range(n_rows):
        for j in range(n_col):
            ch = 1 if t > 0 and x[t, j] != x[t - 1, j] else 0
            out[t + 1, j] = out[t, j] + ch
    return out


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _matvec(a, v, out, m):  # type: ignore[no-untyped-def]
    for i in range(m):
        acc = 0.0
        for j in range(m):
            acc += a[i, j] * v[j]
        out[i] = acc


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _matvec3(a, v1, v2, v3, o1, o2, o3, m):  # type: ignore[no-untyped-def]
    """Three products with ``a`` in one pass over it."""
    for i in range(m):
        c1 = 0.0
        c2 = 0.0
        c3 = 0.0
        for j in range(m):
            aij = a[i, j]
            c1 += aij * v1[j]
            c2 += aij * v2[j]
            c3 += aij * v3[j]
        o1[i] = c1
        o2[i] = c2
        o3[i] = c3


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _update_matvec(a, f1, u1, f2, u2, v, out, m):  # type: ignore[no-untyped-def]
    """``a += f1 u1 u1^T + f2 u2 u2^T``, then ``out = a v`` (one pass over ``a``)."""
    for i in range(m):
        p1 = f1 * u1[i]
        p2 = f2 * u2[i]
        acc = 0.0
        for j in range(m):
            aij = a[i, j] + (p1 * u1[j] + p2 * u2[j])
            a[i, j] = aij
            acc += aij * v[j]
        out[i] = acc


@njit(cache=True, nogil=True)
def _exact_state(x, idx, m, s, e, anchor, mu, scat):  # type: ignore[no-untyped-def]
    """Anchored two-pass mean and scatter of columns ``idx[:m]`` over rows ``s .. e``."""
    n = e - s + 1
    for jj in range(m):
        anchor[jj] = x[e, idx[jj]]
        mu[jj] = 0.0
    for r in range(s, e + 1):
        for jj in range(m):
            mu[jj] += x[r, idx[jj]] - anchor[jj]
    for jj in range(m):
        mu[jj] /= n
    dev = np.empty((n, m))
    corr = np.zeros(m)
    for r in range(s, e + 1):
        for jj in range(m):
            d = (x[r, idx[jj]] - anchor[jj]) - mu[jj]
            dev[r - s, jj] = d
            corr[jj] += d
    # fold the (tiny) rounding error of the mean back in: corrected two-pass
    for jj in range(m):
        mu[jj] += corr[jj] / n
        for r in range(n):
            dev[r, jj] -= corr[jj] / n
    scat[:m, :m] = dev.T @ dev


@njit(cache=True, nogil=True)
def _restart(x, idx, m, s, e, ridge, anchor, mu, scat, ginv):  # type: ignore[no-untyped-def]
    """Exact state at the window ``s .. e``; returns False if ``M + c I`` is singular."""
    _exact_state(x, idx, m, s, e, anchor, mu, scat)
    tr = 0.0
    for jj in range(m):
        tr += scat[jj, jj]
    c = ridge * tr / m
    g = scat[:m, :m].copy()
    for jj in range(m):
        g[jj, jj] += c
    # np.linalg.inv raises on an exactly singular matrix; a non-finite result is caught by the caller
    ginv[:m, :m] = np.linalg.inv(g)
    return np.isfinite(ginv[:m, :m]).all()


@njit(cache=True, nogil=True)
def _solve_quad(scat, ginv, c, dev, m, y0, r, z):  # type: ignore[no-untyped-def]
    """``dev^T (scat + c I)^{-1} dev`` with ``ginv`` as an approximate inverse; returns (value, rho)."""
    _matvec(ginv, dev, y0, m)
    _matvec(scat, y0, r, m)
    for i in range(m):
        r[i] = dev[i] - (r[i] + c * y0[i])
    _matvec(ginv, r, z, m)
    q = 0.0
    zn = 0.0
    yn = 0.0
    for i in range(m):
        q += dev[i] * y0[i] + (y0[i] + z[i]) * r[i]
        zn = max(zn, abs(z[i]))
        yn = max(yn, abs(y0[i]))
    rho = zn / yn if yn > 0.0 else (0.0 if zn == 0.0 else np.inf)
    return q, rho


# error_model="numpy": a degenerate division gives inf/NaN (caught by the guards), never an exception
@njit(cache=True, nogil=True, error_model="numpy")
def turbulence_rows(x, nanc, chg, w, min_obs, ridge, restart, out, used, seg0, seg1):  # type: ignore[no-untyped-def]
    """Turbulence of target rows ``seg0 * restart .. seg1 * restart - 1`` (see the module docstring).

    ``nanc`` and ``chg`` are :func:`..._panel_nb.nan_prefix_counts` and
    :func:`change_prefix_counts` of ``x``. ``out`` starts as NaN, ``used`` as 0.
    Returns the number of exact restarts (for tests and benchmarks).
    """
    n_rows, n_col = x.shape
    t_lo = max(1, seg0 * restart)
    t_hi = min(n_rows, seg1 * restart)
    idx = np.empty(n_col, np.int64)
    new_idx = np.empty(n_col, np.int64)
    anchor = np.empty(n_col)
    mu = np.empty(n_col)
    scat = np.empty((n_col, n_col))
    ginv = np.empty((n_col, n_col))
    u = np.empty(n_col)
    g = np.empty(n_col)
    u2 = np.empty(n_col)
    h = np.empty(n_col)
    dev = np.empty(n_col)
    y0 = np.empty(n_col)
    rv = np.empty(n_col)
    z = np.empty(n_col)
    m = -1  # -1: no valid state
    s_prev = 0
    e_prev = -1
    n_restarts = 0
    for t in range(t_lo, t_hi):
        e = t - 1
        s = max(0, t - w)
        n = e - s + 1
        if n < min_obs:
            m = -1
            continue
        # usable columns of the history window (no NaN, not constant)
        k = 0
        for j in range(n_col):
            if nanc[e + 1, j] == nanc[s, j] and chg[e + 1, j] != chg[s + 1, j]:
                new_idx[k] = j
                k += 1
        same = k == m and t % restart != 0
        if same:
            for jj in range(k):
                if new_idx[jj] != idx[jj]:
                    same = False
                    break
        ok = same
        fused = False
        if ok:
            # slide the state from rows s_prev .. e_prev to s .. e: add row e (u1, weight f1),
            # maybe drop row s_prev (u2, weight f2 < 0); Welford for the mean and M, and the two
            # Sherman-Morrison steps for G^{-1} written as one rank-2 update
            n_old = e_prev - s_prev + 1
            for jj in range(m):
                u[jj] = (x[e, idx[jj]] - anchor[jj]) - mu[jj]
                mu[jj] += u[jj] / (n_old + 1.0)
            f1 = n_old / (n_old + 1.0)
            f2 = 0.0
            if s > s_prev:
                cnt = n_old + 1.0
                for jj in range(m):
                    u2[jj] = (x[s_prev, idx[jj]] - anchor[jj]) - mu[jj]
                    mu[jj] -= u2[jj] / (cnt - 1.0)
                f2 = -cnt / (cnt - 1.0)
            else:
                u2[:m] = 0.0
            tr = 0.0
            for jj in range(m):
                tr += scat[jj, jj] + (f1 * u[jj] * u[jj] + f2 * u2[jj] * u2[jj])
                dv = (x[t, idx[jj]] - anchor[jj]) - mu[jj]
                dev[jj] = dv if dv == dv else 0.0  # NaN at t: this row is redone exactly below
            c = ridge * tr / m
            _matvec3(ginv, u, u2, dev, g, h, y0, m)
            den = 1.0 + f1 * np.dot(u[:m], g[:m])
            a1 = f1 / den
            a2 = 0.0
            if not den >= 1.0 - 1e-8:  # >= 1 for a positive definite G: anything else is lost accuracy
                ok = False
            if ok and f2 != 0.0:
                p = np.dot(g[:m], u2[:m])
                for jj in range(m):
                    h[jj] -= (a1 * p) * g[jj]
                den = 1.0 + f2 * np.dot(u2[:m], h[:m])
                if not den >= DEN_MIN:
                    ok = False  # near-singular downdate: the inverse would lose too much
                else:
                    a2 = f2 / den
            if ok:
                gd = np.dot(g[:m], dev[:m])
                hd = np.dot(h[:m], dev[:m])
                for jj in range(m):
                    y0[jj] -= a1 * gd * g[jj] + a2 * hd * h[jj]
                # M' = M + f1 u1 u1^T + f2 u2 u2^T and r = dev - (M' + c I) y0, one pass
                _update_matvec(scat, f1, u, f2, u2, y0, rv, m)
                for jj in range(m):
                    rv[jj] = dev[jj] - (rv[jj] + c * y0[jj])
                # G^{-1}' = G^{-1} - a1 g g^T - a2 h h^T and z = G^{-1}' r, one pass
                _update_matvec(ginv, -a1, g, -a2, h, rv, z, m)
                fused = True
        m = k
        idx[:k] = new_idx[:k]
        s_prev = s
        e_prev = e
        if m == 0:
            continue
        if not ok:
            n_restarts += 1
            if not _restart(x, idx, m, s, e, ridge, anchor, mu, scat, ginv):
                m = -1
                continue
        # columns used at t: usable in the history and valid at t
        k = 0
        for jj in range(m):
            if not np.isnan(x[t, idx[jj]]):
                k += 1
        used[t] = k
        if k == 0:
            continue
        if k < m:
            # a usable column is missing at t: solve this row exactly on the subset
            sub = np.empty(k, np.int64)
            kk = 0
            for jj in range(m):
                if not np.isnan(x[t, idx[jj]]):
                    sub[kk] = jj
                    kk += 1
            ms = np.empty((k, k))
            tr = 0.0
            for a in range(k):
                dev[a] = (x[t, idx[sub[a]]] - anchor[sub[a]]) - mu[sub[a]]
                tr += scat[sub[a], sub[a]]
                for b in range(k):
                    ms[a, b] = scat[sub[a], sub[b]]
            for a in range(k):
                ms[a, a] += ridge * tr / k
            sol = np.linalg.solve(ms, dev[:k].copy())
            out[t] = (n - 1.0) * np.dot(dev[:k], sol)
            continue
        rho = np.inf
        q = 0.0
        if fused:
            q = 0.0
            zn = 0.0
            yn = 0.0
            for i in range(m):
                q += dev[i] * y0[i] + (y0[i] + z[i]) * rv[i]
                zn = max(zn, abs(z[i]))
                yn = max(yn, abs(y0[i]))
            rho = zn / yn if yn > 0.0 else (0.0 if zn == 0.0 else np.inf)
        if not rho <= RHO_MAX:
            if fused:
                n_restarts += 1
                if not _restart(x, idx, m, s, e, ridge, anchor, mu, scat, ginv):
                    m = -1
                    continue
            tr = 0.0
            for jj in range(m):
                tr += scat[jj, jj]
                dev[jj] = (x[t, idx[jj]] - anchor[jj]) - mu[jj]
            c = ridge * tr / m
            q, rho = _solve_quad(scat, ginv, c, dev, m, y0, rv, z)
        out[t] = (n - 1.0) * q
    return n_restarts
