"""Helpers shared by the dollar-family signal tests (dollar_vol, fx_skew, dollar_equity,
regime, foreign_investor)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from stormwatch.signals.base import SignalSpec, evaluate


def synthetic_panel(columns: Mapping[str, Sequence[float]], start: str = "2020-01-06") -> pd.DataFrame:
    """A SYNTHETIC business-day panel (2020-01-06 is a Monday) with the given columns."""
    n = len(next(iter(columns.values())))
    index = pd.bdate_range(start, periods=n, name="date")
    return pd.DataFrame({k: np.asarray(v, dtype="float64") for k, v in columns.items()}, index=index)


def from_log_returns(start: float, returns: Sequence[float]) -> list[float]:
    """Levels whose one-day log returns are ``returns`` (SYNTHETIC data builder)."""
    return [float(start * math.exp(c)) for c in np.concatenate([[0.0], np.cumsum(returns)])]


def assert_truncation_invariant(
    spec: SignalSpec,
    panel: pd.DataFrame,
    days: Sequence[int],
    params: Mapping[str, Any] | None = None,
) -> None:
    """``evaluate`` on ``panel.iloc[:t+1]`` equals ``evaluate`` on ``panel`` on day ``t``
    (intensity, state and every numeric evidence column)."""
    full = evaluate(spec, panel, params)
    assert full.intensity.iloc[list(days)].notna().any(), "pick days past the warm-up"
    for t in days:
        part = evaluate(spec, panel.iloc[: t + 1], params)
        a, b = full.intensity.iloc[t], part.intensity.iloc[-1]
        assert (np.isnan(a) and np.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), (
            spec.id,
            panel.index[t],
            a,
            b,
        )
        assert full.state.iloc[t] == part.state.iloc[-1], (spec.id, panel.index[t])
        ev_full, ev_part = full.evidence.iloc[t], part.evidence.iloc[-1]
        for col in full.evidence.columns:
            x, y = ev_full[col], ev_part[col]
            if isinstance(x, (float, np.floating)) and isinstance(y, (float, np.floating)):
                assert (np.isnan(x) and np.isnan(y)) or math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12), (
                    spec.id,
                    col,
                    panel.index[t],
                    x,
                    y,
                )
            else:
                assert x == y, (spec.id, col, panel.index[t], x, y)


def drop(panel: pd.DataFrame, *ids: str) -> pd.DataFrame:
    """The panel without the given columns (a missing input)."""
    return panel.drop(columns=[i for i in ids if i in panel.columns])


def share(states: pd.Series, *values: str) -> float:
    """Fraction of days whose state (or label) is one of ``values``."""
    return float(states.isin(values).mean())
