"""Parameter sweeps: vectorised = engine, chunked = whole, Dask = local (exactly)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stormwatch.distributed import run_sweep, run_sweep_local
from stormwatch.evaluation.evaluate import SPX_COLUMN, USD_COLUMN
from stormwatch.evaluation.metrics import auroc, score_alarm, signal_metrics
from stormwatch.evaluation.replay import Replay
from stormwatch.evaluation.sweep import (
    GRID_COLUMNS,
    METRIC_COLUMNS,
    SweepInputs,
    default_grid,
    evaluate_grid,
    hysteresis_paths,
    split_grid,
)
from stormwatch.evaluation.targets import forward_hits
from stormwatch.level import STORM_SPEC, apply_hysteresis


@settings(max_examples=40, deadline=None)
@given(
    raw=st.lists(st.integers(0, 4), min_size=1, max_size=60),
    ups=st.lists(st.integers(1, 6), min_size=1, max_size=4),
    downs=st.lists(st.integers(1, 12), min_size=1, max_size=4),
)
def test_vectorised_hysteresis_equals_the_engine(raw: list[int], ups: list[int], downs: list[int]) -> None:
    r = pd.Series(raw, dtype="int64")
    pairs = [(u, d) for u in ups for d in downs]
    paths = hysteresis_paths(r.to_numpy(), [u for u, _ in pairs], [d for _, d in pairs])
    for k, (u, d) in enumerate(pairs):
        np.testing.assert_array_equal(paths[k], apply_hysteresis(r, up_days=u, down_days=d).to_numpy())


@pytest.fixture(scope="module")
def inputs(dev_replay: Replay, eval_panel: pd.DataFrame) -> SweepInputs:
    return SweepInputs.from_frames(
        dev_replay.frame, eval_panel[SPX_COLUMN], eval_panel[USD_COLUMN], start=pd.Timestamp("1990-01-01")
    )


@pytest.fixture(scope="module")
def grid() -> pd.DataFrame:
    return default_grid(
        up_days=(1, 2, 5), down_days=(5, 10), level_k=(1, 2), score_window=(1, 5), alarm_quantile=(0.9, 0.95)
    )


@pytest.fixture(scope="module")
def whole(inputs: SweepInputs, grid: pd.DataFrame) -> pd.DataFrame:
    return evaluate_grid(inputs, grid)


def test_grid_and_result_columns(grid: pd.DataFrame, whole: pd.DataFrame) -> None:
    assert len(grid) == 3 * 2 * 2 * 2 * 2 * 2
    assert list(whole.columns) == [*GRID_COLUMNS, *METRIC_COLUMNS]
    pd.testing.assert_frame_equal(whole[list(GRID_COLUMNS)], grid)


def test_a_row_does_not_depend_on_its_chunk(
    inputs: SweepInputs, grid: pd.DataFrame, whole: pd.DataFrame
) -> None:
    pieces = [evaluate_grid(inputs, g) for g in split_grid(grid.sample(frac=1.0, random_state=1), 5)]
    pd.testing.assert_frame_equal(pd.concat(pieces).loc[grid.index], whole, check_exact=True)


def test_sweep_row_equals_the_direct_computation(
    inputs: SweepInputs, whole: pd.DataFrame, dev_replay: Replay
) -> None:
    """Independent path: the declared hysteresis, metrics.signal_metrics and metrics.auroc on one row."""
    row = whole.loc[
        (whole["up_days"] == STORM_SPEC.up_days)
        & (whole["down_days"] == STORM_SPEC.down_days)
        & (whole["level_k"] == 1)
        & (whole["score_window"] == 1)
        & (whole["alarm_quantile"] == 0.9)
        & (whole["horizon"] == 20)
    ].iloc[0]
    frame = dev_replay.frame
    level = apply_hysteresis(frame["raw_stage"], up_days=STORM_SPEC.up_days, down_days=STORM_SPEC.down_days)
    # Re-running the hysteresis on the replayed raw path gives the replayed level (dev data).
    assert (level != frame["level"]).sum() <= 5
    lab = forward_hits(inputs.spx, inputs.usd, 20, 0.05, 0.02)
    sa = score_alarm(frame["score"], 0.9, 252).to_numpy()
    known = inputs.span & np.isfinite(lab) & np.isfinite(sa)
    y = lab[known]
    lv = signal_metrics((level.to_numpy() >= 1)[known].astype(float), y)
    sc = signal_metrics(sa[known], y)
    assert row["n_days"] == lv["n_days"]
    assert row["level_hit_rate"] == pytest.approx(lv["hit_rate"])
    assert row["level_false_alarm_rate"] == pytest.approx(lv["false_alarm_rate"])
    assert row["level_usefulness"] == pytest.approx(lv["usefulness"])
    assert row["level_alarms_per_year"] == pytest.approx(lv["alarms_per_year"])
    assert row["level_auroc"] == pytest.approx(auroc((level.to_numpy() >= 1)[known].astype(float), y))
    assert row["score_hit_rate"] == pytest.approx(sc["hit_rate"])
    assert row["score_noise_to_signal"] == pytest.approx(sc["noise_to_signal"])
    assert row["score_auroc"] == pytest.approx(auroc(frame["score"].to_numpy()[known], y))


def test_dask_local_cluster_gives_exactly_the_local_result(
    inputs: SweepInputs, grid: pd.DataFrame, whole: pd.DataFrame
) -> None:
    """A real LocalCluster (2 workers, loopback): same numbers, same order."""
    got = run_sweep(inputs, grid, n_workers=2, processes=False, chunks=6)
    pd.testing.assert_frame_equal(got, whole, check_exact=True)
    pd.testing.assert_frame_equal(run_sweep_local(inputs, grid, chunks=4), whole, check_exact=True)


def test_grid_is_checked() -> None:
    with pytest.raises(ValueError, match="up_days"):
        default_grid(up_days=(0,))
    with pytest.raises(ValueError, match="lacks columns"):
        evaluate_grid(
            SweepInputs(
                pd.DatetimeIndex([]),
                np.array([], dtype=np.int64),
                np.array([]),
                np.array([]),
                np.array([]),
                np.array([], dtype=bool),
            ),
            pd.DataFrame({"up_days": [1]}),
        )
