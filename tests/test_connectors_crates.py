"""crates.io connector: parsers on real recorded responses, fetches through a real PoliteClient
against the loopback server."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from support.loopback import LoopbackServer

from connectors import crates
from connectors.http import HttpSettings, PoliteClient
from connectors.ratelimit import VirtualClock

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2025, 11, 30, 6, 0, tzinfo=UTC)



def snap_payload(name: str) -> str:
    """Payload of an insta `.snap` file: everything after its 4-line header."""
    return (FIXTURES / name).read_text("utf-8").split("\n", 4)[4]


def snap_json(name: str) -> Any:
    return json.loads(snap_payload(name))


def client() -> PoliteClient:
    return PoliteClient(HttpSettings(max_retries=1, backoff_base_s=0.01), clock=VirtualClock())


def by_type(records: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in records if r["type"] == kind]


# -- parsers on real responses ---------------------------------------------------------------

def test_parse_crate_detail_full() -> None:
    records = crates.parse_crate_detail(snap_json("cratesio-snapshot_crate_show.snap"),
                                        "https://crates.io/api/v1/crates/foo_show", NOW, "2025-11")
    [item] = by_type(records, "item")
    assert item["item_id"] == "crate:foo_show" and item["kind"] == "crate"
    assert item["keywords"] == ["kw1"] and item["categories"] == []
    assert item["homepage"] == "http://example.com" and item["repository"] is None
    assert item["created_at"] is None  # "[datetime]" is redacted in the snapshot: tolerated
    obs = {o["metric"]: o["value"] for o in by_type(records, "observation")}
    assert obs == {"downloads_total": 20.0, "downloads_recent": 10.0, "versions": 3.0}
    assert all(o["observed_at"] == NOW and o["period"] == "2025-11"
               for o in by_type(records, "observation"))
    releases = by_type(records, "release")
    assert [r["release_id"] for r in releases] == [
        "release:crate:foo_show@0.5.1", "release:crate:foo_show@0.5.0", "release:crate:foo_show@1.0.0"]
    assert not by_type(records, "link")
    assert all(r["source_url"].endswith("/crates/foo_show") and r["fetched_at"] == NOW
               for r in records)


def test_parse_crate_detail_minimal_has_no_versions_or_recent() -> None:
    records = crates.parse_crate_detail(snap_json("cratesio-snapshot_crate_show_minimal.snap"),
                                        "u", NOW, "2025-11")
    assert [r["type"] for r in records] == ["item", "observation", "observation"]
    assert records[0]["keywords"] is None and records[0]["categories"] is None
    assert {r["metric"] for r in records[1:]} == {"downloads_total", "versions"}


def test_parse_crate_detail_links_github_repository() -> None:
    payload = snap_json("cratesio-snapshot_crate_show.snap")
    payload["crate"]["repository"] = "https://github.com/HuggingFace/Candle.git"
    payload["versions"][0]["license"] = "MIT OR Apache-2.0"
    payload["crate"]["default_version"] = "0.5.1"
    records = crates.parse_crate_detail(payload, "u", NOW, "2025-11")
    [link] = by_type(records, "link")
    assert (link["from_id"], link["to_id"], link["relation"]) == (
        "crate:foo_show", "repo:huggingface/candle", "repository")
    assert records[0]["license"] == "MIT OR Apache-2.0"


def test_parse_versions_list_and_prerelease() -> None:
    versions = snap_json("cratesio-snapshot_versions_list.snap")["versions"]
    releases = crates.parse_versions(versions, "foo_versions", "u", NOW)
    assert len(releases) == 3
    assert {r["item_id"] for r in releases} == {"crate:foo_versions"}
    pre = crates.parse_versions([{"num": "1.0.0-alpha.1+build.5", "yanked": True}], "x", "u", NOW)
    assert pre[0]["prerelease"] is True and pre[0]["yanked"] is True
    build = crates.parse_versions([{"num": "1.0.0+build-5"}], "x", "u", NOW)
    assert build[0]["prerelease"] is False


def test_parse_downloads_sums_versions_and_extra_per_day() -> None:
    payload = snap_json("cratesio-snapshot_crate_downloads.snap")
    # The snapshot redacts dates; undated rows are skipped rather than failing.
    assert crates.parse_downloads(payload, "foo", "u", NOW) == []
    payload["version_downloads"][0]["date"] = "2025-10-31"
    payload["version_downloads"][1]["date"] = "2025-11-01"
    payload["version_downloads"].append({"date": "2025-11-01", "downloads": 5, "version": 9})
    payload["meta"]["extra_downloads"] = [{"date": "2025-11-01", "downloads": 100}]
    records = crates.parse_downloads(payload, "Foo", "u", NOW)
    got = {(r["observed_at"], r["period"]): r["value"] for r in records}
    assert got == {(datetime(2025, 10, 31, tzinfo=UTC), "2025-10"): 1.0,
                   (datetime(2025, 11, 1, tzinfo=UTC), "2025-11"): 108.0}
    assert {r["item_id"] for r in records} == {"crate:foo"}
    assert {r["metric"] for r in records} == {"downloads_daily"}
    assert all(r["fetched_at"] == NOW for r in records)


def test_parse_rss_new_crates() -> None:
    content = snap_payload("cratesio-snapshot_rss_crates_feed.snap").encode()
    records = crates.parse_rss(content, crates.RSS_URL, NOW)
    assert [r["item_id"] for r in records] == ["crate:quux", "crate:baz", "crate:bar", "crate:foo"]
    assert {r["discovered_via"] for r in records} == {"crates:rss"}
    assert records[0]["created_at"] == datetime(2024, 6, 21, 17, 3, 45, tzinfo=UTC)
    assert records[3]["description"] == "something something foo"
    assert "<" not in (records[1]["description"] or "")


# -- fetches through the loopback server ----------------------------------------------------

def listing_crate(name: str, created: str) -> dict[str, Any]:
    crate = copy.deepcopy(snap_json("cratesio-snapshot_crate_show.snap")["crate"])
    crate.update(id=name, name=name, created_at=created, updated_at=created,
                 repository=f"https://github.com/example/{name}")
    return crate


def test_fetch_crates_reports_404_and_keeps_going(loopback: LoopbackServer) -> None:
    downloads = snap_json("cratesio-snapshot_crate_downloads.snap")
    for row in downloads["version_downloads"]:
        row["date"] = "2025-11-02"
    show = snap_payload("cratesio-snapshot_crate_show.snap")
    loopback.add("/api/v1/crates/foo_show", body=show, headers={"Content-Type": "application/json"})
    loopback.add("/api/v1/crates/foo_show/downloads", body=downloads)
    loopback.add("/api/v1/crates/missing", status=404,
                 body=(FIXTURES / "dependabot-not_found.json").read_bytes(),
                 headers={"Content-Type": "application/json"})
    loopback.add("/api/v1/crates/foo_show_minimal",
                 body=snap_payload("cratesio-snapshot_crate_show_minimal.snap"),
                 headers={"Content-Type": "application/json"})
    loopback.add("/api/v1/crates/foo_show_minimal/downloads", body={"version_downloads": [],
                                                                     "meta": {"extra_downloads": []}})
    with client() as c:
        records = list(crates.fetch_crates(c, "2025-11", ["foo_show", "missing", "foo_show_minimal"],
                                           base_url=loopback.url("/api/v1")))
    [error] = by_type(records, "error")
    assert error["status"] == 404 and error["item_id"] == "crate:missing"
    assert error["error"] == "NotFound" and error["source"] == "crates"
    assert {r["item_id"] for r in by_type(records, "item")} == {"crate:foo_show",
                                                                 "crate:foo_show_minimal"}
    [daily] = [r for r in by_type(records, "observation") if r["metric"] == "downloads_daily"]
    assert daily["value"] == 4.0
    # No downloads request for the crate that 404ed; exact paths as in CONTRACTS.md.
    assert [r.path for r in loopback.requests] == [
        "/api/v1/crates/foo_show", "/api/v1/crates/foo_show/downloads", "/api/v1/crates/missing",
        "/api/v1/crates/foo_show_minimal", "/api/v1/crates/foo_show_minimal/downloads"]
    assert loopback.requests[0].headers["user-agent"].startswith("panorama")


def test_fetch_crates_stops_when_rate_limited(loopback: LoopbackServer) -> None:
    loopback.add("/api/v1/crates/a", status=429, headers={"Retry-After": "100000"})
    with client() as c:
        records = list(crates.fetch_crates(c, "2025-11", ["a", "b"],
                                           base_url=loopback.url("/api/v1")))
    assert [(r["type"], r["error"]) for r in records] == [("error", "RateLimited")]
    assert [r.path for r in loopback.requests] == ["/api/v1/crates/a"]  # b never asked


def test_fetch_listings_follows_seek_and_stops_before_month(loopback: LoopbackServer) -> None:
    page1 = {"crates": [listing_crate("newest", "2025-11-28T10:00:00.123456Z"),
                        listing_crate("newer", "2025-11-20T10:00:00+00:00")],
             "meta": {"next_page": "?seek=abc123&per_page=100&sort=new", "prev_page": None,
                      "total": 9}}
    page2 = {"crates": [listing_crate("early-nov", "2025-11-01T00:00:01Z"),
                        listing_crate("october", "2025-10-31T23:59:59Z")],
             "meta": {"next_page": "?seek=def456&per_page=100&sort=new", "total": 9}}
    loopback.add("/api/v1/crates", body=page1)
    loopback.add("/api/v1/crates", body=page2)
    with client() as c:
        records = list(crates.fetch_listings(c, "2025-11", categories=["science::ml"],
                                             base_url=loopback.url("/api/v1")))
    items = by_type(records, "item")
    assert [i["name"] for i in items] == ["newest", "newer", "early-nov"]
    assert {i["discovered_via"] for i in items} == {"crates:category:science::ml"}
    assert {r["from_id"] for r in by_type(records, "link")} == {
        "crate:newest", "crate:newer", "crate:early-nov"}
    assert all(r["item_id"] != "crate:october" for r in by_type(records, "observation"))
    first, second = (r.query for r in loopback.requests)
    assert first == {"category": "science::ml", "per_page": "100", "sort": "new"}
    assert second == {"category": "science::ml", "per_page": "100", "sort": "new",
                      "seek": "abc123"}


def test_fetch_listings_keyword_error_does_not_stop_next(loopback: LoopbackServer) -> None:
    loopback.add("/api/v1/crates", status=500, times=2)
    loopback.add("/api/v1/crates", body={"crates": [listing_crate("k", "2025-11-03T00:00:00Z")],
                                         "meta": {"next_page": None}})
    with client() as c:
        records = list(crates.fetch_listings(c, "2025-11", keywords=["llm", "ml"],
                                             base_url=loopback.url("/api/v1")))
    assert [r["type"] for r in records][0] == "error"
    assert [i["name"] for i in by_type(records, "item")] == ["k"]
    assert [r.query.get("keyword") for r in loopback.requests] == ["llm", "llm", "ml"]


def test_fetch_rss_conditional_get(loopback: LoopbackServer) -> None:
    body = snap_payload("cratesio-snapshot_rss_crates_feed.snap")
    loopback.add("/rss/crates.xml", body=body,
                 headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})
    loopback.add("/rss/crates.xml", status=304, headers={"ETag": '"v1"'})
    url = loopback.url("/rss/crates.xml")
    with client() as c:
        first = list(crates.fetch_rss(c, "2025-11", url=url))
        second = list(crates.fetch_rss(c, "2025-11", url=url))
    assert len(by_type(first, "item")) == 4
    assert [r["type"] for r in second] == ["unchanged"]
    assert loopback.requests[1].headers.get("if-none-match") == '"v1"'


@pytest.mark.parametrize("month", ["2025-13", "25-11", ""])
def test_bad_month_is_rejected(month: str) -> None:
    with pytest.raises(ValueError):
        list(crates.fetch_listings(None, month, categories=["x"]))
