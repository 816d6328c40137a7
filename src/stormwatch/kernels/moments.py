"""Rolling and expanding mean, standard deviation and z-score (NaN-aware, exact).

See :mod:`stormwatch.kernels._moments_nb` for the method (anchored blocks,
merge-only Welford/Chan aggregates). Results agree with an exact two-pass
reference to a relative error of about 1e-15 on ordinary data and stay below
1e-12 on price levels around 1e6 and on yields moving by 1bp.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from stormwatch.kernels import _moments_nb as nb
from stormwatch.kernels._threads import run_chunks
from stormwatch.kernels._validate import as_series, check_min_obs, check_window

__all__ = [
    "expanding_mean_std",
    "expanding_zscore",
    "rolling_mean_std",
    "rolling_zscore",
]

# Block length for the expanding kernels (a tuning constant, not a window).
_EXPANDING_BLOCK = 256


def _back(arr: npt.NDArray[np.float64], one_d: bool) -> npt.NDArray[np.float64]:
    """(N, T) kernel output back to the caller's layout: (T,) or (T, N)."""
    if one_d:
        return np.asarray(arr[0])
    return np.ascontiguousarray(arr.T)


def _run(
    kernel: Callable[..., object], arr: npt.NDArray[np.float64], param: int, min_obs: int, ddof: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Run a (mean, std, z) kernel over the rows of ``arr`` (N, T), a chunk of rows per thread."""
    mean = np.empty(arr.shape)
    std = np.empty(arr.shape)
    z = np.empty(arr.shape)
    run_chunks(kernel, arr.shape[0], arr.size, arr, param, min_obs, ddof, mean, std, z)
    return mean, std, z


def _check_ddof(ddof: int, window: int | None) -> int:
    if isinstance(ddof, bool) or not isinstance(ddof, int | np.integer) or ddof < 0:
        raise ValueError(f"ddof must be a non-negative int; got {ddof!r}")
    if window is not None and ddof >= window:
        raise ValueError(f"ddof ({ddof}) must be smaller than window ({window})")
    return int(ddof)


def rolling_mean_std(
    x: npt.ArrayLike,
    window: int,
    min_obs: int | None = None,
    ddof: int = 1,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    r"""Trailing-window mean and standard deviation, skipping NaN.

    Parameters
    ----------
    x : array_like, shape (T,) or (T, N)
        The series; the columns of a 2-D array are independent series.
        NaN marks a missing observation; ±inf is rejected.
    window : int
        Rows in the trailing window ``[t - window + 1, t]`` (>= 2).
    min_obs : int, optional
        Valid (non-NaN) observations needed in the window for an output;
        ``1 <= min_obs <= window``. Defaults to ``window``.
    ddof : int, default 1
        Delta degrees of freedom of the standard deviation.

    Returns
    -------
    mean, std : ndarray, same shape as ``x``
        With :math:`V_t` the valid values among rows ``t-window+1 .. t`` and
        :math:`n_t = |V_t|`:

        .. math::

            \bar x_t = \frac{1}{n_t} \sum_{v \in V_t} v, \qquad
            s_t = \sqrt{\frac{1}{n_t - \mathrm{ddof}}
                  \sum_{v \in V_t} (v - \bar x_t)^2}

        NaN where :math:`n_t <` ``min_obs`` (``std`` also where
        :math:`n_t \le` ``ddof``). A window whose valid values are all
        equal has ``std`` exactly ``0.0``.

    Notes
    -----
    Computed on deviations from a per-block anchor with merge-only
    (Welford/Chan) aggregates, never with a running sum of squares of the
    raw levels. Causal: row ``t`` uses rows ``<= t`` only.

    Examples
    --------
    >>> import numpy as np
    >>> m, s = rolling_mean_std(np.array([1.0, 2.0, np.nan, 4.0]), window=2, min_obs=1)
    >>> m.tolist(), s[1]
    ([1.0, 1.5, 2.0, 4.0], 0.7071067811865476)
    """
    w = check_window(window)
    mo = check_min_obs(min_obs, w, least=1, default=w)
    dd = _check_ddof(ddof, w)
    arr, one_d = as_series(x)
    mean, std, _ = _run(nb.rolling_moments, arr, w, mo, dd)
    return _back(mean, one_d), _back(std, one_d)


def rolling_zscore(x: npt.ArrayLike, window: int, min_obs: int | None = None) -> npt.NDArray[np.float64]:
    r"""Trailing-window z-score, the window including the current row.

    Parameters
    ----------
    x : array_like, shape (T,) or (T, N)
        The series (columns independent); NaN is missing.
    window : int
        Rows in the trailing window ``[t - window + 1, t]`` (>= 2).
    min_obs : int, optional
        Valid observations needed in the window (``2 <= min_obs <= window``);
        defaults to ``window``.

    Returns
    -------
    ndarray, same shape as ``x``

        .. math:: z_t = \frac{x_t - \bar x_t}{s_t}

        with the mean and sample (ddof=1) standard deviation of
        :func:`rolling_mean_std`. NaN where ``x_t`` is NaN, where fewer than
        ``min_obs`` valid values are in the window, or where :math:`s_t = 0`
        (a flat window of carried-forward data gives NaN, never ±1e5).
        Because the window includes ``x_t``, :math:`|z_t| \le (n-1)/\sqrt{n}`.
    """
    w = check_window(window)
    mo = check_min_obs(min_obs, w, least=2, default=w)
    arr, one_d = as_series(x)
    _, _, z = _run(nb.rolling_moments, arr, w, mo, 1)
    return _back(z, one_d)


def expanding_mean_std(
    x: npt.ArrayLike, min_obs: int = 2, ddof: int = 1
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    r"""Expanding (all history up to and including ``t``) mean and standard deviation.

    Parameters
    ----------
    x : array_like, shape (T,) or (T, N)
        The series (columns independent); NaN is missing.
    min_obs : int, default 2
        Valid observations needed so far for an output (>= 1).
    ddof : int, default 1
        Delta degrees of freedom of the standard deviation.

    Returns
    -------
    mean, std : ndarray, same shape as ``x``

        .. math::

            \bar x_t = \frac{1}{n_t}\sum_{s \le t,\ x_s \text{ valid}} x_s, \qquad
            s_t = \sqrt{\frac{1}{n_t - \mathrm{ddof}}
                  \sum_{s \le t,\ x_s \text{ valid}} (x_s - \bar x_t)^2}

        NaN before ``min_obs`` valid values; ``std`` exactly ``0.0`` while
        every valid value so far is equal.
    """
    mo = check_min_obs(min_obs, None, least=1, default=2)
    dd = _check_ddof(ddof, None)
    arr, one_d = as_series(x)
    mean, std, _ = _run(nb.expanding_moments, arr, _EXPANDING_BLOCK, mo, dd)
    return _back(mean, one_d), _back(std, one_d)


def expanding_zscore(x: npt.ArrayLike, min_obs: int) -> npt.NDArray[np.float64]:
    r"""Sequential z-score against the expanding ("neutral level learned so far") moments.

    Parameters
    ----------
    x : array_like, shape (T,) or (T, N)
        The series (columns independent); NaN is missing.
    min_obs : int
        Valid observations needed before a score is given (>= 2), e.g. 252
        for one trading year.

    Returns
    -------
    ndarray, same shape as ``x``

        .. math:: z_t = \frac{x_t - \bar x_t}{s_t}

        with the expanding mean and sample standard deviation of
        :func:`expanding_mean_std` (both include ``x_t``; nothing after
        ``t`` is used). NaN where ``x_t`` is NaN, before ``min_obs`` valid
        values, or while :math:`s_t = 0`.
    """
    mo = check_min_obs(min_obs, None, least=2, default=2)
    arr, one_d = as_series(x)
    _, _, z = _run(nb.expanding_moments, arr, _EXPANDING_BLOCK, mo, 1)
    return _back(z, one_d)
