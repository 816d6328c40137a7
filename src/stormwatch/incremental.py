"""The incremental daily run: fold the new days into carried state, not the whole history.

Design (why): every signal is causal, and the panel up to day ``D`` is a
prefix of the panel up to ``D + k`` (each row only sees data published by its
own day). So the assessment up to ``D`` stays valid and only the new rows need
computing. What makes a row depend on *all* earlier rows is a handful of
sequential primitives (expanding z-score moments, expanding ranks, expanding
RMS, the CISS EWMA, the carried base day of the foreign-investor lines, the
long rolling z-score windows, the level's hysteresis). Each of them carries
its state (:mod:`stormwatch.signals._carry`), computed by the same sequential
algorithm in the full and in the incremental run. Everything else in a
signal is a rolling window of bounded length, so a signal is re-evaluated on a
*tail* of the panel that covers its longest chain of such windows
(:func:`lookback`), with its primitives resumed from the carried state. The
new rows are appended to the previous results; the level resumes its
hysteresis (:func:`stormwatch.level.extend_level`).

Exactness: expanding moments, ranks, RMS, cumulative sums, the EWMA and the
hysteresis are resumed bit for bit. Rolling windows recomputed on the tail
(pandas rolling sums, the numba window kernels) agree with the full run up to
rounding (about 1e-12 relative), states and levels exactly (tested on the
development data in ``tests/test_incremental.py``).

A signal whose carried calls do not fit (a proxy switch, a different call
sequence, different notes) is recomputed in full, and the run says which.

Where the state lives: :class:`RunState`, returned by :func:`full_run` and
:func:`step`, and pickled next to the store (``<store>.carry.pkl``) in a
packed form (one shared day index, object columns as integer codes; no copy
of the panel, only a fingerprint of the rows it covers: ~25 MB for the
1985-2019 development data). A revision, a late publication or a new series
changes those rows, the fingerprint no longer matches and the run falls back
to a full recompute. The fingerprint is a SHA-256 of the rows in order (day,
then the values' bits), so one pass checks the old rows and extends to the
new ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from stormwatch import __version__
from stormwatch._typing import SeriesId
from stormwatch.catalog import Catalog
from stormwatch.compute import (
    DEFAULT_START,
    Assessment,
    _assemble_assessment,
    latest_market_day,
    required_ids,
)
from stormwatch.errors import StoreError
from stormwatch.level import LevelResult, extend_level
from stormwatch.panel import Panel, StaleDataWarning, load_panel
from stormwatch.signals import SignalResult, SignalSpec, evaluate, registry
from stormwatch.signals._carry import CarryMismatch, SignalCarry, carry_scope
from stormwatch.signals.regime import regime_from_result
from stormwatch.store import Store

__all__ = [
    "MAX_NEW_DAYS",
    "RunState",
    "StepInfo",
    "assess_incremental",
    "fingerprint",
    "full_run",
    "load_state",
    "lookback",
    "save_state",
    "sidecar_path",
    "step",
]

#: More new days than this: a full recompute (cheaper than long tails, and rare).
MAX_NEW_DAYS = 60

#: Parameters that are not rolling lookbacks of un-carried windows: counts, the
#: warm-ups and windows of carried primitives (expanding moments/ranks, the
#: buffered rolling z-scores) and the EWMA half-life (carried recursion).
_NOT_LOOKBACK = frozenset(
    {
        "min_obs",
        "z_min_obs",
        "score_min_obs",
        "cdf_min_obs",
        "liq_min_obs",
        "block_min_obs",
        "z_window",
        "liq_z_window",
        "halflife",
        "min_pairs",
        "min_subindices",
        "min_parts",
        "min_components",
    }
)

#: Bump when a carried primitive changes meaning: old sidecars are then ignored.
_CARRY_VERSION = "2"  # 2: packed sidecar without the panel


def lookback(spec: SignalSpec) -> int:
    """Panel rows a signal's tail must cover so that its last rows are exact.

    Twice the sum of its integer window parameters (windows chained one after
    another at most add up; gaps and holidays in the valid rows are covered by
    the factor two) plus 40 rows.
    """
    total = 0
    for name, p in spec.params.items():
        vals = p.default if isinstance(p.default, tuple) else (p.default,)
        if name in _NOT_LOOKBACK:
            continue
        total += sum(int(v) for v in vals if isinstance(v, int) and not isinstance(v, bool))
    return 2 * total + 40


def _keep(spec: SignalSpec) -> int:
    # Outputs each primitive keeps: the old rows of the longest tail a step evaluates.
    return lookback(spec) + MAX_NEW_DAYS


@dataclass
class RunState:
    """What the next incremental step needs: the results so far and every carried state.

    Not the panel: the next step is given the whole panel anyway, and only
    needs to know that its first rows are the ones this state covers
    (``index``, ``columns`` and ``fingerprint``).
    """

    results: dict[str, SignalResult]
    level: LevelResult
    carries: dict[str, SignalCarry]
    first_valid: dict[SeriesId, pd.Timestamp]
    index: pd.DatetimeIndex
    columns: tuple[str, ...]
    fingerprint: str
    code: str = field(default_factory=lambda: _code_key())


@dataclass(frozen=True)
class StepInfo:
    """How a run was done: ``full`` or ``incremental``, the new days, the signals recomputed in full."""

    mode: str
    new_days: int = 0
    full_signals: tuple[str, ...] = ()
    reason: str = ""


def _code_key() -> str:
    specs = sorted((s.id, repr(sorted(s.defaults().items()))) for s in registry().values())
    return hashlib.sha256(repr((__version__, _CARRY_VERSION, specs)).encode()).hexdigest()[:16]


def _row_bytes(values: pd.DataFrame) -> npt.NDArray[np.int64]:
    # One row per panel row: its day, then its values' bits. Row-major, so the
    # hash of a prefix of the rows is a prefix of the hash stream (one pass per step).
    buf = np.empty((len(values), values.shape[1] + 1), dtype=np.int64)
    buf[:, 0] = values.index.to_numpy(dtype="datetime64[ns]").view(np.int64)
    buf[:, 1:] = np.ascontiguousarray(values.to_numpy(dtype="float64")).view(np.int64)
    return buf


def _hasher(columns: pd.Index) -> hashlib._Hash:
    return hashlib.sha256("\x1f".join(map(str, columns)).encode())


def fingerprint(values: pd.DataFrame) -> str:
    """A hash of a panel's rows, columns and values (NaN-safe, bit for bit)."""
    h = _hasher(values.columns)
    h.update(_row_bytes(values).tobytes())
    return h.hexdigest()


