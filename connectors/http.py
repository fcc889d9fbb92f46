"""The one HTTP layer every connector uses.

Owns politeness: a User-Agent naming the project and a contact, per-host rate limits
(crates.io 1 req/s, arXiv one request per 3 s, GitHub by its rate-limit headers; see
`connectors.ratelimit`), timeouts, retries with jittered exponential backoff on 429/5xx/timeouts
honouring `Retry-After` and `x-ratelimit-reset`, no retry on 401/404, conditional requests
(ETag / Last-Modified; 304 = unchanged), an exchange log, and record/replay (via
`connectors.recording`). A host that says "rate limited" is waited for only while the wait fits
the run's budget (and never less than a minimum back-off); otherwise it is stopped for the
rest of the run. Tokens travel only in request headers and are never logged, put in messages
or recorded. Errors live in `connectors.errors`, response types in `connectors.fetched`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from connectors import ratelimit as rl
from connectors.errors import (
    BadRecording,
    ConnectionFailed,
    ConnectorError,
    FetchTimeout,
    NotFound,
    RateLimited,
    ReplayMissError,
    ServerError,
    Unauthorized,
)
from connectors.fetched import ExchangeLog, Fetched, HostStats
from connectors.ratelimit import Clock, HostLimiter, RealClock, VirtualClock
from connectors.recording import (
    ARCHIVE_PATH_EXTENSION,
    FETCHED_AT_HEADER,
    RecordingError,
    RecordingTransport,
    ReplayMiss,
    ReplayTransport,
    canonical_url,
    redact,
    secret_values,
)
from core import settings as env

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = env.DEFAULT_USER_AGENT

_ERRORS: dict[str, type[ConnectorError]] = {
    rl.NOT_FOUND: NotFound, rl.UNAUTHORIZED: Unauthorized, rl.RATE_LIMITED: RateLimited,
    rl.SERVER: ServerError, rl.CLIENT: ConnectorError,
}


@dataclass
class HttpSettings:
    """Politeness and retry settings. `user_agent` defaults to $PANORAMA_USER_AGENT if set."""

    user_agent: str = field(default_factory=lambda: env.user_agent() or DEFAULT_USER_AGENT)
    timeout_s: float = 30.0
    max_retries: int = 4
    backoff_base_s: float = 1.0
    backoff_max_s: float = 300.0   # longest single wait; a server asking more -> RateLimited
    jitter: float = 0.5            # backoff scaled by a random factor in 1 ± jitter/2
    # A rate limit that names no usable wait (no Retry-After, reset missing or already past)
    # is waited at least this long: GitHub asks for "at least one minute" then.
    rate_limit_min_wait_s: float = 60.0
    # Total seconds one run may spend waiting on one host's rate limit; past it the host is
    # stopped for the run (its source ends `partial`, saying why).
    rate_limit_budget_s: float = 900.0
    # seconds between requests, per exact host name
    min_interval_s: dict[str, float] = field(
        default_factory=lambda: {"crates.io": 1.0, "export.arxiv.org": 3.0, "rss.arxiv.org": 3.0}
    )


class PoliteClient:
    """A polite, retrying, conditional HTTP client over httpx (see module docstring).

    Args:
        settings: politeness/retry settings (defaults: `HttpSettings()`).
        transport: httpx transport (replay/recording/loopback); None = real network.
        validators: url -> (etag, last_modified) from earlier runs, for conditional GETs.
        clock: time source for waits; `RealClock()` by default.
    """

    def __init__(
        self, settings: HttpSettings | None = None, *, transport: httpx.BaseTransport | None = None,
        validators: Mapping[str, tuple[str | None, str | None]] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings or HttpSettings()
        self.clock: Clock = clock or RealClock()
        self.validators = dict(validators or {})
        self.new_validators: dict[str, tuple[str | None, str | None]] = {}
        self.exchanges: list[ExchangeLog] = []
        self.stats: dict[str, HostStats] = {}  # counters per host name
        self._limiter = HostLimiter(self.clock, self.settings.min_interval_s)
        self._stopped: dict[str, RateLimited] = {}  # host -> why it is off for this run
        self._limit_waited: dict[str, float] = {}   # host -> seconds waited on rate limits
        self._rng = random.Random()
        self._http = httpx.Client(
            transport=transport, timeout=httpx.Timeout(self.settings.timeout_s),
            headers={"User-Agent": self.settings.user_agent}, follow_redirects=True,
        )

    def get(
        self, url: str, *, params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None, conditional: bool = True,
    ) -> Fetched:
        """GET with politeness, retries and (optionally) validators.

        Args:
            url: absolute URL (may already carry a query string).
            params: extra query parameters, merged into the URL's.
            headers: extra request headers (e.g. Accept, Authorization).
            conditional: send If-None-Match / If-Modified-Since for known validators.

        Returns:
            The response; `not_modified=True` (empty content) for a 304.

        Raises:
            ConnectorError: a subclass saying why the fetch failed for good.
        """
        return self._request("GET", url, params=params, headers=headers, conditional=conditional)

    def post_json(
        self, url: str, payload: Mapping[str, Any], *, headers: Mapping[str, str] | None = None,
    ) -> Fetched:
        """POST a JSON document (GitHub GraphQL); retried like GET, never conditional.

        Args:
            url: absolute URL.
            payload: the JSON body.
            headers: extra request headers (Authorization for GraphQL).

        Returns:
            The response.
        """
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
        extra = {"Content-Type": "application/json", **(headers or {})}
        return self._request("POST", url, headers=extra, content=body, conditional=False)

    def paginate(
        self, url: str, *, params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None, conditional: bool = False,
        max_pages: int | None = None,
    ) -> Iterator[Fetched]:
        """Yield pages following `Link: <...>; rel="next"` (GitHub style).

        Args:
            url: first page URL.
            params: query parameters of the first page (later pages use the Link URL as is).
            headers: extra request headers for every page.
            conditional: conditional GET for the first page only; a 304 there ends the
                iteration after yielding it (off by default: page 1 unchanged says nothing
                about later pages of an oldest-first list).
            max_pages: stop after this many pages.

        Returns:
            An iterator of Fetched pages.
        """
        seen: set[str] = set()
        page = self.get(url, params=params, headers=headers, conditional=conditional)
        while True:
            seen.add(page.url)
            yield page
            nxt = page.links.get("next")
            if page.not_modified or not nxt or canonical_url(nxt) in seen:
                return
            if max_pages is not None and len(seen) >= max_pages:
                return
            page = self.get(nxt, headers=headers, conditional=False)

    def close(self) -> None:
        """Close pooled connections."""
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------------

    def _request(
        self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None, content: bytes | None = None,
        conditional: bool = True,
    ) -> Fetched:
        target = httpx.URL(url).copy_merge_params(dict(params)) if params else httpx.URL(url)
        key = canonical_url(str(target))
        host = target.host
        stats = self.stats.setdefault(host, HostStats())
        sent = dict(headers or {})
        if conditional and method == "GET":
            sent.update(self._conditional_headers(key))
        secrets = secret_values(sent)
        try:
            if host in self._stopped:  # rate limited earlier in this run: do not ask again
                stopped = self._stopped[host]
                raise RateLimited(str(stopped), url=key, status=stopped.status,
                                  reset_at=stopped.reset_at)
            with self._limiter.lock(host):
                return self._attempts(method, target, key, host, stats, sent, content, secrets)
        except RateLimited as exc:
            self._stopped.setdefault(host, exc)
            stats.stopped = stats.stopped or str(exc)
            stats.errors += 1
            raise
        except ConnectorError:
            stats.errors += 1
            raise

    def _send(self, method: str, target: httpx.URL, key: str, host: str,
              headers: dict[str, str], content: bytes | None,
              ) -> httpx.Response | ConnectorError:
        """One attempt: the response, or the transport failure as a (retryable) error."""
        try:
            return self._http.request(method, target, headers=headers, content=content)
        except ReplayMiss as miss:
            raise ReplayMissError(miss) from None   # a missing recording never improves
        except RecordingError as exc:
            raise BadRecording(str(exc), url=key) from None
        except httpx.TimeoutException as exc:
            self._limiter.done(host)
            return FetchTimeout(f"timed out ({type(exc).__name__}) after "
                                f"{self.settings.timeout_s}s: {method} {key}", url=key)
        except httpx.TransportError as exc:
            self._limiter.done(host)
            return ConnectionFailed(f"connection failed ({type(exc).__name__}): {method} {key}",
                                    url=key)

    def _attempts(
        self, method: str, target: httpx.URL, key: str, host: str, stats: HostStats,
        headers: dict[str, str], content: bytes | None, secrets: list[str],
    ) -> Fetched:
        s = self.settings
        attempt = 0
        while True:
            if rl.CANCEL.is_set():
                raise rl.Cancelled(f"stopping: {method} {key} not sent")
            pending = self._limiter.pending(host)
            if pending > s.backoff_max_s:
                raise self._too_long(key, None, pending)
            stats.waited_s += self._limiter.wait(host)
            stats.requests += 1
            delay: float | None = None
            sent = self._send(method, target, key, host, headers, content)
            if isinstance(sent, ConnectorError):
                error = sent
            else:
                self._limiter.done(host, sent.headers)
                fetched = self._complete(method, key, sent, stats)
                if fetched.status < 400:
                    return fetched
                body = redact(fetched.text[:300].strip(), secrets)
                kind, delay = rl.classify_status(fetched.status, fetched.headers,
                                                 self.clock.now(), body)
                error = _ERRORS[kind](f"HTTP {fetched.status} from {key}: {body[:200]}"
                                      .rstrip(": "), url=key, status=fetched.status)
                if kind not in rl.RETRYABLE:
                    raise error
                if kind == rl.RATE_LIMITED:
                    delay = self._rate_limit_wait(key, host, fetched.status, delay, attempt)
            if attempt >= s.max_retries:
                raise error
            if delay is None:
                delay = rl.backoff_delay(attempt, s.backoff_base_s, s.backoff_max_s, s.jitter,
                                         self._rng)
            # Blocking the host (rather than sleeping here) makes every caller of this
            # host wait, and lets the min-interval rule and the wait share one accounting.
            self._limiter.block_until(host, self.clock.now() + delay)
            attempt += 1
            stats.retries += 1
            logger.info("%s; retry %d/%d in %.1fs", redact(str(error), secrets), attempt,
                        s.max_retries, delay)

    def _rate_limit_wait(self, key: str, host: str, status: int, asked: float | None,
                         attempt: int) -> float:
        """How long to wait on a rate limit before retrying, or raise RateLimited (stopping
        the host) when the wait is too long, over the run's budget, or retries are spent."""
        s = self.settings
        delay = max(asked if asked is not None else s.rate_limit_min_wait_s, 1.0)
        waited = self._limit_waited.get(host, 0.0)
        if (delay > s.backoff_max_s or waited + delay > s.rate_limit_budget_s
                or attempt >= s.max_retries):
            raise self._too_long(key, status, delay, waited)
        self._limit_waited[host] = waited + delay
        return delay

    def _conditional_headers(self, key: str) -> dict[str, str]:
        etag, modified = self.new_validators.get(key) or self.validators.get(key) or (None, None)
        pairs = (("If-None-Match", etag), ("If-Modified-Since", modified))
        return {name: value for name, value in pairs if value}

    def _complete(
        self, method: str, key: str, response: httpx.Response, stats: HostStats
    ) -> Fetched:
        """Log every exchange (redirect hops too) and turn the final response into Fetched."""
        for hop in [*response.history, response]:
            body = hop.read()
            self.exchanges.append(ExchangeLog(
                method=hop.request.method, url=canonical_url(str(hop.request.url)),
                status=int(hop.status_code), fetched_at=_fetched_at(hop),
                body_sha256=hashlib.sha256(body).hexdigest(), bytes=len(body),
                archive_path=hop.extensions.get(ARCHIVE_PATH_EXTENSION)))
        headers = {k.lower(): v for k, v in response.headers.items()}
        links = {str(rel): urljoin(key, link["url"]) for rel, link in response.links.items()
                 if link.get("url")}
        fetched = Fetched(url=key, status=int(response.status_code), headers=headers,
                          content=response.content, fetched_at=self.exchanges[-1].fetched_at,
                          not_modified=response.status_code == 304, links=links)
        logger.debug("%s %s -> %d (%d bytes)", method, key, fetched.status, len(fetched.content))
        if fetched.not_modified:
            stats.not_modified += 1
            fetched.content = b""
        elif method == "GET" and fetched.status == 200:
            etag, modified = headers.get("etag"), headers.get("last-modified")
            if etag or modified:
                self.new_validators[key] = (etag, modified)
        return fetched

    def _too_long(self, url: str, status: int | None, delay: float,
                  waited: float = 0.0) -> RateLimited:
        until = self.clock.now() + delay
        why = (f"longer than backoff_max_s={self.settings.backoff_max_s:.0f}s"
               if delay > self.settings.backoff_max_s else
               f"the run's wait budget is spent ({waited:.0f}s of "
               f"{self.settings.rate_limit_budget_s:.0f}s)"
               if waited + delay > self.settings.rate_limit_budget_s else "retries spent")
        return RateLimited(
            f"rate limited: {url} may be asked again at {rl.iso(until)} ({delay:.0f}s), {why}; "
            "host stopped for this run", url=url, status=status,
            reset_at=datetime.fromtimestamp(until, UTC))


