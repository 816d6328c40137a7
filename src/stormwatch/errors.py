"""The stormwatch error tree.

Every error carries its inputs and renders one line that says what failed,
for which series, source or path, and what to do next. The CLI prints that
line and exits 1; ``--verbose`` adds the traceback.

::

    StormwatchError
     ├── ConfigError
     ├── CatalogError
     ├── SourceError
     │    ├── SourceUnavailableError   (timeouts, 5xx, connection errors, retries exhausted)
     │    ├── RateLimitedError          (HTTP 429 after the retries)
     │    ├── AuthError                 (missing or rejected credential)
     │    ├── EmptyResponseError        (empty body or no observations)
     │    └── MalformedResponseError    (HTML instead of CSV/JSON, bad header, bad values)
     ├── ValidationError               (data refused before it reaches the store)
     ├── StoreError
     │    └── StoreBusyError
     ├── ImportFileError
     └── SignalInputError
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "CatalogError",
    "ConfigError",
    "EmptyResponseError",
    "ImportFileError",
    "MalformedResponseError",
    "RateLimitedError",
    "SignalInputError",
    "SourceError",
    "SourceUnavailableError",
    "StoreBusyError",
    "StoreError",
    "StormwatchError",
    "ValidationError",
]


class StormwatchError(Exception):
    """Root of every error stormwatch raises on purpose.

    Subclasses set ``template``; keyword arguments fill it and stay available
    as attributes, so callers can inspect what failed without parsing text.
    """

    template = "{detail}"

    def __init__(self, **kwargs: object) -> None:
        self.kwargs = kwargs
        for key, value in kwargs.items():
            setattr(self, key, value)
        super().__init__(self.render())

    def render(self) -> str:
        try:
            return self.template.format(**self.kwargs)
        except (KeyError, IndexError):  # a template bug must not hide the error
            return f"{type(self).__name__}: {self.kwargs!r}"


class ConfigError(StormwatchError):
    template = "configuration error in {where}: {detail}. Fix the setting and run again."


class CatalogError(StormwatchError):
    template = "catalog error: {detail}"


class SourceError(StormwatchError):
    template = "{source} could not deliver {series_id}: {detail}"


class SourceUnavailableError(SourceError):
    template = (
        "{source} is unavailable for {series_id}: {detail}. "
        "Stored data is unchanged; try again later or run with --offline."
    )


class RateLimitedError(SourceError):
    template = (
        "{source} rate-limited the request for {series_id} ({detail}). "
        "Stored data is unchanged; wait a few minutes and run again."
    )


class AuthError(SourceError):
    template = (
        "{source} refused the credential for {series_id}: {detail}. "
        "Set {key} (get one at {website}) or unset it to use the keyless download."
    )


class EmptyResponseError(SourceError):
    template = (
        "{source} returned no data for {series_id}: {detail}. "
        "Check the series key in the catalog; stored data is unchanged."
    )


class MalformedResponseError(SourceError):
    template = (
        "{source} sent something that is not the expected data for {series_id}: {detail}. "
        "Stored data is unchanged; if this persists the service format may have changed."
    )


class ValidationError(StormwatchError):
    template = "refused {series_id} from {source}: {detail}. Nothing was written; {hint}"

    def __init__(
        self,
        *,
        series_id: str,
        source: str,
        detail: str,
        hint: str = "fix the input and run again.",
    ) -> None:
        super().__init__(series_id=series_id, source=source, detail=detail, hint=hint)


class StoreError(StormwatchError):
    template = "store {path}: {detail}"


class StoreBusyError(StoreError):
    template = (
        "store {path} is busy: another stormwatch process is writing to it. "
        "Wait for it to finish (or stop it) and run again."
    )


class ImportFileError(StormwatchError):
    template = "cannot import {path}: {detail}. Nothing from this file was written."


class SignalInputError(StormwatchError):
    template = "signal {signal}: {detail}"
