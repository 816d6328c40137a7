"""Signal sweep and universe read-out on a real (loopback) Dask LocalCluster = the local path."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from stormwatch.bench._core import synthetic_panel
from stormwatch.bench.sweep import bench_dask_scaling, synthetic_target
from stormwatch.distributed import (
    dask_client,
    run_signal_sweep,
    run_universe_corr,
    time_chunks,
    universe_corr_local,
)
from stormwatch.evaluation.signal_sweep import signal_sweep
from stormwatch.kernels import rolling_avg_corr


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """Two in-process workers on 127.0.0.1 (quick to start; same code path as worker processes)."""
    with dask_client(n_workers=2, processes=False) as c:
        yield c


def _universe() -> np.ndarray:
    """SYNTHETIC one-factor returns, 40 series, with a gap and a flat stretch."""
    x = synthetic_panel(900, 40, seed=3)
    x[200:260, 5] = np.nan
    x[500:600, 7] = 0.0
    return x


@pytest.mark.parametrize(("n_rows", "window", "n"), [(10, 3, 4), (100, 20, 7), (5, 50, 3), (30, 1, 30)])
def test_time_chunks_tile_the_rows_with_a_full_window_each(n_rows: int, window: int, n: int) -> None:
    spans = time_chunks(n_rows, window, n)
    assert spans[0][1] == 0 and spans[-1][2] == n_rows
    for (_, _, e), (_, k, _) in itertools.pairwise(spans):
        assert e == k
    assert all(s == max(0, k - window + 1) for s, k, _ in spans)


def test_signal_sweep_on_dask_is_identical(client: Any) -> None:
    idx = pd.bdate_range("2001-01-01", periods=1000)
    x = np.cumsum(np.random.default_rng(8).standard_normal((1000, 9)), axis=0)  # SYNTHETIC
    panel = pd.DataFrame(x, index=idx, columns=[f"x{i}" for i in range(9)])
    y = pd.Series(synthetic_target(1000, seed=8), index=idx)
    ws, th = [15, 80, 300], np.linspace(-2.5, 2.5, 11)
    seen: list[tuple[int, int]] = []
    got = run_signal_sweep(
        panel, y, ws, th, client=client, chunks=4, progress=lambda d, t: seen.append((d, t))
    )
    pd.testing.assert_frame_equal(got, signal_sweep(panel, y, ws, th), check_exact=True)
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    with pytest.raises(ValueError, match="share one index"):
        run_signal_sweep(panel, y.iloc[1:], ws, th, client=client)


def test_universe_corr_chunked_here_and_on_dask(client: Any) -> None:
    x = _universe()
    whole = rolling_avg_corr(x, 60, min_obs=20)
    assert np.array_equal(universe_corr_local(x, 60, 20).value, whole.value, equal_nan=True)
    for chunks in (3, 8):
        here = universe_corr_local(x, 60, 20, chunks=chunks)
        there = run_universe_corr(x, 60, 20, client=client, chunks=chunks)
        # the same chunks give bit-identical results wherever they run
        np.testing.assert_array_equal(there.value, here.value)
        np.testing.assert_array_equal(there.n_used, here.n_used)
        # and the one-call kernel to rounding (its row blocks are anchored at each chunk's start)
        np.testing.assert_array_equal(there.n_used, whole.n_used)
        np.testing.assert_array_equal(np.isnan(there.value), np.isnan(whole.value))
        np.testing.assert_allclose(there.value, whole.value, rtol=0, atol=1e-12)
    assert (whole.n_used[559:600] == 39).all() and whole.n_used[558] == 40  # a flat column is dropped


def test_a_dataframe_and_a_local_cluster_of_its_own() -> None:
    x = pd.DataFrame(_universe()[:300, :6])
    got = run_universe_corr(x, 30, n_workers=1, processes=False, chunks=2)
    np.testing.assert_array_equal(got.value, universe_corr_local(x, 30, chunks=2).value)


def test_worker_processes_get_one_kernel_thread() -> None:
    from stormwatch.kernels import get_num_threads

    x = pd.DataFrame(np.cumsum(synthetic_panel(400, 3, seed=9), axis=0))
    y = synthetic_target(400, seed=9)
    with dask_client(n_workers=1, processes=True, kernel_threads=1) as c:
        assert list(c.run(get_num_threads).values()) == [1]
        got = run_signal_sweep(x, y, [30], [0.0, 1.0], client=c, chunks=2)
    pd.testing.assert_frame_equal(got, signal_sweep(x, y, [30], [0.0, 1.0]), check_exact=True)


def test_scaling_bench_reports_identical_results() -> None:
    res = bench_dask_scaling(
        workers=(1,), sweep_series=3, sweep_windows=[10, 30], sweep_thresholds=4, universe_n=12, t=300,
        corr_window=20, repeat=1, processes=False,
    )  # fmt: skip
    assert [r.n for r in res] == [3, 12]
    assert res[0].max_abs_diff == 0.0 and res[1].matched
    assert all(r.extra is not None and r.extra["local_one_thread_seconds"] > 0 for r in res)