def _first_valid(values: pd.DataFrame) -> dict[SeriesId, pd.Timestamp]:
    ok = np.asarray(values.notna().to_numpy(), dtype=bool)
    has: npt.NDArray[np.bool_] = np.asarray(ok.any(axis=0))
    first: npt.NDArray[np.intp] = np.asarray(ok.argmax(axis=0))
    return {str(c): pd.Timestamp(values.index[first[j]]) for j, c in enumerate(values.columns) if has[j]}


def _new_state(
    results: dict[str, SignalResult],
    level: LevelResult,
    carries: dict[str, SignalCarry],
    first_valid: dict[SeriesId, pd.Timestamp],
    values: pd.DataFrame,
    fp: str,
) -> RunState:
    return RunState(
        results=results,
        level=level,
        carries=carries,
        first_valid=first_valid,
        index=pd.DatetimeIndex(values.index),
        columns=tuple(map(str, values.columns)),
        fingerprint=fp,
    )


def full_run(panel: Panel) -> tuple[Assessment, RunState]:
    """:func:`stormwatch.compute.assess_panel`, recording the carried state for :func:`step`."""
    results: dict[str, SignalResult] = {}
    carries: dict[str, SignalCarry] = {}
    for sid, spec in registry().items():
        with carry_scope("record", keep=_keep(spec)) as carry:
            results[sid] = evaluate(spec, panel.values)
        carries[sid] = carry
    assessment = _assemble_assessment(panel, results)
    state = _new_state(
        results,
        assessment.level,
        carries,
        _first_valid(panel.values),
        panel.values,
        fingerprint(panel.values),
    )
    return assessment, state


