"""GitHub connector: REST parsers on real octokit/dependabot recordings; REST and GraphQL
fetches through a real PoliteClient against the loopback server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from support.loopback import LoopbackServer

from connectors import github
from connectors.http import HttpSettings, PoliteClient
from connectors.ratelimit import VirtualClock

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2025, 11, 30, 6, 0, tzinfo=UTC)


TOKEN = "ghp_testtoken0123456789abcdef"


def nock(name: str) -> dict[str, Any]:
    """The single recorded exchange of an octokit/fixtures scenario file."""
    [exchange] = json.loads((FIXTURES / name).read_text("utf-8"))
    return exchange


def client() -> PoliteClient:
    return PoliteClient(HttpSettings(max_retries=1, backoff_base_s=0.01), clock=VirtualClock())


def by_type(records: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in records if r["type"] == kind]


@pytest.mark.parametrize("name", ["octokit-get-repository.raw-fixture.json",
                                  "octokit-get-repository.normalized-fixture.json"])
def test_parse_repo_real_responses(name: str) -> None:
    body = nock(name)["response"]
    records = github.parse_repo(body, "https://api.github.com/repos/octokit-fixture-org/hello-world",
                                NOW, "2025-11")
    [item] = by_type(records, "item")
    assert item["item_id"] == "repo:octokit-fixture-org/hello-world" and item["kind"] == "repo"
    assert item["keywords"] == body["topics"]
    assert item["archived"] is False and item["url"] == body["html_url"]
    assert item["updated_at"] is not None and item["created_at"] is not None
    obs = {o["metric"]: o["value"] for o in by_type(records, "observation")}
    assert obs == {"stars": body["stargazers_count"], "forks": body["forks_count"],
                   "open_issues": body["open_issues_count"],
                   "watchers": body["subscribers_count"]}
    assert all(o["observed_at"] == NOW and o["period"] == "2025-11"
               for o in by_type(records, "observation"))


def test_parse_repo_licence_and_no_subscribers() -> None:
    body = nock("octokit-get-repository.raw-fixture.json")["response"]
    body = {**body, "license": {"spdx_id": "Apache-2.0"}, "language": "Rust"}
    del body["subscribers_count"]
    records = github.parse_repo(body, "u", NOW, "2025-11")
    assert records[0]["license"] == "Apache-2.0" and records[0]["language"] == "Rust"
    assert "watchers" not in {o["metric"] for o in by_type(records, "observation")}


def test_parse_rest_releases_real_list() -> None:
    payload = json.loads((FIXTURES / "dependabot-releases_list_flurl.trimmed.json").read_text())
    records = github.parse_rest_releases(payload, "tmenier/Flurl", "u", NOW)
    assert [r["release_id"] for r in records] == [
        "release:repo:tmenier/flurl@Flurl.Http.2.4.0", "release:repo:tmenier/flurl@Flurl.2.8.0",
        "release:repo:tmenier/flurl@Flurl.Http.2.3.2", "release:repo:tmenier/flurl@Flurl.Http.1.1.0"]
    assert [r["prerelease"] for r in records] == [False, False, False, True]
    assert records[0]["published_at"] == datetime(2018, 8, 31, 18, 10, 45, tzinfo=UTC)
    assert records[0]["notes"].startswith("- Improved `ConnectionLeaseTimeout`")
    drafts = github.parse_rest_releases([{**payload[0], "draft": True}], "a/b", "u", NOW)
    assert drafts == []



def test_fetch_repos_rest_404_does_not_stop_others(loopback: LoopbackServer) -> None:
    exchange = nock("octokit-get-repository.raw-fixture.json")
    raw = exchange["rawHeaders"]
    headers = {k: v for k, v in zip(raw[::2], raw[1::2], strict=True)
               if k.lower() in {"content-type", "etag", "last-modified", "x-ratelimit-limit",
                                "x-ratelimit-remaining", "x-ratelimit-resource"}}
    loopback.add("/repos/octokit-fixture-org/hello-world", body=exchange["response"],
                 headers=headers)
    loopback.add("/repos/gone/away", status=404,
                 body={"message": "Not Found", "documentation_url": "https://docs.github.com"})
    loopback.add("/repos/Octokit-Fixture-Org/Other", body={**exchange["response"],
                                                           "full_name": "octokit-fixture-org/other"})
    with client() as c:
        records = list(github.fetch_repos(
            c, "2025-11", ["octokit-fixture-org/hello-world", "gone/away", "Octokit-Fixture-Org/Other"],
            anonymous=True, api_base=loopback.base_url))
    [error] = by_type(records, "error")
    assert error["item_id"] == "repo:gone/away" and error["status"] == 404
    assert [i["item_id"] for i in by_type(records, "item")] == [
        "repo:octokit-fixture-org/hello-world", "repo:octokit-fixture-org/other"]
    assert all(r.headers.get("accept") == "application/vnd.github+json" for r in loopback.requests)
    assert all("authorization" not in r.headers for r in loopback.requests)


def test_fetch_repos_rest_rate_limit_reports_the_rest_and_stops(loopback: LoopbackServer) -> None:
    loopback.add("/repos/a/one", status=403,
                 headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999999999"},
                 body={"message": "API rate limit exceeded"})
    with client() as c:
        records = list(github.fetch_repos(c, "2025-11", ["a/one", "a/two", "a/three"],
                                          anonymous=True, api_base=loopback.base_url))
    assert [(r["type"], r["item_id"], r["error"]) for r in records] == [
        ("error", "repo:a/one", "RateLimited"), ("error", "repo:a/two", "RateLimited"),
        ("error", "repo:a/three", "RateLimited")]
    assert len(loopback.requests) == 1


def graphql_node(full_name: str) -> dict[str, Any]:
    # Shape of the fragment in connectors.github (no public recording of an aliased
    # multi-repository GraphQL response exists; see tests/fixtures/ORIGINS.md).
    return {
        "nameWithOwner": full_name, "description": "ML framework", "url": f"https://github.com/{full_name}",
        "homepageUrl": "", "createdAt": "2023-06-19T12:00:00Z", "pushedAt": "2025-11-29T08:00:00Z",
        "isArchived": False, "stargazerCount": 17000, "forkCount": 1200,
        "watchers": {"totalCount": 150}, "issues": {"totalCount": 300},
        "pullRequests": {"totalCount": 45}, "primaryLanguage": {"name": "Rust"},
        "licenseInfo": {"spdxId": "Apache-2.0"},
        "repositoryTopics": {"nodes": [{"topic": {"name": "machine-learning"}}]},
        "releases": {"nodes": [
            {"tagName": "0.9.2", "name": "v0.9.2", "publishedAt": "2025-11-20T09:15:02Z",
             "isPrerelease": False, "isDraft": False, "url": f"https://github.com/{full_name}/releases/tag/0.9.2"},
            {"tagName": "1.0.0-rc1", "name": None, "publishedAt": None, "isPrerelease": True,
             "isDraft": True, "url": None}]},
    }


def test_fetch_repos_graphql_partial_results(loopback: LoopbackServer) -> None:
    loopback.add("/graphql", body={
        "data": {"rateLimit": {"cost": 1, "remaining": 4999, "resetAt": "2025-11-30T07:00:00Z"},
                 "r0": graphql_node("huggingface/candle"), "r1": None},
        "errors": [{"type": "NOT_FOUND", "path": ["r1"], "locations": [{"line": 4, "column": 3}],
                    "message": "Could not resolve to a Repository with the name 'gone/away'."}]},
        headers={"x-ratelimit-remaining": "4999", "x-ratelimit-resource": "graphql"})
    with client() as c:
        records = list(github.fetch_repos(c, "2025-11", ["huggingface/candle", "gone/away"],
                                          token=TOKEN, api_base=loopback.base_url))
    [request] = loopback.requests
    assert request.method == "POST" and request.path == "/graphql"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    query = request.json()["query"]
    assert 'r0: repository(owner: "huggingface", name: "candle")' in query
    assert 'r1: repository(owner: "gone", name: "away")' in query
    [item] = by_type(records, "item")
    assert item["item_id"] == "repo:huggingface/candle" and item["license"] == "Apache-2.0"
    assert item["keywords"] == ["machine-learning"] and item["homepage"] is None
    obs = {o["metric"]: o["value"] for o in by_type(records, "observation")}
    assert obs == {"stars": 17000, "forks": 1200, "open_issues": 345, "watchers": 150}
    [release] = by_type(records, "release")  # the draft is skipped
    assert release["release_id"] == "release:repo:huggingface/candle@0.9.2"
    [error] = by_type(records, "error")
    assert error["item_id"] == "repo:gone/away" and error["status"] == 404
    assert "Could not resolve" in error["message"]
    assert TOKEN not in json.dumps(records, default=str)


def test_fetch_repos_graphql_rate_limited_200(loopback: LoopbackServer) -> None:
    repos = [f"owner/repo{i}" for i in range(60)]  # two batches of ≤50
    loopback.add("/graphql", body={"data": None, "errors": [
        {"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1764486000"})
    with client() as c:
        records = list(github.fetch_repos(c, "2025-11", repos, token=TOKEN,
                                          api_base=loopback.base_url))
    assert len(loopback.requests) == 1  # the second batch is never sent
    assert len(records) == 60 and {r["error"] for r in records} == {"RateLimited"}


def test_fetch_repos_graphql_batches_of_fifty(loopback: LoopbackServer) -> None:
    repos = [f"owner/repo{i}" for i in range(120)]
    for start in (0, 50, 100):
        batch = repos[start:start + 50]
        loopback.add("/graphql", body={"data": {f"r{i}": graphql_node(r)
                                                for i, r in enumerate(batch)}})
    with client() as c:
        records = list(github.fetch_repos(c, "2025-11", repos, token=TOKEN,
                                          api_base=loopback.base_url))
    assert len(loopback.requests) == 3
    assert len(by_type(records, "item")) == 120 and not by_type(records, "error")
    query, _ = github.build_graphql_query(repos[:50])
    assert loopback.requests[0].json()["query"] == query  # deterministic (replay keys on body)


def test_token_resolution_from_environment(loopback: LoopbackServer,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    loopback.add("/graphql", body={"data": {"r0": graphql_node("a/b")}})
    with client() as c:
        records = list(github.fetch_repos(c, "2025-11", ["a/b"], api_base=loopback.base_url))
    assert loopback.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert by_type(records, "item")
