"""Aggravator: the short-end real rate and its differential fall — the dollar loses its support.

The thesis' catalyst (MISSION.md, point 3): short-end **real** rates drive the
dollar index. When the Fed brings its expected terminal rate (priced in SOFR
futures) down toward — or below — inflation expectations (2-year inflation
swaps), the US short real rate falls, its advantage over other currencies'
rates shrinks, and the dollar loses the carry that attracts and keeps foreign
money. The signal fires when that support *erodes*: a sequential z-score of
the fall of the real rate and of the real-rate differential over ``window``
days.

* US short real rate: the SOFR-futures terminal rate (free proxy: the 2-year
  Treasury yield) minus 2-year inflation expectations (2-year inflation swap;
  free proxies: the Cleveland Fed 2-year expected inflation, then the 5-year
  breakeven).
* Differential: the US real rate minus foreign 3-month interbank rates (euro
  area, Japan, United Kingdom; monthly OECD data), weighted by their weights
  in the dollar index and renormalised over those available. **No free
  foreign inflation expectations exist**, so the foreign side is nominal;
  over a quarter foreign inflation expectations move little, so the *change*
  of this differential is close to the change of the real differential.
* The 5-year TIPS real yield and the dollar index are shown as evidence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stormwatch.signals._seq import mean_available
from stormwatch.signals.base import Input, Param, SignalData, SignalOutput, signal
from stormwatch.signals.transforms import change, log_return, seq_zscore

__all__ = ["real_rate_dollar_pressure"]

_FOREIGN = ("foreign_eur", "foreign_jpy", "foreign_gbp")


def _weighted_available(frame: pd.DataFrame, weights: tuple[float, ...]) -> pd.Series:
    r"""Row-wise :math:`\sum_i w_i x_i / \sum_i w_i` over the non-NaN columns; NaN if none."""
    x = frame.to_numpy(dtype="float64")
    w = np.asarray(weights, dtype="float64")[None, :] * np.isfinite(x)
    num = np.where(np.isfinite(x), x, 0.0) * w
    den = w.sum(axis=1)
    out = np.full(len(frame), np.nan)
    ok = den > 0
    out[ok] = num[ok].sum(axis=1) / den[ok]
    return pd.Series(out, index=frame.index, dtype="float64")


@signal(
    id="real_rate_dollar_pressure",
    family="real_rates",
    title="US short real rate and its differential fall: the dollar's support erodes",
    kind="aggravator",
    inputs={
        "nominal": Input("local:SOFR_FUT_TERMINAL", proxies=("fred:DGS2",)),
        "inflation": Input("local:USD_INFL_SWAP_2Y", proxies=("fred:EXPINF2YR", "fred:T5YIE")),
        "foreign_eur": Input("fred:IR3TIB01EZM156N", optional=True),
        "foreign_jpy": Input("fred:IR3TIB01JPM156N", optional=True),
        "foreign_gbp": Input("fred:IR3TIB01GBM156N", optional=True),
        "tips_5y": Input("fred:DFII5", optional=True),
        "dollar": Input("yahoo:DX-Y.NYB", proxies=("fred:DTWEXBGS",), optional=True),
    },
    params={
        "window": Param(
            60,
            "about three months: the horizon on which a repricing of the policy path moves the "
            "dollar, and long enough for monthly foreign rates to register a change",
        ),
        "foreign_weights": Param(
            (0.576, 0.136, 0.119),
            "EUR, JPY and GBP weights in the ICE dollar index (DXY), the index the thesis watches; "
            "renormalised over the currencies with data",
        ),
        "min_obs": Param(
            756,
            "three years of days before a change is scored: a quarterly change needs about a dozen "
            "non-overlapping quarters for a usable neutral level and scale",
        ),
    },
    rationale=(
        "Short-end real rates drive the dollar: when the Fed brings its terminal rate down to falling "
        "inflation expectations, the US real rate and its advantage over other currencies shrink, and "
        "the dollar loses the carry that keeps foreign money in US assets. The signal scores the fall "
        "of the real rate and of the real-rate differential."
    ),
)
def real_rate_dollar_pressure(
    data: SignalData,
    *,
    window: int,
    foreign_weights: tuple[float, float, float],
    min_obs: int,
) -> SignalOutput:
    r"""Fall of the US short real rate and of its differential, as a z-score.

    .. math::

        \rho_t &= i_t - \pi^{e}_t \\
        \Delta_w d_t &= \Delta_w \rho_t
            - \frac{\sum_j \omega_j \Delta_w i^{j}_t}{\sum_j \omega_j} \\
        I_t &= \operatorname{mean}\left( Z(-\Delta_w \rho_t),\; Z(-\Delta_w d_t) \right)

    where :math:`i` is the terminal-rate proxy (2-year yield), :math:`\pi^{e}`
    2-year inflation expectations, :math:`i^{j}` the foreign 3-month rates
    with DXY weights :math:`\omega_j` (sums over the currencies whose change is
    known on day ``t``), :math:`Z` the sequential (expanding) z-score with
    ``min_obs`` observations; the mean uses the differential only when known.

    Parameters
    ----------
    data
        ``nominal``, ``inflation``; optional ``foreign_eur``, ``foreign_jpy``,
        ``foreign_gbp``, ``tips_5y`` and ``dollar`` (evidence).
    window, foreign_weights, min_obs
        See the declaration.

    Returns
    -------
    SignalOutput
        Intensity on the z scale; evidence: real rate, differential, DXY.
    """
    if window < 1:
        raise ValueError("window must be >= 1; for a quarterly change use window=60")
    if len(foreign_weights) != len(_FOREIGN) or min(foreign_weights) < 0 or sum(foreign_weights) <= 0:
        raise ValueError("foreign_weights must be three non-negative weights (EUR, JPY, GBP)")
    real = data["nominal"] - data["inflation"]
    d_real = change(real, window)
    foreign = pd.concat([data[n] for n in _FOREIGN], axis=1)
    foreign_level = _weighted_available(foreign, tuple(foreign_weights))
    foreign_change = _weighted_available(foreign.diff(window), tuple(foreign_weights))
    d_diff = d_real - foreign_change
    z_real = seq_zscore(-d_real, min_obs=min_obs)
    z_diff = seq_zscore(-d_diff, min_obs=min_obs)
    intensity = mean_available([z_real], [z_diff])
    evidence = pd.DataFrame(
        {
            "us_real_rate_2y": real,
            "real_rate_differential": real - foreign_level,
            "tips_real_5y": data["tips_5y"],
            "dxy": data["dollar"],
            f"us_real_rate_change_{window}d": d_real,
            f"differential_change_{window}d": d_diff,
            f"dxy_return_{window}d": log_return(data["dollar"], window),
            "real_rate_dollar_pressure.z_real": z_real,
            "real_rate_dollar_pressure.z_differential": z_diff,
        },
        index=data.index,
    )
    notes = [
        "no free foreign inflation expectations: the differential uses foreign nominal 3-month "
        "rates (its change approximates the change of the real differential)"
    ]
    missing = [n for n in _FOREIGN if n not in data.used]
    if len(missing) == len(_FOREIGN):
        notes.append("no foreign short rates: intensity from the US real rate alone")
    elif missing:
        names = ", ".join(m.removeprefix("foreign_") for m in missing)
        notes.append(f"foreign short rates missing for: {names}")
    if "dollar" not in data.used:
        notes.append("no dollar index: DXY evidence is empty")
    return SignalOutput(intensity=intensity, evidence=evidence, notes=tuple(notes))
