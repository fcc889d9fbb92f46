"""Clocks and the per-host politeness limiter used by `connectors.http`.

Two rules decide when the next request to a host may start:

* a minimum spacing (crates.io 1 s, arXiv 3 s, from `HttpSettings.min_interval_s`), measured
  from the *end* of the previous response — the conservative reading of "one request every
  three seconds, a single connection at a time";
* a block until some time, set when a server says so: GitHub's `x-ratelimit-remaining: 0`
  plus `x-ratelimit-reset`, or a retry delay (`Retry-After`, backoff) chosen by the client.

Time comes from an injectable `Clock`. `RealClock` sleeps; `VirtualClock` only advances its own
time, so replay runs and tests never sleep yet still account what politeness would have cost.
Clock time is epoch seconds because GitHub's reset header is an epoch timestamp.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

# GitHub's reset is whole seconds and our clock may be a little ahead of theirs.
RESET_MARGIN_S = 1.0

# Set when the process is told to stop (SIGTERM): real waits end at once and the HTTP layer
# sends no further request, so a run without network stops promptly instead of retrying.
CANCEL = threading.Event()


class Cancelled(Exception):
    """The process is stopping; no further request is made."""


class Clock(Protocol):
    """Where the limiter reads time and how it waits."""

    def now(self) -> float:
        """Current time as epoch seconds."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` (really, or by advancing virtual time)."""
        ...


class RealClock:
    """Wall-clock time; `sleep` blocks the thread."""

    def now(self) -> float:
        """Current epoch seconds (wall clock, comparable with `x-ratelimit-reset`)."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Block for `seconds` (no-op when not positive); ends early when CANCEL is set."""
        if seconds > 0 and CANCEL.wait(seconds):
            raise Cancelled("stopping: wait interrupted")


class VirtualClock:
    """A clock whose `sleep` advances time instantly; records every sleep in `slept`.

    Args:
        start: initial epoch seconds; defaults to the real current time so that epoch headers
            (`x-ratelimit-reset`, HTTP dates) compare sensibly.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def now(self) -> float:
        """Current virtual epoch seconds."""
        return self._now

    def sleep(self, seconds: float) -> None:
        """Advance virtual time by `seconds` without blocking."""
        if seconds > 0:
            with self._lock:
                self._now += seconds
                self.slept.append(seconds)

    def advance(self, seconds: float) -> None:
        """Move time forward without counting it as a wait (time passing elsewhere)."""
        with self._lock:
            self._now += seconds

    @property
    def total_slept(self) -> float:
        """Sum of all virtual waits so far."""
        return sum(self.slept)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta seconds or an HTTP date).

    Args:
        value: the header value, or None.
        now: current epoch seconds (for the HTTP-date form).

    Returns:
        Non-negative seconds, or None when absent or unparseable.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT by definition
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def ratelimit_reset(headers: Mapping[str, str]) -> float | None:
    """Epoch seconds at which an exhausted rate limit resets, or None.

    Only returns a value when `x-ratelimit-remaining` is 0: a reset time alone is
    informational and must not slow anything down.

    Args:
        headers: response headers (any case-insensitive mapping, or lower-case dict).

    Returns:
        The reset epoch (with a small safety margin), or None.
    """
    remaining = _header(headers, "x-ratelimit-remaining")
    reset = _header(headers, "x-ratelimit-reset")
    if remaining is None or reset is None:
        return None
    try:
        if int(float(remaining)) > 0:
            return None
        return float(reset) + RESET_MARGIN_S
    except ValueError:
        return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # plain dicts with original casing
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def iso(epoch: float) -> str:
    """Epoch seconds as an ISO-8601 UTC string (for messages)."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


