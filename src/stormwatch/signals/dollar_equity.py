"""Checklist item 3: the dollar falls while US equities sell off — the broken hedge.

Foreign investors hold US equities largely unhedged because in past crises
(2008, 2020) the dollar rose when equities fell, so the currency gain cushioned
the equity loss (MISSION.md, "the broken hedge"). The thesis says that in the
next unwind the dollar can fall *together with* US equities: the foreign
investor then loses twice and has a reason to sell. Two signals:

``dollar_falls_with_equities`` (checklist item 3)
    The weaker of two legs — the dollar's ``window``-day fall and the S&P
    500's ``window``-day fall, each in units of its typical move so far.

``hedge_failure_index`` (readout)
    How the dollar co-moves with US equities *as foreign investors see it*:
    the average, over EUR, JPY, GBP and CHF investors, of the rolling
    correlation between the S&P 500's return and the investor's currency
    return on holding dollars. Negative = the currency offsets the equity
    loss (the hedge works); positive = it adds to it (the hedge fails). The
    evidence also carries the gap between each investor's unhedged and
    FX-hedged S&P 500 return over 20 and 60 days.
"""

from __future__ import annotations

import pandas as pd

from stormwatch.signals._fx import (
    DOLLAR_INPUT,
    EQUITY_INPUT,
    MAJORS,
    RATE_INPUTS,
    USD_RATE_INPUT,
    carry_accrual,
    fisher_z,
    foreign_per_usd,
    fx_input,
    scaled_return,
)
from stormwatch.signals._seq import soft_and
from stormwatch.signals.base import Param, SignalData, SignalOutput, signal
from stormwatch.signals.transforms import log_return, rolling_corr

__all__ = ["dollar_falls_with_equities", "hedge_failure_index"]


@signal(
    id="dollar_falls_with_equities",
    family="dollar_equity",
    title="The dollar falls while US equities sell off (the broken hedge)",
    kind="checklist",
    checklist_item=3,
    inputs={"dollar": DOLLAR_INPUT, "equity": EQUITY_INPUT},
    params={
        "window": Param(
            20,
            "one trading month: a sell-off, not a bad day; the same horizon as checklist item 1 so "
            "the two can be read together",
        ),
        "min_obs": Param(
            252,
            "one trading year of history before a leg is scored: a typical monthly move needs a "
            "year of overlapping months to be estimated",
        ),
    },
    rationale=(
        "Foreign investors hold US equities unhedged because the dollar used to rise when equities "
        "fell. When the dollar falls while equities sell off, the hedge is broken: a foreign holder "
        "loses on both the asset and the currency and has a reason to sell, which pushes both down "
        "further — the thesis' cross-border sell-off. Both must happen, so the intensity is the "
        "weaker of the two falls."
    ),
    watch_at=1.0,
    on_at=1.5,
)
def dollar_falls_with_equities(data: SignalData, *, window: int, min_obs: int) -> SignalOutput:
    r"""The weaker of the dollar's fall and the equity sell-off.

    .. math::

        I_t = \min\left(-s(\mathrm{DXY})_t,\; -s(\mathrm{SPX})_t\right), \qquad
        s(x)_t = \frac{\ln(x_t/x_{t-w})}{\mathrm{RMS}_{u \le t}\,\ln(x_u/x_{u-w})}

    with :math:`w` = ``window`` and the root mean square over at least
    ``min_obs`` valid days up to ``t``. No mean is removed: "falls" means the
    move is below zero, not below the average drift. Thresholds 1 and 1.5:
    both legs past one typical monthly move is notable; both past 1.5 puts the
    pair :math:`1.5\sqrt2 \approx 2.1` from neutral, the "strong" bar.

    Parameters
    ----------
    data
        ``dollar`` (DXY; proxies DTWEXBGS, DTWEXB) and ``equity`` (S&P 500;
        proxy SPY).
    window, min_obs
        See the declaration.

    Returns
    -------
    SignalOutput
        Intensity on the z scale; evidence: both returns and both legs.
    """
    if window < 1:
        raise ValueError("window must be >= 1; for a one-month move use window=20")
    dollar_leg = -scaled_return(data["dollar"], window, min_obs=min_obs)
    equity_leg = -scaled_return(data["equity"], window, min_obs=min_obs)
    intensity = soft_and(dollar_leg, equity_leg)
    evidence = pd.DataFrame(
        {
            f"dollar_return_{window}d": log_return(data["dollar"], window),
            f"equity_return_{window}d": log_return(data["equity"], window),
            "dollar_falls_with_equities.dollar_fall": dollar_leg,
            "dollar_falls_with_equities.equity_fall": equity_leg,
        },
        index=data.index,
    )
    return SignalOutput(intensity=intensity, evidence=evidence)


