"""Sweeps and universe read-outs on a Dask cluster: the same numbers as the local run, on many workers.

Three pieces of work are distributed, each cut into chunks whose results
are reassembled in order:

* the level-parameter sweep (:func:`run_sweep`): chunks of the grid,
  :func:`stormwatch.evaluation.sweep.evaluate_grid` on each; identical to
  the local run (a set's result does not depend on its chunk);
* the signal sweep (:func:`run_signal_sweep`): chunks of the series
  (columns), :func:`stormwatch.evaluation.signal_sweep.signal_sweep` on
  each; identical (a series' result depends on that series only);
* the universe correlation read-out (:func:`run_universe_corr`): chunks of
  rows (time) that overlap by ``window - 1`` rows, the rolling average
  pairwise correlation (:func:`stormwatch.kernels.rolling_avg_corr`) on
  each, warm-up rows dropped. Every kept row has its whole window in its
  chunk, but the kernel anchors its row blocks (moments, GEMM blocks) at
  the chunk's first row, so a value can differ from the one-call result in
  the last bit or two (measured <= 5e-16; the tests allow 1e-12). The
  NaN pattern and ``n_used`` are identical.

Dask is imported only when a cluster is used, so the command line starts
fast. Without ``scheduler`` a ``LocalCluster`` is started on the loopback
interface and closed afterwards; with it, the client connects to that
scheduler (``tcp://host:8786``) and leaves the cluster running.

Kernel threads: every worker process runs one kernel thread per task slot
by default (``kernel_threads=1``, set on the workers with
:func:`stormwatch.kernels.set_num_threads`), so N workers on N cores do
not start N x N threads. An in-process cluster (``processes=False``)
shares this process's setting and is left alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from stormwatch.evaluation.signal_sweep import combine, signal_sweep, split_series
from stormwatch.evaluation.sweep import SweepInputs, evaluate_grid, split_grid
from stormwatch.kernels import PanelStat, rolling_avg_corr, set_num_threads

__all__ = [
    "Progress",
    "dask_client",
    "run_signal_sweep",
    "run_sweep",
    "run_sweep_local",
    "run_universe_corr",
    "time_chunks",
    "universe_corr_local",
]

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` each time a chunk finishes."""


