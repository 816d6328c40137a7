"""Parameter sweeps: the early-warning record of many settings at once, vectorised.

A parameter set (one row of a grid) fixes

``up_days``, ``down_days``
    the level's hysteresis (see :func:`stormwatch.level.apply_hysteresis`);
``level_k``
    the level that counts as an alarm (``level >= level_k``);
``score_window``
    a trailing mean of the storm score over this many days (1 = the score);
``alarm_quantile``
    the smoothed score alarms above this walk-forward quantile of its past;
``horizon``, ``spx_drop``, ``usd_drop``
    the target (``usd_drop`` NaN for an equity-only target).

:func:`evaluate_grid` is pure and works row by row on shared intermediate
arrays (each distinct hysteresis, smoothing, threshold and target is
computed once, then every set is a vectorised gather and count), so its
result for a row never depends on which other rows are in the same call:
split a grid into chunks, evaluate them anywhere (:mod:`stormwatch.distributed`
runs them on a Dask cluster), concatenate, and the numbers are identical.

The level is re-run from the replayed raw stage path; with the declared
hysteresis it equals the replayed level except, possibly, within
``down_days`` of a day on which a signal switched input series.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from stormwatch.evaluation.metrics import BUSINESS_DAYS_PER_YEAR, auroc, score_alarm
from stormwatch.evaluation.targets import DEFAULT_TARGETS, Target, forward_hits

__all__ = [
    "GRID_COLUMNS",
    "METRIC_COLUMNS",
    "SweepInputs",
    "default_grid",
    "evaluate_grid",
    "hysteresis_paths",
    "split_grid",
]

GRID_COLUMNS: tuple[str, ...] = (
    "up_days",
    "down_days",
    "level_k",
    "score_window",
    "alarm_quantile",
    "horizon",
    "spx_drop",
    "usd_drop",
)

_M = ("auroc", "hit_rate", "false_alarm_rate", "noise_to_signal", "usefulness", "alarms_per_year")
METRIC_COLUMNS: tuple[str, ...] = (
    "n_days",
    "n_event_days",
    *(f"level_{m}" for m in _M),
    *(f"score_{m}" for m in _M),
)


@dataclass(frozen=True)
class SweepInputs:
    """The arrays every parameter set is evaluated on (small enough to ship to workers).

    Attributes
    ----------
    index
        Business days.
    raw_stage
        The replayed raw stage (before hysteresis), int.
    score
        The replayed storm score (NaN = unknown).
    spx, usd
        S&P 500 and dollar index, for the labels.
    span
        Days that are evaluated (warm-up before is used for thresholds only).
    alarm_min_obs, mu
        Walk-forward threshold history and Sarlin's preference (as in
        :class:`~stormwatch.evaluation.evaluate.EvalConfig`).
    """

    index: pd.DatetimeIndex
    raw_stage: npt.NDArray[np.int64]
    score: npt.NDArray[np.float64]
    spx: npt.NDArray[np.float64]
    usd: npt.NDArray[np.float64]
    span: npt.NDArray[np.bool_]
    alarm_min_obs: int = 252
    mu: float = 0.5

    @classmethod
    def from_frames(
        cls,
        level_frame: pd.DataFrame,
        spx: pd.Series,
        usd: pd.Series,
        *,
        start: pd.Timestamp | None = None,
        end: pd.Timestamp | None = None,
        alarm_min_obs: int = 252,
        mu: float = 0.5,
    ) -> SweepInputs:
        """From a replay's level frame (``raw_stage``, ``score``) and the two price series."""
        idx = pd.DatetimeIndex(level_frame.index)
        span = np.ones(len(idx), dtype=bool)
        if start is not None:
            span &= idx >= start
        if end is not None:
            span &= idx <= end
        return cls(
            index=idx,
            raw_stage=level_frame["raw_stage"].fillna(0).to_numpy(dtype=np.int64),
            score=level_frame["score"].to_numpy(dtype="float64"),
            spx=spx.reindex(idx).to_numpy(dtype="float64"),
            usd=usd.reindex(idx).to_numpy(dtype="float64"),
            span=span,
            alarm_min_obs=alarm_min_obs,
            mu=mu,
        )


def default_grid(
    *,
    up_days: Sequence[int] = (1, 2, 3, 5),
    down_days: Sequence[int] = (5, 10, 20),
    level_k: Sequence[int] = (1, 2),
    score_window: Sequence[int] = (1, 5, 20),
    alarm_quantile: Sequence[float] = (0.8, 0.9, 0.95),
    targets: Sequence[Target] = DEFAULT_TARGETS,
) -> pd.DataFrame:
    """The full product of the given values: one row per parameter set (``GRID_COLUMNS``)."""
    rows = []
    for u, d, k, w, q, t in itertools.product(
        up_days, down_days, level_k, score_window, alarm_quantile, targets
    ):
        rows.append(
            (
                int(u),
                int(d),
                int(k),
                int(w),
                float(q),
                int(t.horizon),
                float(t.spx_drop),
                float("nan") if t.usd_drop is None else float(t.usd_drop),
            )
        )
    grid = pd.DataFrame(rows, columns=list(GRID_COLUMNS))
    _check_grid(grid)
    return grid


