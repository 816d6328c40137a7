"""The local dashboard and its JSON API (FastAPI), read-only.

``create_app`` builds the app for one store; :func:`check_bind` refuses to
expose it beyond this machine without a token, and :func:`build_server`
wraps it in a uvicorn server.

Safety:

* only ``GET`` routes; the store is opened read-only and only while reading;
* on a loopback address the ``Host`` header must name a loopback host (a web
  page elsewhere cannot reach the API through DNS rebinding);
* with a token every route but ``/health`` needs ``Authorization: Bearer``;
* every path and query value is parsed into a date or checked against the
  catalog or the signal registry before it reaches the store, whose queries
  are parameterised;
* no page loads anything from elsewhere (plotly.js is served from here; the
  interactive API docs, which load from a CDN, are not mounted — the spec
  is at ``/openapi.json``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from stormwatch import __version__
from stormwatch.catalog import Catalog
from stormwatch.compute import Assessment, assess
from stormwatch.delivery.charts import ChartOptions
from stormwatch.delivery.episodes import EpisodeSet, load_episode_set
from stormwatch.delivery.report import LiveInfo, plotly_js, render_html, report_context, signal_view
from stormwatch.delivery.summary import history_frame, summary_dict
from stormwatch.errors import ConfigError, StoreBusyError, StoreError
from stormwatch.store import Store
from stormwatch.web.cache import AssessFn, AssessmentCache, Snapshot, StoreUnavailableError
from stormwatch.web.models import (
    ErrorOut,
    HealthOut,
    HistoryOut,
    HistoryRow,
    LevelOut,
    ObservationOut,
    SeriesOut,
    SignalOut,
    TransitionOut,
)

__all__ = [
    "LOOPBACK_HOSTS",
    "MIN_TOKEN_LENGTH",
    "WebSettings",
    "build_server",
    "check_bind",
    "create_app",
    "is_loopback",
]

#: Host names a loopback-bound server answers to.
LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
#: A token shorter than this does not guard a network service.
MIN_TOKEN_LENGTH = 16

_DATE_MIN = dt.date(1800, 1, 1)
_DATE_MAX = dt.date(2200, 12, 31)
_SERIES_ID = r"^[a-z]+:[A-Za-z0-9_.^=/:\-]{1,120}$"
_SIGNAL_ID = r"^[a-z0-9_]{1,64}$"
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "missing or wrong bearer token"},
    503: {"model": ErrorOut, "description": "no store yet, or it is being written and nothing is cached"},
}
_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True)
class WebSettings:
    """How the dashboard runs.

    Attributes
    ----------
    token
        If set, every route but ``/health`` needs ``Authorization: Bearer <token>``.
    allowed_hosts
        If set, requests whose ``Host`` header names another host are refused
        (the server sets the loopback names when it binds to loopback).
    view_years
        The market charts open on the last ``view_years`` years.
    as_of
        Replay the dashboard as of this day (only data known then); ``None``: the latest.
    """

    token: str | None = None
    allowed_hosts: tuple[str, ...] | None = None
    view_years: int = 10
    as_of: pd.Timestamp | None = None


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost``."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve beyond this machine without a token.

    Raises
    ------
    ConfigError
        If ``host`` is not loopback and there is no token, or the token is too short.
    """
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(
            where="--token",
            detail=f"the token has {len(token)} characters; use at least {MIN_TOKEN_LENGTH} "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)",
        )
    if not is_loopback(host) and not token:
        raise ConfigError(
            where="--host",
            detail=f"binding to {host} would expose the dashboard beyond this machine without a token; "
            "give --token or set STORMWATCH_TOKEN (clients then send 'Authorization: Bearer <token>'), "
            "or bind to 127.0.0.1",
        )


_BEARER = HTTPBearer(auto_error=False, description="the token given to `stormwatch serve`")


