"""What a warning is judged against: forward-looking event labels.

A target labels each business day ``t`` with 1 if the event happens within
the next ``horizon`` business days, 0 if it does not, and NaN if the data
does not reach ``t + horizon`` yet (or today's close is unknown). Labels use
the future by definition; they are never inputs.

Default targets (the ids are relied on):

``joint_usd_spx_20d``
    within 20 business days the S&P 500 closes at least 5% below today's
    close **on a day when** the dollar index is at least 2% below today's
    level — equities and the dollar down together (the thesis' storm);
``spx_drawdown_10pct_60d``
    within 60 business days the S&P 500 closes at least 10% below today's
    close.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["DEFAULT_TARGETS", "Target", "forward_hits", "make_target", "target_labels"]


@dataclass(frozen=True)
class Target:
    """An event definition.

    Attributes
    ----------
    id
        Stable identifier (used in JSON output).
    horizon
        Business days ahead (the window is ``(t, t + horizon]``).
    spx_drop
        The S&P 500 must close this fraction below today's close (0.05 = 5%).
    usd_drop
        If set, on the same day the dollar index must be this fraction below
        today's level; ``None`` for an equity-only target.
    """

    id: str
    horizon: int
    spx_drop: float
    usd_drop: float | None = None

    def __post_init__(self) -> None:
        if self.horizon < 1:
            raise ValueError(f"{self.id}: horizon must be >= 1 business day; got {self.horizon}")
        if not 0.0 < self.spx_drop < 1.0:
            raise ValueError(f"{self.id}: spx_drop must be in (0, 1), e.g. 0.05; got {self.spx_drop}")
        if self.usd_drop is not None and not 0.0 < self.usd_drop < 1.0:
            raise ValueError(f"{self.id}: usd_drop must be in (0, 1) or None; got {self.usd_drop}")

    @property
    def description(self) -> str:
        spx = f"the S&P 500 closes at least {100 * self.spx_drop:g}% below today's close"
        if self.usd_drop is None:
            return f"within {self.horizon} business days {spx}"
        return (
            f"within {self.horizon} business days {spx} on a day when the dollar index is at least "
            f"{100 * self.usd_drop:g}% below today's level"
        )


def make_target(
    horizon: int, spx_drop: float, usd_drop: float | None = None, id: str | None = None
) -> Target:
    """A target with a generated id (``joint_usd2pct_spx5pct_20d``, ``spx_drawdown_10pct_60d``)."""
    if id is None:
        spx = f"{100 * spx_drop:g}pct"
        if usd_drop is None:
            id = f"spx_drawdown_{spx}_{horizon}d"
        else:
            id = f"joint_usd{100 * usd_drop:g}pct_spx{spx}_{horizon}d"
        id = re.sub(r"[^a-z0-9_]", "_", id)
    return Target(id=id, horizon=horizon, spx_drop=spx_drop, usd_drop=usd_drop)


DEFAULT_TARGETS: tuple[Target, ...] = (
    Target("joint_usd_spx_20d", horizon=20, spx_drop=0.05, usd_drop=0.02),
    Target("spx_drawdown_10pct_60d", horizon=60, spx_drop=0.10, usd_drop=None),
)


def forward_hits(
    spx: np.ndarray, usd: np.ndarray | None, horizon: int, spx_drop: float, usd_drop: float | None
) -> np.ndarray:
    """The label array (1.0, 0.0 or NaN) of :func:`target_labels` on plain arrays.

    A future day with a NaN price does not count as a hit; a day whose own
    price is NaN, or whose window runs past the data, is NaN.
    """
    x = np.asarray(spx, dtype="float64")
    n = x.size
    out = np.full(n, np.nan)
    if n <= horizon:
        return out
    fut = sliding_window_view(x[1:], horizon)  # row t: x[t+1 .. t+horizon]
    m = fut.shape[0]  # = n - horizon
    base = x[:m, None]
    with np.errstate(invalid="ignore"):
        hit = fut <= base * (1.0 - spx_drop)
        if usd_drop is not None:
            if usd is None:
                raise ValueError("a joint target needs the dollar index")
            u = np.asarray(usd, dtype="float64")
            ufut = sliding_window_view(u[1:], horizon)
            hit &= ufut <= u[:m, None] * (1.0 - usd_drop)
    lab = hit.any(axis=1).astype("float64")
    known = np.isfinite(x[:m])
    if usd_drop is not None:
        known &= np.isfinite(np.asarray(usd, dtype="float64")[:m])
    lab[~known] = np.nan
    out[:m] = lab
    return out


def target_labels(spx: pd.Series, usd: pd.Series | None, target: Target) -> pd.Series:
    """Label every business day with the target's event (1.0), its absence (0.0), or NaN.

    Parameters
    ----------
    spx
        The S&P 500 close on the business-day index.
    usd
        The dollar index on the same index (needed for joint targets).
    target
        The event definition.

    Returns
    -------
    pandas.Series
        Float labels on ``spx``'s index, named ``target.id``. The last
        ``horizon`` days are NaN: their future is not in the data yet.

    Notes
    -----
    .. math::

        y_t = \\mathbb{1}\\Big[\\exists\\, s \\in (t, t+h]:\\;
              P_s \\le (1-d_P) P_t \\;\\wedge\\; U_s \\le (1-d_U) U_t\\Big]
    """
    u = None if usd is None else usd.reindex(spx.index).to_numpy(dtype="float64")
    lab = forward_hits(spx.to_numpy(dtype="float64"), u, target.horizon, target.spx_drop, target.usd_drop)
    return pd.Series(lab, index=spx.index, name=target.id)