@contextmanager
def dask_client(
    scheduler: str | None = None,
    *,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    processes: bool = True,
    kernel_threads: int | None = 1,
) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler``, or to a LocalCluster on 127.0.0.1 closed on exit.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://10.0.0.5:8786``); ``None``
        starts a LocalCluster for the duration of the ``with`` block.
    n_workers, threads_per_worker, processes
        The LocalCluster's shape (ignored with ``scheduler``).
    kernel_threads
        Kernel threads per worker process (see :func:`stormwatch.kernels.set_num_threads`);
        ``None`` leaves the workers' setting alone. Not applied to an
        in-process cluster (it would change this process).

    Yields
    ------
    distributed.Client
    """
    from distributed import Client, LocalCluster

    cluster: Any = None
    if scheduler is None:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            processes=processes,
            host="127.0.0.1",
            protocol="tcp",
            dashboard_address=None,
            # the scheduler's HTTP server (metrics) would take port 8787 on every interface and
            # warn when another cluster has it: a free loopback port instead, no dashboard
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        )
        client = Client(cluster)  # type: ignore[no-untyped-call]
    else:
        client = Client(scheduler)  # type: ignore[no-untyped-call]
    try:
        if kernel_threads is not None and (scheduler is not None or processes):
            client.run(set_num_threads, kernel_threads)  # type: ignore[no-untyped-call]
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()


def _n_workers(client: Any, default: int) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})) or default)


def _gather(client: Any, futures: list[Any], progress: Progress | None) -> list[Any]:
    """Results of ``futures`` in submission order, reporting each completion to ``progress``."""
    if progress is not None:
        from distributed import as_completed

        progress(0, len(futures))
        for done, _ in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call]
            progress(done, len(futures))
    return list(client.gather(futures))


def run_sweep_local(inputs: SweepInputs, grid: pd.DataFrame, *, chunks: int = 1) -> pd.DataFrame:
    """Evaluate ``grid`` in this process, ``chunks`` pieces at a time (same result for any ``chunks``)."""
    parts = [evaluate_grid(inputs, g) for g in split_grid(grid, chunks)]
    return pd.concat(parts).loc[grid.index] if parts else evaluate_grid(inputs, grid)


def run_sweep(
    inputs: SweepInputs,
    grid: pd.DataFrame,
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    processes: bool = True,
    chunks: int | None = None,
) -> pd.DataFrame:
    """Evaluate ``grid`` on a Dask cluster.

    Parameters
    ----------
    inputs
        The replayed arrays (sent to every worker once).
    grid
        Parameter sets (see :func:`stormwatch.evaluation.sweep.default_grid`).
    scheduler
        Address of a running scheduler (``tcp://10.0.0.5:8786``); ``None``
        starts a LocalCluster bound to 127.0.0.1 for this call.
    n_workers, threads_per_worker, processes
        The LocalCluster's shape (ignored with ``scheduler``).
    chunks
        Pieces the grid is cut into (default: four per worker).

    Returns
    -------
    pandas.DataFrame
        Exactly what :func:`run_sweep_local` returns.
    """
    with dask_client(
        scheduler, n_workers=n_workers, threads_per_worker=threads_per_worker, processes=processes
    ) as client:
        pieces = split_grid(grid, chunks or 4 * _n_workers(client, n_workers))
        shared = client.scatter(inputs, broadcast=True)
        futures = [client.submit(evaluate_grid, shared, piece, pure=False) for piece in pieces]
        parts = client.gather(futures)
    return pd.concat(parts).loc[grid.index] if parts else evaluate_grid(inputs, grid)


# --- signal sweep ---------------------------------------------------------------------------------


def run_signal_sweep(
    panel: pd.DataFrame,
    target: pd.Series | npt.ArrayLike,
    windows: Sequence[int] | None = None,
    thresholds: npt.ArrayLike | None = None,
    *,
    client: Any = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    processes: bool = True,
    chunks: int | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """The signal sweep (:func:`~stormwatch.evaluation.signal_sweep.signal_sweep`) on Dask, chunked by series.

    Parameters
    ----------
    panel, target, windows, thresholds
        As for :func:`~stormwatch.evaluation.signal_sweep.signal_sweep`.
    client
        An open ``distributed.Client`` to use (then ``scheduler`` and the
        cluster shape are ignored); default: open one with :func:`dask_client`.
    scheduler, n_workers, threads_per_worker, processes
        See :func:`dask_client`.
    chunks
        Column chunks (default: four per worker, at most one per series).
    progress
        Called as ``progress(done, total)`` when a chunk finishes.

    Returns
    -------
    pandas.DataFrame
        Exactly what ``signal_sweep(panel, target, windows, thresholds)`` returns.
    """
    if client is None:
        with dask_client(
            scheduler, n_workers=n_workers, threads_per_worker=threads_per_worker, processes=processes
        ) as own:
            return run_signal_sweep(
                panel, target, windows, thresholds, client=own, chunks=chunks, progress=progress
            )
    y = target.to_numpy(dtype=np.float64) if isinstance(target, pd.Series) else np.asarray(target, float)
    if isinstance(target, pd.Series) and not target.index.equals(panel.index):
        raise ValueError("target and panel must share one index (reindex the target to the panel)")
    pieces = split_series(list(panel.columns), chunks or 4 * _n_workers(client, n_workers))
    # The target goes to every worker once; each column chunk is shipped once, to one worker.
    # hash=False: fresh keys per call (same-data keys from a previous call may still be being released)
    shared_y = client.scatter(y, broadcast=True, hash=False)
    data = client.scatter([panel[cols] for cols in pieces], hash=False)
    futures = [client.submit(signal_sweep, d, shared_y, windows, thresholds, pure=False) for d in data]
    return combine(_gather(client, futures, progress))


# --- universe correlation read-out ----------------------------------------------------------------


def time_chunks(n_rows: int, window: int, n_chunks: int) -> list[tuple[int, int, int]]:
    """Row chunks for a rolling statistic: ``(start, keep_from, stop)`` per chunk.

    The chunk computes on rows ``start .. stop-1`` and keeps ``keep_from ..
    stop-1``; ``start = max(0, keep_from - (window - 1))``, so every kept
    row has its whole trailing window inside the chunk. The kept ranges
    tile ``0 .. n_rows-1`` in order.
    """
    if n_chunks < 1:
        raise ValueError("n_chunks must be >= 1")
    if window < 1:
        raise ValueError("window must be >= 1")
    bounds = np.linspace(0, n_rows, min(n_chunks, max(n_rows, 1)) + 1).astype(int).tolist()
    return [(max(0, a - (window - 1)), a, b) for a, b in itertools.pairwise(bounds) if b > a]


def _corr_chunk(x: npt.NDArray[np.float64], window: int, min_obs: int | None, skip: int) -> PanelStat:
    """``rolling_avg_corr`` on a row chunk, without its first ``skip`` (warm-up) rows."""
    res = rolling_avg_corr(x, window, min_obs)
    return PanelStat(res.value[skip:], res.n_used[skip:])


def _concat_stats(parts: Sequence[PanelStat]) -> PanelStat:
    return PanelStat(np.concatenate([p.value for p in parts]), np.concatenate([p.n_used for p in parts]))


def universe_corr_local(
    x: npt.ArrayLike, window: int, min_obs: int | None = None, *, chunks: int = 1
) -> PanelStat:
    """:func:`stormwatch.kernels.rolling_avg_corr` computed over ``chunks`` overlapping row chunks here.

    Bit-identical to :func:`run_universe_corr` with the same ``chunks`` and
    to the one-call kernel within rounding (see the module notes).
    """
    arr = np.asarray(x, dtype=np.float64)
    return _concat_stats(
        [_corr_chunk(arr[s:e], window, min_obs, k - s) for s, k, e in time_chunks(len(arr), window, chunks)]
    )


def run_universe_corr(
    x: npt.ArrayLike | pd.DataFrame,
    window: int,
    min_obs: int | None = None,
    *,
    client: Any = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    processes: bool = True,
    chunks: int | None = None,
    progress: Progress | None = None,
) -> PanelStat:
    """The rolling average pairwise correlation of a universe of series, in time chunks on Dask.

    Parameters
    ----------
    x : array_like or pandas.DataFrame, shape (T, N)
        The panel (usually returns), one column per series; NaN = missing.
    window, min_obs
        As for :func:`stormwatch.kernels.rolling_avg_corr`.
    client, scheduler, n_workers, threads_per_worker, processes
        See :func:`run_signal_sweep` and :func:`dask_client`.
    chunks
        Row chunks (default: four per worker). Each chunk also carries the
        ``window - 1`` rows before it, so more chunks ship more rows.
    progress
        Called as ``progress(done, total)`` when a chunk finishes.

    Returns
    -------
    PanelStat
        ``rolling_avg_corr(x, window, min_obs)`` to rounding (see the module
        notes): same NaN pattern and ``n_used``, values within 1e-12.
    """
    arr = np.ascontiguousarray(np.asarray(x, dtype=np.float64))
    if client is None:
        with dask_client(
            scheduler, n_workers=n_workers, threads_per_worker=threads_per_worker, processes=processes
        ) as own:
            return run_universe_corr(arr, window, min_obs, client=own, chunks=chunks, progress=progress)
    spans = time_chunks(len(arr), window, chunks or 4 * _n_workers(client, n_workers))
    data = client.scatter([arr[s:e] for s, _, e in spans], hash=False)
    futures = [
        client.submit(_corr_chunk, d, window, min_obs, k - s, pure=False)
        for d, (s, k, _) in zip(data, spans, strict=True)
    ]
    return _concat_stats(_gather(client, futures, progress))
