"""From the store to an assessment: panel -> signals -> level, point in time.

The one function the CLI, the report, the dashboard and the evaluation call
to get "what stormwatch says" for a span of days, as it would have said it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from stormwatch._typing import SeriesId
from stormwatch.catalog import Catalog
from stormwatch.errors import StoreError
from stormwatch.level import LevelResult, compute_level
from stormwatch.panel import Panel, StaleDataWarning, load_panel
from stormwatch.signals import SignalResult, SignalSpec, evaluate_all, registry
from stormwatch.signals.regime import regime_from_result
from stormwatch.store import Store

__all__ = ["Assessment", "assess", "assess_panel", "required_ids"]

#: History starts here by default: enough warm-up before 1990 for sequential
#: estimates (the development data's checklist inputs begin in the 1970s-80s).
DEFAULT_START = pd.Timestamp("1985-01-01")


@dataclass(frozen=True)
class Assessment:
    """Everything stormwatch says for a span of days."""

    panel: Panel
    results: Mapping[str, SignalResult]
    level: LevelResult
    regime: pd.Series

    @property
    def as_of(self) -> pd.Timestamp:
        return pd.Timestamp(self.level.frame.index[-1])

    @property
    def specs(self) -> list[SignalSpec]:
        return [r.spec for r in self.results.values()]


def required_ids(specs: Sequence[SignalSpec] | None = None) -> list[SeriesId]:
    """Every catalog id any signal may read (primaries and proxies)."""
    chosen = list(registry().values()) if specs is None else list(specs)
    ids: list[SeriesId] = []
    for spec in chosen:
        ids.extend(spec.input_ids)
    return list(dict.fromkeys(ids))


def assess_panel(panel: Panel) -> Assessment:
    """Signals, level and regime on an already aligned panel (pure)."""
    return _assemble_assessment(panel, evaluate_all(panel.values))


def _assemble_assessment(panel: Panel, results: Mapping[str, SignalResult]) -> Assessment:
    level = compute_level(results, pd.DatetimeIndex(panel.values.index))
    # The regime is the dollar-equity readout's label: read it, do not evaluate it twice.
    regime = regime_from_result(results["dollar_equity_regime"])
    return Assessment(panel=panel, results=results, level=level, regime=regime)


def assess(
    store: Store,
    catalog: Catalog,
    *,
    as_of: pd.Timestamp | None = None,
    start: pd.Timestamp | None = None,
) -> Assessment:
    """Read the store as of a day and assess every day from ``start`` to it.

    Parameters
    ----------
    store, catalog
        Where the data is, and how to align it.
    as_of
        The last day; only data published by its end is read (``None``: all data,
        ending on the last day anything was published).
    start
        First day of the panel (default 1985-01-01, for warm-up before 1990).
    """
    ids = [i for i in required_ids() if _known(catalog, i)]
    if as_of is None:
        as_of = latest_market_day(store, catalog, ids)
    with warnings.catch_warnings():
        # Staleness is reported per signal (unknown/proxy) and in `status`.
        warnings.simplefilter("ignore", StaleDataWarning)
        panel = load_panel(store, catalog, ids, start=start or DEFAULT_START, as_of=as_of)
    if len(panel.values) == 0:
        raise StoreError(path=store.path, detail="no data for the requested days")
    return assess_panel(panel)


def latest_market_day(store: Store, catalog: Catalog, ids: Sequence[SeriesId]) -> pd.Timestamp:
    """The last day with a stored daily observation: the default "as of".

    Monthly data published later must not push the assessment past the last
    market close (every daily series would look stale).
    """
    daily = [i for i in ids if catalog.resolve(i).frequency == "daily"]
    last = store.last_periods(daily)
    if not last:
        raise StoreError(
            path=store.path,
            detail="no daily market data stored yet; run `stormwatch update`, or offline "
            "`stormwatch import DIR` then `stormwatch run --offline`",
        )
    return max(last.values())


def _known(catalog: Catalog, sid: SeriesId) -> bool:
    return sid in catalog
