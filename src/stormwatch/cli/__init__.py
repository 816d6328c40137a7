"""The ``stormwatch`` command line: thin commands over the library.

This package (with :mod:`stormwatch.config`) is the only reader of the clock
and the environment; everything below it takes ``now``/``today`` and settings
as arguments. Errors print one line and exit 1; ``--verbose`` adds the trace.
"""

from __future__ import annotations

import sys
import traceback

# Command modules register their commands on `app` when imported.
from stormwatch.cli import _app, alerts, assess, bench, data, demo, evaluate, report, research, serve, watch  # noqa: F401
from stormwatch.cli._app import app, err
from stormwatch.errors import StormwatchError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: run the app, turning stormwatch errors into one line and exit 1."""
    _app._VERBOSE = False  # one invocation's --verbose must not leak into the next (in-process callers)
    try:
        app()
    except StormwatchError as exc:
        err.print(f"[red]error:[/] {exc}", markup=True)
        if _app._VERBOSE or "--verbose" in sys.argv or "-v" in sys.argv:
            err.print("".join(traceback.format_exception(exc)), markup=False)
        sys.exit(1)