def _fetched_at(response: httpx.Response) -> datetime:
    # Replay/recording stamp the real fetch time; provenance must use it, not "now".
    try:
        return datetime.fromisoformat(response.headers[FETCHED_AT_HEADER])
    except (KeyError, ValueError):
        return datetime.now(UTC)


def make_client(
    settings: HttpSettings | None = None, *, replay_dir: Path | str | None = None,
    record_dir: Path | str | None = None,
    validators: Mapping[str, tuple[str | None, str | None]] | None = None,
    transport: httpx.BaseTransport | None = None, clock: Clock | None = None,
) -> PoliteClient:
    """Build the client for live, recording or replay runs.

    Args:
        settings: politeness/retry settings.
        replay_dir: serve every request from this recorded folder, on a VirtualClock (no
            sleeping; waits still counted in `HostStats.waited_s`).
        record_dir: archive every exchange of a live run into this folder.
        validators: url -> (etag, last_modified) from earlier runs.
        transport: the underlying transport for live/recording (default: real network).
        clock: override the clock (default VirtualClock for replay, RealClock otherwise).

    Returns:
        A PoliteClient; close it (or use it as a context manager) when done.
    """
    if replay_dir is not None and record_dir is not None:
        raise ValueError("replay_dir and record_dir are exclusive")
    if replay_dir is not None:
        transport = ReplayTransport(replay_dir)
        clock = clock or VirtualClock()
    elif record_dir is not None:
        transport = RecordingTransport(record_dir, inner=transport)
    return PoliteClient(settings, transport=transport, validators=validators, clock=clock)
