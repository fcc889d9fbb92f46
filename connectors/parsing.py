"""Small helpers shared by the four source connectors (pure functions, no I/O).

Also fixes the connectors' error-reporting convention, so it is the same everywhere:
a `fetch_*` generator never raises for one failing thing (a crate, a repo, a query, a feed).
It yields ``{"type": "error", ...}`` (see `error_record`) and carries on, so records already
yielded are kept. A parse problem that still left data usable yields ``{"type": "warning",
...}`` next to the data. Pure `parse_*` functions do raise (`MalformedResponse` or a
source-specific `ConnectorError` subclass); the fetch loops turn those into error records.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any

from connectors.errors import ConnectorError, MalformedResponse
from connectors.recording import ReplayMiss
from connectors.records import ErrorRecord
from core.months import Month

# What a parser builds before the boundary check (`connectors.records.checked`) types it.
RawRecord = dict[str, Any]

# Errors a fetch loop turns into an error record for one item instead of stopping. KeyError,
# TypeError, ValueError, AttributeError and IndexError cover payloads of an unexpected shape
# (a list where an object was expected, a number where text was); RecursionError a
# pathologically nested one; ReplayMiss (a missing recorded response) is just as item-local.
ITEM_ERRORS: tuple[type[BaseException], ...] = (
    ConnectorError,
    ReplayMiss,
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    IndexError,
    RecursionError,
)


def utcnow() -> datetime:
    """The current time, tz-aware UTC (stamped on error records, which have no response)."""
    return datetime.now(UTC)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """Return [start, end) of a run month as tz-aware UTC datetimes.

    Raises:
        ValueError: the month is not a valid ``YYYY-MM``.
    """
    return Month.parse(month).bounds()


def period_of(moment: datetime) -> str:
    """The ``YYYY-MM`` a UTC instant falls in."""
    return Month.of(moment)


def parse_dt(value: Any) -> datetime | None:
    """Parse a source timestamp into a tz-aware UTC datetime, or None.

    Accepts ISO 8601 (``Z``, offsets, fractions: crates.io, GitHub, arXiv), RFC 822 (RSS),
    plain dates, `time.struct_time` (feedparser) and datetimes. Redacted or garbage values
    (the crates.io test snapshots say ``"[datetime]"``) give None rather than an exception,
    because one odd timestamp must not cost the whole record.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, time.struct_time):
        return datetime(*value[:6], tzinfo=UTC)
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def day_start(date_text: str) -> datetime | None:
    """``"YYYY-MM-DD"`` → that day 00:00 UTC (None when it is not a date)."""
    try:
        day = datetime.strptime(date_text, "%Y-%m-%d")
    except (TypeError, ValueError):
        return None
    return day.replace(tzinfo=UTC)


_GITHUB_RE = re.compile(
    r"(?:^|[/@.])github\.com[/:]([A-Za-z0-9](?:[A-Za-z0-9-]*))/([A-Za-z0-9._-]+?)(?:\.git)?(?:[/#?].*)?$",
    re.IGNORECASE,
)


def github_repo_id(url: str | None) -> str | None:
    """``repo:owner/name`` (lower-case) for a github.com repository URL, else None.

    Handles ``.git`` suffixes, ``git+https://``, ``www.``, trailing paths (``/tree/main/x``)
    and ``git@github.com:owner/name``, which all occur in crates.io ``repository`` fields.
    """
    if not url:
        return None
    match = _GITHUB_RE.search(url.strip())
    if not match:
        return None
    owner, name = match.group(1), match.group(2)
    if name in {".", ".."}:
        return None
    return f"repo:{owner.lower()}/{name.lower()}"


def normalise_ws(text: str | None) -> str | None:
    """Collapse runs of whitespace (arXiv titles/abstracts wrap lines) and strip."""
    if text is None:
        return None
    return re.sub(r"\s+", " ", text).strip()


# A UTF-8 multi-byte sequence that was decoded as latin-1: lead byte then continuation bytes.
_MOJIBAKE_RE = re.compile(
    "[\u00c2-\u00df][\u0080-\u00bf]|[\u00e0-\u00ef][\u0080-\u00bf]{2}|[\u00f0-\u00f4][\u0080-\u00bf]{3}"
)


def repair_mojibake(text: str | None) -> str | None:
    """Undo UTF-8 read as latin-1 (``RamÃ\\xadrez`` → ``Ramírez``), sequence by sequence.

    arXiv serves some names double-encoded (``Ram&#195;&#173;rez``). Repairing each
    lead+continuation run separately, and only when it decodes as UTF-8, leaves genuine
    latin-1 text (``Café``) and text mixing both alone.
    """
    if not text or not _MOJIBAKE_RE.search(text):
        return text

    def fix(match: re.Match[str]) -> str:
        try:
            return match.group(0).encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return match.group(0)

    return _MOJIBAKE_RE.sub(fix, text)


