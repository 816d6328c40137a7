"""Proof commands: ``evaluate``, ``backtest``, ``sweep``.

Each reads the store once, replays the storm level point in time
(:mod:`stormwatch.evaluation.replay`) and hands the arrays to the pure
evaluation code. Dask is imported only by ``sweep`` and only when it runs
on a cluster.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from stormwatch.cli._app import ConfigOpt, Ctx, StoreOpt, VerboseOpt, _ctx, _parse_date, app, err, out
from stormwatch.store import Store

StartOpt = Annotated[
    str | None, typer.Option("--start", help="First evaluated day (YYYY-MM-DD; default 1990-01-01).")
]
EndOpt = Annotated[
    str | None, typer.Option("--end", help="Last evaluated day (YYYY-MM-DD; default: the data's end).")
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Write the output to this file instead of stdout.")
]

DOC_COMMAND = "stormwatch evaluate --format markdown --out docs/EVALUATION.md"


def _emit(text: str, path: Path | None) -> None:
    if path is None:
        sys.stdout.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    err.print(f"wrote {path}")


def _emit_records(frame: pd.DataFrame, fmt: str, path: Path | None) -> bool:
    """Write ``frame`` as CSV or JSON records when ``fmt`` asks for it; False for a table format."""
    if fmt == "csv":
        _emit(frame.to_csv(index=False), path)
    elif fmt == "json":
        _emit(frame.to_json(orient="records", indent=1) + "\n", path)
    else:
        return False
    return True


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[red]error:[/] {exc}", markup=True)
    return typer.Exit(1)


def _load(ctx: Ctx) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The point-in-time panel and the latest-vintage observations the backtests read."""
    from stormwatch.evaluation.backtest import DXY, FX_SOURCES, RATE_SOURCES, SPX, VIX
    from stormwatch.evaluation.evaluate import evaluation_ids
    from stormwatch.evaluation.replay import load_replay_panel

    ids = [
        SPX,
        DXY,
        VIX,
        *(i for v in FX_SOURCES.values() for i in v),
        *(i for v in RATE_SOURCES.values() for i in v),
    ]
    with Store.open(ctx.settings.store.path, read_only=True) as st:
        panel = load_replay_panel(st, ctx.catalog, ids=evaluation_ids())
        observations = st.load([i for i in dict.fromkeys(ids) if i in ctx.catalog])
    return panel, observations


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise typer.BadParameter(f"use {', '.join(allowed)}", param_hint="--format")


