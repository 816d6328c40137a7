"""Whole-history and incremental-run benchmarks: full assessment, one-day step, peak memory.

``bench_history(store_path)`` reads a store (real data, opened read only);
``bench_history()`` writes the SIMULATED demo scenario
(:func:`stormwatch.demo.simulate_scenario`) into a temporary store first.
Unlike the kernel benchmarks these run the real pipeline on a real panel:

* ``assess_full_history`` — :func:`stormwatch.compute.assess_panel` on the
  whole panel (warm-up from 1985, every day to the last), data load excluded;
  its baseline is the issue's target (2 s), so ``speedup >= 1`` meets it.
  ``extra["peak_rss_mb"]``: peak resident memory of a separate process that
  opens the store, loads the panel and assesses it (target: under 1 GiB).
* ``incremental_step`` — :func:`stormwatch.incremental.step` adding the last
  day to the state of a run up to the day before; baseline: the full
  recompute on the same panel (``speedup`` = full / step). ``max_abs_diff``
  compares the two over every intensity and numeric evidence column.

Timings are medians of ``repeat`` runs (the machine may be shared); numba
compilation is excluded by a first untimed run.
"""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from stormwatch import compute, incremental
from stormwatch.bench._core import BenchResult
from stormwatch.catalog import load_catalog
from stormwatch.demo import DEFAULT_START as DEMO_START
from stormwatch.panel import Panel, StaleDataWarning, load_panel
from stormwatch.store import Store

__all__ = ["FULL_TARGET_SECONDS", "PEAK_RSS_TARGET_MB", "STEP_TARGET_SECONDS", "bench_history"]

#: The issue's targets: full history under 2 s after data load, peak memory under 1 GiB,
#: the daily incremental step under 200 ms.
FULL_TARGET_SECONDS = 2.0
PEAK_RSS_TARGET_MB = 1024.0
STEP_TARGET_SECONDS = 0.2

# The demo store is written by the demo's own public writer (stormwatch.cli.demo.write_scenario:
# validated, labelled SIMULATED). It runs in a child process because bench sits below cli in the
# import layers (pyproject's import-linter contract).
_DEMO_SCRIPT = """
import datetime as dt, sys
from stormwatch.catalog import load_catalog
from stormwatch.cli.demo import write_scenario
from stormwatch.demo import simulate_scenario
from stormwatch.store import Store
seed = int(sys.argv[2])
catalog = load_catalog()
frame = simulate_scenario(seed, catalog=catalog)
now = dt.datetime(2020, 1, 1)
with Store.open(sys.argv[1]) as st:
    write_scenario(st, frame, catalog, seed=seed, now=now)
"""

