"""Carried state of the sequential primitives, for the incremental daily run.

Private to :mod:`stormwatch.signals`. A *sequential* primitive (expanding
moments, expanding ranks, expanding RMS, a rolling window that is kept as a
buffer, an EWMA recursion) folds rows in date order. Its output on day ``t``
is a function of a small state after ``t - 1`` and the row of day ``t``.

Outside an incremental run (:func:`carry_scope` not active) a primitive
simply computes on the whole series: nothing changes for callers. Inside a
scope:

* ``record`` — the primitive computes on the whole series as usual and
  appends its final state plus its outputs on the last ``keep`` rows;
* ``resume`` — the primitive is called on a *tail* of the panel. Rows already
  folded into the carried state get the recorded outputs (exactly what the
  full run gave), new rows are folded into the state with the same
  sequential algorithm the full run uses, so full and incremental agree.

States are matched to calls by call order within one signal (plus the
primitive's kind, checked): a signal whose calls differ between the two runs
raises :class:`CarryMismatch`, and the caller recomputes it in full.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["CarryMismatch", "OpState", "SignalCarry", "carry_scope", "sequential"]

Mode = Literal["record", "resume"]
FloatArray = npt.NDArray[np.float64]


class CarryMismatch(RuntimeError):
    """A carried state does not fit this call: recompute the signal in full."""


@dataclass
class OpState:
    """One primitive call's carried state.

    Attributes
    ----------
    kind
        The primitive (and its parameters), checked on resume.
    last
        The last panel day folded into ``state``.
    state
        Primitive-specific (accumulators, a sorted array, a buffer).
    dates, recent
        Outputs on the last ``keep`` rows up to ``last`` (rows first).
    """

    kind: str
    last: np.datetime64
    state: Any
    dates: npt.NDArray[np.datetime64]
    recent: FloatArray


@dataclass
class SignalCarry:
    """The carried states of one signal's primitives, in call order."""

    ops: list[OpState] = field(default_factory=list)


@dataclass
class _Frame:
    mode: Mode
    keep: int
    previous: list[OpState]
    out: SignalCarry = field(default_factory=SignalCarry)
    cursor: int = 0


_ACTIVE: ContextVar[_Frame | None] = ContextVar("stormwatch_carry", default=None)


@contextmanager
def carry_scope(mode: Mode, *, keep: int, previous: SignalCarry | None = None) -> Iterator[SignalCarry]:
    """Record (full run) or resume (tail run) the primitives called inside.

    Parameters
    ----------
    mode
        ``record`` or ``resume``.
    keep
        Rows of outputs to keep per primitive: at least the longest tail a
        resume will be called on.
    previous
        The states to resume from (``resume`` only).

    Yields
    ------
    SignalCarry
        Filled with the new states when the block ends.
    """
    if mode == "resume" and previous is None:
        raise ValueError("resume needs the previous states")
    frame = _Frame(mode=mode, keep=keep, previous=list(previous.ops) if previous else [])
    token = _ACTIVE.set(frame)
    try:
        yield frame.out
    finally:
        _ACTIVE.reset(token)
    if mode == "resume" and frame.cursor != len(frame.previous):
        raise CarryMismatch(f"{len(frame.previous) - frame.cursor} carried states were not used")


FullFn = Callable[[FloatArray], tuple[FloatArray, Any]]
ResumeFn = Callable[[Any, FloatArray], tuple[FloatArray, Any]]


def sequential(kind: str, index: pd.Index, values: FloatArray, full: FullFn, resume: ResumeFn) -> FloatArray:
    """Run a sequential primitive on ``values`` (rows = ``index``), carrying its state if asked.

    Parameters
    ----------
    kind
        Name and parameters of the primitive (checked against the carried one).
    index
        The rows' days (increasing).
    values
        Input rows, shape ``(n,)`` or ``(n, k)``; NaN handling is the primitive's.
    full
        ``values -> (outputs, final state)`` on a whole series.
    resume
        ``(state, new rows) -> (outputs of the new rows, new state)``; must
        give exactly what ``full`` gives on those rows.

    Returns
    -------
    numpy.ndarray
        Outputs, one row per input row.
    """
    frame = _ACTIVE.get()
    if frame is None:
        return full(values)[0]
    dates = np.asarray(pd.DatetimeIndex(index).to_numpy(dtype="datetime64[ns]"))
    if frame.mode == "record":
        out, state = full(values)
        _push(frame, kind, dates, out, state, None)
        return out
    if frame.cursor >= len(frame.previous):
        raise CarryMismatch(f"no carried state for call {frame.cursor} ({kind})")
    prev = frame.previous[frame.cursor]
    frame.cursor += 1
    if prev.kind != kind:
        raise CarryMismatch(f"carried {prev.kind!r}, called {kind!r}")
    new = dates > prev.last
    n_old = int((~new).sum())
    if new[:n_old].any() or not new[n_old:].all():
        raise CarryMismatch("new rows must follow the carried ones")
    pos = np.searchsorted(prev.dates, dates[:n_old])
    if n_old and (pos.max() >= len(prev.dates) or not np.array_equal(prev.dates[pos], dates[:n_old])):
        raise CarryMismatch(f"{kind}: the tail reaches before the recorded outputs")
    fresh, state = resume(prev.state, values[n_old:])
    old = prev.recent[pos]
    out = np.concatenate([old, fresh], axis=0) if n_old else fresh
    _push(frame, kind, dates[n_old:], fresh, state, prev)
    return out


def _push(
    frame: _Frame,
    kind: str,
    dates: npt.NDArray[np.datetime64],
    out: FloatArray,
    state: Any,
    prev: OpState | None,
) -> None:
    if prev is not None:
        dates = np.concatenate([prev.dates, dates])
        out = np.concatenate([prev.recent, out], axis=0)
    last = dates[-1] if len(dates) else (prev.last if prev is not None else np.datetime64("NaT", "ns"))
    frame.out.ops.append(
        OpState(
            kind=kind,
            last=last,
            state=state,
            dates=dates[-frame.keep :].copy(),
            recent=np.array(out[-frame.keep :], copy=True),
        )
    )
