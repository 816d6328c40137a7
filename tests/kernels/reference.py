"""Naive, exact references for :mod:`stormwatch.kernels` (slow on purpose).

Every function loops over windows and recomputes from scratch:

* moments and correlations use an *exact* two-pass method: sums with
  :func:`math.fsum` (correctly rounded), deviations from the fsum mean, and
  the corrected second pass ``sum(d**2) - sum(d)**2 / n``, so the result is
  exact to a few ulps whatever the offset of the data;
* the panel kernels call ``np.corrcoef`` / ``np.cov`` / ``np.linalg.eigvalsh``
  / ``np.linalg.solve`` on each window's complete, non-constant columns.

Constancy is decided from the raw values, not from a computed variance: for the
correlations exactly (``max == min``); for the moments by the kernels' flat rule,
``max - min <= 4 * eps * max(|min|, |max|)`` (values equal up to rounding).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


def _window(t: int, w: int) -> slice:
    return slice(max(0, t - w + 1), t + 1)


FLAT_TOL = 4.0 * float(np.finfo(np.float64).eps)


def is_flat(v: list[float]) -> bool:
    """The moments' flat rule: the valid values differ only by rounding."""
    lo, hi = min(v), max(v)
    return hi - lo <= FLAT_TOL * max(abs(lo), abs(hi))


def exact_mean_m2(v: list[float]) -> tuple[float, float]:
    """(mean, sum of squared deviations) of ``v``, exact to a few ulps."""
    n = len(v)
    mean = math.fsum(v) / n
    d = [a - mean for a in v]
    m2 = math.fsum([a * a for a in d]) - math.fsum(d) ** 2 / n
    return mean, max(m2, 0.0)


def exact_dev(xt: float, v: list[float]) -> float:
    """``xt - mean(v)`` without rounding the mean first: fsum(xt - v_i) / n."""
    return math.fsum([xt] * len(v) + [-a for a in v]) / len(v)


def _moments_1d(x: F64, w: int | None, min_obs: int, ddof: int) -> tuple[F64, F64, F64]:
    n_rows = x.shape[0]
    mean = np.full(n_rows, np.nan)
    std = np.full(n_rows, np.nan)
    z = np.full(n_rows, np.nan)
    for t in range(n_rows):
        sl = _window(t, w) if w is not None else slice(0, t + 1)
        seg = x[sl]
        v = seg[~np.isnan(seg)].tolist()
        n = len(v)
        if n < min_obs or n == 0:
            continue
        mu, m2 = exact_mean_m2(v)
        mean[t] = v[0] if max(v) == min(v) else mu
        if n - ddof <= 0:
            continue
        std[t] = 0.0 if is_flat(v) else math.sqrt(m2 / (n - ddof))
        if std[t] > 0 and not np.isnan(x[t]):
            z[t] = exact_dev(float(x[t]), v) / std[t]
    return mean, std, z


def moments(x: F64, w: int | None, min_obs: int, ddof: int = 1) -> tuple[F64, F64, F64]:
    """Rolling (``w`` rows) or expanding (``w=None``) mean, std and z-score, 1-D or 2-D."""
    if x.ndim == 1:
        return _moments_1d(x, w, min_obs, ddof)
    cols = [_moments_1d(x[:, j], w, min_obs, ddof) for j in range(x.shape[1])]
    return tuple(np.column_stack([c[i] for c in cols]) for i in range(3))  # type: ignore[return-value]


def corr(x: F64, y: F64, w: int, min_obs: int) -> F64:
    """Pairwise-complete rolling Pearson correlation of two 1-D series."""
    n_rows = x.shape[0]
    out = np.full(n_rows, np.nan)
    for t in range(n_rows):
        sl = _window(t, w)
        a, b = x[sl], y[sl]
        ok = ~(np.isnan(a) | np.isnan(b))
        va, vb = a[ok].tolist(), b[ok].tolist()
        n = len(va)
        if n < max(min_obs, 2) or max(va) == min(va) or max(vb) == min(vb):
            continue
        ma, mb = math.fsum(va) / n, math.fsum(vb) / n
        da = [v - ma for v in va]
        db = [v - mb for v in vb]
        sa, sb = math.fsum(da), math.fsum(db)
        qa = math.fsum([v * v for v in da]) - sa * sa / n
        qb = math.fsum([v * v for v in db]) - sb * sb / n
        c = math.fsum([u * v for u, v in zip(da, db, strict=True)]) - sa * sb / n
        out[t] = max(-1.0, min(1.0, c / math.sqrt(qa * qb)))
    return out