@signal(
    id="hedge_failure_index",
    family="dollar_equity",
    title="Hedge-failure index: does the dollar fall with US equities for foreign investors?",
    kind="readout",
    inputs={
        "equity": EQUITY_INPUT,
        "eur": fx_input("EUR"),
        "jpy": fx_input("JPY", optional=True),
        "gbp": fx_input("GBP", optional=True),
        "chf": fx_input("CHF", optional=True),
        "rate_eur": RATE_INPUTS["EUR"],
        "rate_jpy": RATE_INPUTS["JPY"],
        "rate_gbp": RATE_INPUTS["GBP"],
        "rate_chf": RATE_INPUTS["CHF"],
        "rate_usd": USD_RATE_INPUT,
    },
    params={
        "window": Param(
            60,
            "one quarter of daily data: the horizon over which foreign holders review a currency "
            "exposure, and enough pairs (30 two-day returns) for a correlation whose standard "
            "error is about 0.19",
        ),
        "horizon": Param(
            2,
            "returns over two days: the ECB fixes at 14:15 CET, hours before the US close, and the "
            "Yahoo snapshot is not synchronous either; on one-day returns part of the co-movement "
            "falls into the next day (measured on 2004-2019: one-day EURUSD/S&P correlation -0.12, "
            "two-day -0.19, five-day -0.23)",
        ),
        "gap_windows": Param(
            (20, 60),
            "a month and a quarter: the horizons over which the unhedged-minus-hedged gap is shown",
        ),
    },
    rationale=(
        "Foreign investors keep US equities unhedged because the dollar used to rise when equities "
        "fell, offsetting the loss. The index measures whether that still holds for EUR, JPY, GBP "
        "and CHF investors: positive = their currency return adds to the equity return (the dollar "
        "falls with equities, the hedge fails); the gap between unhedged and hedged returns shows "
        "what the broken hedge costs."
    ),
)
def hedge_failure_index(
    data: SignalData, *, window: int, horizon: int, gap_windows: tuple[int, ...]
) -> SignalOutput:
    r"""Average correlation of the equity and the holding-currency return, as a z statistic.

    For investor currency :math:`c` with :math:`X^c_t` units of :math:`c` per
    USD, the return of an unhedged S&P 500 holding in :math:`c` is
    :math:`r_t + f^c_t` with :math:`r_t = \ln(P_t/P_{t-h})` and
    :math:`f^c_t = \ln(X^c_t/X^c_{t-h})`. Then

    .. math::

        \rho^c_t = \operatorname{corr}_{t-W < u \le t}(r_u, f^c_u), \qquad
        \bar\rho_t = \frac{1}{|C_t|}\sum_{c \in C_t} \rho^c_t, \qquad
        I_t = \operatorname{atanh}(\bar\rho_t)\,\sqrt{W/h - 3}

    with :math:`W` = ``window``, :math:`h` = ``horizon`` and :math:`C_t` the
    currencies with a value. :math:`I_t` is the Fisher z statistic of
    :math:`\bar\rho_t` against zero with :math:`W/h` effective pairs (the
    overlapping two-day returns carry about half a window of information).
    The neutral level is zero by construction — no co-movement — not an
    estimate: positive is failure, whatever the past average was.

    The evidence adds, per currency and averaged, the gap between the
    unhedged and the FX-hedged return over each of ``gap_windows`` days:

    .. math:: g^c_t(n) = \ln(X^c_t/X^c_{t-n}) - \sum_{u=t-n+1}^{t} c^c_u

    where :math:`c^c_u` is the carry of a rolled hedge
    (:func:`stormwatch.signals._fx.carry_accrual`); NaN where a rate is missing.

    Parameters
    ----------
    data
        ``equity``, ``eur`` (required), optional ``jpy``, ``gbp``, ``chf`` and
        the optional 3-month rates ``rate_*``.
    window, horizon, gap_windows
        See the declaration.

    Returns
    -------
    SignalOutput
        Intensity (z statistic); evidence: per-currency correlations, their
        average and count, the gaps.
    """
    if horizon < 1:
        raise ValueError("horizon must be >= 1; for daily returns use horizon=1")
    if window < 4 * horizon:
        raise ValueError("window must be >= 4 * horizon for a correlation; the default is 60")
    r = log_return(data["equity"], horizon)
    corrs: dict[str, pd.Series] = {}
    gaps: dict[int, dict[str, pd.Series]] = {n: {} for n in gap_windows}
    for code in MAJORS:
        name = code.lower()
        fx = foreign_per_usd(data, name)
        corrs[code] = rolling_corr(r, log_return(fx, horizon), window)
        carry = carry_accrual(data[f"rate_{name}"], data["rate_usd"])
        for n in gap_windows:
            gaps[n][code] = log_return(fx, n) - carry.rolling(n, min_periods=n).sum()
    cframe = pd.DataFrame(corrs, index=data.index)
    avg = cframe.mean(axis=1, skipna=True)
    n_ccy = cframe.notna().sum(axis=1).astype("float64")
    intensity = fisher_z(avg, window / horizon)
    cols: dict[str, pd.Series] = {f"hedge_failure_index.corr_{c.lower()}": cframe[c] for c in MAJORS}
    cols["hedge_failure_index.corr_avg"] = avg
    cols["currencies_n"] = n_ccy
    for n in gap_windows:
        gframe = pd.DataFrame(gaps[n], index=data.index)
        for c in MAJORS:
            cols[f"gap_{n}d_{c.lower()}"] = gframe[c]
        cols[f"gap_{n}d_avg"] = gframe.mean(axis=1, skipna=True)
    evidence = pd.DataFrame(cols, index=data.index)
    return SignalOutput(intensity=intensity, evidence=evidence)
