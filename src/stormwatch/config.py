"""Settings: ``stormwatch.toml`` plus environment variables, read once at the CLI edge.

Lookup order (later wins): built-in defaults, the user config file
(``<user config dir>/stormwatch/stormwatch.toml``), ``./stormwatch.toml``, an
explicit ``--config FILE``, then environment variables. Secrets come only from
the environment and are held as :class:`pydantic.SecretStr`, so they never
appear in logs, reprs or tracebacks.

Example ``stormwatch.toml``::

    [store]
    path = "~/stormwatch/store.duckdb"

    [sources]
    max_workers = 4
    timeout_seconds = 30
    fred_requests_per_second = 2.0
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from stormwatch.errors import ConfigError

__all__ = ["SECRET_ENV", "AlertSettings", "Settings", "SourceSettings", "StoreSettings", "load_settings"]

#: Environment variables holding secrets, by the credential name sources declare.
SECRET_ENV: Mapping[str, str] = {"fred_api_key": "FRED_API_KEY", "cftc_app_token": "CFTC_APP_TOKEN"}


class StoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("stormwatch")) / "stormwatch.duckdb"
    )


class SourceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_workers: int = Field(4, ge=1, le=32, description="series fetched concurrently")
    timeout_seconds: float = Field(30.0, gt=0)
    max_attempts: int = Field(4, ge=1, le=10)
    fred_requests_per_second: float = Field(2.0, gt=0, le=10, description="FRED allows about 2/s")
    default_requests_per_second: float = Field(5.0, gt=0)


class AlertSettings(BaseModel):
    """``[alerts]``: the feed, the report link, and how failed deliveries are retried."""

    model_config = ConfigDict(extra="forbid")
    feed_path: Path | None = Field(None, description="the Atom feed (default: feed.xml beside the store)")
    report_url: str | None = Field(None, description="where the HTML report is published; linked from alerts")
    report_path: Path | None = Field(None, description="a report file to attach to alert emails")
    timeout_seconds: float = Field(15.0, gt=0, le=300, description="per-send connect/read timeout")
    max_attempts: int = Field(8, ge=1, le=100, description="attempts before a message is given up")
    backoff_minutes: float = Field(15.0, gt=0, description="wait after the first failure; doubles after each")
    max_backoff_hours: float = Field(12.0, gt=0, description="the longest wait between attempts")
    catchup_days: int = Field(14, ge=0, description="older changes seen late go to the feed only")
    watch_log: Path | None = Field(None, description="the `watch` log (default: watch.log beside the store)")


class Settings(BaseModel):
    """Everything configurable. Secrets are filled from the environment only."""

    model_config = ConfigDict(extra="forbid")
    store: StoreSettings = Field(default_factory=StoreSettings)
    sources: SourceSettings = Field(default_factory=SourceSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    catalog: Path | None = None
    secrets: dict[str, SecretStr] = Field(default_factory=dict, exclude=True, repr=False)
    config_files: tuple[Path, ...] = ()


def _read_toml(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(where=str(path), detail=f"not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(where=str(path), detail=f"cannot read ({exc.strerror})") from None


def _merge(base: dict[str, object], extra: Mapping[str, object]) -> dict[str, object]:
    out = dict(base)
    for key, value in extra.items():
        current = out.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            out[key] = _merge(current, value)
        else:
            out[key] = value
    return out


def load_settings(
    *,
    cwd: Path,
    environ: Mapping[str, str],
    config_file: Path | None = None,
    store_path: Path | None = None,
    user_config_dir: Path | None = None,
) -> Settings:
    """Build the settings from files and the environment.

    Parameters
    ----------
    cwd
        Where to look for ``stormwatch.toml``.
    environ
        The environment (``STORMWATCH_STORE``, ``FRED_API_KEY``, ``CFTC_APP_TOKEN``).
    config_file
        An explicit file (``--config``); it must exist.
    store_path
        ``--store``, which beats everything else.
    user_config_dir
        Override of the per-user config folder (tests).
    """
    files: list[Path] = []
    user_dir = user_config_dir or Path(platformdirs.user_config_dir("stormwatch"))
    for candidate in (user_dir / "stormwatch.toml", cwd / "stormwatch.toml"):
        if candidate.is_file():
            files.append(candidate)
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(where=str(config_file), detail="no such file")
        files.append(config_file)
    data: dict[str, object] = {}
    for path in files:
        data = _merge(data, _read_toml(path))
    env_store = environ.get("STORMWATCH_STORE")
    if env_store:
        data = _merge(data, {"store": {"path": env_store}})
    if store_path is not None:
        data = _merge(data, {"store": {"path": str(store_path)}})
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = files[-1] if files else "settings"
        loc = ".".join(str(p) for p in err["loc"])
        raise ConfigError(where=str(where), detail=f"{loc}: {err['msg']}") from None
    secrets = {name: SecretStr(environ[var]) for name, var in SECRET_ENV.items() if environ.get(var)}
    store = settings.store.model_copy(update={"path": settings.store.path.expanduser()})
    return settings.model_copy(update={"secrets": secrets, "config_files": tuple(files), "store": store})
