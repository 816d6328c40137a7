"""Forward-looking event labels on tiny price paths with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stormwatch.evaluation.targets import DEFAULT_TARGETS, Target, make_target, target_labels

IDX = pd.bdate_range("2021-01-04", periods=8)


def test_default_target_ids_and_parameters() -> None:
    by_id = {t.id: t for t in DEFAULT_TARGETS}
    assert by_id["joint_usd_spx_20d"] == Target("joint_usd_spx_20d", 20, 0.05, 0.02)
    assert by_id["spx_drawdown_10pct_60d"] == Target("spx_drawdown_10pct_60d", 60, 0.10, None)


def test_equity_only_label() -> None:
    spx = pd.Series([100, 99, 89.9, 95, 100, 100, 100, 100.0], index=IDX)
    lab = target_labels(spx, None, Target("t", horizon=2, spx_drop=0.10))
    # day 0: next two days 99, 89.9 -> 89.9 <= 90: event; day 1: 89.9 <= 89.1? no; day 2: 95,100 no.
    assert lab.iloc[:6].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert lab.iloc[6:].isna().all()  # the future is not in the data yet
    assert lab.name == "t"


def test_joint_label_needs_both_on_the_same_day() -> None:
    spx = pd.Series([100, 94, 100, 94, 100, 100, 100, 100.0], index=IDX)
    usd = pd.Series([100, 100, 97, 97, 100, 100, 100, 100.0], index=IDX)
    lab = target_labels(spx, usd, Target("j", horizon=3, spx_drop=0.05, usd_drop=0.02))
    # day 0: day 1 has spx -6% but usd flat; day 2 usd -3% but spx flat; day 3 both: event.
    assert lab.iloc[0] == 1.0
    # day 1 (spx 94, usd 100): needs spx <= 89.3 -> never.
    assert lab.iloc[1] == 0.0
    usd_only_drop = target_labels(spx, usd.mask(usd.index == IDX[3], 100.0), Target("j", 3, 0.05, 0.02))
    assert usd_only_drop.iloc[0] == 0.0  # the two falls on different days do not count


def test_unknown_today_is_unknown_and_gaps_do_not_hit() -> None:
    spx = pd.Series([100, np.nan, 80, 100, 100, 100, 100, 100.0], index=IDX)
    lab = target_labels(spx, None, Target("t", 2, 0.10))
    assert np.isnan(lab.iloc[1])
    assert lab.iloc[0] == 1.0
    spx2 = pd.Series([100, np.nan, 100, 100, 100, 100, 100, 100.0], index=IDX)
    assert target_labels(spx2, None, Target("t", 2, 0.10)).iloc[0] == 0.0


def test_truncation_only_forgets_labels() -> None:
    rng = np.random.default_rng(0)
    idx = pd.bdate_range("2000-01-03", periods=300)
    spx = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.02, 300))), index=idx)
    usd = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 300))), index=idx)
    for t in DEFAULT_TARGETS:
        full = target_labels(spx, usd, t)
        cut = target_labels(spx.iloc[:200], usd.iloc[:200], t)
        known = cut.notna()
        assert (cut[known] == full.iloc[:200][known]).all()
        assert known.sum() == 200 - t.horizon


def test_parameters_are_checked_and_ids_generated() -> None:
    with pytest.raises(ValueError, match="horizon"):
        Target("x", 0, 0.05)
    with pytest.raises(ValueError, match="spx_drop"):
        Target("x", 5, 5.0)
    assert make_target(60, 0.10).id == "spx_drawdown_10pct_60d"
    assert make_target(20, 0.05, 0.02).id == "joint_usd2pct_spx5pct_20d"
    assert "on a day when the dollar index" in DEFAULT_TARGETS[0].description
