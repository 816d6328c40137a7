"""How a signal is declared and evaluated.

A signal is a pure function of aligned daily series, declared once with its
inputs (catalog ids, with named proxies as fallbacks), parameters (each with
its default and the reason for it), and economic rationale::

    @signal(
        id="dollar_down_vol_up",
        family="dollar_vol",
        title="Dollar falls while implied volatility rises",
        kind="checklist", checklist_item=1,
        inputs={"dollar": Input("yahoo:DX-Y.NYB", proxies=("fred:DTWEXBGS",))},
        params={"window": Param(20, "one trading month: a move, not a wobble")},
        rationale="...",
    )
    def dollar_down_vol_up(data: SignalData, *, window: int) -> SignalOutput: ...

The engine (:func:`evaluate`) assembles each input causally — each day uses
the first candidate (primary, then proxies in order) whose data have begun by
then — calls the function, and turns a missing input into an ``unknown``
state with the reason — never an exception, never a silent zero. Every
output is causal: the value on day ``t`` uses only rows up to ``t``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from stormwatch._typing import SeriesId

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

STATES: tuple[str, ...] = ("off", "watch", "on", "unknown")
SignalKind = Literal["checklist", "aggravator", "fuel", "regime", "readout"]


@dataclass(frozen=True)
class Input:
    """One input of a signal: a catalog id and the proxies tried after it, in order.

    Parameters
    ----------
    primary
        The series the thesis names.
    proxies
        Free substitutes, tried in order when the primary has no data. The
        output says which one was used.
    optional
        If true, a missing input does not make the signal unknown; the
        function receives an all-NaN series and must cope.
    """

    primary: SeriesId
    proxies: tuple[SeriesId, ...] = ()
    optional: bool = False

    @property
    def candidates(self) -> tuple[SeriesId, ...]:
        return (self.primary, *self.proxies)


@dataclass(frozen=True)
class Param:
    """A parameter's default and the reason for it."""

    default: Any
    reason: str


@dataclass(frozen=True)
class SignalData:
    """What a signal function sees: its inputs aligned on the panel's days.

    ``series[name]`` is the chosen candidate's column; ``used[name]`` its id.
    """

    series: Mapping[str, pd.Series]
    used: Mapping[str, SeriesId]
    index: pd.DatetimeIndex

    def __getitem__(self, name: str) -> pd.Series:
        return self.series[name]


@dataclass(frozen=True)
class SignalOutput:
    """What a signal function returns, per day.

    Attributes
    ----------
    intensity
        A comparable number (e.g. a sequential z-score); higher = riskier.
    state
        ``off`` / ``watch`` / ``on`` / ``unknown`` per day. If ``None`` the
        engine derives it from ``intensity`` with the spec's thresholds.
    evidence
        Named series a chart or an alert can show (e.g. the dollar's 20-day
        return, the vol composite's z-score).
    """

    intensity: pd.Series
    state: pd.Series | None = None
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignalSpec:
    """A declared signal: everything about it in one place."""

    id: str
    family: str
    title: str
    kind: SignalKind
    inputs: Mapping[str, Input]
    params: Mapping[str, Param]
    rationale: str
    func: Callable[..., SignalOutput]
    checklist_item: int | None = None
    watch_at: float = 1.0
    on_at: float = 2.0
    unit: str = "z"

    def defaults(self) -> dict[str, Any]:
        return {k: p.default for k, p in self.params.items()}

    @property
    def input_ids(self) -> tuple[SeriesId, ...]:
        out: list[SeriesId] = []
        for inp in self.inputs.values():
            out.extend(inp.candidates)
        return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class SignalResult:
    """A signal evaluated on a panel."""

    spec: SignalSpec
    state: pd.Series
    intensity: pd.Series
    evidence: pd.DataFrame
    used: Mapping[str, SeriesId]
    proxies: Mapping[str, SeriesId]
    reason: pd.Series
    notes: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.spec.id


_REGISTRY: dict[str, SignalSpec] = {}


def registry() -> Mapping[str, SignalSpec]:
    """Every declared signal, by id, in declaration order (read-only)."""
    return MappingProxyType(_REGISTRY)


def signal(
    *,
    id: str,
    family: str,
    title: str,
    kind: SignalKind,
    inputs: Mapping[str, Input],
    params: Mapping[str, Param],
    rationale: str,
    checklist_item: int | None = None,
    watch_at: float = 1.0,
    on_at: float = 2.0,
    unit: str = "z",
) -> Callable[[Callable[..., SignalOutput]], Callable[..., SignalOutput]]:
    """Declare a signal (decorator). See the module docstring."""

    def deco(func: Callable[..., SignalOutput]) -> Callable[..., SignalOutput]:
        if id in _REGISTRY and _REGISTRY[id].func.__qualname__ != func.__qualname__:
            raise ValueError(f"signal id {id!r} declared twice")
        if not (watch_at <= on_at):
            raise ValueError(f"{id}: watch_at must be <= on_at")
        _REGISTRY[id] = SignalSpec(
            id=id,
            family=family,
            title=title,
            kind=kind,
            inputs=MappingProxyType(dict(inputs)),
            params=MappingProxyType(dict(params)),
            rationale=" ".join(rationale.split()),
            func=func,
            checklist_item=checklist_item,
            watch_at=watch_at,
            on_at=on_at,
            unit=unit,
        )
        return func

    return deco


