"""The one HTTP layer every connector uses.

Owns politeness: a User-Agent naming the project and a contact, per-host rate limits
(crates.io 1 req/s, arXiv one request per 3 s, GitHub by its rate-limit headers; see
`connectors.ratelimit`), timeouts, retries with jittered exponential backoff on 429/5xx/timeouts
honouring `Retry-After` and `x-ratelimit-reset`, no retry on 401/404, conditional requests
(ETag / Last-Modified; 304 = unchanged), an exchange log, and record/replay (via
`connectors.recording`). Tokens travel only in request headers and are never logged, put in
messages or recorded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from connectors import ratelimit as rl
from connectors.ratelimit import Clock, HostLimiter, RealClock, VirtualClock
from connectors.recording import (
    ARCHIVE_PATH_EXTENSION,
    FETCHED_AT_HEADER,
    RecordingTransport,
    ReplayMiss,
    ReplayTransport,
    canonical_url,
    redact,
    secret_values,
)

__all__ = ["Clock", "RealClock", "VirtualClock"]  # re-exported for callers of this module

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = (
    "panorama/0.1 (+https://github.com/panorama-landscape/panorama; panorama@example.org)"
)


class ConnectorError(Exception):
    """A fetch that failed for good (after retries). `url` and `status` say where and how."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None) -> None:
        Exception.__init__(self, message)  # not super(): ReplayMissError mixes in ReplayMiss
        self.url, self.status = url, status


class RateLimited(ConnectorError):
    """429 / 403-with-rate-limit signals still limited after retries, or a wait too long."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None,
                 reset_at: datetime | None = None) -> None:
        super().__init__(message, url=url, status=status)
        self.reset_at = reset_at  # when the host may be asked again, if known


class NotFound(ConnectorError): ...          # 404 / 410 (never retried)
class Unauthorized(ConnectorError): ...      # 401 / 403 without rate-limit signals (never retried)
class ServerError(ConnectorError): ...       # 5xx still failing after retries
class ConnectionFailed(ServerError): ...     # connection refused/reset/cut short after retries
class FetchTimeout(ConnectorError): ...      # timed out after retries
class MalformedResponse(ConnectorError): ... # truncated JSON, HTML error page with 200, empty body


_ERRORS: dict[str, type[ConnectorError]] = {
    rl.NOT_FOUND: NotFound, rl.UNAUTHORIZED: Unauthorized, rl.RATE_LIMITED: RateLimited,
    rl.SERVER: ServerError, rl.CLIENT: ConnectorError,
}


class ReplayMissError(ConnectorError, ReplayMiss):
    """Replay has no recording for a request: both a ConnectorError and a ReplayMiss."""

    def __init__(self, miss: ReplayMiss) -> None:
        ConnectorError.__init__(self, str(miss), url=canonical_url(miss.url), status=None)
        self.method, self.folder = miss.method, miss.folder


@dataclass
class Fetched:
    """One completed response (a 304 is a Fetched with not_modified=True and empty content)."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    fetched_at: datetime
    not_modified: bool = False

    def json(self) -> Any:
        """Parsed JSON body.

        Raises:
            MalformedResponse: empty body, an HTML page (CDN/login/error page served with 200),
                or truncated / invalid JSON. The message names the URL.
        """
        self._check_not_html("JSON")
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedResponse(
                f"truncated or invalid JSON from {self.url} ({len(self.content)} bytes): {exc}",
                url=self.url, status=self.status,
            ) from None

    def xml(self) -> bytes:
        """The raw body for `feedparser.parse` (bytes, never str), checked non-empty and
        not an HTML page; raises MalformedResponse otherwise."""
        self._check_not_html("XML")
        return self.content

    def feed_headers(self) -> dict[str, str]:
        """`response_headers=` for `feedparser.parse` (content type and location)."""
        return {"content-type": self.headers.get("content-type", ""), "content-location": self.url}

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    @property
    def links(self) -> dict[str, str]:
        """`Link` header as rel -> absolute URL (GitHub pagination)."""
        out: dict[str, str] = {}
        link = self.headers.get("link", "")
        for target, params in re.findall(r"<([^>]*)>\s*((?:;[^,<]*)*)", link):
            for rel in re.findall(r'rel\s*=\s*"?([^";]+)"?', params):
                for name in rel.split():
                    out.setdefault(name, urljoin(self.url, target))
        return out

    def _check_not_html(self, expected: str) -> None:
        head = self.content[:512].lstrip().lower()
        if not head:
            raise MalformedResponse(f"empty body from {self.url} (expected {expected})",
                                    url=self.url, status=self.status)
        looks_html = head.startswith((b"<!doctype html", b"<html"))
        if expected == "JSON":
            # Any markup where JSON was expected is an error page (CDN, login wall, robot
            # check); feeds are sometimes served as text/html, so XML checks the body only.
            ctype = self.headers.get("content-type", "").lower()
            looks_html = looks_html or head.startswith(b"<") or "text/html" in ctype
        if looks_html:
            raise MalformedResponse(
                f"HTML page instead of {expected} from {self.url} (status {self.status})",
                url=self.url, status=self.status)


@dataclass
class HostStats:
    """Per-host counters. `waited_s` is real or virtual seconds spent on politeness/backoff."""

    requests: int = 0       # requests sent (every attempt)
    not_modified: int = 0   # 304s
    retries: int = 0        # attempts repeated after 429/5xx/timeout/connection errors
    errors: int = 0         # calls that ended in a ConnectorError
    waited_s: float = 0.0


