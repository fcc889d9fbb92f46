"""Feeds connector: real feeds (feedparser docs examples and ill-formed tests, RSParser blog
feeds), GitHub releases.atom, and conditional fetches against the loopback server."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from support.loopback import LoopbackServer

from connectors import feeds
from connectors.errors import MalformedResponse
from connectors.http import HttpSettings, PoliteClient
from connectors.ratelimit import VirtualClock

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2025, 11, 30, 6, 0, tzinfo=UTC)


BLOG = "https://blog.rust-lang.org/feed.xml"
RELEASES = "https://github.com/huggingface/candle/releases.atom"
WELL_FORMED = ["feedparser-docs-example-atom10.xml", "feedparser-docs-example-rss20.xml",
               "rsparser-manton_wordpress_rss20.rss", "rsparser-rubenerd_hugo_rss20.rss"]
BROKEN = ["feedparser-illformed-aaa_illformed.xml", "feedparser-illformed-rss_empty_document.xml",
          "feedparser-illformed-undeclared_namespace.xml",
          "feedparser-illformed-rss_incomplete_cdata.xml"]
XML = {"Content-Type": "application/xml; charset=utf-8"}


def client(validators: dict[str, tuple[str | None, str | None]] | None = None) -> PoliteClient:
    return PoliteClient(HttpSettings(max_retries=1, backoff_base_s=0.01), clock=VirtualClock(),
                        validators=validators)


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize("name", WELL_FORMED)
def test_parse_real_feeds_into_posts(name: str) -> None:
    content = read(name)
    result = feeds.parse_feed(content, BLOG, NOW, XML)
    expected = feedparser.parse(content)
    assert result.warning is None
    assert len(result.records) == len(expected.entries) > 0
    for post in result.records:
        assert post["type"] == "post" and post["feed_url"] == BLOG
        key = post["entry_id"] or post["link"]
        assert post["post_id"] == "post:" + hashlib.sha1(f"{BLOG}\n{key}".encode()).hexdigest()[:16]
        assert post["summary"] is None or ("<" not in post["summary"]
                                           and len(post["summary"]) <= 1000)
        assert post["published_at"] is None or post["published_at"].tzinfo is not None
    assert len({p["post_id"] for p in result.records}) == len(result.records)


def test_blog_post_fields() -> None:
    [post] = feeds.parse_feed(read("feedparser-docs-example-atom10.xml"), BLOG, NOW, XML).records
    assert post["title"] == "First entry title" and post["feed_title"] == "Sample Feed"
    assert post["author"] == "Mark Pilgrim"  # no e-mail address
    assert post["link"] == "http://example.org/entry/3"
    assert post["published_at"] == datetime(2005, 11, 9, 0, 23, 47, tzinfo=UTC)
    assert post["summary"] == "Watch out for nasty tricks"


def test_wordpress_feed_empty_titles_and_entities() -> None:
    posts = feeds.parse_feed(read("rsparser-manton_wordpress_rss20.rss"), BLOG, NOW, XML).records
    assert posts[0]["title"] is None and posts[0]["entry_id"] == "http://www.manton.org/?p=3071"
    assert posts[0]["summary"].startswith("This week’s Core Intuition is out")
    assert posts[0]["author"] == "manton"


def test_long_summaries_are_truncated() -> None:
    posts = feeds.parse_feed(read("rsparser-rubenerd_hugo_rss20.rss"), BLOG, NOW, XML).records
    assert max(len(p["summary"] or "") for p in posts) <= 1000


@pytest.mark.parametrize("name", BROKEN)
def test_broken_feeds_without_entries_fail(name: str) -> None:
    with pytest.raises(MalformedResponse, match="unparseable feed|not well-formed"):
        feeds.parse_feed(read(name), BLOG, NOW, XML)


def test_bozo_with_entries_is_a_warning() -> None:
    result = feeds.parse_feed(read("feedparser-illformed-rss_item_link_corrupted_ampersands.xml"),
                              BLOG, NOW, XML)
    assert result.warning and "SAXParseException" in result.warning
    [post] = result.records
    assert post["link"] == "http://link/get?a=1&b=2"


def test_releases_atom_gives_releases_not_posts() -> None:
    result = feeds.parse_feed(read("synthetic-github-releases.atom"), RELEASES, NOW,
                              {"Content-Type": "application/atom+xml; charset=utf-8"})
    assert {r["type"] for r in result.records} == {"release"}
    assert [r["release_id"] for r in result.records] == [
        "release:repo:huggingface/candle@0.9.2",
        "release:repo:huggingface/candle@candle-onnx/0.9.2-alpha.1",
        "release:repo:huggingface/candle@0.9.1"]
    first = result.records[0]
    assert first["item_id"] == "repo:huggingface/candle" and first["name"] == "v0.9.2"
    assert first["published_at"] == datetime(2025, 11, 20, 9, 15, 2, tzinfo=UTC)  # +01:00
    assert first["notes"] == "What's Changed Add flash-attn v3 kernels by @someone"


def test_releases_feed_url_detection() -> None:
    assert feeds.releases_feed_repo(RELEASES) == "huggingface/candle"
    assert feeds.releases_feed_repo("https://github.com/A/B/releases.atom") == "a/b"
    assert feeds.releases_feed_repo("https://github.com/a/b/tags.atom") is None
    assert feeds.releases_feed_repo(BLOG) is None
    assert feeds.releases_feed_repo("http://127.0.0.1:9/o/r/releases.atom",
                                    "http://127.0.0.1:9") == "o/r"


def test_fetch_feeds_conditional_and_failures(loopback: LoopbackServer) -> None:
    blog, rel, bad, warn = (loopback.url(p) for p in
                            ("/feed.xml", "/huggingface/candle/releases.atom", "/bad.xml",
                             "/warn.xml"))
    loopback.add("/feed.xml", body=read("feedparser-docs-example-atom10.xml"),
                 headers={"Content-Type": "application/atom+xml", "ETag": '"blog-1"',
                          "Last-Modified": "Wed, 26 Nov 2025 10:00:00 GMT"})
    loopback.add("/huggingface/candle/releases.atom", body=read("synthetic-github-releases.atom"),
                 headers={"Content-Type": "application/atom+xml; charset=utf-8"})
    loopback.add("/bad.xml", body=read("feedparser-illformed-aaa_illformed.xml"), headers=XML)
    loopback.add("/warn.xml",
                 body=read("feedparser-illformed-rss_item_link_corrupted_ampersands.xml"),
                 headers=XML)
    with client() as c:
        records = list(feeds.fetch_feeds(c, "2025-11", [blog, rel, bad, warn],
                                         github_base=loopback.base_url))
        validators = c.new_validators
    kinds = [r["type"] for r in records]
    assert kinds == ["post", "release", "release", "release", "error", "post", "warning"]
    assert records[4]["url"] == bad and records[4]["error"] == "MalformedResponse"
    assert records[1]["release_id"] == "release:repo:huggingface/candle@0.9.2"
    assert records[0]["source_url"] == blog and records[0]["feed_url"] == blog

    loopback.add("/feed.xml", status=304)
    with client(validators) as c:
        again = list(feeds.fetch_feeds(c, "2025-11", [blog]))
    assert [r["type"] for r in again] == ["unchanged"]
    last = loopback.received("/feed.xml")[-1]
    assert last.headers["if-none-match"] == '"blog-1"'
    assert last.headers["if-modified-since"] == "Wed, 26 Nov 2025 10:00:00 GMT"


def test_fetch_feeds_skips_a_rate_limited_host(loopback: LoopbackServer) -> None:
    loopback.add("/a.atom", status=429, headers={"Retry-After": "100000"})
    with client() as c:
        records = list(feeds.fetch_feeds(c, "2025-11", [loopback.url("/a.atom"),
                                                          loopback.url("/b.atom")]))
    assert [(r["type"], r["error"]) for r in records] == [("error", "RateLimited")] * 2
    assert len(loopback.requests) == 1


def test_fetch_feeds_html_page_is_an_error(loopback: LoopbackServer) -> None:
    loopback.add("/feed.xml", body="<!DOCTYPE html><html><body>Sign in</body></html>",
                 headers={"Content-Type": "text/html"})
    [error] = list(feeds.fetch_feeds(client(), "2025-11", [loopback.url("/feed.xml")]))
    assert error["type"] == "error" and error["error"] == "MalformedResponse"
