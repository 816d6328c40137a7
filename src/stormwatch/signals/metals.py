"""Aggravator: gold and silver sold together with equities while the VIX spikes.

In a forced de-risking, investors sell what they can, not what they want:
precious metals are held on margin and used as collateral across the same
books as equities (cross-collateralised), so a margin call on equities is met
by selling gold and silver too. Then metals stop diversifying exactly when
diversification is needed (MISSION.md: "gold, silver and diversification do
not protect"). The signal watches for that: equities, gold *and* silver all
falling over two weeks while the VIX spikes or sits high.

Four legs; the intensity is the weakest (a soft AND), with the two metals
first combined by their own weakest leg:

* equities falling: sequential z of the negated ``window``-day log return of
  the S&P 500;
* metals falling: the lower of the same for gold and for silver;
* volatility exploding: the higher of the sequential z of the VIX's
  ``vix_window``-day log change (a spike) and the VIX's percentile in its
  trailing ``vix_pct_window`` days mapped to the z scale (already high).
"""

from __future__ import annotations

import pandas as pd

from stormwatch.signals._seq import pct_to_z, rolling_pct_rank, soft_and
from stormwatch.signals.base import Input, Param, SignalData, SignalOutput, signal
from stormwatch.signals.transforms import log_return, rolling_corr, seq_zscore

__all__ = ["metals_sold_with_equities"]


@signal(
    id="metals_sold_with_equities",
    family="metals",
    title="Gold and silver sold together with equities as the VIX spikes",
    kind="aggravator",
    inputs={
        "equity": Input("yahoo:^GSPC", proxies=("yahoo:SPY",)),
        "gold": Input("yahoo:GC=F", proxies=("fred:GOLDPMGBD228NLBM",)),
        "silver": Input("yahoo:SI=F", proxies=("yahoo:SLV",)),
        "vix": Input("fred:VIXCLS"),
    },
    params={
        "window": Param(
            10,
            "two trading weeks: a forced liquidation runs over days to a couple of weeks; a "
            "one-day move is noise, a month mixes in ordinary repricing",
        ),
        "vix_window": Param(5, "one trading week: the horizon of a volatility spike"),
        "vix_pct_window": Param(
            252,
            "one trading year: 'the VIX is high' judged against the recent regime, so the leg "
            "also reads a crisis that has already spiked",
        ),
        "corr_window": Param(60, "three months of daily returns for the gold-equity correlation shown"),
        "min_obs": Param(
            252,
            "one year of daily returns before a return is scored: enough for a stable scale of "
            "two-week returns",
        ),
    },
    rationale=(
        "Gold and silver are held on margin and pledged as collateral in the same books as equities; "
        "in a forced de-risking they are sold with equities and stop diversifying, so a foreign "
        "investor's usual hedges fail together. The signal needs all three to fall while the VIX "
        "spikes; it is scored by the weakest leg."
    ),
)
def metals_sold_with_equities(
    data: SignalData,
    *,
    window: int,
    vix_window: int,
    vix_pct_window: int,
    corr_window: int,
    min_obs: int,
) -> SignalOutput:
    r"""Metals sold with equities: the weakest of the equity, metals and VIX legs.

    .. math::

        I_t &= \min\left( Z(-r^{\mathrm{SPX}}_{w,t}),\;
              \min\left[Z(-r^{\mathrm{gold}}_{w,t}),\, Z(-r^{\mathrm{silver}}_{w,t})\right],\;
              V_t \right) \\
        V_t &= \max\left( Z(\Delta_v \log \mathrm{VIX}_t),\;
              \Phi^{-1}\left(p^{(n)}_t(\mathrm{VIX})\right) \right)

    where :math:`r_{w}` is the ``window``-day log return, :math:`Z` the
    sequential (expanding) z-score with ``min_obs`` observations,
    :math:`v` = ``vix_window`` and :math:`p^{(n)}_t` the mid-rank percentile
    of today's VIX among the last :math:`n` = ``vix_pct_window`` days.

    Parameters
    ----------
    data
        ``equity`` (S&P 500), ``gold``, ``silver``, ``vix``.
    window, vix_window, vix_pct_window, corr_window, min_obs
        See the declaration.

    Returns
    -------
    SignalOutput
        Intensity on the z scale; evidence: the three returns, the VIX, its
        percentile, the legs and the gold-equity correlation.
    """
    if window < 1 or vix_window < 1:
        raise ValueError("window and vix_window must be >= 1; for two trading weeks use window=10")
    r_eq = log_return(data["equity"], window)
    r_gold = log_return(data["gold"], window)
    r_silver = log_return(data["silver"], window)
    z_eq = seq_zscore(-r_eq, min_obs=min_obs)
    z_gold = seq_zscore(-r_gold, min_obs=min_obs)
    z_silver = seq_zscore(-r_silver, min_obs=min_obs)
    metals = soft_and(z_gold, z_silver)
    vix = data["vix"]
    z_spike = seq_zscore(log_return(vix, vix_window), min_obs=min_obs)
    vix_pct = rolling_pct_rank(vix, vix_pct_window)
    vix_leg = pd.concat([z_spike, pct_to_z(vix_pct)], axis=1).max(axis=1, skipna=False)
    intensity = soft_and(z_eq, metals, vix_leg)
    corr = rolling_corr(log_return(data["gold"], 1), log_return(data["equity"], 1), corr_window)
    evidence = pd.DataFrame(
        {
            f"spx_return_{window}d": r_eq,
            f"gold_return_{window}d": r_gold,
            f"silver_return_{window}d": r_silver,
            "vix": vix,
            f"vix_pct_{vix_pct_window}d": vix_pct,
            "metals_sold_with_equities.equity_leg": z_eq,
            "metals_sold_with_equities.metals_leg": metals,
            "metals_sold_with_equities.vix_leg": vix_leg,
            f"gold_spx_corr_{corr_window}d": corr,
        },
        index=data.index,
    )
    return SignalOutput(intensity=intensity, evidence=evidence)
