"""What every source connector is: query -> ``fetch_raw`` (network) -> ``parse`` (pure).

A connector module defines one class decorated with :func:`register_source`.
``fetch_raw`` makes one request (through :class:`stormwatch.sources.http.HttpFetcher`,
which owns timeouts, retries and rate limits) and returns the body unparsed;
``parse`` is a pure function of those bytes that returns an observation frame
(see :mod:`stormwatch.series`) or raises a :class:`~stormwatch.errors.SourceError`.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol, TypeVar

import pandas as pd

from stormwatch.catalog import SeriesSpec

__all__ = [
    "Query",
    "Source",
    "SourceInfo",
    "register_source",
    "registered_sources",
]


@dataclass(frozen=True)
class Query:
    """One request for one series.

    Parameters
    ----------
    spec
        The catalog entry (id, native key, frequency, release lag).
    start
        Fetch periods from this date on (``None``: the whole history). Ingest
        sets it from the last stored period, minus a revision window.
    today
        The caller's clock, read at the CLI edge.
    """

    spec: SeriesSpec
    start: dt.date | None = None
    today: dt.date = field(default_factory=dt.date.today)


class Source(Protocol):
    """The connector protocol."""

    name: str

    def fetch_raw(self, query: Query) -> bytes:
        """Network only: one request, status checked, body returned unparsed."""
        ...

    def parse(self, raw: bytes, query: Query) -> pd.DataFrame:
        """Pure: bytes -> observation frame (``period``, ``published_at``, ``value``)."""
        ...


@dataclass(frozen=True)
class SourceInfo:
    """What the registry knows of a connector class."""

    name: str
    website: str
    factory: Callable[..., Source]
    credentials: tuple[str, ...] = ()


_REGISTRY: dict[str, SourceInfo] = {}

S = TypeVar("S")


def register_source(
    name: str, *, website: str, credentials: tuple[str, ...] = ()
) -> Callable[[type[S]], type[S]]:
    """Class decorator that registers a connector under ``name``.

    Registering a name twice warns and keeps the newer class (zipline's
    bundle registry does the same).
    """

    def deco(cls: type[S]) -> type[S]:
        if name in _REGISTRY:
            warnings.warn(f"source {name!r} registered twice; the newer one wins", stacklevel=2)
        _REGISTRY[name] = SourceInfo(name=name, website=website, factory=cls, credentials=credentials)  # type: ignore[arg-type]
        return cls

    return deco


def registered_sources() -> Mapping[str, SourceInfo]:
    """A read-only view of the registry."""
    return MappingProxyType(_REGISTRY)
