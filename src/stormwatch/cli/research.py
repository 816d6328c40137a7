"""``stormwatch research``: signal sweeps and universe correlation read-outs, here or on a Dask cluster.

Both commands read either a folder of ``date,value`` CSV files (one series
per file, named by the file stem) or the store's latest vintage of every
series, aligned on weekdays and carried forward. That is research data,
not a point-in-time replay: revisions and publication lags are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from stormwatch.cli._app import (
    ConfigOpt,
    StoreOpt,
    VerboseOpt,
    _ctx,
    _parse_date,
    _progress_bar,
    app,
    err,
    out,
)
from stormwatch.cli.evaluate import OutOpt, _emit, _emit_records, _fail, _floats, _ints

__all__ = ["read_csv_dir", "research_app"]

research_app = typer.Typer(
    help="Research at scale: sweep indicator signals, read out a universe's correlation (Dask optional).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(research_app, name="research")

DirOpt = Annotated[
    Path | None, typer.Option("--dir", help="Folder of date,value CSV files (instead of the store).")
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 (default: a LocalCluster)."
    ),
]
WorkersOpt = Annotated[int, typer.Option("--workers", help="LocalCluster worker processes.")]
LocalOpt = Annotated[bool, typer.Option("--local", help="Run in this process, without Dask.")]
ChunksOpt = Annotated[
    int | None, typer.Option("--chunks", help="Pieces the work is cut into (default: 4 per worker).")
]
SeriesOpt = Annotated[
    str | None, typer.Option("--series", help="Comma-separated series to use (default: all).")
]


def read_csv_dir(folder: Path) -> pd.DataFrame:
    """Every ``*.csv`` with ``date`` and ``value`` columns in ``folder``, one column per file stem.

    Rows: the weekdays from the first to the last date seen; each series is
    carried forward from its own first value (NaN before it). Files without
    those two columns are skipped.
    """
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    cols: dict[str, pd.Series] = {}
    for path in sorted(folder.glob("*.csv")):
        head = pd.read_csv(path, nrows=0)
        if not {"date", "value"} <= set(head.columns):
            continue
        df = pd.read_csv(path, usecols=["date", "value"])
        s = pd.Series(
            pd.to_numeric(df["value"], errors="coerce").to_numpy(dtype="float64"),
            index=pd.to_datetime(df["date"], errors="coerce"),
        )
        s = s[s.index.notna()]
        cols[path.stem] = s[~s.index.duplicated(keep="last")].sort_index()
    if not cols:
        raise ValueError(f"no date,value CSV files in {folder}")
    return _on_weekdays(pd.DataFrame(cols))


def _on_weekdays(wide: pd.DataFrame) -> pd.DataFrame:
    wide = wide.sort_index()
    days = pd.bdate_range(wide.index.min(), wide.index.max())
    return wide.reindex(wide.index.union(days)).ffill().reindex(days)


def _read_store(store: Path | None, config: Path | None, verbose: bool) -> pd.DataFrame:
    from stormwatch.store import Store

    ctx = _ctx(store, config, verbose)
    with Store.open(ctx.settings.store.path, read_only=True) as st:
        obs = st.load()
    if obs.empty:
        raise ValueError("the store is empty; run `stormwatch update` or `stormwatch import DIR` first")
    wide = obs.pivot_table(index="period", columns="series_id", values="value", aggfunc="last")
    wide.index = pd.DatetimeIndex(wide.index)
    return _on_weekdays(wide.astype("float64"))


def _data(folder: Path | None, store: Path | None, config: Path | None, verbose: bool) -> pd.DataFrame:
    if folder is not None:
        return read_csv_dir(folder)
    return _read_store(store, config, verbose)


def _pick(frame: pd.DataFrame, series: str | None, start: str | None) -> pd.DataFrame:
    if series:
        names = [s.strip() for s in series.split(",") if s.strip()]
        missing = [s for s in names if s not in frame.columns]
        if missing:
            raise ValueError(f"unknown series {missing}; the data has {len(frame.columns)} series")
        frame = frame[names]
    lo = _parse_date(start, "--start")
    return frame.loc[lo:] if lo is not None else frame


@contextmanager
def _bar(what: str) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar on stderr, driven by ``progress(done, total)`` (hidden when not a terminal)."""
    bar = _progress_bar()
    with bar:
        task = bar.add_task(what, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _where(local: bool, scheduler: str | None, workers: int) -> str:
    return "in this process" if local else f"on {scheduler or f'a LocalCluster of {workers} workers'}"


@research_app.command("sweep-signals")
def sweep_signals_cmd(
    folder: DirOpt = None,
    target: Annotated[
        str, typer.Option("--target", help="Price series of the target (a file stem or store id).")
    ] = "SP500",
    horizon: Annotated[int, typer.Option("--horizon", help="Target: a drop within this many days.")] = 60,
    drop: Annotated[float, typer.Option("--drop", help="Target: fractional drop, e.g. 0.10.")] = 0.10,
    windows: Annotated[
        str | None, typer.Option("--windows", help="Z-score windows (default 20,40,..,800).")
    ] = None,
    thresholds: Annotated[
        str | None, typer.Option("--thresholds", help="Z-score thresholds (default 100 from -3 to 3).")
    ] = None,
    series: SeriesOpt = None,
    start: Annotated[str | None, typer.Option("--start", help="First day of data (YYYY-MM-DD).")] = None,
    top: Annotated[int, typer.Option("--top", help="Rows in the table: best series/windows by AUROC.")] = 20,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    local: LocalOpt = False,
    chunks: ChunksOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    out_path: OutOpt = None,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """AUROC and hit counts of every (series, z-score window, threshold) signal against a drawdown."""
    from stormwatch.evaluation.signal_sweep import (
        combine,
        default_thresholds,
        default_windows,
        signal_sweep,
        split_series,
    )
    from stormwatch.evaluation.targets import forward_hits

    if fmt not in ("table", "csv", "json"):
        raise typer.BadParameter("use table, csv or json", param_hint="--format")
    ws = _ints(windows, "--windows") if windows else default_windows()
    th = np.asarray(_floats(thresholds, "--thresholds")) if thresholds else default_thresholds()
    try:
        data = _data(folder, store, config, verbose)
        if target not in data.columns:
            raise ValueError(f"target series {target!r} not in the data")
        price = data[target]
        panel = _pick(data.drop(columns=[target]), series, None)
        first = _parse_date(start, "--start")
        if first is not None:
            panel, price = panel.loc[first:], price.loc[first:]
        panel = panel.loc[:, panel.notna().any()]
        y = pd.Series(forward_hits(price.to_numpy(), None, horizon, drop, None), index=panel.index)
        n = panel.shape[1] * len(ws) * th.size
        err.print(f"{n:,} signals ({panel.shape[1]} series x {len(ws)} windows x {th.size} thresholds) "
                  f"over {len(panel):,} days {_where(local, scheduler, workers)}")  # fmt: skip
        with _bar("signal sweep") as progress:
            if local:
                pieces = split_series(list(panel.columns), chunks or 1)
                parts = []
                for k, cols in enumerate(pieces):
                    parts.append(signal_sweep(panel[cols], y, ws, th))
                    progress(k + 1, len(pieces))
                result = combine(parts)
            else:
                from stormwatch.distributed import run_signal_sweep

                result = run_signal_sweep(
                    panel, y, ws, th, scheduler=scheduler, n_workers=workers, chunks=chunks, progress=progress
                )
    except ValueError as exc:
        raise _fail(exc) from None
    if _emit_records(result, fmt, out_path):
        return
    # one row per (series, window): its AUROC and the threshold with the lowest noise-to-signal
    best = result.dropna(subset=["noise_to_signal"]).sort_values("noise_to_signal")
    best = best.drop_duplicates(["series", "window"]).sort_values("auroc", ascending=False).head(top)
    table = Table(title=f"signal sweep vs a {drop:.0%} drop in {target} within {horizon} days: best {top}")
    for col in ("series", "window", "AUROC", "best h", "hit", "false al.", "N/S", "event days", "days"):
        table.add_column(col, justify="left" if col == "series" else "right")
    for _, r in best.iterrows():
        table.add_row(
            str(r["series"]), str(int(r["window"])), f"{r['auroc']:.3f}", f"{r['threshold']:.2f}",
            f"{r['hit_rate']:.2f}", f"{r['false_alarm_rate']:.2f}", f"{r['noise_to_signal']:.2f}",
            str(int(r["hits"] + r["misses"])),
            str(int(r["hits"] + r["misses"] + r["false_alarms"] + r["quiet"])),
        )  # fmt: skip
    out.print(table)


def _returns(frame: pd.DataFrame, transform: str) -> pd.DataFrame:
    if transform == "none":
        return frame
    if transform == "diff":
        return frame.diff()
    logret = frame.where(frame > 0).apply(np.log).diff()
    if transform == "logret":
        return logret
    positive = [c for c in frame.columns if bool((frame[c].dropna() > 0).all())]
    changes = frame.diff()
    changes[positive] = logret[positive]  # auto: log returns where the series is positive
    return changes


@research_app.command("universe-corr")
def universe_corr_cmd(
    folder: DirOpt = None,
    window: Annotated[int, typer.Option("--window", help="Rolling window in days.")] = 60,
    min_obs: Annotated[
        int | None, typer.Option("--min-obs", help="Rows needed at the start (default: the window).")
    ] = None,
    transform: Annotated[
        str,
        typer.Option("--transform", help="auto (log returns if positive, else changes), logret, diff, none."),
    ] = "auto",
    series: SeriesOpt = None,
    start: Annotated[str | None, typer.Option("--start", help="First day of data (YYYY-MM-DD).")] = None,
    last: Annotated[int, typer.Option("--last", help="Rows shown in the table.")] = 10,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    local: LocalOpt = False,
    chunks: ChunksOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table or csv.")] = "table",
    out_path: OutOpt = None,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Rolling average pairwise correlation of every series (computed in time chunks on Dask)."""
    from stormwatch.distributed import run_universe_corr, universe_corr_local

    if fmt not in ("table", "csv"):
        raise typer.BadParameter("use table or csv", param_hint="--format")
    if transform not in ("auto", "logret", "diff", "none"):
        raise typer.BadParameter("use auto, logret, diff or none", param_hint="--transform")
    try:
        data = _pick(_data(folder, store, config, verbose), series, start)
        x = _returns(data, transform)
        err.print(f"average correlation of {x.shape[1]} series, {len(x):,} days, window {window}, "
                  f"{_where(local, scheduler, workers)}")  # fmt: skip
        if local:
            with err.status("computing ..."):
                res = universe_corr_local(x.to_numpy(), window, min_obs, chunks=chunks or 1)
        else:
            with _bar("universe read-out") as progress:
                res = run_universe_corr(
                    x.to_numpy(), window, min_obs, scheduler=scheduler, n_workers=workers, chunks=chunks,
                    progress=progress,
                )  # fmt: skip
    except ValueError as exc:
        raise _fail(exc) from None
    frame = pd.DataFrame({"avg_corr": res.value, "n_used": res.n_used}, index=x.index.rename("date"))
    if fmt == "csv":
        _emit(frame.to_csv(), out_path)
        return
    table = Table(
        title=f"average pairwise {window}-day correlation of {x.shape[1]} series (last {last} days)"
    )
    for col in ("date", "avg corr", "series used"):
        table.add_column(col, justify="right")
    for day, r in frame.tail(last).iterrows():
        corr = "-" if pd.isna(r["avg_corr"]) else f"{r['avg_corr']:.3f}"
        table.add_row(str(day)[:10], corr, str(int(r["n_used"])))
    out.print(table)


@research_app.command("bench")
def bench_cmd(
    quick: Annotated[bool, typer.Option("--quick", help="Tiny sizes: a correctness smoke run.")] = False,
    dask: Annotated[
        bool, typer.Option("--dask/--no-dask", help="Also time 1 and 2 LocalCluster workers.")
    ] = True,
    repeat: Annotated[int, typer.Option("--repeat", help="Timed runs per measurement (best kept).")] = 3,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    out_path: OutOpt = None,
) -> None:
    """Time the signal sweep against naive pandas, and Dask scaling of the sweep and the universe read-out.

    SYNTHETIC data. Full sizes: 400,000 signals (100 series x 40 windows x 100
    thresholds, T=5,000); universe N=2,000, T=5,000, window 60.
    """
    import json

    from stormwatch.bench.sweep import bench_dask_scaling, bench_signal_sweep

    if fmt not in ("table", "json"):
        raise typer.BadParameter("use table or json", param_hint="--format")
    if quick:
        results = [bench_signal_sweep(t=400, n_series=3, windows=[10, 30], n_thresholds=5, repeat=1)]
    else:
        err.print("signal sweep vs naive pandas (the naive baseline takes about a minute) ...")
        results = [bench_signal_sweep(repeat=repeat)]
    if dask:
        if quick:
            results += bench_dask_scaling(
                sweep_series=4, sweep_windows=[10, 30], sweep_thresholds=5, universe_n=20, t=400, repeat=1,
                progress=err.print,
            )  # fmt: skip
        else:
            results += bench_dask_scaling(repeat=max(1, repeat - 1), progress=err.print)
    if fmt == "json":
        _emit(json.dumps([r.to_dict() for r in results], indent=1) + "\n", out_path)
        return
    table = Table(title="signal sweep and Dask scaling (SYNTHETIC data; best of repeats)")
    for col in ("benchmark", "seconds", "baseline s", "speed-up", "matched", "note"):
        table.add_column(col, justify="left" if col in ("benchmark", "note") else "right")
    for r in results:
        table.add_row(
            r.kernel, f"{r.seconds:.3f}", f"{r.baseline_seconds:.3f}", f"{r.speedup:.2f}x",
            "yes" if r.matched else "NO", r.baseline_note,
        )  # fmt: skip
    out.print(table)
    for r in results:
        if r.bound_seconds is not None:
            out.print(
                f"{r.kernel}: {r.bound} = {r.bound_seconds:.3f} s; kernel/bound {r.kernel_over_bound:.2f}"
            )
