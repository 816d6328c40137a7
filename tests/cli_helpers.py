"""Run the real CLI entry point in-process and capture what it prints."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest

from stormwatch.cli import main


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    capsys.readouterr()
    old = sys.argv
    sys.argv = ["stormwatch", *args]
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
    finally:
        sys.argv = old
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