class _TokenCheck:
    """The dependency that requires ``Authorization: Bearer <token>`` (compared in constant time)."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()

    def __call__(self, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]) -> None:
        if creds is None or not secrets.compare_digest(creds.credentials.encode(), self._token):
            raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})


def _request_host(header: str) -> str:
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def _utc(when: dt.datetime) -> dt.datetime:
    """An aware UTC time (RFC 3339 ``date-time`` needs an offset); naive times are UTC already."""
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _clamp(day: dt.date | None) -> pd.Timestamp | None:
    if day is None:
        return None
    return pd.Timestamp(min(max(day, _DATE_MIN), _DATE_MAX))


def _num(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if (pd.isna(v) or v in (float("inf"), float("-inf"))) else v


def create_app(
    store_path: Path,
    catalog: Catalog,
    settings: WebSettings | None = None,
    *,
    clock: Callable[[], dt.datetime],
    episodes: EpisodeSet | None = None,
    assess_fn: AssessFn | None = None,
) -> FastAPI:
    """The dashboard and API for one store.

    Parameters
    ----------
    store_path
        The DuckDB store, read read-only and only while reading.
    catalog
        The series catalog.
    settings
        Token, allowed hosts, chart view.
    clock
        Returns "now" (UTC, naive), for "computed at".
    episodes
        The episodes to shade (default: the packaged catalogue).
    assess_fn
        How to assess an open store (default: the latest day, all history).
    """
    cfg = settings or WebSettings()
    eps = episodes or load_episode_set()
    if assess_fn is None and cfg.as_of is not None:
        replay_day = cfg.as_of

        def assess_fn(store: Store, cat: Catalog) -> Assessment:
            return assess(store, cat, as_of=replay_day)

    cache = AssessmentCache(store_path, catalog, clock=clock, assess_fn=assess_fn)
    auth = [Depends(_TokenCheck(cfg.token))] if cfg.token is not None else []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Warm the cache so the first page is quick; a missing store is reported per request.
        with contextlib.suppress(StoreUnavailableError):
            await run_in_threadpool(cache.get)
        yield

    app = FastAPI(
        title="stormwatch",
        version=__version__,
        description="Read-only API of the stormwatch dashboard: the storm level, the signals, their "
        "history and the stored series.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.cache = cache

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if cfg.allowed_hosts is not None:
            host = _request_host(request.headers.get("host", "")).lower()
            if host not in cfg.allowed_hosts:
                return PlainTextResponse("invalid Host header", status_code=400)
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = _CSP
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def snapshot() -> Snapshot:
        try:
            return cache.get()
        except StoreUnavailableError as exc:
            raise HTTPException(503, str(exc), headers={"Retry-After": "30"}) from None

    def signal_views(snap: Snapshot) -> list[dict[str, Any]]:
        def make() -> list[dict[str, Any]]:
            a = snap.assessment
            views = []
            order = {"checklist": 0, "aggravator": 1, "fuel": 2, "readout": 3, "regime": 4}
            for res in a.results.values():
                views.append(signal_view(res, a.as_of))
            views.sort(key=lambda v: (order.get(v["kind"], 9), v["checklist_item"] or 0, v["id"]))
            return views

        result: list[dict[str, Any]] = snap.memo("signals", make)
        return result

    @app.get("/health", response_model=HealthOut, tags=["meta"])
    def health() -> HealthOut:
        """Liveness; says whether a store is there and what is cached (never opens the store)."""
        snap = cache.current
        return HealthOut(
            status="ok",
            store_present=Path(store_path).is_file(),
            as_of=None if snap is None else snap.assessment.as_of.date(),
            computed_at=None if snap is None else _utc(snap.computed_at),
        )

    @app.get("/openapi.json", include_in_schema=False, dependencies=auth)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/static/plotly.min.js", include_in_schema=False, dependencies=auth)
    def plotly() -> Response:
        return Response(
            plotly_js(), media_type="application/javascript", headers={"Cache-Control": "max-age=86400"}
        )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False, dependencies=auth)
    def dashboard() -> HTMLResponse:
        try:
            snap = cache.get()
        except StoreUnavailableError as exc:
            body = f"<!DOCTYPE html><title>stormwatch</title><h1>stormwatch</h1><p>{_escape(str(exc))}</p>"
            return HTMLResponse(body, status_code=503, headers={"Retry-After": "30"})

        def make() -> str:
            ctx = report_context(
                snap.assessment,
                generated_at=snap.computed_at,
                episodes=eps,
                options=ChartOptions(view_years=cfg.view_years, episodes=eps.episodes),
            )
            live = LiveInfo(
                store=str(store_path),
                computed_at=f"{snap.computed_at:%Y-%m-%d %H:%M} UTC",
                stale_note=snap.stale_note,
                replay=cfg.as_of is not None,
            )
            return render_html(ctx, live=live)

        html: str = snap.memo("page", make)
        return HTMLResponse(html)

    @app.get("/api/level", response_model=LevelOut, responses=_ERRORS, tags=["level"], dependencies=auth)
    def level() -> LevelOut:
        """The storm level, score, coverage and regime on the last day."""
        snap = snapshot()
        d: dict[str, Any] = snap.memo("summary", lambda: summary_dict(snap.assessment))
        return LevelOut(
            as_of=dt.date.fromisoformat(d["as_of"]),
            level=d["level"],
            level_name=d["level_name"],
            score=d["score"],
            coverage=d["coverage"],
            regime=d["regime"],
            computed_at=_utc(snap.computed_at),
            stale=bool(snap.stale_note),
            note=snap.stale_note,
        )

    @app.get(
        "/api/signals", response_model=list[SignalOut], responses=_ERRORS, tags=["signals"], dependencies=auth
    )
    def signals() -> list[SignalOut]:
        """Every signal: its declaration (title, rationale, parameters, inputs) and its last reading."""
        return [SignalOut.model_validate(v) for v in signal_views(snapshot())]

    @app.get(
        "/api/signals/{signal_id}",
        response_model=SignalOut,
        responses={**_ERRORS, 404: {"model": ErrorOut, "description": "no such signal"}},
        tags=["signals"],
        dependencies=auth,
    )
    def one_signal(signal_id: Annotated[str, PathParam(pattern=_SIGNAL_ID)]) -> SignalOut:
        """One signal by id (e.g. ``dollar_falls_with_equities``)."""
        for v in signal_views(snapshot()):
            if v["id"] == signal_id:
                return SignalOut.model_validate(v)
        raise HTTPException(404, f"no signal {signal_id!r}; GET /api/signals lists them")

    @app.get(
        "/api/transitions",
        response_model=list[TransitionOut],
        responses=_ERRORS,
        tags=["level"],
        dependencies=auth,
    )
    def transitions() -> list[TransitionOut]:
        """Every step of the level in the history, oldest first, with what moved."""
        a = snapshot().assessment
        return [
            TransitionOut(
                date=t.date.date(),
                from_level=t.from_level,
                to_level=t.to_level,
                reason=t.reason,
                moved=[m.text() for m in t.moved],
                unknown=list(t.unknown),
            )
            for t in a.level.transitions
        ]

    @app.get(
        "/api/history",
        response_model=HistoryOut,
        responses=_ERRORS,
        tags=["level"],
        dependencies=auth,
    )
    def history(
        start: Annotated[dt.date | None, Query(description="first day, YYYY-MM-DD")] = None,
        end: Annotated[dt.date | None, Query(description="last day, YYYY-MM-DD")] = None,
    ) -> JSONResponse:
        """The level, score, regime and every signal's state for each business day (point in time)."""
        _check_range(start, end)
        snap = snapshot()
        rows: list[dict[str, Any]] = snap.memo("history_rows", lambda: _history_rows(snap.assessment))
        lo = "" if start is None else start.isoformat()
        hi = "9999-12-31" if end is None else end.isoformat()
        chosen = [r for r in rows if lo <= r["date"] <= hi]  # ISO dates sort as strings
        # Rows are built (and checked against HistoryRow) once per assessment; sent as they are.
        return JSONResponse(
            {
                "start": None if start is None else start.isoformat(),
                "end": None if end is None else end.isoformat(),
                "rows": chosen,
            }
        )

    @app.get(
        "/api/series/{series_id:path}",
        response_model=SeriesOut,
        responses={**_ERRORS, 404: {"model": ErrorOut, "description": "not a catalog series"}},
        tags=["series"],
        dependencies=auth,
    )
    def series(
        series_id: Annotated[str, PathParam(pattern=_SERIES_ID, description="catalog id, e.g. fred:DGS10")],
        start: Annotated[dt.date | None, Query(description="first period, YYYY-MM-DD")] = None,
        end: Annotated[dt.date | None, Query(description="last period, YYYY-MM-DD")] = None,
    ) -> SeriesOut:
        """A catalog series and its stored observations (latest vintage of each period).

        An id with ``/`` (ECB keys) is sent URL-encoded: ``ecb:EXR%2FD.USD.EUR.SP00.A``.
        """
        known = _catalog_ids(catalog)
        if series_id not in known:
            raise HTTPException(404, f"{series_id!r} is not a catalog series id")
        _check_range(start, end)
        spec = catalog[series_id]
        try:
            with Store.open(store_path, read_only=True) as store:
                frame = store.load([series_id])
        except StoreBusyError:
            raise HTTPException(
                503, "the store is being written; try again in a moment", headers={"Retry-After": "5"}
            ) from None
        except StoreError as exc:
            raise HTTPException(503, str(exc), headers={"Retry-After": "30"}) from None
        lo, hi = _clamp(start), _clamp(end)
        if lo is not None:
            frame = frame.loc[frame["period"] >= lo]
        if hi is not None:
            frame = frame.loc[frame["period"] <= hi]
        obs = [
            ObservationOut(period=p.date(), published_at=_utc(pub.to_pydatetime()), value=_num(v))
            for p, pub, v in zip(frame["period"], frame["published_at"], frame["value"], strict=True)
        ]
        return SeriesOut(
            id=spec.id,
            name=spec.name,
            units=spec.units,
            frequency=spec.frequency,
            role=spec.role,
            notes=spec.notes,
            observations=obs,
        )

    return app