def _cat(old: pd.Series, new: pd.Series, n_new: int, index: pd.DatetimeIndex) -> pd.Series:
    # numpy concatenation: pd.concat's alignment machinery cost ~1 ms per call here.
    arr = np.concatenate([old.to_numpy(), new.to_numpy()[len(new) - n_new :]])
    # The dtype explicitly: pandas would infer ``str`` for the object (state) columns.
    return pd.Series(arr, index=index, name=old.name, dtype=old.dtype, copy=False)


def _splice(old: SignalResult, new: SignalResult, n_new: int, index: pd.DatetimeIndex) -> SignalResult | None:
    """Old rows from the previous result, the last ``n_new`` from the tail run (None: mismatch)."""
    if dict(old.used) != dict(new.used) or old.notes != new.notes:
        return None
    ev_old, ev_new = old.evidence, new.evidence
    dtypes = ev_old.dtypes.tolist()
    if not ev_old.columns.equals(ev_new.columns) or dtypes != ev_new.dtypes.tolist():
        return None
    if dtypes and all(d == np.float64 for d in dtypes):
        evidence = pd.DataFrame(
            np.concatenate([ev_old.to_numpy(), ev_new.to_numpy()[len(ev_new) - n_new :]]),
            index=index,
            columns=ev_old.columns,
            copy=False,
        )
    else:
        evidence = pd.concat([ev_old, ev_new.iloc[len(ev_new) - n_new :]])
    return replace(
        old,
        state=_cat(old.state, new.state, n_new, index),
        intensity=_cat(old.intensity, new.intensity, n_new, index),
        evidence=evidence,
        reason=_cat(old.reason, new.reason, n_new, index),
        proxies=new.proxies,
    )


def _check(state: RunState, values: pd.DataFrame) -> tuple[str, str]:
    """Why ``values`` cannot continue ``state`` ("" if it can), and the fingerprint of ``values``."""
    n_old, n_new = len(state.index), len(values) - len(state.index)
    if state.code != _code_key():
        return "signal definitions changed", ""
    if n_new < 0 or n_new > MAX_NEW_DAYS:
        return f"{n_new} new days (more than {MAX_NEW_DAYS} or fewer than 0)", ""
    if tuple(map(str, values.columns)) != state.columns:
        return "the panel's series changed", ""
    rows = _row_bytes(values)
    h = _hasher(values.columns)
    h.update(rows[:n_old].tobytes())
    if not values.index[:n_old].equals(state.index) or h.hexdigest() != state.fingerprint:
        return "stored data up to the last run changed (revision, late publication or new series)", ""
    h.update(rows[n_old:].tobytes())
    return "", h.hexdigest()


def step(state: RunState, panel: Panel) -> tuple[Assessment, RunState, StepInfo]:
    """Assess ``panel`` from the state of a run on a prefix of it.

    Parameters
    ----------
    state
        From :func:`full_run` or a previous :func:`step`.
    panel
        The whole panel (its first rows must be, bit for bit, those ``state``
        covers; otherwise this is a full run).

    Returns
    -------
    Assessment, RunState, StepInfo
        Equal to :func:`full_run` on ``panel`` (see the module docstring).
    """
    values = panel.values
    n_old, n = len(state.index), len(values)
    n_new = n - n_old
    reason, fp = _check(state, values)
    if reason:
        assessment, new_state = full_run(panel)
        return assessment, new_state, StepInfo("full", reason=reason)
    index = pd.DatetimeIndex(values.index)
    if n_new == 0:
        regime = regime_from_result(state.results["dollar_equity_regime"])
        assessment = Assessment(panel=panel, results=state.results, level=state.level, regime=regime)
        return assessment, state, StepInfo("incremental")
    first_valid = dict(state.first_valid)
    results: dict[str, SignalResult] = {}
    carries: dict[str, SignalCarry] = {}
    fallback: list[str] = []
    for sid, spec in registry().items():
        keep = _keep(spec)
        rows = min(n, max(lookback(spec), n_new + 1))
        tail = values.iloc[n - rows :]
        spliced: SignalResult | None = None
        try:
            with carry_scope("resume", keep=keep, previous=state.carries[sid]) as carry:
                res = evaluate(spec, tail, first_valid=first_valid)
            spliced = _splice(state.results[sid], res, n_new, index)
        except (CarryMismatch, KeyError):
            spliced = None
        if spliced is None:
            # Safe fallback: this signal alone, on the whole history.
            fallback.append(sid)
            with carry_scope("record", keep=keep) as carry:
                spliced = evaluate(spec, values)
        results[sid] = spliced
        carries[sid] = carry
    for col, day in _first_valid(values.iloc[n_old:]).items():
        first_valid.setdefault(col, day)
    level = extend_level(state.level, results, index)
    regime = regime_from_result(results["dollar_equity_regime"])
    assessment = Assessment(panel=panel, results=results, level=level, regime=regime)
    new_state = _new_state(results, level, carries, first_valid, values, fp)
    return assessment, new_state, StepInfo("incremental", new_days=n_new, full_signals=tuple(fallback))


