"""Causal building blocks shared by the signal families.

Every function here is causal (the value at ``t`` uses rows up to ``t`` only)
and keeps the input's index; warm-up rows are NaN, never back-filled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    pos = x.where(x > 0)
    out: pd.Series = np.log(pos).diff(window)
    return out


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
    """
    valid = x.dropna()
    if window is None:
        mean = valid.expanding(min_periods=min_obs).mean()
        std = valid.expanding(min_periods=min_obs).std()
    else:
        mean = valid.rolling(window, min_periods=min(min_obs, window)).mean()
        std = valid.rolling(window, min_periods=min(min_obs, window)).std()
    scale = np.maximum(valid.abs().rolling(window or len(valid) or 1, min_periods=1).max(), 1e-300)
    # A std within rounding of zero relative to the level is a flat window.
    std = std.where(std > scale * 1e-12)
    z = (valid - mean) / std
    return z.reindex(x.index)


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
