"""Delivery command: ``serve`` (the local dashboard and JSON API)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from stormwatch.cli._app import AsOfOpt, ConfigOpt, StoreOpt, VerboseOpt, _ctx, _parse_date, app, err


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


@app.command("serve")
def serve_cmd(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: any free one).")] = 8765,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="STORMWATCH_TOKEN",
            show_envvar=True,
            help="Bearer token clients must send; required to listen beyond loopback.",
        ),
    ] = None,
    view_years: Annotated[
        int, typer.Option("--view-years", min=1, max=60, help="Years the market charts open on.")
    ] = 10,
    as_of: AsOfOpt = None,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Serve the dashboard and the read-only JSON API (GET /api/level, /api/signals, /openapi.json, ...)."""
    from stormwatch.web import build_server

    ctx = _ctx(store, config, verbose)
    day = _parse_date(as_of, "--as-of")
    server = build_server(
        ctx.settings.store.path,
        ctx.catalog,
        host=host,
        port=port,
        clock=_utc_now,
        token=token or None,
        view_years=view_years,
        as_of=day,
    )
    shown = f"[{host}]" if ":" in host else host
    err.print(
        f"stormwatch dashboard on http://{shown}:{port}/ (store {ctx.settings.store.path}; "
        f"first page after the assessment is computed){'; bearer token required' if token else ''}"
    )
    server.run()