@app.command("evaluate")
def evaluate_cmd(
    start: StartOpt = None,
    end: EndOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", help="table, json or markdown (the EVALUATION.md document).")
    ] = "table",
    out_path: OutOpt = None,
    n_boot: Annotated[
        int, typer.Option("--n-boot", help="Bootstrap resamples for the AUROC intervals.")
    ] = 1000,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Hit rate, lead time and false alarms of the storm score and level against simple baselines."""
    from stormwatch.evaluation import BACKTEST_BASES, EvalConfig, load_episodes, market_data, run_backtest
    from stormwatch.evaluation.evaluate import run_evaluation
    from stormwatch.evaluation.report import evaluation_markdown

    _check_format(fmt, ("table", "json", "markdown"))
    ctx = _ctx(store, config, verbose)
    lo, hi = _parse_date(start, "--start"), _parse_date(end, "--end")
    try:
        cfg = EvalConfig(start=lo or pd.Timestamp("1990-01-01"), end=hi, n_boot=n_boot)
        panel, observations = _load(ctx)
        err.print(f"replaying {panel.index[0].date()} .. {panel.index[-1].date()} point in time ...")
        ev, inputs = run_evaluation(panel, cfg)
    except ValueError as exc:
        raise _fail(exc) from None
    as_of = pd.Timestamp(panel.index[-1])
    if fmt == "json":
        doc = {"as_of": str(as_of.date()), **ev.to_dict()}
        _emit(json.dumps(doc, indent=1) + "\n", out_path)
        return
    if fmt == "markdown":
        assert inputs.replay is not None
        level = inputs.replay.frame["level"]
        backtests = {}
        for base in BACKTEST_BASES:
            try:
                backtests[base] = run_backtest(
                    market_data(observations, ctx.catalog, base, pd.DatetimeIndex(panel.index)), level
                )
            except ValueError as exc:
                err.print(f"[yellow]backtest {base} skipped:[/] {exc}")
        text = evaluation_markdown(
            ev,
            backtests,
            command=DOC_COMMAND,
            data_note=f"the store's data to {as_of.date()} ({panel.shape[1]} series read point in time); "
            "for the development data, a store made with `stormwatch import ../shared/data/market`",
            catalogue=load_episodes(),
        )
        _emit(text, out_path)
        return
    _print_evaluation(ev)


def _print_evaluation(ev: Any) -> None:
    for tid, tr in ev.targets.items():
        smp = tr.sample
        table = Table(
            title=f"{tid}: {smp['n_days']} common days {str(smp['first'])[:10]} .. {str(smp['last'])[:10]}, "
            f"{smp['n_event_days']} event days"
        )
        for col in ("model", "AUROC", "95% CI", "hit", "false al.", "N/S", "useful.", "alarms/yr"):
            table.add_column(col, justify="left" if col == "model" else "right")
        for mid, r in tr.table.iterrows():
            table.add_row(
                str(mid),
                f"{r['auroc']:.3f}",
                f"{r['auroc_lo']:.3f}-{r['auroc_hi']:.3f}",
                f"{r['hit_rate']:.2f}",
                f"{r['false_alarm_rate']:.2f}",
                "-" if pd.isna(r["noise_to_signal"]) else f"{r['noise_to_signal']:.2f}",
                "-" if pd.isna(r["usefulness"]) else f"{r['usefulness']:.2f}",
                f"{r['alarms_per_year']:.2f}",
            )
        out.print(table)
    table = Table(title="episodes: first alarm of the level (>= Watch) and of the score")
    for col in ("episode", "kind", "start", "trough", "level first alarm", "lead", "score lead"):
        table.add_column(col)
    for ep in ev.episodes:
        lv = ev.leads[ev.config.alarm_model].loc[ep.id]
        sc = ev.leads["storm_score"].loc[ep.id]
        table.add_row(
            ep.id,
            ep.kind,
            str(ep.start.date()),
            str(ep.trough.date()),
            "-" if pd.isna(lv["first_alarm"]) else str(lv["first_alarm"].date()),
            "-" if pd.isna(lv["lead_days"]) else f"{int(lv['lead_days']):+d}",
            "-" if pd.isna(sc["lead_days"]) else f"{int(sc['lead_days']):+d}",
        )
    out.print(table)


@app.command("backtest")
def backtest_cmd(
    base: Annotated[str, typer.Option("--base", help="Investor currency: EUR, JPY, GBP or CHF.")],
    start: Annotated[
        str | None, typer.Option("--start", help="First day (default: all inputs known).")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last day (default: the data's end).")] = None,
    cost_bp: Annotated[
        float, typer.Option("--cost-bp", help="FX cost per unit of notional traded (bp).")
    ] = 2.0,
    fmt: Annotated[str, typer.Option("--format", help="table, json or markdown.")] = "table",
    out_path: OutOpt = None,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """A foreign investor in the S&P 500: unhedged, hedged, hedged by the level, and the overlay."""
    from stormwatch.evaluation import BACKTEST_BASES, BacktestConfig, market_data, run_backtest
    from stormwatch.evaluation.replay import replay
    from stormwatch.evaluation.report import backtest_markdown

    code = base.upper()
    if code not in BACKTEST_BASES:
        raise typer.BadParameter(f"use one of {', '.join(BACKTEST_BASES)}", param_hint="--base")
    _check_format(fmt, ("table", "json", "markdown"))
    ctx = _ctx(store, config, verbose)
    lo, hi = _parse_date(start, "--start"), _parse_date(end, "--end")
    try:
        cfg = BacktestConfig(start=lo, end=hi, cost_bp=cost_bp)
        panel, observations = _load(ctx)
        err.print(f"replaying {panel.index[0].date()} .. {panel.index[-1].date()} point in time ...")
        level = replay(panel).frame["level"]
        result = run_backtest(
            market_data(observations, ctx.catalog, code, pd.DatetimeIndex(panel.index)), level, cfg
        )
    except ValueError as exc:
        raise _fail(exc) from None
    if fmt == "json":
        _emit(json.dumps(result.to_dict(), indent=1) + "\n", out_path)
        return
    if fmt == "markdown":
        lines = [f"## {code} investor", "", backtest_markdown(result), ""]
        lines += [f"- proxy: {p}" for p in result.proxies] + [f"- {n}" for n in result.notes]
        _emit("\n".join(lines) + "\n", out_path)
        return
    first, last = result.span
    table = Table(title=f"{code} investor in the S&P 500, {first.date()} .. {last.date()}")
    for col in ("strategy", "CAGR", "vol", "Sharpe", "max DD", "Calmar", "worst month", "turnover/yr"):
        table.add_column(col, justify="left" if col == "strategy" else "right")
    for s, r in result.stats.iterrows():
        table.add_row(
            str(s),
            f"{100 * r['cagr']:.2f}%",
            f"{100 * r['volatility']:.1f}%",
            f"{r['sharpe']:.2f}",
            f"{100 * r['max_drawdown']:.1f}%",
            f"{r['calmar']:.2f}",
            f"{100 * r['worst_month']:.1f}%",
            f"{r['turnover']:.2f}",
        )
    out.print(table)
    for p in result.proxies:
        out.print(f"proxy: {p}")
    for n in result.notes:
        out.print(f"note: {n}")


def _ints(text: str, option: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise typer.BadParameter(
            f"{text!r}: give whole numbers separated by commas, e.g. 1,2,3", param_hint=option
        ) from None


def _floats(text: str, option: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise typer.BadParameter(
            f"{text!r}: give numbers separated by commas, e.g. 0.8,0.9", param_hint=option
        ) from None


@app.command("sweep")
def sweep_cmd(
    start: StartOpt = None,
    end: EndOpt = None,
    up_days: Annotated[str, typer.Option("--up-days", help="Hysteresis up days to try.")] = "1,2,3,5",
    down_days: Annotated[str, typer.Option("--down-days", help="Hysteresis down days to try.")] = "5,10,20",
    level_k: Annotated[str, typer.Option("--level-k", help="Alarm levels to try.")] = "1,2",
    score_window: Annotated[str, typer.Option("--score-window", help="Score smoothing windows.")] = "1,5,20",
    quantile: Annotated[
        str, typer.Option("--quantile", help="Walk-forward alarm quantiles.")
    ] = "0.8,0.9,0.95",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (default: a LocalCluster).")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", help="LocalCluster workers.")] = 2,
    local: Annotated[bool, typer.Option("--local", help="Run in this process, without Dask.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    out_path: OutOpt = None,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Evaluate many parameter sets (hysteresis, alarm level, smoothing, thresholds) for both targets."""
    from stormwatch.evaluation.evaluate import SPX_COLUMN, USD_COLUMN
    from stormwatch.evaluation.replay import replay
    from stormwatch.evaluation.sweep import SweepInputs, default_grid

    _check_format(fmt, ("table", "csv", "json"))
    ctx = _ctx(store, config, verbose)
    lo, hi = _parse_date(start, "--start"), _parse_date(end, "--end")
    try:
        grid = default_grid(
            up_days=_ints(up_days, "--up-days"),
            down_days=_ints(down_days, "--down-days"),
            level_k=_ints(level_k, "--level-k"),
            score_window=_ints(score_window, "--score-window"),
            alarm_quantile=_floats(quantile, "--quantile"),
        )
        panel, _ = _load(ctx)
        err.print(f"replaying {panel.index[0].date()} .. {panel.index[-1].date()} point in time ...")
        rp = replay(panel)
        inputs = SweepInputs.from_frames(
            rp.frame, panel[SPX_COLUMN], panel[USD_COLUMN], start=lo or pd.Timestamp("1990-01-01"), end=hi
        )
        err.print(
            f"{len(grid)} parameter sets "
            + ("in this process" if local else f"on {scheduler or 'a LocalCluster'}")
        )
        if local:
            from stormwatch.distributed import run_sweep_local

            result = run_sweep_local(inputs, grid)
        else:
            from stormwatch.distributed import run_sweep

            result = run_sweep(inputs, grid, scheduler=scheduler, n_workers=workers)
    except ValueError as exc:
        raise _fail(exc) from None
    if _emit_records(result, fmt, out_path):
        return
    top = result.sort_values(["horizon", "score_auroc", "level_auroc"], ascending=[True, False, False])
    table = Table(title=f"sweep: {len(result)} parameter sets (best 10 per target by score AUROC)")
    cols = (
        "horizon",
        "up",
        "down",
        "k",
        "window",
        "q",
        "level AUROC",
        "level useful.",
        "score AUROC",
        "score useful.",
    )
    for col in cols:
        table.add_column(col, justify="right")
    for _, grp in top.groupby("horizon", sort=True):
        for _, r in grp.head(10).iterrows():
            table.add_row(
                str(int(r["horizon"])),
                str(int(r["up_days"])),
                str(int(r["down_days"])),
                str(int(r["level_k"])),
                str(int(r["score_window"])),
                f"{r['alarm_quantile']:g}",
                f"{r['level_auroc']:.3f}",
                "-" if pd.isna(r["level_usefulness"]) else f"{r['level_usefulness']:.2f}",
                f"{r['score_auroc']:.3f}",
                "-" if pd.isna(r["score_usefulness"]) else f"{r['score_usefulness']:.2f}",
            )
    out.print(table)
