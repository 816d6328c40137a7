"""Drawing a :class:`~stormwatch.delivery.charts.Chart`: Plotly for HTML, matplotlib for PNG.

Both renderers draw exactly what the chart holds. Plotly figures keep all
history (the range buttons widen the view) but thin it for size: every day
of the last two years, one point a week before (a step line keeps only its
steps). The PNG shows the chart's view window at full resolution, drawn
off-screen with matplotlib's Agg canvas — no browser, no network.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

from stormwatch.delivery.charts import Chart, Line, Panel

__all__ = ["figure_json", "matplotlib_figure", "plotly_figure", "png_bytes", "thin"]

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
_DASH = {"solid": "solid", "dash": "dash", "dot": "dot"}
_MPL_DASH = {"solid": "-", "dash": "--", "dot": ":"}
#: Plotly figures keep every day of the last ``RECENT_DAYS`` business days (two years).
RECENT_DAYS = 520


def thin(values: pd.Series, *, recent_days: int = RECENT_DAYS, step: bool = False) -> pd.Series:
    """Fewer points, same picture: every day recently, weekly before; steps only for a step line.

    Parameters
    ----------
    values
        A dated series.
    recent_days
        Rows at the end kept at full resolution.
    step
        The series is a step function: keep the first row, every change and the last row.

    Returns
    -------
    pandas.Series
        Leading missing values dropped; before the recent rows, each calendar
        week's last known value.
    """
    s = values.astype("float64")
    known = s.notna().to_numpy()
    if not known.any():
        return s.iloc[:0]
    s = s.iloc[int(np.argmax(known)) :]
    if step:
        keep = s.ne(s.shift()).to_numpy(copy=True)
        keep[-1] = True
        return s.loc[keep]
    if len(s) <= recent_days:
        return s
    old, recent = s.iloc[:-recent_days].dropna(), s.iloc[-recent_days:]
    if old.empty:
        return recent
    # Monday-based week number (1970-01-01 was a Thursday); keep each week's last known row.
    days = pd.DatetimeIndex(old.index).to_numpy().astype("datetime64[D]").astype("int64")
    week = (days + 3) // 7
    last_of_week = np.append(week[1:] != week[:-1], True)
    return pd.concat([old.loc[last_of_week], recent])


def _dates(index: pd.Index) -> list[str]:
    return [str(x) for x in pd.DatetimeIndex(index).strftime("%Y-%m-%d")]


def _float32(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="float64").astype("float32")


def _rgba(color: str, alpha: float) -> str:
    c = color.lstrip("#")
    if len(c) != 6:
        return color
    r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _typed(values: pd.Series) -> dict[str, str]:
    """A float32 typed array, plotly.js's compact encoding (NaN stays a gap)."""
    arr = values.to_numpy(dtype="float64").astype("<f4")
    return {"dtype": "f4", "bdata": base64.b64encode(arr.tobytes()).decode("ascii")}


def _axis_name(k: int) -> str:
    return "y" if k == 1 else f"y{k}"


def _layout_key(k: int) -> str:
    return "yaxis" if k == 1 else f"yaxis{k}"