@dataclass(frozen=True)
class ExchangeLog:
    """One completed HTTP exchange (every attempt and redirect hop): the raw-response archive
    index row. `archive_path` is the recording file when recording or replaying; a retried
    request's file holds its last attempt (same key), `body_sha256` tells attempts apart."""

    method: str
    url: str
    status: int
    fetched_at: datetime
    body_sha256: str
    bytes: int
    archive_path: str | None = None


@dataclass
class HttpSettings:
    """Politeness and retry settings. `user_agent` defaults to $PANORAMA_USER_AGENT if set."""

    user_agent: str = field(
        default_factory=lambda: os.environ.get("PANORAMA_USER_AGENT") or DEFAULT_USER_AGENT)
    timeout_s: float = 30.0
    max_retries: int = 4
    backoff_base_s: float = 1.0
    backoff_max_s: float = 300.0   # longest single wait; a server asking more -> RateLimited
    jitter: float = 0.5            # backoff scaled by a random factor in 1 ± jitter/2
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
            with self._limiter.lock(host):
                return self._attempts(method, target, key, host, stats, sent, content, secrets)
        except ConnectorError:
            stats.errors += 1
            raise

    def _attempts(
        self, method: str, target: httpx.URL, key: str, host: str, stats: HostStats,
        headers: dict[str, str], content: bytes | None, secrets: list[str],
    ) -> Fetched:
        s = self.settings
        attempt = 0
        while True:
            pending = self._limiter.pending(host)
            if pending > s.backoff_max_s:
                raise self._too_long(key, None, pending)
            stats.waited_s += self._limiter.wait(host)
            stats.requests += 1
            delay: float | None = None
            try:
                response = self._http.request(method, target, headers=headers, content=content)
            except ReplayMiss as miss:
                raise ReplayMissError(miss) from None   # a missing recording never improves
            except httpx.TimeoutException as exc:
                self._limiter.done(host)
                error: ConnectorError = FetchTimeout(
                    f"timed out ({type(exc).__name__}) after {s.timeout_s}s: {method} {key}",
                    url=key)
            except httpx.TransportError as exc:
                self._limiter.done(host)
                error = ConnectionFailed(
                    f"connection failed ({type(exc).__name__}): {method} {key}", url=key)
            else:
                self._limiter.done(host, response.headers)
                fetched = self._complete(method, key, response, stats)
                if fetched.status < 400:
                    return fetched
                kind, delay = rl.classify_status(fetched.status, fetched.headers, self.clock.now())
                snippet = redact(fetched.text[:200].strip(), secrets)
                error = _ERRORS[kind](f"HTTP {fetched.status} from {key}: {snippet}".rstrip(": "),
                                      url=key, status=fetched.status)
                if kind not in rl.RETRYABLE:
                    raise error
                if delay is not None and delay > s.backoff_max_s:
                    raise self._too_long(key, fetched.status, delay)
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
                status=hop.status_code, fetched_at=_fetched_at(hop),
                body_sha256=hashlib.sha256(body).hexdigest(), bytes=len(body),
                archive_path=hop.extensions.get(ARCHIVE_PATH_EXTENSION)))
        headers = {k.lower(): v for k, v in response.headers.items()}
        fetched = Fetched(url=key, status=response.status_code, headers=headers,
                          content=response.content, fetched_at=self.exchanges[-1].fetched_at,
                          not_modified=response.status_code == 304)
        logger.debug("%s %s -> %d (%d bytes)", method, key, fetched.status, len(fetched.content))
        if fetched.not_modified:
            stats.not_modified += 1
            fetched.content = b""
        elif method == "GET" and fetched.status == 200:
            etag, modified = headers.get("etag"), headers.get("last-modified")
            if etag or modified:
                self.new_validators[key] = (etag, modified)
        return fetched

    def _too_long(self, url: str, status: int | None, delay: float) -> RateLimited:
        until = self.clock.now() + delay
        return RateLimited(
            f"rate limited: {url} may be asked again at {rl.iso(until)} ({delay:.0f}s), longer "
            f"than backoff_max_s={self.settings.backoff_max_s:.0f}s; not waiting",
            url=url, status=status, reset_at=datetime.fromtimestamp(until, UTC))


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


def resolve_github_token(explicit: str | None = None) -> str | None:
    """GitHub token: explicit arg > $GITHUB_TOKEN > Prefect Secret block "github-token" > None.

    The Prefect block is only looked up inside a flow/task run or when `PREFECT_API_URL` is
    set: elsewhere Prefect would start a throw-away ephemeral server (~20 s) just to look.

    Args:
        explicit: a token given directly (CLI flag, parameter).

    Returns:
        The token, or None for anonymous access (public data needs no token).
    """
    if explicit and explicit.strip():
        return explicit.strip()
    env = os.environ.get("GITHUB_TOKEN", "").strip()
    if env:
        return env
    if not (os.environ.get("PREFECT_API_URL") or _in_prefect_run()):
        logger.debug("no token: not in a Prefect run and no PREFECT_API_URL; anonymous")
        return None
    try:
        from prefect.blocks.system import Secret  # lazy: importing prefect is slow

        value = Secret.load("github-token").get()
    except Exception as exc:  # no server, no block, no prefect: all mean "anonymous"
        logger.debug("no Prefect secret 'github-token' (%s)", type(exc).__name__)
        return None
    token = str(value).strip() if value else ""
    return token or None


def _in_prefect_run() -> bool:
    context = sys.modules.get("prefect.context")
    if context is None:  # prefect not even imported: certainly not inside a run
        return False
    try:
        return bool(context.FlowRunContext.get() or context.TaskRunContext.get())
    except Exception:
        return False
