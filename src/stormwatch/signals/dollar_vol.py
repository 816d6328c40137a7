"""Checklist item 1: the dollar falls against the majors while implied volatility rises across assets.

The first thing the thesis expects to see when foreigners start selling US
assets is the dollar *falling* in a market that is getting *more* nervous
(MISSION.md, checklist item 1). Normally the two go the other way: when
volatility rises, the dollar is bought as the safe haven and funding
currency. A dollar that falls while implied volatility rises in equities,
rates, FX and commodities at once says the selling is of dollar assets.

Two legs; the intensity is the weaker one (a soft AND):

* **dollar weakness** — minus the ``window``-day log return of the dollar
  index (ICE DXY; proxies the Fed broad indexes), in units of its typical
  size so far. Where the major pairs (EUR, JPY, GBP, CHF per USD) are
  available, their equal-weighted basket must confirm: the leg is the
  weaker of the DXY and the basket (the DXY is 58% euro; the basket asks
  that the fall is against the majors, not one of them).
* **implied-vol rise** — the average, over the components available that day,
  of each implied-vol index's sequential z-score of its ``window``-day log
  change: equity (VIX), rates (MOVE), FX (EVZ), oil (OVX), gold (GVZ).
  Components that have not started yet (MOVE 2002, OVX 2007, EVZ 2007,
  GVZ 2008) or have gone stale are simply not in the average; the evidence
  says how many were used.
"""

from __future__ import annotations

import pandas as pd

from stormwatch.signals._fx import (
    DOLLAR_INPUT,
    MAJORS,
    foreign_per_usd,
    fx_input,
    rms_scaled,
    scaled_return,
)
from stormwatch.signals._seq import soft_and
from stormwatch.signals.base import Input, Param, SignalData, SignalOutput, signal
from stormwatch.signals.transforms import log_return, seq_zscore

__all__ = ["VOL_COMPONENTS", "dollar_down_vol_up"]

VOL_COMPONENTS: tuple[tuple[str, str], ...] = (
    ("vix", "equity"),
    ("move", "rates"),
    ("evz", "fx"),
    ("ovx", "oil"),
    ("gvz", "gold"),
)
"""The implied-vol composite: input name and asset class."""