def sidecar_path(store_path: str | Path) -> Path:
    """Where the carried state of a store is kept: ``<store>.carry.pkl``."""
    p = Path(store_path)
    return p.with_name(p.name + ".carry.pkl")


# --- the sidecar: a compact, pickled form of RunState -------------------------------------
#
# Pickling RunState as is took ~37 MB for the development data (without the
# panel): every Series pickled its own copy of the 9,000-day index, and the
# state and reason columns pickled one string object per day. The packed form
# stores the index once and object columns as integer codes plus their
# distinct values; numbers are stored as they are (bit for bit).

_Col = tuple[str, Any]


def _enc(arr: npt.NDArray[Any]) -> _Col:
    if arr.dtype != object:
        return ("a", arr)
    cats: dict[Any, int] = {}
    try:
        codes = np.fromiter((cats.setdefault(v, len(cats)) for v in arr), dtype=np.int32, count=len(arr))
    except TypeError:  # an unhashable value: keep the objects
        return ("a", arr)
    return ("c", (codes, list(cats)))


def _dec(col: _Col) -> npt.NDArray[Any]:
    kind, payload = col
    if kind == "a":
        arr: npt.NDArray[Any] = np.asarray(payload)
        return arr
    codes, cats = payload
    lookup = np.empty(len(cats), dtype=object)
    for i, v in enumerate(cats):  # element-wise: a tuple value must stay one object
        lookup[i] = v
    out: npt.NDArray[Any] = lookup[codes]
    return out


def _own_index(obj: pd.Series | pd.DataFrame, index: pd.DatetimeIndex) -> pd.Index | None:
    return None if obj.index.equals(index) else obj.index


def _enc_series(s: pd.Series, index: pd.DatetimeIndex) -> tuple[Any, ...]:
    return (s.name, _own_index(s, index), s.dtype, _enc(s.to_numpy()))


def _dec_series(packed: tuple[Any, ...], index: pd.DatetimeIndex) -> pd.Series:
    name, own, dtype, col = packed
    # The stored dtype: pandas would infer ``str`` for object columns of strings.
    out: pd.Series = pd.Series(_dec(col), index=index if own is None else own, name=name, dtype=dtype)
    return out


def _enc_frame(f: pd.DataFrame, index: pd.DatetimeIndex) -> tuple[Any, ...]:
    cols = [_enc_series(f.iloc[:, j], index) for j in range(f.shape[1])]
    return (f.columns, _own_index(f, index), cols)


def _dec_frame(packed: tuple[Any, ...], index: pd.DatetimeIndex) -> pd.DataFrame:
    columns, own, cols = packed
    idx = index if own is None else own
    frame = pd.DataFrame({j: _dec_series(c, idx) for j, c in enumerate(cols)}, index=idx)
    frame.columns = columns
    return frame


def _pack(state: RunState) -> dict[str, Any]:
    idx = state.index
    results = {
        sid: (
            _enc_series(r.state, idx),
            _enc_series(r.intensity, idx),
            _enc_frame(r.evidence, idx),
            dict(r.used),
            dict(r.proxies),
            _enc_series(r.reason, idx),
            r.notes,
        )
        for sid, r in state.results.items()
    }
    level = (
        _enc_frame(state.level.frame, idx),
        _enc_frame(state.level.contributions, idx),
        state.level.transitions,
    )
    return {
        "code": state.code,
        "index": idx,
        "columns": state.columns,
        "fingerprint": state.fingerprint,
        "first_valid": state.first_valid,
        "carries": state.carries,
        "results": results,
        "level": level,
    }


