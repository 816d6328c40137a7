"""Read-outs: the S&P 500 as a foreign investor sees it — in dollars, unhedged, and FX-hedged.

A foreign investor's return on US equities is the index return plus the
currency return (MISSION.md, "the broken hedge"): the gap between the S&P 500
in dollars, in the investor's own currency, and currency-hedged is exactly
what the thesis says the system must show. One read-out per investor
currency — ``foreign_investor_eur``, ``_jpy``, ``_gbp``, ``_chf``,
``_cny`` — each with three cumulative index levels in its evidence (all 100
on the first day the dollar index and the exchange rate are both known):

``usd``
    the S&P 500 in dollars;
``unhedged``
    the S&P 500 in the investor's currency: index times units of that
    currency per USD;
``hedged``
    the dollar return plus the carry of a hedge rolled daily (sell dollars
    forward: earn the foreign 3-month rate, give up the US one). It starts at
    the ``usd`` level on the first day both rates are known.

:func:`foreign_investor_returns` returns the three levels for the report and
the backtests.

Rates: the OECD 3-month interbank rates (``fred:IR3TIB01*M156N``, monthly
averages published about a month later) for the euro area, Japan, the UK,
Switzerland and the US; proxies: 3-month EURIBOR for the euro, SONIA for
sterling, the 3-month Treasury bill (``fred:DGS3MO``, ``fred:TB3MS``) for
the dollar — a bill rate sits below the interbank rate by the TED spread, so
on that proxy the hedge carry is overstated by a few tens of basis points a
year. There is no free CNY 3-month rate: the CNY hedged line is not computed
(NaN) rather than assuming a zero differential, which would be wrong by up to
4% a year.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from stormwatch.signals._carry import sequential
from stormwatch.signals._fx import (
    EQUITY_INPUT,
    RATE_INPUTS,
    USD_RATE_INPUT,
    carry_accrual,
    foreign_per_usd,
    fx_input,
    scaled_return,
)
from stormwatch.signals.base import Input, Param, SignalData, SignalOutput, evaluate, registry, signal
from stormwatch.signals.transforms import log_return

__all__ = ["BASES", "foreign_investor_returns", "foreign_investor_signal_id"]

BASES: tuple[str, ...] = ("EUR", "JPY", "GBP", "CHF", "CNY")
"""Investor currencies with a read-out."""

_NAMES: MappingProxyType[str, str] = MappingProxyType(
    {"EUR": "euro", "JPY": "yen", "GBP": "sterling", "CHF": "Swiss franc", "CNY": "renminbi"}
)


def foreign_investor_signal_id(base: str) -> str:
    """The read-out's signal id for investor currency ``base`` (``"EUR"`` -> ``foreign_investor_eur``)."""
    code = base.upper()
    if code not in BASES:
        raise ValueError(f"unknown base currency {base!r}; choose one of {', '.join(BASES)}")
    return f"foreign_investor_{code.lower()}"


def _levels(data: SignalData) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series, pd.Series]:
    """usd, unhedged and hedged levels, the FX rate used, and the rate differential (pct a year)."""
    equity = data["equity"].where(data["equity"] > 0)
    fx = foreign_per_usd(data, "fx")
    fx = fx.where(fx > 0)
    nan = pd.Series(np.nan, index=data.index, dtype="float64")
    rate_f = data.series.get("rate_foreign", nan)
    differential = (rate_f - data["rate_usd"]).astype("float64")
    # The base day t0 (first day with both) is carried state in an incremental run.
    base = sequential(
        "fi_base",
        data.index,
        np.column_stack([equity.to_numpy(dtype="float64"), fx.to_numpy(dtype="float64")]),
        lambda v: _base_rows(v, None),
        lambda st, v: _base_rows(v, st),
    )
    after_arr = ~np.isnan(base[:, 0])
    if not after_arr.any():
        return nan, nan, nan, fx, differential
    eq0 = pd.Series(base[:, 0], index=data.index)
    fx0 = pd.Series(base[:, 1], index=data.index)
    after = pd.Series(after_arr, index=data.index)
    usd = (100.0 * equity / eq0).where(after)
    unhedged = (100.0 * (equity * fx) / (eq0 * fx0)).where(after)
    carry = carry_accrual(rate_f, data["rate_usd"]).where(after & (base[:, 2] == 0.0))
    # Cumulative carry since t0; days without a known differential accrue nothing and show NaN.
    acc = sequential(
        "fi_cumsum",
        data.index,
        carry.fillna(0.0).to_numpy(dtype="float64"),
        lambda v: _cumsum(v, 0.0),
        lambda st, v: _cumsum(v, st),
    )
    hedged = (usd * np.exp(pd.Series(acc, index=data.index))).where(differential.notna() & after)
    return usd, unhedged, hedged, fx, differential


def _base_rows(
    v: np.ndarray, state: tuple[float, float] | None
) -> tuple[np.ndarray, tuple[float, float] | None]:
    """Per row: equity and FX on the base day (NaN before it) and 1.0 on the base day itself."""
    out = np.full((v.shape[0], 3), np.nan)
    out[:, 2] = 0.0
    start = 0
    if state is None:
        both = np.flatnonzero(~np.isnan(v[:, 0]) & ~np.isnan(v[:, 1]))
        if both.size == 0:
            return out, None
        start = int(both[0])
        state = (float(v[start, 0]), float(v[start, 1]))
        out[start, 2] = 1.0
    out[start:, 0], out[start:, 1] = state
    return out, state


def _cumsum(v: np.ndarray, start: float) -> tuple[np.ndarray, float]:
    # Strictly sequential: resuming from the carried sum is exact.
    acc = np.cumsum(np.concatenate([[start], v]))[1:]
    return acc, float(acc[-1]) if acc.size else start


