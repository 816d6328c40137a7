"""Causal helpers shared by the aggravator and fuel families.

Private to :mod:`stormwatch.signals`; everything here is causal (the value at
``t`` uses rows up to ``t`` only), keeps the input's index and leaves warm-up
rows NaN.

* :func:`expanding_pct_rank` / :func:`rolling_pct_rank` — the mid-rank
  percentile of today's value among all values seen so far (or in a trailing
  window);
* :func:`norm_ppf` / :func:`pct_to_z` — map a percentile to the z scale shared
  by every signal (the 90th percentile is ``z = 1.28``);
* :func:`soft_and` — the weakest leg of a conjunction;
* :func:`mean_available` — the mean of the components that have a value, with
  the required ones insisted on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from stormwatch.signals._carry import sequential

__all__ = [
    "PCT_80_Z",
    "PCT_90_Z",
    "expanding_pct_rank",
    "expanding_rank",
    "mean_available",
    "norm_ppf",
    "pct_to_z",
    "rolling_pct_rank",
    "soft_and",
]

# Acklam's rational approximation of the standard normal quantile
# (relative error < 1.15e-9 over (0, 1)).
_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
_P_LOW = 0.02425


def norm_ppf(p: npt.ArrayLike) -> npt.NDArray[np.float64]:
    r"""Standard normal quantile :math:`\Phi^{-1}(p)`, vectorised; NaN outside ``(0, 1)``.

    Parameters
    ----------
    p
        Probabilities.

    Returns
    -------
    numpy.ndarray
        The quantiles (Acklam's approximation, relative error below ``1.2e-9``).
    """
    q = np.asarray(p, dtype="float64")
    out = np.full(q.shape, np.nan)
    ok = (q > 0.0) & (q < 1.0)
    lo = ok & (q < _P_LOW)
    hi = ok & (q > 1.0 - _P_LOW)
    mid = ok & ~lo & ~hi
    if mid.any():
        x = q[mid] - 0.5
        r = x * x
        num = (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * x
        den = ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0
        out[mid] = num / den
    for mask, sign in ((lo, 1.0), (hi, -1.0)):
        if mask.any():
            tail = q[mask] if sign > 0 else 1.0 - q[mask]
            s = np.sqrt(-2.0 * np.log(tail))
            num = ((((_C[0] * s + _C[1]) * s + _C[2]) * s + _C[3]) * s + _C[4]) * s + _C[5]
            den = (((_D[0] * s + _D[1]) * s + _D[2]) * s + _D[3]) * s + 1.0
            out[mask] = sign * num / den
    return out


PCT_80_Z: float = float(norm_ppf(0.80))
"""The z of the 80th percentile (0.8416)."""
PCT_90_Z: float = float(norm_ppf(0.90))
"""The z of the 90th percentile (1.2816)."""


def pct_to_z(p: pd.Series) -> pd.Series:
    r"""Map a percentile in ``(0, 1)`` to the z scale: :math:`z = \Phi^{-1}(p)`."""
    return pd.Series(norm_ppf(p.to_numpy(dtype="float64")), index=p.index, dtype="float64")


def _midrank_pct(rank_avg: pd.Series, count: pd.Series) -> pd.Series:
    # average rank r = #(< x) + (#(== x) + 1) / 2, so (r - 1/2) / n
    # = (#(< x) + #(== x) / 2) / n: strictly inside (0, 1).
    return (rank_avg - 0.5) / count


def expanding_pct_rank(x: pd.Series, *, min_obs: int) -> pd.Series:
    r"""Mid-rank percentile of ``x_t`` among every value observed up to ``t``.

    .. math::

        p_t = \frac{\#\{s \le t: x_s < x_t\} + \tfrac12 \#\{s \le t: x_s = x_t\}}
                   {\#\{s \le t\}}

    Parameters
    ----------
    x
        The series; NaN rows are skipped (and stay NaN).
    min_obs
        Valid observations needed before a percentile is given.

    Returns
    -------
    pandas.Series
        ``p_t`` in ``(0, 1)``, NaN through warm-up.
    """
    if min_obs < 1:
        raise ValueError("min_obs must be >= 1")
    return expanding_rank(x, min_obs=min_obs, mid=True)


def expanding_rank(x: pd.Series, *, min_obs: int, mid: bool) -> pd.Series:
    r"""Expanding average rank of ``x_t`` over its count: mid-rank (``mid``) or ``rank / n``.

    Parameters
    ----------
    x
        The series; NaN rows are skipped (and stay NaN).
    min_obs
        Valid observations needed before a value is given.
    mid
        ``True``: :math:`(r_t - \tfrac12)/n_t` (see :func:`expanding_pct_rank`);
        ``False``: :math:`r_t / n_t` (pandas' ``rank(pct=True)``), with
        :math:`r_t = \#\{x_s < x_t\} + (\#\{x_s = x_t\} + 1)/2`.

    Notes
    -----
    The carried state of an incremental run is the sorted array of the values
    so far; ranks are exact counts, so full and incremental agree exactly.
    """
    vals = x.to_numpy(dtype="float64")
    kind = f"rank/{min_obs}/{int(mid)}"
    out = sequential(
        kind,
        x.index,
        vals,
        lambda v: _rank_full(v, min_obs, mid),
        lambda s, v: _rank_resume(s, v, min_obs, mid),
    )
    return pd.Series(out, index=x.index, dtype="float64")


def _rank_pct(
    rank: npt.NDArray[np.float64], count: npt.NDArray[np.float64], mid: bool
) -> npt.NDArray[np.float64]:
    # average rank r = #(< x) + (#(== x) + 1) / 2, so (r - 1/2) / n
    # = (#(< x) + #(== x) / 2) / n: strictly inside (0, 1).
    return (rank - 0.5) / count if mid else rank / count


def _rank_full(v: npt.NDArray[np.float64], min_obs: int, mid: bool) -> tuple[npt.NDArray[np.float64], Any]:
    out = np.full(v.shape, np.nan)
    ok = ~np.isnan(v)
    valid = pd.Series(v[ok])
    rank = valid.expanding(min_periods=min_obs).rank(method="average").to_numpy(dtype="float64")
    count = np.arange(1, valid.size + 1, dtype="float64")
    out[ok] = _rank_pct(rank, count, mid)
    return out, np.sort(v[ok])


def _rank_resume(
    seen: npt.NDArray[np.float64], v: npt.NDArray[np.float64], min_obs: int, mid: bool
) -> tuple[npt.NDArray[np.float64], Any]:
    out = np.full(v.shape, np.nan)
    for i in np.flatnonzero(~np.isnan(v)):
        lo = int(np.searchsorted(seen, v[i], side="left"))
        hi = int(np.searchsorted(seen, v[i], side="right"))
        seen = np.insert(seen, hi, v[i])
        n = seen.size
        if n >= min_obs:
            out[i] = _rank_pct(np.array([lo + (hi - lo + 2) / 2.0]), np.array([float(n)]), mid)[0]
    return out, seen


def rolling_pct_rank(x: pd.Series, window: int, *, min_obs: int | None = None) -> pd.Series:
    """Mid-rank percentile of ``x_t`` among the last ``window`` valid values.

    See :func:`expanding_pct_rank` for the definition.
    """
    if window < 2:
        raise ValueError("window must be >= 2 for a percentile rank")
    mp = window if min_obs is None else min_obs
    valid = x.dropna().astype("float64")
    rank = valid.rolling(window, min_periods=mp).rank(method="average")
    count = valid.rolling(window, min_periods=mp).count()
    return _midrank_pct(rank, count).reindex(x.index)


def soft_and(*legs: pd.Series) -> pd.Series:
    r"""The weakest leg of a conjunction: :math:`\min_k z_k`, NaN if any leg is NaN.

    A condition that needs *all* of its legs (inflation up **and** growth down
    **and** the dollar down) is only as strong as its weakest leg.
    """
    if not legs:
        raise ValueError("soft_and needs at least one leg")
    frame = pd.concat(list(legs), axis=1)
    return frame.min(axis=1, skipna=False).astype("float64")


def mean_available(required: Sequence[pd.Series], optional: Sequence[pd.Series] = ()) -> pd.Series:
    r"""Mean of the components that have a value; NaN where a required one is missing.

    .. math:: b_t = \frac{1}{|A_t|} \sum_{k \in A_t} z_{k,t},
              \quad A_t = \{k: z_{k,t} \text{ is known}\}
    """
    if not required:
        raise ValueError("mean_available needs at least one required component")
    frame = pd.concat([*required, *optional], axis=1)
    out = frame.mean(axis=1, skipna=True)
    need = pd.concat(list(required), axis=1).notna().all(axis=1)
    return out.where(need).astype("float64")
