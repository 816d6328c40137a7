"""Helpers shared by the aggravator and fuel signal tests (stagflation, curve, metals,
real_rates, positioning, fuel)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from stormwatch.signals.base import SignalSpec, evaluate


def synthetic_panel(columns: Mapping[str, Sequence[float]], start: str = "2020-01-01") -> pd.DataFrame:
    """A SYNTHETIC business-day panel with the given columns (catalog ids)."""
    n = len(next(iter(columns.values())))
    index = pd.bdate_range(start, periods=n)
    return pd.DataFrame({k: np.asarray(v, dtype="float64") for k, v in columns.items()}, index=index)


def seqz_ref(values: Sequence[float], min_obs: int) -> list[float]:
    """Sequential z-score from its definition, by plain loops (reference for hand cases).

    ``z_k = (x_k - mean(x_1..x_k)) / stdev(x_1..x_k)`` over the non-NaN values,
    NaN before ``min_obs`` of them.
    """
    out: list[float] = []
    seen: list[float] = []
    for v in values:
        if v is None or math.isnan(v):
            out.append(math.nan)
            continue
        seen.append(float(v))
        if len(seen) < min_obs:
            out.append(math.nan)
            continue
        out.append((seen[-1] - statistics.fmean(seen)) / statistics.stdev(seen))
    return out


def assert_truncation_invariant(
    spec: SignalSpec,
    panel: pd.DataFrame,
    days: Sequence[int],
    params: Mapping[str, Any] | None = None,
) -> None:
    """``evaluate`` on ``panel.iloc[:t+1]`` equals ``evaluate`` on ``panel`` on day ``t``."""
    full = evaluate(spec, panel, params)
    assert full.intensity.iloc[list(days)].notna().any(), "pick days past the warm-up"
    for t in days:
        part = evaluate(spec, panel.iloc[: t + 1], params)
        a, b = full.intensity.iloc[t], part.intensity.iloc[-1]
        assert (np.isnan(a) and np.isnan(b)) or a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), (
            spec.id,
            panel.index[t],
            a,
            b,
        )
        assert full.state.iloc[t] == part.state.iloc[-1], (spec.id, panel.index[t])


def drop(panel: pd.DataFrame, *ids: str) -> pd.DataFrame:
    """The panel without the given columns (a missing input)."""
    return panel.drop(columns=[i for i in ids if i in panel.columns])
