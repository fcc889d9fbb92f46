"""Refetch what is shown: a discovered crate a person accepted in month M is fetched in M+1.

The real monthly flow (collect + project resolution) under a temporary Prefect server, real
DuckDB, and a real HTTP server on 127.0.0.1 (tests/support/loopback.py) answering with
crates.io's recorded responses (tests/fixtures/cratesio-snapshot_*, see ORIGINS.md); the
flow's client reaches it through `Reroute`, so the records keep crates.io's URLs.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from support.loopback import LoopbackServer, Reply, Reroute

FIXTURES = Path(__file__).parent / "fixtures"
API = "/crates.io/api/v1"
M, NEXT = "2025-10", "2025-11"

WATCHLIST = """
[project]
name = "panorama-test"
user_agent = "panorama/0.1 (+https://example.org/panorama-test; test@example.org)"
contact = "test@example.org"

[github]
release_feeds = false

[[watch]]
name = "alpha"
category = "frameworks"
crates = ["alpha"]

[discovery.crates]
categories = ["science"]
"""


def _snap(name: str) -> Any:
    """Payload of an insta `.snap` file (everything after its 4-line header), as JSON."""
    return json.loads((FIXTURES / name).read_text("utf-8").split("\n", 4)[4])


def _crate(name: str, created: str | None = None) -> dict[str, Any]:
    """crates.io's recorded `GET /crates/{name}` answer, renamed to `name`."""
    show = copy.deepcopy(_snap("cratesio-snapshot_crate_show.snap"))
    show["crate"].update(id=name, name=name, repository=f"https://github.com/example/{name}")
    if created:
        show["crate"].update(created_at=created, updated_at=created)
    return show


def _script(server: LoopbackServer) -> None:
    downloads = _snap("cratesio-snapshot_crate_downloads.snap")
    json_type = {"Content-Type": "application/json"}
    for name in ("alpha", "beta", "gamma", "delta"):
        server.always(f"{API}/crates/{name}", Reply(200, json_type, _crate(name)))
        server.always(f"{API}/crates/{name}/downloads", Reply(200, json_type, downloads))
    # the discovery listing: three crates created in M (and none since)
    listing = {"crates": [_crate(n, f"{M}-2{i}T10:00:00Z")["crate"]
                          for i, n in enumerate(("beta", "gamma", "delta"))],
               "meta": {"next_page": None, "total": 3}}
    server.always(f"{API}/crates", Reply(200, json_type, listing))


def _asked(server: LoopbackServer, since: int) -> set[str]:
    return {r.path.removeprefix(API) for r in server.requests[since:]}


def test_a_crate_accepted_in_month_m_is_fetched_in_month_m_plus_1(
        prefect_harness, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors import http
    from connectors.watchlist import load_watchlist
    from flows import sources
    from flows.monthly import monthly
    from landscape.project_review import decide_link
    from landscape.review import record_decision
    from warehouse import db

    wl_path = tmp_path / "watchlist.toml"
    wl_path.write_text(WATCHLIST, "utf-8")
    with LoopbackServer() as server:
        _script(server)

        def client(settings: Any = None, **kw: Any) -> http.PoliteClient:
            polite = http.HttpSettings(user_agent=settings.user_agent, min_interval_s={},
                                       max_retries=0)
            return http.make_client(polite, transport=Reroute(server), **kw)

        monkeypatch.setattr(sources, "make_client", client)
        monthly(month=M, sources=["crates"], watchlist_path=str(wl_path), classify=False,
                report=False)
        first = _asked(server, 0)
        assert {"/crates/alpha", "/crates/alpha/downloads", "/crates"} <= first
        assert not first & {"/crates/beta", "/crates/gamma", "/crates/delta"}  # listed only

        # a person puts beta in a category and accepts gamma as a member of alpha; delta is
        # left to the machine (not shown in the report's tables)
        with db.connect() as con:
            record_decision(con, "crate:beta", "reassign", "Mei", category="frameworks")
            decide_link(con, "crate:gamma", "alpha", "accept", reviewer="Mei",
                        watchlist=load_watchlist(wl_path))

        seen = len(server.requests)
        monthly(month=NEXT, sources=["crates"], watchlist_path=str(wl_path), classify=False,
                report=False)
        second = _asked(server, seen)

    assert {"/crates/beta", "/crates/beta/downloads", "/crates/gamma",
            "/crates/gamma/downloads", "/crates/alpha"} <= second
    assert "/crates/delta" not in second
    assert sum(p == "/crates/alpha" for p in second) == 1  # the watched crate once, not twice
    with db.connect(read_only=True) as con:
        fresh = dict(con.execute(
            "SELECT item_id, any_value(source_url) FROM observations "
            "WHERE period = ? AND metric = 'downloads_recent' GROUP BY item_id", [NEXT]
        ).fetchall())
    assert set(fresh) == {"crate:alpha", "crate:beta", "crate:gamma"}
    assert fresh["crate:beta"] == "https://crates.io/api/v1/crates/beta"  # crates.io's URL


def test_shown_repositories_beyond_the_watchlist_are_fetched_once(
        data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors import http
    from flows import sources
    from flows.sources import FetchPlan, SourceFetch, run_fetcher

    wl_path = tmp_path / "watchlist.toml"
    wl_path.write_text(WATCHLIST.replace('crates = ["alpha"]',
                                         'crates = ["alpha"]\nrepos = ["example/alpha"]'),
                       "utf-8")
    repo = json.loads((FIXTURES / "octokit-get-repository.normalized-fixture.json")
                      .read_text("utf-8"))[0]["response"]
    with LoopbackServer() as server:
        for name in ("example/alpha", "Example/Gamma"):
            server.always(f"/api.github.com/repos/{name}",
                          Reply(200, {"Content-Type": "application/json"},
                                {**repo, "full_name": name}))
        monkeypatch.setattr(sources, "make_client", lambda settings=None, **kw: http.make_client(
            http.HttpSettings(min_interval_s={}, max_retries=0), transport=Reroute(server),
            **kw))
        monkeypatch.delenv("GITHUB_TOKEN", raising=False)
        result = SourceFetch(source="github")
        plan = FetchPlan(NEXT, refetch_repos=("EXAMPLE/alpha", "Example/Gamma"))
        run_fetcher("github", plan, result, {}, None, str(wl_path))
        light = SourceFetch(source="github")
        run_fetcher("github", FetchPlan(NEXT, light=True, refetch_repos=plan.refetch_repos),
                    light, {}, None, str(wl_path))
    items = [r["item_id"] for r in result.records if r["type"] == "item"]
    assert items == ["repo:example/alpha", "repo:example/gamma"]  # the watched one once
    assert [r["item_id"] for r in light.records if r["type"] == "item"] == [
        "repo:example/alpha"]  # the weekly check looks at the watchlist only
