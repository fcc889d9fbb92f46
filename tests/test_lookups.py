"""Targeted lookups for dated claims: a release by tag and a paper by id, through a real
PoliteClient against the loopback server, stored by the regular loader, and then decisive in
the claims check; a replay that never recorded a lookup skips it."""

from __future__ import annotations

from pathlib import Path

from support.fixture_warehouse import build_fixture_warehouse
from support.loopback import LoopbackServer

from connectors.http import HttpSettings, PoliteClient, make_client
from connectors.lookups import fetch_lookups
from connectors.ratelimit import VirtualClock
from report.claims import NOT_COVERED, VERIFIED, evaluate
from report.config import load_lookups
from warehouse import db
from warehouse.load import save_records

ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
      xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title>arXiv Query: id_list=2401.00001</title>
  <opensearch:totalResults>1</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <entry>
    <id>http://arxiv.org/abs/2401.00001v1</id>
    <published>2024-01-03T10:00:00Z</published>
    <updated>2024-01-03T10:00:00Z</updated>
    <title>Thistle-like Vector Search in Rust</title>
    <summary>A test abstract.</summary>
    <author><name>A. Author</name></author>
    <link href="http://arxiv.org/abs/2401.00001v1" rel="alternate" type="text/html"/>
    <arxiv:primary_category term="cs.DB"/>
  </entry>
</feed>"""

RELEASE = {"tag_name": "v1.1.0", "name": "v1.1.0", "draft": False, "prerelease": False,
           "published_at": "2024-11-04T08:00:00Z", "html_url": "https://github.com/o/r/v1.1.0",
           "body": "## What's Changed\nFaster builds. More things."}


def _client() -> PoliteClient:
    return PoliteClient(HttpSettings(max_retries=1, backoff_base_s=0.01), clock=VirtualClock())


def test_lookups_fetch_store_and_decide_claims(loopback: LoopbackServer, tmp_path: Path) -> None:
    loopback.add("/repos/web-infra-dev/rsbuild/releases/tags/v1.1.0", body=RELEASE)
    loopback.add("/api/query", body=ATOM.encode(), headers={"Content-Type": "application/atom+xml"})
    loopback.add("/repos/gone/away/releases/tags/v9.9.9", status=404)
    specs = [{"kind": "release_tag", "repo": "web-infra-dev/rsbuild", "tag": "v1.1.0"},
             {"kind": "arxiv_id", "id": "2401.00001"},
             {"kind": "release_tag", "repo": "gone/away", "tag": "v9.9.9"}]
    with _client() as client:
        records = list(fetch_lookups(client, "2025-11", specs, github_api=loopback.base_url,
                                     arxiv_api=loopback.url("/api/query")))
    kinds = [r["type"] for r in records]
    assert kinds == ["release", "paper", "error"]  # a failed lookup does not stop the others
    assert records[0]["item_id"] == "repo:web-infra-dev/rsbuild"
    assert records[2]["source"] == "github"
    path = build_fixture_warehouse(tmp_path / "w.duckdb")
    check = {"kind": "release_exists", "item": "repo:web-infra-dev/rsbuild",
             "version": "^v?1\\.1\\.0$"}
    with db.connect(path=path) as con:
        assert evaluate(con, check).status == NOT_COVERED
        save_records(con, [r for r in records if r["type"] != "error"], "2025-11", "2025-11")
        got = evaluate(con, check)
        assert got.status == VERIFIED and "2024-11-04" in got.en
        paper = evaluate(con, {"kind": "paper_title", "pattern": "Thistle%", "month": "2024-01"})
        assert paper.status == VERIFIED


def test_a_replay_without_the_lookup_skips_it(tmp_path: Path) -> None:
    with make_client(replay_dir=tmp_path) as client:
        assert list(fetch_lookups(client, "2025-12", load_lookups())) == []


def test_claims_ask_for_the_lookups_the_issue_names() -> None:
    kinds = {(s["kind"], s.get("repo") or s.get("id") or s.get("title")) for s in load_lookups()}
    assert {("release_tag", "farm-fe/farm"), ("release_tag", "web-infra-dev/rsbuild"),
            ("release_tag", "vitejs/vite"), ("arxiv_title", "Thistle"),
            ("arxiv_id", "2508.04295")} <= kinds