def _unpack(doc: dict[str, Any]) -> RunState:
    idx = pd.DatetimeIndex(doc["index"])
    specs = registry()
    results = {}
    for sid, (st, inten, ev, used, proxies, reason, notes) in doc["results"].items():
        results[sid] = SignalResult(
            spec=specs[sid],
            state=_dec_series(st, idx),
            intensity=_dec_series(inten, idx),
            evidence=_dec_frame(ev, idx),
            used=used,
            proxies=proxies,
            reason=_dec_series(reason, idx),
            notes=notes,
        )
    frame, contrib, transitions = doc["level"]
    level = LevelResult(
        frame=_dec_frame(frame, idx), contributions=_dec_frame(contrib, idx), transitions=transitions
    )
    return RunState(
        results=results,
        level=level,
        carries=doc["carries"],
        first_valid=doc["first_valid"],
        index=idx,
        columns=tuple(doc["columns"]),
        fingerprint=doc["fingerprint"],
        code=doc["code"],
    )


class _Pickler(pickle.Pickler):
    # Signal specs (functions, read-only mappings) are stored by id and looked up on load.
    def persistent_id(self, obj: object) -> str | None:
        return f"spec:{obj.id}" if isinstance(obj, SignalSpec) else None


class _Unpickler(pickle.Unpickler):
    def persistent_load(self, pid: object) -> SignalSpec:
        if not (isinstance(pid, str) and pid.startswith("spec:")):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        return registry()[pid[5:]]


def load_state(path: Path) -> RunState | None:
    """The state saved by :func:`save_state`, or ``None`` if missing, unreadable or from other code."""
    try:
        with path.open("rb") as fh:
            doc = _Unpickler(fh).load()  # our own sidecar file, written by save_state
        if not isinstance(doc, dict) or doc.get("code") != _code_key():
            return None
        return _unpack(doc)
    except (
        OSError,
        pickle.UnpicklingError,
        EOFError,
        AttributeError,
        ImportError,
        TypeError,
        KeyError,
        ValueError,
    ):
        return None


def save_state(state: RunState, path: Path) -> None:
    """Pickle the packed state atomically (write then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        _Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL).dump(_pack(state))
    tmp.replace(path)


def assess_incremental(
    store: Store,
    catalog: Catalog,
    *,
    as_of: pd.Timestamp | None = None,
    state_path: Path | None = None,
    previous: RunState | None = None,
) -> tuple[Assessment, RunState, StepInfo]:
    """:func:`stormwatch.compute.assess` using (and refreshing) the carried state if valid.

    Parameters
    ----------
    store, catalog, as_of
        As in :func:`stormwatch.compute.assess`.
    state_path
        The sidecar to read and write (default: none; give
        :func:`sidecar_path` of the store to persist).
    previous
        An in-memory state (takes precedence over the sidecar).

    Returns
    -------
    Assessment, RunState, StepInfo
        The assessment (equal to :func:`~stormwatch.compute.assess`), the
        state to continue from, and how the run was done.
    """
    ids = [i for i in required_ids() if i in catalog]
    if as_of is None:
        as_of = latest_market_day(store, catalog, ids)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaleDataWarning)
        panel = load_panel(store, catalog, ids, start=DEFAULT_START, as_of=as_of)
    if len(panel.values) == 0:
        raise StoreError(path=store.path, detail="no data for the requested days")
    state = previous if previous is not None else (load_state(state_path) if state_path else None)
    if state is None:
        assessment, new_state = full_run(panel)
        info = StepInfo("full", reason="no carried state")
    elif len(panel.values) < len(state.index):
        # An earlier day than the state: a replay, not a step; keep the state.
        assessment, _ = full_run(panel)
        return assessment, state, StepInfo("full", reason="as-of before the carried state")
    else:
        assessment, new_state, info = step(state, panel)
    if state_path is not None and new_state is not state:
        with contextlib.suppress(OSError):
            save_state(new_state, state_path)  # read-only location: the run stands, the next one is full
    return assessment, new_state, info


def results_equal(a: Mapping[str, SignalResult], b: Mapping[str, SignalResult]) -> bool:
    """Same states on every day for every signal (the exact part of the comparison)."""
    return set(a) == set(b) and all(a[k].state.equals(b[k].state) for k in a)
