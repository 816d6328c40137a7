"""Argument checks shared by the public kernel wrappers (plain Python, typed)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "as_panel",
    "as_rows",
    "as_series",
    "check_min_obs",
    "check_out",
    "check_window",
]


def _as_float(x: npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric (convertible to float64): {exc}") from None
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains ±inf; kernels accept finite values and NaN (missing) only")
    if not arr.flags.writeable:
        # one numba specialisation per kernel: read-only views would compile another
        arr = arr.copy()
    return arr


def as_series(x: npt.ArrayLike, name: str = "x") -> tuple[npt.NDArray[np.float64], bool]:
    """Return ``x`` as a C-contiguous ``(N, T)`` float64 array (one row per series).

    The kernels walk each series along a contiguous row. The flag tells
    whether the input was 1-D (so the caller can squeeze the result back).
    """
    arr = _as_float(x, name)
    if arr.ndim == 1:
        return np.ascontiguousarray(arr.reshape(1, -1)), True
    if arr.ndim == 2:
        return np.ascontiguousarray(arr.T), False
    raise ValueError(f"{name} must be 1-D (T,) or 2-D (T, N); got shape {arr.shape}")


def as_rows(x: npt.ArrayLike, name: str = "x") -> tuple[npt.NDArray[np.float64], bool]:
    """Return ``x`` as a C-contiguous ``(T, N)`` float64 array (a 1-D series as one column).

    Unlike :func:`as_series` this does **not** scan for ±inf: the moment
    kernels check for it while they read the data (a full extra pass over a
    large panel costs a third of the kernel's memory traffic). No copy is
    made for a writeable C-contiguous float64 input; a 1-D input becomes a
    ``(T, 1)`` view. The flag tells whether the input was 1-D.
    """
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric (convertible to float64): {exc}") from None
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D (T,) or 2-D (T, N); got shape {arr.shape}")
    one_d = arr.ndim == 1
    arr = np.ascontiguousarray(arr.reshape(-1, 1) if one_d else arr)
    if not arr.flags.writeable:
        # one numba specialisation per kernel: read-only arrays would compile another
        arr = arr.copy()
    return arr, one_d


def check_out(
    out: npt.NDArray[np.float64], shape: tuple[int, ...], x: npt.NDArray[np.float64], name: str = "out"
) -> npt.NDArray[np.float64]:
    """Validate a preallocated output: float64, C-contiguous, writeable, of ``shape``, not sharing ``x``.

    Returns it as a 2-D ``(T, N)`` view (a 1-D output as one column).
    """
    if not isinstance(out, np.ndarray) or out.dtype != np.float64:
        raise TypeError(f"{name} must be a float64 numpy array")
    if out.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {out.shape}")
    if not (out.flags.c_contiguous and out.flags.writeable):
        raise ValueError(f"{name} must be C-contiguous and writeable")
    if np.may_share_memory(out, x):
        raise ValueError(f"{name} must not share memory with the input")
    return out.reshape(x.shape)


def as_panel(x: npt.ArrayLike, name: str = "X") -> npt.NDArray[np.float64]:
    """Return ``x`` as a C-contiguous ``(T, N)`` float64 panel (rows are dates)."""
    arr = _as_float(x, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (T rows, N columns); got shape {arr.shape}")
    return np.ascontiguousarray(arr)


def check_window(window: int, *, least: int = 2, what: str = "window") -> int:
    """Validate a window length (an ``int`` >= ``least``)."""
    if isinstance(window, bool) or not isinstance(window, int | np.integer):
        raise TypeError(f"{what} must be an int; got {type(window).__name__}")
    w = int(window)
    if w < least:
        hint = "; for a daily change use window=2" if least == 2 else ""
        raise ValueError(f"{what} must be >= {least}; got {w}{hint}")
    return w


def check_min_obs(min_obs: int | None, window: int | None, *, least: int, default: int) -> int:
    """Validate ``min_obs`` (``least <= min_obs <= window``); ``None`` gives ``default``."""
    if min_obs is None:
        return default
    if isinstance(min_obs, bool) or not isinstance(min_obs, int | np.integer):
        raise TypeError(f"min_obs must be an int or None; got {type(min_obs).__name__}")
    m = int(min_obs)
    if m < least:
        raise ValueError(f"min_obs must be >= {least}; got {m}")
    if window is not None and m > window:
        raise ValueError(f"min_obs ({m}) cannot exceed window ({window})")
    return m
