"""Signal sweep at the evaluation level: the tidy frame, its rates, and split + combine = one call."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stormwatch.bench.sweep import synthetic_target
from stormwatch.evaluation.metrics import auroc as metrics_auroc
from stormwatch.evaluation.metrics import confusion
from stormwatch.evaluation.signal_sweep import (
    RESULT_COLUMNS,
    combine,
    default_thresholds,
    default_windows,
    signal_sweep,
    split_series,
)
from stormwatch.evaluation.targets import forward_hits
from stormwatch.kernels import rolling_zscore


@pytest.fixture(scope="module")
def synthetic() -> tuple[pd.DataFrame, pd.Series]:
    """SYNTHETIC random-walk indicators and a synthetic forward-drawdown label."""
    idx = pd.bdate_range("2000-01-03", periods=1200)
    x = np.cumsum(np.random.default_rng(11).standard_normal((1200, 6)), axis=0)
    x[300:330, 4] = np.nan
    panel = pd.DataFrame(x, index=idx, columns=[f"ind{i}" for i in range(6)])
    return panel, pd.Series(synthetic_target(1200, seed=11), index=idx)


def test_tidy_frame_layout_and_identities(synthetic: tuple[pd.DataFrame, pd.Series]) -> None:
    panel, y = synthetic
    ws, th = [20, 60, 120], [-1.0, 0.0, 1.0, 2.0]
    res = signal_sweep(panel, y, ws, th)
    assert list(res.columns) == list(RESULT_COLUMNS)
    assert len(res) == 6 * 3 * 4 and res.index.equals(pd.RangeIndex(len(res)))
    assert res["series"].tolist()[:12] == ["ind0"] * 12
    assert res["window"].tolist()[:5] == [20, 20, 20, 20, 60]
    assert res["threshold"].tolist()[:4] == th
    n_pos = res["hits"] + res["misses"]
    n_neg = res["false_alarms"] + res["quiet"]
    # per (series, window) the evaluated days do not depend on the threshold
    assert (n_pos.groupby([res["series"], res["window"]]).nunique() == 1).all()
    assert (n_neg.groupby([res["series"], res["window"]]).nunique() == 1).all()
    np.testing.assert_allclose(res["hit_rate"], res["hits"] / n_pos)
    np.testing.assert_allclose(res["false_alarm_rate"], res["false_alarms"] / n_neg)
    nsr = np.where(res["hit_rate"] > 0, res["false_alarm_rate"] / res["hit_rate"], np.nan)
    np.testing.assert_allclose(res["noise_to_signal"], nsr)
    # hits fall as the threshold rises
    assert (res.groupby(["series", "window"])["hits"].diff().dropna() <= 0).all()


def test_one_config_equals_the_metrics_module(synthetic: tuple[pd.DataFrame, pd.Series]) -> None:
    panel, y = synthetic
    res = signal_sweep(panel, y, [60], [0.5])
    row = res[res["series"] == "ind4"].iloc[0]
    z = pd.Series(rolling_zscore(panel["ind4"].to_numpy(), 60), index=panel.index)
    known = z.notna() & y.notna()
    alarm = (z >= 0.5).astype(float).where(known)
    c = confusion(alarm, y.where(known))
    assert (row["hits"], row["false_alarms"], row["misses"], row["quiet"]) == (c.a, c.b, c.c, c.d)
    assert abs(row["auroc"] - metrics_auroc(z.where(known), y.where(known))) <= 1e-12


def test_split_and_combine_is_identical(synthetic: tuple[pd.DataFrame, pd.Series]) -> None:
    panel, y = synthetic
    ws, th = [10, 45, 200], np.linspace(-2, 2, 7)
    whole = signal_sweep(panel, y, ws, th)
    for n in (1, 2, 4, 6, 10):
        pieces = split_series(panel.columns, n)
        assert [c for p in pieces for c in p] == list(panel.columns)
        got = combine([signal_sweep(panel[p], y, ws, th) for p in pieces])
        pd.testing.assert_frame_equal(got, whole, check_exact=True)


def test_defaults_and_bad_input(synthetic: tuple[pd.DataFrame, pd.Series]) -> None:
    panel, y = synthetic
    assert len(default_windows()) == 40 and default_thresholds().size == 100
    res = signal_sweep(panel.iloc[:, :1], y.to_numpy())
    assert len(res) == 40 * 100
    with pytest.raises(ValueError, match="share one index"):
        signal_sweep(panel, y.iloc[1:], [20], [0.0])
    with pytest.raises(ValueError, match="no series"):
        signal_sweep(panel.iloc[:, :0], y, [20], [0.0])
    with pytest.raises(ValueError, match="n_chunks"):
        split_series(panel.columns, 0)


def test_real_indicators_against_a_real_spx_drawdown(dev_data_dir: Path) -> None:
    """Real data read in place: VIX, DXY and the 10y yield vs a 10% S&P 500 drawdown within 60 days."""
    cols = {}
    for name in ("SP500", "VIX", "DXY", "DGS10"):
        s = pd.read_csv(dev_data_dir / f"{name}.csv", parse_dates=["date"], index_col="date")["value"]
        cols[name] = pd.to_numeric(s, errors="coerce")
    frame = pd.DataFrame(cols).loc["2000":].dropna(subset=["SP500"])
    y = pd.Series(forward_hits(frame["SP500"].to_numpy(), None, 60, 0.10, None), index=frame.index)
    panel = frame[["VIX", "DXY", "DGS10"]].ffill()
    res = signal_sweep(panel, y, [60, 250], [0.0, 1.0, 2.0])
    halves = combine(
        [signal_sweep(panel[p], y, [60, 250], [0.0, 1.0, 2.0]) for p in split_series(panel.columns, 2)]
    )
    pd.testing.assert_frame_equal(halves, res, check_exact=True)
    assert ((res["hits"] + res["misses"]) > 0).all() and res["auroc"].between(0, 1).all()
