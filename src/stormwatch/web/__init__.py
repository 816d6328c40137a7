"""The local dashboard and JSON API (FastAPI), read-only and bound to localhost by default."""

from __future__ import annotations

from stormwatch.web.app import (
    LOOPBACK_HOSTS,
    MIN_TOKEN_LENGTH,
    WebSettings,
    build_server,
    check_bind,
    create_app,
    is_loopback,
)
from stormwatch.web.cache import AssessmentCache, Snapshot, StoreUnavailableError, store_stamp

__all__ = [
    "LOOPBACK_HOSTS",
    "MIN_TOKEN_LENGTH",
    "AssessmentCache",
    "Snapshot",
    "StoreUnavailableError",
    "WebSettings",
    "build_server",
    "check_bind",
    "create_app",
    "is_loopback",
    "store_stamp",
]
