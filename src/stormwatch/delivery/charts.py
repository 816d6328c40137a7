"""The charts the thesis is argued with, as data: pure builders from an :class:`Assessment`.

A :class:`Chart` is a renderer-neutral description — panels of lines on a
shared date axis, shaded episodes, marked events, threshold lines — built
only from what the assessment holds: each signal's evidence and intensity,
the panel columns its declared inputs chose, the level frame.
:mod:`stormwatch.delivery.figures` draws a chart with Plotly (report,
dashboard) or matplotlib (PNG for emails); neither adds data.

A chart names the signals it argues for (``signal_ids``); the report renders
their titles, rationale and parameters from the signals' own declarations.
Missing evidence is never silent: the chart's ``notes`` say which signal or
input is missing or which proxy stands in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from stormwatch.compute import Assessment
from stormwatch.delivery.episodes import KIND_TINTS
from stormwatch.evaluation.episodes import Episode
from stormwatch.level import LEVEL_NAMES, STORM_SPEC
from stormwatch.signals import SignalResult

__all__ = [
    "BUILDERS",
    "KEY_CHARTS",
    "LEVEL_COLORS",
    "STATE_COLORS",
    "Band",
    "Chart",
    "ChartOptions",
    "Event",
    "Line",
    "Panel",
    "Threshold",
    "build_charts",
    "correlation",
    "curve",
    "dollar_policy",
    "fed_easing_steps",
    "foreign_investor",
    "fuel",
    "hedge_failure",
    "leadership",
    "level_timeline",
    "metals_vix",
    "net_liquidity",
    "positioning",
    "real_rates_dollar",
    "stagflation",
]

LEVEL_COLORS: tuple[str, ...] = ("#2e7d32", "#f2b400", "#ef6c00", "#c62828", "#6a1b9a")
"""Colour of each storm level, Calm to Endgame."""

STATE_COLORS = {"off": "#2e7d32", "watch": "#f2b400", "on": "#c62828", "unknown": "#9e9e9e"}
"""Colour of each signal state."""

#: The charts rendered as PNG for emails.
KEY_CHARTS: tuple[str, ...] = ("level_timeline", "dollar_policy", "foreign_investor", "hedge_failure")

_PALETTE = ("#1f4e79", "#c0392b", "#2a9d8f", "#e9a23b", "#7b5ea7", "#5d6d7e", "#d35400", "#16a085")


@dataclass(frozen=True)
class Line:
    """One series drawn in a panel."""

    label: str
    values: pd.Series
    axis: Literal["left", "right"] = "left"
    dash: Literal["solid", "dash", "dot"] = "solid"
    step: bool = False
    fill: bool = False
    color: str | None = None
    width: float = 1.6


@dataclass(frozen=True)
class Threshold:
    """A horizontal reference line (e.g. a signal's declared ``watch_at``)."""

    y: float
    label: str
    color: str = "#888888"


@dataclass(frozen=True)
class Panel:
    """One row of a chart: lines on a left (and optional right) axis."""

    lines: tuple[Line, ...]
    y_title: str
    y2_title: str | None = None
    log_y: bool = False
    thresholds: tuple[Threshold, ...] = ()
    weight: float = 1.0
    y_ticks: tuple[tuple[float, str], ...] = ()
    y2_ticks: tuple[tuple[float, str], ...] = ()
    y2_range: tuple[float, float] | None = None


@dataclass(frozen=True)
class Band:
    """A shaded span of dates (a past episode)."""

    start: pd.Timestamp
    end: pd.Timestamp
    label: str
    color: str = "rgba(120,120,120,0.15)"

    @property
    def short(self) -> str:
        """A label that fits above a narrow span: the start year (``’08``)."""
        return f"’{self.start.year % 100:02d}"


@dataclass(frozen=True)
class Event:
    """A marked day, drawn on the first line of the first panel (e.g. a Fed cut)."""

    date: pd.Timestamp
    label: str
    color: str = "#c0392b"


@dataclass(frozen=True)
class Chart:
    """A renderer-neutral chart: panels on one date axis, with episodes and events."""

    id: str
    title: str
    subtitle: str
    panels: tuple[Panel, ...]
    signal_ids: tuple[str, ...] = ()
    bands: tuple[Band, ...] = ()
    events: tuple[Event, ...] = ()
    notes: tuple[str, ...] = ()
    view_start: pd.Timestamp | None = None
    view_end: pd.Timestamp | None = None

    @property
    def has_data(self) -> bool:
        """Whether any line has a value in the chart's view."""
        for panel in self.panels:
            for line in panel.lines:
                values = line.values
                if self.view_start is not None:
                    values = values.loc[values.index >= self.view_start]
                if values.notna().any():
                    return True
        return False


@dataclass(frozen=True)
class ChartOptions:
    """Choices of presentation (not of measurement).

    Attributes
    ----------
    view_years
        The market charts open on the last ``view_years`` years (all history
        stays in the chart; the range buttons widen the view). The level
        timeline and the structural gauges always show all history.
    min_cut_bp
        A fall of the effective fed funds rate of at least this many basis
        points is marked as an easing step on the dollar chart.
    episodes
        The spans to shade.
    """

    view_years: int = 10
    min_cut_bp: float = 20.0
    episodes: Sequence[Episode] = field(default_factory=tuple)


# -- policy events ---------------------------------------------------------------------------------


def fed_easing_steps(rate: pd.Series, *, min_cut_bp: float = 20.0, window: int = 10) -> pd.DataFrame:
    r"""Easing steps of the Fed, found in the effective fed funds rate.

    The daily effective rate wanders around its target (month-end dips,
    year-end spikes), so a step is a fall of its *median level*. With
    :math:`m^-_t` the median of the ``window`` observations before day
    :math:`t` and :math:`m^+_t` the median of the ``window`` observations
    from :math:`t` on,

    .. math::

        \Delta_t = m^+_t - m^-_t \le -rac{	ext{min\_cut\_bp}}{100}

    marks the days around a step. Each run of such days is one step; it is
    dated on the day its three-day median level falls most (a one-day dip
    cannot move a three-day median), and its size is :math:`-\Delta` there.
    A step needs ``window`` observations after it to be seen, so the last two
    weeks of a history show no step yet — a chart marks what was known.

    Parameters
    ----------
    rate
        The effective fed funds rate, percent (``fred:DFF``), dated.
    min_cut_bp
        Smallest fall marked, basis points (20: a standard 25 bp cut net of
        the effective rate's wander).
    window
        Observations on each side (10 business days: two weeks).

    Returns
    -------
    pandas.DataFrame
        Index ``date``; columns ``cut_bp`` (positive, rounded to a basis
        point), ``before_pct``, ``after_pct`` (the median levels). Empty if
        there is none.
    """
    if window < 2:
        raise ValueError("window must be >= 2; use 10 (two weeks of business days)")
    if min_cut_bp <= 0:
        raise ValueError("min_cut_bp must be > 0; use 20 for standard 25 bp cuts")
    r = rate.dropna().astype("float64")
    columns = ["cut_bp", "before_pct", "after_pct"]
    empty = pd.DataFrame(
        {c: pd.Series(dtype="float64") for c in columns}, index=pd.DatetimeIndex([], name="date")
    )
    if len(r) < 2 * window:
        return empty
    before = r.rolling(window, min_periods=window).median().shift(1).to_numpy()
    after = r.iloc[::-1].rolling(window, min_periods=window).median().iloc[::-1].to_numpy()
    step = after - before
    fall3 = r.rolling(3, min_periods=3, center=True).median().diff().to_numpy()
    hit = np.nan_to_num(step, nan=0.0) <= -min_cut_bp / 100.0
    rows: list[tuple[pd.Timestamp, float, float, float]] = []
    t = 0
    n = len(r)
    while t < n:
        if not hit[t]:
            t += 1
            continue
        end = t
        while end + 1 < n and hit[end + 1]:
            end += 1
        run = np.arange(t, end + 1)
        falls = np.nan_to_num(fall3[run], nan=0.0)
        day = int(run[int(np.argmin(falls))]) if falls.min() < 0 else int(run[int(np.nanargmin(step[run]))])
        rows.append(
            (
                pd.Timestamp(r.index[day]),
                round(-100.0 * float(step[day]), 0),
                float(before[day]),
                float(after[day]),
            )
        )
        t = end + 1
    if not rows:
        return empty
    return pd.DataFrame(rows, columns=["date", *columns]).set_index("date")


# -- helpers ---------------------------------------------------------------------------------------


def _result(a: Assessment, sid: str) -> SignalResult | None:
    return a.results.get(sid)


def _evidence(a: Assessment, sid: str, name: str) -> pd.Series | None:
    """An evidence column of a signal, by its short or lineage-prefixed name."""
    res = _result(a, sid)
    if res is None:
        return None
    for col in (name, f"{sid}.{name}"):
        if col in res.evidence.columns:
            values = pd.to_numeric(res.evidence[col], errors="coerce")
            return values.astype("float64")
    return None


def _input(a: Assessment, sid: str, name: str) -> tuple[pd.Series | None, str | None]:
    """The panel column a signal's input ``name`` chose, and its id."""
    res = _result(a, sid)
    if res is None or name not in res.used:
        return None, None
    cid = res.used[name]
    if cid not in a.panel.values.columns:
        return None, cid
    return a.panel.values[cid].astype("float64"), cid


def _notes(a: Assessment, sids: Sequence[str]) -> tuple[str, ...]:
    """Say what is missing or stood in by a proxy, for each signal a chart argues for."""
    notes: list[str] = []
    day = a.as_of
    for sid in sids:
        res = _result(a, sid)
        if res is None:
            notes.append(f"{sid}: not evaluated in this build of stormwatch")
            continue
        reason = str(res.reason.loc[day]) if day in res.reason.index else ""
        if reason.startswith("missing input"):
            notes.append(f"{res.spec.title}: {reason}")
        for name, cid in res.proxies.items():
            notes.append(
                f"{res.spec.title}: {name} from proxy {cid} (primary {res.spec.inputs[name].primary})"
            )
        notes.extend(f"{res.spec.title}: {n}" for n in res.notes)
    return tuple(dict.fromkeys(notes))


def _intensity_panel(a: Assessment, sids: Sequence[str], weight: float = 0.45) -> Panel | None:
    """The signals' intensities with their declared watch/on thresholds."""
    lines = []
    thresholds: list[Threshold] = []
    for i, sid in enumerate(sids):
        res = _result(a, sid)
        if res is None:
            continue
        lines.append(Line(res.spec.title, res.intensity, color=_PALETTE[(i + 3) % len(_PALETTE)], width=1.2))
        if not thresholds and res.spec.kind in ("checklist", "aggravator"):
            thresholds = [
                Threshold(res.spec.watch_at, f"watch at {res.spec.watch_at:g}", STATE_COLORS["watch"]),
                Threshold(res.spec.on_at, f"on at {res.spec.on_at:g}", STATE_COLORS["on"]),
            ]
    if not lines:
        return None
    unit = _result(a, sids[0])
    return Panel(
        tuple(lines),
        f"intensity ({unit.spec.unit if unit else 'z'})",
        thresholds=tuple(thresholds),
        weight=weight,
    )


def _rebased(values: pd.Series | None, start: pd.Timestamp | None) -> pd.Series | None:
    """``values`` as 100 on the first day at or after ``start`` with a value (all days kept)."""
    if values is None:
        return None
    s = values.where(values > 0)
    known = s.loc[s.index >= start] if start is not None else s
    known = known.dropna()
    if known.empty:
        return s * np.nan
    return 100.0 * s / float(known.iloc[0])


def _view_start(a: Assessment, opts: ChartOptions) -> pd.Timestamp:
    return a.as_of - pd.DateOffset(years=opts.view_years)


def _bands(opts: ChartOptions) -> tuple[Band, ...]:
    return tuple(
        Band(e.start, e.trough, e.name, KIND_TINTS.get(e.kind, KIND_TINTS["other"])) for e in opts.episodes
    )


def _lines(*items: Line | None) -> tuple[Line, ...]:
    return tuple(i for i in items if i is not None)


def _line(
    label: str,
    values: pd.Series | None,
    *,
    axis: Literal["left", "right"] = "left",
    dash: Literal["solid", "dash", "dot"] = "solid",
    color: str | None = None,
    width: float = 1.6,
    fill: bool = False,
) -> Line | None:
    if values is None:
        return None
    return Line(label, values, axis=axis, dash=dash, color=color, width=width, fill=fill)


def _panels(*items: Panel | None) -> tuple[Panel, ...]:
    return tuple(p for p in items if p is not None and p.lines)


# -- the charts ------------------------------------------------------------------------------------


def level_timeline(a: Assessment, opts: ChartOptions) -> Chart:
    """The storm level (step) and the 0-100 score, all history, past episodes shaded."""
    frame = a.level.frame
    level = frame["level"].astype("float64")
    score = frame["score"].astype("float64")
    coverage = (100.0 * frame["coverage"]).astype("float64")
    ticks = tuple((float(i), f"{i} {n}") for i, n in enumerate(LEVEL_NAMES))
    main = Panel(
        (
            Line("score (0-100)", score, fill=True, color="#7f8c8d", width=1.0),
            Line("storm level", level, axis="right", step=True, color="#c62828", width=2.2),
        ),
        "score",
        y2_title="level",
        y2_ticks=ticks,
        y2_range=(-0.2, float(len(LEVEL_NAMES) - 1) + 0.2),
        weight=1.0,
    )
    cover = Panel(
        (Line("inputs known (% of score weight)", coverage, color="#5d6d7e", width=1.0),),
        "coverage %",
        weight=0.3,
    )
    events = tuple(
        Event(
            t.date, f"level {t.from_level}→{t.to_level} {LEVEL_NAMES[t.to_level]}", LEVEL_COLORS[t.to_level]
        )
        for t in a.level.transitions
        if t.to_level > t.from_level
    )
    return Chart(
        id="level_timeline",
        title="Storm level and score",
        subtitle="The stepwise level (right axis) and the continuous score; shaded spans are past "
        "episodes; markers are the days the level stepped up.",
        panels=(main, cover),
        signal_ids=tuple(STORM_SPEC.checklist.values()),
        bands=_bands(opts),
        events=events,
        notes=_notes(a, tuple(STORM_SPEC.checklist.values())),
    )


def dollar_policy(a: Assessment, opts: ChartOptions) -> Chart:
    """The dollar index with the Fed's easing steps marked."""
    sid = "dollar_down_vol_up"
    dollar, dollar_id = _input(a, sid, "dollar")
    if dollar is None:
        dollar, dollar_id = _input(a, "dollar_equity_regime", "dollar")
    rate_id = "fred:DFF"
    notes = list(_notes(a, (sid,)))
    events: tuple[Event, ...] = ()
    if rate_id in a.panel.values.columns and a.panel.values[rate_id].notna().any():
        steps = fed_easing_steps(a.panel.values[rate_id], min_cut_bp=opts.min_cut_bp)
        events = tuple(
            Event(pd.Timestamp(d), f"Fed easing −{cut:.0f} bp ({before:.2f}% → {after:.2f}%)")
            for d, cut, before, after in zip(
                steps.index, steps["cut_bp"], steps["before_pct"], steps["after_pct"], strict=True
            )
        )
    else:
        notes.append(f"{rate_id} (effective fed funds rate) not in the store: easing steps not marked")
    policy = a.panel.values[rate_id] if rate_id in a.panel.values.columns else None
    main = Panel(
        _lines(
            _line(f"dollar index ({dollar_id})", dollar, color="#1f4e79", width=1.8),
            _line("effective fed funds rate (%)", policy, axis="right", color="#95a5a6", width=1.0),
        ),
        "dollar index",
        y2_title="fed funds %",
    )
    return Chart(
        id="dollar_policy",
        title="The dollar and the Fed's easing steps",
        subtitle=f"Markers: falls of at least {opts.min_cut_bp:.0f} bp in the effective fed funds rate's "
        "two-week median level (computed from fred:DFF).",
        panels=_panels(main, _intensity_panel(a, (sid,))),
        signal_ids=(sid,),
        bands=_bands(opts),
        events=events,
        notes=tuple(notes),
        view_start=_view_start(a, opts),
    )


def real_rates_dollar(a: Assessment, opts: ChartOptions) -> Chart:
    """Short-end real rates and their differential against the dollar."""
    sid = "real_rate_dollar_pressure"
    main = Panel(
        _lines(
            _line("US 2-year real rate (%)", _evidence(a, sid, "us_real_rate_2y"), color="#c0392b"),
            _line(
                "real-rate differential vs EUR/JPY/GBP (pp)",
                _evidence(a, sid, "real_rate_differential"),
                color="#e9a23b",
            ),
            _line("dollar index", _evidence(a, sid, "dxy"), axis="right", color="#1f4e79", width=1.4),
        ),
        "real rate, %",
        y2_title="dollar index",
    )
    return Chart(
        id="real_rates_dollar",
        title="Short-end real rates vs the dollar",
        subtitle="The catalyst: when the short real rate and its differential fall, the dollar's "
        "support erodes.",
        panels=_panels(main, _intensity_panel(a, (sid,))),
        signal_ids=(sid,),
        bands=_bands(opts),
        notes=_notes(a, (sid,)),
        view_start=_view_start(a, opts),
    )


def foreign_investor(a: Assessment, opts: ChartOptions) -> Chart:
    """The S&P 500 in USD, and for EUR and JPY investors unhedged and hedged."""
    start = _view_start(a, opts)
    usd = _evidence(a, "foreign_investor_eur", "usd")
    if usd is None:
        usd = _evidence(a, "foreign_investor_jpy", "usd")
    lines: list[Line | None] = [_line("in USD", _rebased(usd, start), color="#1f4e79", width=2.0)]
    colors = {"eur": "#2a9d8f", "jpy": "#c0392b"}
    for base in ("eur", "jpy"):
        sid = f"foreign_investor_{base}"
        lines.append(
            _line(
                f"in {base.upper()}, unhedged",
                _rebased(_evidence(a, sid, "unhedged"), start),
                color=colors[base],
            )
        )
        lines.append(
            _line(
                f"in {base.upper()}, FX-hedged",
                _rebased(_evidence(a, sid, "hedged"), start),
                color=colors[base],
                dash="dash",
            )
        )
    sids = ("foreign_investor_eur", "foreign_investor_jpy")
    return Chart(
        id="foreign_investor",
        title="The S&P 500 as a foreign investor sees it",
        subtitle="In dollars, in euros and yen unhedged, and FX-hedged; 100 at the start of the view "
        "(log scale). The gap between unhedged and hedged is the currency bet.",
        panels=(Panel(_lines(*lines), "index (100 at view start)", log_y=True),),
        signal_ids=sids,
        bands=_bands(opts),
        notes=_notes(a, sids),
        view_start=start,
    )


def hedge_failure(a: Assessment, opts: ChartOptions) -> Chart:
    """The hedge-failure index: dollar-equity co-movement for foreign investors."""
    sid = "hedge_failure_index"
    per_ccy = [
        _line(f"{c.upper()}", _evidence(a, sid, f"corr_{c}"), dash="dot", width=0.9, color=col)
        for c, col in zip(
            ("eur", "jpy", "gbp", "chf"), ("#2a9d8f", "#c0392b", "#7b5ea7", "#e9a23b"), strict=True
        )
    ]
    main = Panel(
        _lines(_line("average", _evidence(a, sid, "corr_avg"), color="#1f4e79", width=2.0), *per_ccy),
        "correlation",
        thresholds=(Threshold(0.0, "no co-movement", "#555555"),),
    )
    sids = (sid, "dollar_falls_with_equities")
    return Chart(
        id="hedge_failure",
        title="Hedge-failure index: does the dollar fall with US equities?",
        subtitle="Rolling correlation of the S&P 500's return with the foreign holder's currency return, "
        "per currency and on average: above zero the currency adds to equity losses (the hedge fails).",
        panels=_panels(main, _intensity_panel(a, sids)),
        signal_ids=sids,
        bands=_bands(opts),
        notes=_notes(a, sids),
        view_start=_view_start(a, opts),
    )


def correlation(a: Assessment, opts: ChartOptions) -> Chart:
    """Average correlation, absorption ratio and turbulence."""
    corr = Panel(
        _lines(
            _line(
                "world equity markets", _evidence(a, "cross_border_correlation", "avg_corr"), color="#1f4e79"
            ),
            _line("US cross-asset", _evidence(a, "cross_asset_correlation", "avg_corr"), color="#c0392b"),
        ),
        "average correlation",
    )
    ar = Panel(
        _lines(
            _line("absorption ratio", _evidence(a, "absorption_ratio", "absorption_ratio"), color="#2a9d8f")
        ),
        "absorption ratio",
        weight=0.6,
    )
    turb = Panel(
        _lines(
            _line("turbulence (smoothed)", _evidence(a, "turbulence", "turbulence_smoothed"), color="#7b5ea7")
        ),
        "turbulence",
        weight=0.6,
    )
    sids = (
        "correlations_to_one",
        "cross_border_correlation",
        "cross_asset_correlation",
        "absorption_ratio",
        "turbulence",
    )
    return Chart(
        id="correlation",
        title="Correlations approach one: average correlation, absorption ratio, turbulence",
        subtitle="Diversification failing across borders and assets.",
        panels=_panels(corr, ar, turb, _intensity_panel(a, ("correlations_to_one",))),
        signal_ids=sids,
        bands=_bands(opts),
        notes=_notes(a, sids),
        view_start=_view_start(a, opts),
    )


#: (risky input, safe input, label) for the relative-performance lines, in the order shown.
_LEADERSHIP_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("sphb", "splv", "high beta vs low vol"),
    ("xly", "xlp", "discretionary vs staples"),
    ("qual", "spy", "quality vs the index"),
    ("smh", "spy", "semiconductors (AI) vs the index"),
    ("ndx", "spx", "Nasdaq-100 vs the S&P 500"),
)