def plotly_figure(chart: Chart, *, recent_days: int = RECENT_DAYS) -> dict[str, Any]:
    """The chart as a Plotly figure dict (``data``, ``layout``), ready for ``Plotly.newPlot``.

    Panels are stacked y axes sharing one date axis, so zooming one zooms
    all. The page shows the title; the legend sits below. ``layout.meta``
    lists the y axes the page refits to the visible dates (Plotly itself fits
    a y axis to all of its data, which would squash a ten-year view under
    thirty-five years of range).

    Parameters
    ----------
    chart
        What to draw.
    recent_days
        See :func:`thin`.
    """
    panels = chart.panels
    n = len(panels)
    layout: dict[str, Any] = {
        "height": int(90 + 250 * sum(p.weight for p in panels)) if n else 120,
        "margin": {"l": 64, "r": 64, "t": 34, "b": 30},
        "font": {"family": _FONT, "size": 12, "color": "#222222"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hovermode": "x unified",
        "showlegend": True,
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.06, "x": 0.0, "font": {"size": 11}},
    }
    data: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    if n == 0:
        return {"data": data, "layout": layout}
    gap = 0.035 if n > 1 else 0.0
    total = sum(p.weight for p in panels)
    usable = 1.0 - gap * (n - 1)
    top = 1.0
    left_axis: list[str] = []
    right_axis: list[str | None] = []
    rescale: list[str] = []
    include: dict[str, list[float]] = {}
    next_axis = 1
    for panel in panels:
        height = usable * panel.weight / total
        k = next_axis
        next_axis += 1
        left: dict[str, Any] = {
            "domain": [max(0.0, top - height), top],
            "anchor": "x",
            "title": {"text": panel.y_title, "font": {"size": 11}},
            "showgrid": True,
            "gridcolor": "#eeeeee",
            "zeroline": False,
            "linecolor": "#cccccc",
            "automargin": True,
        }
        if panel.log_y:
            left["type"] = "log"
        if panel.y_ticks:
            left["tickvals"] = [v for v, _ in panel.y_ticks]
            left["ticktext"] = [t for _, t in panel.y_ticks]
        layout[_layout_key(k)] = left
        left_axis.append(_axis_name(k))
        rescale.append(_layout_key(k))
        extra = [th.y for th in panel.thresholds]
        if any(ln.fill and ln.axis == "left" for ln in panel.lines):
            extra.append(0.0)
        if extra:
            include[_layout_key(k)] = extra
        if any(ln.axis == "right" for ln in panel.lines):
            r = next_axis
            next_axis += 1
            right: dict[str, Any] = {
                "overlaying": _axis_name(k),
                "side": "right",
                "anchor": "x",
                "tickmode": "auto",
                "title": {"text": panel.y2_title or "", "font": {"size": 11}},
                "showgrid": False,
                "zeroline": False,
                "automargin": True,
            }
            if panel.y2_ticks:
                right["tickmode"] = "array"
                right["tickvals"] = [v for v, _ in panel.y2_ticks]
                right["ticktext"] = [t for _, t in panel.y2_ticks]
            if panel.y2_range is not None:
                right["range"] = list(panel.y2_range)
            else:
                rescale.append(_layout_key(r))
            layout[_layout_key(r)] = right
            right_axis.append(_axis_name(r))
        else:
            right_axis.append(None)
        top -= height + gap
    seen: set[str] = set()
    first_x: pd.Timestamp | None = None
    last_x: pd.Timestamp | None = None
    for i, panel in enumerate(panels):
        for line in panel.lines:
            s = thin(line.values, recent_days=recent_days, step=line.step)
            if s.empty:
                continue
            first_x = s.index[0] if first_x is None else min(first_x, s.index[0])
            last_x = s.index[-1] if last_x is None else max(last_x, s.index[-1])
            style: dict[str, Any] = {"width": line.width, "dash": _DASH[line.dash]}
            if line.color:
                style["color"] = line.color
            if line.step:
                style["shape"] = "hv"
            trace: dict[str, Any] = {
                "type": "scatter",
                "mode": "lines",
                "name": line.label,
                "legendgroup": line.label,
                "showlegend": line.label not in seen,
                "x": _dates(s.index),
                "y": _typed(s),
                "xaxis": "x",
                "yaxis": right_axis[i] if (line.axis == "right" and right_axis[i]) else left_axis[i],
                "line": style,
                "hovertemplate": "%{y:.4g}",
            }
            if line.fill:
                trace["fill"] = "tozeroy"
                if line.color:
                    trace["fillcolor"] = _rgba(line.color, 0.25)
            data.append(trace)
            seen.add(line.label)
        for th in panel.thresholds:
            shapes.append(
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "yref": left_axis[i],
                    "y0": th.y,
                    "y1": th.y,
                    "line": {"color": th.color, "width": 1, "dash": "dash"},
                    "layer": "below",
                }
            )
            if th.label:
                annotations.append(
                    {
                        "xref": "paper",
                        "x": 0.0,
                        "yref": left_axis[i],
                        "y": th.y,
                        "text": th.label,
                        "showarrow": False,
                        "xanchor": "left",
                        "yanchor": "bottom",
                        "font": {"size": 9, "color": th.color},
                    }
                )
    for band in chart.bands:
        if first_x is None or last_x is None or band.end < first_x or band.start > last_x:
            continue
        x0, x1 = band.start.strftime("%Y-%m-%d"), min(band.end, last_x).strftime("%Y-%m-%d")
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "x0": x0,
                "x1": x1,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "fillcolor": band.color,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        annotations.append(
            {
                "xref": "x",
                "x": x0,
                "yref": "paper",
                "y": 1.0,
                "text": band.short,
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"size": 10, "color": "#666666"},
                "hovertext": f"{band.label}: {band.start.date()} to {band.end.date()}",
            }
        )
    events = _event_trace(chart, left_axis[0], right_axis[0])
    if events is not None:
        data.append(events)
        for x, color in zip(events["x"], events["marker"]["color"], strict=True):
            shapes.append(
                {
                    "type": "line",
                    "xref": "x",
                    "x0": x,
                    "x1": x,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": color, "width": 0.8, "dash": "dot"},
                    "opacity": 0.45,
                    "layer": "below",
                }
            )
    xaxis: dict[str, Any] = {
        "type": "date",
        "anchor": left_axis[-1],
        "showgrid": True,
        "gridcolor": "#eeeeee",
        "linecolor": "#cccccc",
        "rangeselector": {
            "buttons": [
                {"count": 1, "label": "1y", "step": "year", "stepmode": "backward"},
                {"count": 5, "label": "5y", "step": "year", "stepmode": "backward"},
                {"count": 10, "label": "10y", "step": "year", "stepmode": "backward"},
                {"step": "all", "label": "all"},
            ],
            "font": {"size": 10},
            "bgcolor": "#f3f4f6",
            "x": 1.0,
            "xanchor": "right",
            "y": 1.0,
            "yanchor": "bottom",
        },
    }
    if first_x is not None and last_x is not None:
        lo = chart.view_start if chart.view_start is not None else first_x
        hi = chart.view_end if chart.view_end is not None else last_x
        xaxis["range"] = [lo.strftime("%Y-%m-%d"), hi.strftime("%Y-%m-%d")]
    layout["xaxis"] = xaxis
    layout["shapes"] = shapes
    layout["annotations"] = annotations
    # For the page's loader: y axes to fit to the visible dates (plotly fits all data), and values
    # each must show (thresholds, the zero of a filled area).
    layout["meta"] = {"rescale": rescale, "include": include}
    return {"data": data, "layout": layout}


