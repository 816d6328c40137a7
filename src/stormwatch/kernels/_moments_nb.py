"""Numba cores for rolling / expanding moments and two-series correlation.

Method (anchored blocks, merge-only)
------------------------------------
Rows are cut into blocks of ``window`` rows aligned at row 0. A trailing
window ending at ``t`` (in block ``k``) is the *suffix* of block ``k-1``
from row ``t-window+1`` plus the *prefix* of block ``k`` up to ``t``.

* Each part is computed on deviations from an **anchor** that is one of
  its own values (the suffix of block ``k-1``: the block's last valid value;
  the prefix of block ``k``: its first valid value), so deviations are
  bounded by the window's range and a price level of 1e6 or a yield of
  4.00 moving by 1bp loses no digits to the offset.
* Suffix aggregates of block ``k-1`` (count, mean, M2 = sum of squared
  deviations from the mean) are built backwards and prefix aggregates of
  block ``k`` forwards, both by Welford's update, which only *adds*
  observations (never removes them, so no error accumulates across the
  series: each output depends on at most ``2 * window`` rows).
* The two parts are merged with Chan's formula
  ``M2 = M2_a + M2_b + delta**2 * n_a * n_b / n``: a sum of non-negative
  terms, so there is no cancellation.
* The exact minimum and maximum of the raw values are carried along; a
  window whose valid values are all identical gets a standard deviation of
  exactly ``0.0``.

Everything is causal and truncation-invariant: the output at ``t`` is a
function of rows ``<= t`` only and is bit-identical whether or not later
rows exist.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_INF = np.inf


@njit(cache=True)
def _block_anchors(x, y, blk):  # type: ignore[no-untyped-def]
    """First and last pairwise-valid values of (x, y) in each block of ``blk`` rows.

    Returns ``fx, fy, lx, ly`` (0 where a block has no valid row). ``y`` may
    be ``x`` itself for a single series. The prefix of block ``k`` is
    anchored at its first valid value and the suffix of block ``k - 1`` at
    its last: each anchor is a member of every non-empty part that uses it,
    so deviations are bounded by the window's own range.
    """
    n = x.shape[0]
    nb = (n + blk - 1) // blk
    fx = np.zeros(nb)
    fy = np.zeros(nb)
    lx = np.zeros(nb)
    ly = np.zeros(nb)
    for k in range(nb):
        start = k * blk
        stop = min(start + blk, n)
        for r in range(start, stop):
            if not (np.isnan(x[r]) or np.isnan(y[r])):
                fx[k] = x[r]
                fy[k] = y[r]
                break
        for r in range(stop - 1, start - 1, -1):
            if not (np.isnan(x[r]) or np.isnan(y[r])):
                lx[k] = x[r]
                ly[k] = y[r]
                break
    return fx, fy, lx, ly


@njit(cache=True)
def _finish(n, m, q, lo, hi, c, xt, min_obs, ddof):  # type: ignore[no-untyped-def]
    """(mean, std, z) from merged aggregates in anchor ``c``; NaN per the policy."""
    mean = np.nan
    std = np.nan
    z = np.nan
    if n >= min_obs and n >= 1:
        flat = lo == hi
        mean = lo if flat else c + m
        if n - ddof > 0:
            std = 0.0 if flat else np.sqrt(max(q, 0.0) / (n - ddof))
            if std > 0.0 and not np.isnan(xt):
                z = ((xt - c) - m) / std
    return mean, std, z


@njit(cache=True)
def _rolling_moments_1d(x, w, min_obs, ddof, mean_out, std_out, z_out):  # type: ignore[no-untyped-def]
    n_rows = x.shape[0]
    nb = (n_rows + w - 1) // w
    first, _, last, _ = _block_anchors(x, x, w)
    # suffix aggregates of the previous block: index i <-> row b0 - w + i; index w is empty
    s_n = np.zeros(w + 1, np.int64)
    s_m = np.zeros(w + 1)
    s_q = np.zeros(w + 1)
    s_lo = np.full(w + 1, _INF)
    s_hi = np.full(w + 1, -_INF)
    for k in range(nb):
        cb = first[k]
        ca = last[k - 1] if k > 0 else 0.0
        b0 = k * w
        if k > 0:
            for i in range(w - 1, -1, -1):
                v = x[b0 - w + i]
                if np.isnan(v):
                    s_n[i] = s_n[i + 1]
                    s_m[i] = s_m[i + 1]
                    s_q[i] = s_q[i + 1]
                    s_lo[i] = s_lo[i + 1]
                    s_hi[i] = s_hi[i + 1]
                else:
                    cnt = s_n[i + 1] + 1
                    d = v - ca
                    u = d - s_m[i + 1]
                    mm = s_m[i + 1] + u / cnt
                    s_n[i] = cnt
                    s_m[i] = mm
                    s_q[i] = s_q[i + 1] + u * (d - mm)
                    s_lo[i] = min(s_lo[i + 1], v)
                    s_hi[i] = max(s_hi[i + 1], v)
        pn = 0
        pm = 0.0
        pq = 0.0
        plo = _INF
        phi = -_INF
        stop = min(b0 + w, n_rows)
        for t in range(b0, stop):
            v = x[t]
            if not np.isnan(v):
                pn += 1
                d = v - cb
                u = d - pm
                pm += u / pn
                pq += u * (d - pm)
                plo = min(plo, v)
                phi = max(phi, v)
            i = t + 1 - b0
            na = s_n[i] if k > 0 else 0
            if na == 0:
                n = pn
                m = pm
                q = pq
                lo = plo
                hi = phi
                c = cb
            elif pn == 0:
                n = na
                m = s_m[i]
                q = s_q[i]
                lo = s_lo[i]
                hi = s_hi[i]
                c = ca
            else:
                # Chan's merge, expressed in the prefix anchor cb
                n = na + pn
                delta = (cb - ca) + (pm - s_m[i])
                m = pm - delta * (na / n)
                q = s_q[i] + pq + delta * delta * (na * (pn / n))
                lo = min(s_lo[i], plo)
                hi = max(s_hi[i], phi)
                c = cb
            mu, sd, zz = _finish(n, m, q, lo, hi, c, v, min_obs, ddof)
            mean_out[t] = mu
            std_out[t] = sd
            z_out[t] = zz


@njit(cache=True, nogil=True)
def rolling_moments(x, w, min_obs, ddof, mean_out, std_out, z_out, j0, j1):  # type: ignore[no-untyped-def]
    """Rolling (mean, std, z) of rows ``j0 .. j1-1`` of ``x`` (shape (N, T)) into the outputs."""
    for j in range(j0, j1):
        _rolling_moments_1d(x[j], w, min_obs, ddof, mean_out[j], std_out[j], z_out[j])


@njit(cache=True)
def _expanding_moments_1d(x, blk, min_obs, ddof, mean_out, std_out, z_out):  # type: ignore[no-untyped-def]
    n_rows = x.shape[0]
    nb = (n_rows + blk - 1) // blk
    first, _, _, _ = _block_anchors(x, x, blk)
    # aggregate of all complete blocks so far, in anchor ca (a value of the data)
    cn = 0
    cm = 0.0
    cq = 0.0
    clo = _INF
    chi = -_INF
    ca = 0.0
    for k in range(nb):
        cb = first[k]
        b0 = k * blk
        pn = 0
        pm = 0.0
        pq = 0.0
        plo = _INF
        phi = -_INF
        n = cn
        m = cm
        q = cq
        lo = clo
        hi = chi
        c = ca
        stop = min(b0 + blk, n_rows)
        for t in range(b0, stop):
            v = x[t]
            if not np.isnan(v):
                pn += 1
                d = v - cb
                u = d - pm
                pm += u / pn
                pq += u * (d - pm)
                plo = min(plo, v)
                phi = max(phi, v)
            if pn == 0:
                n = cn
                m = cm
                q = cq
                lo = clo
                hi = chi
                c = ca
            elif cn == 0:
                n = pn
                m = pm
                q = pq
                lo = plo
                hi = phi
                c = cb
            else:
                n = cn + pn
                delta = (cb - ca) + (pm - cm)
                m = pm - delta * (cn / n)
                q = cq + pq + delta * delta * (cn * (pn / n))
                lo = min(clo, plo)
                hi = max(chi, phi)
                c = cb
            mu, sd, zz = _finish(n, m, q, lo, hi, c, v, min_obs, ddof)
            mean_out[t] = mu
            std_out[t] = sd
            z_out[t] = zz
        cn = n
        cm = m
        cq = q
        clo = lo
        chi = hi
        ca = c


@njit(cache=True, nogil=True)
def expanding_moments(x, blk, min_obs, ddof, mean_out, std_out, z_out, j0, j1):  # type: ignore[no-untyped-def]
    """Expanding (mean, std, z) of rows ``j0 .. j1-1`` of ``x`` (shape (N, T)) into the outputs."""
    for j in range(j0, j1):
        _expanding_moments_1d(x[j], blk, min_obs, ddof, mean_out[j], std_out[j], z_out[j])


@njit(cache=True)
def _rolling_corr_1d(x, y, w, min_obs, out):  # type: ignore[no-untyped-def]
    n_rows = x.shape[0]
    nb = (n_rows + w - 1) // w
    fx, fy, lx, ly = _block_anchors(x, y, w)
    s_n = np.zeros(w + 1, np.int64)
    s_mx = np.zeros(w + 1)
    s_my = np.zeros(w + 1)
    s_qx = np.zeros(w + 1)
    s_qy = np.zeros(w + 1)
    s_cxy = np.zeros(w + 1)
    s_xlo = np.full(w + 1, _INF)
    s_xhi = np.full(w + 1, -_INF)
    s_ylo = np.full(w + 1, _INF)
    s_yhi = np.full(w + 1, -_INF)
    for k in range(nb):
        bx = fx[k]
        by = fy[k]
        ax = lx[k - 1] if k > 0 else 0.0
        ay = ly[k - 1] if k > 0 else 0.0
        b0 = k * w
        if k > 0:
            for i in range(w - 1, -1, -1):
                r = b0 - w + i
                vx = x[r]
                vy = y[r]
                if np.isnan(vx) or np.isnan(vy):
                    s_n[i] = s_n[i + 1]
                    s_mx[i] = s_mx[i + 1]
                    s_my[i] = s_my[i + 1]
                    s_qx[i] = s_qx[i + 1]
                    s_qy[i] = s_qy[i + 1]
                    s_cxy[i] = s_cxy[i + 1]
                    s_xlo[i] = s_xlo[i + 1]
                    s_xhi[i] = s_xhi[i + 1]
                    s_ylo[i] = s_ylo[i + 1]
                    s_yhi[i] = s_yhi[i + 1]
                else:
                    cnt = s_n[i + 1] + 1
                    dx = vx - ax
                    dy = vy - ay
                    ux = dx - s_mx[i + 1]
                    uy = dy - s_my[i + 1]
                    mx = s_mx[i + 1] + ux / cnt
                    my = s_my[i + 1] + uy / cnt
                    s_n[i] = cnt
                    s_mx[i] = mx
                    s_my[i] = my
                    s_qx[i] = s_qx[i + 1] + ux * (dx - mx)
                    s_qy[i] = s_qy[i + 1] + uy * (dy - my)
                    s_cxy[i] = s_cxy[i + 1] + ux * uy * ((cnt - 1.0) / cnt)  # symmetric in x, y
                    s_xlo[i] = min(s_xlo[i + 1], vx)
                    s_xhi[i] = max(s_xhi[i + 1], vx)
                    s_ylo[i] = min(s_ylo[i + 1], vy)
                    s_yhi[i] = max(s_yhi[i + 1], vy)
        pn = 0
        pmx = 0.0
        pmy = 0.0
        pqx = 0.0
        pqy = 0.0
        pcxy = 0.0
        pxlo = _INF
        pxhi = -_INF
        pylo = _INF
        pyhi = -_INF
        stop = min(b0 + w, n_rows)
        for t in range(b0, stop):
            vx = x[t]
            vy = y[t]
            if not (np.isnan(vx) or np.isnan(vy)):
                pn += 1
                dx = vx - bx
                dy = vy - by
                ux = dx - pmx
                uy = dy - pmy
                pmx += ux / pn
                pmy += uy / pn
                pqx += ux * (dx - pmx)
                pqy += uy * (dy - pmy)
                pcxy += ux * uy * ((pn - 1.0) / pn)
                pxlo = min(pxlo, vx)
                pxhi = max(pxhi, vx)
                pylo = min(pylo, vy)
                pyhi = max(pyhi, vy)
            i = t + 1 - b0
            na = s_n[i] if k > 0 else 0
            if na == 0:
                n = pn
                qx = pqx
                qy = pqy
                cxy = pcxy
                xlo = pxlo
                xhi = pxhi
                ylo = pylo
                yhi = pyhi
            elif pn == 0:
                n = na
                qx = s_qx[i]
                qy = s_qy[i]
                cxy = s_cxy[i]
                xlo = s_xlo[i]
                xhi = s_xhi[i]
                ylo = s_ylo[i]
                yhi = s_yhi[i]
            else:
                n = na + pn
                f = na * (pn / n)
                dmx = (bx - ax) + (pmx - s_mx[i])
                dmy = (by - ay) + (pmy - s_my[i])
                qx = s_qx[i] + pqx + dmx * dmx * f
                qy = s_qy[i] + pqy + dmy * dmy * f
                cxy = s_cxy[i] + pcxy + dmx * dmy * f
                xlo = min(s_xlo[i], pxlo)
                xhi = max(s_xhi[i], pxhi)
                ylo = min(s_ylo[i], pylo)
                yhi = max(s_yhi[i], pyhi)
            r_val = np.nan
            if n >= min_obs and n >= 2 and xlo != xhi and ylo != yhi and qx > 0.0 and qy > 0.0:
                r_val = cxy / (np.sqrt(qx) * np.sqrt(qy))
                r_val = min(1.0, max(-1.0, r_val))
            out[t] = r_val


@njit(cache=True, nogil=True)
def rolling_corr(x, y, w, min_obs, out, j0, j1):  # type: ignore[no-untyped-def]
    """Rolling Pearson correlation of row pairs ``(x[j], y[j])`` (shape (N, T)), ``j0 <= j < j1``."""
    for j in range(j0, j1):
        _rolling_corr_1d(x[j], y[j], w, min_obs, out[j])
