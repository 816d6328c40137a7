"""Aggravator: positioning unwinds driven by cross-border flows.

The thesis (MISSION.md, aggravating conditions) worries about sell-offs in US
equities that are driven by **cross-border** flows — foreigners leaving the
dollar and US equities together — rather than by domestic reasons. The free,
weekly read of that is the CFTC Commitments of Traders: speculators (the
"non-commercial" category) rapidly building long EUR and long JPY positions
(short USD) — the money that will not stay in dollars — while they cut their
E-mini S&P 500 longs. Foreign net purchases of US equities from the Treasury's
TIC data add the direct flow when supplied.

Two legs; the intensity is the weaker one (a soft AND):

* **FX leg** — the mean of the sequential z-scores of the ``window``-day
  change of net positions: EUR (up), JPY (up), the US dollar index (down);
  re-standardised;
* **equity leg** — the sequential z-score of the fall of the E-mini S&P
  net position and, when supplied, of foreign net *sales* of US equities
  (TIC, three-month average); re-standardised.

Each change is scaled by the series' own history (its sequential z-score),
so contracts of different size are comparable. The data are weekly (Tuesday
positions released on Friday) and the TIC data monthly with a six-week lag;
the panel places each value on its release day.
"""

from __future__ import annotations

import pandas as pd

from stormwatch.signals._seq import mean_available, soft_and
from stormwatch.signals.base import Input, Param, SignalData, SignalOutput, signal
from stormwatch.signals.transforms import change, seq_zscore

__all__ = ["positioning_unwind"]


@signal(
    id="positioning_unwind",
    family="positioning",
    title="Positioning unwind: speculators short the dollar and out of US equity longs",
    kind="aggravator",
    inputs={
        "eur": Input("cftc:099741:noncomm_net"),
        "jpy": Input("cftc:097741:noncomm_net", optional=True),
        "usd": Input("cftc:098662:noncomm_net", optional=True),
        "es": Input("cftc:13874A:noncomm_net"),
        "tic_equity": Input("tic:for_lt_eqty_net", optional=True),
    },
    params={
        "window": Param(
            30,
            "six weeks of business days (six weekly reports): a rapid repositioning, within the "
            "usual 4-8 week range; one week is noise, a quarter is a trend",
        ),
        "tic_avg": Param(63, "three months of monthly TIC flows: one month is too noisy"),
        "min_obs": Param(
            756,
            "three years of days (about 150 weekly reports) before a change is scored, so the "
            "scale of each contract's own history is known",
        ),
        "block_min_obs": Param(
            252,
            "one year before an averaged leg is re-standardised: its components are z-scores "
            "already, so only the scale of their average must be learned",
        ),
    },
    rationale=(
        "A cross-border sell-off shows up as speculators rapidly building long EUR and JPY (short USD) "
        "while cutting S&P 500 futures longs, and as foreigners selling US equities: the flow that "
        "recycled dollars into US assets reverses. Both legs together, scored by the weaker one, "
        "separate that from a purely domestic de-risking or an ordinary dollar move."
    ),
)
def positioning_unwind(
    data: SignalData,
    *,
    window: int,
    tic_avg: int,
    min_obs: int,
    block_min_obs: int,
) -> SignalOutput:
    r"""Positioning unwind: the weaker of the FX and equity positioning legs.

    .. math::

        I_t &= \min\left(L^{FX}_t,\; L^{EQ}_t\right) \\
        L^{FX}_t &= Z'\!\left(\operatorname{mean}\left[Z(\Delta_w N^{EUR}_t),\;
            Z(\Delta_w N^{JPY}_t),\; Z(-\Delta_w N^{USD}_t)\right]\right) \\
        L^{EQ}_t &= Z'\!\left(\operatorname{mean}\left[Z(-\Delta_w N^{ES}_t),\;
            Z(-\overline{F}_t)\right]\right)

    where :math:`N` are non-commercial net positions, :math:`\overline{F}` the
    ``tic_avg``-day mean of foreign net purchases of US equities, :math:`Z`
    the sequential (expanding) z-score with ``min_obs`` observations and
    :math:`Z'` with ``block_min_obs``; means run over the components known on
    day ``t`` (EUR and E-mini required).

    Parameters
    ----------
    data
        ``eur``, ``es``; optional ``jpy``, ``usd``, ``tic_equity``.
    window, tic_avg, min_obs, block_min_obs
        See the declaration.

    Returns
    -------
    SignalOutput
        Intensity on the z scale; evidence: net positions, their changes and the legs.
    """
    if window < 1:
        raise ValueError("window must be >= 1; for six weekly reports use window=30")
    d_eur = change(data["eur"], window)
    d_jpy = change(data["jpy"], window)
    d_usd = change(data["usd"], window)
    d_es = change(data["es"], window)
    tic = data["tic_equity"].rolling(tic_avg, min_periods=tic_avg).mean()
    fx = seq_zscore(
        mean_available(
            [seq_zscore(d_eur, min_obs=min_obs)],
            [seq_zscore(d_jpy, min_obs=min_obs), seq_zscore(-d_usd, min_obs=min_obs)],
        ),
        min_obs=block_min_obs,
    )
    equity = seq_zscore(
        mean_available([seq_zscore(-d_es, min_obs=min_obs)], [seq_zscore(-tic, min_obs=min_obs)]),
        min_obs=block_min_obs,
    )
    intensity = soft_and(fx, equity)
    evidence = pd.DataFrame(
        {
            "eur_noncomm_net": data["eur"],
            "jpy_noncomm_net": data["jpy"],
            "usd_index_noncomm_net": data["usd"],
            "es_noncomm_net": data["es"],
            "tic_foreign_equity_net_3m": tic,
            f"eur_change_{window}d": d_eur,
            f"es_change_{window}d": d_es,
            "positioning_unwind.fx_leg": fx,
            "positioning_unwind.equity_leg": equity,
        },
        index=data.index,
    )
    notes: list[str] = []
    if "tic_equity" not in data.used:
        notes.append(
            "tic:for_lt_eqty_net not supplied: foreign purchases of US equities are an unknown "
            "component; the equity leg uses CFTC E-mini positioning only"
        )
    if "jpy" not in data.used:
        notes.append("no CFTC JPY positions: FX leg without the yen")
    if "usd" not in data.used:
        notes.append("no CFTC US dollar index positions: FX leg without them")
    return SignalOutput(intensity=intensity, evidence=evidence, notes=tuple(notes))
