"""Fixtures for the kernel tests: real market series from ../shared/data/market."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

MARKET = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "market"
SECTORS = ("XLB", "XLE", "XLF", "XLI", "XLK", "XLP", "XLU", "XLV", "XLY")


def _read(name: str) -> dict[str, float]:
    path = MARKET / f"{name}.csv"
    if not path.is_file():
        pytest.skip(f"market data {path} not found (CI lays ../shared beside the clone)")
    out: dict[str, float] = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            value = (row.get("value") or "").strip()
            try:
                out[row["date"]] = float(value)
            except ValueError:
                out[row["date"]] = math.nan
    return out


@pytest.fixture(scope="session")
def market_series():
    """``load(name) -> values`` (float64, in date order, NaN for blanks)."""

    def load(name: str) -> np.ndarray:
        data = _read(name)
        return np.array([data[d] for d in sorted(data)], dtype=np.float64)

    return load


@pytest.fixture(scope="session")
def sector_returns() -> np.ndarray:
    """Daily log returns of the nine SPDR sector ETFs on their common dates (T x 9)."""
    frames = [_read(n) for n in SECTORS]
    dates = sorted(set.intersection(*(set(f) for f in frames)))
    levels = np.array([[f[d] for f in frames] for d in dates], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        rets = np.diff(np.log(np.where(levels > 0, levels, np.nan)), axis=0)
    return rets
