"""Numba core of the block-bootstrap AUROC (the plain numpy twin is ``metrics._weighted_aurocs``).

For each resample (a row of block starts) every day's multiplicity is
counted once; then, per model, the days are walked in score order and the
Mann-Whitney statistic is summed over the groups of tied scores:

.. math:: \\text{AUROC} = \\frac{\\sum_g P_g (N_{<g} + N_g / 2)}{P\\,N}

with :math:`P_g, N_g` the event and quiet weight of group :math:`g`.
O(n) per resample and model; no (resamples x days) matrix.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def boot_aurocs(order, group_end, is_event, starts, block, n):  # type: ignore[no-untyped-def]
    """AUROC of each model on each resample.

    Parameters
    ----------
    order : int64 (n_models, n)
        Days sorted by each model's score (ascending).
    group_end : bool (n_models, n)
        True where ``order[m, i]`` is the last day of a group of tied scores.
    is_event : bool (n,)
        The label.
    starts : int64 (n_boot, k)
        Block starts of each resample (circular blocks of ``block`` days, cut to ``n``).
    block, n : int
        Block length (<= n) and sample size.

    Returns
    -------
    float64 (n_boot, n_models)
    """
    n_models = order.shape[0]
    n_boot = starts.shape[0]
    k = starts.shape[1]
    out = np.empty((n_boot, n_models))
    mult = np.zeros(n)
    event = np.zeros(n)
    for i in range(n):
        if is_event[i]:
            event[i] = 1.0
    for b in range(n_boot):
        mult[:] = 0.0
        left = n
        for j in range(k):
            s = starts[b, j]
            take = block if block < left else left
            first = take if s + take <= n else n - s
            for i in range(s, s + first):
                mult[i] += 1.0
            for i in range(take - first):
                mult[i] += 1.0
            left -= take
            if left == 0:
                break
        for m in range(n_models):
            below = 0.0
            num = 0.0
            tot_p = 0.0
            p_g = 0.0
            q_g = 0.0
            for r in range(n):
                i = order[m, r]
                w = mult[i]
                e = event[i]
                p_g += w * e  # branch-free: resampled days are random, branches would mispredict
                q_g += w - w * e
                if group_end[m, r]:
                    num += p_g * (below + 0.5 * q_g)
                    below += q_g
                    tot_p += p_g
                    p_g = 0.0
                    q_g = 0.0
            den = tot_p * below
            out[b, m] = num / den if den > 0.0 else np.nan
    return out