def leadership(a: Assessment, opts: ChartOptions) -> Chart:
    """High beta vs low vol, quality and AI/semis vs the index: relative performance."""
    sid = "high_beta_leads_selloff"
    start = _view_start(a, opts)
    lines = []
    for i, (risky, safe, label) in enumerate(_LEADERSHIP_PAIRS):
        r, rid = _input(a, sid, risky)
        s, sid_safe = _input(a, sid, safe)
        if r is None or s is None:
            continue
        ratio = r.where(r > 0) / s.where(s > 0)
        rebased = _rebased(ratio, start)
        if rebased is not None:
            lines.append(Line(f"{label} ({rid} / {sid_safe})", rebased, color=_PALETTE[i % len(_PALETTE)]))
    main = Panel(
        tuple(lines),
        "relative (100 at view start)",
        log_y=True,
        thresholds=(Threshold(100.0, "", "#999999"),),
    )
    return Chart(
        id="leadership",
        title="Who leads the selling: high beta, quality, AI/semis vs the index",
        subtitle="Relative performance (a falling line: the first leg lags); below, the leadership signal.",
        panels=_panels(main, _intensity_panel(a, (sid,))),
        signal_ids=(sid,),
        bands=_bands(opts),
        notes=_notes(a, (sid,)),
        view_start=start,
    )


