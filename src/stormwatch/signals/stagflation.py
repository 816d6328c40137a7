"""Aggravator: policy-driven dollar weakness feeding stagflation.

The thesis (MISSION.md, "the endgame"): a dollar weakened on purpose imports
inflation. If inflation expectations rise *while* growth weakens *and* the
dollar falls, the Fed cannot rescue equities without feeding both the
inflation and the dollar's fall — the Fed put is gone. Each leg alone is
ordinary (expectations rise in booms, growth weakens in disinflationary
slowdowns, the dollar drifts); the conjunction is the aggravating condition.

Three legs, each a sequential z-score (higher = closer to the storm):

* **inflation** — the ``window``-day change of market inflation compensation
  (5-year breakeven, the 2-year inflation swap or its Cleveland Fed model
  proxy) and of the Michigan survey;
* **growth** — the Chicago Fed National Activity Index below trend (its
  3-month average, negated), initial claims rising, the real-time Sahm
  indicator rising;
* **dollar** — the dollar index falling over ``window`` days.

The intensity is the weakest leg (a soft AND). Publication lags of the monthly
and weekly data are applied by the panel: a CFNAI value enters on its release
day, not its reference month.
"""

from __future__ import annotations

import pandas as pd

from stormwatch.signals._seq import mean_available, soft_and
from stormwatch.signals.base import Input, Param, SignalData, SignalOutput, signal
from stormwatch.signals.transforms import change, log_return, seq_zscore

__all__ = ["stagflation_pressure"]


def _z(x: pd.Series, min_obs: int) -> pd.Series:
    return seq_zscore(x, min_obs=min_obs)


def _missing_notes(data: SignalData, names: dict[str, str]) -> tuple[str, ...]:
    return tuple(msg for name, msg in names.items() if name not in data.used)


