"""Sweeps on a Dask cluster: the same numbers as the local run, on as many workers as there are.

The sweep's unit of work is :func:`stormwatch.evaluation.sweep.evaluate_grid`
on a chunk of the grid; its result for a parameter set does not depend on
the chunk, so the distributed result, reassembled in grid order, equals the
local one exactly (the tests compare them with ``check_exact``).

Dask is imported only when a cluster is used, so the command line starts
fast. Without ``scheduler`` a ``LocalCluster`` is started on the loopback
interface and closed afterwards; with it, the client connects to that
scheduler (``tcp://host:8786``) and leaves the cluster running.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from stormwatch.evaluation.sweep import SweepInputs, evaluate_grid, split_grid

__all__ = ["run_sweep", "run_sweep_local"]


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
        )
        client = Client(cluster)  # type: ignore[no-untyped-call]
    else:
        client = Client(scheduler)  # type: ignore[no-untyped-call]
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})) or n_workers)
        pieces = split_grid(grid, chunks or 4 * workers)
        shared = client.scatter(inputs, broadcast=True)  # type: ignore[no-untyped-call]
        futures = [client.submit(evaluate_grid, shared, piece, pure=False) for piece in pieces]
        parts = client.gather(futures)  # type: ignore[no-untyped-call]
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()
    return pd.concat(parts).loc[grid.index] if parts else evaluate_grid(inputs, grid)