def curve(a: Assessment, opts: ChartOptions) -> Chart:
    """2s10s with the fed funds rate: bear steepening while the Fed cuts."""
    sid = "bear_steepening_while_cutting"
    main = Panel(
        _lines(
            _line("10y − 2y (pp)", _evidence(a, sid, "t10y2y"), color="#1f4e79", width=1.8),
            _line("fed funds (%)", _evidence(a, sid, "fed_funds"), axis="right", color="#c0392b", width=1.2),
        ),
        "2s10s, pp",
        y2_title="fed funds, %",
        thresholds=(Threshold(0.0, "inverted below", "#555555"),),
    )
    return Chart(
        id="curve",
        title="The 2s10s curve and the Fed funds rate (bear steepening)",
        subtitle="A curve steepening because long yields rise while the Fed cuts is the market pricing a "
        "policy error.",
        panels=_panels(main, _intensity_panel(a, (sid,))),
        signal_ids=(sid,),
        bands=_bands(opts),
        notes=_notes(a, (sid,)),
        view_start=_view_start(a, opts),
    )


def stagflation(a: Assessment, opts: ChartOptions) -> Chart:
    """Breakevens and growth: stagflation pressure."""
    sid = "stagflation_pressure"
    infl = Panel(
        _lines(
            _line("5y breakeven (%)", _evidence(a, sid, "breakeven"), color="#c0392b"),
            _line("2y inflation expectation (%)", _evidence(a, sid, "inflation_2y"), color="#e9a23b"),
            _line("Michigan 1y (%)", _evidence(a, sid, "michigan_1y"), color="#7b5ea7", dash="dot"),
        ),
        "inflation, %",
    )
    growth = Panel(
        _lines(
            _line("CFNAI (3-month average)", _evidence(a, sid, "cfnai_ma3"), color="#2a9d8f"),
            _line("Sahm rule (pp)", _evidence(a, sid, "sahm"), axis="right", color="#5d6d7e", dash="dash"),
        ),
        "activity",
        y2_title="Sahm, pp",
        thresholds=(Threshold(0.0, "trend growth", "#555555"),),
    )
    return Chart(
        id="stagflation",
        title="Breakevens and growth (stagflation)",
        subtitle="Inflation expectations rising while growth weakens and the dollar falls.",
        panels=_panels(infl, growth, _intensity_panel(a, (sid,))),
        signal_ids=(sid,),
        bands=_bands(opts),
        notes=_notes(a, (sid,)),
        view_start=_view_start(a, opts),
    )