@signal(
    id="dollar_down_vol_up",
    family="dollar_vol",
    title="Dollar falls against the majors while implied volatility rises across assets",
    kind="checklist",
    checklist_item=1,
    inputs={
        "dollar": DOLLAR_INPUT,
        "eur": fx_input("EUR", optional=True),
        "jpy": fx_input("JPY", optional=True),
        "gbp": fx_input("GBP", optional=True),
        "chf": fx_input("CHF", optional=True),
        "vix": Input("fred:VIXCLS"),
        "move": Input("local:MOVE", optional=True),
        "evz": Input("fred:EVZCLS", optional=True),
        "ovx": Input("fred:OVXCLS", optional=True),
        "gvz": Input("fred:GVZCLS", optional=True),
    },
    params={
        "window": Param(
            20,
            "one trading month: long enough to be a move rather than a wobble, short enough to be "
            "the start of an episode (the thesis watches for a turn, not a trend)",
        ),
        "min_obs": Param(
            252,
            "one trading year of history before a leg is scored: a typical monthly move needs a "
            "year of overlapping months to be estimated",
        ),
        "clip": Param(
            4.0,
            "each vol component's z is clipped at +/-4 so that one bad print (MOVE 2013-08-22) or one "
            "market's crash cannot carry the cross-asset average alone",
        ),
    },
    rationale=(
        "In a normal risk-off the dollar rises as volatility rises: it is the haven and the "
        "funding currency. A dollar falling against the majors while implied volatility rises "
        "across equities, rates, FX and commodities means the selling is of dollar assets — the "
        "first link of a cross-border sell-off. Both must happen, so the intensity is the weaker "
        "of the two legs."
    ),
    watch_at=1.0,
    on_at=1.5,
)
def dollar_down_vol_up(data: SignalData, *, window: int, min_obs: int, clip: float) -> SignalOutput:
    r"""Dollar weakness and cross-asset implied-vol rise: the weaker of the two.

    .. math::

        D_t = \min\left(-s(\mathrm{DXY})_t,\; -s(\bar f)_t\right), \qquad
        V_t = \frac{1}{|A_t|} \sum_{k \in A_t}
              \operatorname{clip}\!\left(Z(\ln \sigma_{k,t} - \ln \sigma_{k,t-w}), \pm c\right),
        \qquad I_t = \min(D_t, V_t)

    where :math:`s` is the ``window``-day log return in units of its
    expanding root mean square (:func:`stormwatch.signals._fx.scaled_return`),
    :math:`\bar f_t` the equal-weighted basket of the available majors
    (:math:`\ln` EUR, JPY, GBP, CHF per USD; the term is dropped where none is
    available), :math:`Z` the sequential expanding z-score with ``min_obs``
    observations, :math:`A_t` the implied-vol indexes with a value on day
    ``t`` (VIX required), :math:`w` = ``window`` and :math:`c` = ``clip``.

    Why the minimum and not a product or a geometric mean: the minimum is on
    the same z scale as its legs ("both legs are at least :math:`I` typical
    moves"), stays high only when *both* happen, and never turns two
    negatives into a positive as a product does. The thresholds are 1 and 1.5:
    with two roughly independent legs each past 1.5, the pair sits
    :math:`1.5\sqrt2 \approx 2.1` from neutral — the "strong" bar of a single z.

    Parameters
    ----------
    data
        ``dollar`` (DXY; proxies DTWEXBGS, DTWEXB), optional ``eur``/``jpy``/
        ``gbp``/``chf`` (foreign per USD), ``vix`` and optional ``move``,
        ``evz``, ``ovx``, ``gvz``.
    window, min_obs, clip
        See the declaration.

    Returns
    -------
    SignalOutput
        Intensity on the z scale; evidence: the dollar's and the basket's
        returns and legs, each vol component's z, the composite and the number
        of components used.
    """
    if window < 1:
        raise ValueError("window must be >= 1; for a one-month move use window=20")
    if clip <= 0:
        raise ValueError("clip must be > 0; use a large value (e.g. 1e9) for no clipping")
    dollar_ret = log_return(data["dollar"], window)
    dxy_leg = -scaled_return(data["dollar"], window, min_obs=min_obs)

    # Basket: average of the available pairs' log returns (log of a geometric basket).
    rets = pd.DataFrame(
        {c: log_return(foreign_per_usd(data, c.lower()), window) for c in MAJORS}, index=data.index
    )
    basket_ret = rets.mean(axis=1, skipna=True)
    majors_n = rets.notna().sum(axis=1).astype("float64")
    basket_leg = -rms_scaled(basket_ret, min_obs=min_obs)
    dollar_leg = pd.concat([dxy_leg, basket_leg], axis=1).min(axis=1, skipna=True)
    dollar_leg = dollar_leg.where(dxy_leg.notna())

    zs = {}
    for name, _cls in VOL_COMPONENTS:
        z = seq_zscore(log_return(data[name], window), min_obs=min_obs)
        zs[name] = z.clip(-clip, clip)
    zframe = pd.DataFrame(zs, index=data.index)
    vol_n = zframe.notna().sum(axis=1).astype("float64")
    vol_leg = zframe.mean(axis=1, skipna=True).where(zframe["vix"].notna())

    intensity = soft_and(dollar_leg, vol_leg)
    evidence = pd.DataFrame(
        {
            f"dollar_return_{window}d": dollar_ret,
            f"majors_return_{window}d": basket_ret,
            "majors_n": majors_n,
            "dollar_down_vol_up.dxy_fall": dxy_leg,
            "dollar_down_vol_up.majors_fall": basket_leg,
            "dollar_down_vol_up.dollar_leg": dollar_leg,
            **{f"dollar_down_vol_up.vol_z_{cls}": zframe[name] for name, cls in VOL_COMPONENTS},
            "dollar_down_vol_up.vol_leg": vol_leg,
            "vol_n": vol_n,
        },
        index=data.index,
    )
    return SignalOutput(intensity=intensity, evidence=evidence)
