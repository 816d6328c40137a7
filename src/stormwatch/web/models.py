"""The JSON API's response models (they make the OpenAPI spec)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ErrorOut",
    "HealthOut",
    "HistoryOut",
    "HistoryRow",
    "InputOut",
    "LevelOut",
    "ObservationOut",
    "ParamOut",
    "SeriesOut",
    "SignalOut",
    "TransitionOut",
]

StateName = Literal["off", "watch", "on", "unknown"]
SignalKindName = Literal["checklist", "aggravator", "fuel", "regime", "readout"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(_Out):
    """An error: what went wrong and what to do."""

    detail: str


class HealthOut(_Out):
    """Liveness, and what the server holds (it never opens the store for this)."""

    status: Literal["ok"]
    store_present: bool
    as_of: dt.date | None = Field(description="last day of the cached assessment, if any")
    computed_at: dt.datetime | None


class LevelOut(_Out):
    """The storm level on the assessment's last day."""

    as_of: dt.date
    level: int = Field(ge=0, le=4)
    level_name: str
    score: float | None = Field(description="0-100; null when no weighted signal is known")
    coverage: float | None = Field(description="share of the score's weight with a known input, 0-1")
    regime: str
    computed_at: dt.datetime
    stale: bool = Field(description="true when the store changed but could not be re-read yet")
    note: str


class ParamOut(_Out):
    """A declared parameter: its value and the reason for it."""

    value: str
    reason: str


class InputOut(_Out):
    """A declared input: the series the thesis names and its proxies."""

    primary: str
    proxies: list[str]
    optional: bool


class SignalOut(_Out):
    """One signal: its declaration and its reading on the last day."""

    id: str
    title: str
    kind: SignalKindName
    family: str
    checklist_item: int | None
    state: StateName
    state_before: StateName = Field(description="state five business days earlier")
    intensity: float | None
    intensity_before: float | None
    since: dt.date | None = Field(description="first day of the current state's run")
    evidence: str
    evidence_values: dict[str, float | str | None]
    proxies: dict[str, str]
    used: dict[str, str]
    reason: str
    rationale: str
    params: dict[str, ParamOut]
    inputs: dict[str, InputOut]
    watch_at: float
    on_at: float
    unit: str
    notes: list[str]
    weight: float | None = Field(description="weight in the storm score, if any")
    weight_reason: str
    moved: str = Field(description="the move over five business days, in words")


class TransitionOut(_Out):
    """A step of the level and what moved."""

    date: dt.date
    from_level: int = Field(ge=0, le=4)
    to_level: int = Field(ge=0, le=4)
    reason: str
    moved: list[str]
    unknown: list[str]


class HistoryRow(_Out):
    """One business day, point in time."""

    date: dt.date
    level: int = Field(ge=0, le=4)
    level_name: str
    score: float | None
    regime: str
    states: dict[str, StateName]


class HistoryOut(_Out):
    """The level, score, regime and each signal's state per business day."""

    start: dt.date | None
    end: dt.date | None
    rows: list[HistoryRow]


class ObservationOut(_Out):
    """One stored value (the latest vintage of its period)."""

    period: dt.date
    published_at: dt.datetime
    value: float | None


class SeriesOut(_Out):
    """A catalog series and what the store holds of it."""

    id: str
    name: str
    units: str
    frequency: str
    role: str
    notes: str
    observations: list[ObservationOut]