def _event_trace(chart: Chart, left: str, right: str | None) -> dict[str, Any] | None:
    xs, ys, texts, colors, line = _event_points(chart)
    if not xs or line is None:
        return None
    return {
        "type": "scatter",
        "mode": "markers",
        "name": "events",
        "showlegend": False,
        "x": _dates(pd.DatetimeIndex(xs)),
        "y": ys,
        "xaxis": "x",
        "yaxis": right if (line.axis == "right" and right) else left,
        "marker": {
            "symbol": "triangle-down",
            "size": 9,
            "color": colors,
            "line": {"width": 0.5, "color": "#ffffff"},
        },
        "hovertext": texts,
        "hoverinfo": "text",
    }


def _event_line(chart: Chart) -> Line | None:
    if not chart.events or not chart.panels:
        return None
    lines = chart.panels[0].lines
    steps = [ln for ln in lines if ln.step]
    return steps[0] if steps else (lines[0] if lines else None)


def _event_points(chart: Chart) -> tuple[list[pd.Timestamp], list[float], list[str], list[str], Line | None]:
    line = _event_line(chart)
    if line is None:
        return [], [], [], [], None
    s = line.values.dropna()
    xs, ys, texts, colors = [], [], [], []
    for ev in chart.events:
        before = s.loc[s.index <= ev.date]
        if before.empty:
            continue
        xs.append(ev.date)
        ys.append(float(before.iloc[-1]))
        texts.append(f"{ev.date.date()}: {ev.label}")
        colors.append(ev.color)
    return xs, ys, texts, colors, line


def figure_json(fig: dict[str, Any]) -> str:
    """The figure as JSON safe to embed in an HTML ``<script type="application/json">``."""
    text = json.dumps(fig, separators=(",", ":"), allow_nan=False)
    # "<" as a JSON escape: no "</script>" or "<!--" can end or confuse the element.
    return text.replace("<", "\\u003c")


# -- matplotlib ------------------------------------------------------------------------------------


def _window(values: pd.Series, chart: Chart) -> pd.Series:
    s = values
    if chart.view_start is not None:
        s = s.loc[s.index >= chart.view_start]
    if chart.view_end is not None:
        s = s.loc[s.index <= chart.view_end]
    return s


