"""The data contract: series ids and the observation frame.

Every source's ``parse`` returns, and the store keeps, an *observation frame*::

    period        published_at         value
    2020-01-02    2020-01-03 00:00     1.88      <- one row per (period, vintage)
    2020-01-03    2020-01-06 00:00     1.80

- ``period``: what the value describes (a day, or the first day of a week,
  month or quarter), ``datetime64[ns]`` at midnight, never a bare ``date``.
- ``published_at``: when the value could first be known (ALFRED
  ``realtime_start``, a CFTC release Friday, or the period end plus the
  catalog's release lag), naive UTC.
- ``value``: float64, finite. Missing observations are absent rows.

The store adds ``fetched_at`` (when we got it). :func:`validate` is the gate
every frame passes before it is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stormwatch._typing import SeriesId
from stormwatch.errors import ValidationError

__all__ = [
    "OBS_COLUMNS",
    "JumpBound",
    "ValidationReport",
    "empty_frame",
    "parse_series_id",
    "validate",
]

OBS_COLUMNS: tuple[str, ...] = ("period", "published_at", "value")


def parse_series_id(series_id: SeriesId) -> tuple[str, str]:
    """Split ``source:native`` into its two parts.

    Parameters
    ----------
    series_id
        A series id such as ``fred:DGS10`` or ``cftc:099741:noncomm_net``.

    Returns
    -------
    tuple of str
        ``(source, native)``; the native part may itself contain colons.
    """
    source, sep, native = series_id.partition(":")
    if not sep or not source or not native:
        raise ValueError(f"series id {series_id!r} is not of the form 'source:native' (e.g. 'fred:DGS10')")
    return source, native


def empty_frame() -> pd.DataFrame:
    """An observation frame with no rows and the contract's dtypes."""
    return pd.DataFrame(
        {
            "period": pd.Series([], dtype="datetime64[ns]"),
            "published_at": pd.Series([], dtype="datetime64[ns]"),
            "value": pd.Series([], dtype="float64"),
        }
    )


@dataclass(frozen=True)
class JumpBound:
    """The largest plausible move between consecutive observations.

    ``max_log_change`` bounds ``|log(x_t / x_{t-1})|`` for positive levels
    (prices, indices); ``max_abs_change`` bounds ``|x_t - x_{t-1}|`` for
    rates, spreads and flows. ``None`` disables that check.
    """

    max_log_change: float | None = None
    max_abs_change: float | None = None


@dataclass(frozen=True)
class ValidationReport:
    """What :func:`validate` kept and dropped."""

    rows_in: int
    rows_kept: int
    missing_dropped: int


def validate(
    frame: pd.DataFrame,
    *,
    series_id: SeriesId,
    source: str,
    today: dt.date,
    jump: JumpBound | None = None,
    previous: float | None = None,
) -> tuple[pd.DataFrame, ValidationReport]:
    """Check an observation frame before it may be written.

    Missing values (NaN, from FRED's ``.`` or an empty field) are dropped and
    counted. Everything else that is wrong refuses the whole frame, so a bad
    download never half-lands.

    Parameters
    ----------
    frame
        Observation frame with ``period``, ``published_at`` and ``value``.
    series_id, source
        Named in every error message.
    today
        The caller's clock (read at the CLI edge). Periods after ``today`` are
        refused as future dates.
    jump
        Per-series plausibility bound from the catalog.
    previous
        The last stored value before the frame's first period, so a jump at the
        seam between stored and new data is caught too.

    Returns
    -------
    (DataFrame, ValidationReport)
        The cleaned frame sorted by ``(period, published_at)`` and a report.

    Raises
    ------
    ValidationError
        Empty frame, missing columns, non-numeric or infinite values,
        duplicated ``(period, published_at)`` rows, future periods, or an
        implausible jump.
    """

    def refuse(detail: str, hint: str = "fix the input and run again.") -> ValidationError:
        return ValidationError(series_id=series_id, source=source, detail=detail, hint=hint)

    missing_cols = [c for c in OBS_COLUMNS if c not in frame.columns]
    if missing_cols:
        raise refuse(f"columns {missing_cols} are missing")
    rows_in = len(frame)
    if rows_in == 0:
        raise refuse("no observations", "check the series key and the date range.")
    out = frame.loc[:, list(OBS_COLUMNS)].copy()
    try:
        out["period"] = pd.to_datetime(out["period"]).astype("datetime64[ns]")
        out["published_at"] = pd.to_datetime(out["published_at"]).astype("datetime64[ns]")
    except (ValueError, TypeError) as exc:
        raise refuse(f"unreadable dates ({exc})") from None
    if out["period"].isna().any():
        raise refuse("some periods are missing or not dates")
    if out["published_at"].isna().any():
        raise refuse("some publication times are missing")
    values = pd.to_numeric(out["value"], errors="coerce")
    bad = values.isna() & out["value"].notna()
    if bad.any():
        example = out.loc[bad, "value"].iloc[0]
        raise refuse(f"{int(bad.sum())} non-numeric values (e.g. {example!r})")
    out["value"] = values.astype("float64")
    if np.isinf(out["value"].to_numpy()).any():
        raise refuse("infinite values")
    missing = int(out["value"].isna().sum())
    out = out.dropna(subset=["value"])
    if out.empty:
        raise refuse("every value is missing", "check the series key and the date range.")
    dup = out.duplicated(subset=["period", "published_at"], keep=False)
    if dup.any():
        first = out.loc[dup, "period"].iloc[0].date()
        raise refuse(f"{int(dup.sum())} rows share a date (first: {first})", "remove the duplicated dates.")
    future = out["period"] > pd.Timestamp(today)
    if future.any():
        first = out.loc[future, "period"].min().date()
        raise refuse(f"{int(future.sum())} observations dated after today (first: {first})")
    out = out.sort_values(["period", "published_at"], kind="stable").reset_index(drop=True)
    if jump is not None:
        _check_jumps(out, jump, previous, refuse)
    return out, ValidationReport(rows_in=rows_in, rows_kept=len(out), missing_dropped=missing)


def _check_jumps(
    out: pd.DataFrame,
    jump: JumpBound,
    previous: float | None,
    refuse: object,
) -> None:
    # Only the latest vintage of each period enters the jump check: a revision
    # is not a move.
    latest = out.drop_duplicates(subset=["period"], keep="last")
    vals = latest["value"].to_numpy()
    periods = latest["period"].to_numpy()
    if previous is not None and np.isfinite(previous):
        vals = np.concatenate([[previous], vals])
        periods = np.concatenate([[periods[0]], periods])
    if len(vals) < 2:
        return
    assert callable(refuse)
    if jump.max_log_change is not None:
        if (vals <= 0).any():
            raise refuse("non-positive values in a series that must be positive")
        moves = np.abs(np.diff(np.log(vals)))
        limit, what = jump.max_log_change, "log change"
    elif jump.max_abs_change is not None:
        moves = np.abs(np.diff(vals))
        limit, what = jump.max_abs_change, "change"
    else:
        return
    over = np.flatnonzero(moves > limit)
    if over.size:
        i = int(over[0])
        day = pd.Timestamp(periods[i + 1]).date()
        raise refuse(
            f"implausible jump on {day}: {what} {moves[i]:.4g} exceeds the catalog bound {limit:g} "
            f"({vals[i]:g} -> {vals[i + 1]:g})",
            "if the move is real, raise the series' bound in the catalog.",
        )
