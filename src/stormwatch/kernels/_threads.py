"""Run a numba ``nogil`` kernel over chunks of an index range on a few threads.

The kernels release the GIL, so plain Python threads run them in parallel
without numba's own threading layers: no OpenMP/TBB runtime, safe after
``fork`` (Dask, multiprocessing) and safe to call from several threads at
once, and no extra compile time for ``parallel=True`` functions.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

__all__ = ["get_num_threads", "run_chunks", "set_num_threads"]

# Below this much work (roughly, inner-loop steps) per thread, threads cost more than they save.
_MIN_WORK_PER_THREAD = 200_000

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_size = 0


def _available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


_num_threads = _available_cpus()


def set_num_threads(n: int | None) -> None:
    """Set how many threads the kernels may use (``None``: the CPUs available to the process).

    Use 1 inside a process pool or a Dask worker that already runs one task
    per core.
    """
    global _num_threads
    if n is None:
        _num_threads = _available_cpus()
        return
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"number of threads must be an int >= 1 or None; got {n!r}")
    _num_threads = n


def get_num_threads() -> int:
    """How many threads the kernels may use."""
    return _num_threads


def _get_executor(workers: int) -> ThreadPoolExecutor:
    global _executor, _executor_size
    with _lock:
        if _executor is None or _executor_size < workers:
            if _executor is not None:
                _executor.shutdown(wait=False)
            _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stormwatch-kernels")
            _executor_size = workers
        return _executor


def run_chunks(fn: Callable[..., object], n: int, work: int, *args: object, grain: int = 1) -> None:
    """Call ``fn(*args, lo, hi)`` over contiguous chunks covering ``range(n)``.

    ``work`` is a rough count of inner-loop steps for the whole range; the
    range is split over at most ``get_num_threads()`` threads, and not at
    all when the work is small. Chunk bounds are multiples of ``grain``
    (e.g. a kernel's column tile) except the last. The calling thread runs
    the first chunk.
    """
    if n <= 0:
        return
    g = max(1, grain)
    units = -(-n // g)
    k = min(_num_threads, units, max(1, work // _MIN_WORK_PER_THREAD))
    if k <= 1:
        fn(*args, 0, n)
        return
    bounds = [min(n, ((i * units) // k) * g) for i in range(k + 1)]
    pool = _get_executor(k - 1)
    futures = [pool.submit(fn, *args, bounds[i], bounds[i + 1]) for i in range(1, k)]
    try:
        fn(*args, bounds[0], bounds[1])
    finally:
        for f in futures:
            f.result()
