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
  4.00 moving by 1bp loses no digits to the offset. An empty prefix borrows
  the suffix's anchor, so a merge with an empty part is exact.
* Suffix aggregates of block ``k-1`` (count, mean, M2 = sum of squared
  deviations from the mean) are built backwards and prefix aggregates of
  block ``k`` forwards, both by Welford's update, which only *adds*
  observations (never removes them, so no error accumulates across the
  series: each output depends on at most ``2 * window`` rows).
* The two parts are merged with Chan's formula
  ``M2 = M2_a + M2_b + delta**2 * n_a * n_b / n``: a sum of non-negative
  terms, so there is no cancellation.
* The exact minimum and maximum of the raw values are carried along. A
  window whose valid values differ only by rounding,
  ``hi - lo <= FLAT_ULPS * eps * max(|lo|, |hi|)``, is **flat**: its
  standard deviation is exactly ``0.0`` (and its z-score NaN). This covers
  identical values and values that are equal in exact arithmetic but were
  computed along different paths (two correlations of 0.5 one ulp apart).

Layout and speed
----------------
The moment kernels read the caller's ``(T, N)`` row-major panel in place
(no transposes); each thread takes a range of columns. The rolling kernel
walks it block-major: a block of ``window`` rows of the whole column range
is copied row by row (long contiguous segments the hardware prefetches)
into compact tile-major buffers of ``TILE``-column tiles, once in order
(for this block's forward pass) and once with the rows reversed (for the
next block's backward pass); each tile then runs the backward pass of the
previous block and the forward pass of this one, and the outputs are
copied back row by row. Measured on a 2-core AVX-512 machine, each of
these steps matters:

* walking one tile down a wide panel touches a new page at every row and
  stalls on memory (12-14 ns/element at N=500 against 5 at N=32);
* any stream read or written at *falling* addresses costs about as much
  as the arithmetic: the backward pass reads the reversed copy at rising
  addresses and stages its suffix rows in a small L1 buffer, copied to the
  suffix array ``_CHUNK`` rows at a time (the rows are contiguous there);
* the backward update and the store of its result are separate loops:
  fused, LLVM left the loop scalar.

The inner loops run over the contiguous columns of one tile row with NaN
handled by selects (no branches), so LLVM vectorises them.

Everything is causal and truncation-invariant: the output at ``t`` is a
function of rows ``<= t`` only and is bit-identical whether or not later
rows exist. ``error_model="numpy"`` makes a division by zero give inf/NaN
(masked afterwards) instead of a Python exception, which would block
vectorisation.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_INF = np.inf

# Valid values within this many units of double-precision epsilon (relative to the larger magnitude)
# of each other are "equal up to rounding": the window is flat.
FLAT_ULPS = 4.0
_FLAT_TOL = FLAT_ULPS * float(np.finfo(np.float64).eps)

# Columns per tile: the suffix scratch is 5 * (window + 1) * TILE doubles (320 KB at W=250), in L2.
TILE = 32


@njit(cache=True, inline="always")
def _welford(v, c, n, m, q, r):  # type: ignore[no-untyped-def]
    """Add ``v`` (NaN: skip) to (count ``n``, mean ``m``, M2 ``q``) of deviations from anchor ``c``.

    ``r`` is ``1 / (n + 1)``. Branch-free: the update is computed and then
    selected, so loops over columns vectorise.
    """
    ok = v == v
    d = v - c
    u = d - m
    m1 = m + u * r
    q1 = q + u * (d - m1)
    return (n + 1.0 if ok else n), (m1 if ok else m), (q1 if ok else q)


@njit(cache=True, inline="always")
def _merge(na, ma, qa, pn, pm, pq, dc, rn):  # type: ignore[no-untyped-def]
    """Chan's merge of part a (anchor ``ca``) into part p (anchor ``cb``), ``dc = cb - ca``.

    ``rn`` is ``1 / max(na + pn, 1)``. Returns (n, m, q) in anchor ``cb``.
    Exact when either part is empty (then ``fa`` or ``pn * fa`` is 0; an
    empty prefix has ``cb == ca``).
    """
    fa = na * rn
    delta = dc + (pm - ma)
    m = pm - delta * fa
    q = (qa + pq) + (delta * (pn * fa)) * delta
    return na + pn, m, q


@njit(cache=True, inline="always")
def _mean_std(n, m, q, lo, hi, c, fmo, fdd, rd):  # type: ignore[no-untyped-def]
    """(mean, std) from merged aggregates in anchor ``c``, ``rd = 1 / (n - ddof)``; NaN per the policy."""
    enough = n >= fmo
    alo = abs(lo)
    ahi = abs(hi)
    flat = (hi - lo) <= _FLAT_TOL * (ahi if ahi > alo else alo)
    sd = 0.0 if flat else np.sqrt((q if q > 0.0 else 0.0) * rd)
    mean = (c + m) if enough else np.nan
    std = sd if (enough & (n > fdd)) else np.nan
    return mean, std


@njit(cache=True, inline="always")
def _fwd_elem(fast, v, pn, pm, pq, plo, phi, cb, ca, na, sm, sq, slo, shi, rp, rn, rd, fmo, fdd):  # type: ignore[no-untyped-def]
    """One column of one forward row: add ``v`` to the prefix, merge with the other part, finish.

    Scalars only (array arguments would cost an atomic reference count per
    call). ``fast`` (a constant at each call site): no NaN in the window, so
    the reciprocals ``rp, rn, rd`` of the counts are the row's scalars;
    otherwise they are divided out per column. Both give bit-identical results.
    """
    c = v if ((pn == 0.0) & (v == v)) else cb
    r1 = rp if fast else 1.0 / (pn + 1.0)
    pn, pm, pq = _welford(v, c, pn, pm, pq, r1)
    plo = v if v < plo else plo
    phi = v if v > phi else phi
    if fast:
        r2 = rn
    else:
        nn = na + pn
        r2 = 1.0 / (nn if nn > 1.0 else 1.0)
    n, m, q = _merge(na, sm, sq, pn, pm, pq, c - ca, r2)
    lo = slo if slo < plo else plo
    hi = shi if shi > phi else phi
    r3 = rd if fast else 1.0 / (n - fdd)
    mean, std = _mean_std(n, m, q, lo, hi, c, fmo, fdd, r3)
    return pn, pm, pq, plo, phi, c, m, mean, std


@njit(cache=True, inline="always")
def _bwd_elem(fast, v, n0, m0, q0, lo0, hi0, ca, rb):  # type: ignore[no-untyped-def]
    """One column of one backward row: add ``v`` to the suffix (anchored at its first valid value)."""
    c = v if ((n0 == 0.0) & (v == v)) else ca
    r1 = rb if fast else 1.0 / (n0 + 1.0)
    n1, m1, q1 = _welford(v, c, n0, m0, q0, r1)
    return c, n1, m1, q1, (v if v < lo0 else lo0), (v if v > hi0 else hi0)


# Per-tile state in one flat scratch array (a single base pointer keeps LLVM's run-time alias checks
# few): prefix fields, the anchors and the running max |x|, TILE doubles each. Indices are unsigned:
# numba wraps negative signed indices with a select, which turns vector loads into gathers.
_U = np.uint64
_STATE = tuple(np.uint64(f * TILE) for f in range(13))
_PN, _PM, _PQ, _PLO, _PHI, _CA, _CB, _BIG, _SN, _SM, _SQ, _SLO, _SHI = _STATE
_NSTATE = 13
_T = np.uint64(TILE)
# An aggregate (suffix at one index, or the history) is 5 fields x TILE columns: n, m, q, lo, hi at
# compile-time offsets, so LLVM sees constant distances between them.
_F1, _F2, _F3, _F4 = (np.uint64(f * TILE) for f in range(1, 5))
_ROW = np.uint64(5 * TILE)
# Suffix rows the backward pass stages before copying them to the suffix array at rising addresses.
_CHUNK = np.uint64(8)


@njit(cache=True, nogil=True, error_model="numpy")
def _forward_block(  # type: ignore[no-untyped-def]
    xb, b0, stop, bw, st, agg, step, weff, fmo, fdd, want_z, ob_a, ob_b, rowbad, last_nan
):
    """Forward pass over rows ``b0 .. stop-1`` of one tile; returns the last row with a NaN.

    The other part of row ``t``'s window is at ``agg[(t + 1 - b0) * step + f * TILE + j]`` (field f:
    n, m, q, lo, hi): the previous block's suffix (rolling, ``step = 5 * TILE``) or the history
    (expanding, ``step = 0``). ``weff`` is the window (rolling) or more than the rows (expanding).
    Called once per block, so its array arguments' reference counting is amortised.
    """
    for j in range(bw):
        st[_PN + j] = 0.0
        st[_PM + j] = 0.0
        st[_PQ + j] = 0.0
        st[_PLO + j] = _INF
        st[_PHI + j] = -_INF
        st[_CB + j] = st[_CA + j]  # the prefix borrows the other part's anchor until its first value
    for t in range(b0, stop):
        tt = _U(t - b0)
        # NaN count and running max |x| of the row (integer sum and max: both vectorise)
        bad = 0
        for j in range(bw):
            v = xb[tt, j]
            bad += v != v
            av = abs(v)
            big = st[_BIG + j]
            st[_BIG + j] = av if av > big else big
        rowbad[tt] = bad
        if bad:
            last_nan = t
        nfull = min(t + 1, weff)  # every column's count when the window has no NaN
        fast = last_nan < t + 1 - nfull
        rp = 1.0 / (t - b0 + 1.0)
        rn = 1.0 / nfull
        rd = 1.0 / (nfull - fdd)
        ia = _U(t + 1 - b0) * step
        if want_z and fast:
            for j in range(bw):
                v = xb[tt, j]
                i = ia + j
                pn, pm, pq, plo, phi, c, m, mean, std = _fwd_elem(
                    True, v, st[_PN + j], st[_PM + j], st[_PQ + j], st[_PLO + j], st[_PHI + j], st[_CB + j],
                    st[_CA + j], agg[i], agg[_F1 + i], agg[_F2 + i], agg[_F3 + i], agg[_F4 + i], rp, rn, rd,
                    fmo, fdd)  # fmt: skip
                st[_PN + j] = pn
                st[_PM + j] = pm
                st[_PQ + j] = pq
                st[_PLO + j] = plo
                st[_PHI + j] = phi
                st[_CB + j] = c
                ob_a[tt, j] = ((v - c) - m) / std if std > 0.0 else np.nan
        elif want_z:
            for j in range(bw):
                v = xb[tt, j]
                i = ia + j
                pn, pm, pq, plo, phi, c, m, mean, std = _fwd_elem(
                    False, v, st[_PN + j], st[_PM + j], st[_PQ + j], st[_PLO + j], st[_PHI + j], st[_CB + j],
                    st[_CA + j], agg[i], agg[_F1 + i], agg[_F2 + i], agg[_F3 + i], agg[_F4 + i], rp, rn, rd,
                    fmo, fdd)  # fmt: skip
                st[_PN + j] = pn
                st[_PM + j] = pm
                st[_PQ + j] = pq
                st[_PLO + j] = plo
                st[_PHI + j] = phi
                st[_CB + j] = c
                ob_a[tt, j] = ((v - c) - m) / std if std > 0.0 else np.nan
        elif fast:
            for j in range(bw):
                v = xb[tt, j]
                i = ia + j
                pn, pm, pq, plo, phi, c, m, mean, std = _fwd_elem(
                    True, v, st[_PN + j], st[_PM + j], st[_PQ + j], st[_PLO + j], st[_PHI + j], st[_CB + j],
                    st[_CA + j], agg[i], agg[_F1 + i], agg[_F2 + i], agg[_F3 + i], agg[_F4 + i], rp, rn, rd,
                    fmo, fdd)  # fmt: skip
                st[_PN + j] = pn
                st[_PM + j] = pm
                st[_PQ + j] = pq
                st[_PLO + j] = plo
                st[_PHI + j] = phi
                st[_CB + j] = c
                ob_a[tt, j] = mean
                ob_b[tt, j] = std
        else:
            for j in range(bw):
                v = xb[tt, j]
                i = ia + j
                pn, pm, pq, plo, phi, c, m, mean, std = _fwd_elem(
                    False, v, st[_PN + j], st[_PM + j], st[_PQ + j], st[_PLO + j], st[_PHI + j], st[_CB + j],
                    st[_CA + j], agg[i], agg[_F1 + i], agg[_F2 + i], agg[_F3 + i], agg[_F4 + i], rp, rn, rd,
                    fmo, fdd)  # fmt: skip
                st[_PN + j] = pn
                st[_PM + j] = pm
                st[_PQ + j] = pq
                st[_PLO + j] = plo
                st[_PHI + j] = phi
                st[_CB + j] = c
                ob_a[tt, j] = mean
                ob_b[tt, j] = std
    return last_nan


@njit(cache=True, nogil=True, error_model="numpy")
def _backward_block(xr, w, bw, st, sfx, rowbad):  # type: ignore[no-untyped-def]
    """Suffix aggregates of block ``b0 .. b0+w-1`` (for the next block), built from its last row back.

    ``xr`` is the block with its rows reversed (``xr[w - 1 - ii]`` is row
    ``ii``), so the pass reads it at rising addresses: on this hardware a
    stream read at falling addresses costs about as much as all the
    arithmetic of the pass.

    Each row is two column loops: the running suffix is updated in ``st``
    (loads and stores at the same indices of one array), then copied to the
    row's slot of ``sfx``. Fused into one loop, the stores to two arrays
    kept LLVM from vectorising it (the pass stayed scalar); split, both
    loops vectorise.
    """
    for j in range(bw):
        st[_SN + j] = 0.0
        st[_SM + j] = 0.0
        st[_SQ + j] = 0.0
        st[_SLO + j] = _INF
        st[_SHI + j] = -_INF
    hb = np.empty(_CHUNK * _ROW)
    clean = True
    for back in range(w):
        ii = _U(w - 1 - back)
        ir = _U(back)
        clean = clean & (rowbad[ii] == 0)
        rb = 1.0 / (back + 1.0)
        if clean:
            for j in range(bw):
                c, n1, m1, q1, lo1, hi1 = _bwd_elem(
                    True, xr[ir, j], st[_SN + j], st[_SM + j], st[_SQ + j], st[_SLO + j], st[_SHI + j],
                    st[_CA + j], rb)  # fmt: skip
                st[_CA + j] = c
                st[_SN + j] = n1
                st[_SM + j] = m1
                st[_SQ + j] = q1
                st[_SLO + j] = lo1
                st[_SHI + j] = hi1
        else:
            for j in range(bw):
                c, n1, m1, q1, lo1, hi1 = _bwd_elem(
                    False, xr[ir, j], st[_SN + j], st[_SM + j], st[_SQ + j], st[_SLO + j], st[_SHI + j],
                    st[_CA + j], rb)  # fmt: skip
                st[_CA + j] = c
                st[_SN + j] = n1
                st[_SM + j] = m1
                st[_SQ + j] = q1
                st[_SLO + j] = lo1
                st[_SHI + j] = hi1
        # stage the suffix in the (L1-resident) chunk buffer; a full chunk goes to ``sfx`` in one
        # rising-address copy (its rows are contiguous there)
        i1 = (ii % _CHUNK) * _ROW
        for j in range(bw):
            i = i1 + j
            hb[i] = st[_SN + j]
            hb[_F1 + i] = st[_SM + j]
            hb[_F2 + i] = st[_SQ + j]
            hb[_F3 + i] = st[_SLO + j]
            hb[_F4 + i] = st[_SHI + j]
        if ii % _CHUNK == 0:
            o = ii * _ROW
            for k in range(min(_CHUNK, _U(w) - ii) * _ROW):
                sfx[o + k] = hb[k]


@njit(cache=True, nogil=True)
def _load_block(x, b0, stop, a, bw, xb):  # type: ignore[no-untyped-def]
    """Copy rows ``b0 .. stop-1`` of columns ``a .. a+bw-1`` into the contiguous ``(rows, TILE)`` buffer.

    On a wide panel each row of a tile is a page apart; the passes over a
    compact copy run as fast as on a narrow panel.
    """
    for t in range(b0, stop):
        tt = _U(t - b0)
        for j in range(bw):
            xb[tt, j] = x[t, a + j]


@njit(cache=True, nogil=True)
def _store_block(ob, b0, stop, a, bw, out):  # type: ignore[no-untyped-def]
    """Copy the block's rows from the compact buffer ``ob`` into the ``(T, N)`` output."""
    for t in range(b0, stop):
        tt = _U(t - b0)
        for j in range(bw):
            out[t, a + j] = ob[tt, j]


@njit(cache=True, nogil=True, error_model="numpy")
def rolling_moments(x, w, min_obs, ddof, want_z, out_a, out_b, amax, c0, c1):  # type: ignore[no-untyped-def]
    """Rolling moments of columns ``c0 .. c1-1`` of the ``(T, N)`` panel ``x``.

    ``want_z`` false: mean into ``out_a``, std into ``out_b``; true: the
    z-score into ``out_a`` (``out_b`` untouched). ``amax[j]`` receives the
    largest ``|x|`` of column ``j`` (inf flags an infinite input).

    Block-major: each block of ``w`` rows of the column range is read row by
    row (whole contiguous row segments, which the hardware prefetches) into a
    tile-major buffer, every tile runs the backward pass of the previous
    block and the forward pass of this one on compact ``(w, TILE)`` arrays,
    and the outputs go back row by row. A tile-at-a-time walk down a wide
    panel would touch a new page per row and wait on memory at every row.
    """
    n_rows = x.shape[0]
    nblk = (n_rows + w - 1) // w
    fmo = float(min_obs)
    fdd = float(ddof)
    ntile = (c1 - c0 + TILE - 1) // TILE
    # suffix at index i: field f of column j at i * 5 * TILE + f * TILE + j
    sfx = np.empty(5 * (w + 1) * TILE)
    st = np.empty(_NSTATE * TILE)
    rowbad = np.zeros((ntile, w), np.int64)  # NaN count per row of the latest block, per tile
    last_nan = np.full(ntile, -1, np.int64)  # last row with a NaN, per tile
    anchors = np.zeros(ntile * TILE)  # the suffix anchor of each column (carried across blocks)
    bigs = np.zeros(ntile * TILE)  # running max |x| of each column
    xcur = np.zeros((ntile, w, TILE))  # this block, rows in order (forward pass)
    xrev = np.zeros((ntile, w, TILE))  # this block, rows reversed (the next block's backward pass)
    xrev_prev = np.zeros((ntile, w, TILE))
    ob_a = np.empty((ntile, w, TILE))
    ob_b = np.empty((ntile, w, TILE)) if not want_z else np.empty((1, 1, TILE))
    for k in range(nblk):
        b0 = k * w
        stop = min(b0 + w, n_rows)
        for t in range(b0, stop):
            tt = _U(t - b0)
            for ti in range(ntile):
                a = _U(c0 + ti * TILE)
                bw = _U(min(TILE, c1 - (c0 + ti * TILE)))
                xt = xcur[ti]
                xr = xrev[ti]
                for j in range(bw):
                    v = x[t, a + j]
                    xt[tt, j] = v
                    xr[_U(w - 1) - tt, j] = v
        for ti in range(ntile):
            bw = _U(min(TILE, c1 - (c0 + ti * TILE)))
            o = _U(ti * TILE)
            for j in range(bw):
                st[_CA + j] = anchors[o + j]
                st[_BIG + j] = bigs[o + j]
            rb = rowbad[ti]
            if k == 0:
                # block 0 has no previous block: every suffix is empty
                for i0 in range(_U(w + 1)):
                    for j in range(_T):
                        i = i0 * _ROW + j
                        sfx[i] = 0.0
                        sfx[_F1 + i] = 0.0
                        sfx[_F2 + i] = 0.0
                        sfx[_F3 + i] = _INF
                        sfx[_F4 + i] = -_INF
            else:
                _backward_block(xrev_prev[ti], w, bw, st, sfx, rb)
            ob2 = ob_b[ti if not want_z else 0]
            last_nan[ti] = _forward_block(xcur[ti], b0, stop, bw, st, sfx, _ROW, w, fmo, fdd, want_z,
                                          ob_a[ti], ob2, rb, last_nan[ti])
            for j in range(bw):
                anchors[o + j] = st[_CA + j]
                bigs[o + j] = st[_BIG + j]
        for t in range(b0, stop):
            tt = _U(t - b0)
            for ti in range(ntile):
                a = _U(c0 + ti * TILE)
                bw = _U(min(TILE, c1 - (c0 + ti * TILE)))
                oa = ob_a[ti]
                for j in range(bw):
                    out_a[t, a + j] = oa[tt, j]
                if not want_z:
                    obb = ob_b[ti]
                    for j in range(bw):
                        out_b[t, a + j] = obb[tt, j]
        xrev, xrev_prev = xrev_prev, xrev
    for ti in range(ntile):
        bw = _U(min(TILE, c1 - (c0 + ti * TILE)))
        for j in range(bw):
            amax[_U(c0 + ti * TILE) + j] = bigs[_U(ti * TILE) + j]


@njit(cache=True, nogil=True, error_model="numpy")
def expanding_moments(x, blk, min_obs, ddof, want_z, out_a, out_b, amax, c0, c1):  # type: ignore[no-untyped-def]
    """Expanding moments of columns ``c0 .. c1-1`` of the ``(T, N)`` panel ``x`` (outputs as rolling).

    The history is cut into blocks of ``blk`` rows: the aggregate of all
    complete blocks (anchored in a value of the latest one) is merged with
    the current block's prefix, so no deviation is taken from a far-away
    anchor.
    """
    n_rows = x.shape[0]
    nblk = (n_rows + blk - 1) // blk
    fmo = float(min_obs)
    fdd = float(ddof)
    hist = np.empty(5 * TILE)  # history aggregate: field f of column j at f * TILE + j
    st = np.empty(_NSTATE * TILE)
    rowbad = np.zeros(blk, np.int64)
    xb = np.empty((blk, TILE))
    ob_a = np.empty((blk, TILE))
    ob_b = np.empty((blk, TILE))
    for a0 in range(c0, c1, TILE):
        a = _U(a0)
        bw = _U(min(TILE, c1 - a0))
        for j in range(bw):
            hist[j] = 0.0
            hist[_F1 + j] = 0.0
            hist[_F2 + j] = 0.0
            hist[_F3 + j] = _INF
            hist[_F4 + j] = -_INF
            st[_CA + j] = 0.0
            st[_BIG + j] = 0.0
        last_nan = -1
        for k in range(nblk):
            b0 = k * blk
            stop = min(b0 + blk, n_rows)
            _load_block(x, b0, stop, a, bw, xb)
            last_nan = _forward_block(xb, b0, stop, bw, st, hist, _U(0), n_rows + 1, fmo, fdd, want_z,
                                      ob_a, ob_b, rowbad, last_nan)
            _store_block(ob_a, b0, stop, a, bw, out_a)
            if not want_z:
                _store_block(ob_b, b0, stop, a, bw, out_b)
            # fold the block into the history, re-expressed in the block's anchor
            for j in range(bw):
                nn = hist[j] + st[_PN + j]
                n, m, q = _merge(hist[j], hist[_F1 + j], hist[_F2 + j], st[_PN + j], st[_PM + j],
                                 st[_PQ + j], st[_CB + j] - st[_CA + j], 1.0 / (nn if nn > 1.0 else 1.0))
                hist[j] = n
                hist[_F1 + j] = m
                hist[_F2 + j] = q
                hist[_F3 + j] = min(hist[_F3 + j], st[_PLO + j])
                hist[_F4 + j] = max(hist[_F4 + j], st[_PHI + j])
                st[_CA + j] = st[_CB + j]
        for j in range(bw):
            amax[a + j] = st[_BIG + j]


# --- two-series rolling correlation (one series per row of an (N, T) array) ----------------------
#
# Same anchored-block scheme. Per block of ``w`` rows, a scalar loop runs two independent recurrences
# side by side (their dependency chains overlap in the pipeline): the forward (prefix) pass of the
# block and the backward (suffix) pass of the same block for the next one (row ``w - 1 - i`` at step
# ``i``). Both store their aggregates field-major; a second loop over the block then merges prefix
# ``i`` with the previous block's suffix ``i + 1`` and finishes, with no loop-carried state, so LLVM
# vectorises it. The recurrences take the reciprocals ``1 / n`` and ``(n - 1) / n`` from tables
# indexed by the count (no division); a block with NaN handles them by selects, a block without
# runs the same arithmetic (bit-identical) without the selects. The merge has no division either:
# M2s and co-moment are all scaled by the count (the correlation is scale-free), one square root and
# one division per row. Flatness (the moments' rule, on the raw values) needs no running min/max: a
# window whose M2 is well above what a flat window could produce is not flat, and the rare rest is
# tested exactly, on the min/max of the window's rows (computed only for the blocks that need it).
# Indices are unsigned (no negative-index wrapping). Bit-symmetric in x and y; truncation-invariant.

# Aggregate fields (field-major, ``w + 1`` slots each): n, mean x, mean y, M2 x, M2 y, co-moment.
_CREC = 6
# Products of two (scaled) M2 within these bounds have a correctly rounded square root.
_TINY = 1e-290
_HUGE = 1e290


@njit(cache=True, inline="always")
def _fmin(a, b):  # type: ignore[no-untyped-def]
    return a if a < b else b


@njit(cache=True, inline="always")
def _fmax(a, b):  # type: ignore[no-untyped-def]
    return a if a > b else b


@njit(cache=True, inline="always")
def _corr_add(ok, vx, vy, cx, cy, mx, my, qx, qy, cxy, r, g):  # type: ignore[no-untyped-def]
    """Welford update of the pair aggregates with (vx, vy) (``ok``: both valid) in anchors (cx, cy).

    With ``n`` the count before the update, ``r = 1 / (n + 1)`` and ``g = n / (n + 1)``. The
    co-moment term ``ux * uy * g`` is symmetric in x and y, and the squares use the same form.
    """
    dx = vx - cx
    dy = vy - cy
    ux = dx - mx
    uy = dy - my
    mx1 = mx * g + dx * r  # = mx + ux * r, one multiply-add shorter on the loop-carried chain
    my1 = my * g + dy * r
    qx1 = qx + (ux * ux) * g
    qy1 = qy + (uy * uy) * g
    c1 = cxy + (ux * uy) * g
    if ok:
        return mx1, my1, qx1, qy1, c1
    return mx, my, qx, qy, cxy


@njit(cache=True, inline="always")
def _flat2(lo, hi):  # type: ignore[no-untyped-def]
    """The moments' flat rule on the exact min and max of a window's valid values."""
    return (hi - lo) <= _FLAT_TOL * _fmax(abs(lo), abs(hi))


@njit(cache=True, inline="always")
def _corr_merge(sbuf, pbuf, o, i, L1, L2, L3, L4, L5):  # type: ignore[no-untyped-def]
    """Chan's merge of suffix ``o`` and prefix ``i``: (n, n * M2 x, n * M2 y, n * co-moment)."""
    na = sbuf[o]
    pn = pbuf[i]
    nn = na + pn
    f = na * pn
    dmx = pbuf[L1 + i] - sbuf[o + L1]
    dmy = pbuf[L2 + i] - sbuf[o + L2]
    qx = nn * (sbuf[o + L3] + pbuf[L3 + i]) + (dmx * dmx) * f
    qy = nn * (sbuf[o + L4] + pbuf[L4 + i]) + (dmy * dmy) * f
    cxy = nn * (sbuf[o + L5] + pbuf[L5 + i]) + (dmx * dmy) * f
    return nn, qx, qy, cxy


@njit(cache=True, nogil=True, error_model="numpy")
def _rolling_corr_1d(x, y, w, min_obs, out, rec, gam, sbuf, pbuf, mbuf):  # type: ignore[no-untyped-def]
    """Rolling correlation of one pair.

    ``sbuf``: two suffix buffers of ``_CREC * (w + 1)`` (field f, index i at ``f * (w + 1) + i``),
    alternating by block parity by offset (swapping array references would cost reference
    counting); ``pbuf``: the prefix aggregates of the current block, same layout; ``mbuf``: the
    previous block's suffix min/max of x and y when a block needs the exact flat test.
    """
    n_rows = x.shape[0]
    nb = (n_rows + w - 1) // w
    fmo = float(min_obs if min_obs > 2 else 2)
    L = _U(w + 1)
    half = _U(_CREC) * L
    L1, L2, L3, L4, L5 = L, _U(2) * L, _U(3) * L, _U(4) * L, _U(5) * L
    for h in range(_U(2)):
        o = h * half
        for i in range(L):
            for f in range(_U(6)):
                sbuf[o + f * L + i] = 0.0
    ra = _U(0)  # offset of the suffix to read (the previous block's)
    # A flat window (spread <= _FLAT_TOL * max |value|) has M2 <= n * (_FLAT_TOL * big)**2 for any
    # big >= its max |value| (the series' max |value|); the computed M2 (deviations from an anchor in
    # the window, at most the spread each) stays within 5x that. Windows above 16x are not flat; the
    # few at or below it get the exact test.
    bigx = 0.0
    bigy = 0.0
    for t in range(_U(n_rows)):
        a = abs(x[t])
        bigx = a if a > bigx else bigx
        a = abs(y[t])
        bigy = a if a > bigy else bigy
    # (a scale whose square leaves the float range: every window gets the exact test)
    thx = 16.0 * (_FLAT_TOL * bigx) ** 2 if 1e-100 < bigx < 1e100 else _INF
    thy = 16.0 * (_FLAT_TOL * bigy) ** 2 if 1e-100 < bigy < 1e100 else _INF
    ax = 0.0  # anchors of the previous block's suffix (its last valid pair)
    ay = 0.0
    for k in range(nb):
        b0 = _U(k * w)
        m_rows = _U(min(w, n_rows - k * w))
        back = (m_rows == _U(w)) & (k + 1 < nb)  # the next block needs this block's suffix
        wb = half - ra  # offset of the suffix to write
        # prefix of this block: anchored at its first valid pair (borrows the suffix's until then)
        bx = ax
        by = ay
        pn = _U(0)
        pmx = 0.0
        pmy = 0.0
        pqx = 0.0
        pqy = 0.0
        pc = 0.0
        # suffix of this block (for the next): anchored at its last valid pair
        cx = 0.0
        cy = 0.0
        sn = _U(0)
        smx = 0.0
        smy = 0.0
        sqx = 0.0
        sqy = 0.0
        sc = 0.0
        wm1 = _U(w - 1)
        bad = 0
        for i in range(m_rows):
            vx = x[b0 + i]
            vy = y[b0 + i]
            bad += (vx != vx) | (vy != vy)
        if bad == 0:
            # no NaN in the block: the same arithmetic (bit-identical) without the selects; the
            # anchors are the block's first and last rows
            bx = x[b0]
            by = y[b0]
            cx = x[b0 + wm1] if back else 0.0
            cy = y[b0 + wm1] if back else 0.0
            for i in range(m_rows):
                vx = x[b0 + i]
                vy = y[b0 + i]
                pmx, pmy, pqx, pqy, pc = _corr_add(True, vx, vy, bx, by, pmx, pmy, pqx, pqy, pc,
                                                   rec[i + _U(1)], gam[i + _U(1)])  # fmt: skip
                pbuf[i] = float(i + _U(1))
                pbuf[L1 + i] = pmx - (ax - bx)
                pbuf[L2 + i] = pmy - (ay - by)
                pbuf[L3 + i] = pqx
                pbuf[L4 + i] = pqy
                pbuf[L5 + i] = pc
                if back:
                    ib = wm1 - i
                    ux_ = x[b0 + ib]
                    uy_ = y[b0 + ib]
                    smx, smy, sqx, sqy, sc = _corr_add(True, ux_, uy_, cx, cy, smx, smy, sqx, sqy, sc,
                                                       rec[i + _U(1)], gam[i + _U(1)])  # fmt: skip
                    ob = wb + ib
                    sbuf[ob] = float(i + _U(1))
                    sbuf[ob + L1] = smx
                    sbuf[ob + L2] = smy
                    sbuf[ob + L3] = sqx
                    sbuf[ob + L4] = sqy
                    sbuf[ob + L5] = sc
            pn = m_rows
            sn = m_rows if back else _U(0)
        for i in range(m_rows if bad else _U(0)):
            # forward: row b0 + i
            vx = x[b0 + i]
            vy = y[b0 + i]
            ok = (vx == vx) & (vy == vy)
            first = ok & (pn == 0)
            bx = vx if first else bx
            by = vy if first else by
            pmx, pmy, pqx, pqy, pc = _corr_add(ok, vx, vy, bx, by, pmx, pmy, pqx, pqy, pc,
                                               rec[pn + _U(1)], gam[pn + _U(1)])  # fmt: skip
            pn = pn + _U(1) if ok else pn
            pbuf[i] = float(pn)
            pbuf[L1 + i] = pmx - (ax - bx)  # the prefix mean in the suffix's anchor, less its own
            pbuf[L2 + i] = pmy - (ay - by)
            pbuf[L3 + i] = pqx
            pbuf[L4 + i] = pqy
            pbuf[L5 + i] = pc
            if back:
                # backward: row b0 + w-1-i, into the suffix at index w-1-i
                ib = wm1 - i
                ux_ = x[b0 + ib]
                uy_ = y[b0 + ib]
                okb = (ux_ == ux_) & (uy_ == uy_)
                firstb = okb & (sn == 0)
                cx = ux_ if firstb else cx
                cy = uy_ if firstb else cy
                smx, smy, sqx, sqy, sc = _corr_add(okb, ux_, uy_, cx, cy, smx, smy, sqx, sqy, sc,
                                                   rec[sn + _U(1)], gam[sn + _U(1)])  # fmt: skip
                sn = sn + _U(1) if okb else sn
                ob = wb + ib
                sbuf[ob] = float(sn)
                sbuf[ob + L1] = smx
                sbuf[ob + L2] = smy
                sbuf[ob + L3] = sqx
                sbuf[ob + L4] = sqy
                sbuf[ob + L5] = sc
        # merge prefix i with the previous block's suffix over rows i+1 .. w-1 (Chan) and finish
        nsus = 0
        for i in range(m_rows):
            o = ra + i + _U(1)
            nn, qx, qy, cxy = _corr_merge(sbuf, pbuf, o, i, L1, L2, L3, L4, L5)
            # all three scaled by nn (no division); rho is scale-free
            s2 = qx * qy
            rho = cxy / np.sqrt(s2)
            rho = _fmin(1.0, _fmax(-1.0, rho))
            good = (nn >= fmo) & (qx > 0.0) & (qy > 0.0)
            out[b0 + i] = rho if good else np.nan
            n2 = nn * nn
            nsus += good & ((qx <= thx * n2) | (qy <= thy * n2) | (s2 <= _TINY) | (s2 >= _HUGE))
        if nsus:
            # rare: windows whose spread may be at rounding level get the exact flat test (and
            # products of M2 beyond the float range the two-root form); only window-local facts
            # change the result, so it stays truncation-invariant. The exact min/max of the valid
            # pairs: suffix ones of the previous block into ``mbuf``, prefix ones on the way.
            for f4 in range(_U(4)):
                mbuf[f4 * L + _U(w)] = _INF if f4 % _U(2) == _U(0) else -_INF
            for jj in range(_U(w)):
                j = _U(w - 1) - jj
                r = b0 + j - _U(w) if k > 0 else j  # row j of the previous block (none before block 0)
                vx = x[r]
                vy = y[r]
                ok = (vx == vx) & (vy == vy) & (k > 0)
                mbuf[j] = _fmin(mbuf[j + _U(1)], vx) if ok else mbuf[j + _U(1)]
                mbuf[L + j] = _fmax(mbuf[L + j + _U(1)], vx) if ok else mbuf[L + j + _U(1)]
                mbuf[L2 + j] = _fmin(mbuf[L2 + j + _U(1)], vy) if ok else mbuf[L2 + j + _U(1)]
                mbuf[L3 + j] = _fmax(mbuf[L3 + j + _U(1)], vy) if ok else mbuf[L3 + j + _U(1)]
            xlo = _INF
            xhi = -_INF
            ylo = _INF
            yhi = -_INF
            for i in range(m_rows):
                vx = x[b0 + i]
                vy = y[b0 + i]
                if (vx == vx) & (vy == vy):
                    xlo = _fmin(xlo, vx)
                    xhi = _fmax(xhi, vx)
                    ylo = _fmin(ylo, vy)
                    yhi = _fmax(yhi, vy)
                o = ra + i + _U(1)
                nn, qx, qy, cxy = _corr_merge(sbuf, pbuf, o, i, L1, L2, L3, L4, L5)
                s2 = qx * qy
                good = (nn >= fmo) & (qx > 0.0) & (qy > 0.0)
                n2 = nn * nn
                if good & ((qx <= thx * n2) | (qy <= thy * n2) | (s2 <= _TINY) | (s2 >= _HUGE)):
                    j = i + _U(1)
                    if _flat2(_fmin(mbuf[j], xlo), _fmax(mbuf[L + j], xhi)) | _flat2(
                        _fmin(mbuf[L2 + j], ylo), _fmax(mbuf[L3 + j], yhi)
                    ):
                        out[b0 + i] = np.nan
                    elif (s2 <= _TINY) | (s2 >= _HUGE):
                        out[b0 + i] = _fmin(1.0, _fmax(-1.0, cxy / (np.sqrt(qx) * np.sqrt(qy))))
        if back:
            ax = cx if sn > 0 else bx
            ay = cy if sn > 0 else by
            ra = wb


@njit(cache=True, nogil=True)
def rolling_corr(x, y, w, min_obs, out, j0, j1):  # type: ignore[no-untyped-def]
    """Rolling Pearson correlation of row pairs ``(x[j], y[j])`` (shape (N, T)), ``j0 <= j < j1``."""
    rec = np.zeros(w + 2)  # rec[n] = 1 / n
    gam = np.zeros(w + 2)  # gam[n] = (n - 1) / n
    for n in range(1, w + 2):
        rec[n] = 1.0 / n
        gam[n] = (n - 1.0) / n
    sbuf = np.empty(2 * _CREC * (w + 1))
    pbuf = np.empty(_CREC * (w + 1))
    mbuf = np.empty(4 * (w + 1))
    for j in range(j0, j1):
        _rolling_corr_1d(x[j], y[j], w, min_obs, out[j], rec, gam, sbuf, pbuf, mbuf)
