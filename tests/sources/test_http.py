"""HttpFetcher: retries, backoff, Retry-After, pacing, timeouts, redaction."""

from __future__ import annotations

import itertools
import threading

import httpx
import pytest

from stormwatch.errors import RateLimitedError, SourceUnavailableError
from stormwatch.sources.http import DEFAULT_USER_AGENT, HttpFetcher, RateLimiter, RetryPolicy, redact

from ._helpers import FakeClock, Handler, fixture_bytes, mock_fetcher


def sequence(*responses: httpx.Response | Exception) -> tuple[list[httpx.Request], Handler]:
    """A handler answering with ``responses`` in turn (an exception is raised instead)."""
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return seen, handler


def test_503_503_200_succeeds_after_two_growing_sleeps() -> None:
    clock = FakeClock()
    seen, handler = sequence(httpx.Response(503), httpx.Response(503), httpx.Response(200, content=b"ok"))
    fetcher = mock_fetcher(handler, clock)
    response = fetcher.get("https://example.org/data.csv", source="test", series_id="test:X")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert len(seen) == 3
    assert clock.sleeps == [1.0, 2.0]  # full-jitter bounds base * 2**(n-1); jitter returns the bound here


def test_full_jitter_draws_below_the_bound() -> None:
    clock = FakeClock()
    bounds: list[float] = []

    def jitter(bound: float) -> float:
        bounds.append(bound)
        return bound / 4

    _, handler = sequence(httpx.Response(500), httpx.Response(502), httpx.Response(504), httpx.Response(200))
    fetcher = mock_fetcher(handler, clock, jitter=jitter)
    fetcher.get("https://example.org/x", source="test", series_id="test:X")
    assert bounds == [1.0, 2.0, 4.0]
    assert clock.sleeps == [0.25, 0.5, 1.0]


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(max_attempts=10, backoff_base=1.0, backoff_cap=5.0)
    assert [policy.backoff_bound(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_429_honours_numeric_retry_after() -> None:
    clock = FakeClock()
    body = fixture_bytes("fred/api_429.json")
    _, handler = sequence(
        httpx.Response(429, content=body, headers={"Retry-After": "7"}), httpx.Response(200)
    )
    fetcher = mock_fetcher(handler, clock)
    assert fetcher.get("https://example.org/x", source="test", series_id="test:X").status_code == 200
    assert clock.sleeps == [7.0]


def test_retry_after_is_capped_and_http_dates_fall_back_to_backoff() -> None:
    clock = FakeClock()
    _, handler = sequence(
        httpx.Response(429, headers={"Retry-After": "3600"}),
        httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}),
        httpx.Response(200),
    )
    fetcher = HttpFetcher(
        httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=clock.sleep,
        clock=clock,
        retry=RetryPolicy(retry_after_cap=60.0),
        jitter=lambda bound: bound,
    )
    fetcher.get("https://example.org/x", source="test", series_id="test:X")
    assert clock.sleeps == [60.0, 2.0]


def test_exhausted_429_raises_rate_limited() -> None:
    clock = FakeClock()
    body = fixture_bytes("fred/api_429.json")
    seen, handler = sequence(*[httpx.Response(429, content=body) for _ in range(4)])
    fetcher = mock_fetcher(handler, clock)
    with pytest.raises(RateLimitedError) as info:
        fetcher.get("https://example.org/x", source="fred", series_id="fred:DGS10")
    assert len(seen) == 4
    assert len(clock.sleeps) == 3
    err = info.value
    assert err.source == "fred"  # type: ignore[attr-defined]
    assert err.series_id == "fred:DGS10"  # type: ignore[attr-defined]
    assert "HTTP 429" in str(err) and "after 4 attempts" in str(err)


def test_exhausted_5xx_raises_unavailable() -> None:
    seen, handler = sequence(*[httpx.Response(502) for _ in range(3)])
    fetcher = mock_fetcher(handler, max_attempts=3)
    with pytest.raises(SourceUnavailableError, match=r"HTTP 502 .* after 3 attempts"):
        fetcher.get("https://example.org/x", source="test", series_id="test:X")
    assert len(seen) == 3


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
)
def test_timeouts_and_transport_errors_are_retried(exc: Exception) -> None:
    clock = FakeClock()
    seen, handler = sequence(exc, httpx.Response(200, content=b"fine"))
    fetcher = mock_fetcher(handler, clock)
    assert fetcher.get("https://example.org/x", source="test", series_id="test:X").content == b"fine"
    assert len(seen) == 2
    assert clock.sleeps == [1.0]


def test_exhausted_timeouts_raise_unavailable_with_the_exception_name() -> None:
    _, handler = sequence(*[httpx.ReadTimeout("read timed out") for _ in range(2)])
    fetcher = mock_fetcher(handler, max_attempts=2)
    with pytest.raises(SourceUnavailableError, match="ReadTimeout"):
        fetcher.get("https://example.org/x", source="test", series_id="test:X")


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_other_4xx_are_not_retried(status: int) -> None:
    clock = FakeClock()
    seen, handler = sequence(httpx.Response(status, content=b"nope"))
    fetcher = mock_fetcher(handler, clock)
    response = fetcher.get("https://example.org/x", source="test", series_id="test:X")
    assert response.status_code == status
    assert len(seen) == 1
    assert clock.sleeps == []


