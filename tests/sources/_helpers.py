"""Helpers shared by the connector tests (fixtures paths, fake clock, mock transports)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

from stormwatch.catalog import SeriesSpec
from stormwatch.sources.http import HttpFetcher, RetryPolicy

DATA = Path(__file__).parent / "data"

Handler = Callable[[httpx.Request], httpx.Response]


def fixture_bytes(relative: str) -> bytes:
    """The bytes of ``tests/sources/data/<relative>``."""
    return (DATA / relative).read_bytes()


def make_spec(
    series_id: str, frequency: str = "daily", release_lag_days: int = 0, **extra: Any
) -> SeriesSpec:
    """A catalog entry built directly (the packaged catalog is not used in these tests)."""
    return SeriesSpec.model_validate(
        {
            "id": series_id,
            "name": series_id,
            "units": "test units",
            "frequency": frequency,
            "role": "test",
            "release_lag_days": release_lag_days,
            **extra,
        }
    )


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def mock_fetcher(
    handler: Handler,
    clock: FakeClock | None = None,
    *,
    max_attempts: int = 4,
    jitter: Callable[[float], float] | None = None,
    **kwargs: Any,
) -> HttpFetcher:
    """An :class:`HttpFetcher` over :class:`httpx.MockTransport` with a fake clock.

    The default jitter returns the upper bound, so backoff waits are deterministic.
    """
    clock = clock or FakeClock()
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return HttpFetcher(
        client,
        sleep=clock.sleep,
        clock=clock,
        retry=RetryPolicy(max_attempts=max_attempts),
        jitter=jitter or (lambda bound: bound),
        **kwargs,
    )


class serve:
    """A handler that answers every request with ``body``; requests are kept on ``.requests``."""

    def __init__(self, body: bytes, status: int = 200, headers: Mapping[str, str] | None = None) -> None:
        self.body = body
        self.status = status
        self.headers = dict(headers or {})
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, content=self.body, headers=self.headers)


def assert_obs_frame(frame: pd.DataFrame) -> None:
    """The observation-frame contract: columns, dtypes, sort order."""
    assert list(frame.columns) == ["period", "published_at", "value"]
    assert frame["period"].dtype == np.dtype("datetime64[ns]")
    assert frame["published_at"].dtype == np.dtype("datetime64[ns]")
    assert frame["value"].dtype == np.dtype("float64")
    assert frame["period"].is_monotonic_increasing
    assert frame.index.equals(pd.RangeIndex(len(frame)))
    assert (frame["published_at"] >= frame["period"]).all()


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)
