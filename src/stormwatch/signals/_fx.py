"""Dollar, FX and carry helpers shared by the dollar families.

Private to :mod:`stormwatch.signals`; everything here is causal (the value at
``t`` uses rows up to ``t`` only), keeps the input's index and leaves warm-up
rows NaN.

* :data:`FX_INPUTS` — for each major currency the panel column of *foreign
  currency per USD* (up = stronger dollar) and its proxies, in order;
* :func:`foreign_per_usd` — that rate, converting an ECB euro cross to a
  dollar rate where the ECB is the chosen source;
* :func:`scaled_return` — a ``window``-day log return in units of its own
  typical size (expanding root mean square, no mean removed: a fall is a fall);
* :func:`carry_accrual` — the daily short-rate differential a currency hedge
  earns (or pays);
* :func:`fisher_z` — a correlation as a z statistic against zero.

Why the ECB comes first
-----------------------
The Fed's H.10 noon rates (``fred:DEX*``) are published weekly, so on the
panel they appear up to a week late (the catalog's 7-day release lag): a
daily co-movement with the S&P 500 computed on them compares returns five
business days apart. The ECB reference rates (14:15 CET) are published the
same day, are official, start in 1999 and cover all five currencies (the
dollar rate of JPY, GBP, CHF and CNY is the euro cross times EUR per USD).
Yahoo's end-of-day snapshots come next, the H.10 rates last.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

from stormwatch._typing import SeriesId
from stormwatch.signals._carry import sequential
from stormwatch.signals.base import Input, SignalData
from stormwatch.signals.transforms import log_return

__all__ = [
    "DOLLAR_INPUT",
    "ECB_CROSSES",
    "ECB_EURUSD",
    "EQUITY_INPUT",
    "FX_INPUTS",
    "MAJORS",
    "RATE_INPUTS",
    "USD_RATE_INPUT",
    "carry_accrual",
    "fisher_z",
    "foreign_per_usd",
    "fx_input",
    "rms_scaled",
    "scaled_return",
]

ECB_EURUSD: SeriesId = "ecb:EXR/D.USD.EUR.SP00.A"
"""ECB EURUSD reference rate; on the panel EUR per USD (inverted by the catalog)."""

ECB_CROSSES: frozenset[SeriesId] = frozenset(
    {
        "ecb:EXR/D.JPY.EUR.SP00.A",
        "ecb:EXR/D.GBP.EUR.SP00.A",
        "ecb:EXR/D.CHF.EUR.SP00.A",
        "ecb:EXR/D.CNY.EUR.SP00.A",
    }
)
"""ECB euro crosses (foreign currency per EUR, not inverted)."""

FX_INPUTS: MappingProxyType[str, Input] = MappingProxyType(
    {
        "EUR": Input(ECB_EURUSD, proxies=("yahoo:EURUSD=X", "fred:DEXUSEU")),
        "JPY": Input("ecb:EXR/D.JPY.EUR.SP00.A", proxies=("yahoo:JPY=X", "fred:DEXJPUS")),
        "GBP": Input("ecb:EXR/D.GBP.EUR.SP00.A", proxies=("yahoo:GBPUSD=X", "fred:DEXUSUK")),
        "CHF": Input("ecb:EXR/D.CHF.EUR.SP00.A", proxies=("fred:DEXSZUS",)),
        "CNY": Input("ecb:EXR/D.CNY.EUR.SP00.A", proxies=("yahoo:CNY=X", "fred:DEXCHUS")),
    }
)
"""Per currency: the source of foreign currency per USD, then its proxies."""

MAJORS: tuple[str, ...] = ("EUR", "JPY", "GBP", "CHF")
"""The majors of the checklist: the currencies of the largest foreign holders."""

RATE_INPUTS: MappingProxyType[str, Input] = MappingProxyType(
    {
        "EUR": Input("fred:IR3TIB01EZM156N", proxies=("local:EURIBOR3M",), optional=True),
        "JPY": Input("fred:IR3TIB01JPM156N", optional=True),
        "GBP": Input("fred:IR3TIB01GBM156N", proxies=("fred:IUDSOIA",), optional=True),
        "CHF": Input("fred:IR3TIB01CHM156N", optional=True),
    }
)
"""Foreign 3-month rates (percent a year) for the hedge carry. No free CNY rate."""

USD_RATE_INPUT = Input("fred:IR3TIB01USM156N", proxies=("fred:DGS3MO", "fred:TB3MS"), optional=True)
"""US 3-month rate: the OECD interbank rate (same definition as the foreign ones), then bills."""

DOLLAR_INPUT = Input("yahoo:DX-Y.NYB", proxies=("fred:DTWEXBGS", "fred:DTWEXB"))
"""The dollar against the majors (ICE DXY), then the Fed's broad indexes."""

