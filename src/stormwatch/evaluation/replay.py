"""Point-in-time replay: the level and score of every business day from what was known that day.

The panel is point in time by construction (each row sees only values
published by the end of its day, see :mod:`stormwatch.panel`), and every
signal is causal *given its inputs*. One thing is not: which candidate
series a signal reads. :func:`stormwatch.signals.evaluate` picks the first
of an input's candidates that has data *anywhere in the panel*, so on a
panel that runs to 2019 the ECB euro crosses (from 1999) are chosen and
1995 is computed without the Fed's dollar rates, while a user in 1995 —
whose panel ended in 1995 — had the Fed's rates and used them. A one-pass
history therefore differs from a day-by-day replay before the primary
inputs begin (measured on the development data: the level differs on
days of 1995 and 1998).

:func:`replay` removes that difference exactly. For each signal it finds
the days on which a truncated panel would choose differently (a candidate
earlier in an input's order gets its first value), and evaluates each
stretch between such days on the panel truncated at the stretch's last
day. Within a stretch the choice is fixed, so by causality every row equals
what ``assess`` would have said with data up to that row. The tests prove
it against literal truncation on dates before and after the switches.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stormwatch._typing import SeriesId
from stormwatch.catalog import Catalog
from stormwatch.compute import DEFAULT_START, latest_market_day, required_ids
from stormwatch.level import STORM_SPEC, LevelResult, StormSpec, Transition, compute_level
from stormwatch.panel import StaleDataWarning, load_panel
from stormwatch.signals import SignalResult, SignalSpec, evaluate, registry
from stormwatch.store import Store

__all__ = [
    "Replay",
    "Segment",
    "choice_breaks",
    "level_signal_ids",
    "load_replay_panel",
    "replay",
    "replay_signal",
]


@dataclass(frozen=True)
class Segment:
    """A stretch of days over which a signal reads the same candidate series.

    Attributes
    ----------
    first, last
        The stretch's first and last day.
    used
        Input name -> the series id read (inputs with no data yet are absent).
    """

    first: pd.Timestamp
    last: pd.Timestamp
    used: Mapping[str, SeriesId]


@dataclass(frozen=True)
class Replay:
    """The point-in-time history of the storm level and of the signals behind it.

    Attributes
    ----------
    level
        The level result (``frame`` has ``raw_stage``, ``level``, ``level_name``,
        ``score``, ``coverage`` per day).
    results
        Spliced signal results by id.
    segments
        Per signal, the stretches of constant input choice (which proxies were
        read when).
    """

    level: LevelResult
    results: Mapping[str, SignalResult]
    segments: Mapping[str, tuple[Segment, ...]]

    @property
    def frame(self) -> pd.DataFrame:
        return self.level.frame

    def proxies_used(self) -> list[str]:
        """One line per signal input that read a proxy on some stretch, with the dates."""
        specs = registry()
        lines = []
        for sid, segs in self.segments.items():
            spec = specs.get(sid)
            if spec is None:
                continue
            for seg in segs:
                for name, used in seg.used.items():
                    if name in spec.inputs and used != spec.inputs[name].primary:
                        lines.append(
                            f"{sid}.{name}: {used} instead of {spec.inputs[name].primary} "
                            f"({seg.first.date()} .. {seg.last.date()})"
                        )
        return lines


def level_signal_ids(spec: StormSpec = STORM_SPEC) -> list[str]:
    """The signals the storm level reads: the checklist and every weighted signal."""
    return list(dict.fromkeys([*spec.checklist.values(), *spec.weights]))


def _first_valid(panel: pd.DataFrame, cols: Iterable[SeriesId]) -> dict[SeriesId, int]:
    out: dict[SeriesId, int] = {}
    for c in cols:
        if c in panel.columns and c not in out:
            known = panel[c].notna().to_numpy()
            if known.any():
                out[c] = int(np.argmax(known))
    return out


def choice_breaks(spec: SignalSpec, panel: pd.DataFrame) -> list[int]:
    """Row positions (> 0) at which a panel truncated there would first choose differently.

    For each input, a truncated panel reads the first candidate (in declared
    order) that has a value on or before its last row; the choice changes
    when an earlier candidate gets its first value, or when the first
    candidate of a required input appears.
    """
    first = _first_valid(panel, spec.input_ids)
    breaks: set[int] = set()
    for inp in spec.inputs.values():
        events = sorted((first[c], order) for order, c in enumerate(inp.candidates) if c in first)
        best: int | None = None
        for pos, order in events:
            if best is None or order < best:
                # An optional input's first appearance changes nothing before it: without a
                # candidate the signal reads an all-NaN series, with it a series that is NaN
                # up to that day. A required input's appearance ends "missing input".
                if pos > 0 and (best is not None or not inp.optional):
                    breaks.add(pos)
                best = order
    return sorted(breaks)


def _pieces(
    spec: SignalSpec, panel: pd.DataFrame, params: Mapping[str, object] | None
) -> tuple[list[SignalResult], list[tuple[int, int]], tuple[Segment, ...]]:
    """Evaluate each stretch of constant input choice on the panel truncated at its end."""
    n = len(panel.index)
    cuts = [0, *choice_breaks(spec, panel), n]
    bounds = [(a, b) for a, b in itertools.pairwise(cuts) if b > a]
    idx = pd.DatetimeIndex(panel.index)
    pieces: list[SignalResult] = []
    segments: list[Segment] = []
    for a, b in bounds:
        res = evaluate(spec, panel.iloc[:b], params)
        pieces.append(res)
        segments.append(Segment(pd.Timestamp(idx[a]), pd.Timestamp(idx[b - 1]), dict(res.used)))
    return pieces, bounds, tuple(segments)


def _head(res: SignalResult, b: int) -> SignalResult:
    """The first ``b`` rows of a result."""
    if len(res.state) == b:
        return res
    return SignalResult(
        spec=res.spec,
        state=res.state.iloc[:b],
        intensity=res.intensity.iloc[:b],
        evidence=res.evidence.iloc[:b],
        used=res.used,
        proxies=res.proxies,
        reason=res.reason.iloc[:b],
        notes=res.notes,
    )


def _splice(pieces: Sequence[SignalResult], bounds: Sequence[tuple[int, int]]) -> SignalResult:
    """Rows ``[a, b)`` of each piece, concatenated; metadata from the last piece."""
    last = pieces[-1]
    if len(pieces) == 1:
        return last
    parts = list(zip(pieces, bounds, strict=True))
    state = pd.concat([p.state.iloc[a:b] for p, (a, b) in parts])
    intensity = pd.concat([p.intensity.iloc[a:b] for p, (a, b) in parts])
    reason = pd.concat([p.reason.iloc[a:b] for p, (a, b) in parts])
    cols: dict[object, None] = {}
    for p, _ in parts:
        cols.update(dict.fromkeys(p.evidence.columns))
    evidence = pd.concat([p.evidence.iloc[a:b].reindex(columns=list(cols)) for p, (a, b) in parts])
    return SignalResult(
        spec=last.spec,
        state=state.astype(object),
        intensity=intensity.astype("float64"),
        evidence=evidence,
        used=last.used,
        proxies=last.proxies,
        reason=reason.astype(object),
        notes=last.notes,
    )


def _piece_at(bounds: Sequence[tuple[int, int]], row: int) -> int:
    for k, (a, b) in enumerate(bounds):
        if a <= row < b:
            return k
    raise IndexError(row)


def replay_signal(
    spec: SignalSpec, panel: pd.DataFrame, params: Mapping[str, object] | None = None
) -> tuple[SignalResult, tuple[Segment, ...]]:
    """One signal, point in time: each stretch of constant input choice evaluated on its own prefix.

    Parameters
    ----------
    spec
        The declared signal.
    panel
        The aligned point-in-time panel (business days x series ids).
    params
        Parameter overrides.

    Returns
    -------
    result, segments
        The spliced result (row ``t`` equals row ``t`` of the signal evaluated
        on the panel truncated at ``t``) and the stretches with the series read.
    """
    if len(panel.index) == 0:
        return evaluate(spec, panel, params), ()
    pieces, bounds, segments = _pieces(spec, panel, params)
    return _splice(pieces, bounds), segments


def replay(
    panel: pd.DataFrame,
    *,
    extra: Sequence[str] = (),
    spec: StormSpec = STORM_SPEC,
    params: Mapping[str, Mapping[str, object]] | None = None,
) -> Replay:
    """The storm level for every day of ``panel`` exactly as a day-by-day replay gives it.

    Row ``t`` of the result equals the last row of ``assess`` run on the panel
    truncated at ``t``: the signals, the score and also the level, whose
    hysteresis is run, for each stretch between input switches, on the
    signal history *as seen from that stretch* (the choices of its days).

    Parameters
    ----------
    panel
        Point-in-time business-day panel (``Panel.values``).
    extra
        Further signal ids to replay alongside the level's (e.g. ``absorption_ratio``
        for the baselines).
    spec
        The storm-level spec.
    params
        Per-signal parameter overrides.

    Returns
    -------
    Replay
    """
    specs = registry()
    wanted = [s for s in dict.fromkeys([*level_signal_ids(spec), *extra]) if s in specs]
    index = pd.DatetimeIndex(panel.index)
    n = len(index)
    if n == 0:
        raise ValueError("the panel has no rows to replay")
    all_pieces: dict[str, tuple[list[SignalResult], list[tuple[int, int]]]] = {}
    results: dict[str, SignalResult] = {}
    segments: dict[str, tuple[Segment, ...]] = {}
    for sid in wanted:
        pieces, bounds, segs = _pieces(specs[sid], panel, (params or {}).get(sid))
        all_pieces[sid] = (pieces, bounds)
        results[sid] = _splice(pieces, bounds)
        segments[sid] = segs
    # The level's hysteresis looks back: run it per global stretch on that stretch's view.
    in_level = set(level_signal_ids(spec))
    cuts = sorted({0, n, *(a for sid, (_, bd) in all_pieces.items() if sid in in_level for a, _ in bd)})
    frames: list[pd.DataFrame] = []
    contribs: list[pd.DataFrame] = []
    transitions: list[Transition] = []
    for a, b in itertools.pairwise(cuts):
        view = {sid: _head(p[_piece_at(bd, a)], b) for sid, (p, bd) in all_pieces.items() if sid in in_level}
        lv = compute_level(view, index[:b], spec)
        frames.append(lv.frame.iloc[a:b])
        contribs.append(lv.contributions.iloc[a:b])
        transitions.extend(t for t in lv.transitions if index[a] <= t.date <= index[b - 1])
    frame = pd.concat(frames) if len(frames) > 1 else frames[0]
    contrib = pd.concat(contribs) if len(contribs) > 1 else contribs[0]
    level = LevelResult(frame=frame, contributions=contrib, transitions=tuple(transitions))
    return Replay(level=level, results=results, segments=segments)


def load_replay_panel(
    store: Store,
    catalog: Catalog,
    *,
    start: pd.Timestamp | None = None,
    as_of: pd.Timestamp | None = None,
    ids: Sequence[SeriesId] | None = None,
) -> pd.DataFrame:
    """The point-in-time panel a replay runs on: the store read as of ``as_of``.

    Every row sees only what was published by the end of its own day
    (publication lags applied), so one read as of the last day holds every
    earlier day's view too (:func:`stormwatch.panel.build_panel`).

    Parameters
    ----------
    store, catalog
        Where the data is and how to align it.
    start
        First day (default 1985-01-01, warm-up before the 1990 evaluation start).
    as_of
        Last day (default: the last day with stored daily data).
    ids
        Series to read (default: every signal input).
    """
    chosen = [i for i in (ids if ids is not None else required_ids()) if i in catalog]
    if as_of is None:
        as_of = latest_market_day(store, catalog, chosen)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaleDataWarning)
        panel = load_panel(store, catalog, chosen, start=start or DEFAULT_START, as_of=as_of)
    if len(panel.values) == 0:
        raise ValueError("the store has no data for the requested days")
    return panel.values
