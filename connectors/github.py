"""GitHub connector: watched repositories (REST without a token, GraphQL batches with one).

Fetch and parse only (no DuckDB). `fetch_repos` yields the records of docs/CONTRACTS.md;
a repository that fails (404, a null GraphQL alias, a bad payload) yields an
``{"type": "error"}`` record (`connectors.parsing.error_record`) and the others go on.
Rate limiting (REST 403/429 after the client's retries, or GraphQL's "200 with errors and
x-ratelimit-remaining 0") stops the generator after one error record per repository not
fetched, because GitHub bans clients that keep going while limited. Without a token,
releases come from `releases.atom` (connectors.feeds), not from here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from connectors.errors import RateLimited
from connectors.fetched import Fetched
from connectors.http import PoliteClient
from connectors.parsing import ITEM_ERRORS, RawRecord, error_record, parse_dt, str_list, strip_html
from connectors.records import Record, boundary
from core import settings

API_BASE = "https://api.github.com"
SOURCE = "github"
BATCH_SIZE = 50  # aliases per GraphQL request (CONTRACTS: up to 50)
REST_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}

_FRAGMENT = """fragment R on Repository { nameWithOwner description url homepageUrl createdAt
  pushedAt isArchived stargazerCount forkCount watchers { totalCount }
  issues(states: OPEN) { totalCount } pullRequests(states: OPEN) { totalCount }
  primaryLanguage { name } licenseInfo { spdxId }
  repositoryTopics(first: 20) { nodes { topic { name } } }
  releases(first: 5, orderBy: {field: CREATED_AT, direction: DESC}) {
    nodes { tagName name publishedAt isPrerelease isDraft url } } }"""


def repo_url(repo: str, api_base: str = API_BASE) -> str:
    """REST URL of one ``owner/name`` repository."""
    return f"{api_base}/repos/{repo}"


def _repo_id(full_name: str) -> str:
    return f"repo:{full_name.lower()}"


def _base(url: str, fetched_at: datetime) -> RawRecord:
    return {"source": SOURCE, "source_url": url, "fetched_at": fetched_at}


def _records(f: dict[str, Any], url: str, fetched_at: datetime, period: str) -> list[RawRecord]:
    """Item + observations from the fields both APIs share, already mapped to our names."""
    item_id = _repo_id(f["full_name"])
    out: list[RawRecord] = [{
        "type": "item", "item_id": item_id, "kind": "repo", "name": f["full_name"],
        "title": f["full_name"], "description": f.get("description"), "url": f.get("url"),
        "homepage": f.get("homepage") or None, "repository": f.get("url"),
        "keywords": f.get("topics"), "categories": None, "language": f.get("language"),
        "license": f.get("license"), "created_at": parse_dt(f.get("created_at")),
        "updated_at": parse_dt(f.get("pushed_at")), "archived": f.get("archived"),
        "discovered_via": "watchlist", **_base(url, fetched_at),
    }]
    for metric in ("stars", "forks", "open_issues", "watchers"):
        if f.get(metric) is not None:
            out.append({"type": "observation", "item_id": item_id, "metric": metric,
                        "observed_at": fetched_at, "period": period, "value": f[metric],
                        **_base(url, fetched_at)})
    return out


def parse_repo(payload: dict[str, Any], source_url: str, fetched_at: datetime,
               period: str) -> list[RawRecord]:
    """Records of a REST `GET /repos/{owner}/{repo}` response.

    `watchers` is `subscribers_count` (people watching); REST's `watchers_count` is the
    star count under an old name and is ignored.
    """
    licence = payload.get("license") or {}
    # a fork names its parent (GET /repos/{o}/{r} only): a relation of projects, never a merge
    parent = payload.get("parent") if payload.get("fork") is True else None
    parent = parent.get("full_name") if isinstance(parent, dict) else None
    fork = [{"type": "link", "from_id": _repo_id(payload["full_name"]),
             "to_id": _repo_id(parent), "relation": "fork_of",
             **_base(source_url, fetched_at)}] if isinstance(parent, str) and parent else []
    return _records({
        "full_name": payload["full_name"], "description": payload.get("description"),
        "url": payload.get("html_url"), "homepage": payload.get("homepage"),
        "topics": str_list(payload.get("topics")), "language": payload.get("language"),
        "license": licence.get("spdx_id"), "created_at": payload.get("created_at"),
        "pushed_at": payload.get("pushed_at"), "archived": payload.get("archived"),
        "stars": payload.get("stargazers_count"), "forks": payload.get("forks_count"),
        "open_issues": payload.get("open_issues_count"),
        "watchers": payload.get("subscribers_count"),
    }, source_url, fetched_at, period) + fork


def _release(repo_id: str, tag: str, name: str | None, published: Any, prerelease: Any,
             url: str | None, notes: str | None, source_url: str, fetched_at: datetime) -> RawRecord:
    return {"type": "release", "release_id": f"release:{repo_id}@{tag}", "item_id": repo_id,
            "version": tag, "name": name or None, "published_at": parse_dt(published),
            "prerelease": prerelease, "yanked": None, "url": url, "notes": notes,
            **_base(source_url, fetched_at)}


def parse_rest_releases(payload: list[dict[str, Any]], full_name: str, source_url: str,
                        fetched_at: datetime) -> list[RawRecord]:
    """Release records from a REST `GET /repos/{o}/{r}/releases` page (drafts skipped); the
    claims lookups (`connectors.lookups`) read single releases by tag with it."""
    return [_release(_repo_id(full_name), r["tag_name"], r.get("name"),
                     r.get("published_at") or r.get("created_at"), bool(r.get("prerelease")),
                     r.get("html_url"), strip_html(r.get("body")), source_url, fetched_at)
            for r in payload if not r.get("draft")]


def build_graphql_query(repos: list[str]) -> tuple[str, dict[str, str]]:
    """The aliased query for up to `BATCH_SIZE` ``owner/name`` repos, and alias → repo.

    Deterministic for a given list (replay keys include the request body).
    """
    aliases = {f"r{i}": repo for i, repo in enumerate(repos)}
    fields = "\n".join(
        f"  {alias}: repository(owner: {json.dumps(repo.split('/')[0])}, "
        f"name: {json.dumps(repo.split('/')[1])}) {{ ...R }}"
        for alias, repo in aliases.items())
    return f"query {{\n  rateLimit {{ cost remaining resetAt }}\n{fields}\n}}\n{_FRAGMENT}", aliases


def parse_graphql(payload: dict[str, Any], aliases: dict[str, str], source_url: str,
                  fetched_at: datetime, period: str) -> tuple[list[RawRecord], list[RawRecord]]:
    """Records of a batch response, and one error record per alias that came back null."""
    data = payload.get("data") or {}
    messages: dict[str, tuple[str, str | None]] = {}
    for err in payload.get("errors") or []:
        path = err.get("path") or ["?"]
        messages[str(path[0])] = (err.get("message", "GraphQL error"), err.get("type"))
    records: list[RawRecord] = []
    errors: list[RawRecord] = []
    for alias, repo in aliases.items():
        node = data.get(alias)
        if not node:
            message, kind = messages.get(alias, ("no data for repository", None))
            errors.append(error_record(SOURCE, source_url, f"{repo}: {message}",
                                       item_id=_repo_id(repo),
                                       status=404 if kind == "NOT_FOUND" else None))
            continue
        full_name = node["nameWithOwner"]
        records.extend(_records({
            "full_name": full_name, "description": node.get("description"),
            "url": node.get("url"), "homepage": node.get("homepageUrl"),
            "topics": [n["topic"]["name"] for n in (node.get("repositoryTopics") or {})
                       .get("nodes", [])],
            "language": (node.get("primaryLanguage") or {}).get("name"),
            "license": (node.get("licenseInfo") or {}).get("spdxId"),
            "created_at": node.get("createdAt"), "pushed_at": node.get("pushedAt"),
            "archived": node.get("isArchived"), "stars": node.get("stargazerCount"),
            "forks": node.get("forkCount"),
            # REST's open_issues_count counts issues and pull requests; match it.
            "open_issues": (node.get("issues") or {}).get("totalCount", 0)
            + (node.get("pullRequests") or {}).get("totalCount", 0),
            "watchers": (node.get("watchers") or {}).get("totalCount"),
        }, source_url, fetched_at, period))
        for rel in (node.get("releases") or {}).get("nodes") or []:
            if not rel.get("isDraft"):
                records.append(_release(_repo_id(full_name), rel["tagName"], rel.get("name"),
                                        rel.get("publishedAt"), rel.get("isPrerelease"),
                                        rel.get("url"), None, source_url, fetched_at))
    return records, errors


def _graphql_rate_limited(got: Fetched, payload: dict[str, Any]) -> bool:
    remaining = {k.lower(): v for k, v in got.headers.items()}.get("x-ratelimit-remaining")
    types = {e.get("type") for e in payload.get("errors") or []}
    return bool(payload.get("errors")) and (remaining == "0" or "RATE_LIMITED" in types)


@boundary(SOURCE)
def fetch_repos(client: PoliteClient, month: str, repos: Iterable[str], *, token: str | None = None,
                anonymous: bool = False, api_base: str = API_BASE) -> Iterator[Record]:
    """Item, observation (stars, forks, open_issues, watchers) and, with a token, release
    records of each watched repository.

    Args:
        client: a `connectors.http.PoliteClient`.
        month: the run month ``YYYY-MM`` (period of the snapshot observations).
        repos: ``owner/name`` strings.
        token: explicit token; otherwise `connectors.http.resolve_github_token()` decides.
        anonymous: skip token resolution and use REST (tests, or to save GraphQL points).
        api_base: API root (tests point it at a loopback server).
    """
    wanted = list(dict.fromkeys(r.strip().removeprefix("repo:") for r in repos))
    secret = None if anonymous else resolve_github_token(token)
    if not secret:
        for i, repo in enumerate(wanted):
            url = repo_url(repo, api_base)
            try:
                got = client.get(url, headers=REST_HEADERS)
                if got.not_modified:
                    yield {"type": "unchanged", "url": url, **_base(url, got.fetched_at)}
                else:
                    yield from parse_repo(got.json(), got.url, got.fetched_at, month)
            except RateLimited as exc:
                for left in wanted[i:]:
                    yield error_record(SOURCE, repo_url(left, api_base), exc,
                                       item_id=_repo_id(left))
                return
            except ITEM_ERRORS as exc:
                yield error_record(SOURCE, url, exc, item_id=_repo_id(repo))
        return
    url = f"{api_base}/graphql"
    headers = {"Authorization": f"Bearer {secret}"}
    for start in range(0, len(wanted), BATCH_SIZE):
        batch = wanted[start:start + BATCH_SIZE]
        query, aliases = build_graphql_query(batch)
        try:
            got = client.post_json(url, {"query": query}, headers=headers)
            payload = got.json()
            if _graphql_rate_limited(got, payload) and not payload.get("data"):
                raise RateLimited("GraphQL rate limit exhausted", url=url, status=got.status)
            records, errors = parse_graphql(payload, aliases, got.url, got.fetched_at, month)
        except RateLimited as exc:
            for left in wanted[start:]:
                yield error_record(SOURCE, url, exc, item_id=_repo_id(left))
            return
        except ITEM_ERRORS as exc:
            for left in batch:
                yield error_record(SOURCE, url, exc, item_id=_repo_id(left))
            continue
        yield from records
        yield from errors
        if _graphql_rate_limited(got, payload):
            # Partial data came back but the budget is spent: report the rest, stop.
            for left in wanted[start + len(batch):]:
                yield error_record(SOURCE, url, "GraphQL rate limit exhausted",
                                   item_id=_repo_id(left))
            return


def resolve_github_token(explicit: str | None = None) -> str | None:
    """GitHub token: explicit arg > $GITHUB_TOKEN > Prefect Secret block "github-token" > None.

    The Prefect block is only looked up inside a flow/task run or when `PREFECT_API_URL` is
    set: elsewhere Prefect would start a throw-away ephemeral server (~20 s) just to look.

    Args:
        explicit: a token given directly (CLI flag, parameter).

    Returns:
        The token, or None for anonymous access (public data needs no token).
    """
    if explicit and explicit.strip():
        return explicit.strip()
    if env_token := settings.github_token():
        return env_token
    if not (settings.prefect_api_url() or _in_prefect_run()):
        return None
    try:
        from prefect.blocks.system import Secret  # lazy: importing prefect is slow

        value = Secret.load("github-token").get()
    except Exception:  # noqa: BLE001 - no server, no block: both mean "anonymous"
        return None
    token = str(value).strip() if value else ""
    return token or None


def _in_prefect_run() -> bool:
    context = sys.modules.get("prefect.context")
    if context is None:  # prefect not even imported: certainly not inside a run
        return False
    try:
        return bool(context.FlowRunContext.get() or context.TaskRunContext.get())
    except Exception:  # noqa: BLE001 - outside a run the context lookup may fail
        return False