def _history_rows(a: Assessment) -> list[dict[str, Any]]:
    """Every business day of the assessment as a JSON-ready :class:`HistoryRow`."""
    frame = history_frame(a)
    fixed = ["date", "level", "level_name", "score", "regime"]
    state_cols = [c for c in frame.columns if c not in fixed]
    rows = []
    for r in frame.to_dict(orient="records"):
        row = HistoryRow(
            date=dt.date.fromisoformat(str(r["date"])),
            level=int(r["level"]),
            level_name=str(r["level_name"]),
            score=_num(r["score"]),
            regime=str(r["regime"]),
            states={c: str(r[c]) for c in state_cols},
        )
        rows.append(row.model_dump(mode="json"))
    return rows


def _check_range(start: dt.date | None, end: dt.date | None) -> None:
    """A start after the end is a 422 shaped like FastAPI's own validation errors."""
    if start is not None and end is not None and start > end:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query", "start"),
                    "msg": f"start {start} is after end {end}",
                    "input": str(start),
                }
            ]
        )


def _catalog_ids(catalog: Catalog) -> frozenset[str]:
    return frozenset(iter(catalog))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_server(
    store_path: Path,
    catalog: Catalog,
    *,
    host: str,
    port: int,
    clock: Callable[[], dt.datetime],
    token: str | None = None,
    view_years: int = 10,
    as_of: pd.Timestamp | None = None,
    log_level: str = "info",
    assess_fn: AssessFn | None = None,
    episodes: EpisodeSet | None = None,
) -> uvicorn.Server:
    """A uvicorn server for the dashboard, after checking the bind is safe.

    Parameters
    ----------
    store_path, catalog, clock, assess_fn, episodes
        See :func:`create_app`.
    host, port
        Where to listen (port 0: any free port).
    token
        Required when ``host`` is not loopback (see :func:`check_bind`).
    view_years
        The market charts' initial view.
    as_of
        Replay as of this day (default: the latest data).
    log_level
        uvicorn's log level.

    Raises
    ------
    ConfigError
        Before anything is bound, if the bind is not safe.
    """
    check_bind(host, token)
    allowed: Sequence[str] | None = (*LOOPBACK_HOSTS, host.strip("[]").lower()) if is_loopback(host) else None
    settings = WebSettings(
        token=token,
        allowed_hosts=None if allowed is None else tuple(allowed),
        view_years=view_years,
        as_of=as_of,
    )
    app = create_app(store_path, catalog, settings, clock=clock, assess_fn=assess_fn, episodes=episodes)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False, lifespan="on")
    return uvicorn.Server(config)