def metals_vix(a: Assessment, opts: ChartOptions) -> Chart:
    """Gold and silver against the VIX."""
    sid = "metals_sold_with_equities"
    start = _view_start(a, opts)
    gold, gid = _input(a, sid, "gold")
    silver, sid_silver = _input(a, sid, "silver")
    equity, eid = _input(a, sid, "equity")
    vix, _ = _input(a, sid, "vix")
    prices = Panel(
        _lines(
            _line(f"gold ({gid})", _rebased(gold, start), color="#d4a017", width=1.8),
            _line(f"silver ({sid_silver})", _rebased(silver, start), color="#7f8c8d"),
            _line(f"S&P 500 ({eid})", _rebased(equity, start), color="#1f4e79", width=1.2),
        ),
        "100 at view start",
        log_y=True,
    )
    vol = Panel(_lines(_line("VIX", vix, color="#c0392b", width=1.2)), "VIX", weight=0.6)
    return Chart(
        id="metals_vix",
        title="Gold and silver vs the VIX",
        subtitle="In the storm, gold and silver are sold with equities as the VIX explodes: they stop "
        "diversifying.",
        panels=_panels(prices, vol, _intensity_panel(a, (sid,))),
        signal_ids=(sid,),
        bands=_bands(opts),
        notes=_notes(a, (sid,)),
        view_start=start,
    )


