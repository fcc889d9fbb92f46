"""Which connector functions make up each source, and the glue that runs one of them.

Kept apart from the flow so the flow stays thin and the mapping is plain, testable Python.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors import arxiv, crates, feeds, github, lookups
from connectors.http import HttpSettings, PoliteClient, make_client
from connectors.watchlist import Watchlist, load_watchlist
from report.config import load_lookups


@dataclass
class SourceFetch:
    """What one source's fetch produced: records plus the evidence of how they were fetched."""

    source: str
    records: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # per-item failures (source is partial)
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


SOURCES: tuple[str, ...] = ("crates", "github", "arxiv", "feeds")

Fetcher = Callable[[PoliteClient, Watchlist, str, bool], Iterable[dict[str, Any]]]


def _crates(client: PoliteClient, wl: Watchlist, month: str, light: bool) -> Iterator[dict]:
    yield from crates.fetch_crates(client, month, wl.watched_crates())
    if light:  # the weekly breakthrough check only looks at what is watched
        return
    yield from crates.fetch_listings(client, month, categories=wl.crate_categories,
                                     keywords=wl.crate_keywords)
    yield from crates.fetch_rss(client, month, url=wl.new_crates_rss)
    yield from _claim_lookups(client, month, crates.SOURCE, light)


def _claim_lookups(client: PoliteClient, month: str, source: str, light: bool) -> Iterator[dict]:
    """The targeted lookups of the seed's dated claims (config/claims.toml) that this source
    asks for: an old release by tag, a paper by id or title. Not in the weekly light check."""
    if light:
        return
    specs = [s for s in load_lookups() if lookups.SOURCE_OF.get(s.get("kind")) == source]
    yield from lookups.fetch_lookups(client, month, specs)


def _github(client: PoliteClient, wl: Watchlist, month: str, light: bool) -> Iterator[dict]:
    yield from github.fetch_repos(client, month, wl.watched_repos())
    yield from _claim_lookups(client, month, github.SOURCE, light)


def _arxiv(client: PoliteClient, wl: Watchlist, month: str, light: bool) -> Iterator[dict]:
    yield from arxiv.fetch_papers(client, month, [q.query for q in wl.arxiv_queries])
    yield from _claim_lookups(client, month, arxiv.SOURCE, light)


def _feeds(client: PoliteClient, wl: Watchlist, month: str, light: bool) -> Iterator[dict]:
    urls = wl.release_feed_urls() if light else wl.feed_urls()
    yield from feeds.fetch_feeds(client, month, urls)


FETCHERS: dict[str, Fetcher] = {"crates": _crates, "github": _github, "arxiv": _arxiv,
                                "feeds": _feeds}


def run_fetcher(
    source: str,
    month: str,
    result: SourceFetch,
    validators: dict[str, tuple[str | None, str | None]],
    replay_dir: str | None,
    record_dir: str | None,
    watchlist_path: str | None,
    light: bool = False,
) -> None:
    """Run one source's connector, appending to `result` as records arrive.

    Records are appended one by one so that an exception part-way keeps everything fetched
    before it; the client's evidence (exchanges, stats, new validators) is copied even then.
    """
    if source not in FETCHERS:
        raise ValueError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
    watchlist = load_watchlist(watchlist_path)
    settings = HttpSettings(user_agent=watchlist.user_agent) if watchlist.user_agent else None
    client = make_client(settings, replay_dir=replay_dir, record_dir=record_dir,
                         validators=validators)
    try:
        for record in FETCHERS[source](client, watchlist, month, light):
            if record.get("type") == "error":
                result.errors.append(f"{record.get('url', '')}: {record.get('message', '')}")
            result.records.append(record)
    finally:
        result.exchanges = [dataclasses.asdict(e) for e in client.exchanges]
        result.stats = {host: dataclasses.asdict(s) for host, s in client.stats.items()}
        result.new_validators = dict(client.new_validators)
        client.close()
