"""Chart builders: policy events from the data, thinning, every chart from the assessment, both renderers."""

from __future__ import annotations

import base64
import dataclasses
import struct

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from stormwatch.compute import Assessment
from stormwatch.delivery.charts import (
    KEY_CHARTS,
    Chart,
    ChartOptions,
    Line,
    Panel,
    build_charts,
    fed_easing_steps,
)
from stormwatch.delivery.episodes import EpisodeSet
from stormwatch.delivery.figures import figure_json, plotly_figure, png_bytes, thin
from stormwatch.signals import registry

# -- fed_easing_steps -------------------------------------------------------------------------------


def _policy_path() -> tuple[pd.Series, pd.Timestamp, pd.Timestamp]:
    """5.25% with month-end dips of 30 bp and a year-end spike; a 25 bp cut and a 50 bp cut."""
    days = pd.bdate_range("2020-01-01", "2020-12-31")
    rate = pd.Series(5.25, index=days)
    cut1, cut2 = days[80], days[160]
    rate.loc[cut1:] -= 0.25
    rate.loc[cut2:] -= 0.50
    month_end = days[
        days.is_month_end | (pd.Series(days.month, index=days).diff(-1).fillna(0) != 0).to_numpy()
    ]
    rate.loc[month_end] -= 0.30  # one-day dips, back the next day: not policy
    rate.loc[days[-3]] += 0.40  # a year-end spike
    return rate, cut1, cut2


def test_easing_steps_find_the_two_cuts_on_their_days_and_ignore_one_day_dips() -> None:
    rate, cut1, cut2 = _policy_path()
    steps = fed_easing_steps(rate, min_cut_bp=20)
    assert list(steps.index) == [cut1, cut2]
    assert steps["cut_bp"].tolist() == [25.0, 50.0]
    assert steps.loc[cut2, "before_pct"] == pytest.approx(5.00)
    assert steps.loc[cut2, "after_pct"] == pytest.approx(4.50)


def test_easing_steps_threshold_and_no_hikes() -> None:
    rate, _, cut2 = _policy_path()
    assert list(fed_easing_steps(rate, min_cut_bp=30).index) == [cut2]
    assert fed_easing_steps(-rate + 10.0).empty  # the mirror image is two hikes: nothing marked
    assert fed_easing_steps(rate.iloc[:15]).empty  # too short to see a step


def test_easing_steps_need_a_window_after_the_step() -> None:
    rate, cut1, _ = _policy_path()
    seen_at = rate.index.get_loc(cut1)
    assert fed_easing_steps(rate.iloc[: seen_at + 5]).empty  # five days after the cut: not yet a step
    assert cut1 in fed_easing_steps(rate.iloc[: seen_at + 10]).index


@pytest.mark.parametrize("kwargs", [{"window": 1}, {"min_cut_bp": 0.0}])
def test_easing_steps_reject_bad_parameters(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="use"):
        fed_easing_steps(pd.Series([1.0, 2.0]), **kwargs)  # type: ignore[arg-type]


def test_easing_steps_on_the_real_fed_funds_rate_date_the_2019_cuts(dev_observations: pd.DataFrame) -> None:
    dff = dev_observations.loc[dev_observations["series_id"] == "fred:DFF"].set_index("period")["value"]
    dff = dff.loc[dff.index.day_of_week < 5]
    steps = fed_easing_steps(dff)
    assert [str(d.date()) for d in steps.loc["2019"].index] == ["2019-08-01", "2019-09-19", "2019-10-31"]
    assert steps.loc["2004":"2006"].empty  # two years of hikes
    assert 8 <= len(steps.loc["2001"]) <= 11  # eleven cuts in 2001, a few merged at two-week spacing


# -- thin -------------------------------------------------------------------------------------------


def test_thin_keeps_recent_days_weekly_before_and_drops_leading_gaps() -> None:
    days = pd.bdate_range("2000-01-03", periods=3000)
    values = pd.Series(np.arange(3000, dtype=float), index=days)
    values.iloc[:10] = np.nan
    out = thin(values, recent_days=520)
    assert out.index[0] >= days[10]
    pd.testing.assert_series_equal(out.iloc[-520:], values.iloc[-520:], check_freq=False)
    old = out.iloc[:-520]
    weeks = pd.DatetimeIndex(old.index).to_period("W")
    assert weeks.is_unique  # at most one point a week
    assert (old == values.loc[old.index]).all()  # values are the originals, never averaged
    assert len(out) < 1100


def test_thin_keeps_only_the_steps_of_a_step_line() -> None:
    days = pd.bdate_range("2000-01-03", periods=100)
    level = pd.Series(0.0, index=days)
    level.iloc[40:55] = 2.0
    out = thin(level, step=True)
    assert list(out.index) == [days[0], days[40], days[55], days[99]]
    assert out.tolist() == [0.0, 2.0, 0.0, 0.0]


# -- the charts of the dev assessment --------------------------------------------------------------


@pytest.fixture(scope="module")
def charts(dev_assessment: Assessment, episodes: EpisodeSet) -> list[Chart]:
    return build_charts(dev_assessment, ChartOptions(episodes=episodes.episodes))


