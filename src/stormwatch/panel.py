"""The aligned panel: store rows -> one business-day frame, point in time.

The panel has one row per business day and one column per series id::

    date         fred:DGS10   yahoo:^GSPC   fred:DEXUSEU ...
    2008-09-15   3.47         1192.70       0.7032
    2008-09-16   3.41         1213.60       0.7054

A cell holds the value of the latest period that had been *published* by the
end of that day (publication lags applied), carried forward until it is older
than the series' staleness limit (see :data:`stormwatch.catalog.STALE_AFTER_DAYS`),
after which it is NaN — stale data is said, never silently carried for ever.
Catalog transforms are applied (FX quoted as foreign currency per USD).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stormwatch._typing import SeriesId
from stormwatch.catalog import Catalog
from stormwatch.store import Store

__all__ = ["Panel", "StaleDataWarning", "build_panel", "load_panel"]

#: Values count as known at the end of their publication day.
_END_OF_DAY = pd.Timedelta(hours=23, minutes=59, seconds=59)


class StaleDataWarning(UserWarning):
    """A series' latest value is older than its staleness limit on the last panel day."""


@dataclass(frozen=True)
class Panel:
    """An aligned point-in-time panel and what alignment found.

    Attributes
    ----------
    values
        Business-day index named ``date``; one float column per series id.
    age_days
        Same shape: calendar days between each cell's period end and the row's
        date (NaN where there is no value).
    stale
        Series whose last row is NaN because their latest value is too old.
    missing
        Requested series with no stored data at all.
    """

    values: pd.DataFrame
    age_days: pd.DataFrame
    stale: tuple[SeriesId, ...]
    missing: tuple[SeriesId, ...]


def build_panel(
    observations: pd.DataFrame,
    catalog: Catalog,
    *,
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
    ids: Sequence[SeriesId] | None = None,
) -> Panel:
    """Align observation rows (any vintages) onto business days.

    Parameters
    ----------
    observations
        Long frame with ``series_id``, ``period``, ``published_at``, ``value``
        (as from :meth:`stormwatch.store.Store.load`; several vintages per
        period are fine: each day sees the vintage known that day).
    catalog
        For frequency, transform and staleness limit of each series.
    start, end
        The panel's first and last business day (default: the data's span).
    ids
        Columns, in order (default: every series in ``observations``).

    Returns
    -------
    Panel
    """
    obs = observations
    wanted = list(ids) if ids is not None else sorted(obs["series_id"].unique())
    if obs.empty and (start is None or end is None):
        raise ValueError("no observations: give start and end to build an empty panel")
    lo = pd.Timestamp(start) if start is not None else pd.Timestamp(obs["period"].min())
    hi = pd.Timestamp(end) if end is not None else pd.Timestamp(obs["published_at"].max()).normalize()
    days = pd.bdate_range(lo.normalize(), hi.normalize(), name="date")
    cutoffs = (days + _END_OF_DAY).to_numpy(dtype="datetime64[ns]")
    values = np.full((len(days), len(wanted)), np.nan)
    ages = np.full((len(days), len(wanted)), np.nan)
    missing: list[SeriesId] = []
    stale: list[SeriesId] = []
    slices = _group_rows(obs)
    period_all = obs["period"].to_numpy(dtype="datetime64[ns]")
    published_all = obs["published_at"].to_numpy(dtype="datetime64[ns]")
    value_all = obs["value"].to_numpy(dtype="float64")
    for j, sid in enumerate(wanted):
        order = slices.get(sid)
        if order is None:
            missing.append(sid)
            continue
        spec = catalog.resolve(sid)
        col, age = _align_one(
            period_all[order], published_all[order], value_all[order], spec.period_end_array, cutoffs, days
        )
        too_old = age > spec.stale_after
        col[too_old] = np.nan
        age[too_old] = np.nan
        if spec.transform == "invert":
            with np.errstate(divide="ignore", invalid="ignore"):
                col = np.where(col != 0, 1.0 / col, np.nan)
        values[:, j] = col
        ages[:, j] = age
        if len(days) and np.isnan(col[-1]) and np.isfinite(col).any():
            stale.append(sid)
    frame = pd.DataFrame(values, index=days, columns=pd.Index(wanted, name="series_id"))
    age_frame = pd.DataFrame(ages, index=days, columns=pd.Index(wanted, name="series_id"))
    if stale:
        warnings.warn(
            f"{len(stale)} series are stale on {days[-1].date()}: {', '.join(stale[:8])}"
            + (" ..." if len(stale) > 8 else ""),
            StaleDataWarning,
            stacklevel=2,
        )
    return Panel(values=frame, age_days=age_frame, stale=tuple(stale), missing=tuple(missing))


def _group_rows(obs: pd.DataFrame) -> dict[SeriesId, np.ndarray]:
    """Each series' row positions, sorted by (published_at, period)."""
    sid = obs["series_id"]
    if isinstance(sid.dtype, pd.CategoricalDtype):
        keys = sid.cat.codes.to_numpy(dtype=np.int64)
        names = list(sid.cat.categories)
    else:
        keys_, uniques = pd.factorize(sid)
        keys, names = np.asarray(keys_, dtype=np.int64), list(uniques)
    order = np.lexsort(
        (
            obs["period"].to_numpy(dtype="datetime64[ns]"),
            obs["published_at"].to_numpy(dtype="datetime64[ns]"),
            keys,
        )
    )
    sorted_keys = keys[order]
    bounds = np.searchsorted(sorted_keys, np.arange(len(names) + 1))
    slices = {
        str(names[k]): order[bounds[k] : bounds[k + 1]]
        for k in range(len(names))
        if bounds[k + 1] > bounds[k]
    }
    return slices


def _align_one(
    period: np.ndarray,
    published: np.ndarray,
    value: np.ndarray,
    period_end: Callable[[np.ndarray], np.ndarray],
    cutoffs: np.ndarray,
    days: pd.DatetimeIndex,
) -> tuple[np.ndarray, np.ndarray]:
    """Step function of 'the latest published period's latest vintage'.

    Rows must be sorted by ``published`` (then ``period``).
    """
    # A row moves the panel only if it is about the newest period seen so far
    # (a new period, or a revision of the newest); revisions of older periods
    # do not change what the panel shows.
    newest = np.maximum.accumulate(period.astype("int64")).astype("datetime64[ns]")
    effective = period == newest
    period, published, value = period[effective], published[effective], value[effective]
    idx = np.searchsorted(published, cutoffs, side="right") - 1
    has = idx >= 0
    col = np.full(len(cutoffs), np.nan)
    age = np.full(len(cutoffs), np.nan)
    col[has] = value[idx[has]]
    ends = period_end(period)
    age[has] = (days.to_numpy()[has] - ends[idx[has]]) / np.timedelta64(1, "D")
    return col, age


def load_panel(
    store: Store,
    catalog: Catalog,
    ids: Sequence[SeriesId],
    *,
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
    as_of: pd.Timestamp | str | None = None,
) -> Panel:
    """Read ``ids`` from the store and align them (see :func:`build_panel`).

    With ``as_of``, only rows published by then are read and the panel ends
    there: what a user would have seen that day.
    """
    cutoff = None if as_of is None else pd.Timestamp(as_of).normalize() + _END_OF_DAY
    obs = store.all_vintages(ids, published_by=cutoff)
    if end is None and as_of is not None:
        end = pd.Timestamp(as_of)
    if start is None and not obs.empty:
        start = obs["period"].min()
    if end is None and not obs.empty:
        end = obs["published_at"].max()
    return build_panel(obs, catalog, start=start, end=end, ids=ids)
