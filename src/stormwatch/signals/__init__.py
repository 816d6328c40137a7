"""The checklist signals: pure functions of aligned series, declared once.

Importing this package registers every family module's signals, in the
order of the thesis' checklist, then the aggravators and the fuel gauges.
"""

from __future__ import annotations

# Family modules register their signals on import (order = display order).
from stormwatch.signals import (  # noqa: F401
    correlation,
    curve,
    dollar_equity,
    dollar_vol,
    fed_liquidity,
    foreign_investor,
    fuel,
    fx_skew,
    leadership,
    metals,
    positioning,
    real_rates,
    regime,
    stagflation,
)
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