def _check_grid(grid: pd.DataFrame) -> None:
    missing = [c for c in GRID_COLUMNS if c not in grid.columns]
    if missing:
        raise ValueError(f"the grid lacks columns {missing}; build it with default_grid()")
    if (grid["up_days"] < 1).any() or (grid["down_days"] < 1).any():
        raise ValueError("up_days and down_days must be >= 1 (1 = no hysteresis)")
    if (grid["score_window"] < 1).any() or (grid["horizon"] < 1).any():
        raise ValueError("score_window and horizon must be >= 1")
    if not grid["alarm_quantile"].between(0.0, 1.0, inclusive="neither").all():
        raise ValueError("alarm_quantile must be in (0, 1)")


def split_grid(grid: pd.DataFrame, n_chunks: int) -> list[pd.DataFrame]:
    """``grid`` cut into at most ``n_chunks`` consecutive pieces (index kept)."""
    if n_chunks < 1:
        raise ValueError("n_chunks must be >= 1")
    bounds = np.linspace(0, len(grid), min(n_chunks, max(len(grid), 1)) + 1).astype(int)
    return [grid.iloc[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def _rolling(x: npt.NDArray[np.float64], w: int, how: str, pad: float) -> npt.NDArray[np.float64]:
    padded = np.r_[np.full(w - 1, pad), x]
    view = sliding_window_view(padded, w)
    return np.asarray(view.min(axis=1) if how == "min" else view.max(axis=1), dtype="float64")


def hysteresis_paths(
    raw: npt.ArrayLike, up_days: npt.ArrayLike, down_days: npt.ArrayLike
) -> npt.NDArray[np.int64]:
    """The level for many hysteresis settings at once: shape ``(n_sets, n_days)``.

    Row ``s`` equals :func:`stormwatch.level.apply_hysteresis` with
    ``up_days[s]``, ``down_days[s]`` (the tests check it): up when the raw
    stage held a higher value for ``up_days``, down when the current level's
    conditions were absent for ``down_days``.
    """
    r = np.asarray(raw, dtype="float64")
    ups = np.asarray(up_days, dtype=np.int64)
    downs = np.asarray(down_days, dtype=np.int64)
    n = r.size
    lo = np.empty((ups.size, n))
    hi = np.empty((downs.size, n))
    for u in np.unique(ups).tolist():
        m = _rolling(r, u, "min", 0.0)
        m[: u - 1] = 0.0  # apply_hysteresis: no step up before u days exist
        lo[ups == u] = m
    for d in np.unique(downs).tolist():
        hi[downs == d] = _rolling(r, d, "max", -1.0)
    out = np.zeros((ups.size, n), dtype=np.int64)
    level = np.zeros(ups.size)
    for t in range(n):
        lu, hd = lo[:, t], hi[:, t]
        level = np.where(lu > level, lu, np.where(hd < level, hd, level))
        out[:, t] = level
    return out


def _smoothed(score: npt.NDArray[np.float64], w: int) -> npt.NDArray[np.float64]:
    if w == 1:
        return score
    s = pd.Series(score).rolling(w, min_periods=w).mean()
    return s.to_numpy(dtype="float64")


def _usd_key(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def _onsets_per_year(alarm: npt.NDArray[np.bool_], known: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Alarm onsets per year over the known days of each row (rows = sets)."""
    out = np.empty(alarm.shape[0])
    for i in range(alarm.shape[0]):
        a = alarm[i][known[i]]
        n = a.size
        ons = int(a[0]) + int((a[1:] & ~a[:-1]).sum()) if n else 0
        out[i] = ons / (n / BUSINESS_DAYS_PER_YEAR) if n else np.nan
    return out


def _rates(
    alarm: npt.NDArray[np.bool_], y: npt.NDArray[np.bool_], known: npt.NDArray[np.bool_], mu: float
) -> dict[str, npt.NDArray[np.float64]]:
    a = (alarm & y & known).sum(axis=1).astype("float64")
    b = (alarm & ~y & known).sum(axis=1).astype("float64")
    c = (~alarm & y & known).sum(axis=1).astype("float64")
    d = (~alarm & ~y & known).sum(axis=1).astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        hit = np.where(a + c > 0, a / (a + c), np.nan)
        far = np.where(b + d > 0, b / (b + d), np.nan)
        nsr = np.where(hit > 0, far / hit, np.nan)
        n = a + b + c + d
        p1 = np.where(n > 0, (a + c) / n, np.nan)
        p2 = 1.0 - p1
        t1 = np.nan_to_num(np.where(a + c > 0, c / (a + c), np.nan))
        t2 = np.nan_to_num(far)
        loss = mu * t1 * p1 + (1.0 - mu) * t2 * p2
        bench = np.minimum(mu * p1, (1.0 - mu) * p2)
        useful = np.where(bench > 0, (bench - loss) / bench, np.nan)
    return {
        "hit_rate": hit,
        "false_alarm_rate": far,
        "noise_to_signal": nsr,
        "usefulness": useful,
        "n_days": n,
        "n_event_days": a + c,
    }


def evaluate_grid(inputs: SweepInputs, grid: pd.DataFrame) -> pd.DataFrame:
    """Evaluate every parameter set of ``grid`` on ``inputs``.

    Parameters
    ----------
    inputs
        The replayed raw stage and score, the prices, the span.
    grid
        One row per set, columns :data:`GRID_COLUMNS` (see :func:`default_grid`).

    Returns
    -------
    pandas.DataFrame
        ``grid`` (same index) with :data:`METRIC_COLUMNS` appended. Each set is
        scored on the days in the span where its label and its smoothed score's
        alarm are known; the level and the score of a set share those days.
    """
    _check_grid(grid)
    if grid.empty:
        return grid.assign(**{c: pd.Series(dtype="float64") for c in METRIC_COLUMNS})
    n_sets = len(grid)
    levels = hysteresis_paths(inputs.raw_stage, grid["up_days"].to_numpy(), grid["down_days"].to_numpy())
    level_alarm = levels >= grid["level_k"].to_numpy(dtype=np.int64)[:, None]

    score_cache: dict[int, npt.NDArray[np.float64]] = {}
    alarm_cache: dict[tuple[int, float], npt.NDArray[np.float64]] = {}
    label_cache: dict[tuple[int, float, float | None], npt.NDArray[np.float64]] = {}
    score_alarm_m = np.zeros((n_sets, inputs.raw_stage.size), dtype=bool)
    known = np.zeros_like(score_alarm_m)
    ys = np.zeros_like(score_alarm_m)
    auroc_cache: dict[tuple[int, int, float, float | None], float] = {}
    score_auroc = np.empty(n_sets)
    rows = grid.reset_index(drop=True)
    for i, row in rows.iterrows():
        w, q = int(row["score_window"]), float(row["alarm_quantile"])
        tkey = (int(row["horizon"]), float(row["spx_drop"]), _usd_key(float(row["usd_drop"])))
        if w not in score_cache:
            score_cache[w] = _smoothed(inputs.score, w)
        if (w, q) not in alarm_cache:
            sa = score_alarm(pd.Series(score_cache[w]), q, inputs.alarm_min_obs)
            alarm_cache[(w, q)] = sa.to_numpy(dtype="float64")
        if tkey not in label_cache:
            label_cache[tkey] = forward_hits(inputs.spx, inputs.usd, *tkey)
        sa_arr, lab = alarm_cache[(w, q)], label_cache[tkey]
        k = int(i)  # type: ignore[call-overload]
        known[k] = inputs.span & np.isfinite(lab) & np.isfinite(sa_arr)
        score_alarm_m[k] = sa_arr == 1.0
        ys[k] = lab == 1.0
        akey = (w, *tkey)
        if akey not in auroc_cache:
            # The alarm-known days do not depend on q (min_obs does): score AUROC per (window, target).
            auroc_cache[akey] = auroc(np.where(known[k], score_cache[w], np.nan), lab)
        score_auroc[k] = auroc_cache[akey]
    lv = _rates(level_alarm, ys, known, inputs.mu)
    sc = _rates(score_alarm_m, ys, known, inputs.mu)
    out = grid.copy()
    out["n_days"] = lv["n_days"]
    out["n_event_days"] = lv["n_event_days"]
    out["level_auroc"] = (lv["hit_rate"] + 1.0 - lv["false_alarm_rate"]) / 2.0
    for m in ("hit_rate", "false_alarm_rate", "noise_to_signal", "usefulness"):
        out[f"level_{m}"] = lv[m]
    out["level_alarms_per_year"] = _onsets_per_year(level_alarm, known)
    out["score_auroc"] = score_auroc
    for m in ("hit_rate", "false_alarm_rate", "noise_to_signal", "usefulness"):
        out[f"score_{m}"] = sc[m]
    out["score_alarms_per_year"] = _onsets_per_year(score_alarm_m, known)
    return out[[*grid.columns, *METRIC_COLUMNS]]