def net_liquidity(a: Assessment, opts: ChartOptions) -> Chart:
    """Fed net liquidity: balance sheet minus TGA minus reverse repo."""
    sid = "fed_net_liquidity"
    equity, eid = _input(a, "fed_put_fails", "spx")
    level = Panel(
        _lines(
            _line("net liquidity ($ bn)", _evidence(a, sid, "net_liquidity_bn"), color="#1f4e79", width=1.8),
            _line(f"S&P 500 ({eid})", equity, axis="right", color="#95a5a6", width=1.0),
        ),
        "$ bn",
        y2_title="S&P 500",
    )
    change = Panel(
        _lines(
            _line(
                "13-week change ($ bn)", _evidence(a, sid, "net_liquidity_chg_bn"), color="#2a9d8f", fill=True
            )
        ),
        "$ bn",
        weight=0.5,
        thresholds=(Threshold(0.0, "", "#555555"),),
    )
    sids = (sid, "fed_put_fails")
    return Chart(
        id="net_liquidity",
        title="Fed net liquidity (balance sheet − TGA − reverse repo)",
        subtitle="The liquidity the 'Fed put' injects; in the endgame it comes while the dollar and "
        "equities keep falling.",
        panels=_panels(level, change, _intensity_panel(a, ("fed_put_fails",))),
        signal_ids=sids,
        bands=_bands(opts),
        notes=_notes(a, sids),
        view_start=_view_start(a, opts),
    )


