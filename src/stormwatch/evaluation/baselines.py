"""The simple things a user could watch instead of the storm level.

Every baseline is a causal score on the point-in-time panel, oriented so
that higher means riskier, and is evaluated on exactly the same days as the
storm score. Ids are relied on:

==================  =========================================================
``vix_level``       the VIX close
``vix_change_20d``  the VIX's change over 20 business days (index points)
``usd_momentum_20d`` minus the dollar index's 20-day return (a falling dollar scores high)
``spx_momentum_20d`` minus the S&P 500's 20-day return
``usd_spx_corr_60d`` 60-day correlation of daily dollar and S&P 500 log returns
                    (high = the dollar moves with equities: the hedge is failing)
``stlfsi4``         the St. Louis Fed Financial Stress Index (weekly, as published)
``absorption_ratio`` the standardised shift of the absorption ratio
                    (Kritzman et al. 2011), from stormwatch's ``absorption_ratio`` read-out
==================  =========================================================

Each reads one declared series (no proxies, so the choice of series can never
depend on data after the day scored); a missing series makes the baseline NaN
and says so in :attr:`BaselineSpec.inputs`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from stormwatch import kernels
from stormwatch._typing import SeriesId

__all__ = ["BASELINES", "BASELINE_IDS", "BaselineSpec", "baseline_scores"]

SPX: SeriesId = "yahoo:^GSPC"
USD: SeriesId = "yahoo:DX-Y.NYB"
VIX: SeriesId = "fred:VIXCLS"
STLFSI: SeriesId = "fred:STLFSI4"


@dataclass(frozen=True)
class BaselineSpec:
    """A baseline: id, what it reads, why a user would watch it, and how it is computed."""

    id: str
    title: str
    inputs: tuple[SeriesId, ...]
    rationale: str
    func: Callable[[pd.DataFrame], pd.Series]


def _col(panel: pd.DataFrame, sid: SeriesId) -> pd.Series:
    if sid in panel.columns:
        return panel[sid].astype("float64")
    return pd.Series(np.nan, index=panel.index, dtype="float64")


def _ret(x: pd.Series, n: int) -> pd.Series:
    return x / x.shift(n) - 1.0


def _usd_spx_corr(panel: pd.DataFrame) -> pd.Series:
    u = np.log(_col(panel, USD)).diff()
    s = np.log(_col(panel, SPX)).diff()
    rho = kernels.rolling_corr(u.to_numpy(), s.to_numpy(), 60)
    return pd.Series(rho, index=panel.index, dtype="float64")


BASELINES: Mapping[str, BaselineSpec] = MappingProxyType(
    {
        b.id: b
        for b in (
            BaselineSpec(
                "vix_level",
                "VIX level",
                (VIX,),
                "The market's own fear gauge: the first thing anyone watches.",
                lambda p: _col(p, VIX),
            ),
            BaselineSpec(
                "vix_change_20d",
                "VIX change over 20 business days",
                (VIX,),
                "Rising fear rather than high fear: a month's change in the VIX.",
                lambda p: _col(p, VIX) - _col(p, VIX).shift(20),
            ),
            BaselineSpec(
                "usd_momentum_20d",
                "Minus the dollar index's 20-day return",
                (USD,),
                "The thesis' first symptom alone: a falling dollar.",
                lambda p: -_ret(_col(p, USD), 20),
            ),
            BaselineSpec(
                "spx_momentum_20d",
                "Minus the S&P 500's 20-day return",
                (SPX,),
                "Trend-following: falling markets keep falling.",
                lambda p: -_ret(_col(p, SPX), 20),
            ),
            BaselineSpec(
                "usd_spx_corr_60d",
                "60-day correlation of dollar and S&P 500 daily returns",
                (USD, SPX),
                "The broken hedge in one number: the dollar moving with equities instead of against them.",
                _usd_spx_corr,
            ),
            BaselineSpec(
                "stlfsi4",
                "St. Louis Fed Financial Stress Index",
                (STLFSI,),
                "An off-the-shelf composite of 18 stress measures, published weekly.",
                lambda p: _col(p, STLFSI),
            ),
        )
    }
)
"""Baselines computed from panel columns (``absorption_ratio`` comes from the signal read-out)."""

BASELINE_IDS: tuple[str, ...] = (*BASELINES, "absorption_ratio")
"""Every baseline id, in report order."""


def baseline_scores(panel: pd.DataFrame, absorption_shift: pd.Series | None = None) -> pd.DataFrame:
    """Every baseline's score per day, higher = riskier.

    Parameters
    ----------
    panel
        Point-in-time business-day panel with catalog ids as columns.
    absorption_shift
        The ``absorption_ratio`` read-out's intensity (its standardised shift)
        on the same days, from a point-in-time replay; ``None`` leaves that
        column NaN.

    Returns
    -------
    pandas.DataFrame
        One column per id in :data:`BASELINE_IDS`, on ``panel``'s index. Causal:
        row ``t`` uses rows up to ``t`` only.
    """
    out = {bid: spec.func(panel).rename(bid) for bid, spec in BASELINES.items()}
    ar = (
        absorption_shift.reindex(panel.index).astype("float64")
        if absorption_shift is not None
        else pd.Series(np.nan, index=panel.index, dtype="float64")
    )
    out["absorption_ratio"] = ar
    frame = pd.DataFrame(out, index=panel.index)
    return frame.replace([np.inf, -np.inf], np.nan)
