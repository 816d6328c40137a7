"""Fuel: the structural imbalances that make a dollar-driven sell-off large.

The thesis' first link (MISSION.md, "Fuel: a structural imbalance"): the US
runs an extreme current-account deficit, foreigners recycle the dollars into
US assets and hold record amounts of them, that flow props up record equity
valuations and concentrates in a handful of mega-cap (AI) stocks. None of
this *times* a sell-off; it sets how big one can be. The gauges are slow
(monthly, quarterly) levels, not events.

Every gauge is the **expanding percentile rank** of its level among all the
values the series has shown since its start on the panel, mapped to the z
scale shared by every signal, :math:`z = \\Phi^{-1}(p)` (the 90th percentile is
1.28, the 97.7th is 2). States: ``watch`` from the 80th percentile, ``on``
from the 90th — the top decile of its own history is what "at records"
means; the top quintile is worth watching. A percentile needs no assumption
about the level's distribution (valuations and deficits are skewed and
trend), and it is causal: the rank on day ``t`` uses only values up to ``t``.

Gauges:

* ``current_account_deficit`` — the current-account deficit in % of GDP;
* ``foreign_holdings`` — foreign holdings of US Treasuries in % of GDP
  (TIC; no free series in the development data, so ``unknown`` there);
* ``valuation`` — Shiller CAPE and market cap to GDP;
* ``concentration`` — a **proxy** for mega-cap/AI concentration: the
  Nasdaq-100 relative to the S&P 500.

Limitation: "since the series' start" means since the first value on the
panel. A panel that starts in 1985 judges the 1990s' valuations against a
low base; build the panel from the series' own start for the intended
reading.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stormwatch.signals._seq import PCT_80_Z, PCT_90_Z, expanding_pct_rank, mean_available, pct_to_z
from stormwatch.signals.base import Input, Param, SignalData, SignalOutput, signal

__all__ = ["concentration", "current_account_deficit", "foreign_holdings", "valuation"]

_MIN_OBS = Param(
    2520,
    "ten years of days before a percentile is given: the rank of a slow structural level means "
    "something only against at least one or two business cycles of its own history",
)
_RANK_NOTE = (
    "percentile since the series' first value on the panel: a short panel judges the level "
    "against a short history"
)


def _gauge(level: pd.Series, min_obs: int, name: str) -> tuple[pd.Series, pd.DataFrame]:
    pct = expanding_pct_rank(level, min_obs=min_obs)
    z = pct_to_z(pct)
    evidence = pd.DataFrame({name: level, f"{name}.pct": pct, f"{name}.z": z}, index=level.index)
    return z, evidence


@signal(
    id="current_account_deficit",
    family="fuel",
    title="Fuel: US current-account deficit (% of GDP) against its history",
    kind="fuel",
    inputs={
        "balance": Input("fred:USAB6BLTT02STSAQ", proxies=("fred:IEABC", "fred:BOPGSTB")),
        "gdp": Input("fred:GDP", optional=True),
    },
    params={"min_obs": _MIN_OBS},
    rationale=(
        "The US pays for its imports in dollars that foreigners recycle into US assets; the deeper "
        "the current-account deficit, the more US asset prices depend on that recycling and the "
        "larger the flow that can reverse."
    ),
    watch_at=PCT_80_Z,
    on_at=PCT_90_Z,
    unit="z (percentile)",
)
def current_account_deficit(data: SignalData, *, min_obs: int) -> SignalOutput:
    r"""Current-account deficit in % of GDP, expanding percentile on the z scale.

    .. math::

        D_t = -\mathrm{CA}_t / \mathrm{GDP}_t \times 100, \qquad
        I_t = \Phi^{-1}\!\left(p_t(D)\right)

    where :math:`p_t` is the expanding mid-rank percentile of :math:`D_t` (see
    :func:`stormwatch.signals._seq.expanding_pct_rank`). The OECD series is
    already in % of GDP; the BEA balance (millions, quarterly rate) and the
    trade balance (millions, monthly) are annualised and divided by nominal
    GDP (billions, annual rate).

    Parameters
    ----------
    data
        ``balance`` (OECD % of GDP; proxies: BEA current account, BOP trade
        balance) and ``gdp`` (needed only by the proxies).
    min_obs
        Warm-up of the percentile.

    Returns
    -------
    SignalOutput
        Intensity on the z scale; evidence: the deficit, its percentile and z.
    """
    used = data.used.get("balance", "")
    bal = data["balance"]
    notes = [_RANK_NOTE]
    if used == "fred:IEABC":
        deficit = -(bal * 4.0 / 1000.0) / data["gdp"] * 100.0
        notes.append("proxy: BEA current account (fred:IEABC) annualised over nominal GDP (fred:GDP)")
    elif used == "fred:BOPGSTB":
        deficit = -(bal * 12.0 / 1000.0) / data["gdp"] * 100.0
        notes.append(
            "proxy: goods-and-services trade balance (fred:BOPGSTB) annualised over nominal GDP; "
            "it overstates the current-account deficit by the primary-income surplus"
        )
    else:
        deficit = -bal
    if used in ("fred:IEABC", "fred:BOPGSTB") and "gdp" not in data.used:
        notes.append("no nominal GDP (fred:GDP): the proxy cannot be put in % of GDP")
    z, evidence = _gauge(deficit.astype("float64"), min_obs, "current_account_deficit_pct_gdp")
    return SignalOutput(intensity=z, evidence=evidence, notes=tuple(notes))


@signal(
    id="foreign_holdings",
    family="fuel",
    title="Fuel: foreign holdings of US Treasuries (% of GDP) against their history",
    kind="fuel",
    inputs={"holdings": Input("tic:for_treas_pos"), "gdp": Input("fred:GDP")},
    params={"min_obs": _MIN_OBS},
    rationale=(
        "Record foreign holdings of US assets, largely unhedged, are the stock that can be sold or "
        "hedged in a dollar sell-off; in % of GDP the stock is comparable across decades."
    ),
    watch_at=PCT_80_Z,
    on_at=PCT_90_Z,
    unit="z (percentile)",
)
def foreign_holdings(data: SignalData, *, min_obs: int) -> SignalOutput:
    r"""Foreign holdings of US Treasuries in % of GDP, expanding percentile on the z scale.

    .. math::

        H_t = \frac{\mathrm{TIC}_t / 1000}{\mathrm{GDP}_t} \times 100, \qquad
        I_t = \Phi^{-1}\!\left(p_t(H)\right)

    with holdings in millions of dollars and GDP in billions at an annual rate.

    Parameters
    ----------
    data
        ``holdings`` (TIC, end of month) and ``gdp``.
    min_obs
        Warm-up of the percentile.

    Returns
    -------
    SignalOutput
        Intensity on the z scale; evidence: the ratio, its percentile and z.
    """
    ratio = (data["holdings"] / 1000.0) / data["gdp"] * 100.0
    z, evidence = _gauge(ratio.astype("float64"), min_obs, "foreign_treasury_holdings_pct_gdp")
    return SignalOutput(intensity=z, evidence=evidence, notes=(_RANK_NOTE,))


@signal(
    id="valuation",
    family="fuel",
    title="Fuel: US equity valuation (CAPE, market cap to GDP) against its history",
    kind="fuel",
    inputs={
        "cape": Input("local:CAPE_SHILLER"),
        "mcap_gdp": Input("local:BUFFETT_W5000_GDP", optional=True),
    },
    params={"min_obs": _MIN_OBS},
    rationale=(
        "Recycled foreign flows lift US equity valuations; at extreme valuations prices depend more "
        "on the flow continuing and are more sensitive to a liquidity shift, so the same outflow "
        "moves them further."
    ),
    watch_at=PCT_80_Z,
    on_at=PCT_90_Z,
    unit="z (percentile)",
)
def valuation(data: SignalData, *, min_obs: int) -> SignalOutput:
    r"""Equity valuation: mean of the percentile z-scores of CAPE and market cap to GDP.

    .. math::

        I_t = \operatorname{mean}\left( \Phi^{-1}(p_t(\mathrm{CAPE})),\;
              \Phi^{-1}(p_t(\mathrm{MCAP/GDP})) \right)

    over the measures known on day ``t`` (CAPE required).

    Parameters
    ----------
    data
        ``cape``; optional ``mcap_gdp``.
    min_obs
        Warm-up of the percentiles.

    Returns
    -------
    SignalOutput
        Intensity on the z scale; evidence: both levels, percentiles and z's.
    """
    z_cape, ev_cape = _gauge(data["cape"], min_obs, "cape")
    z_mcap, ev_mcap = _gauge(data["mcap_gdp"], min_obs, "mcap_gdp")
    intensity = mean_available([z_cape], [z_mcap])
    notes = [_RANK_NOTE]
    if "mcap_gdp" not in data.used:
        notes.append("no market cap to GDP (local:BUFFETT_W5000_GDP): CAPE alone")
    return SignalOutput(
        intensity=intensity, evidence=pd.concat([ev_cape, ev_mcap], axis=1), notes=tuple(notes)
    )


@signal(
    id="concentration",
    family="fuel",
    title="Fuel: mega-cap / tech concentration (proxy: Nasdaq-100 relative to S&P 500)",
    kind="fuel",
    inputs={
        "growth": Input("yahoo:^NDX", proxies=("yahoo:XLK",)),
        "broad": Input("yahoo:^GSPC", proxies=("yahoo:SPY",)),
    },
    params={"min_obs": _MIN_OBS},
    rationale=(
        "Foreign flows concentrate in the largest stocks and the AI theme; the more the market's "
        "value sits in one crowded theme, the harder a cross-border exit hits it. A PROXY: free data "
        "have no index weights, so the Nasdaq-100's level relative to the S&P 500 stands in."
    ),
    watch_at=PCT_80_Z,
    on_at=PCT_90_Z,
    unit="z (percentile)",
)
def concentration(data: SignalData, *, min_obs: int) -> SignalOutput:
    r"""Concentration proxy: expanding percentile of the Nasdaq-100 / S&P 500 ratio, on the z scale.

    .. math::

        R_t = \log\frac{\mathrm{NDX}_t}{\mathrm{SPX}_t}, \qquad
        I_t = \Phi^{-1}\!\left(p_t(R)\right)

    A proxy for concentration, not a measure of it: the ratio also rises when
    tech earnings outgrow the market. The Technology sector ETF (XLK) and the
    S&P 500 ETF (SPY) stand in when the indices are missing.

    Parameters
    ----------
    data
        ``growth`` (Nasdaq-100; proxy XLK) and ``broad`` (S&P 500; proxy SPY).
    min_obs
        Warm-up of the percentile.

    Returns
    -------
    SignalOutput
        Intensity on the z scale; evidence: the log ratio, its percentile and z.
    """
    g, b = data["growth"], data["broad"]
    ratio = pd.Series(np.log(g.where(g > 0) / b.where(b > 0)), index=data.index, dtype="float64")
    z, evidence = _gauge(ratio.astype("float64"), min_obs, "ndx_spx_log_ratio")
    notes = [_RANK_NOTE, "proxy for mega-cap/AI concentration: relative level of Nasdaq-100 to S&P 500"]
    if (data.used.get("growth") == "yahoo:XLK") != (data.used.get("broad") == "yahoo:SPY"):
        notes.append(
            f"ratio built from {data.used.get('growth')} / {data.used.get('broad')}: an ETF "
            "(total return) against an index (price) drifts by the dividend yield"
        )
    return SignalOutput(intensity=z, evidence=evidence, notes=tuple(notes))