def usable_columns(block: F64) -> npt.NDArray[np.int64]:
    """Columns with no NaN in ``block`` that are not constant (exact test)."""
    ok = ~np.isnan(block).any(axis=0)
    if block.shape[0]:
        ok &= np.nanmax(block, axis=0, initial=-np.inf) != np.nanmin(block, axis=0, initial=np.inf)
    return np.flatnonzero(ok)


def _corrcoef_avg(block: F64) -> float:
    c = np.corrcoef(block, rowvar=False)
    m = block.shape[1]
    return float((c.sum() - np.trace(c)) / (m * (m - 1)))


def _exact_avg(block: F64) -> float:
    m = block.shape[1]
    pairs = [_exact_corr(block[:, i], block[:, j]) for i in range(m) for j in range(i + 1, m)]
    return math.fsum(pairs) * 2.0 / (m * (m - 1))


def _exact_corr(a: F64, b: F64) -> float:
    """Pearson correlation of two columns with exact rational sums (one rounding at the end)."""
    fa = [Fraction(float(v)) for v in a]
    fb = [Fraction(float(v)) for v in b]
    n = len(fa)
    ma, mb = sum(fa) / n, sum(fb) / n
    sab = sum((x - ma) * (y - mb) for x, y in zip(fa, fb, strict=True))
    saa = sum((x - ma) ** 2 for x in fa)
    sbb = sum((y - mb) ** 2 for y in fb)
    # sqrt of the exact product, rounded once: exact to about 1 ulp
    return float(sab) / math.sqrt(float(saa * sbb)) if saa and sbb else math.nan


def avg_corr(X: F64, w: int, min_obs: int, *, exact: bool = False) -> tuple[F64, npt.NDArray[np.int64]]:
    """Average off-diagonal ``np.corrcoef`` of the usable columns, per window.

    ``exact=True`` computes each pair with exact rational sums instead (small
    panels only): ``np.corrcoef`` loses every digit on a column whose values
    differ by an ulp (two rows of -1 and -0.9999999999999999 correlate exactly
    +-1 with anything, corrcoef says 0.71); property tests on arbitrary floats
    use it.
    """
    one = _exact_avg if exact else _corrcoef_avg
    n_rows = X.shape[0]
    out = np.full(n_rows, np.nan)
    used = np.zeros(n_rows, dtype=np.int64)
    for t in range(n_rows):
        block = X[_window(t, w)]
        if block.shape[0] < max(min_obs, 2):
            continue
        cols = usable_columns(block)
        used[t] = cols.size
        if cols.size >= 2:
            out[t] = one(block[:, cols])
    return out, used


def absorption_ratio(X: F64, w: int, n_factors: int | None, min_obs: int) -> F64:
    """Top-K eigenvalue share of ``np.cov`` of the usable columns, per window."""
    n_rows = X.shape[0]
    out = np.full(n_rows, np.nan)
    for t in range(n_rows):
        block = X[_window(t, w)]
        n = block.shape[0]
        if n < min_obs:
            continue
        cols = usable_columns(block)
        m = cols.size
        k = n_factors if n_factors is not None else math.ceil(m / 5)
        if m < 3 or k >= m or k >= n - 1:
            continue
        cov = np.cov(block[:, cols], rowvar=False)
        ev = np.sort(np.linalg.eigvalsh(cov))[::-1]
        out[t] = ev[:k].sum() / np.trace(cov)
    return out