def test_user_agent_timeouts_and_redirects() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "https://example.org/new"})
        return httpx.Response(200, content=b"moved")

    fetcher = mock_fetcher(handler, connect_timeout=3.0, read_timeout=12.0)
    response = fetcher.get(
        "https://example.org/old", source="t", series_id="t:X", headers={"Accept": "text/csv"}
    )
    assert response.content == b"moved"
    assert seen[0].headers["User-Agent"] == DEFAULT_USER_AGENT
    assert seen[0].headers["Accept"] == "text/csv"
    assert seen[0].extensions["timeout"] == {"connect": 3.0, "read": 12.0, "write": 12.0, "pool": 12.0}
    assert [r.url.path for r in seen] == ["/old", "/new"]


def test_errors_and_logs_never_show_the_api_key(caplog: pytest.LogCaptureFixture) -> None:
    _, handler = sequence(httpx.Response(503), httpx.Response(503))
    fetcher = mock_fetcher(handler, max_attempts=2)
    secret = "abcdefghijklmnopqrstuvwxyz012345"
    with caplog.at_level("WARNING"), pytest.raises(SourceUnavailableError) as info:
        fetcher.get(
            "https://api.stlouisfed.org/fred/series/observations",
            params={"series_id": "DGS10", "api_key": secret},
            source="fred",
            series_id="fred:DGS10",
        )
    assert secret not in str(info.value)
    assert "api_key=REDACTED" in str(info.value)
    assert caplog.records, "a retry is logged"
    assert all(secret not in r.getMessage() for r in caplog.records)


def test_redact() -> None:
    assert redact("https://x/y?api_key=abc&id=1") == "https://x/y?api_key=REDACTED&id=1"
    assert redact('{"api_key": "abc123"}') == '{"api_key": "REDACTED"}'
    assert (
        redact("https://x/y?series_id=DGS10&file_type=json") == "https://x/y?series_id=DGS10&file_type=json"
    )
    assert redact("Variable api_key is not set.") == "Variable api_key is not set."


def test_fred_requests_are_paced_at_two_per_second() -> None:
    clock = FakeClock()
    starts: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append(clock())
        return httpx.Response(200)

    fetcher = mock_fetcher(handler, clock)
    for _ in range(4):
        fetcher.get("https://api.stlouisfed.org/fred/series", source="fred", series_id="fred:X")
    fetcher.get("https://fred.stlouisfed.org/graph/fredgraph.csv", source="fred", series_id="fred:X")
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(g >= 0.5 - 1e-9 for g in gaps), gaps  # every stlouisfed.org host shares the 2 req/s budget
    assert starts[-1] - starts[0] == pytest.approx(2.0)


def test_other_hosts_default_to_five_per_second_and_are_independent() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    assert limiter.interval("data-api.ecb.europa.eu") == pytest.approx(0.2)
    assert limiter.interval("api.stlouisfed.org") == pytest.approx(0.5)
    limiter.acquire("a.example")
    limiter.acquire("b.example")  # another host: no wait
    assert clock.sleeps == []
    limiter.acquire("a.example")
    assert clock.sleeps == [pytest.approx(0.2)]


def test_rate_limiter_configurable_and_disabled() -> None:
    clock = FakeClock()
    limiter = RateLimiter({"example.org": 1.0}, default_rate=0.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        limiter.acquire("other.host")
    assert clock.sleeps == []
    limiter.acquire("www.example.org")
    limiter.acquire("example.org")
    assert clock.sleeps == [pytest.approx(1.0)]
    with pytest.raises(ValueError, match="must be >= 0"):
        RateLimiter({"x": -1.0})


def test_rate_limiter_is_thread_safe() -> None:
    """Concurrent callers get distinct slots spaced by the interval."""
    lock = threading.Lock()
    now = [0.0]
    waits: list[float] = []

    def clock() -> float:
        with lock:
            return now[0]

    def sleep(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    limiter = RateLimiter({"stlouisfed.org": 2.0}, clock=clock, sleep=sleep)
    threads = [threading.Thread(target=limiter.acquire, args=("api.stlouisfed.org",)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == pytest.approx([0.5 * k for k in range(1, 8)])


def test_retry_policy_validation_and_repr() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    fetcher = mock_fetcher(lambda r: httpx.Response(200))
    assert "HttpFetcher(" in repr(fetcher)


def test_redirect_loops_are_not_retried() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": str(request.url)})

    clock = FakeClock()
    fetcher = mock_fetcher(handler, clock)
    with pytest.raises(SourceUnavailableError, match="TooManyRedirects"):
        fetcher.get("https://example.org/loop?api_key=MOCK_API_KEY", source="t", series_id="t:X")
    assert clock.sleeps == []
    assert len(seen) == 21  # httpx's default max_redirects (20) + the first request