class _TextExtractor(HTMLParser):
    _SKIP = {"script", "style", "head", "template"}
    _BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BLOCK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def strip_html(html_text: str | None, limit: int = 1000) -> str | None:
    """Plain text of an HTML fragment, whitespace-collapsed, cut to about `limit` chars.

    Feed summaries and release notes are stored as plain text: the report escapes source
    text itself and must never render a source's markup.
    """
    if not html_text:
        return None
    parser = _TextExtractor()
    try:
        parser.feed(html_text)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # HTMLParser is lenient; this is a last resort for odd input
        text = re.sub(r"<[^>]+>", " ", html_text)
    text = normalise_ws(unescape(text)) or ""
    return truncate(text, limit) or None


def truncate(text: str | None, limit: int) -> str | None:
    """Cut `text` to at most `limit` characters at a word boundary, marking the cut with …."""
    if text is None or len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + "…"


def post_id(feed_url: str, entry_key: str) -> str:
    """``post:<sha1(feed_url + "\\n" + entry id or link)[:16]>`` (CONTRACTS natural id)."""
    digest = hashlib.sha1(f"{feed_url}\n{entry_key}".encode()).hexdigest()[:16]
    return f"post:{digest}"


def error_record(
    source: str,
    url: str,
    exc: BaseException | str,
    *,
    item_id: str | None = None,
    status: int | None = None,
    kind: str = "error",
) -> ErrorRecord:
    """One failure (or, with kind="warning", a non-fatal problem) as a record.

    Args:
        source: ``crates`` | ``github`` | ``arxiv`` | ``feeds``.
        url: the request that failed (never carries a token: tokens travel in headers).
        exc: the exception, or a message.
        item_id: the natural id concerned, when one is known.
        status: HTTP status; taken from a ConnectorError when not given.
        kind: ``"error"`` or ``"warning"``.
    """
    if isinstance(exc, BaseException):
        message = str(exc) or exc.__class__.__name__
        error = exc.__class__.__name__
        if status is None:
            status = getattr(exc, "status", None)
    else:
        message, error = exc, kind
    return {  # type: ignore[typeddict-item]
        "type": kind,
        "source": source,
        "url": url,
        "item_id": item_id,
        "status": status,
        "error": error,
        "message": message[:500],
        "source_url": url,
        "fetched_at": utcnow(),
    }


def str_list(values: Iterable[Any] | None) -> list[str] | None:
    """Strings of `values` (None stays None; an empty list stays empty)."""
    if values is None:
        return None
    if isinstance(values, str | bytes):  # one keyword, not a list of its characters
        values = [values]
    if not isinstance(values, list | tuple):
        return values  # type: ignore[return-value]  # the record check rejects it, naming it
    return [str(v) for v in values if v is not None and str(v) != ""]


def feed_from_bytes(content: bytes, url: str, headers: dict[str, str] | None) -> Any:
    """`feedparser.parse` on bytes with the response's content-type and location.

    Passing bytes (never a str, which feedparser may treat as a URL or path) plus
    `response_headers` is the form that works on feedparser 6.x and its next release.
    """
    import feedparser

    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    response_headers = {"content-location": url}
    if "content-type" in lowered:
        response_headers["content-type"] = lowered["content-type"]
    return feedparser.parse(content, response_headers=response_headers)


def bozo_message(parsed: Any) -> str:
    """A one-line description of feedparser's bozo exception."""
    exc = parsed.get("bozo_exception")
    if exc is None:
        return "feed is not well-formed"
    get_message = getattr(exc, "getMessage", None)
    text = get_message() if callable(get_message) else str(exc)
    line = getattr(exc, "getLineNumber", None)
    where = f" (line {line()})" if callable(line) else ""
    return f"{exc.__class__.__name__}: {text}{where}"


def require_feed(parsed: Any, url: str) -> str | None:
    """Apply the bozo rule: raise on bozo with no entries, else return a warning or None.

    Bozo with entries is a warning (entries kept). Bozo with no entries is a failure, unless
    feedparser recognised the feed and only complained about its content type or encoding.

    Raises:
        MalformedResponse: the document is not well-formed and yielded no entries.
    """
    if not parsed.get("bozo"):
        return None
    message = bozo_message(parsed)
    if not parsed.entries and not _harmless_bozo(parsed):
        raise MalformedResponse(f"unparseable feed: {message}", url=url)
    return message


def _harmless_bozo(parsed: Any) -> bool:
    # A recognised feed whose only fault is its declared type or encoding (e.g. a server
    # that sends no Content-Type) is a real, possibly empty, feed: not a failure.
    import feedparser

    benign = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    return bool(parsed.get("version")) and isinstance(parsed.get("bozo_exception"), benign)
