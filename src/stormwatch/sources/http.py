"""HTTP for every connector: timeouts, a User-Agent, retries with backoff, per-host pacing.

:class:`HttpFetcher` wraps an injected :class:`httpx.Client`. Connectors call
:meth:`HttpFetcher.get` and receive the response of the first attempt that is
neither retryable nor failed; they decide what a 4xx means for their service.

::

    attempt ──> 2xx / 3xx / 4xx except 429 ──> returned to the connector
       │
       └──> 429, 5xx, timeout, transport error
               ├── attempts left: sleep (Retry-After, or full-jitter backoff) and retry
               └── none left:     RateLimitedError (429) / SourceUnavailableError (others)

The clock, ``sleep`` and the jitter are injected so tests never really sleep.
Secrets never leave this module in clear: every URL shown in an error or a log
line goes through :func:`redact`.
"""

from __future__ import annotations

import logging
import math
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import httpx

from stormwatch.errors import RateLimitedError, SourceUnavailableError

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "DEFAULT_USER_AGENT",
    "HttpFetcher",
    "RateLimiter",
    "RetryPolicy",
    "redact",
]

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "stormwatch/0.1 (+https://github.com/stormwatch; research use)"

#: Requests per second by host suffix. FRED enforces about 2 req/s (OpenBB #7527);
#: every stlouisfed.org host shares that budget.
DEFAULT_RATE_LIMITS: Mapping[str, float] = MappingProxyType({"stlouisfed.org": 2.0})

