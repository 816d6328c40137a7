"""Run BLAS/LAPACK on one thread inside a kernel.

The panel kernels call BLAS on many small matrices from their own worker
threads; a multi-threaded OpenBLAS then oversubscribes the cores and is
several times slower than one thread per worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

__all__ = ["one_blas_thread"]


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit every loaded BLAS library to one thread for the duration of the block.

    The limit is process-wide (OpenBLAS has no per-thread setting); the
    previous limits are restored on exit.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield
