"""What kind of failure a stored error message records: the one place that reads it.

A source's error (`source_status.error`) is free English text, the messages of its failed
requests joined by "; " (flows/collect.py). Readers are not told that text: the report (in
Chinese and English) and the dashboard say what *kind* of failure it was — an HTTP status, a
timeout, a rate limit, a response that could not be parsed … — in their own words
(templates/labels.toml `err_*`), and keep the raw text for an engineer. The kinds are read from
the message shapes this package writes (connectors/http.py, fetched.py, recording.py) and
flows/collect.py adds (skipped records, a failed load, a fatal exception's class name), so a
new message shape is added here, never translated word by word elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Kinds, most specific first: a rate limit answered with HTTP 429 is a rate limit, not a
# client error; a message matching nothing is `other`.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("rate_limited", re.compile(r"rate[ -]?limit|RateLimited|HTTP 429\b", re.I)),
    ("timeout", re.compile(r"\btimed out\b|FetchTimeout|TimeoutException", re.I)),
    ("connection", re.compile(r"connection failed|ConnectionFailed|ConnectError", re.I)),
    ("replay_missing", re.compile(r"no recorded response|ReplayMiss")),
    ("bad_recording", re.compile(r"BadRecording|recorded exchange")),
    ("skipped", re.compile(r"record\(s\) skipped")),
    ("load_failed", re.compile(r"\bload failed\b")),
    ("malformed", re.compile(r"invalid JSON|HTML page instead of|empty body from|not well-formed"
                             r"|unparseable|MalformedResponse|next_page is a", re.I)),
    # a fatal error's class name (flows/collect.py writes "ServerError: …"), status unknown
    ("not_found", re.compile(r"\bNotFound\b")),
    ("refused", re.compile(r"\bUnauthorized\b")),
    ("server_error", re.compile(r"\bServerError\b")),
)
# "HTTP 404 from <url>" (connectors/http.py); "502 from <host>" in older, shorter messages
_HTTP = re.compile(r"\b(?:HTTP ([1-5]\d\d)\b|([1-5]\d\d) from\b)")
KINDS = tuple(dict.fromkeys(("not_found", "refused", "server_error", "http_error",
                            *(k for k, _ in _PATTERNS), "other")))


@dataclass(frozen=True)
class ErrorKind:
    """One kind of failure in a source's error; `status` is the HTTP status for the HTTP
    kinds (not_found, refused, server_error, http_error), else None."""

    kind: str
    status: int | None = None


def _http_kind(status: int) -> str:
    if status in (404, 410):
        return "not_found"
    if status in (401, 403):
        return "refused"
    return "server_error" if status >= 500 else "http_error"


def error_kinds(text: str | None) -> list[ErrorKind]:
    """The distinct kinds of failure in `text`, in the order they first appear (each HTTP
    status once); `[ErrorKind("other")]` for a message of no known shape, `[]` for none."""
    if not text or not text.strip():
        return []
    found: list[tuple[int, ErrorKind]] = []
    for kind, pattern in _PATTERNS:
        if m := pattern.search(text):
            found.append((m.start(), ErrorKind(kind)))
    limited = any(k.kind == "rate_limited" for _, k in found)
    seen: set[int] = set()
    for m in _HTTP.finditer(text):
        status = int(m.group(1) or m.group(2))
        if status in seen or (status == 429 and limited):
            continue
        seen.add(status)
        found.append((m.start(), ErrorKind(_http_kind(status), status)))
    if not found:
        return [ErrorKind("other")]
    # A message such as "HTTP 403 from …: API rate limit exceeded" is one rate limit.
    if limited:
        found = [(at, k) for at, k in found if not (k.kind == "refused" and _limit_403(text))]
    # "ServerError: HTTP 502 from …" is one server error, with its status
    with_status = {k.kind for _, k in found if k.status is not None}
    found = [(at, k) for at, k in found if k.status is not None or k.kind not in with_status]
    return [k for _, k in sorted(found, key=lambda p: p[0])]


def _limit_403(text: str) -> bool:
    """A 403 that said "rate limit" (GitHub's way) is the rate limit already counted."""
    return bool(re.search(r"HTTP 403\b[^;]*rate[ -]?limit", text, re.I))