def test_every_thesis_chart_is_built_with_data_and_named_signals(charts: list[Chart]) -> None:
    ids = [c.id for c in charts]
    assert ids == [
        "level_timeline",
        "dollar_policy",
        "real_rates_dollar",
        "foreign_investor",
        "hedge_failure",
        "correlation",
        "leadership",
        "curve",
        "stagflation",
        "metals_vix",
        "net_liquidity",
        "fuel",
        "positioning",
    ]
    assert set(KEY_CHARTS) <= set(ids)
    specs = registry()
    for chart in charts:
        assert chart.has_data, chart.id
        assert chart.signal_ids and all(s in specs for s in chart.signal_ids), chart.id


def test_dollar_chart_marks_easing_steps_from_the_panel(
    charts: list[Chart], dev_assessment: Assessment
) -> None:
    chart = next(c for c in charts if c.id == "dollar_policy")
    expected = fed_easing_steps(dev_assessment.panel.values["fred:DFF"])
    assert [e.date for e in chart.events] == list(expected.index)
    assert any(e.date.year == 2019 and "bp" in e.label for e in chart.events)
    assert chart.view_start == dev_assessment.as_of - pd.DateOffset(years=10)


def test_foreign_investor_lines_start_at_100_in_the_view(charts: list[Chart]) -> None:
    chart = next(c for c in charts if c.id == "foreign_investor")
    labels = [ln.label for ln in chart.panels[0].lines]
    assert labels == [
        "in USD",
        "in EUR, unhedged",
        "in EUR, FX-hedged",
        "in JPY, unhedged",
        "in JPY, FX-hedged",
    ]
    for line in chart.panels[0].lines:
        first = line.values.loc[line.values.index >= chart.view_start].dropna().iloc[0]
        assert first == pytest.approx(100.0)


def test_missing_evidence_is_said_not_hidden(charts: list[Chart], dev_assessment: Assessment) -> None:
    fuel = next(c for c in charts if c.id == "fuel")
    assert any("tic:for_treas_pos" in n for n in fuel.notes)  # no TIC holdings in the dev data
    gone = dataclasses.replace(
        dev_assessment,
        results={k: v for k, v in dev_assessment.results.items() if k != "hedge_failure_index"},
    )
    chart = next(c for c in build_charts(gone) if c.id == "hedge_failure")
    assert "hedge_failure_index: not evaluated in this build of stormwatch" in chart.notes
    assert all(ln.label != "average" for p in chart.panels for ln in p.lines)


def test_level_timeline_is_all_history_with_every_episode_and_step(
    charts: list[Chart], dev_assessment: Assessment, episodes: EpisodeSet
) -> None:
    chart = next(c for c in charts if c.id == "level_timeline")
    assert chart.view_start is None
    assert len(chart.bands) == len(episodes.episodes)
    ups = [t for t in dev_assessment.level.transitions if t.to_level > t.from_level]
    assert [e.date for e in chart.events] == [t.date for t in ups]
    level = next(ln for ln in chart.panels[0].lines if ln.step)
    pd.testing.assert_series_equal(level.values, dev_assessment.level.frame["level"].astype("float64"))


# -- renderers ----------------------------------------------------------------------------------------


def test_plotly_figures_are_valid_and_carry_the_data(charts: list[Chart]) -> None:
    for chart in charts:
        fig = plotly_figure(chart)
        go.Figure(fig)  # plotly's own validator: raises on any unknown property or bad value
        assert "<" not in figure_json(fig)
        lines = [ln for p in chart.panels for ln in p.lines if ln.values.notna().any()]
        traces = [t for t in fig["data"] if t["name"] != "events"]
        assert len(traces) == len(lines)
        for trace, line in zip(traces, lines, strict=True):
            y = np.frombuffer(base64.b64decode(trace["y"]["bdata"]), dtype="<f4")
            expected = thin(line.values, step=line.step)
            np.testing.assert_array_equal(y, expected.to_numpy().astype("<f4"))
            assert trace["x"] == [str(d.date()) for d in expected.index]
        meta = fig["layout"]["meta"]
        assert set(meta["rescale"]) <= {k for k in fig["layout"] if k.startswith("yaxis")}


def test_plotly_view_opens_on_the_last_ten_years(charts: list[Chart], dev_assessment: Assessment) -> None:
    fig = plotly_figure(next(c for c in charts if c.id == "dollar_policy"))
    lo, hi = fig["layout"]["xaxis"]["range"]
    assert lo == "2009-12-31" and hi == str(dev_assessment.as_of.date())


def test_png_is_an_image_of_the_chart(charts: list[Chart]) -> None:
    data = png_bytes(next(c for c in charts if c.id == "level_timeline"))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1100 and 300 < height < 800


def test_an_empty_chart_renders_without_error() -> None:
    chart = Chart("empty", "nothing", "", panels=(Panel((Line("x", pd.Series(dtype=float)),), "y"),))
    assert not chart.has_data
    assert plotly_figure(chart)["data"] == []
    assert png_bytes(chart)[:4] == b"\x89PNG"
