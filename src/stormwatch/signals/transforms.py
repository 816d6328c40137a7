"""Causal building blocks shared by the signal families.

Every function here is causal (the value at ``t`` uses rows up to ``t`` only)
and keeps the input's index; warm-up rows are NaN, never back-filled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stormwatch.signals._carry import sequential

__all__ = [
    "change",
    "log_return",
    "rolling_corr",
    "seq_zscore",
    "trailing_drawdown",
]


def log_return(x: pd.Series, window: int) -> pd.Series:
    """``log(x_t / x_{t-window})``; NaN where either side is missing or non-positive."""
    if window < 1:
        raise ValueError("window must be >= 1; for a daily return use window=1")
    # numpy, the same operations as ``np.log(x.where(x > 0)).diff(window)`` (bit for bit):
    # called ~100 times per assessment, pandas' per-call overhead dominated the daily step.
    v = x.to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        logx = np.log(np.where(v > 0, v, np.nan))
    out = np.full(logx.shape, np.nan)
    if window < len(logx):
        out[window:] = logx[window:] - logx[: len(logx) - window]
    return pd.Series(out, index=x.index, name=x.name, dtype="float64")


def change(x: pd.Series, window: int) -> pd.Series:
    """``x_t - x_{t-window}`` (for rates, spreads and other non-ratio series)."""
    if window < 1:
        raise ValueError("window must be >= 1; for a daily change use window=1")
    return x.diff(window)


def seq_zscore(x: pd.Series, *, min_obs: int = 252, window: int | None = None) -> pd.Series:
    """Sequential z-score: ``(x_t - mean) / std`` with moments from data up to ``t``.

    Parameters
    ----------
    x
        The series.
    min_obs
        Observations needed before a score is given (one trading year by
        default: a neutral level needs a cycle of data).
    window
        ``None`` for expanding moments (the neutral level learned from all
        history so far), or a trailing window length.

    Notes
    -----
    The moments include ``x_t`` itself. A window whose standard deviation is
    zero (e.g. forward-filled monthly data) gives NaN, not a huge number.

    Expanding moments are running sums of deviations from the first value
    (strictly sequential, so an incremental run resumes them bit for bit; the
    anchor keeps the sums of squares from cancelling on levels far from zero).
    A trailing window keeps its last ``window`` values as the carried state.
    """
    vals = x.to_numpy(dtype="float64")
    if window is None:
        out = sequential(
            f"zscore/{min_obs}",
            x.index,
            vals,
            lambda v: _zexp(v, None, min_obs),
            lambda s, v: _zexp(v, s, min_obs),
        )
    else:
        out = sequential(
            f"zscore/{min_obs}/{window}",
            x.index,
            vals,
            lambda v: _zroll(v, None, min_obs, window),
            lambda s, v: _zroll(v, s, min_obs, window),
        )
    return pd.Series(out, index=x.index, dtype="float64")


#: Expanding state: (anchor, count, sum of deviations, sum of squares, max |x|).
_ZState = tuple[float, int, float, float, float]


def _zexp(v: np.ndarray, state: _ZState | None, min_obs: int) -> tuple[np.ndarray, _ZState | None]:
    out = np.full(v.shape, np.nan)
    ok = ~np.isnan(v)
    xv = v[ok]
    if xv.size == 0:
        return out, state
    k0, n0, s1, s2, m0 = state if state is not None else (float(xv[0]), 0, 0.0, 0.0, 0.0)
    d = xv - k0
    # np.cumsum adds strictly left to right: resuming from the carried sums is exact.
    c1 = np.cumsum(np.concatenate([[s1], d]))[1:]
    c2 = np.cumsum(np.concatenate([[s2], d * d]))[1:]
    n = np.arange(n0 + 1, n0 + xv.size + 1, dtype="float64")
    scale = np.maximum(np.maximum.accumulate(np.concatenate([[m0], np.abs(xv)]))[1:], 1e-300)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = k0 + c1 / n
        var = np.maximum(c2 - c1 * c1 / n, 0.0) / (n - 1.0)
        std = np.sqrt(var)
        # A std within rounding of zero relative to the level is a flat window.
        z = np.where((n >= min_obs) & (std > scale * 1e-12), (xv - mean) / std, np.nan)
    out[ok] = z
    return out, (k0, n0 + xv.size, float(c1[-1]), float(c2[-1]), float(scale[-1]))


def _zroll(
    v: np.ndarray, buffer: np.ndarray | None, min_obs: int, window: int
) -> tuple[np.ndarray, np.ndarray]:
    out = np.full(v.shape, np.nan)
    ok = ~np.isnan(v)
    prior = buffer if buffer is not None else np.empty(0)
    valid = pd.Series(np.concatenate([prior, v[ok]]))
    mp = min(min_obs, window)
    mean = valid.rolling(window, min_periods=mp).mean()
    std = valid.rolling(window, min_periods=mp).std()
    scale = np.maximum(valid.abs().rolling(window, min_periods=1).max(), 1e-300)
    std = std.where(std > scale * 1e-12)
    z = ((valid - mean) / std).to_numpy(dtype="float64")
    out[ok] = z[prior.size :]
    return out, valid.to_numpy()[-window:].copy()


def rolling_corr(x: pd.Series, y: pd.Series, window: int, *, min_obs: int | None = None) -> pd.Series:
    """Trailing Pearson correlation of two series over ``window`` rows (pairwise complete)."""
    if window < 3:
        raise ValueError("window must be >= 3 for a correlation")
    mp = window if min_obs is None else min_obs
    both = pd.concat([x, y], axis=1).dropna()
    corr = both.iloc[:, 0].rolling(window, min_periods=mp).corr(both.iloc[:, 1])
    corr = corr.where(np.isfinite(corr))
    return corr.reindex(x.index)


def trailing_drawdown(x: pd.Series, window: int) -> pd.Series:
    """``x_t / max(x over the last window rows) - 1`` (<= 0)."""
    peak = x.rolling(window, min_periods=1).max()
    return x / peak - 1.0