def matplotlib_figure(chart: Chart, *, width_in: float = 10.0, dpi: int = 110) -> Figure:
    """The chart as a matplotlib figure on the Agg canvas, restricted to the chart's view window.

    Parameters
    ----------
    chart
        What to draw.
    width_in, dpi
        Size of the image: 10 in at 110 dpi is 1100 px wide, right for an email.
    """
    panels = chart.panels or (Panel((), ""),)
    weights = [p.weight for p in panels]
    fig = Figure(figsize=(width_in, 1.0 + 2.4 * sum(weights)), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(panels), 1, sharex=True, gridspec_kw={"height_ratios": weights}, squeeze=False)
    fig.suptitle(chart.title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    lo: pd.Timestamp | None = None
    hi: pd.Timestamp | None = None
    twins: list[Axes | None] = []
    for ax_row, panel in zip(axes, panels, strict=True):
        ax: Axes = ax_row[0]
        twin: Axes | None = ax.twinx() if any(ln.axis == "right" for ln in panel.lines) else None
        twins.append(twin)
        for line in panel.lines:
            s = _window(line.values, chart).astype("float64")
            if s.notna().sum() == 0:
                continue
            lo = s.index[0] if lo is None else min(lo, s.index[0])
            hi = s.index[-1] if hi is None else max(hi, s.index[-1])
            target = twin if (line.axis == "right" and twin is not None) else ax
            x = pd.DatetimeIndex(s.index).to_numpy()
            y = s.to_numpy()
            target.plot(
                x,
                y,
                label=line.label,
                color=line.color,
                linewidth=line.width,
                linestyle=_MPL_DASH[line.dash],
                drawstyle="steps-post" if line.step else "default",
            )
            if line.fill:
                target.fill_between(
                    x,
                    0.0,
                    np.nan_to_num(y),
                    color=line.color,
                    alpha=0.2,
                    linewidth=0,
                    step="post" if line.step else None,
                )
        if panel.log_y:
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(ScalarFormatter())
            ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_ylabel(panel.y_title, fontsize=9)
        if panel.y_ticks:
            ax.set_yticks([v for v, _ in panel.y_ticks], [t for _, t in panel.y_ticks])
        if twin is not None:
            twin.set_ylabel(panel.y2_title or "", fontsize=9)
            if panel.y2_ticks:
                twin.set_yticks([v for v, _ in panel.y2_ticks], [t for _, t in panel.y2_ticks])
            if panel.y2_range is not None:
                twin.set_ylim(*panel.y2_range)
            twin.tick_params(labelsize=8)
        for th in panel.thresholds:
            ax.axhline(th.y, color=th.color, linewidth=0.8, linestyle="--")
        ax.grid(True, color="#eeeeee", linewidth=0.6)
        ax.tick_params(labelsize=8)
        for side in ("top",):
            ax.spines[side].set_visible(False)
        handles, labels = ax.get_legend_handles_labels()
        if twin is not None:
            h2, l2 = twin.get_legend_handles_labels()
            handles, labels = handles + h2, labels + l2
        if handles:
            ax.legend(handles, labels, fontsize=7, loc="upper left", frameon=False, ncol=min(3, len(handles)))
    if lo is not None and hi is not None:
        for ax_row in axes:
            for band in chart.bands:
                if band.end < lo or band.start > hi:
                    continue
                ax_row[0].axvspan(max(band.start, lo), min(band.end, hi), color="#888888", alpha=0.13, lw=0)
        top = axes[0][0]
        for band in chart.bands:
            if band.end < lo or band.start > hi:
                continue
            top.annotate(
                band.short,
                (max(band.start, lo), 1.0),
                xycoords=("data", "axes fraction"),
                fontsize=8,
                color="#666666",
                va="bottom",
            )
        top.set_xlim(lo, hi)
        xs, ys, _texts, colors, event_line = _event_points(chart)
        if event_line is not None:
            keep = [i for i, x in enumerate(xs) if lo <= x <= hi]
            for i in keep:
                for ax_row in axes:
                    ax_row[0].axvline(
                        pd.Timestamp(xs[i]).to_datetime64(), color=colors[i], lw=0.7, ls=":", alpha=0.5
                    )
            if keep:
                target = twins[0] if (event_line.axis == "right" and twins[0] is not None) else top
                target.scatter(
                    [pd.Timestamp(xs[i]).to_datetime64() for i in keep],
                    [ys[i] for i in keep],
                    marker="v",
                    s=28,
                    c=[colors[i] for i in keep],
                    zorder=5,
                    edgecolors="white",
                    linewidths=0.5,
                )
    bottom = axes[-1][0]
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    bottom.xaxis.set_major_locator(locator)
    bottom.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    return fig


def png_bytes(chart: Chart, *, width_in: float = 10.0, dpi: int = 110) -> bytes:
    """The chart as PNG bytes (matplotlib, Agg): for emails and the README."""
    fig = matplotlib_figure(chart, width_in=width_in, dpi=dpi)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white")
    return buf.getvalue()
