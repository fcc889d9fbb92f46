"""Targeted lookups for dated claims: a repository's release by tag, a crate's full record,
an arXiv paper by id or by title. Each is one request through the same polite client as the
monthly sources (conditional GETs, retries, recording), so the claims check can reach what
the monthly collection never asks for: an old release that `releases.atom` no longer holds,
a repository nobody watches, a paper from another year.

A lookup names what to ask for, nothing else (the claims it serves are the report's
business): `{"kind": "release_tag", "repo": "owner/name", "tag": "v1.0.0"}`,
`{"kind": "crate", "name": "ad_trait"}`, `{"kind": "arxiv_id", "id": "2508.04295"}`,
`{"kind": "arxiv_title", "title": "EvoC2Rust"}`. A lookup whose response is not in a replay
folder is skipped (a replay only answers what was recorded); any other failure yields an
error record and the next lookup goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from connectors import arxiv, crates, github
from connectors.errors import RateLimited, ReplayMissError
from connectors.http import PoliteClient
from connectors.parsing import ITEM_ERRORS, RawRecord, error_record
from connectors.records import Record, checked

# Which monthly source asks (its run-health row counts the requests and the failures).
SOURCE_OF = {"release_tag": github.SOURCE, "crate": crates.SOURCE, "arxiv_id": arxiv.SOURCE,
             "arxiv_title": arxiv.SOURCE}


def _release_tag(client: PoliteClient, month: str, spec: dict[str, Any], base: dict[str, str]
                 ) -> list[RawRecord]:
    url = f"{base['github']}/repos/{spec['repo']}/releases/tags/{quote(spec['tag'], safe='')}"
    got = client.get(url, headers=github.REST_HEADERS)
    return github.parse_rest_releases([got.json()], spec["repo"], url, got.fetched_at)


def _crate(client: PoliteClient, month: str, spec: dict[str, Any], base: dict[str, str]) -> list[RawRecord]:
    return list(crates.fetch_crates(client, month, [spec["name"]], base_url=base["crates"]))


def _arxiv(client: PoliteClient, month: str, spec: dict[str, Any], base: dict[str, str]) -> list[RawRecord]:
    if spec["kind"] == "arxiv_id":
        params = {"id_list": spec["id"], "max_results": 1}
    else:
        params = {"search_query": f'ti:"{spec["title"]}"', "max_results": 5}
    got = client.get(base["arxiv"], params=params)
    return arxiv.parse_page(got.xml(), got.url, got.fetched_at,
                            headers=got.headers).records


_HANDLERS = {"release_tag": _release_tag, "crate": _crate, "arxiv_id": _arxiv,
             "arxiv_title": _arxiv}


def fetch_lookups(client: PoliteClient, month: str, specs: Iterable[dict[str, Any]], *,
                  github_api: str = github.API_BASE, crates_api: str = crates.API_BASE,
                  arxiv_api: str = arxiv.API_URL) -> Iterator[Record]:
    """The records each lookup finds, in order; error records for the ones that failed.

    Args:
        client: a `connectors.http.PoliteClient`.
        month: the run month (crate records carry it as their period).
        specs: lookups as described in the module docstring.
        github_api, crates_api, arxiv_api: endpoints (tests point them at a loopback server).

    Yields:
        release, crate (item, observation, release) and paper records; error records.
    """
    base = {"github": github_api, "crates": crates_api, "arxiv": arxiv_api}
    for spec in specs:
        kind = spec.get("kind")
        if kind not in _HANDLERS:
            raise ValueError(f"unknown lookup kind: {kind!r}")
        try:
            records = _HANDLERS[kind](client, month, spec, base)
        except ReplayMissError:
            continue  # not recorded: a replay cannot answer it, and that is not a failure
        except RateLimited as exc:
            yield error_record(SOURCE_OF[kind], getattr(exc, "url", "") or "", exc)
            return
        except ITEM_ERRORS as exc:
            yield error_record(SOURCE_OF[kind], getattr(exc, "url", "") or "", exc)
            continue
        yield from checked(records, SOURCE_OF[kind])  # the record boundary, as every fetch_*
