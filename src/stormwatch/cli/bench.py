"""``stormwatch bench``: time each kernel against its pandas / numpy baseline, in one run.

On SYNTHETIC random data only (see :mod:`stormwatch.bench`). ``--quick``
runs small sizes and is a correctness check (exit 1 if any kernel differs
from its baseline beyond tolerance); it makes no timing claims.

LAPACK calls (absorption ratio, turbulence and their baselines) are run with
BLAS limited to ``--blas-threads`` threads (default 1, as the kernels
recommend) when ``threadpoolctl`` is installed; the header says what was used.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
from collections.abc import Iterator
from typing import Annotated

import typer
from rich.table import Table

from stormwatch import kernels
from stormwatch.bench import DATA_NOTE, TIMING_NOTE, BenchResult, Sizes, run_bench
from stormwatch.cli._app import app, err, out

__all__ = ["bench_cmd"]


@contextlib.contextmanager
def _blas_limit(threads: int) -> Iterator[str]:
    try:
        tpc = importlib.import_module("threadpoolctl")
    except ImportError:
        env = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
        yield f"not controlled (threadpoolctl not installed; OPENBLAS_NUM_THREADS={env})"
        return
    with tpc.threadpool_limits(limits=threads, user_api="blas"):
        yield f"{threads} (threadpoolctl)"


def _fmt(x: float | None, spec: str = ".4g") -> str:
    return "" if x is None else format(x, spec)


def _target(r: BenchResult) -> str:
    parts = []
    if r.target_speedup is not None:
        parts.append(f">={r.target_speedup:g}x")
    if r.target_over_bound is not None:
        parts.append(f"<={r.target_over_bound:g}x bound")
    return ", ".join(parts)


def _met(r: BenchResult) -> str:
    met = r.meets_target
    if met is None and r.extra and "target_ok" in r.extra:
        met = bool(r.extra["target_ok"])
    return "" if met is None else ("yes" if met else "[yellow]missed[/]")


def _table(results: list[BenchResult]) -> Table:
    table = Table(title="stormwatch bench (kernels on SYNTHETIC data; ratios from this run)")
    for col in ("kernel", "N", "T", "W", "kernel s", "baseline s", "speedup", "bound s", "kernel/bound"):
        table.add_column(col, justify="left" if col == "kernel" else "right")
    for col in ("target", "met", "max|diff|", "ok"):
        table.add_column(col, justify="right")
    for r in results:
        table.add_row(
            r.kernel,
            str(r.n),
            f"{r.t:,}",
            str(r.window),
            _fmt(r.seconds),
            _fmt(r.baseline_seconds) + (" *" if r.baseline_note != "measured" else ""),
            f"{r.speedup:.1f}x",
            _fmt(r.bound_seconds),
            _fmt(r.kernel_over_bound, ".2f"),
            _target(r),
            _met(r),
            f"{r.max_abs_diff:.1e}",
            "yes" if r.matched else "[red]NO[/]",
        )
    return table


@app.command("bench")
def bench_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of results.")] = False,
    quick: Annotated[
        bool, typer.Option("--quick", help="Small sizes (T=600, N<=20): a correctness smoke run.")
    ] = False,
    blas_threads: Annotated[
        int, typer.Option("--blas-threads", min=1, help="BLAS threads for the LAPACK-bound kernels.")
    ] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the synthetic data.")] = 0,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="Store for the whole-history and incremental-step benchmarks "
            "(default: the SIMULATED demo scenario).",
        ),
    ] = None,
    history: Annotated[
        bool, typer.Option("--history/--no-history", help="Include the whole-history and daily-step runs.")
    ] = True,
) -> None:
    """Time each kernel, the sweep and the daily run against their baselines (same run)."""
    sizes = Sizes.quick() if quick else Sizes.full()
    repeat = 3
    with _blas_limit(blas_threads) as blas:
        results = run_bench(
            sizes,
            repeat=repeat,
            seed=seed,
            history_store=store,
            history=history,
            progress=None if as_json else (lambda name: err.print(f"bench: {name}", style="dim")),
        )
    threads = kernels.get_num_threads()
    if as_json:
        docs = []
        for r in results:
            doc = r.to_dict()
            doc.update(data=DATA_NOTE.replace("seed", str(seed)), kernel_threads=threads, blas_threads=blas)
            doc["timing_note"] = TIMING_NOTE.format(repeat=repeat)
            docs.append(doc)
        out.print_json(json.dumps(docs), indent=1)
    else:
        out.print(f"data: {DATA_NOTE.replace('seed', str(seed))}")
        out.print(f"timing: {TIMING_NOTE.format(repeat=repeat)}")
        out.print(f"kernel threads: {threads}; BLAS threads: {blas}; pandas baselines are single-threaded")
        out.print(_table(results))
        for r in results:
            if r.baseline_note != "measured":
                out.print(f"* {r.kernel}: {r.baseline_note}")
            out.print(f"  {r.kernel} N={r.n}: baseline = {r.baseline}")
            if r.bound is not None:
                out.print(f"  {r.kernel} N={r.n}: bound = {r.bound}")
            if r.extra:
                out.print(f"  {r.kernel} N={r.n}: " + ", ".join(f"{k}={v}" for k, v in r.extra.items()))
    bad = [r for r in results if not r.matched]
    if bad:
        for r in bad:
            err.print(
                f"[red]mismatch:[/] {r.kernel} N={r.n}: max|diff| {r.max_abs_diff:.3e} "
                f"> tolerance {r.tolerance:.3e}"
            )
        raise typer.Exit(1)
