"""What a foreign investor in the S&P 500 would have earned hedging by the storm level.

For an investor whose currency is EUR, JPY, GBP or CHF and who holds the
S&P 500, with :math:`r^P_t` the index's daily return, :math:`r^X_t` the
return of units of the investor's currency per USD, and :math:`c_t` the
carry of a one-day forward sale of dollars (covered interest parity, the
short-rate differential known at the previous close):

.. math::

    r^{u}_t = (1 + r^P_t)(1 + r^X_t) - 1, \\qquad
    r^{h}_t = r^{u}_t + h_{t-1}\\,(c_t - r^X_t) - \\kappa\\,|h_{t-1} - h_{t-2}|,
    \\qquad c_t = \\frac{i^f_{t-1} - i^\\$_{t-1}}{100}\\,\\frac{d_t - d_{t-1}}{365}

Strategies (columns):

``unhedged``
    :math:`h = 0`, how most foreign holders hold US equities (MISSION.md);
``hedged``
    :math:`h = 1` every day;
``level_hedge``
    the hedge ratio set each close by the storm level of that close
    (default 0, 0.5, 1, 1, 1 for levels 0-4), earning from the next day;
``overlay``
    unhedged, plus — while the level is at or above ``overlay_level`` — a
    short position in the dollar index and a long one-month variance swap on
    the S&P 500 (the report's "short the dollar, long volatility").

**Point in time.** Positions are decided at a close from the level of that
close (itself a point-in-time replay) and earn from the next business day;
a position never uses a later day's data. Returns are what the markets
did: the index, the exchange rates and the short rates as dated by their
period (the Fed's H.10 noon rates are published a week late, but the rate
of a day is that day's rate). The carry uses the month's average 3-month
rate for monthly series — an approximation of the forward points a hedger
paid, not a forecast. The S&P 500 is the price index (no dividends): every
strategy's return is understated by the same dividend yield.

**Proxies** (said in the output): a missing foreign or US 3-month rate is
replaced by the declared proxy (3-month EURIBOR for the euro, SONIA for
sterling, the 3-month Treasury bill for the dollar); where no rate and no
proxy exists (yen before 2002-04, franc before 1999-07 in the development
data) the backtest starts when one does, rather than assume a differential.
The variance swap is marked with the VIX (its square is the 30-day variance
swap rate, up to a convexity term) and realised variance; the short-dollar
leg earns the dollar index's spot return, its carry is ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from stormwatch._typing import SeriesId
from stormwatch.catalog import Catalog
from stormwatch.evaluation.metrics import BUSINESS_DAYS_PER_YEAR

__all__ = [
    "BACKTEST_BASES",
    "FX_SOURCES",
    "RATE_SOURCES",
    "STRATEGIES",
    "BacktestConfig",
    "BacktestResult",
    "MarketData",
    "market_data",
    "performance",
    "positions",
    "realized_frame",
    "run_backtest",
    "variance_swap_pnl",
]

BACKTEST_BASES: tuple[str, ...] = ("EUR", "JPY", "GBP", "CHF")
STRATEGIES: tuple[str, ...] = ("unhedged", "hedged", "level_hedge", "overlay")

SPX: SeriesId = "yahoo:^GSPC"
DXY: SeriesId = "yahoo:DX-Y.NYB"
VIX: SeriesId = "fred:VIXCLS"

FX_SOURCES: Mapping[str, tuple[SeriesId, ...]] = MappingProxyType(
    {
        "EUR": ("fred:DEXUSEU", "ecb:EXR/D.USD.EUR.SP00.A", "yahoo:EURUSD=X"),
        "JPY": ("fred:DEXJPUS", "yahoo:JPY=X"),
        "GBP": ("fred:DEXUSUK", "yahoo:GBPUSD=X"),
        "CHF": ("fred:DEXSZUS",),
    }
)
"""Per base currency, the sources of its rate against the dollar, in order (returns are taken within
one source, so switching source never creates a jump)."""

RATE_SOURCES: Mapping[str, tuple[SeriesId, ...]] = MappingProxyType(
    {
        "EUR": ("fred:IR3TIB01EZM156N", "local:EURIBOR3M"),
        "JPY": ("fred:IR3TIB01JPM156N",),
        "GBP": ("fred:IR3TIB01GBM156N", "fred:IUDSOIA"),
        "CHF": ("fred:IR3TIB01CHM156N",),
        "USD": ("fred:IR3TIB01USM156N", "fred:DGS3MO", "fred:TB3MS"),
    }
)
"""3-month rates (percent a year): the OECD interbank rate, then the declared proxies."""

#: Calendar days a realized value is carried forward past its period's end.
_CARRY_DAYS = {"daily": 7, "weekly": 7, "monthly": 35, "quarterly": 100, "annual": 370}


@dataclass(frozen=True)
class BacktestConfig:
    """Backtest settings, each with its default and reason.

    Attributes
    ----------
    start, end
        Span (default: every day all inputs are known).
    cost_bp
        Cost of trading one unit of FX notional, in basis points (2: a
        forward's bid-offer in the majors).
    hedge_by_level
        Hedge ratio for storm levels 0..4 (0, 0.5, 1, 1, 1: unhedged while calm,
        half at Watch, fully hedged from Warning).
    overlay_level
        The overlay is on from this level up (2: Warning, when the hedge has broken).
    overlay_usd_short
        Short dollar-index notional while on, as a fraction of the holding (0.5).
    overlay_vega
        Variance-swap vega while on: portfolio fraction gained per VIX point
        (0.0025: a 20-point VIX spike pays about 5%).
    vol_cost_points
        Cost of opening, closing or rolling the variance swap, in vol points (0.5).
    roll_days
        Variance-swap tenor in business days (21: the VIX's 30 calendar days).
    """

    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    cost_bp: float = 2.0
    hedge_by_level: tuple[float, float, float, float, float] = (0.0, 0.5, 1.0, 1.0, 1.0)
    overlay_level: int = 2
    overlay_usd_short: float = 0.5
    overlay_vega: float = 0.0025
    vol_cost_points: float = 0.5
    roll_days: int = 21

    def __post_init__(self) -> None:
        if self.cost_bp < 0:
            raise ValueError("cost_bp must be >= 0 (basis points per unit of notional traded)")
        if len(self.hedge_by_level) != 5 or not all(0.0 <= h <= 1.0 for h in self.hedge_by_level):
            raise ValueError("hedge_by_level needs five ratios in [0, 1], one per level 0-4")
        if not 1 <= self.overlay_level <= 4:
            raise ValueError("overlay_level must be 1-4")
        if self.roll_days < 2:
            raise ValueError("roll_days must be >= 2 (21 matches the VIX's 30 calendar days)")


@dataclass(frozen=True)
class MarketData:
    """Realized market data for one base currency on business days.

    Columns: ``spx_ret``, ``fx_ret`` (base per USD), ``dxy_ret``, ``rate_base``,
    ``rate_usd`` (percent a year), ``vix``, ``spx_logret``.
    """

    base: str
    frame: pd.DataFrame
    proxies: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BacktestResult:
    """One base currency's backtest.

    Attributes
    ----------
    returns
        Daily returns per strategy, in the base currency.
    positions
        The positions held each day (decided the previous close): ``hedge_ratio``
        of ``level_hedge``, ``overlay_on``, and the ``level`` they were decided from.
    stats
        Per strategy: ``cagr``, ``volatility``, ``sharpe``, ``max_drawdown``,
        ``calmar``, ``worst_month``, ``turnover``.
    """

    base: str
    config: BacktestConfig
    returns: pd.DataFrame
    positions: pd.DataFrame
    stats: pd.DataFrame
    proxies: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        idx = self.returns.index
        return pd.Timestamp(idx[0]), pd.Timestamp(idx[-1])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``stormwatch backtest --format json``)."""
        c = self.config
        return {
            "base": self.base,
            "span": {"start": str(self.span[0].date()), "end": str(self.span[1].date())},
            "config": {
                "cost_bp": c.cost_bp,
                "hedge_by_level": list(c.hedge_by_level),
                "overlay_level": c.overlay_level,
                "overlay_usd_short": c.overlay_usd_short,
                "overlay_vega": c.overlay_vega,
                "vol_cost_points": c.vol_cost_points,
                "roll_days": c.roll_days,
            },
            "strategies": {str(s): {k: _num(v) for k, v in row.items()} for s, row in self.stats.iterrows()},
            "days_hedged": _num(float((self.positions["hedge_ratio"] > 0).mean())),
            "days_overlay_on": _num(float(self.positions["overlay_on"].mean())),
            "proxies": list(self.proxies),
            "notes": list(self.notes),
        }


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or math.isinf(v) else round(v, 6)


def realized_frame(
    observations: pd.DataFrame, catalog: Catalog, ids: Sequence[SeriesId], index: pd.DatetimeIndex
) -> pd.DataFrame:
    """Series as dated by their period (what the market did), on business days.

    Parameters
    ----------
    observations
        Long frame ``series_id``, ``period``, ``published_at``, ``value``; for
        a period with several vintages the latest is used.
    catalog
        For transforms (FX as foreign currency per USD), frequency and period ends.
    ids
        Columns wanted.
    index
        The business days.

    Returns
    -------
    pandas.DataFrame
        Each day holds the value of the latest period that started on or
        before it, carried at most a week past a daily period (a month past a
        monthly one); NaN otherwise, and for ids with no data.
    """
    days = index.to_numpy(dtype="datetime64[ns]")
    out: dict[SeriesId, np.ndarray] = {}
    grouped = {sid: g for sid, g in observations.groupby("series_id", sort=False)}
    for sid in ids:
        col = np.full(len(index), np.nan)
        rows = grouped.get(sid)
        if rows is not None and not rows.empty and sid in catalog:
            spec = catalog.resolve(sid)
            latest = rows.sort_values(["period", "published_at"], kind="stable").drop_duplicates(
                "period", keep="last"
            )
            latest = latest.dropna(subset=["value"])
            period = latest["period"].to_numpy(dtype="datetime64[ns]")
            ends = pd.Series(spec.period_end(pd.Series(latest["period"]))).to_numpy(dtype="datetime64[ns]")
            value = latest["value"].to_numpy(dtype="float64")
            if spec.transform == "invert":
                with np.errstate(divide="ignore"):
                    value = np.where(value != 0, 1.0 / value, np.nan)
            pos = np.searchsorted(period, days, side="right") - 1
            has = pos >= 0
            limit = np.timedelta64(_CARRY_DAYS[spec.frequency], "D")
            ok = has.copy()
            ok[has] = (days[has] - ends[pos[has]]) <= limit
            col[ok] = value[pos[ok]]
        out[sid] = col
    return pd.DataFrame(out, index=index, columns=list(ids))


def _coalesce_levels(
    frame: pd.DataFrame, candidates: Sequence[SeriesId], what: str
) -> tuple[pd.Series, list[str]]:
    """First candidate with a value each day; lines naming every day range a proxy filled."""
    out = pd.Series(np.nan, index=frame.index, dtype="float64")
    source = pd.Series("", index=frame.index, dtype=object)
    for sid in candidates:
        if sid not in frame.columns:
            continue
        fill = out.isna() & frame[sid].notna()
        out = out.where(~fill, frame[sid])
        source = source.where(~fill, sid)
    return out, _proxy_lines(source, candidates, what)


def _coalesce_returns(
    frame: pd.DataFrame, candidates: Sequence[SeriesId], what: str
) -> tuple[pd.Series, list[str]]:
    """Daily simple returns from the first candidate with a return that day (within one source)."""
    out = pd.Series(np.nan, index=frame.index, dtype="float64")
    source = pd.Series("", index=frame.index, dtype=object)
    for sid in candidates:
        if sid not in frame.columns:
            continue
        r = frame[sid] / frame[sid].shift(1) - 1.0
        fill = out.isna() & r.notna()
        out = out.where(~fill, r)
        source = source.where(~fill, sid)
    return out, _proxy_lines(source, candidates, what)


def _proxy_lines(source: pd.Series, candidates: Sequence[SeriesId], what: str) -> list[str]:
    lines = []
    for sid in candidates[1:]:
        used = source == sid
        if used.any():
            days = source.index[used.to_numpy()]
            lines.append(
                f"{what}: {sid} instead of {candidates[0]} on {int(used.sum())} days "
                f"({days[0].date()} .. {days[-1].date()})"
            )
    return lines


def market_data(
    observations: pd.DataFrame, catalog: Catalog, base: str, index: pd.DatetimeIndex
) -> MarketData:
    """The realized inputs of one base currency's backtest (see :func:`realized_frame`).

    Parameters
    ----------
    observations
        Long observation frame (e.g. ``Store.load(ids)`` or the development files).
    catalog
        The series catalog.
    base
        ``EUR``, ``JPY``, ``GBP`` or ``CHF``.
    index
        Business days.
    """
    code = base.upper()
    if code not in BACKTEST_BASES:
        raise ValueError(f"unknown base currency {base!r}; choose one of {', '.join(BACKTEST_BASES)}")
    ids = [SPX, DXY, VIX, *FX_SOURCES[code], *RATE_SOURCES[code], *RATE_SOURCES["USD"]]
    real = realized_frame(observations, catalog, list(dict.fromkeys(ids)), index)
    spx = real[SPX]
    fx_ret, fx_lines = _coalesce_returns(real, FX_SOURCES[code], f"{code} per USD")
    rate_b, rb_lines = _coalesce_levels(real, RATE_SOURCES[code], f"{code} 3-month rate")
    rate_u, ru_lines = _coalesce_levels(real, RATE_SOURCES["USD"], "USD 3-month rate")
    frame = pd.DataFrame(
        {
            "spx_ret": spx / spx.shift(1) - 1.0,
            "spx_logret": np.log(spx / spx.shift(1)),
            "fx_ret": fx_ret,
            "dxy_ret": real[DXY] / real[DXY].shift(1) - 1.0,
            "rate_base": rate_b,
            "rate_usd": rate_u,
            "vix": real[VIX],
        },
        index=index,
    )
    notes = []
    inputs = {
        "S&P 500": spx,
        f"{code} per USD": fx_ret,
        f"{code} 3-month rate": rate_b,
        "USD 3-month rate": rate_u,
        "dollar index": real[DXY],
        "VIX": real[VIX],
    }
    for name, s in inputs.items():
        known = s.dropna()
        if known.empty:
            notes.append(f"{name}: no data; the backtest cannot run")
        elif known.index[0] > index[0] + pd.Timedelta(days=10):
            notes.append(f"{name}: no value (and no proxy) before {known.index[0].date()}")
    return MarketData(
        base=code, frame=frame, proxies=tuple(fx_lines + rb_lines + ru_lines), notes=tuple(notes)
    )


def positions(level: pd.Series, config: BacktestConfig | None = None) -> pd.DataFrame:
    """Positions decided at each close from that close's storm level.

    Parameters
    ----------
    level
        The point-in-time storm level per business day (NaN = unknown: no hedge,
        no overlay).
    config
        Hedge ratios and overlay threshold.

    Returns
    -------
    pandas.DataFrame
        ``level``, ``hedge_ratio`` (of ``level_hedge``) and ``overlay_on`` (0/1),
        dated by the close they were decided at (they earn from the next day).
        Row ``t`` depends on the level of day ``t`` only.
    """
    cfg = config or BacktestConfig()
    lv = level.astype("float64")
    known = lv.notna()
    lvl = lv.fillna(0.0).clip(0, 4).astype(int).to_numpy()
    hedge = np.where(known.to_numpy(), np.asarray(cfg.hedge_by_level)[lvl], 0.0)
    on = np.where(known.to_numpy(), (lvl >= cfg.overlay_level).astype("float64"), 0.0)
    return pd.DataFrame({"level": lv, "hedge_ratio": hedge, "overlay_on": on}, index=level.index)


def variance_swap_pnl(spx_logret: pd.Series, vix: pd.Series, roll_days: int = 21) -> pd.DataFrame:
    """Daily P&L of a rolled one-month variance swap per unit of vega (in VIX points).

    A contract struck at :math:`K = \\text{VIX}_{t_0}` on a roll day runs ``roll_days``
    business days :math:`T`; after :math:`m` days it is worth

    .. math::

        V_m = \\frac{1}{2K}\\Big[\\frac{252}{T}\\sum_{i=1}^{m} (100\\,r_i)^2
              + \\frac{T - m}{T}\\,\\text{VIX}_{t_0+m}^2 - K^2\\Big]

    (realised variance so far plus the market's price of the rest), and the
    day's P&L is :math:`V_m - V_{m-1}`. At maturity it settles and a new
    contract is struck. Roll days are counted from the first day the VIX is
    known, so the schedule never depends on later data.

    Returns
    -------
    pandas.DataFrame
        ``pnl`` (NaN before the first VIX; a day with an unknown VIX marks the
        remainder at the strike) and ``roll`` (True on the days a contract is struck).
    """
    r = spx_logret.to_numpy(dtype="float64")
    v = vix.to_numpy(dtype="float64")
    out = np.full(r.size, np.nan)
    roll = np.zeros(r.size, dtype=bool)
    first = np.flatnonzero(np.isfinite(v))
    if first.size:
        t0 = int(first[0])
        strike = float(v[t0])
        acc = prev = 0.0
        m = 0
        out[t0] = 0.0
        roll[t0] = True
        for t in range(t0 + 1, r.size):
            m += 1
            if np.isfinite(r[t]):
                acc += (100.0 * r[t]) ** 2
            vt = float(v[t]) if np.isfinite(v[t]) else strike
            value = (252.0 / roll_days * acc + (roll_days - m) / roll_days * vt * vt - strike * strike) / (
                2.0 * strike
            )
            out[t] = value - prev
            prev = value
            if m == roll_days:
                strike, acc, prev, m = vt, 0.0, 0.0, 0
                roll[t] = True
    return pd.DataFrame({"pnl": out, "roll": roll}, index=spx_logret.index)


def performance(returns: pd.Series, rf_daily: pd.Series | None = None) -> dict[str, float]:
    """CAGR, volatility, Sharpe, maximum drawdown, Calmar and worst calendar month of daily returns.

    A year is :data:`~stormwatch.evaluation.metrics.BUSINESS_DAYS_PER_YEAR` business
    days; Sharpe is the annualised mean excess return over ``rf_daily`` (the base
    currency's 3-month rate, accrued daily) divided by the annualised volatility.
    """
    r = returns.dropna().astype("float64")
    n = len(r)
    if n < 2:
        return dict.fromkeys(
            ("cagr", "volatility", "sharpe", "max_drawdown", "calmar", "worst_month"), np.nan
        )
    wealth = (1.0 + r).cumprod()
    years = n / BUSINESS_DAYS_PER_YEAR
    cagr = float(wealth.iloc[-1] ** (1.0 / years) - 1.0)
    vol = float(r.std(ddof=1) * math.sqrt(BUSINESS_DAYS_PER_YEAR))
    excess = r - (rf_daily.reindex(r.index).fillna(0.0) if rf_daily is not None else 0.0)
    sharpe = float(excess.mean() * BUSINESS_DAYS_PER_YEAR / vol) if vol > 0 else float("nan")
    peak = np.maximum.accumulate(np.r_[1.0, wealth.to_numpy()])[1:]
    mdd = float((wealth.to_numpy() / peak - 1.0).min())
    days = pd.DatetimeIndex(r.index)
    monthly = (1.0 + r).groupby([days.year, days.month]).prod() - 1.0
    return {
        "cagr": cagr,
        "volatility": vol,
        "sharpe": sharpe,
        "max_drawdown": mdd,
        "calmar": cagr / abs(mdd) if mdd < 0 else float("nan"),
        "worst_month": float(monthly.min()),
    }


def run_backtest(
    market: MarketData, level: pd.Series, config: BacktestConfig | None = None
) -> BacktestResult:
    """Backtest the four strategies for one base currency.

    Parameters
    ----------
    market
        Realized inputs (:func:`market_data`) on the business days.
    level
        The point-in-time storm level on the same days (from a replay).
    config
        Costs, hedge ratios and overlay settings.

    Returns
    -------
    BacktestResult
        Over the days where the S&P 500, the exchange rate, both short rates,
        the dollar index, the VIX and the level are known (within the span).
    """
    cfg = config or BacktestConfig()
    f = market.frame
    pos = positions(level.reindex(f.index), cfg)
    held = pos.shift(1)  # decided at the previous close
    cal_days = pd.Series(f.index.to_series().diff().dt.days.to_numpy(dtype="float64"), index=f.index)
    carry = (f["rate_base"] - f["rate_usd"]).shift(1) / 100.0 * cal_days / 365.0
    rf = f["rate_base"].shift(1) / 100.0 * cal_days / 365.0
    vswap = variance_swap_pnl(f["spx_logret"], f["vix"], cfg.roll_days)
    vs, rolls = vswap["pnl"], vswap["roll"]
    needed = (
        pd.concat(
            [
                f[["spx_ret", "fx_ret", "dxy_ret", "vix"]],
                carry.rename("carry"),
                vs.rename("vs"),
                held["level"],
            ],
            axis=1,
        )
        .notna()
        .all(axis=1)
    )
    if cfg.start is not None:
        needed &= f.index >= cfg.start
    if cfg.end is not None:
        needed &= f.index <= cfg.end
    days = f.index[needed.to_numpy()]
    if len(days) < 2:
        raise ValueError(
            f"{market.base}: fewer than two days with every input known; " + "; ".join(market.notes)
        )
    # One contiguous span: from the first to the last day with every input (gaps inside carry no P&L).
    span = (f.index >= days[0]) & (f.index <= days[-1])
    f, held, carry, rf, vs, rolls = (
        f.loc[span],
        held.loc[span],
        carry.loc[span].fillna(0.0),
        rf.loc[span],
        vs.loc[span].fillna(0.0),
        rolls.loc[span],
    )
    rp = f["spx_ret"].fillna(0.0)
    rx = f["fx_ret"].fillna(0.0)
    unhedged = (1.0 + rp) * (1.0 + rx) - 1.0
    kappa = cfg.cost_bp / 1e4
    h = held["hedge_ratio"].fillna(0.0)
    dh = h.diff().abs().fillna(h.abs())
    on = held["overlay_on"].fillna(0.0)
    don = on.diff().abs().fillna(on)
    # Re-striking a held contract costs like opening one (opening and closing are in `don`).
    roll = rolls & (on > 0) & (don == 0)
    vol_cost = cfg.overlay_vega * cfg.vol_cost_points * (don + roll.astype("float64"))
    overlay = (
        unhedged
        + on * (-cfg.overlay_usd_short * f["dxy_ret"].fillna(0.0) + cfg.overlay_vega * vs)
        - kappa * cfg.overlay_usd_short * don
        - vol_cost
    )
    # The hedge is put on at the first close of the span: one unit of turnover for the always-hedged line.
    hedged_cost = pd.Series(0.0, index=f.index)
    hedged_cost.iloc[0] = kappa
    returns = pd.DataFrame(
        {
            "unhedged": unhedged,
            "hedged": unhedged + (carry - rx) - hedged_cost,
            "level_hedge": unhedged + h * (carry - rx) - kappa * dh,
            "overlay": overlay,
        },
        index=f.index,
    )
    years = len(f) / BUSINESS_DAYS_PER_YEAR
    turnover = {
        "unhedged": 0.0,
        "hedged": 1.0 / years,
        "level_hedge": float(dh.sum()) / years,
        "overlay": float(cfg.overlay_usd_short * don.sum()) / years,
    }
    stats = pd.DataFrame.from_dict(
        {s: {**performance(returns[s], rf), "turnover": turnover[s]} for s in STRATEGIES}, orient="index"
    )
    notes = list(market.notes)
    notes.append(
        f"the backtest runs from {f.index[0].date()}, the first day every input (and the level) is known"
    )
    notes.append(
        f"{market.base} per USD: {FX_SOURCES[market.base][0]} (Fed H.10 noon rate) dated by its own day, "
        "the later sources where it is missing"
    )
    notes.append(
        "carry: each monthly 3-month rate (OECD interbank average) applies to the days of its month; "
        "the daily forward points a hedger paid moved within the month"
    )
    notes.append("S&P 500 price index (no dividends): every strategy's return omits the same dividend yield")
    notes.append(
        "overlay: short-dollar leg earns the dollar index's spot return (its carry is ignored); "
        "the long-volatility leg is a rolled one-month S&P 500 variance swap marked with the VIX"
    )
    return BacktestResult(
        base=market.base,
        config=cfg,
        returns=returns,
        positions=held[["level", "hedge_ratio", "overlay_on"]].fillna(0.0),
        stats=stats,
        proxies=market.proxies,
        notes=tuple(notes),
    )
