"""Warehouses for entity-resolution tests, loaded from REAL recorded responses.

Each helper takes a recorded response of tests/fixtures (copied from ../shared/fixtures/real),
changes only the fields a test is about (a crate's name and `repository`, a repo's full name
and homepage, a paper's abstract, a feed entry's link, a release's notes), runs it through the
real connector parser and loads it with the real loader — the same path a monthly run takes.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from connectors import arxiv, crates, feeds, github
from connectors.watchlist import Watchlist, parse_watchlist
from warehouse.load import mark_watched, save_records

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NOW = datetime(2025, 11, 30, 6, 0, tzinfo=UTC)
MONTH = "2025-11"


def _snap_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text("utf-8").split("\n", 4)[4])


def crate_records(name: str, *, repository: str | None = None, homepage: str | None = None,
                  recent: int = 10, via: str = "crates:category:science::ml",
                  description: str | None = None) -> list[dict]:
    """`GET /crates/{name}` (crates.io's own recorded response) for another crate name."""
    payload = copy.deepcopy(_snap_json("cratesio-snapshot_crate_show.snap"))
    crate = payload["crate"]
    crate.update(id=name, name=name, repository=repository, homepage=homepage,
                 recent_downloads=recent)
    if description is not None:
        crate["description"] = description
    for v in payload["versions"]:
        v["crate"] = name
        v["created_at"] = "2025-11-0{}T10:00:00Z".format(1 + v["id"] % 8)
    url = f"https://crates.io/api/v1/crates/{name}"
    return crates.parse_crate_detail(payload, url, NOW, MONTH, discovered_via=via)


def repo_records(full_name: str, *, homepage: str | None = None, stars: int = 80,
                 description: str | None = None, fork_of: str | None = None) -> list[dict]:
    """`GET /repos/{owner}/{repo}` (octokit's recorded response) for another repository; with
    `fork_of`, a fork: `fork` true and `parent` the same recorded object re-homed (a fork's
    response carries its parent's full repository object)."""
    [exchange] = [e for e in json.loads(
        (FIXTURES / "octokit-get-repository.normalized-fixture.json").read_text("utf-8"))
        if e["path"].startswith("/repos/")]
    payload = copy.deepcopy(exchange["response"])
    if fork_of:
        parent = copy.deepcopy(exchange["response"])
        parent.update(full_name=fork_of, html_url=f"https://github.com/{fork_of}")
        payload.update(fork=True, parent=parent, source=parent)
    if description is not None:
        payload["description"] = description
    payload.update(full_name=full_name, html_url=f"https://github.com/{full_name}",
                   homepage=homepage, stargazers_count=stars)
    return github.parse_repo(payload, f"https://api.github.com/repos/{full_name}", NOW, MONTH)


def paper_records(abstract_addition: str) -> list[dict]:
    """arXiv's recorded answer for id 1605.08386, its abstract extended by a sentence."""
    raw = json.loads((FIXTURES / "arxivpy-id_1605.08386_s0_m100_199195aa31ad.json")
                     .read_text("utf-8"))
    body = raw["body"].replace("</summary>", f" {abstract_addition}</summary>", 1)
    page = arxiv.parse_page(body.encode("utf-8"), raw["url"], NOW, query="rust-ml")
    return list(page.records)


def feed_records(first_entry_link: str) -> list[dict]:
    """feedparser's Atom 1.0 example, its first entry linking elsewhere."""
    body = (FIXTURES / "feedparser-docs-example-atom10.xml").read_text("utf-8")
    body = body.replace('href="/entry/3"', f'href="{first_entry_link}"', 1)
    url = "http://www.example.org/atom10.xml"
    return feeds.parse_feed(body.encode("utf-8"), url, NOW).records


def release_records(full_name: str, notes_addition: str) -> list[dict]:
    """GitHub's recorded releases list (Flurl), re-homed and one body extended."""
    payload = json.loads((FIXTURES / "dependabot-releases_list_flurl.trimmed.json")
                         .read_text("utf-8"))[:2]
    payload = copy.deepcopy(payload)
    payload[0]["body"] = (payload[0].get("body") or "") + "\n" + notes_addition
    url = f"https://api.github.com/repos/{full_name}/releases"
    return github.parse_rest_releases(payload, full_name, url, NOW)


# Watchlist entries of the projects the recorded responses are re-homed to.
LLAMA = {"name": "llama.cpp bindings", "category": "frameworks",
         "crates": ["llama-cpp-2", "llama-cpp-sys-2"], "primary_crate": "llama-cpp-2",
         "repos": ["utilityai/llama-cpp-rs"], "primary_repo": "utilityai/llama-cpp-rs",
         "upstream": ["ggml-org/llama.cpp"]}
CANDLE = {"name": "candle", "category": "frameworks", "crates": ["candle-core"],
          "primary_crate": "candle-core", "repos": ["huggingface/candle"],
          "primary_repo": "huggingface/candle"}


def watchlist(entries: list[dict[str, Any]]) -> Watchlist:
    return parse_watchlist({
        "project": {"user_agent": "panorama-test (t@example.org)", "contact": "t@example.org"},
        "watch": entries})


def load(con: duckdb.DuckDBPyConnection, wl: Watchlist, *record_lists: list[dict]) -> None:
    """Save records as run MONTH and flag the watchlist's members, like the collect flow."""
    records = [r for rl in record_lists for r in rl]
    save_records(con, records, run_id=MONTH, month=MONTH)
    entries = [(f"crate:{c.lower()}", it.name, it.category) for it in wl.items
               for c in it.crates]
    entries += [(f"repo:{r.lower()}", it.name, it.category) for it in wl.items for r in it.repos]
    mark_watched(con, entries)
