"""Delivery command: ``report`` (the self-contained HTML report and the key charts as PNG)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from stormwatch.cli._app import AsOfOpt, ConfigOpt, StoreOpt, VerboseOpt, _ctx, _parse_date, app, out
from stormwatch.store import Store


@app.command("report")
def report_cmd(
    out_file: Annotated[
        Path, typer.Option("--out", help="The HTML file to write (one self-contained file).")
    ],
    as_of: AsOfOpt = None,
    png_dir: Annotated[
        Path | None,
        typer.Option(
            "--png-dir", help="Where to write the key charts as PNG (default: <out>-charts/ beside it)."
        ),
    ] = None,
    no_png: Annotated[bool, typer.Option("--no-png", help="Write no PNG.")] = False,
    view_years: Annotated[
        int, typer.Option("--view-years", min=1, max=60, help="Years the market charts open on.")
    ] = 10,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Write the HTML report (opens offline) and PNGs of the key charts for emails."""
    from stormwatch.compute import assess
    from stormwatch.delivery.charts import ChartOptions, build_charts
    from stormwatch.delivery.episodes import load_episode_set
    from stormwatch.delivery.report import render_html, report_context, write_pngs, write_report

    ctx = _ctx(store, config, verbose)
    day = _parse_date(as_of, "--as-of")
    if out_file.suffix.lower() not in (".html", ".htm"):
        raise typer.BadParameter(f"{out_file} should end in .html", param_hint="--out")
    with Store.open(ctx.settings.store.path, read_only=True) as st:
        assessment = assess(st, ctx.catalog, as_of=day)
    episodes = load_episode_set()
    opts = ChartOptions(view_years=view_years, episodes=episodes.episodes)
    charts = build_charts(assessment, opts)
    now = ctx.now.replace(tzinfo=dt.UTC)
    context = report_context(assessment, generated_at=now, episodes=episodes, charts=charts, options=opts)
    path = write_report(render_html(context), out_file)
    size_mb = path.stat().st_size / 1e6
    out.print(
        f"report: {path} ({size_mb:.1f} MB), level {context['level']} {context['level_name']} "
        f"as of {context['as_of']}"
    )
    if not no_png:
        target = png_dir or path.with_name(f"{path.stem}-charts")
        pngs = write_pngs(charts, target)
        out.print(f"charts: {len(pngs)} PNG in {target} ({', '.join(p.name for p in pngs)})")
