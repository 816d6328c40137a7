"""Numba core of the signal sweep: counts at every threshold and the AUROC from sorted scores.

For one score vector ``z`` (T,) and a binary target ``y`` (T,) (1.0 / 0.0,
NaN = unknown), the evaluated days are those where both are finite. The
caller splits the scores by label into the positives ``P`` and negatives
``N`` and sorts each part once (numpy's sort; NaN scores sort to the end
and are not counted). Then, for a threshold ``h`` (signal ``z >= h``),

* hits ``A = |P| - searchsorted(sorted P, h, 'left')`` and false alarms
  ``B = |N| - searchsorted(sorted N, h, 'left')`` (count of scores ``>= h``);
* the Mann-Whitney statistic ``U = sum over p in P of #{n < p} + #{n == p} / 2``
  is one merge of the two sorted parts; AUROC ``= U / (|P| |N|)``.

``2 U`` is accumulated as an integer, so U is exact and the AUROC is the
correctly rounded quotient (the same double as a rank sum computed exactly).

The function is serial and releases the GIL; the wrapper in
:mod:`stormwatch.kernels.sweep` splits the rows over threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _finite_prefix(a):  # type: ignore[no-untyped-def]
    """Length of the finite prefix of a sorted row whose NaNs are at the end (binary search)."""
    lo = 0
    hi = a.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if np.isnan(a[mid]):
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True, nogil=True)
def count_sorted_rows(ps, ns, thresholds, auroc, n_pos, n_neg, hits, false_alarms, r0, r1):  # type: ignore[no-untyped-def]
    """Fill the outputs for rows ``r0 .. r1-1`` of the sorted class scores ``ps`` (R, P) and ``ns`` (R, N).

    Each row is sorted ascending with NaN (no score that day) at the end.
    Outputs: ``auroc`` (R,) (NaN without both classes), ``n_pos``/``n_neg``
    (R,) evaluated days per class, ``hits``/``false_alarms`` (R, H) days
    with ``score >= h`` per class, for the finite ``thresholds`` (H,).
    """
    n_h = thresholds.shape[0]
    for r in range(r0, r1):
        pr = ps[r]
        nr = ns[r]
        p = _finite_prefix(pr)
        n = _finite_prefix(nr)
        n_pos[r] = p
        n_neg[r] = n
        # Merge: lo = #neg < v, hi = #neg <= v; both only move forward as v rises.
        u2 = 0
        lo = 0
        hi = 0
        for i in range(p):
            v = pr[i]
            while lo < n and nr[lo] < v:
                lo += 1
            if hi < lo:
                hi = lo
            while hi < n and nr[hi] <= v:
                hi += 1
            u2 += 2 * lo + (hi - lo)
        auroc[r] = u2 / (2.0 * p * n) if p > 0 and n > 0 else np.nan
        pf = pr[:p]
        nf = nr[:n]
        for k in range(n_h):
            h = thresholds[k]
            hits[r, k] = p - np.searchsorted(pf, h)
            false_alarms[r, k] = n - np.searchsorted(nf, h)
