"""Requests of a monthly run against the minimum the politeness rules allow (issue 2, item 8).

    .venv/bin/python bench/bench_requests.py [--month 2025-12] [--snapshot demo/snapshot]

Runs every source's fetcher exactly as the `collect` flow does (`flows.sources.run_fetcher`
into a `flows.collect.SourceFetch`) on the replayed demo month; replay clients use a
VirtualClock, so nothing sleeps but every politeness wait is accounted in
`HostStats.waited_s`. Separately, and only from the watchlist and the recorded responses, it
works out what a perfectly informed polite collector must ask for (docs/CONTRACTS.md,
"Requests each source makes"):

- crates.io: 2 per watched crate (detail + downloads; 1 when the detail is a 404); per
  discovery category/keyword the listing pages up to the first one that shows a crate created
  before the month (or the last page): that page is where a newest-first listing tells the
  collector to stop;
- static.crates.io: 1 (new-crates RSS);
- api.github.com: 1 per watched repo anonymously (ceil(n/50) GraphQL posts with a token);
- export.arxiv.org: max(1, ceil(totalResults/100)) per query;
- feeds: 1 per configured feed and per watched repo's releases.atom.

Time: hosts are asked in parallel, so the least time politeness allows is
max over hosts of (n_min(host) - 1) x interval(host); the run's virtual time is the longest
source's sum of waits (a source's hosts are asked one after the other on one clock).

Prints a table per host and two ratios (requests, time); exits 1 when the request ratio is
over the goal (1.1), listing the requests beyond the minimum.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# Importing flows fixes Prefect's home inside the data folder: keep it out of the user's data.
os.environ.setdefault("PANORAMA_DATA_DIR", tempfile.mkdtemp(prefix="panorama-bench-requests-"))
os.environ.pop("GITHUB_TOKEN", None)  # the demo snapshot is recorded anonymously (REST)

GOAL = 1.1
CRATES_API = "https://crates.io/api/v1"
GRAPHQL_BATCH = 50
ARXIV_PAGE = 100
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


@dataclass
class Minimum:
    """What a perfectly informed polite collector needs: the URLs, by host, with why."""

    urls: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, url: str) -> None:
        self.urls.setdefault(urlsplit(url).netloc.lower(), []).append(url)

    def count(self, host: str) -> int:
        return len(self.urls.get(host, []))


def canonical(url: str, params: dict[str, str] | None = None) -> str:
    """The recorded form of a URL: query parameters merged and sorted."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(params or {})
    q = urlencode(sorted(query.items()))
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path}" + (f"?{q}" if q else "")


