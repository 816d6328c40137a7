"""The alert's chart: score and storm level over the recent past, as a small PNG.

Rendered with matplotlib's object API (no pyplot, no global state), so it is
safe in a long-running ``watch`` process and in threads.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd

from stormwatch.delivery.charts import LEVEL_COLORS
from stormwatch.level import LEVEL_NAMES, Transition

__all__ = ["level_chart_png"]


def level_chart_png(
    frame: pd.DataFrame,
    transitions: Sequence[Transition] = (),
    *,
    days: int = 730,
    title: str = "stormwatch: storm level and score",
) -> bytes:
    """Render the last ``days`` calendar days of score and level as PNG bytes.

    Parameters
    ----------
    frame
        Date-indexed frame with ``level`` and ``score`` (the level frame of an
        assessment, cut at the alert's day).
    transitions
        Level changes; those in the window are marked and labelled.
    days
        Calendar days shown (two years: long enough to see the build-up).
    title
        The chart title.

    Returns
    -------
    bytes
        A PNG image (about 900 x 420 pixels).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import date2num
    from matplotlib.figure import Figure

    if frame.empty:
        raise ValueError("nothing to chart: the level frame is empty")
    end = pd.Timestamp(frame.index[-1])
    window = frame.loc[frame.index >= end - pd.Timedelta(days=days)]
    fig = Figure(figsize=(9, 4.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    dates = pd.DatetimeIndex(window.index).to_pydatetime()
    level = window["level"].to_numpy(dtype="float64")
    for lv in range(len(LEVEL_NAMES)):
        mask = level == lv
        if mask.any():
            ax.fill_between(
                dates, 0, 100, where=mask, step="post", color=LEVEL_COLORS[lv], alpha=0.10, linewidth=0
            )
    ax.plot(dates, window["score"].to_numpy(dtype="float64"), color="#263238", linewidth=1.3, label="score")
    ax.set_ylim(0, 100)
    ax.set_ylabel("score (0-100)")
    ax2 = ax.twinx()
    ax2.step(dates, level, where="post", color="#b71c1c", linewidth=1.8, label="level")
    ax2.set_ylim(-0.2, len(LEVEL_NAMES) - 0.8)
    ax2.set_yticks(range(len(LEVEL_NAMES)))
    ax2.set_yticklabels([f"{i} {n}" for i, n in enumerate(LEVEL_NAMES)], fontsize=8)
    start = pd.Timestamp(window.index[0])
    for t in transitions:
        if start <= t.date <= end:
            x = float(date2num(t.date.to_pydatetime()))  # type: ignore[no-untyped-call]
            ax.axvline(x, color="#455a64", linestyle=":", linewidth=0.9)
            ax2.annotate(
                f"{t.from_level}->{t.to_level}",
                xy=(t.date.to_pydatetime(), float(t.to_level)),
                xytext=(3, 6),
                textcoords="offset points",
                fontsize=8,
            )
    last_level = int(level[-1]) if len(level) and not np.isnan(level[-1]) else 0
    last_score = window["score"].iloc[-1]
    score_text = "n/a" if pd.isna(last_score) else f"{float(last_score):.0f}"
    ax.set_title(
        f"{title}\nas of {end.date()}: level {last_level} {LEVEL_NAMES[last_level]}, score {score_text}",
        fontsize=10,
    )
    ax.grid(True, alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