def states_from_intensity(intensity: pd.Series, *, watch_at: float, on_at: float) -> pd.Series:
    """``on`` at or above ``on_at``, ``watch`` at or above ``watch_at``, else ``off``; NaN -> ``unknown``."""
    x = intensity.to_numpy(dtype="float64")
    out = np.where(
        np.isnan(x), "unknown", np.where(x >= on_at, "on", np.where(x >= watch_at, "watch", "off"))
    )
    return pd.Series(out, index=intensity.index, dtype=object)


def _assemble(
    panel: pd.DataFrame, inp: Input, first_valid: Mapping[SeriesId, pd.Timestamp] | None = None
) -> tuple[pd.Series, SeriesId] | None:
    """The input's series, causally: each day uses the first candidate that has started by then.

    A candidate (the primary first, then the proxies in order) takes over from
    the day its data begin, so the choice on day ``t`` depends only on data up
    to ``t`` — a panel cut after ``t`` chooses the same. Returns the series and
    the candidate in use on the last day, or ``None`` if no candidate has data.
    ``first_valid`` gives the first day of candidates that began before the
    panel's first row (an incremental run evaluates a tail of the panel).
    """
    # numpy, not Series.where: this runs ~180 times per assessment and pandas'
    # per-call overhead dominated the incremental step.
    out: npt.NDArray[np.float64] | None = None
    last_used: SeriesId | None = None
    index = panel.index
    for cand in reversed(inp.candidates):
        if cand not in panel.columns:
            continue
        values = panel[cand].to_numpy(dtype="float64")
        first = (first_valid or {}).get(cand)
        if first is not None:
            begin = int(index.searchsorted(first, side="left"))
        else:
            valid = np.flatnonzero(~np.isnan(values))
            if len(valid) == 0:
                continue
            begin = int(valid[0])
        # Before the candidate begins, the previous (lower-priority) candidate stays.
        merged = np.full(len(values), np.nan) if out is None else out.copy()
        merged[begin:] = values[begin:]
        out = merged
        last_used = cand
    if out is None or last_used is None:
        return None
    return pd.Series(out, index=index, name=last_used, dtype="float64"), last_used


def evaluate(
    spec: SignalSpec,
    panel: pd.DataFrame,
    params: Mapping[str, Any] | None = None,
    *,
    first_valid: Mapping[SeriesId, pd.Timestamp] | None = None,
) -> SignalResult:
    """Evaluate one signal on an aligned panel.

    Parameters
    ----------
    spec
        The declared signal.
    panel
        Business-day frame with catalog ids as columns (see :mod:`stormwatch.panel`).
    params
        Overrides of the declared defaults.
    first_valid
        First valid day of each column on the whole panel, when ``panel`` is
        a tail of it (incremental run; see :mod:`stormwatch.incremental`).

    Returns
    -------
    SignalResult
        ``unknown`` on every day, with the reason, if a required input has no data.
    """
    index = pd.DatetimeIndex(panel.index)
    chosen: dict[str, SeriesId] = {}
    missing: list[str] = []
    series: dict[str, pd.Series] = {}
    for name, inp in spec.inputs.items():
        assembled = _assemble(panel, inp, first_valid)
        if assembled is None:
            if not inp.optional:
                missing.append(f"{name} ({' or '.join(inp.candidates)})")
            series[name] = pd.Series(np.nan, index=index, name=inp.primary, dtype="float64")
            continue
        series[name], chosen[name] = assembled
    proxies = {n: c for n, c in chosen.items() if c != spec.inputs[n].primary}
    unknown_reason = pd.Series("", index=index, dtype=object)
    if missing:
        reason = "missing input: " + "; ".join(missing)
        nan = pd.Series(np.nan, index=index, dtype="float64")
        return SignalResult(
            spec=spec,
            state=pd.Series("unknown", index=index, dtype=object),
            intensity=nan,
            evidence=pd.DataFrame(index=index),
            used=chosen,
            proxies=proxies,
            reason=pd.Series(reason, index=index, dtype=object),
        )
    kwargs = spec.defaults()
    if params:
        unknown = set(params) - set(kwargs)
        if unknown:
            raise ValueError(f"{spec.id}: unknown parameters {sorted(unknown)}; known: {sorted(kwargs)}")
        kwargs.update(params)
    out = spec.func(SignalData(series=series, used=chosen, index=index), **kwargs)
    intensity = out.intensity.reindex(index).astype("float64")
    state = out.state.reindex(index) if out.state is not None else None
    if state is None:
        state = states_from_intensity(intensity, watch_at=spec.watch_at, on_at=spec.on_at)
    state = state.fillna("unknown").astype(object)
    unknown_reason = unknown_reason.mask(state == "unknown", "not enough data yet (warm-up or gaps)")
    evidence = out.evidence.reindex(index) if not out.evidence.empty else pd.DataFrame(index=index)
    return SignalResult(
        spec=spec,
        state=state,
        intensity=intensity,
        evidence=evidence,
        used=chosen,
        proxies=proxies,
        reason=unknown_reason,
        notes=out.notes,
    )


def evaluate_all(
    panel: pd.DataFrame,
    *,
    ids: Sequence[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, SignalResult]:
    """Evaluate every registered signal (or ``ids``) on ``panel``."""
    specs = registry()
    chosen = list(specs) if ids is None else list(ids)
    return {sid: evaluate(specs[sid], panel, (params or {}).get(sid)) for sid in chosen}
