"""Source connectors: query -> ``fetch_raw`` (network) -> ``parse`` (pure).

Importing this package registers every connector (see :mod:`.base`).
:func:`build_source` makes one from the registry with the shared
:class:`HttpFetcher` and only its own credentials; :func:`fetch_all` and
:func:`parse_all` drive any connector, including FRED's multi-request vintage
fetches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from stormwatch.errors import ConfigError
from stormwatch.sources import cboe, cftc, ecb, fred, french, local, tic, yahoo
from stormwatch.sources.base import Query, Source, SourceInfo, register_source, registered_sources
from stormwatch.sources.cboe import Cboe
from stormwatch.sources.cftc import Cftc
from stormwatch.sources.ecb import Ecb
from stormwatch.sources.fetch import fetch_all, parse_all
from stormwatch.sources.fred import Fred, FredQuery
from stormwatch.sources.french import French
from stormwatch.sources.http import HttpFetcher, RateLimiter, RetryPolicy, redact
from stormwatch.sources.local import ColumnMap, Local
from stormwatch.sources.tic import Tic
from stormwatch.sources.yahoo import Yahoo

__all__ = [
    "Cboe",
    "Cftc",
    "ColumnMap",
    "Ecb",
    "Fred",
    "FredQuery",
    "French",
    "HttpFetcher",
    "Local",
    "Query",
    "RateLimiter",
    "RetryPolicy",
    "Source",
    "SourceInfo",
    "Tic",
    "Yahoo",
    "build_source",
    "fetch_all",
    "parse_all",
    "redact",
    "register_source",
    "registered_sources",
]

_MODULES = (cboe, cftc, ecb, french, fred, local, tic, yahoo)  # imported for registration


def build_source(
    name: str,
    fetcher: HttpFetcher,
    secrets: Mapping[str, SecretStr] | None = None,
    **options: Any,
) -> Source:
    """Build the connector registered as ``name``.

    Parameters
    ----------
    name
        A registered source name (``fred``, ``ecb``, ...).
    fetcher
        The shared :class:`HttpFetcher`.
    secrets
        Credentials by name. Each credential the source declares is looked up
        as ``<source>_<credential>`` (``fred_api_key``), then as its upper-case
        form (``FRED_API_KEY``), then bare (``api_key``); absent ones are not
        passed, so the connector falls back to its keyless mode. A source only
        ever receives its own credentials.
    **options
        Extra keyword arguments for the connector (e.g. ``directory=`` for ``local``).

    Raises
    ------
    ConfigError
        ``name`` is not registered.
    """
    info = registered_sources().get(name)
    if info is None:
        known = ", ".join(sorted(registered_sources()))
        raise ConfigError(where="sources", detail=f"unknown source {name!r} (known: {known})")
    secrets = secrets or {}
    creds: dict[str, SecretStr] = {}
    for cred in info.credentials:
        for key in (f"{name}_{cred}", f"{name}_{cred}".upper(), cred):
            if key in secrets:
                creds[cred] = secrets[key]
                break
    return info.factory(fetcher, **creds, **options)