_SECRET_PARAMS = ("api_key", "apikey", "token", "app_token", "key", "password")
_SECRET_RE = re.compile(
    r"(?P<name>(?:" + "|".join(_SECRET_PARAMS) + r"))(?P<sep>=|%3D|\"?\s*:\s*\"?)(?P<value>[^&\s\"',;)]+)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """Replace the value of every secret-looking parameter in ``text``.

    Parameters
    ----------
    text
        A URL, an exception message or a log line.

    Returns
    -------
    str
        ``text`` with ``api_key=...`` (and ``token``, ``key`` ...) values replaced
        by ``REDACTED``, in query strings and in ``"api_key": "..."`` JSON alike.

    Examples
    --------
    >>> redact("https://api.stlouisfed.org/fred/series?series_id=X&api_key=abc123&file_type=json")
    'https://api.stlouisfed.org/fred/series?series_id=X&api_key=REDACTED&file_type=json'
    """
    return _SECRET_RE.sub(lambda m: f"{m.group('name')}{m.group('sep')}REDACTED", text)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry.

    Parameters
    ----------
    max_attempts
        Attempts in total, the first included (default 4).
    backoff_base
        The first retry waits up to this many seconds; each later one up to
        twice the previous bound ("full jitter": uniform on ``[0, bound]``).
    backoff_cap
        Upper bound of the backoff window, in seconds.
    retry_after_cap
        A numeric ``Retry-After`` header is honoured up to this many seconds.
    """

    max_attempts: int = 4
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    retry_after_cap: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1; use 1 to disable retries")
        if self.backoff_base < 0 or self.backoff_cap < 0 or self.retry_after_cap < 0:
            raise ValueError("backoff_base, backoff_cap and retry_after_cap must be >= 0 seconds")

    def backoff_bound(self, retry: int) -> float:
        """Upper bound of the wait before retry number ``retry`` (1-based)."""
        return min(self.backoff_cap, self.backoff_base * 2.0 ** (retry - 1))


class RateLimiter:
    """A thread-safe minimum-interval limiter, one slot per host (suffix).

    Each call to :meth:`acquire` reserves the next free slot for the host and
    sleeps until it. Hosts are matched to ``rates`` by exact name or by domain
    suffix (``stlouisfed.org`` covers ``api.stlouisfed.org``), and hosts that
    match the same key share one slot sequence.

    Parameters
    ----------
    rates
        Requests per second by host or domain suffix.
    default_rate
        Requests per second for any other host; ``0`` or ``inf`` disables pacing.
    clock, sleep
        Monotonic clock and sleep function (injected in tests).
    """

    def __init__(
        self,
        rates: Mapping[str, float] = DEFAULT_RATE_LIMITS,
        default_rate: float = 5.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        for host, rate in {**rates, "<default>": default_rate}.items():
            if rate < 0 or math.isnan(rate):
                raise ValueError(f"rate for {host} must be >= 0 requests per second, got {rate}")
        self._rates = dict(rates)
        self._default = default_rate
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def _key(self, host: str) -> tuple[str, float]:
        host = host.lower()
        for name, rate in self._rates.items():
            name = name.lower()
            if host == name or host.endswith("." + name):
                return name, rate
        return host, self._default

    def interval(self, host: str) -> float:
        """Minimum seconds between two requests to ``host``."""
        _, rate = self._key(host)
        return 0.0 if rate == 0 or math.isinf(rate) else 1.0 / rate

    def acquire(self, host: str) -> float:
        """Wait for the host's next slot; return the seconds waited."""
        key, _ = self._key(host)
        gap = self.interval(host)
        if gap == 0.0:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(key, now))
            self._next[key] = slot + gap
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait


class HttpFetcher:
    """GET with timeouts, a User-Agent, retries and per-host pacing.

    Parameters
    ----------
    client
        The :class:`httpx.Client` to send through (tests pass one built on
        :class:`httpx.MockTransport`). The fetcher does not close it.
    user_agent
        Sent with every request.
    connect_timeout, read_timeout
        Seconds (defaults 10 and 30); they override the client's own timeouts.
    retry
        The :class:`RetryPolicy` (4 attempts by default).
    rate_limits, default_rate
        Requests per second per host; FRED hosts default to 2, others to 5.
    sleep, clock
        Injected so tests never really wait; ``clock`` must be monotonic.
    jitter
        Maps a backoff bound to the actual wait; default uniform on ``[0, bound]``.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        rate_limits: Mapping[str, float] = DEFAULT_RATE_LIMITS,
        default_rate: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[float], float] | None = None,
    ) -> None:
        self.client = client
        self.user_agent = user_agent
        self.timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.clock = clock
        self.limiter = RateLimiter(rate_limits, default_rate, clock=clock, sleep=sleep)
        if jitter is None:
            rng = random.Random()
            jitter = lambda bound: rng.uniform(0.0, bound)  # noqa: E731
        self._jitter = jitter

    def __repr__(self) -> str:
        return (
            f"HttpFetcher(user_agent={self.user_agent!r}, timeout={self.timeout!r}, "
            f"max_attempts={self.retry.max_attempts})"
        )

    def backoff_delay(self, retry: int) -> float:
        """The jittered wait before retry number ``retry`` (1-based), in seconds."""
        return max(0.0, self._jitter(self.retry.backoff_bound(retry)))

    def get(
        self,
        url: str,
        *,
        source: str,
        series_id: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send a GET, retrying 429, 5xx, timeouts and transport errors.

        Parameters
        ----------
        url
            The endpoint, without secrets if possible (they go in ``params``).
        source, series_id
            Named in the errors raised after the last attempt.
        params, headers
            Query parameters and extra headers.

        Returns
        -------
        httpx.Response
            The first response that is 2xx, 3xx or a 4xx other than 429, with
            its body read. The caller decides what a 4xx means.

        Raises
        ------
        RateLimitedError
            The last attempt was answered 429.
        SourceUnavailableError
            The last attempt was a 5xx, a timeout or a transport error.
        """
        all_headers = {"User-Agent": self.user_agent, **(headers or {})}
        request = self.client.build_request(
            "GET", url, params=dict(params or {}), headers=all_headers, timeout=self.timeout
        )
        shown = redact(str(request.url))
        host = request.url.host
        attempts = self.retry.max_attempts
        for attempt in range(1, attempts + 1):
            self.limiter.acquire(host)
            reason: str
            retry_after: float | None = None
            status: int | None = None
            try:
                response = self.client.send(request, follow_redirects=True)
            except httpx.UnsupportedProtocol as exc:
                raise SourceUnavailableError(
                    source=source, series_id=series_id, detail=f"cannot request {shown}: {redact(str(exc))}"
                ) from None
            except httpx.TransportError as exc:
                reason = f"{type(exc).__name__}" + (f" ({redact(str(exc))})" if str(exc) else "")
            except httpx.RequestError as exc:  # too many redirects, undecodable body: not worth a retry
                raise SourceUnavailableError(
                    source=source,
                    series_id=series_id,
                    detail=f"{type(exc).__name__} for {shown} ({redact(str(exc))})",
                ) from None
            else:
                status = response.status_code
                if status != 429 and status < 500:
                    return response
                reason = f"HTTP {status}"
                retry_after = _retry_after(response)
            if attempt == attempts:
                detail = f"{reason} from {shown} after {attempts} attempt{'s' if attempts > 1 else ''}"
                if status == 429:
                    raise RateLimitedError(source=source, series_id=series_id, detail=detail)
                raise SourceUnavailableError(source=source, series_id=series_id, detail=detail)
            if retry_after is not None:
                wait = min(retry_after, self.retry.retry_after_cap)
            else:
                wait = self.backoff_delay(attempt)
            logger.warning(
                "%s %s: %s from %s; retry %d/%d in %.2f s",
                source,
                series_id,
                reason,
                shown,
                attempt,
                attempts - 1,
                wait,
            )
            if wait > 0:
                self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def _retry_after(response: httpx.Response) -> float | None:
    """The numeric ``Retry-After`` header in seconds, if any (HTTP dates are ignored)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if math.isnan(seconds) or seconds < 0:
        return None
    return seconds
