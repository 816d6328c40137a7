"""Aggravator: bear steepening of the 2s10s curve while the Fed cuts.

When the Fed cuts, the curve normally *bull*-steepens: short yields fall
faster than long ones. If instead the 10-year yield **rises** and the 2s10s
spread widens *because* of it (a bear steepening) while the policy rate is
being cut, the bond market is refusing the easing: it demands more
compensation for holding duration — for inflation the cuts may bring, for a
Fed seen as losing its independence, for a currency being debased. That is
the market pricing a **policy error** (MISSION.md, "the endgame": "if the Fed
cuts too hard, long yields rise against it"). For the thesis it is the
moment a Fed rescue stops helping: lower short rates push the dollar down,
higher long rates push equity valuations down, and foreign holders of
Treasuries have a reason to leave.

Three legs; the intensity is the weakest one (a soft AND):

* the ``window``-day rise of the 10-year yield, sequential z-score;
* the ``window``-day widening of the 10y-2y spread, sequential z-score;
* the cut, in standard 25 bp steps: the fall of the (smoothed) effective
  fed funds rate over ``cut_window`` days divided by ``cut_step`` — one cut
  in a quarter scores 1 (notable), two cuts score 2 (strong).
"""

from __future__ import annotations

import pandas as pd

from stormwatch.signals._seq import soft_and
from stormwatch.signals.base import Input, Param, SignalData, SignalOutput, signal
from stormwatch.signals.transforms import change, seq_zscore

__all__ = ["bear_steepening_while_cutting"]


@signal(
    id="bear_steepening_while_cutting",
    family="curve",
    title="Bear steepening of the 2s10s curve while the Fed cuts",
    kind="aggravator",
    inputs={
        "long": Input("fred:DGS10"),
        "short": Input("fred:DGS2"),
        "policy": Input("fred:DFF", proxies=("fred:DGS3MO",)),
    },
    params={
        "window": Param(
            40,
            "two months of business days: long enough for a repricing of the term premium, short "
            "enough to be one episode (the usual range for a curve move is 20-60 days)",
        ),
        "cut_window": Param(
            63,
            "one quarter: the Fed meets about every six weeks, so a quarter holds one or two "
            "decisions and shows whether it is cutting",
        ),
        "cut_step": Param(
            0.25,
            "the Fed's standard move, 25 bp: the cut leg counts cuts, so one cut in a quarter is "
            "'notable' (1) and two are 'strong' (2) on the shared intensity scale",
        ),
        "policy_smooth": Param(
            10,
            "a two-week rolling median of the effective funds rate removes month-end and "
            "settlement-day spikes that are not policy",
        ),
        "min_obs": Param(
            756,
            "three years of days before the yield legs are scored: a two-month change needs a "
            "few dozen non-overlapping periods for a usable neutral level and scale",
        ),
    },
    rationale=(
        "When the Fed cuts, the curve normally bull-steepens. Long yields rising against the cuts "
        "(bear steepening) means the market demands more compensation for duration — inflation, a "
        "debased currency, a Fed losing independence: it prices a policy error. Then a Fed rescue "
        "pushes the dollar down and long yields up at once, which is the thesis' endgame."
    ),
)
def bear_steepening_while_cutting(
    data: SignalData,
    *,
    window: int,
    cut_window: int,
    cut_step: float,
    policy_smooth: int,
    min_obs: int,
) -> SignalOutput:
    r"""Bear steepening while cutting: the weakest of three legs.

    .. math::

        I_t = \min\left( Z(\Delta_w y^{10}_t),\; Z(\Delta_w s_t),\;
              \frac{-\Delta_c \tilde f_t}{\delta} \right),
        \qquad s_t = y^{10}_t - y^{2}_t

    where :math:`Z` is the sequential (expanding) z-score with ``min_obs``
    observations, :math:`\tilde f` the ``policy_smooth``-day rolling median of
    the effective fed funds rate, :math:`w` = ``window``, :math:`c` =
    ``cut_window`` and :math:`\delta` = ``cut_step``. The spread is
    computed from the 10- and 2-year yields, which is exactly how FRED builds
    ``T10Y2Y``.

    Parameters
    ----------
    data
        ``long`` (10-year yield), ``short`` (2-year yield), ``policy``
        (effective fed funds rate; proxy: 3-month bill yield).
    window, cut_window, cut_step, policy_smooth, min_obs
        See the declaration.

    Returns
    -------
    SignalOutput
        Intensity on the z scale; evidence: 2s10s, fed funds, the 10-year change,
        the spread change and the cuts counted.
    """
    if window < 1 or cut_window < 1:
        raise ValueError("window and cut_window must be >= 1; for a two-month change use window=40")
    if cut_step <= 0:
        raise ValueError("cut_step must be > 0; the Fed's standard step is 0.25")
    spread = data["long"] - data["short"]
    d10 = change(data["long"], window)
    dspread = change(spread, window)
    policy = data["policy"].rolling(policy_smooth, min_periods=policy_smooth).median()
    cuts = -change(policy, cut_window) / cut_step
    z10 = seq_zscore(d10, min_obs=min_obs)
    zs = seq_zscore(dspread, min_obs=min_obs)
    intensity = soft_and(z10, zs, cuts)
    evidence = pd.DataFrame(
        {
            "t10y2y": spread,
            "fed_funds": data["policy"],
            f"dgs10_change_{window}d": d10,
            f"t10y2y_change_{window}d": dspread,
            f"cuts_{cut_window}d": cuts,
            "bear_steepening_while_cutting.z_dgs10": z10,
            "bear_steepening_while_cutting.z_spread": zs,
        },
        index=data.index,
    )
    return SignalOutput(intensity=intensity, evidence=evidence)