EQUITY_INPUT = Input("yahoo:^GSPC", proxies=("yahoo:SPY",))
"""US equities: the S&P 500 index (price), then the SPY ETF (adjusted close)."""


def fx_input(code: str, *, optional: bool = False) -> Input:
    """The declared :class:`Input` of foreign currency ``code`` per USD."""
    base = FX_INPUTS[code]
    return Input(base.primary, proxies=base.proxies, optional=optional)


def foreign_per_usd(data: SignalData, name: str, *, eur: str = "eur") -> pd.Series:
    """Foreign currency per USD from input ``name`` (up = stronger dollar).

    If the chosen source is an ECB euro cross (foreign currency per EUR), it is
    multiplied by EUR per USD from input ``eur``; where that is missing the
    result is NaN, never a silent 1.
    """
    x = data[name]
    if data.used.get(name) in ECB_CROSSES:
        per_eur = data[eur] if eur in data.series else pd.Series(np.nan, index=x.index)
        return (x * per_eur).astype("float64")
    return x.astype("float64")


def scaled_return(x: pd.Series, window: int, *, min_obs: int) -> pd.Series:
    r"""``window``-day log return in units of its typical size so far.

    .. math::

        s_t = \frac{\ln(x_t / x_{t-w})}
                   {\sqrt{\frac{1}{|S_t|}\sum_{u \in S_t} \ln(x_u / x_{u-w})^2}}

    where :math:`S_t` are the valid days up to ``t`` (at least ``min_obs``).
    No mean is removed: a fall is measured from zero, not from the average
    drift, so the sign of :math:`s_t` is the sign of the move.
    """
    return rms_scaled(log_return(x, window), min_obs=min_obs)


def rms_scaled(ret: pd.Series, *, min_obs: int) -> pd.Series:
    r"""A return series in units of its expanding root mean square (NaN rows skipped).

    .. math:: u_t = r_t \Big/ \sqrt{\tfrac{1}{|S_t|}\textstyle\sum_{u \in S_t} r_u^2}
    """
    if min_obs < 1:
        raise ValueError("min_obs must be >= 1")
    vals = ret.to_numpy(dtype="float64")
    out = sequential(
        f"rms/{min_obs}", ret.index, vals, lambda v: _rms(v, None, min_obs), lambda s, v: _rms(v, s, min_obs)
    )
    return pd.Series(out, index=ret.index, dtype="float64")


def _rms(
    v: np.ndarray, state: tuple[int, float] | None, min_obs: int
) -> tuple[np.ndarray, tuple[int, float] | None]:
    out = np.full(v.shape, np.nan)
    ok = ~np.isnan(v)
    xv = v[ok]
    if xv.size == 0:
        return out, state
    n0, s0 = state if state is not None else (0, 0.0)
    # Strictly sequential running sum: an incremental run resumes it exactly.
    ss = np.cumsum(np.concatenate([[s0], xv * xv]))[1:]
    n = np.arange(n0 + 1, n0 + xv.size + 1, dtype="float64")
    rms = np.sqrt(ss / n)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[ok] = np.where((n >= min_obs) & (rms > 0), xv / rms, np.nan)
    return out, (n0 + xv.size, float(ss[-1]))


def carry_accrual(rate_foreign: pd.Series, rate_usd: pd.Series) -> pd.Series:
    r"""Log carry a rolled currency hedge earns from row ``t-1`` to row ``t``.

    .. math::

        c_t = \frac{i^{f}_{t-1} - i^{\$}_{t-1}}{100} \cdot \frac{d_t - d_{t-1}}{365}

    with rates in percent a year, known at ``t-1`` (when the forward is
    struck) and :math:`d` the calendar date. A foreign investor who sells
    dollars forward earns the foreign rate and gives up the dollar rate.
    """
    idx = pd.DatetimeIndex(rate_foreign.index)
    days = pd.Series(idx.to_series().diff().dt.days.to_numpy(dtype="float64"), index=idx)
    diff = (rate_foreign - rate_usd).shift(1)
    return (diff / 100.0 * days / 365.0).astype("float64")


def fisher_z(rho: pd.Series, n_eff: float) -> pd.Series:
    r"""A correlation as a z statistic against zero: :math:`\operatorname{atanh}(\rho)\sqrt{n-3}`."""
    if n_eff <= 3:
        raise ValueError("n_eff must be > 3 for a Fisher z; use a longer window")
    r = rho.clip(-0.999, 0.999).to_numpy(dtype="float64")
    return pd.Series(np.arctanh(r) * np.sqrt(n_eff - 3.0), index=rho.index, dtype="float64")
