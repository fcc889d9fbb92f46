"""Which connector functions make up each source, and the glue that runs one of them.

Kept apart from the flow so the flow stays thin and the mapping is plain, testable Python.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors import SOURCES, arxiv, crates, feeds, github, lookups
from connectors.http import HttpSettings, PoliteClient, make_client
from connectors.recording import has_recorded
from connectors.records import Record, SkippedRecord
from connectors.watchlist import Watchlist, load_watchlist
from landscape.project_fetch import not_listed
from landscape.taxonomy import load_taxonomy
from report.config import load_lookups

__all__ = ["SOURCES", "FETCHERS", "FetchPlan", "SourceFetch", "run_fetcher"]


@dataclass
class SourceFetch:
    """What one source's fetch produced: records plus the evidence of how they were fetched."""

    source: str
    records: list[Record] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # per-item failures (source is partial)
    skipped: list[SkippedRecord] = field(default_factory=list)  # records the check rejected
    fatal: str | None = None  # the source stopped early (or never started)
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    new_validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def requests(self) -> int:
        return sum(int(s.get("requests", 0)) for s in self.stats.values())

    @property
    def not_modified(self) -> int:
        return sum(int(s.get("not_modified", 0)) for s in self.stats.values())

    @property
    def stopped_hosts(self) -> list[str]:
        """Why hosts were stopped for the run (rate limits), one line each."""
        return [f"{host}: {s['stopped']}" for host, s in self.stats.items() if s.get("stopped")]


@dataclass(frozen=True)
class FetchPlan:
    """How one source is fetched this run."""

    month: str
    light: bool = False            # watched items only (the weekly breakthrough check)
    replay_dir: str | None = None  # serving recorded responses
    # what the report shows beyond the watchlist (landscape.project_fetch.refetch_list):
    # crates.io names and GitHub owner/name, fetched like watched ones (not in a light run)
    refetch_crates: tuple[str, ...] = ()
    refetch_repos: tuple[str, ...] = ()


Fetcher = Callable[[PoliteClient, Watchlist, FetchPlan], Iterable[Record]]


def _answerable(plan: FetchPlan, names: list[str], url_of: Callable[[str], str]) -> list[str]:
    """The names a run can ask for: all of them live; on a replay, those whose GET was
    recorded. A replay answers only what was recorded: a shown item the recording never asked
    for is no failure of this month's source (it is carried forward, as before)."""
    if plan.replay_dir is None:
        return names
    return [n for n in names if has_recorded(Path(plan.replay_dir), "GET", url_of(n))]


def _crates(client: PoliteClient, wl: Watchlist, plan: FetchPlan) -> Iterator[Record]:
    yield from crates.fetch_crates(client, plan.month, wl.watched_crates())
    if plan.light:  # the weekly breakthrough check only looks at what is watched
        return
    shown = not_listed(plan.refetch_crates, wl.watched_crates())
    yield from crates.fetch_crates(client, plan.month,
                                   _answerable(plan, shown, lambda n: crates.crate_urls(n)[0]))
    yield from crates.fetch_listings(client, plan.month, categories=wl.crate_categories,
                                     keywords=wl.crate_keywords)
    yield from crates.fetch_rss(client, plan.month, url=wl.new_crates_rss)
    yield from _claim_lookups(client, plan, crates.SOURCE)


def _claim_lookups(client: PoliteClient, plan: FetchPlan, source: str) -> Iterator[Record]:
    """The targeted lookups of the seed's dated claims (config/claims.toml) that this source
    asks for: an old release by tag, a paper by id or title. Not in the weekly light check."""
    if plan.light:
        return
    specs = [s for s in load_lookups() if lookups.SOURCE_OF.get(s.get("kind")) == source]
    yield from lookups.fetch_lookups(client, plan.month, specs)


def _github(client: PoliteClient, wl: Watchlist, plan: FetchPlan) -> Iterator[Record]:
    if plan.replay_dir is None:
        yield from github.fetch_repos(client, plan.month, wl.watched_repos())
    else:
        # Replay takes exactly the path that was recorded, whatever token the environment
        # has: GraphQL when the recording holds GraphQL exchanges (the token is never sent:
        # replay answers from files), REST otherwise.
        graphql = has_recorded(Path(plan.replay_dir), "POST", f"{github.API_BASE}/graphql")
        yield from github.fetch_repos(client, plan.month, wl.watched_repos(),
                                      token="replay" if graphql else None,
                                      anonymous=not graphql)
    if not plan.light:
        # shown repositories beyond the watchlist: their own request(s), so the watched
        # batch (and its replay key) stays what it was; a replay answers them by REST only
        shown = not_listed(plan.refetch_repos, wl.watched_repos())
        yield from github.fetch_repos(client, plan.month,
                                      _answerable(plan, shown, github.repo_url),
                                      anonymous=plan.replay_dir is not None)
    yield from _claim_lookups(client, plan, github.SOURCE)


def _arxiv(client: PoliteClient, wl: Watchlist, plan: FetchPlan) -> Iterator[Record]:
    yield from arxiv.fetch_papers(client, plan.month, [q.query for q in wl.arxiv_queries])
    yield from _claim_lookups(client, plan, arxiv.SOURCE)


def _feeds(client: PoliteClient, wl: Watchlist, plan: FetchPlan) -> Iterator[Record]:
    urls = wl.release_feed_urls() if plan.light else wl.feed_urls()
    yield from feeds.fetch_feeds(client, plan.month, urls)


FETCHERS: dict[str, Fetcher] = {"crates": _crates, "github": _github, "arxiv": _arxiv,
                                "feeds": _feeds}
assert tuple(FETCHERS) == SOURCES, "every source needs a fetcher, in SOURCES order"


def run_fetcher(
    source: str,
    plan: FetchPlan,
    result: SourceFetch,
    validators: dict[str, tuple[str | None, str | None]],
    record_dir: str | None,
    watchlist_path: str | None,
) -> None:
    """Run one source's connector, appending to `result` as records arrive.

    Records are appended one by one so that an exception part-way keeps everything fetched
    before it; the client's evidence (exchanges, stats, new validators) is copied even then.
    """
    if source not in FETCHERS:
        raise ValueError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
    watchlist = load_watchlist(watchlist_path, categories=load_taxonomy().ids)
    settings = HttpSettings(user_agent=watchlist.user_agent) if watchlist.user_agent else None
    client = make_client(settings, replay_dir=plan.replay_dir, record_dir=record_dir,
                         validators=validators)
    try:
        for record in FETCHERS[source](client, watchlist, plan):
            if record["type"] == "skipped":
                result.skipped.append(record)
                continue
            if record["type"] == "error":
                result.errors.append(f"{record.get('url', '')}: {record.get('message', '')}")
            result.records.append(record)
    finally:
        result.exchanges = [dataclasses.asdict(e) for e in client.exchanges]
        result.stats = {host: dataclasses.asdict(s) for host, s in client.stats.items()}
        result.new_validators = dict(client.new_validators)
        client.close()
