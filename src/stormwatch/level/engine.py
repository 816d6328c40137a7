"""Executing the storm-level spec: raw stage, hysteresis, score, explanations.

All functions are pure and causal: the level on day ``t`` depends only on
signal outputs up to ``t`` (hysteresis looks back, never forward).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stormwatch.level.spec import LEVEL_NAMES, STORM_SPEC, Stage, StormSpec
from stormwatch.signals.base import SignalResult

__all__ = [
    "LevelResult",
    "SignalMove",
    "Transition",
    "apply_hysteresis",
    "compute_level",
    "daily_changes",
    "extend_level",
    "raw_stage",
    "storm_score",
]


@dataclass(frozen=True)
class SignalMove:
    """How one signal moved between two days."""

    signal_id: str
    title: str
    state_before: str
    state_now: str
    intensity_before: float
    intensity_now: float
    since: pd.Timestamp | None

    def text(self) -> str:
        since = f" since {self.since.date()}" if self.since is not None else ""
        delta = self.intensity_now - self.intensity_before
        move = (
            f"{self.state_before} -> {self.state_now}"
            if self.state_before != self.state_now
            else self.state_now
        )
        ib = "n/a" if np.isnan(self.intensity_before) else f"{self.intensity_before:+.2f}"
        inow = "n/a" if np.isnan(self.intensity_now) else f"{self.intensity_now:+.2f}"
        d = "" if np.isnan(delta) else f" ({delta:+.2f})"
        return f"{self.title}: {move}{since}; intensity {ib} -> {inow}{d}"


@dataclass(frozen=True)
class Transition:
    """A step of the level, with what moved."""

    date: pd.Timestamp
    from_level: int
    to_level: int
    moved: tuple[SignalMove, ...]
    reason: str
    unknown: tuple[str, ...] = ()

    @property
    def direction(self) -> str:
        return "up" if self.to_level > self.from_level else "down"

    def text(self) -> str:
        head = (
            f"{self.date.date()}: level {self.from_level} {LEVEL_NAMES[self.from_level]} -> "
            f"{self.to_level} {LEVEL_NAMES[self.to_level]}"
        )
        lines = [head, f"  why: {self.reason}"]
        lines += [f"  - {m.text()}" for m in self.moved]
        if self.unknown:
            lines.append(f"  unknown (inputs missing): {', '.join(self.unknown)}")
        return "\n".join(lines)


@dataclass(frozen=True)
class LevelResult:
    """The level path and everything needed to explain it.

    Attributes
    ----------
    frame
        Index ``date``; columns ``raw_stage``, ``level``, ``level_name``, ``score``, ``coverage``.
    contributions
        Score points contributed by each signal per day (rows sum to ``score``).
    transitions
        Every level change, oldest first.
    """

    frame: pd.DataFrame
    contributions: pd.DataFrame
    transitions: tuple[Transition, ...] = field(default_factory=tuple)


def _state(results: Mapping[str, SignalResult], sid: str, index: pd.DatetimeIndex) -> np.ndarray:
    if sid not in results:
        return np.full(len(index), "unknown", dtype=object)
    return results[sid].state.reindex(index).fillna("unknown").to_numpy(dtype=object)


def _meets(state: np.ndarray, minimum: str) -> np.ndarray:
    if minimum == "on":
        return np.asarray(state == "on")
    return np.asarray((state == "on") | (state == "watch"))


def _stage_holds(stage: Stage, states: Mapping[int, np.ndarray], n: int) -> np.ndarray:
    ok = np.ones(n, dtype=bool)
    for item, minimum in stage.all_of:
        ok &= _meets(states[item], minimum)
    if stage.any_of:
        anyof = np.zeros(n, dtype=bool)
        for item, minimum in stage.any_of:
            anyof |= _meets(states[item], minimum)
        ok &= anyof
    return ok


def raw_stage(
    results: Mapping[str, SignalResult], index: pd.DatetimeIndex, spec: StormSpec = STORM_SPEC
) -> pd.Series:
    """The highest stage whose conditions hold each day, before hysteresis.

    A signal in ``unknown`` counts as not on: the level is raised only by evidence.
    """
    states = {item: _state(results, sid, index) for item, sid in spec.checklist.items()}
    raw = np.zeros(len(index), dtype=np.int64)
    for stage in spec.stages:
        raw = np.where(_stage_holds(stage, states, len(index)), np.maximum(raw, stage.level), raw)
    return pd.Series(raw, index=index, name="raw_stage")


def apply_hysteresis(
    raw: pd.Series, *, up_days: int, down_days: int, prior: pd.DataFrame | None = None
) -> pd.Series:
    """Step the level up when a higher raw stage held ``up_days`` days; down after ``down_days``.

    .. math::

        L_t = \\begin{cases}
          \\min_{s \\in (t-u, t]} R_s & \\text{if that is } > L_{t-1} \\\\
          \\max_{s \\in (t-d, t]} R_s & \\text{if that is } < L_{t-1} \\\\
          L_{t-1} & \\text{otherwise}
        \\end{cases}

    ``prior`` (the earlier days' ``raw_stage`` and ``level`` columns) carries
    the state when only the days after it are stepped (incremental run): the
    result equals the tail of a run on the whole history.
    """
    if up_days < 1 or down_days < 1:
        raise ValueError("up_days and down_days must be >= 1; use 1 for no hysteresis")
    level = 0
    start = 0
    r = raw.to_numpy(dtype=np.int64)
    if prior is not None and len(prior):
        # Only the last max(up, down) raw stages matter, and the row count (warm-up rule).
        start = len(prior)
        keep = max(up_days, down_days)
        head = np.full(start, -1, dtype=np.int64)
        head[-keep:] = prior["raw_stage"].to_numpy(dtype=np.int64)[-keep:]
        r = np.concatenate([head, r])
        level = int(prior["level"].iloc[-1])
    out = np.zeros(len(r), dtype=np.int64)
    for t in range(start, len(r)):
        lo_up = r[max(0, t - up_days + 1) : t + 1].min() if t + 1 >= up_days else 0
        hi_down = r[max(0, t - down_days + 1) : t + 1].max()
        if lo_up > level:
            level = int(lo_up)
        elif hi_down < level:
            level = int(hi_down)
        out[t] = level
    return pd.Series(out[start:], index=raw.index, name="level")


def storm_score(
    results: Mapping[str, SignalResult], index: pd.DatetimeIndex, spec: StormSpec = STORM_SPEC
) -> tuple[pd.Series, pd.DataFrame, pd.Series]:
    """The continuous 0-100 score, its per-signal contributions, and coverage.

    .. math::

        S_t = 100 \\cdot \\frac{\\sum_i w_i \\, \\min(\\max(x_{i,t}, 0), c) / c}{\\sum_{i \\in K_t} w_i}

    with :math:`x_{i,t}` the intensity of signal :math:`i`, :math:`c` the cap and
    :math:`K_t` the signals with a known intensity on day :math:`t`. Coverage
    is :math:`\\sum_{K_t} w_i / \\sum_i w_i`: a score from few inputs says so.
    The score never falls when an intensity rises (non-negative weights).
    """
    cap = spec.intensity_cap
    total_w = sum(w for w, _ in spec.weights.values())
    points = {}
    known_w = np.zeros(len(index))
    for sid, (w, _) in spec.weights.items():
        if sid not in results:
            continue
        x = results[sid].intensity.reindex(index).to_numpy(dtype="float64")
        known = ~np.isnan(x)
        known_w += np.where(known, w, 0.0)
        points[sid] = np.where(known, w * np.clip(x, 0.0, cap) / cap, 0.0)
    contrib = pd.DataFrame(points, index=index)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(known_w > 0, 100.0 / known_w, np.nan)
    contrib = contrib.mul(scale, axis=0)
    score = contrib.sum(axis=1, min_count=1).where(known_w > 0)
    coverage = pd.Series(known_w / total_w, index=index, name="coverage")
    return score.rename("score"), contrib, coverage


def _since(state: pd.Series, t: int) -> pd.Timestamp | None:
    values = state.to_numpy(dtype=object)
    cur = values[t]
    s = t
    while s > 0 and values[s - 1] == cur:
        s -= 1
    return pd.Timestamp(state.index[s])


def _moves(
    results: Mapping[str, SignalResult], spec: StormSpec, t: int, t0: int, *, only_changed: bool
) -> list[SignalMove]:
    moves = []
    for sid in spec.weights:
        if sid not in results:
            continue
        res = results[sid]
        st_now, st_before = str(res.state.iloc[t]), str(res.state.iloc[t0])
        i_now, i_before = float(res.intensity.iloc[t]), float(res.intensity.iloc[t0])
        if only_changed and st_now == st_before:
            continue
        moves.append(
            SignalMove(sid, res.spec.title, st_before, st_now, i_before, i_now, _since(res.state, t))
        )
    weight = {sid: w for sid, (w, _) in spec.weights.items()}

    def key(m: SignalMove) -> float:
        d = m.intensity_now - m.intensity_before
        return -weight[m.signal_id] * (0.0 if np.isnan(d) else abs(d))

    return sorted(moves, key=key)


def compute_level(
    results: Mapping[str, SignalResult],
    index: pd.DatetimeIndex | None = None,
    spec: StormSpec = STORM_SPEC,
    *,
    explain_lookback: int = 20,
) -> LevelResult:
    """Turn signal results into the stepwise storm level with explanations.

    Parameters
    ----------
    results
        Signal results by id (see :func:`stormwatch.signals.evaluate_all`).
    index
        The days (default: the first result's index).
    spec
        The declared spec.
    explain_lookback
        Business days over which "what moved" is measured at a transition
        (or since the previous transition, if that is more recent).
    """
    if index is None:
        index = pd.DatetimeIndex(next(iter(results.values())).state.index)
    frame, contrib = _level_frame(results, index, spec, None)
    transitions = _transitions(results, index, frame["level"].to_numpy(), spec, explain_lookback, 1, 0)
    return LevelResult(frame=frame, contributions=contrib, transitions=tuple(transitions))


def _transitions(
    results: Mapping[str, SignalResult],
    index: pd.DatetimeIndex,
    lv: np.ndarray,
    spec: StormSpec,
    explain_lookback: int,
    first: int,
    last_change: int,
) -> list[Transition]:
    """The level changes at rows ``>= first`` (``last_change``: row of the previous change, or 0)."""
    transitions: list[Transition] = []
    stage_reason = {s.level: s.reason for s in spec.stages}
    for t_ in np.flatnonzero(np.diff(lv[first - 1 :]) != 0) + first:
        t = int(t_)
        t0 = max(last_change, t - explain_lookback)
        to, frm = int(lv[t]), int(lv[t - 1])
        reason = (
            stage_reason.get(to, "")
            if to > frm
            else (
                f"the conditions for {LEVEL_NAMES[frm]} were absent for {spec.down_days} business days"
                + (f"; still: {stage_reason[to]}" if to in stage_reason else "")
            )
        )
        unknown = tuple(
            sid
            for sid in spec.checklist.values()
            if sid in results and results[sid].state.iloc[t] == "unknown"
        ) + tuple(sid for sid in spec.checklist.values() if sid not in results)
        moved = _moves(results, spec, t, t0, only_changed=True)
        transitions.append(Transition(pd.Timestamp(index[t]), frm, to, tuple(moved), reason, unknown))
        last_change = t
    return transitions


def _level_frame(
    results: Mapping[str, SignalResult],
    index: pd.DatetimeIndex,
    spec: StormSpec,
    prior: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = raw_stage(results, index, spec)
    level = apply_hysteresis(raw, up_days=spec.up_days, down_days=spec.down_days, prior=prior)
    score, contrib, coverage = storm_score(results, index, spec)
    frame = pd.DataFrame(
        {
            "raw_stage": raw,
            "level": level,
            "level_name": [LEVEL_NAMES[int(v)] for v in level.to_numpy()],
            "score": score,
            "coverage": coverage,
        },
        index=index,
    )
    frame.index.name = "date"
    return frame, contrib


def extend_level(
    previous: LevelResult,
    results: Mapping[str, SignalResult],
    index: pd.DatetimeIndex,
    spec: StormSpec = STORM_SPEC,
    *,
    explain_lookback: int = 20,
) -> LevelResult:
    """:func:`compute_level` on ``index`` given the result on its first days (incremental run).

    Parameters
    ----------
    previous
        The level on a prefix of ``index`` (same ``results`` up to there).
    results
        Signal results on all of ``index``.
    index, spec, explain_lookback
        As in :func:`compute_level`.

    Returns
    -------
    LevelResult
        Equal to ``compute_level(results, index, spec)``: stage, score and
        coverage are per day, the hysteresis resumes from the carried level
        and the last raw stages, new transitions are appended.
    """
    n_old = len(previous.frame)
    if n_old == 0 or not index[:n_old].equals(previous.frame.index):
        return compute_level(results, index, spec, explain_lookback=explain_lookback)
    new_index = pd.DatetimeIndex(index[n_old:], name=index.name)
    frame_new, contrib_new = _level_frame(results, new_index, spec, previous.frame)
    frame = pd.concat([previous.frame, frame_new])
    contrib = pd.concat([previous.contributions, contrib_new])
    last_change = int(index.searchsorted(previous.transitions[-1].date)) if previous.transitions else 0
    new_t = _transitions(
        results, index, frame["level"].to_numpy(), spec, explain_lookback, n_old, last_change
    )
    return LevelResult(
        frame=frame, contributions=contrib, transitions=tuple(previous.transitions) + tuple(new_t)
    )


def daily_changes(
    results: Mapping[str, SignalResult], level: LevelResult, spec: StormSpec = STORM_SPEC
) -> list[dict[str, object]]:
    """What changed on the last day versus the previous business day (for ``run``)."""
    frame = level.frame
    if len(frame) < 2:
        return []
    out: list[dict[str, object]] = []
    a, b = frame.iloc[-2], frame.iloc[-1]
    if int(a["level"]) != int(b["level"]):
        out.append({"what": "level", "from": int(a["level"]), "to": int(b["level"])})
    for m in _moves(results, spec, len(frame) - 1, len(frame) - 2, only_changed=True):
        out.append(
            {
                "what": "signal",
                "id": m.signal_id,
                "from": m.state_before,
                "to": m.state_now,
                "intensity_from": None if np.isnan(m.intensity_before) else round(m.intensity_before, 3),
                "intensity_to": None if np.isnan(m.intensity_now) else round(m.intensity_now, 3),
            }
        )
    return out
