"""Feeds connector: blog/newsletter feeds → posts, GitHub `releases.atom` → releases.

Fetch and parse only (no DuckDB). The PoliteClient fetches (conditional GET; a 304 yields
an ``{"type": "unchanged"}`` record), feedparser only parses bytes. A feed that fails
(HTTP error, or not well-formed with no entries) yields an ``{"type": "error"}`` record and
the next feed goes on (after a `RateLimited`, the other feeds of that host are skipped
with an error record each); a feed that is not well-formed but still has entries keeps them and
yields one ``{"type": "warning"}`` record (`connectors.parsing.error_record`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from connectors.errors import MalformedResponse, RateLimited
from connectors.http import PoliteClient
from connectors.parsing import (
    ITEM_ERRORS,
    RawRecord,
    error_record,
    feed_from_bytes,
    month_bounds,
    parse_dt,
    post_id,
    require_feed,
    strip_html,
)
from connectors.records import Record, boundary

SOURCE = "feeds"
SUMMARY_LIMIT = 1000
GITHUB_WEB = "https://github.com"  # where releases.atom feeds live (tests override it)
# entry id: tag:github.com,2008:Repository/{numeric id}/{tag}; tags may contain '/'
_RELEASE_ID_RE = re.compile(r"^tag:github\.com,2008:Repository/\d+/(?P<tag>.+)$")


@dataclass
class FeedResult:
    """Records parsed from one feed, plus feedparser's complaint when it was not well-formed."""

    records: list[RawRecord] = field(default_factory=list)
    warning: str | None = None
    title: str | None = None


def releases_feed_repo(url: str, github_base: str = GITHUB_WEB) -> str | None:
    """``owner/name`` (lower-case) when `url` is ``{github_base}/{o}/{r}/releases.atom``."""
    base = re.escape(github_base.rstrip("/")).replace("https", "https?", 1)
    match = re.match(rf"^{base}/([^/]+)/([^/]+)/releases\.atom$", url.strip(), re.IGNORECASE)
    return f"{match.group(1)}/{match.group(2)}".lower() if match else None


def release_tag(entry: Any) -> str | None:
    """The release tag: from the entry id, else from the ``…/releases/tag/{tag}`` link."""
    match = _RELEASE_ID_RE.match(entry.get("id") or "")
    if match:
        return match.group("tag")
    link = entry.get("link") or ""
    return unquote(link.split("/releases/tag/", 1)[1]) if "/releases/tag/" in link else None


def _html_of(entry: Any) -> str | None:
    # Prefer the summary; fall back to the full content (Atom feeds often carry only content).
    if entry.get("summary"):
        return entry["summary"]
    contents = entry.get("content") or []
    return contents[0].get("value") if contents else None


def _derived_key(entry: Any) -> str | None:
    """A stable key for an entry with neither guid nor link (valid RSS: an item needs only a
    title or a description): its title, date and text, so the same item keeps its id."""
    parts = [str(entry.get(k) or "") for k in ("title", "published", "updated", "summary")]
    return "derived:" + "\n".join(parts) if any(parts) else None


def _when(entry: Any) -> datetime | None:
    return parse_dt(entry.get("published_parsed") or entry.get("updated_parsed"))


def parse_feed(content: bytes, feed_url: str, fetched_at: datetime,
               headers: dict[str, str] | None = None, source_url: str | None = None,
               github_base: str = GITHUB_WEB) -> FeedResult:
    """Parse a fetched feed into post records, or release records for ``releases.atom``.

    Args:
        content: the response body (bytes, never a str: feedparser may open str as a URL).
        feed_url: the configured feed URL (part of every post id, so ids stay stable even
            if the server redirects).
        fetched_at: when the body was fetched.
        headers: response headers (content-type helps feedparser pick the encoding).
        source_url: the URL actually fetched, when it differs from `feed_url`.
        github_base: GitHub web root, to recognise ``releases.atom`` feeds.

    Raises:
        MalformedResponse: the feed is not well-formed and has no usable entries.
    """
    src = source_url or feed_url
    parsed = feed_from_bytes(content, src, headers)
    warning = require_feed(parsed, src)
    feed_title = parsed.get("feed", {}).get("title") or None
    base = {"source": SOURCE, "source_url": src, "fetched_at": fetched_at}
    repo = releases_feed_repo(feed_url, github_base)
    records: list[RawRecord] = []
    for entry in parsed.entries:
        if repo:
            tag = release_tag(entry)
            if not tag:
                continue  # no stable key: nothing to upsert on
            records.append({
                "type": "release", "release_id": f"release:repo:{repo}@{tag}",
                "item_id": f"repo:{repo}", "version": tag, "name": entry.get("title") or None,
                "published_at": _when(entry), "prerelease": None, "yanked": None,
                "url": entry.get("link"), "notes": strip_html(_html_of(entry), SUMMARY_LIMIT),
                **base,
            })
            continue
        key = entry.get("id") or entry.get("link") or _derived_key(entry)
        if not key:
            continue  # nothing at all to tell this entry apart: not a post
        records.append({
            "type": "post", "post_id": post_id(feed_url, key), "feed_url": feed_url,
            "feed_title": feed_title, "entry_id": entry.get("id"),
            "title": strip_html(entry.get("title"), 500), "link": entry.get("link"),
            # author_detail.name drops the e-mail address feedparser appends to `author`
            "author": (entry.get("author_detail") or {}).get("name") or entry.get("author") or None, "published_at": _when(entry),
            "summary": strip_html(_html_of(entry), SUMMARY_LIMIT), **base,
        })
    if warning and not records:
        # Not well-formed and nothing usable came out of it: that is a failed feed.
        found = (f"none of its {len(parsed.entries)} entries usable" if parsed.entries
                 else "no entries")
        raise MalformedResponse(f"feed not well-formed ({warning}) and {found}", url=src)
    return FeedResult(records=records, warning=warning, title=feed_title)


@boundary(SOURCE)
def fetch_feeds(client: PoliteClient, month: str, feed_urls: Iterable[str], *,
                github_base: str = GITHUB_WEB) -> Iterator[Record]:
    """Fetch and parse each feed (conditional GET).

    Args:
        client: a `connectors.http.PoliteClient`.
        month: the run month ``YYYY-MM`` (feeds are not filtered by it: a post or release
            is kept whenever it is first seen; reports select by `published_at`).
        feed_urls: blog/newsletter feeds and ``https://github.com/{o}/{r}/releases.atom``.
        github_base: GitHub web root (tests point it at a loopback server).

    Yields:
        post or release records; ``unchanged`` for a 304; ``warning``/``error`` records.
    """
    month_bounds(month)
    limited: dict[str, BaseException] = {}  # host -> the RateLimited that stopped it
    for url in dict.fromkeys(feed_urls):
        host = urlsplit(url).netloc.lower()
        if host in limited:
            # Keep off a host that is rate limiting us; other hosts' feeds still go ahead.
            yield error_record(SOURCE, url, limited[host])
            continue
        try:
            got = client.get(url, conditional=True)
            if got.not_modified:
                yield {"type": "unchanged", "url": url, "source": SOURCE, "source_url": url,
                       "fetched_at": got.fetched_at}
                continue
            result = parse_feed(got.xml(), url, got.fetched_at, got.headers, got.url,
                                github_base)
        except RateLimited as exc:
            limited[host] = exc
            yield error_record(SOURCE, url, exc)
            continue
        except ITEM_ERRORS as exc:
            yield error_record(SOURCE, url, exc)
            continue
        yield from result.records
        if result.warning:
            yield error_record(SOURCE, url, result.warning, kind="warning")