def _make_readout(base: str) -> Callable[..., SignalOutput]:
    name = _NAMES[base]

    def readout(data: SignalData, *, window: int, gap_windows: tuple[int, ...], min_obs: int) -> SignalOutput:
        if window < 1:
            raise ValueError("window must be >= 1; for a quarter use window=60")
        usd, unhedged, hedged, fx, differential = _levels(data)
        intensity = -scaled_return(fx, window, min_obs=min_obs).where(usd.notna())
        state = pd.Series(np.where(intensity.notna(), "off", "unknown"), index=data.index, dtype=object)
        cols: dict[str, pd.Series] = {
            "usd": usd,
            "unhedged": unhedged,
            "hedged": hedged,
            "fx_per_usd": fx,
            "carry_pa": differential,
        }
        for n in gap_windows:
            cols[f"usd_{n}d"] = log_return(usd, n)
            cols[f"unhedged_{n}d"] = log_return(unhedged, n)
            cols[f"hedged_{n}d"] = log_return(hedged, n)
            cols[f"gap_{n}d"] = cols[f"unhedged_{n}d"] - cols[f"hedged_{n}d"]
        notes: tuple[str, ...] = ()
        if fx.isna().all():
            notes += (f"no usable {base} per USD rate (an ECB euro cross also needs EUR per USD)",)
        if differential.isna().all():
            notes += (f"no {base} or US 3-month rate: the hedged line is not computed",)
        return SignalOutput(
            intensity=intensity, state=state, evidence=pd.DataFrame(cols, index=data.index), notes=notes
        )

    readout.__name__ = readout.__qualname__ = f"foreign_investor_{base.lower()}"
    readout.__doc__ = rf"""The S&P 500 for a {name} investor: in USD, unhedged in {base}, FX-hedged.

    With :math:`P_t` the index, :math:`X_t` units of {base} per USD and
    :math:`i^f, i^\$` the 3-month rates (percent a year), from the first day
    :math:`t_0` with both :math:`P` and :math:`X`:

    .. math::

        U^\$_t = 100\,\frac{{P_t}}{{P_{{t_0}}}}, \qquad
        U^{{u}}_t = 100\,\frac{{P_t X_t}}{{P_{{t_0}} X_{{t_0}}}}, \qquad
        U^{{h}}_t = U^\$_t \exp\Big(\sum_{{t_0 < u \le t}} c_u\Big), \qquad
        c_u = \frac{{i^f_{{u-1}} - i^\$_{{u-1}}}}{{100}}\,\frac{{d_u - d_{{u-1}}}}{{365}}

    (a day without a known rate differential accrues nothing, so the hedged
    line starts from the ``usd`` level on the first day both rates are known
    and is NaN before and on such days). The intensity is the
    currency's drag on the unhedged holding over ``window`` days in units of
    its typical size, :math:`I_t = -s(X)_t`: positive when the dollar's fall
    has cost the {name} investor. A read-out: the state is ``off`` whenever the
    intensity is known, ``unknown`` otherwise — no thresholds.
    """
    return readout


def _declare(base: str) -> None:
    inputs: dict[str, Input] = {"equity": EQUITY_INPUT, "fx": fx_input(base)}
    if base != "EUR":
        # ECB euro crosses need EUR per USD to become dollar rates.
        inputs["eur"] = fx_input("EUR", optional=True)
    rate = RATE_INPUTS.get(base)
    if rate is not None:
        inputs["rate_foreign"] = rate
    # No free CNY 3-month rate: no input, and the hedged line is NaN (see the module docstring).
    inputs["rate_usd"] = USD_RATE_INPUT
    signal(
        id=foreign_investor_signal_id(base),
        family="foreign_investor",
        title=f"S&P 500 for a {_NAMES[base]} investor: in USD, unhedged in {base}, FX-hedged",
        kind="readout",
        inputs=inputs,
        params={
            "window": Param(
                60,
                "one quarter: the horizon over which foreign holders review a currency exposure",
            ),
            "gap_windows": Param(
                (20, 60),
                "a month and a quarter: the horizons of the unhedged-minus-hedged gap in the evidence",
            ),
            "min_obs": Param(
                252,
                "one trading year of history before the currency drag is scaled",
            ),
        },
        rationale=(
            f"A {_NAMES[base]} investor's return on US equities is the index return plus the "
            f"{base}/USD return. Holding unhedged pays when the dollar rises in a sell-off (2008) and "
            "doubles the loss when it falls with equities — the thesis' broken hedge. The three lines "
            "show what each choice earned; the gap is the price of the currency bet."
        ),
    )(_make_readout(base))


for _base in BASES:
    _declare(_base)


def foreign_investor_returns(
    panel: pd.DataFrame, base: str = "EUR", params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Cumulative S&P 500 levels for a ``base`` investor: ``usd``, ``unhedged``, ``hedged``.

    Parameters
    ----------
    panel
        Business-day frame with catalog ids as columns.
    base
        Investor currency, one of :data:`BASES`.
    params
        Overrides of the read-out's declared defaults.

    Returns
    -------
    pandas.DataFrame
        Three columns of index levels (100 on the first day the index and the
        exchange rate are both known; ``hedged`` starts at the ``usd`` level on
        the first day both 3-month rates are known). All NaN if an input is
        missing; the reason is in ``.attrs["reason"]``.
    """
    result = evaluate(registry()[foreign_investor_signal_id(base)], panel, params)
    cols = ["usd", "unhedged", "hedged"]
    out = result.evidence.reindex(columns=cols).astype("float64")
    reasons = [r for r in result.reason.unique() if r.startswith("missing input")]
    out.attrs["reason"] = reasons[0] if reasons else "; ".join(result.notes)
    out.attrs["used"] = dict(result.used)
    return out
