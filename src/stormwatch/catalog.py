"""The series catalog: every series stormwatch knows, as data.

The catalog ships in the package as ``data/catalog.toml``; this module only
reads and checks it. One entry per series id (``source:native``) with its
units, frequency, thesis role, publication lag, plausibility bound, the
local-file name under which a user (or the development data) can supply it,
and, where no free source exists, the named proxy used instead.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stormwatch._typing import Frequency, SeriesId
from stormwatch.errors import CatalogError
from stormwatch.series import JumpBound, parse_series_id

__all__ = [
    "STALE_AFTER_DAYS",
    "Catalog",
    "SeriesSpec",
    "load_catalog",
]

Transform = Literal["none", "invert"]

#: Default staleness limit per frequency, in calendar days: how long the panel
#: carries a value forward before calling it stale. A weekly series released
#: with a week's lag is normally 6-13 days old; a quarterly one up to ~6 months.
STALE_AFTER_DAYS: Mapping[str, int] = MappingProxyType(
    {"daily": 7, "weekly": 21, "monthly": 75, "quarterly": 200, "annual": 450}
)

#: Sources that have a connector (``local`` is user-supplied files only).
KNOWN_SOURCES = frozenset({"fred", "yahoo", "ecb", "cftc", "tic", "french", "cboe", "local", "fredmd"})


class SeriesSpec(BaseModel):
    """One catalog entry. Field names are the TOML keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: SeriesId
    name: str
    units: str
    frequency: Frequency
    role: str = Field(description="the link of the thesis this series watches")
    transform: Transform = "none"
    transform_note: str = ""
    release_lag_days: int = Field(0, ge=0, description="calendar days from period end to release")
    max_log_change: float | None = Field(None, gt=0)
    max_abs_change: float | None = Field(None, gt=0)
    local_file: str | None = Field(None, description="file stem under which a user supplies it")
    proxy: SeriesId | None = None
    proxy_note: str = ""
    stale_after_days: int | None = Field(None, gt=0)
    notes: str = ""
    wide_columns: bool = False

    @model_validator(mode="after")
    def _check(self) -> SeriesSpec:
        source, _ = parse_series_id(self.id)
        if source not in KNOWN_SOURCES:
            raise ValueError(f"unknown source {source!r} in {self.id}")
        if self.max_log_change is not None and self.max_abs_change is not None:
            raise ValueError(f"{self.id}: give max_log_change or max_abs_change, not both")
        if self.transform == "invert" and self.max_abs_change is not None:
            raise ValueError(f"{self.id}: an inverted series must use max_log_change")
        return self

    @property
    def source(self) -> str:
        return parse_series_id(self.id)[0]

    @property
    def native(self) -> str:
        return parse_series_id(self.id)[1]

    @property
    def jump(self) -> JumpBound:
        return JumpBound(max_log_change=self.max_log_change, max_abs_change=self.max_abs_change)

    @property
    def stale_after(self) -> int:
        return self.stale_after_days or STALE_AFTER_DAYS[self.frequency]

    def period_end(self, period: pd.Series) -> pd.Series:
        """The last day each period covers (daily: the day itself)."""
        p = pd.to_datetime(period)
        if self.frequency == "daily":
            return p
        if self.frequency == "weekly":
            return p  # weekly series are dated on their last day (FRED convention)
        offset = {
            "monthly": pd.offsets.MonthEnd(0),
            "quarterly": pd.offsets.QuarterEnd(0),
            "annual": pd.offsets.YearEnd(0),
        }[self.frequency]
        return p + offset

    def period_end_array(self, period: np.ndarray) -> np.ndarray:
        """:meth:`period_end` on a ``datetime64[ns]`` array (fast path for the panel)."""
        p = np.asarray(period, dtype="datetime64[ns]")
        if self.frequency in ("daily", "weekly"):
            return p
        months = {"monthly": 1, "quarterly": 3, "annual": 12}[self.frequency]
        m = p.astype("datetime64[M]")
        if months > 1:
            idx = m.astype(np.int64)
            m = (idx - idx % months).astype("datetime64[M]")
        end = (m + np.timedelta64(months, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
        return end.astype("datetime64[ns]")

    def published_at(self, period: pd.Series) -> pd.Series:
        """When a value for ``period`` became known, from the release lag.

        Used when the source gives no publication time of its own (ALFRED and
        CFTC do). Values are taken as known at the end of the release day.
        """
        end = self.period_end(period)
        return (end + pd.Timedelta(days=self.release_lag_days)).dt.normalize() + pd.Timedelta(
            hours=23, minutes=59
        )


class Catalog(Mapping[SeriesId, SeriesSpec]):
    """A read-only mapping of series id to :class:`SeriesSpec`."""

    def __init__(self, specs: list[SeriesSpec]) -> None:
        by_id: dict[SeriesId, SeriesSpec] = {}
        by_file: dict[str, SeriesSpec] = {}
        for spec in specs:
            if spec.id in by_id:
                raise CatalogError(detail=f"series id {spec.id} is declared twice")
            by_id[spec.id] = spec
            if spec.local_file:
                key = spec.local_file.lower()
                if key in by_file:
                    raise CatalogError(
                        detail=f"local file {spec.local_file} is claimed by {by_file[key].id} and {spec.id}"
                    )
                by_file[key] = spec
        for spec in specs:
            if spec.proxy is not None and spec.proxy not in by_id:
                raise CatalogError(detail=f"{spec.id} names proxy {spec.proxy}, which is not in the catalog")
        self._by_id = MappingProxyType(by_id)
        self._by_file = MappingProxyType(by_file)

    def __getitem__(self, key: SeriesId) -> SeriesSpec:
        try:
            return self._by_id[key]
        except KeyError:
            raise CatalogError(
                detail=f"unknown series id {key!r}; `stormwatch status` lists the stored ones"
            ) from None

    def __iter__(self) -> Iterator[SeriesId]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def by_local_file(self, stem: str) -> SeriesSpec | None:
        """The entry a local file named ``stem`` (without suffix) maps to, if any."""
        return self._by_file.get(stem.lower())

    def resolve(self, series_id: SeriesId) -> SeriesSpec:
        """The spec of ``series_id``, including columns of a wide file.

        A wide entry (``wide_columns = true``, e.g. ``fredmd:2025-02``) stands
        for one series per column, stored as ``<source>:<column>``
        (``fredmd:INDPRO``); those inherit the wide entry's frequency and lag.
        """
        if series_id in self._by_id:
            return self._by_id[series_id]
        source, native = parse_series_id(series_id)
        for spec in self._by_id.values():
            if spec.wide_columns and spec.source == source:
                return spec.model_copy(
                    update={
                        "id": series_id,
                        "name": f"{spec.name}: {native}",
                        "local_file": None,
                        "wide_columns": False,
                    }
                )
        return self[series_id]

    def with_role(self, role: str) -> list[SeriesSpec]:
        return [s for s in self._by_id.values() if s.role == role]

    def with_source(self, source: str) -> list[SeriesSpec]:
        return [s for s in self._by_id.values() if s.source == source]


def _read(text: str, where: str) -> Catalog:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(detail=f"{where} is not valid TOML: {exc}") from None
    entries = raw.get("series", [])
    specs: list[SeriesSpec] = []
    for i, entry in enumerate(entries):
        try:
            specs.append(SeriesSpec.model_validate(entry))
        except ValidationError as exc:
            ident = entry.get("id", f"entry {i}") if isinstance(entry, dict) else f"entry {i}"
            raise CatalogError(detail=f"{where}: {ident}: {exc.errors()[0]['msg']}") from None
    return Catalog(specs)


@lru_cache(maxsize=1)
def _packaged() -> Catalog:
    text = resources.files("stormwatch").joinpath("data/catalog.toml").read_text(encoding="utf-8")
    return _read(text, "the packaged catalog")


def load_catalog(path: Path | None = None) -> Catalog:
    """Load the packaged catalog, or a user's replacement at ``path``.

    Parameters
    ----------
    path
        A TOML file with the same schema; ``None`` reads the packaged one.
    """
    if path is None:
        return _packaged()
    return _read(path.read_text(encoding="utf-8"), str(path))
