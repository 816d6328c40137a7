"""Helpers for the leadership, correlation and fed_liquidity signal tests."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from stormwatch.signals.base import SignalSpec, evaluate


def synthetic_panel(columns: Mapping[str, Sequence[float]], start: str = "2020-01-06") -> pd.DataFrame:
    """A SYNTHETIC business-day panel (2020-01-06 is a Monday) with the given columns."""
    n = len(next(iter(columns.values())))
    index = pd.bdate_range(start, periods=n, name="date")
    return pd.DataFrame({k: np.asarray(v, dtype="float64") for k, v in columns.items()}, index=index)


def levels(returns: Sequence[float] | npt.NDArray[np.float64], start: float = 100.0) -> list[float]:
    """SYNTHETIC levels whose one-day log returns are ``returns`` (one more row than returns)."""
    return [float(start * math.exp(c)) for c in np.concatenate([[0.0], np.cumsum(returns)])]


def drop(panel: pd.DataFrame, *ids: str) -> pd.DataFrame:
    """The panel without the given columns (a missing input)."""
    return panel.drop(columns=[i for i in ids if i in panel.columns])


def assert_truncation_invariant(
    spec: SignalSpec,
    panel: pd.DataFrame,
    days: Sequence[int],
    params: Mapping[str, Any] | None = None,
) -> None:
    """``evaluate`` on ``panel.iloc[:t+1]`` equals ``evaluate`` on ``panel`` on day ``t``
    (intensity, state and every evidence column)."""
    full = evaluate(spec, panel, params)
    assert full.intensity.iloc[list(days)].notna().all(), "pick days past the warm-up"
    for t in days:
        part = evaluate(spec, panel.iloc[: t + 1], params)
        a, b = float(full.intensity.iloc[t]), float(part.intensity.iloc[-1])
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (spec.id, panel.index[t], a, b)
        assert full.state.iloc[t] == part.state.iloc[-1], (spec.id, panel.index[t])
        for col in full.evidence.columns:
            x, y = float(full.evidence[col].iloc[t]), float(part.evidence[col].iloc[-1])
            assert (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12), (
                spec.id,
                col,
                panel.index[t],
                x,
                y,
            )
