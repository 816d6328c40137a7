"""The storm level: a declared spec (stages, weights, hysteresis) and its engine."""

from __future__ import annotations

from stormwatch.level.engine import (
    LevelResult,
    SignalMove,
    Transition,
    apply_hysteresis,
    compute_level,
    daily_changes,
    extend_level,
    raw_stage,
    storm_score,
)
from stormwatch.level.spec import LEVEL_NAMES, STORM_SPEC, Stage, StormSpec

__all__ = [
    "LEVEL_NAMES",
    "STORM_SPEC",
    "LevelResult",
    "SignalMove",
    "Stage",
    "StormSpec",
    "Transition",
    "apply_hysteresis",
    "compute_level",
    "daily_changes",
    "extend_level",
    "raw_stage",
    "storm_score",
]
