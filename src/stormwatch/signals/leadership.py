"""Checklist item 4: the equity sell-off is led by high-beta, thematic and low-quality stocks.

The thesis reads factor, industry and theme performance as the read-out of how
capital flows through the system: when foreign money that crowded into the
high-beta, AI/semiconductor and lower-quality end of the US market leaves,
that end falls first and hardest. This module turns that into one signal,
``high_beta_leads_selloff``.

Each *component* is the relative performance of a risky leg against a safer
leg over ``horizon`` business days, scaled by the pair's own trailing
volatility and signed so that *the risky side underperforming* is positive:

=========== ========================================= ============================================
component   pairs, in order of preference              positive when
=========== ========================================= ============================================
beta        SPHB vs SPLV; XLY vs XLP                   high beta / cyclicals lag low vol / staples
quality     QUAL vs SPY; (FF RMW, lagged, opt-in)      quality beats the market
size        IWM vs SPY; ^RUT vs ^GSPC; (FF SMB, lagged) small caps lag large caps
theme       SMH vs SPY; SOXX vs SPY; ^NDX vs ^GSPC     semis / Nasdaq-100 lag the index
momentum    MTUM vs SPY; (FF Mom, lagged, opt-in)      past winners lag the market
=========== ========================================= ============================================

On each day a component uses the first pair with a score; the leadership
score is the mean of the components available that day (their number is in
the evidence), and the signal is that score weighted by how deep the S&P 500
is in a sell-off, so that it reads "leading the selling", not "rotation".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stormwatch.signals.base import Input, Param, SignalData, SignalOutput, signal
from stormwatch.signals.transforms import log_return, trailing_drawdown

__all__ = [
    "COMPONENTS",
    "Leg",
    "leadership_components",
    "relative_return_z",
    "selloff_weight",
]


@dataclass(frozen=True)
class Leg:
    """One way to measure a component: a risky leg against a safe leg.

    Attributes
    ----------
    risky, safe
        Input names (keys of the signal's ``inputs``). ``safe`` is ``None``
        for a long-short factor return series (Fama-French), whose daily
        value is already the spread, in percent.
    sign
        ``+1`` if the *risky* leg is the first (the component is positive
        when it underperforms); ``-1`` if the first leg is the *safe* one
        (e.g. quality), so that its outperformance is positive.
    lagged
        True for Kenneth French factors: published monthly, about two months
        late on the panel; used only when ``lagged_factors`` is on.
    """

    risky: str
    safe: str | None
    sign: float = 1.0
    lagged: bool = False


#: Components and their pairs, in order of preference (first available wins, per day).
COMPONENTS: Mapping[str, tuple[Leg, ...]] = {
    "beta": (Leg("sphb", "splv"), Leg("xly", "xlp")),
    "quality": (Leg("qual", "spy", sign=-1.0), Leg("rmw", None, sign=-1.0, lagged=True)),
    "size": (Leg("iwm", "spy"), Leg("rut", "spx"), Leg("smb", None, lagged=True)),
    "theme": (Leg("smh", "spy"), Leg("soxx", "spy"), Leg("ndx", "spx")),
    "momentum": (Leg("mtum", "spy"), Leg("mom", None, lagged=True)),
}


def relative_return_z(daily: pd.Series, *, horizon: int, scale_window: int, min_obs: int) -> pd.Series:
    r"""A ``horizon``-day cumulative daily return, in units of its own trailing volatility.

    Parameters
    ----------
    daily
        Daily (log) returns of a spread or of one asset.
    horizon
        Days cumulated.
    scale_window, min_obs
        Trailing window (rows) and minimum valid rows for the daily standard
        deviation.

    Returns
    -------
    pandas.Series
        .. math::

            z_t = \frac{\sum_{s=t-h+1}^{t} r_s}{\hat\sigma_t \sqrt{h}}

        with :math:`\hat\sigma_t` the sample standard deviation of
        :math:`r_{t-W+1..t}`. The neutral level is zero (no relative move);
        NaN where the ``horizon`` window has a gap or the scale is not yet
        known. Causal.
    """
    cum = daily.rolling(horizon, min_periods=horizon).sum()
    scale = daily.rolling(scale_window, min_periods=min_obs).std()
    scale = scale.where(scale > 0)
    return cum / (scale * float(np.sqrt(horizon)))


def _leg_daily(data: Mapping[str, pd.Series], leg: Leg) -> pd.Series:
    risky = data[leg.risky]
    if leg.safe is None:
        # Fama-French factor: percent per day, long-short already.
        return risky / 100.0
    return log_return(risky, 1) - log_return(data[leg.safe], 1)


def leadership_components(
    data: Mapping[str, pd.Series],
    *,
    horizon: int,
    scale_window: int,
    min_obs: int,
    lagged_factors: bool,
    components: Mapping[str, Sequence[Leg]] = COMPONENTS,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Score every component with its first available pair, day by day.

    Returns
    -------
    z : DataFrame
        One column per component: the chosen pair's signed, volatility-scaled
        relative return (positive = risky side underperforming).
    rel : DataFrame
        The chosen pair's ``horizon``-day relative log return, signed like
        ``z`` (for charts).
    leg : DataFrame
        Index of the pair used (0 = the first, preferred pair; NaN = none).
    """
    index = next(iter(data.values())).index
    z_cols: dict[str, pd.Series] = {}
    rel_cols: dict[str, pd.Series] = {}
    leg_cols: dict[str, pd.Series] = {}
    for name, legs in components.items():
        z = pd.Series(np.nan, index=index)
        rel = pd.Series(np.nan, index=index)
        used = pd.Series(np.nan, index=index)
        for i, leg in enumerate(legs):
            if leg.lagged and not lagged_factors:
                continue
            if leg.risky not in data or (leg.safe is not None and leg.safe not in data):
                continue
            # The sign convention of the table: +1 -> risky leg first, underperformance positive.
            daily = -leg.sign * _leg_daily(data, leg)
            zi = relative_return_z(daily, horizon=horizon, scale_window=scale_window, min_obs=min_obs)
            take = z.isna() & zi.notna()
            z = z.mask(take, zi)
            rel = rel.mask(take, daily.rolling(horizon, min_periods=horizon).sum())
            used = used.mask(take, float(i))
        z_cols[name], rel_cols[name], leg_cols[name] = z, rel, used
    return pd.DataFrame(z_cols), pd.DataFrame(rel_cols), pd.DataFrame(leg_cols)


def selloff_weight(index_level: pd.Series, *, peak_window: int, full_at: float) -> pd.Series:
    r"""How deep the equity market is in a sell-off, from 0 (at a high) to 1.

    .. math::

        w_t = \min\left(1, \max\left(0, \frac{-DD_t}{d^*}\right)\right), \qquad
        DD_t = \frac{P_t}{\max_{s \in (t-W, t]} P_s} - 1

    with :math:`d^*` = ``full_at`` (e.g. 0.05 for a 5% pullback).
    """
    dd = trailing_drawdown(index_level, peak_window)
    return (-dd / full_at).clip(lower=0.0, upper=1.0)


@signal(
    id="high_beta_leads_selloff",
    family="leadership",
    title="High-beta, thematic and low-quality stocks lead the equity sell-off",
    kind="checklist",
    checklist_item=4,
    inputs={
        "spx": Input("yahoo:^GSPC", proxies=("yahoo:SPY",)),
        "spy": Input("yahoo:SPY", proxies=("yahoo:^GSPC",), optional=True),
        "sphb": Input("yahoo:SPHB", optional=True),
        "splv": Input("yahoo:SPLV", proxies=("yahoo:USMV",), optional=True),
        "xly": Input("yahoo:XLY", optional=True),
        "xlp": Input("yahoo:XLP", optional=True),
        "qual": Input("yahoo:QUAL", optional=True),
        "rmw": Input("french:F-F_Research_Data_5_Factors_2x3_daily:RMW", optional=True),
        "iwm": Input("yahoo:IWM", optional=True),
        "rut": Input("yahoo:^RUT", optional=True),
        "smb": Input(
            "french:F-F_Research_Data_Factors_daily:SMB",
            proxies=("french:F-F_Research_Data_5_Factors_2x3_daily:SMB",),
            optional=True,
        ),
        "smh": Input("yahoo:SMH", optional=True),
        "soxx": Input("yahoo:SOXX", optional=True),
        "ndx": Input("yahoo:^NDX", proxies=("yahoo:QQQ",), optional=True),
        "mtum": Input("yahoo:MTUM", optional=True),
        "mom": Input("french:F-F_Momentum_Factor_daily:Mom", optional=True),
    },
    params={
        "horizon": Param(20, "one trading month: who led the selling over a sell-off's typical first leg"),
        "scale_window": Param(
            756,
            "three years of daily relative returns set each pair's typical volatility: long enough to "
            "span a calm and a stressed spell, short enough to follow a changed pair (e.g. a sector's "
            "make-up)",
        ),
        "min_obs": Param(252, "a pair is scored only after a year of data: a volatility needs a cycle"),
        "min_components": Param(
            2,
            "one spread alone can be a single industry's story; two independent dimensions (beta, "
            "theme, quality, size, momentum) agreeing is leadership",
        ),
        "peak_window": Param(63, "a sell-off is measured from the last three months' high (one quarter)"),
        "selloff_full_at": Param(
            0.05,
            "a 5% fall from the recent high is the conventional pullback: at that depth the market is "
            "selling off and the leadership reading counts fully; smaller dips count pro rata",
        ),
        "lagged_factors": Param(
            False,
            "Kenneth French factors reach the panel about two months late (monthly publication, "
            "catalog release_lag_days=60), so they would describe an earlier sell-off; off by default, "
            "on for research on history before the factor ETFs (QUAL, MTUM from 2013)",
        ),
    },
    rationale="""
        The thesis reads factor and theme performance as the trace of capital flows: when the
        foreign money that crowded into high-beta, AI/semiconductor and lower-quality US stocks
        leaves, that end of the market falls first and hardest. Each component is a
        volatility-scaled relative return (risky leg minus safe leg over a month), signed so that
        the risky side underperforming is positive; their mean is weighted by the depth of the
        S&P 500's fall from its three-month high, so the signal says 'leading the selling', not
        mere rotation in a rising market.
    """,
    watch_at=1.0,
    on_at=2.0,
)
def high_beta_leads_selloff(
    data: SignalData,
    *,
    horizon: int,
    scale_window: int,
    min_obs: int,
    min_components: int,
    peak_window: int,
    selloff_full_at: float,
    lagged_factors: bool,
) -> SignalOutput:
    r"""Leadership of the sell-off by the risky end of the US equity market.

    Parameters
    ----------
    data
        Aligned inputs (see the declaration).
    horizon, scale_window, min_obs, min_components, peak_window, selloff_full_at, lagged_factors
        See the declared parameters.

    Returns
    -------
    SignalOutput
        ``intensity`` = gated leadership score; evidence: each component's
        z-score (``<component>.z``), its signed relative return
        (``<component>.rel``) and pair used (``<component>.leg``), the
        ungated score, the number of components, the S&P 500 drawdown and
        the sell-off weight.

    Notes
    -----
    For component :math:`c` with risky leg :math:`a` and safe leg :math:`b`,

    .. math::

        z^c_t = -\frac{\sum_{s=t-h+1}^{t} (r^a_s - r^b_s)}{\hat\sigma^{ab}_t \sqrt{h}},
        \qquad
        L_t = \frac{1}{|C_t|} \sum_{c \in C_t} z^c_t \quad (|C_t| \ge k_{min}),

    .. math::

        I_t = w_t L_t, \qquad
        w_t = \min\left(1, \max\left(0, \frac{-DD_t}{d^*}\right)\right)

    where :math:`C_t` are the components with a score on day :math:`t`
    and :math:`DD_t` the S&P 500's fall from its ``peak_window`` high.

    References
    ----------
    Frazzini, A. and Pedersen, L. H. (2014), "Betting against beta",
    *Journal of Financial Economics* 111(1).
    Asness, C., Frazzini, A. and Pedersen, L. H. (2019), "Quality minus junk",
    *Review of Accounting Studies* 24.
    """
    series = {name: data[name] for name in data.series}
    z, rel, leg = leadership_components(
        series,
        horizon=horizon,
        scale_window=scale_window,
        min_obs=min_obs,
        lagged_factors=lagged_factors,
    )
    n = z.notna().sum(axis=1).astype("float64")
    score = z.mean(axis=1).where(n >= min_components)
    dd = trailing_drawdown(data["spx"], peak_window)
    weight = selloff_weight(data["spx"], peak_window=peak_window, full_at=selloff_full_at)
    intensity = score * weight
    evidence = pd.concat(
        [
            z.add_suffix(".z"),
            rel.add_suffix(".rel"),
            leg.add_suffix(".leg"),
            pd.DataFrame(
                {
                    "leadership_score": score,
                    "n_components": n,
                    "spx_drawdown": dd,
                    "selloff_weight": weight,
                }
            ),
        ],
        axis=1,
    )
    notes = ("Fama-French factors used (published about two months late)",) if lagged_factors else ()
    return SignalOutput(intensity=intensity, evidence=evidence, notes=notes)