class HostLimiter:
    """Per-host spacing and blocks; one lock per host keeps requests to a host serial.

    Args:
        clock: the time source.
        min_interval_s: seconds between requests by exact host name (`crates.io` does not
            cover `static.crates.io`, which has no stated limit).
    """

    def __init__(self, clock: Clock, min_interval_s: Mapping[str, float] | None = None) -> None:
        self.clock = clock
        self.min_interval_s = dict(min_interval_s or {})
        self._last_done: dict[str, float] = {}
        self._blocked_until: dict[str, float] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()

    def lock(self, host: str) -> threading.RLock:
        """The lock a caller holds while waiting for and talking to `host`."""
        with self._guard:
            return self._locks.setdefault(host, threading.RLock())

    def ready_at(self, host: str) -> float:
        """Earliest epoch second at which the next request to `host` may start."""
        ready = self._blocked_until.get(host, 0.0)
        last = self._last_done.get(host)
        if last is not None:
            ready = max(ready, last + self.min_interval_s.get(host, 0.0))
        return ready

    def pending(self, host: str) -> float:
        """Seconds still to wait before `host` may be asked again (0 when free)."""
        return max(0.0, self.ready_at(host) - self.clock.now())

    def wait(self, host: str) -> float:
        """Sleep (on the clock) until `host` may be asked; returns the seconds waited."""
        delay = self.pending(host)
        if delay > 0:
            self.clock.sleep(delay)
        return delay

    def done(self, host: str, headers: Mapping[str, str] | None = None) -> None:
        """Note that a request to `host` finished; honour its rate-limit headers if any."""
        self._last_done[host] = self.clock.now()
        if headers is not None:
            reset = ratelimit_reset(headers)
            if reset is not None:
                self.block_until(host, reset)

    def block_until(self, host: str, epoch: float) -> None:
        """Allow no request to `host` before `epoch` (never shortens an existing block)."""
        self._blocked_until[host] = max(self._blocked_until.get(host, 0.0), epoch)


# -- retry policy ------------------------------------------------------------------------

NOT_FOUND, UNAUTHORIZED, RATE_LIMITED, SERVER, CLIENT = (
    "not_found", "unauthorized", "rate_limited", "server", "client")
RETRYABLE = {RATE_LIMITED, SERVER}


def rate_limit_signalled(status: int, headers: Mapping[str, str], body: str = "") -> bool:
    """True when a 403/429 says "rate limited" in any of the ways GitHub and others do:
    `Retry-After`, `x-ratelimit-remaining: 0` (with or without a reset), or a message saying
    "rate limit" ("API rate limit exceeded", "You have exceeded a secondary rate limit")."""
    if status == 429:
        return True
    if status != 403:
        return False
    remaining = (_header(headers, "x-ratelimit-remaining") or "").strip()
    return (_header(headers, "retry-after") is not None or remaining == "0"
            or "rate limit" in body.lower())


def classify_status(
    status: int, headers: Mapping[str, str], now: float, body: str = ""
) -> tuple[str, float | None]:
    """What an error status means and how long the server asked us to wait.

    GitHub signals primary and secondary limits with 403 *or* 429 (see
    `rate_limit_signalled`); a bare 403 is a permission problem (or crates.io refusing a
    request without User-Agent) and is final.

    Args:
        status: HTTP status (>= 400).
        headers: response headers.
        now: current epoch seconds.
        body: the start of the response body (rate-limit messages).

    Returns:
        (kind, delay): kind is one of NOT_FOUND, UNAUTHORIZED, RATE_LIMITED, SERVER, CLIENT
        (only RATE_LIMITED and SERVER are retryable); delay is the server-requested wait in
        seconds, or None when the server gave no usable one (no header, or a reset time
        already past): the caller then applies its own minimum back-off, never zero.
    """
    retry_after = parse_retry_after(_header(headers, "retry-after"), now)
    if status in (404, 410):
        return NOT_FOUND, None
    if status == 401:
        return UNAUTHORIZED, None
    if rate_limit_signalled(status, headers, body):
        reset = ratelimit_reset(headers)
        delay = retry_after
        if delay is None and reset is not None and reset > now:
            delay = reset - now
        return RATE_LIMITED, delay
    if status == 403:
        return UNAUTHORIZED, None
    if status >= 500:
        return SERVER, retry_after  # 503 may carry Retry-After
    return CLIENT, None


def backoff_delay(
    attempt: int, base_s: float, max_s: float, jitter: float, rng: random.Random
) -> float:
    """Exponential backoff with jitter: base * 2**attempt, scaled by a random factor.

    Jitter spreads retries of many clients so they do not hit a recovering server together.

    Args:
        attempt: 0 for the first retry.
        base_s: delay of the first retry.
        max_s: cap on any delay.
        jitter: width of the random factor, in [1 - jitter/2, 1 + jitter/2].
        rng: random source (seedable in tests).

    Returns:
        Seconds to wait.
    """
    delay = min(max_s, base_s * 2**attempt)
    return min(max_s, delay * (1 + jitter * (rng.random() - 0.5)))