def fuel(a: Assessment, opts: ChartOptions) -> Chart:
    """Structural fuel: current account, foreign holdings, CAPE, market cap to GDP, concentration."""
    ca = Panel(
        _lines(
            _line(
                "current-account deficit (% of GDP)",
                _evidence(a, "current_account_deficit", "current_account_deficit_pct_gdp"),
                color="#c0392b",
            ),
            _line(
                "foreign holdings of Treasuries (% of GDP)",
                _evidence(a, "foreign_holdings", "foreign_treasury_holdings_pct_gdp"),
                axis="right",
                color="#1f4e79",
            ),
        ),
        "deficit, % GDP",
        y2_title="holdings, % GDP",
    )
    val = Panel(
        _lines(
            _line("CAPE", _evidence(a, "valuation", "cape"), color="#7b5ea7"),
            _line("market cap / GDP", _evidence(a, "valuation", "mcap_gdp"), axis="right", color="#e9a23b"),
        ),
        "CAPE",
        y2_title="mcap / GDP",
    )
    conc = Panel(
        _lines(
            _line(
                "Nasdaq-100 / S&P 500 (log ratio)",
                _evidence(a, "concentration", "ndx_spx_log_ratio"),
                color="#2a9d8f",
            )
        ),
        "log ratio",
        weight=0.6,
    )
    sids = ("current_account_deficit", "foreign_holdings", "valuation", "concentration")
    return Chart(
        id="fuel",
        title="Structural fuel: current account, foreign holdings, CAPE, market cap / GDP",
        subtitle="Slow-moving gauges of how much recycled money sits in US assets and how richly it "
        "is priced.",
        panels=_panels(ca, val, conc, _intensity_panel(a, sids, weight=0.5)),
        signal_ids=sids,
        bands=_bands(opts),
        notes=_notes(a, sids),
    )