def load_recorded(folder: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Every recorded exchange of a month folder, by (method, URL)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for path in folder.glob("*/*.json"):
        rec = json.loads(path.read_text("utf-8"))
        out[(rec["request"]["method"].upper(), rec["request"]["url"])] = rec
    return out


def _body(rec: dict[str, Any]) -> str:
    return rec["response"]["body"]


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def month_start(month: str) -> datetime:
    year, mon = (int(x) for x in month.split("-"))
    return datetime(year, mon, 1, tzinfo=UTC)


def minimum_requests(month: str, recorded: dict[tuple[str, str], dict[str, Any]],
                     watchlist: Any, token: bool = False) -> Minimum:
    """The minimum request set, from the watchlist and the recorded responses only."""
    need = Minimum()
    get = lambda url: recorded.get(("GET", url))  # noqa: E731

    # crates.io: watched crates.
    for name in watchlist.watched_crates():
        detail = f"{CRATES_API}/crates/{name}"
        need.add(detail)
        rec = get(detail)
        if rec is not None and rec["response"]["status"] == 404:
            need.notes.append(f"crate {name}: detail is a 404, downloads not needed")
            continue
        need.add(f"{detail}/downloads")

    # crates.io: discovery listings, newest first, until a crate older than the month shows.
    start = month_start(month)
    queries = ([("category", c) for c in watchlist.crate_categories]
               + [("keyword", k) for k in watchlist.crate_keywords])
    for kind, value in queries:
        params = {kind: value, "per_page": "100", "sort": "new"}
        url = canonical(f"{CRATES_API}/crates", params)
        pages, seen = 0, set()
        while url and url not in seen:
            seen.add(url)
            need.add(url)
            pages += 1
            rec = get(url)
            if rec is None or rec["response"]["status"] != 200:
                break  # not recorded: the collector still had to ask once
            payload = json.loads(_body(rec))
            created = [_when(c.get("created_at")) for c in payload.get("crates") or []]
            next_page = (payload.get("meta") or {}).get("next_page")
            if not next_page or any(c is not None and c < start for c in created):
                break
            params = {**params, **dict(parse_qsl(next_page.lstrip("?")))}
            url = canonical(f"{CRATES_API}/crates", params)
        if pages > 1:
            need.notes.append(f"listing {kind}={value}: {pages} pages")

    need.add(watchlist.new_crates_rss)

    # GitHub.
    repos = watchlist.watched_repos()
    if token:
        for _ in range(math.ceil(len(repos) / GRAPHQL_BATCH)):
            need.add("https://api.github.com/graphql")
    else:
        for repo in repos:
            need.add(f"https://api.github.com/repos/{repo}")

    # arXiv: pages by totalResults of each query's first page.
    from connectors.arxiv import page_params as arxiv_params

    for q in watchlist.arxiv_queries:
        first = canonical("https://export.arxiv.org/api/query", arxiv_params(q.query, month, 0))
        rec = get(first)
        total = 0
        if rec is not None and rec["response"]["status"] == 200:
            node = ET.fromstring(_body(rec).encode("utf-8")).find(f"{OPENSEARCH}totalResults")
            total = int(node.text) if node is not None and node.text else 0
        pages = max(1, math.ceil(total / ARXIV_PAGE))
        for page in range(pages):
            need.add(canonical("https://export.arxiv.org/api/query",
                               arxiv_params(q.query, month, page * ARXIV_PAGE)))
        if pages > 1:
            need.notes.append(f"arXiv {q.name}: {total} results, {pages} pages")

    # Feeds.
    for url in watchlist.feed_urls():
        need.add(url)
    return need


@dataclass
class Actual:
    """What the fetchers did: per host requests and virtual waits, per source clock time."""

    requests: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    waited: dict[str, float] = field(default_factory=dict)
    source_time: dict[str, float] = field(default_factory=dict)
    urls: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    records: int = 0


def run_sources(month: str, replay: Path) -> Actual:
    """Each source's fetcher, as the collect flow runs it (replay: VirtualClock, no sleeping)."""
    from flows.collect import SourceFetch
    from flows.sources import SOURCES, FetchPlan, run_fetcher

    actual = Actual()
    for source in SOURCES:
        result = SourceFetch(source=source)
        try:
            run_fetcher(source, FetchPlan(month, replay_dir=str(replay)), result, {}, None, None)
        except Exception as exc:  # noqa: BLE001 - report it, count what was asked anyway
            result.fatal = f"{type(exc).__name__}: {exc}"
        if result.fatal:
            actual.problems.append(f"{source} stopped: {result.fatal}")
        actual.problems += [f"{source}: {e}" for e in result.errors]
        actual.records += len(result.records)
        for host, stats in result.stats.items():
            actual.requests[host] += int(stats["requests"])
            actual.retries[host] += int(stats["retries"])
            actual.waited[host] = actual.waited.get(host, 0.0) + float(stats["waited_s"])
        # A source's hosts share one client and one clock, one request at a time.
        actual.source_time[source] = sum(float(s["waited_s"]) for s in result.stats.values())
        for ex in result.exchanges:
            actual.urls.setdefault(urlsplit(ex["url"]).netloc.lower(), []).append(ex["url"])
    return actual


def intervals() -> dict[str, float]:
    from connectors.http import HttpSettings

    return dict(HttpSettings().min_interval_s)


def redundant(actual: Actual, need: Minimum) -> list[str]:
    """Requests beyond the minimum: repeated URLs and URLs the minimum does not contain."""
    lines: list[str] = []
    for host in sorted(set(actual.urls) | set(need.urls)):
        asked = Counter(actual.urls.get(host, []))
        wanted = Counter(need.urls.get(host, []))
        for url, n in sorted((asked - wanted).items()):
            why = "repeated" if url in wanted else "not needed"
            lines.append(f"  {host}: {n}x {why}: {url}")
        for url, n in sorted((wanted - asked).items()):
            lines.append(f"  {host}: {n}x missing (needed, not asked): {url}")
        if actual.retries.get(host):
            lines.append(f"  {host}: {actual.retries[host]} retries")
    return lines


def latest_month(snapshot: Path) -> str:
    months = sorted(p.name for p in snapshot.glob("20??-??") if p.is_dir())
    if not months:
        raise SystemExit(f"no demo months under {snapshot}; run scripts/make_demo_snapshot.py")
    return months[-1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snapshot", type=Path, default=ROOT / "demo" / "snapshot")
    ap.add_argument("--month", help="demo month YYYY-MM (default: the latest)")
    ap.add_argument("--watchlist", type=Path, default=None)
    ap.add_argument("--goal", type=float, default=GOAL, help="highest acceptable request ratio")
    args = ap.parse_args(argv)

    from connectors.watchlist import load_watchlist

    month = args.month or latest_month(args.snapshot)
    replay = args.snapshot / month
    watchlist = load_watchlist(args.watchlist)
    recorded = load_recorded(replay)
    token = any(m == "POST" and u.endswith("/graphql") for m, u in recorded)
    need = minimum_requests(month, recorded, watchlist, token=token)
    t0 = time.perf_counter()
    actual = run_sources(month, replay)
    elapsed = time.perf_counter() - t0
    gaps = intervals()

    print(f"bench_requests: monthly run of {month} replayed from {replay}")
    print(f"watchlist: {len(watchlist.watched_crates())} crates, "
          f"{len(watchlist.watched_repos())} repos, "
          f"{len(watchlist.crate_categories) + len(watchlist.crate_keywords)} listings, "
          f"{len(watchlist.arxiv_queries)} arXiv queries, {len(watchlist.feed_urls())} feeds; "
          f"GitHub {'GraphQL (token)' if token else 'REST (anonymous)'}")
    print(f"{actual.records} records in {elapsed:.1f}s wall time (virtual clock: no sleeping)\n")
    header = (f"{'host':<24}{'requests':>9}{'minimum':>9}{'ratio':>7}{'interval':>10}"
              f"{'waited(s)':>11}{'min time(s)':>13}")
    print(header)
    print("-" * len(header))
    hosts = sorted(set(actual.requests) | set(need.urls))
    min_time: dict[str, float] = {}
    for host in hosts:
        n, m = actual.requests.get(host, 0), need.count(host)
        gap = gaps.get(host, 0.0)
        min_time[host] = max(0, m - 1) * gap
        ratio = f"{n / m:.2f}" if m else "-"
        print(f"{host:<24}{n:>9}{m:>9}{ratio:>7}{gap:>9.0f}s{actual.waited.get(host, 0.0):>11.1f}"
              f"{min_time[host]:>13.1f}")
    total_n, total_m = sum(actual.requests.values()), sum(need.count(h) for h in hosts)
    print("-" * len(header))
    print(f"{'total':<24}{total_n:>9}{total_m:>9}{total_n / total_m:>7.2f}")

    run_time = max(actual.source_time.values(), default=0.0)
    least = max(min_time.values(), default=0.0)
    slowest = max(actual.source_time, key=actual.source_time.get) if actual.source_time else "-"
    req_ratio = total_n / total_m if total_m else float("inf")
    time_ratio = run_time / least if least else (1.0 if run_time == 0 else float("inf"))
    print(f"\nvirtual run time {run_time:.1f}s (slowest source: {slowest}); "
          f"least polite time {least:.1f}s")
    print(f"request ratio {req_ratio:.3f} (goal <= {args.goal}); time ratio {time_ratio:.3f}")
    for note in need.notes:
        print(f"note: {note}")
    for problem in actual.problems[:10]:
        print(f"problem: {problem}")
    extra = redundant(actual, need)
    if extra:
        print("requests beyond the minimum:")
        print("\n".join(extra[:50]))
    if req_ratio > args.goal:
        print(f"FAIL: request ratio {req_ratio:.3f} > {args.goal}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
