"""Numba cores for rolling / expanding moments and two-series correlation.

Method (anchored blocks, merge-only)
------------------------------------
Rows are cut into blocks of ``window`` rows aligned at row 0. A trailing
window ending at ``t`` (in block ``k``) is the *suffix* of block ``k-1``
from row ``t-window+1`` plus the *prefix* of block ``k`` up to ``t``.

* Every block boundary gets an **anchor** ``c_k``: the last valid value at or
  before the block's first row (else the first valid value in the block).
  All arithmetic is done on deviations ``x - c_k``, so a price level of 1e6
  or a yield of 4.00 with 1bp moves loses no digits to the offset.
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
from numba import njit, prange

_INF = np.inf


@njit(cache=True)
def _block_anchors(x, y, blk):  # type: ignore[no-untyped-def]
    """Anchor per block for the pairwise-valid rows of (x, y).

    ``y`` may be ``x`` itself for a single series. Anchor ``k`` is the last
    pairwise-valid ``x`` (and ``y``) at or before row ``k * blk``, else the
    first pairwise-valid one inside block ``k``, else 0. The fallback looks
    ahead only inside block ``k`` and is used only by outputs at or after
    the row it comes from (before it the window is empty), so outputs stay
    causal.
    """
    n = x.shape[0]
    nb = (n + blk - 1) // blk
    ax = np.zeros(nb)
    ay = np.zeros(nb)
    lx = np.nan
    ly = np.nan
    i = 0
    for k in range(nb):
        start = k * blk
        while i <= start:
            if not (np.isnan(x[i]) or np.isnan(y[i])):
                lx = x[i]
                ly = y[i]
            i += 1
        if not np.isnan(lx):
            ax[k] = lx
            ay[k] = ly
        else:
            stop = min(start + blk, n)
            for r in range(start, stop):
                if not (np.isnan(x[r]) or np.isnan(y[r])):
                    ax[k] = x[r]
                    ay[k] = y[r]
                    break
    return ax, ay


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
            if flat:
                std = 0.0
            else:
                std = np.sqrt(max(q, 0.0) / (n - ddof))
            if std > 0.0 and not np.isnan(xt):
                z = ((xt - c) - m) / std
    return mean, std, z


@njit(cache=True)
def _rolling_moments_1d(x, w, min_obs, ddof, mean_out, std_out, z_out):  # type: ignore[no-untyped-def]
    n_rows = x.shape[0]
    nb = (n_rows + w - 1) // w
    anc, _ = _block_anchors(x, x, w)
    s_n = np.zeros(w + 1, np.int64)
    s_m = np.zeros(w + 1)
    s_q = np.zeros(w + 1)
    s_lo = np.full(w + 1, _INF)
    s_hi = np.full(w + 1, -_INF)
    for k in range(nb):
        c = anc[k]
        b0 = k * w
        if k > 0:
            # suffix aggregates of block k-1 (index i <-> row b0 - w + i; index w is empty)
            s_n[w] = 0
            s_m[w] = 0.0
            s_q[w] = 0.0
            s_lo[w] = _INF
            s_hi[w] = -_INF
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
                    d = v - c
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
                d = v - c
                u = d - pm
                pm += u / pn
                pq += u * (d - pm)
                plo = min(plo, v)
                phi = max(phi, v)
            if k == 0:
                n = pn
                m = pm
                q = pq
                lo = plo
                hi = phi
            else:
                i = t + 1 - b0
                na = s_n[i]
                if na == 0:
                    n = pn
                    m = pm
                    q = pq
                    lo = plo
                    hi = phi
                elif pn == 0:
                    n = na
                    m = s_m[i]
                    q = s_q[i]
                    lo = s_lo[i]
                    hi = s_hi[i]
                else:
                    n = na + pn
                    delta = pm - s_m[i]
                    m = s_m[i] + delta * (pn / n)
                    q = s_q[i] + pq + delta * delta * (na * (pn / n))
                    lo = min(s_lo[i], plo)
                    hi = max(s_hi[i], phi)
            mu, sd, zz = _finish(n, m, q, lo, hi, c, v, min_obs, ddof)
            mean_out[t] = mu
            std_out[t] = sd
            z_out[t] = zz


@njit(cache=True, parallel=True)
def rolling_moments(x, w, min_obs, ddof):  # type: ignore[no-untyped-def]
    """Rolling (mean, std, z) of each row of ``x`` (shape (N, T)), in parallel over rows."""
    n_ser, n_rows = x.shape
    mean_out = np.empty((n_ser, n_rows))
    std_out = np.empty((n_ser, n_rows))
    z_out = np.empty((n_ser, n_rows))
    for j in prange(n_ser):
        _rolling_moments_1d(x[j], w, min_obs, ddof, mean_out[j], std_out[j], z_out[j])
    return mean_out, std_out, z_out


@njit(cache=True)
def _expanding_moments_1d(x, blk, min_obs, ddof, mean_out, std_out, z_out):  # type: ignore[no-untyped-def]
    n_rows = x.shape[0]
    nb = (n_rows + blk - 1) // blk
    anc, _ = _block_anchors(x, x, blk)
    # cumulative aggregate of all complete blocks so far, in the current anchor
    cn = 0
    cm = 0.0
    cq = 0.0
    clo = _INF
    chi = -_INF
    c = 0.0
    for k in range(nb):
        c_new = anc[k]
        if cn > 0:
            cm = cm + (c - c_new)
        c = c_new
        b0 = k * blk
        pn = 0
        pm = 0.0
        pq = 0.0
        plo = _INF
        phi = -_INF
        n = 0
        m = 0.0
        q = 0.0
        lo = _INF
        hi = -_INF
        stop = min(b0 + blk, n_rows)
        for t in range(b0, stop):
            v = x[t]
            if not np.isnan(v):
                pn += 1
                d = v - c
                u = d - pm
                pm += u / pn
                pq += u * (d - pm)
                plo = min(plo, v)
                phi = max(phi, v)
            if cn == 0:
                n = pn
                m = pm
                q = pq
                lo = plo
                hi = phi
            elif pn == 0:
                n = cn
                m = cm
                q = cq
                lo = clo
                hi = chi
            else:
                n = cn + pn
                delta = pm - cm
                m = cm + delta * (pn / n)
                q = cq + pq + delta * delta * (cn * (pn / n))
                lo = min(clo, plo)
                hi = max(chi, phi)
            mu, sd, zz = _finish(n, m, q, lo, hi, c, v, min_obs, ddof)
            mean_out[t] = mu
            std_out[t] = sd
            z_out[t] = zz
        cn = n
        cm = m
        cq = q
        clo = lo
        chi = hi


@njit(cache=True, parallel=True)
def expanding_moments(x, blk, min_obs, ddof):  # type: ignore[no-untyped-def]
    """Expanding (mean, std, z) of each row of ``x`` (shape (N, T)), in parallel over rows."""
    n_ser, n_rows = x.shape
    mean_out = np.empty((n_ser, n_rows))
    std_out = np.empty((n_ser, n_rows))
    z_out = np.empty((n_ser, n_rows))
    for j in prange(n_ser):
        _expanding_moments_1d(x[j], blk, min_obs, ddof, mean_out[j], std_out[j], z_out[j])
    return mean_out, std_out, z_out


@njit(cache=True)
def _rolling_corr_1d(x, y, w, min_obs, out, cnt_out):  # type: ignore[no-untyped-def]
    n_rows = x.shape[0]
    nb = (n_rows + w - 1) // w
    ax, ay = _block_anchors(x, y, w)
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
        cx = ax[k]
        cy = ay[k]
        b0 = k * w
        if k > 0:
            s_n[w] = 0
            s_mx[w] = 0.0
            s_my[w] = 0.0
            s_qx[w] = 0.0
            s_qy[w] = 0.0
            s_cxy[w] = 0.0
            s_xlo[w] = _INF
            s_xhi[w] = -_INF
            s_ylo[w] = _INF
            s_yhi[w] = -_INF
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
                    dx = vx - cx
                    dy = vy - cy
                    ux = dx - s_mx[i + 1]
                    uy = dy - s_my[i + 1]
                    mx = s_mx[i + 1] + ux / cnt
                    my = s_my[i + 1] + uy / cnt
                    s_n[i] = cnt
                    s_mx[i] = mx
                    s_my[i] = my
                    s_qx[i] = s_qx[i + 1] + ux * (dx - mx)
                    s_qy[i] = s_qy[i + 1] + uy * (dy - my)
                    s_cxy[i] = s_cxy[i + 1] + ux * (dy - my)
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
                dx = vx - cx
                dy = vy - cy
                ux = dx - pmx
                uy = dy - pmy
                pmx += ux / pn
                pmy += uy / pn
                pqx += ux * (dx - pmx)
                pqy += uy * (dy - pmy)
                pcxy += ux * (dy - pmy)
                pxlo = min(pxlo, vx)
                pxhi = max(pxhi, vx)
                pylo = min(pylo, vy)
                pyhi = max(pyhi, vy)
            na = 0
            i = 0
            if k > 0:
                i = t + 1 - b0
                na = s_n[i]
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
                dmx = pmx - s_mx[i]
                dmy = pmy - s_my[i]
                qx = s_qx[i] + pqx + dmx * dmx * f
                qy = s_qy[i] + pqy + dmy * dmy * f
                cxy = s_cxy[i] + pcxy + dmx * dmy * f
                xlo = min(s_xlo[i], pxlo)
                xhi = max(s_xhi[i], pxhi)
                ylo = min(s_ylo[i], pylo)
                yhi = max(s_yhi[i], pyhi)
            cnt_out[t] = n
            r_val = np.nan
            if n >= min_obs and n >= 2 and xlo != xhi and ylo != yhi and qx > 0.0 and qy > 0.0:
                r_val = cxy / (np.sqrt(qx) * np.sqrt(qy))
                r_val = min(1.0, max(-1.0, r_val))
            out[t] = r_val


@njit(cache=True, parallel=True)
def rolling_corr(x, y, w, min_obs):  # type: ignore[no-untyped-def]
    """Rolling Pearson correlation of row pairs ``(x[j], y[j])`` (shape (N, T)), parallel over j."""
    n_ser, n_rows = x.shape
    out = np.empty((n_ser, n_rows))
    cnt = np.empty((n_ser, n_rows), np.int64)
    for j in prange(n_ser):
        _rolling_corr_1d(x[j], y[j], w, min_obs, out[j], cnt[j])
    return out, cnt