def turbulence(X: F64, w: int, ridge: float, min_obs: int) -> F64:
    """Mahalanobis distance of row t from rows t-w..t-1 via ``np.cov`` and ``solve``."""
    n_rows = X.shape[0]
    out = np.full(n_rows, np.nan)
    for t in range(1, n_rows):
        hist = X[max(0, t - w) : t]
        if hist.shape[0] < min_obs:
            continue
        cols = usable_columns(hist)
        cols = cols[~np.isnan(X[t, cols])]
        m = cols.size
        if m == 0:
            continue
        h = hist[:, cols]
        cov = np.atleast_2d(np.cov(h, rowvar=False))
        cov = cov + ridge * np.trace(cov) / m * np.eye(m)
        mu = np.array([math.fsum(h[:, j].tolist()) / h.shape[0] for j in range(m)])
        d = X[t, cols] - mu
        out[t] = float(d @ np.linalg.solve(cov, d))
    return out


def absorption_shift(ar: F64, short: int, long: int) -> F64:
    """(mean of last ``short`` - mean of last ``long``) / std of last ``long``; full windows only."""
    out = np.full(ar.shape, np.nan)
    for t in range(long - 1, ar.shape[0]):
        lw = ar[t - long + 1 : t + 1]
        sw = ar[t - short + 1 : t + 1]
        if np.isnan(lw).any():
            continue
        ml, m2 = exact_mean_m2(lw.tolist())
        sd = math.sqrt(m2 / (long - 1))
        if sd > 0:
            out[t] = (math.fsum(sw.tolist()) / short - ml) / sd
    return out


def max_rel_err(actual: npt.ArrayLike, expected: npt.ArrayLike, atol: npt.ArrayLike = 0.0) -> float:
    """Largest ``|a - e| / max(|e|, atol)`` over the non-NaN entries (0 if none).

    ``atol`` (a scale floor) may be an array broadcastable to ``expected``,
    e.g. one value per column.
    """
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    ok = ~np.isnan(e)
    if not ok.any():
        return 0.0
    floor = np.broadcast_to(np.asarray(atol, dtype=np.float64), e.shape)[ok]
    denom = np.maximum(np.abs(e[ok]), floor)
    diff = np.abs(a[ok] - e[ok])
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(diff == 0, 0.0, diff / denom)
    return float(rel.max())


def assert_matches(
    actual: npt.ArrayLike, expected: npt.ArrayLike, rtol: float, atol: npt.ArrayLike = 0.0, what: str = ""
) -> float:
    """Same NaN pattern and ``|a - e| <= rtol * max(|e|, atol)``; returns the error seen.

    ``atol`` is a scale floor for quantities that can be near 0 by
    cancellation (a mean is accurate relative to the data's magnitude, a
    z-score or a correlation in absolute terms).
    """
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    na, ne = np.isnan(a), np.isnan(e)
    if (na != ne).any():
        where = np.argwhere(na != ne)[:5].tolist()
        raise AssertionError(
            f"{what}: NaN pattern differs at {where} (kernel NaN: {na.sum()}, ref NaN: {ne.sum()})"
        )
    err = max_rel_err(a, e, atol)
    assert err <= rtol, f"{what}: relative error {err:.3e} > {rtol:.1e}"
    return err


def data_scale(x: F64) -> F64:
    """Per-column largest magnitude (the natural error scale of a mean)."""
    return np.nanmax(np.abs(x), axis=0, initial=0.0)


def naive_running_std(x: F64, w: int) -> F64:
    """The method the kernels must NOT use: running sums of x and x**2 on raw levels.

    Kept only to show that the stress tests would catch it.
    """
    out = np.full(x.shape, np.nan)
    s1 = s2 = 0.0
    for t in range(x.shape[0]):
        s1 += x[t]
        s2 += x[t] * x[t]
        if t >= w:
            s1 -= x[t - w]
            s2 -= x[t - w] * x[t - w]
        if t >= w - 1:
            out[t] = math.sqrt(max(s2 - s1 * s1 / w, 0.0) / (w - 1))
    return out