# Peak memory of one full run (store open, panel load, assessment), in a fresh process.
_RSS_SCRIPT = """
import resource, sys, warnings
import pandas as pd
warnings.simplefilter("ignore")
from stormwatch import compute
from stormwatch.catalog import load_catalog
from stormwatch.panel import load_panel
from stormwatch.store import Store
catalog = load_catalog()
ids = [i for i in compute.required_ids() if i in catalog]
with Store.open(sys.argv[1], read_only=True) as st:
    as_of = compute.latest_market_day(st, catalog, ids)
    panel = load_panel(st, catalog, ids, start=pd.Timestamp(sys.argv[2]), as_of=as_of)
compute.assess_panel(panel)
# VmHWM: this process's own peak. ru_maxrss would keep the forking parent's peak across exec.
try:
    with open("/proc/self/status") as fh:
        print(next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")))  # KiB
except OSError:  # not Linux
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _demo_store(directory: Path, seed: int) -> Path:
    path = directory / "demo.duckdb"
    subprocess.run(
        [sys.executable, "-c", _DEMO_SCRIPT, str(path), str(seed)], check=True, capture_output=True
    )
    return path


def _median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(statistics.median(times))


def _load(path: Path, start: pd.Timestamp) -> tuple[Panel, float]:
    catalog = load_catalog()
    ids = [i for i in compute.required_ids() if i in catalog]
    t0 = time.perf_counter()
    with Store.open(path, read_only=True) as st, warnings.catch_warnings():
        warnings.simplefilter("ignore", StaleDataWarning)
        as_of = compute.latest_market_day(st, catalog, ids)
        panel = load_panel(st, catalog, ids, start=start, as_of=as_of)
    return panel, time.perf_counter() - t0


def _max_diff(a: compute.Assessment, b: compute.Assessment) -> float:
    """Largest absolute difference over intensities, numeric evidence and the level score (NaN = NaN)."""
    worst = 0.0
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    for sid, r in b.results.items():
        x = a.results[sid]
        if not x.state.equals(r.state):
            return math.inf
        pairs.append((x.intensity.to_numpy(dtype="float64"), r.intensity.to_numpy(dtype="float64")))
        num = r.evidence.select_dtypes("number").columns
        pairs.append((x.evidence[num].to_numpy(dtype="float64"), r.evidence[num].to_numpy(dtype="float64")))
    fa, fb = a.level.frame, b.level.frame
    if not fa["level"].equals(fb["level"]):
        return math.inf
    pairs.append((fa["score"].to_numpy(dtype="float64"), fb["score"].to_numpy(dtype="float64")))
    for u, v in pairs:
        if u.shape != v.shape or not np.array_equal(np.isnan(u), np.isnan(v)):
            return math.inf
        if u.size:
            worst = max(worst, float(np.nanmax(np.abs(u - v), initial=0.0)))
    return worst


def bench_history(
    store_path: str | Path | None = None, *, repeat: int = 5, seed: int = 0
) -> list[BenchResult]:
    """Time the full-history assessment and the incremental one-day step; measure peak memory.

    Parameters
    ----------
    store_path
        A store to read (opened read only). ``None``: the SIMULATED demo
        scenario (seed ``seed``), written to a temporary store.
    repeat
        Timed runs of each (the median is reported).
    seed
        Seed of the simulated scenario (ignored with ``store_path``).

    Returns
    -------
    list of BenchResult
        ``assess_full_history`` (baseline: the 2 s target; ``extra`` holds
        ``peak_rss_mb``, ``load_seconds`` and the data label) and
        ``incremental_step`` (baseline: the full recompute on the same panel;
        ``extra`` holds how the step ran and the 200 ms target).
    """
    with tempfile.TemporaryDirectory(prefix="stormwatch-bench-") as tmp:
        simulated = store_path is None
        path = _demo_store(Path(tmp), seed) if store_path is None else Path(store_path)
        start = DEMO_START if simulated else compute.DEFAULT_START
        panel, load_s = _load(path, start)
        out = subprocess.run(
            [sys.executable, "-c", _RSS_SCRIPT, str(path), str(start.date())],
            capture_output=True,
            text=True,
            check=True,
        )
        rss_mb = int(out.stdout.strip().splitlines()[-1]) / 1024.0
    data = f"SIMULATED demo scenario (seed {seed})" if simulated else f"store {path}"
    values = panel.values
    n = len(values)
    prefix = Panel(values.iloc[: n - 1], panel.age_days.iloc[: n - 1], panel.stale, panel.missing)

    ref = compute.assess_panel(panel)  # untimed: numba compilation, caches
    t_full = _median_seconds(lambda: compute.assess_panel(panel), repeat)
    _, state = incremental.full_run(prefix)
    inc, _, info = incremental.step(state, panel)
    t_step = _median_seconds(lambda: incremental.step(state, panel), repeat)
    diff = _max_diff(inc, ref)

    days, cols = values.shape
    span = f"{values.index[0].date()}..{values.index[-1].date()}"
    note = f"median of {repeat} runs; {days} days x {cols} series ({span}); {data}"
    full = BenchResult(
        kernel="assess_full_history",
        n=cols,
        t=days,
        window=0,
        seconds=t_full,
        baseline=f"target {FULL_TARGET_SECONDS:g} s",
        baseline_seconds=FULL_TARGET_SECONDS,
        baseline_note=note + "; data load excluded",
        bound=None,
        bound_seconds=None,
        max_abs_diff=0.0,
        tolerance=0.0,
        target_speedup=1.0,
        extra={
            "peak_rss_mb": round(rss_mb, 1),
            "peak_rss_target_mb": PEAK_RSS_TARGET_MB,
            "peak_rss_ok": rss_mb < PEAK_RSS_TARGET_MB,
            "load_seconds": round(load_s, 3),
            "simulated": simulated,
        },
    )
    step = BenchResult(
        kernel="incremental_step",
        n=cols,
        t=days,
        window=1,
        seconds=t_step,
        baseline="assess_panel (full recompute)",
        baseline_seconds=t_full,
        baseline_note=note + "; step = last day added to a state up to the day before",
        bound=None,
        bound_seconds=None,
        max_abs_diff=diff,
        tolerance=1e-9,
        extra={
            "mode": info.mode,
            "new_days": info.new_days,
            "full_signals": list(info.full_signals),
            "target_seconds": STEP_TARGET_SECONDS,
            "target_ok": t_step < STEP_TARGET_SECONDS,
            "simulated": simulated,
        },
    )
    return [full, step]


def main(argv: list[str] | None = None) -> None:
    """``python -m stormwatch.bench.history [STORE] [--repeat N]``: print the results as JSON."""
    args = list(sys.argv[1:] if argv is None else argv)
    repeat = 5
    if "--repeat" in args:
        i = args.index("--repeat")
        repeat = int(args[i + 1])
        del args[i : i + 2]
    results = bench_history(args[0] if args else None, repeat=repeat)
    sys.stdout.write(json.dumps([r.to_dict() for r in results], indent=1, default=str) + "\n")


if __name__ == "__main__":  # pragma: no cover
    main()
