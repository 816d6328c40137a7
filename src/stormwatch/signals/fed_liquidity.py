"""Checklist item 6 (the final signal): the Fed eases, and the dollar and equities fall further.

In the usual crisis the "Fed put" works: the Fed cuts or injects liquidity and
risk assets steady, while the dollar (the world's funding currency) rises. The
thesis' endgame is the opposite: with the US the *destination* of the carry,
easing pushes the dollar lower still and the foreign selling of US assets
intensifies. This module declares

* ``fed_put_fails`` (checklist item 6): easing, a falling dollar and falling
  equities, all at once;
* ``fed_net_liquidity`` (read-out): the Fed's net liquidity (total assets less
  the Treasury General Account and the overnight reverse repo) and its
  13-week change, for the report's liquidity chart;

and the public read-out :func:`policy_reaction`, an event table of each easing
step with the dollar's and the S&P 500's moves before and after it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stormwatch.signals.base import Input, Param, SignalData, SignalOutput, signal
from stormwatch.signals.transforms import log_return, seq_zscore

__all__ = [
    "DOLLAR_IDS",
    "SPX_IDS",
    "cut_units",
    "move_z",
    "net_liquidity",
    "policy_reaction",
]

#: Where :func:`policy_reaction` looks for the dollar and the S&P 500, in order.
DOLLAR_IDS: tuple[str, ...] = ("yahoo:DX-Y.NYB", "fred:DTWEXBGS")
SPX_IDS: tuple[str, ...] = ("yahoo:^GSPC", "yahoo:SPY")

#: Units: H.4.1 series (WALCL, WTREGEN) are millions of USD; RRPONTSYD is billions.
_RRP_TO_MILLIONS = 1000.0


def net_liquidity(walcl: pd.Series, tga: pd.Series, rrp: pd.Series) -> tuple[pd.Series, pd.Series]:
    r"""Fed net liquidity in billions of USD, and where the reverse repo was taken as zero.

    .. math::

        NL_t = \frac{\text{WALCL}_t - \text{WTREGEN}_t}{1000} - \text{RRPONTSYD}_t

    WALCL and WTREGEN are in millions of USD, RRPONTSYD in billions. The
    reverse-repo series has observations only on days with operations and
    goes stale (NaN) between them: a missing value there is read as *no
    reverse repo outstanding* (zero), which is what it was before the ON RRP
    facility (2013) and in its idle spells; the second output flags those days.

    Returns
    -------
    level_bn, rrp_assumed_zero
    """
    rrp_zero = rrp.isna() & walcl.notna()
    level = (walcl - tga) / _RRP_TO_MILLIONS - rrp.fillna(0.0)
    return level, rrp_zero.astype("float64")


def cut_units(policy_rate: pd.Series, *, window: int, smooth: int, step_bp: float) -> pd.Series:
    r"""Cumulated policy-rate cuts over ``window`` days, in standard steps (25 bp = 1).

    .. math::

        E^{cut}_t = -\frac{\tilde r_t - \tilde r_{t-w}}{s}, \qquad
        \tilde r_t = \operatorname{median}(r_{t-m+1..t})

    The trailing median (``smooth`` days) removes the effective funds rate's
    settlement-day spikes; :math:`s` = ``step_bp`` / 100.
    """
    level = policy_rate.rolling(smooth, min_periods=smooth // 2 + 1).median()
    return -(level - level.shift(window)) / (step_bp / 100.0)


def move_z(level: pd.Series, *, horizon: int, scale_window: int, min_obs: int) -> pd.Series:
    r"""``horizon``-day log return in units of its trailing daily volatility.

    .. math:: z_t = \frac{\log(P_t / P_{t-h})}{\hat\sigma_t \sqrt{h}}

    with :math:`\hat\sigma_t` the sample standard deviation of the daily log
    returns over the last ``scale_window`` rows (neutral level zero: no move).
    """
    daily = log_return(level, 1)
    scale = daily.rolling(scale_window, min_periods=min_obs).std()
    scale = scale.where(scale > 0)
    return log_return(level, horizon) / (scale * float(np.sqrt(horizon)))


_LIQ_INPUTS = {
    "walcl": Input("fred:WALCL"),
    "tga": Input("fred:WTREGEN"),
    "rrp": Input("fred:RRPONTSYD", optional=True),
}


@signal(
    id="fed_net_liquidity",
    family="fed_liquidity",
    title="Fed net liquidity (total assets less TGA and reverse repo) and its 13-week change",
    kind="readout",
    inputs=_LIQ_INPUTS,
    params={
        "window": Param(63, "13 weeks (one quarter): the horizon over which QE and TGA swings are judged"),
        "z_window": Param(
            1260,
            "five years of quarterly changes set the neutral level and scale: the balance sheet's "
            "regime changed (pre-2008 trend growth, QE, run-off), so an expanding baseline would "
            "measure every later change against the 2008 jump",
        ),
        "min_obs": Param(252, "one year of 13-week changes before a score is given"),
    },
    rationale="""
        Net liquidity, the reserves the Fed's balance sheet puts into the system net of the cash the
        Treasury and money funds park back at the Fed, is the liquidity gauge the thesis' 'Fed
        injects liquidity' refers to. Its 13-week log change, as a rolling z-score, says how
        unusual an injection (positive) or a drain (negative) is.
    """,
    watch_at=1.0,
    on_at=2.0,
    unit="z",
)
def fed_net_liquidity(data: SignalData, *, window: int, z_window: int, min_obs: int) -> SignalOutput:
    r"""Net liquidity read-out.

    Parameters
    ----------
    data
        ``walcl`` (millions USD), ``tga`` (millions USD), ``rrp`` (billions USD).
    window, z_window, min_obs
        See the declared parameters.

    Returns
    -------
    SignalOutput
        ``intensity``: z-score of the 13-week log change (positive = injection).
        Evidence: ``net_liquidity_bn``, ``net_liquidity_chg_bn`` (13-week
        change, billions), ``net_liquidity_chg_log`` and ``rrp_assumed_zero``.

    Notes
    -----
    .. math::

        I_t = z_{W}\left(\log NL_t - \log NL_{t-w}\right)

    with :math:`z_W` a rolling (``z_window``) sequential z-score.
    """
    level, rrp_zero = net_liquidity(data["walcl"], data["tga"], data["rrp"])
    chg_log = log_return(level, window)
    intensity = seq_zscore(chg_log, min_obs=min_obs, window=z_window)
    evidence = pd.DataFrame(
        {
            "net_liquidity_bn": level,
            "net_liquidity_chg_bn": level - level.shift(window),
            "net_liquidity_chg_log": chg_log,
            "rrp_assumed_zero": rrp_zero,
        }
    )
    notes: tuple[str, ...] = ()
    if data.used.get("rrp") is None:
        notes = ("reverse repo (fred:RRPONTSYD) missing: taken as zero",)
    return SignalOutput(intensity=intensity, evidence=evidence, notes=notes)


@signal(
    id="fed_put_fails",
    family="fed_liquidity",
    title="The Fed eases, yet the dollar falls further and equities keep falling",
    kind="checklist",
    checklist_item=6,
    inputs={
        "policy_rate": Input("fred:DFF", proxies=("fred:DGS3MO",)),
        "walcl": Input("fred:WALCL", optional=True),
        "tga": Input("fred:WTREGEN", optional=True),
        "rrp": Input("fred:RRPONTSYD", optional=True),
        "dollar": Input("yahoo:DX-Y.NYB", proxies=("fred:DTWEXBGS",)),
        "spx": Input("yahoo:^GSPC", proxies=("yahoo:SPY",)),
    },
    params={
        "ease_window": Param(63, "one quarter: the Fed's easing is judged over the last three months"),
        "rate_smooth": Param(
            10,
            "a two-week trailing median of the effective funds rate removes settlement-day and "
            "month-end spikes without delaying a cut by more than a week",
        ),
        "step_bp": Param(
            25.0, "the Fed moves in 25 bp steps: one cut in a quarter scores 1 (notable), two score 2"
        ),
        "liq_z_window": Param(1260, "as fed_net_liquidity: five-year rolling baseline of 13-week changes"),
        "liq_min_obs": Param(252, "as fed_net_liquidity: one year of changes before a score"),
        "horizon": Param(
            20,
            "one trading month for the dollar's and equities' moves: a trend the easing failed to stop, "
            "not a day's noise",
        ),
        "scale_window": Param(756, "three years of daily returns set the typical volatility of each move"),
        "min_obs": Param(252, "one year of daily returns before a move is scored"),
    },
    rationale="""
        The thesis' endgame: when the US is the destination of the carry, a Fed rescue (cuts,
        liquidity) pushes the dollar lower and foreign holders sell more US assets: the opposite
        of the usual 'Fed put', in which easing steadies equities while the dollar rises as the
        funding currency. The signal asks for all three at once, as the weakest of three scores:
        easing (cuts in 25 bp steps over a quarter, or an unusual rise in net liquidity), a falling
        dollar and falling equities over the last month (each in units of its own volatility).
    """,
    watch_at=1.0,
    on_at=2.0,
)
def fed_put_fails(
    data: SignalData,
    *,
    ease_window: int,
    rate_smooth: int,
    step_bp: float,
    liq_z_window: int,
    liq_min_obs: int,
    horizon: int,
    scale_window: int,
    min_obs: int,
) -> SignalOutput:
    r"""Easing that fails: the Fed eases while the dollar and equities fall.

    Parameters
    ----------
    data
        ``policy_rate`` (percent), ``walcl``, ``tga``, ``rrp`` (see
        :func:`net_liquidity`), ``dollar`` (index level), ``spx`` (index level).
    ease_window, rate_smooth, step_bp, liq_z_window, liq_min_obs, horizon, scale_window, min_obs
        See the declared parameters.

    Returns
    -------
    SignalOutput
        ``intensity`` = the weakest of the three legs; evidence: ``easing``
        (and its two parts ``easing.cuts`` and ``easing.liquidity``),
        ``dollar_fall.z``, ``equity_fall.z``, ``dollar_ret`` and ``spx_ret``
        (``horizon``-day log returns).

    Notes
    -----
    .. math::

        E_t = \max\left(E^{cut}_t,\ z_W(\Delta_{63} \log NL_t)\right), \quad
        D_t = -\frac{\log(\$_t/\$_{t-h})}{\hat\sigma^{\$}_t\sqrt h}, \quad
        S_t = -\frac{\log(P_t/P_{t-h})}{\hat\sigma^{P}_t\sqrt h}

    .. math:: I_t = \min(E_t, D_t, S_t)

    The minimum is a conjunction: the signal is notable (1) only when
    all three legs are, and strong (2) when all three are strong. The
    net-liquidity leg is NaN before the H.4.1 data (2002); the easing leg
    then rests on cuts alone.
    """
    cuts = cut_units(data["policy_rate"], window=ease_window, smooth=rate_smooth, step_bp=step_bp)
    level, _ = net_liquidity(data["walcl"], data["tga"], data["rrp"])
    liq = seq_zscore(log_return(level, ease_window), min_obs=liq_min_obs, window=liq_z_window)
    easing = pd.Series(np.fmax(cuts.to_numpy(), liq.to_numpy()), index=cuts.index)
    dollar_fall = -move_z(data["dollar"], horizon=horizon, scale_window=scale_window, min_obs=min_obs)
    equity_fall = -move_z(data["spx"], horizon=horizon, scale_window=scale_window, min_obs=min_obs)
    legs = pd.concat([easing, dollar_fall, equity_fall], axis=1)
    intensity = legs.min(axis=1, skipna=False)
    evidence = pd.DataFrame(
        {
            "easing": easing,
            "easing.cuts": cuts,
            "easing.liquidity": liq,
            "dollar_fall.z": dollar_fall,
            "equity_fall.z": equity_fall,
            "dollar_ret": log_return(data["dollar"], horizon),
            "spx_ret": log_return(data["spx"], horizon),
        }
    )
    notes: tuple[str, ...] = ()
    if data.used.get("walcl") is None or data.used.get("tga") is None:
        notes = ("Fed balance sheet (fred:WALCL / fred:WTREGEN) missing: easing read from rate cuts only",)
    return SignalOutput(intensity=intensity, evidence=evidence, notes=notes)


def _first_column(panel: pd.DataFrame, ids: tuple[str, ...]) -> tuple[str, pd.Series] | None:
    for cid in ids:
        if cid in panel.columns and panel[cid].notna().any():
            return cid, panel[cid].astype("float64")
    return None


def policy_reaction(
    panel: pd.DataFrame,
    window: int = 20,
    *,
    cut_bp: float = 20.0,
    rate_smooth: int = 10,
    cut_span: int = 10,
    liq_jump: float = 0.02,
    liq_sigma: float = 3.0,
    min_gap: int = 20,
) -> pd.DataFrame:
    r"""Each easing step, with the dollar's and the S&P 500's moves before and after it.

    A historical read-out (an event study), not a signal: the *after*
    columns use data after the event, by design.

    Parameters
    ----------
    panel
        Business-day panel with ``fred:DFF`` and/or ``fred:WALCL``, a dollar
        index (:data:`DOLLAR_IDS`, first available) and the S&P 500
        (:data:`SPX_IDS`).
    window
        Business days before and after the event over which returns are taken.
    cut_bp
        A rate-cut event: the ``rate_smooth``-day median effective funds rate
        falls by at least this many basis points over ``cut_span`` days (20 bp
        catches a 25 bp cut after the median's rounding, and ignores the
        effective rate's drift inside the target range).
    rate_smooth, cut_span
        Median length and the span of the fall, in business days.
    liq_jump, liq_sigma
        A liquidity event: the Fed's total assets (WALCL) rise by at least
        ``liq_jump`` (log, one week) *and* by ``liq_sigma`` times the trailing
        one-year standard deviation of weekly changes. Total assets, not net
        liquidity, because the Treasury's cash balance swings on tax dates
        without any policy decision.
    min_gap
        Events of one kind closer than this (business days) to the previous
        one are treated as the same step.

    Returns
    -------
    DataFrame
        One row per event, indexed by the event day (when it became visible
        on the panel): ``kind`` (``rate_cut`` / ``liquidity``), ``size``
        (bp for cuts, negative; billions of USD for liquidity), and the log
        returns ``dollar_before``, ``dollar_after``, ``spx_before``,
        ``spx_after``:

        .. math::

            \text{before} = \log\frac{X_t}{X_{t-w}}, \qquad
            \text{after} = \log\frac{X_{t+w}}{X_t}

        (NaN where the panel does not reach that far). ``dollar_id`` names
        the dollar series used.
    """
    if window < 1:
        raise ValueError("window must be >= 1 business day; for one day either side use window=1")
    index = pd.DatetimeIndex(panel.index)
    rows: list[dict[str, object]] = []

    def _starts(cond: pd.Series) -> list[pd.Timestamp]:
        first = cond & ~cond.shift(1, fill_value=False)
        out: list[pd.Timestamp] = []
        last = -min_gap - 1
        for t in first[first].index:
            pos = index.get_loc(t)
            assert isinstance(pos, int)
            if pos - last >= min_gap:
                out.append(pd.Timestamp(t))
                last = pos
        return out

    if "fred:DFF" in panel.columns:
        dff = panel["fred:DFF"].astype("float64")
        level = dff.rolling(rate_smooth, min_periods=rate_smooth // 2 + 1).median()
        fall = level - level.shift(cut_span)
        for t in _starts((fall <= -cut_bp / 100.0).fillna(False).astype(bool)):
            rows.append({"date": t, "kind": "rate_cut", "size": float(fall.loc[t]) * 100.0})
    if "fred:WALCL" in panel.columns:
        walcl = panel["fred:WALCL"].astype("float64")
        wk = log_return(walcl, 5)
        sd = wk.rolling(260, min_periods=130).std()
        jump = (wk >= liq_jump) & (wk >= liq_sigma * sd)
        for t in _starts(jump.fillna(False).astype(bool)):
            size = float(walcl.loc[t] - walcl.shift(5).loc[t]) / _RRP_TO_MILLIONS
            rows.append({"date": t, "kind": "liquidity", "size": size})
    cols = ["kind", "size", "dollar_before", "dollar_after", "spx_before", "spx_after", "dollar_id"]
    if not rows:
        return pd.DataFrame(columns=cols, index=pd.DatetimeIndex([], name="date"))
    events = pd.DataFrame(rows).set_index("date").sort_index()
    for name, ids in (("dollar", DOLLAR_IDS), ("spx", SPX_IDS)):
        found = _first_column(panel, ids)
        if found is None:
            events[f"{name}_before"] = np.nan
            events[f"{name}_after"] = np.nan
            if name == "dollar":
                events["dollar_id"] = None
            continue
        cid, x = found
        logx = np.log(x.where(x > 0))
        before = logx - logx.shift(window)
        after = logx.shift(-window) - logx
        events[f"{name}_before"] = before.reindex(events.index).to_numpy()
        events[f"{name}_after"] = after.reindex(events.index).to_numpy()
        if name == "dollar":
            events["dollar_id"] = cid
    return events[cols]
