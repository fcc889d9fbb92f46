"""Property test: junk from a source never escapes it (issue 10, "Done when").

Every connector's fetch generator is fed generated responses — JSON values of the wrong type,
missing keys, huge strings, control characters, invalid dates, broken feeds, random bytes —
through a stub client at the HTTP boundary. Whatever comes in, the generator yields records
(each one coerced to its declared shape), a clear per-record error, or a `skipped` record with
its reason; it never raises. Every record it yields then loads into a real DuckDB warehouse.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from connectors import arxiv, crates, feeds, github
from connectors.fetched import Fetched
from connectors.records import DATA_TYPES, check_record

NOW = datetime(2025, 12, 1, 6, 0, tzinfo=UTC)
MONTH = "2025-11"
KNOWN_TYPES = {*DATA_TYPES, "error", "warning", "unchanged", "skipped"}

_DATES = st.sampled_from(["2025-11-03T10:00:00Z", "2025-13-45", "not a date", "", "0001-01-01",
                          "9999-12-31T23:59:59Z", "2025-11-03", "[datetime]", "1e309"])
_SCALAR = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=40)
           | st.text(alphabet=st.characters(max_codepoint=0x1f), max_size=20)  # control chars
           | st.just("x" * 200_000) | _DATES)
JSON = st.recursive(_SCALAR, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


def _obj(keys: list[str], *, real: dict[str, Any] | None = None) -> st.SearchStrategy:
    """An object with any subset of `keys`, each a plausible or junk value."""
    fields = {k: (st.sampled_from([real[k]]) | JSON) if real and k in real else JSON
              for k in keys}
    return st.fixed_dictionaries({}, optional=fields)


CRATE = _obj(["name", "description", "homepage", "repository", "keywords", "categories",
              "created_at", "updated_at", "downloads", "recent_downloads", "num_versions",
              "default_version", "max_version"],
             real={"name": "good-crate", "created_at": "2025-11-03T10:00:00Z",
                   "downloads": 10, "homepage": "https://x.org"})
VERSION = _obj(["num", "created_at", "yanked", "license"], real={"num": "1.0.0"})
CRATE_DETAIL = st.fixed_dictionaries({}, optional={
    "crate": CRATE | JSON, "versions": st.lists(VERSION | JSON, max_size=3) | JSON,
    "categories": st.lists(_obj(["slug", "id"]), max_size=2) | JSON,
    "keywords": st.lists(_obj(["keyword"]), max_size=2) | JSON})
DOWNLOADS = st.fixed_dictionaries({}, optional={
    "version_downloads": st.lists(_obj(["date", "downloads"],
                                       real={"date": "2025-11-02", "downloads": 3}),
                                  max_size=3) | JSON,
    "meta": st.fixed_dictionaries({}, optional={"extra_downloads": JSON}) | JSON})
LISTING = st.fixed_dictionaries({}, optional={
    "crates": st.lists(CRATE | JSON, max_size=3) | JSON,
    "meta": st.fixed_dictionaries({}, optional={"next_page": JSON}) | JSON})
REPO = _obj(["full_name", "description", "html_url", "homepage", "topics", "language",
             "license", "created_at", "pushed_at", "archived", "stargazers_count",
             "forks_count", "open_issues_count", "subscribers_count"],
            real={"full_name": "owner/repo", "stargazers_count": 5})
GRAPHQL = st.fixed_dictionaries({}, optional={
    "data": st.fixed_dictionaries({}, optional={"r0": _obj(
        ["nameWithOwner", "description", "url", "stargazerCount", "createdAt", "isArchived",
         "repositoryTopics", "releases", "issues", "pullRequests", "watchers"],
        real={"nameWithOwner": "owner/repo"}) | JSON}) | JSON,
    "errors": JSON})

_TEXT = st.text(max_size=30) | st.text(alphabet=st.characters(max_codepoint=0x1f), max_size=10)
ATOM_ENTRY = st.builds(
    lambda i, t, d, link, s: (f"<entry>{'<id>' + i + '</id>' if i is not None else ''}"
                              f"<title>{t}</title><updated>{d}</updated>"
                              f"{'<link href=' + json.dumps(link) + '/>' if link else ''}"
                              f"<summary>{s}</summary></entry>"),
    st.none() | st.sampled_from(["http://arxiv.org/abs/2511.00001v2", "tag:github.com,2008:"
                                 "Repository/1/v1.0.0", "urn:x", ""]) | _TEXT,
    _TEXT, _DATES, st.none() | st.sampled_from(["https://x.org/p", "javascript:alert(1)"]),
    _TEXT | st.just("<p>" + "y" * 50_000 + "</p>"))
FEED = (st.lists(ATOM_ENTRY, max_size=3).map(
    lambda es: ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
                "<title>t</title>" + "".join(es) + "</feed>").encode("utf-8", "replace"))
        | st.binary(max_size=200)
        | st.just(b'<rss version="2.0"><channel><item><title>no guid, no link</title>'
                  b"</item></channel></rss>"))


class StubClient:
    """Answers every request with one generated body (the HTTP boundary)."""

    def __init__(self, content: bytes, ctype: str) -> None:
        self.content, self.ctype = content, ctype

    def get(self, url: str, **_: Any) -> Fetched:
        return Fetched(url=url, status=200, headers={"content-type": self.ctype},
                       content=self.content, fetched_at=NOW)

    def post_json(self, url: str, payload: Any, **_: Any) -> Fetched:
        return self.get(url)


def _json(payload: Any) -> StubClient:
    return StubClient(json.dumps(payload).encode("utf-8"), "application/json")


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    from warehouse import db

    with db.connect(path=Path(tmp_path_factory.mktemp("prop")) / "w.duckdb") as connection:
        yield connection


def _assert_contained(records: list[Any], con: duckdb.DuckDBPyConnection) -> None:
    from warehouse.load import save_records, save_skipped

    for record in records:
        assert record["type"] in KNOWN_TYPES, record
        if record["type"] in DATA_TYPES:
            assert check_record(record) == record  # already in its declared shape
        elif record["type"] in ("error", "warning", "skipped"):
            assert (record.get("message") or record.get("error")), record
    data = [r for r in records if r["type"] in DATA_TYPES]
    save_records(con, data, run_id="prop", month=MONTH)
    save_skipped(con, "prop", "test", [r for r in records if r["type"] == "skipped"])


PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


@PROPERTY
@given(detail=CRATE_DETAIL | JSON, downloads=DOWNLOADS | JSON)
def test_crates_detail_and_downloads(con, detail: Any, downloads: Any) -> None:
    records = list(crates.fetch_crates(_json(detail), MONTH, ["good-crate"]))
    records += list(crates.fetch_crates(_json(downloads), MONTH, ["good-crate"]))
    _assert_contained(records, con)


@PROPERTY
@given(listing=LISTING | JSON, rss=FEED)
@example(listing={"crates": [], "meta": {"next_page": 1}}, rss=b"")  # found by this test
def test_crates_listing_and_rss(con, listing: Any, rss: bytes) -> None:
    records = list(crates.fetch_listings(_json(listing), MONTH, categories=["science"],
                                         max_pages=2))
    records += list(crates.fetch_rss(StubClient(rss, "application/rss+xml"), MONTH))
    _assert_contained(records, con)


@PROPERTY
@given(repo=REPO | JSON, graphql=GRAPHQL | JSON)
def test_github_rest_and_graphql(con, repo: Any, graphql: Any) -> None:
    records = list(github.fetch_repos(_json(repo), MONTH, ["owner/repo"], anonymous=True))
    records += list(github.fetch_repos(_json(graphql), MONTH, ["owner/repo"], token="t"))
    _assert_contained(records, con)


@PROPERTY
@given(page=FEED)
def test_arxiv_pages(con, page: bytes) -> None:
    records = list(arxiv.fetch_papers(StubClient(page, "application/atom+xml"), MONTH,
                                      ["all:rust"], max_pages=2))
    _assert_contained(records, con)


@PROPERTY
@given(feed=FEED)
def test_feeds_and_release_feeds(con, feed: bytes) -> None:
    client = StubClient(feed, "application/atom+xml")
    records = list(feeds.fetch_feeds(client, MONTH, ["https://blog.example.org/feed.xml",
                                                     "https://github.com/o/r/releases.atom"]))
    _assert_contained(records, con)
