"""The checklist signals: pure functions of aligned series, declared once.

Importing this package registers every family module's signals.
"""

from __future__ import annotations

from stormwatch.signals.base import (
    STATES,
    Input,
    Param,
    SignalData,
    SignalOutput,
    SignalResult,
    SignalSpec,
    evaluate,
    evaluate_all,
    registry,
    signal,
    states_from_intensity,
)

__all__ = [
    "STATES",
    "Input",
    "Param",
    "SignalData",
    "SignalOutput",
    "SignalResult",
    "SignalSpec",
    "evaluate",
    "evaluate_all",
    "registry",
    "signal",
    "states_from_intensity",
]