def positioning(a: Assessment, opts: ChartOptions) -> Chart:
    """CFTC positioning of speculators in FX and equity futures."""
    sid = "positioning_unwind"
    fx = Panel(
        _lines(
            _line("EUR futures", _evidence(a, sid, "eur_noncomm_net"), color="#2a9d8f"),
            _line("JPY futures", _evidence(a, sid, "jpy_noncomm_net"), color="#c0392b"),
            _line("US dollar index futures", _evidence(a, sid, "usd_index_noncomm_net"), color="#1f4e79"),
        ),
        "net contracts",
        thresholds=(Threshold(0.0, "", "#555555"),),
    )
    es = Panel(
        _lines(_line("S&P 500 E-mini", _evidence(a, sid, "es_noncomm_net"), color="#7b5ea7")),
        "net contracts",
        weight=0.7,
        thresholds=(Threshold(0.0, "", "#555555"),),
    )
    return Chart(
        id="positioning",
        title="CFTC positioning: speculators' net futures positions",
        subtitle="Non-commercial net positions (Commitments of Traders); an unwind driven by cross-border "
        "flows shows as the dollar shorted while equity longs are cut.",
        panels=_panels(fx, es, _intensity_panel(a, (sid,))),
        signal_ids=(sid,),
        bands=_bands(opts),
        notes=_notes(a, (sid,)),
        view_start=_view_start(a, opts),
    )


#: Every chart builder, in the report's order.
BUILDERS: tuple[Callable[[Assessment, ChartOptions], Chart], ...] = (
    level_timeline,
    dollar_policy,
    real_rates_dollar,
    foreign_investor,
    hedge_failure,
    correlation,
    leadership,
    curve,
    stagflation,
    metals_vix,
    net_liquidity,
    fuel,
    positioning,
)


def build_charts(a: Assessment, opts: ChartOptions | None = None) -> list[Chart]:
    """Every chart of the report and dashboard, in order.

    Parameters
    ----------
    a
        The assessment.
    opts
        Presentation choices (view window, easing-step size, episodes).

    Returns
    -------
    list of Chart
        One per builder; a chart without data keeps its notes saying why.
    """
    opts = opts or ChartOptions()
    return [build(a, opts) for build in BUILDERS]