@signal(
    id="stagflation_pressure",
    family="stagflation",
    title="Stagflation pressure: inflation expectations up, growth down, dollar down",
    kind="aggravator",
    inputs={
        "breakeven": Input("fred:T5YIE", proxies=("fred:T10YIE",), optional=True),
        "infl_2y": Input("local:USD_INFL_SWAP_2Y", proxies=("fred:EXPINF2YR",)),
        "survey": Input("fred:MICH", optional=True),
        "activity": Input("fred:CFNAI"),
        "claims": Input("fred:ICSA", optional=True),
        "sahm": Input("fred:SAHMREALTIME", optional=True),
        "dollar": Input("yahoo:DX-Y.NYB", proxies=("fred:DTWEXBGS",)),
    },
    params={
        "window": Param(
            63,
            "one quarter of business days: monthly inflation and activity data move on this "
            "horizon, and a policy-driven dollar trend is a quarter-long move, not a wobble",
        ),
        "activity_avg": Param(
            63,
            "three months: the Chicago Fed's own CFNAI-MA3 smoothing of a noisy monthly index",
        ),
        "claims_avg": Param(20, "four weeks: the standard smoothing of weekly initial claims"),
        "min_obs": Param(
            756,
            "three years of days before a leg is scored: a quarterly change needs about a dozen "
            "non-overlapping quarters to give a usable neutral level and scale",
        ),
        "block_min_obs": Param(
            252,
            "one year before an averaged leg is re-standardised: its components are z-scores "
            "already, so only the scale of their average must be learned",
        ),
    },
    rationale=(
        "A deliberately weaker dollar imports inflation; if inflation expectations rise while growth "
        "weakens and the dollar falls, easing feeds both the inflation and the dollar's fall, so the "
        "usual Fed rescue of US risk assets turns into a further reason for foreigners to sell. "
        "Each leg alone is ordinary; the signal is their conjunction, scored by the weakest leg."
    ),
)
def stagflation_pressure(
    data: SignalData,
    *,
    window: int,
    activity_avg: int,
    claims_avg: int,
    min_obs: int,
    block_min_obs: int,
) -> SignalOutput:
    r"""Stagflation pressure: the weakest of the inflation, growth and dollar legs.

    .. math::

        I_t &= \min\left(L^{\pi}_t,\; L^{g}_t,\; L^{\$}_t\right) \\
        L^{\pi}_t &= Z'\!\left(\operatorname{mean}_k Z(\Delta_w \pi_{k,t})\right),
            \quad \pi_k \in \{\text{breakeven}, \text{2y swap}, \text{Michigan}\} \\
        L^{g}_t &= Z'\!\left(\operatorname{mean}\left[Z(-\overline{\mathrm{CFNAI}}_{t}),\;
            Z(\Delta_w \log \overline{\mathrm{ICSA}}_t),\; Z(\Delta_w \mathrm{Sahm}_t)\right]\right) \\
        L^{\$}_t &= Z(-\Delta_w \log \mathrm{DXY}_t)

    where :math:`Z` is the sequential (expanding) z-score with ``min_obs``
    observations, :math:`Z'` the same with ``block_min_obs`` (re-standardising
    an average of z-scores), the means run over the components available on
    day ``t``, :math:`\overline{\mathrm{CFNAI}}` is the ``activity_avg``-day
    mean and :math:`\overline{\mathrm{ICSA}}` the ``claims_avg``-day mean.

    Parameters
    ----------
    data
        ``breakeven`` (optional), ``infl_2y``, ``survey`` (optional),
        ``activity``, ``claims`` (optional), ``sahm`` (optional), ``dollar``.
    window
        Business days of the changes.
    activity_avg, claims_avg
        Smoothing of the CFNAI and of initial claims.
    min_obs, block_min_obs
        Warm-up of the component and leg z-scores.

    Returns
    -------
    SignalOutput
        Intensity on the z scale; evidence: the three legs and their raw inputs.
    """
    if window < 1:
        raise ValueError("window must be >= 1; for a quarterly change use window=63")
    z_be = _z(change(data["breakeven"], window), min_obs)
    z_2y = _z(change(data["infl_2y"], window), min_obs)
    z_mich = _z(change(data["survey"], window), min_obs)
    infl = seq_zscore(mean_available([z_2y], [z_be, z_mich]), min_obs=block_min_obs)

    cfnai_avg = data["activity"].rolling(activity_avg, min_periods=activity_avg).mean()
    claims_smooth = data["claims"].rolling(claims_avg, min_periods=claims_avg).mean()
    z_cfnai = _z(-cfnai_avg, min_obs)
    z_claims = _z(log_return(claims_smooth, window), min_obs)
    z_sahm = _z(change(data["sahm"], window), min_obs)
    growth = seq_zscore(mean_available([z_cfnai], [z_claims, z_sahm]), min_obs=block_min_obs)

    dollar_ret = log_return(data["dollar"], window)
    dollar = _z(-dollar_ret, min_obs)

    intensity = soft_and(infl, growth, dollar)
    evidence = pd.DataFrame(
        {
            "stagflation_pressure.inflation_leg": infl,
            "stagflation_pressure.growth_leg": growth,
            "stagflation_pressure.dollar_leg": dollar,
            "breakeven": data["breakeven"],
            "inflation_2y": data["infl_2y"],
            "michigan_1y": data["survey"],
            "cfnai_ma3": cfnai_avg,
            "initial_claims_4wk": claims_smooth,
            "sahm": data["sahm"],
            f"dollar_return_{window}d": dollar_ret,
        },
        index=data.index,
    )
    notes = _missing_notes(
        data,
        {
            "breakeven": "no breakeven (fred:T5YIE, fred:T10YIE): inflation leg uses the 2-year "
            "measure and the survey only",
            "survey": "no Michigan survey (fred:MICH): inflation leg uses market measures only",
            "claims": "no initial claims (fred:ICSA): growth leg without claims",
            "sahm": "no Sahm indicator (fred:SAHMREALTIME): growth leg without it",
        },
    )
    return SignalOutput(intensity=intensity, evidence=evidence, notes=notes)
