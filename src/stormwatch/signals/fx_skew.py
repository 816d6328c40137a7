"""Checklist item 2: skew in the major currency pairs confirms demand for dollar-downside protection.

When investors want protection against a falling dollar they buy calls on the
euro (and yen, sterling): the 25-delta risk reversal — call implied vol minus
put implied vol — turns up (MISSION.md, checklist item 2; the report notes
that after the March 2025 sell-off the EURUSD call-skew baseline stayed
elevated). Option skew has no free source, so the signal runs in one of two
modes, decided by the data:

**Risk reversals** (``local:EURUSD_RR25_1M``, optional ``local:USDJPY_RR25_1M``,
``local:GBPUSD_RR25_1M``, imported from a vendor export)
    Each pair's 1-month 25-delta risk reversal, signed so that positive =
    dollar-downside demand (EURUSD and GBPUSD as quoted; USDJPY negated, since
    it is quoted as USD calls minus USD puts), scored by a sequential z-score
    of its level, averaged over the pairs available that day.

**Currency-option demand proxy** (when no risk-reversal series is in the panel;
the engine records ``fred:EVZCLS`` as the proxy)
    The rolling correlation between the change in EUR implied volatility
    (Cboe EVZ) and the euro's return against the dollar. When EUR calls are
    bid, implied vol rises as the euro rises (the smile is skewed to the
    upside), so the spot-vol correlation turns up; when EUR puts are bid
    (the usual state, a risk-off with a rising dollar) it is negative. Scored
    by a sequential z-score. The proxy infers the skew from how at-the-money
    vol moves with spot; it cannot see the price of calls against puts, and
    EVZ is built from thinly traded ETF options. So on the proxy the state is
    **capped at** ``watch``: it can raise a flag, never confirm on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stormwatch.signals._fx import foreign_per_usd, fx_input
from stormwatch.signals.base import Input, Param, SignalData, SignalOutput, signal, states_from_intensity
from stormwatch.signals.transforms import log_return, rolling_corr, seq_zscore

__all__ = ["PROXY_NAME", "fx_skew_confirms"]

PROXY_NAME = "currency-option demand proxy (EVZ spot-vol correlation)"
"""How the evidence and the notes name the proxy."""

RR_SOURCE = "risk reversals"
"""How the evidence names the risk-reversal mode."""

_WATCH = 1.0
_ON = 2.0


@signal(
    id="fx_skew_confirms",
    family="fx_skew",
    title="Skew in the major currency pairs confirms demand for dollar-downside protection",
    kind="checklist",
    checklist_item=2,
    inputs={
        "rr_eur": Input("local:EURUSD_RR25_1M", proxies=("fred:EVZCLS",)),
        "rr_jpy": Input("local:USDJPY_RR25_1M", optional=True),
        "rr_gbp": Input("local:GBPUSD_RR25_1M", optional=True),
        "eur": fx_input("EUR", optional=True),
    },
    params={
        "min_obs": Param(
            252,
            "one trading year before a level is scored: a skew baseline needs a full cycle of "
            "data (the report's point is a baseline that stayed elevated)",
        ),
        "window": Param(
            60,
            "proxy only: one quarter of daily data for the spot-vol correlation, 30 two-day pairs "
            "(standard error about 0.19) — shorter windows are dominated by noise",
        ),
        "horizon": Param(
            2,
            "proxy only: two-day changes, because EVZ closes with the US market and the ECB fixes "
            "at 14:15 CET; one-day changes would miss part of the co-movement",
        ),
    },
    rationale=(
        "Demand for protection against a falling dollar shows first in currency options: EUR, JPY "
        "and GBP calls get bid and risk reversals turn up. Skew confirms that the dollar's fall in "
        "item 1 is being hedged, i.e. that holders of dollar assets are worried about the currency "
        "itself. Without vendor risk reversals a named proxy (EUR implied vol rising with the euro) "
        "stands in, capped at watch because it infers the skew instead of seeing it."
    ),
    watch_at=_WATCH,
    on_at=_ON,
)
def fx_skew_confirms(data: SignalData, *, min_obs: int, window: int, horizon: int) -> SignalOutput:
    r"""Sign-adjusted risk-reversal level z (or the spot-vol proxy z, capped at watch).

    Risk-reversal mode (``rr_eur`` is ``local:EURUSD_RR25_1M``):

    .. math::

        I_t = \frac{1}{|P_t|} \sum_{p \in P_t} Z(\epsilon_p\, RR_{p,t}),
        \qquad \epsilon_{EURUSD} = \epsilon_{GBPUSD} = 1,\; \epsilon_{USDJPY} = -1

    with :math:`P_t` the pairs with a value and :math:`Z` the sequential
    expanding z-score (``min_obs``). Thresholds 1 and 2 (the shared z scale).

    Proxy mode (``rr_eur`` fell back to ``fred:EVZCLS``):

    .. math::

        I_t = Z\big(\operatorname{corr}_{t-W<u\le t}(\ln \sigma_u - \ln \sigma_{u-h},\;
              -(\ln X_u - \ln X_{u-h}))\big)

    with :math:`\sigma` = EVZ, :math:`X` = EUR per USD (so :math:`-\Delta\ln X`
    is the euro's return), :math:`W` = ``window``, :math:`h` = ``horizon``.
    The state is derived with the same thresholds and then capped at
    ``watch``.

    Parameters
    ----------
    data
        ``rr_eur`` (EURUSD risk reversal; proxy EVZ), optional ``rr_jpy``,
        ``rr_gbp`` and ``eur`` (EUR per USD, needed by the proxy).
    min_obs, window, horizon
        See the declaration.

    Returns
    -------
    SignalOutput
        Intensity, explicit state, evidence (``source`` names the mode or the
        proxy on every day), and a note when running on the proxy.
    """
    on_proxy = data.used.get("rr_eur") == "fred:EVZCLS"
    if on_proxy:
        if window < 4 * horizon:
            raise ValueError("window must be >= 4 * horizon for a correlation; the default is 60")
        evz = data["rr_eur"]
        eur_up = -log_return(foreign_per_usd(data, "eur"), horizon)
        corr = rolling_corr(log_return(evz, horizon), eur_up, window)
        intensity = seq_zscore(corr, min_obs=min_obs)
        state = states_from_intensity(intensity, watch_at=_WATCH, on_at=_ON).replace("on", "watch")
        evidence = pd.DataFrame(
            {
                "source": pd.Series(np.where(intensity.notna(), PROXY_NAME, ""), index=data.index),
                "evz": evz,
                f"spot_vol_corr_{window}d": corr,
                "fx_skew_confirms.proxy_z": intensity,
                "capped": states_from_intensity(intensity, watch_at=_WATCH, on_at=_ON) == "on",
            },
            index=data.index,
        )
        notes: tuple[str, ...] = (
            f"running on the {PROXY_NAME}: no risk-reversal series in the panel; state capped at watch",
        )
        if data["eur"].isna().all():
            notes += ("the proxy needs EUR per USD (ecb:EXR/D.USD.EUR.SP00.A or a proxy): none found",)
        return SignalOutput(intensity=intensity, state=state, evidence=evidence, notes=notes)

    signed = {"eur": data["rr_eur"], "jpy": -data["rr_jpy"], "gbp": data["rr_gbp"]}
    zs = pd.DataFrame({k: seq_zscore(v, min_obs=min_obs) for k, v in signed.items()}, index=data.index)
    intensity = zs.mean(axis=1, skipna=True).where(zs["eur"].notna())
    state = states_from_intensity(intensity, watch_at=_WATCH, on_at=_ON)
    evidence = pd.DataFrame(
        {
            "source": pd.Series(np.where(intensity.notna(), RR_SOURCE, ""), index=data.index),
            "rr_eurusd": data["rr_eur"],
            "rr_usdjpy": data["rr_jpy"],
            "rr_gbpusd": data["rr_gbp"],
            **{f"fx_skew_confirms.rr_z_{k}": zs[k] for k in zs.columns},
            "pairs_n": zs.notna().sum(axis=1).astype("float64"),
        },
        index=data.index,
    )
    return SignalOutput(intensity=intensity, state=state, evidence=evidence)
