"""What the HTTP layer hands back: a completed response (`Fetched`), the exchange log row of
the raw-response archive (`ExchangeLog`) and per-host counters (`HostStats`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.errors import MalformedResponse


@dataclass
class Fetched:
    """One completed response (a 304 is a Fetched with not_modified=True and empty content).

    `links` is the `Link` header as rel -> absolute URL (GitHub pagination), as httpx parsed it.
    """

    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    fetched_at: datetime
    not_modified: bool = False
    links: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """Parsed JSON body.

        Raises:
            MalformedResponse: empty body, an HTML page (CDN/login/error page served with 200),
                or truncated / invalid JSON. The message names the URL.
        """
        self._check_not_html("JSON")
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise MalformedResponse(
                f"truncated or invalid JSON from {self.url} ({len(self.content)} bytes): {exc}",
                url=self.url, status=self.status,
            ) from None

    def xml(self) -> bytes:
        """The raw body for `feedparser.parse` (bytes, never str), checked non-empty and
        not an HTML page; raises MalformedResponse otherwise."""
        self._check_not_html("XML")
        return self.content

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

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
    stopped: str | None = None  # why the host was stopped for the run (rate limit), if it was


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
