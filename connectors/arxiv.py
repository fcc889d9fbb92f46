"""arXiv connector: papers submitted in the run month matching each watchlist query.

Fetch and parse only (no DuckDB). `fetch_papers` yields ``paper`` records (docs/CONTRACTS.md);
a query that fails (HTTP error, an API error feed, an empty page that stays empty on retry)
yields an ``{"type": "error"}`` record (`connectors.parsing.error_record`) after the papers
already yielded, and the next query goes on. A `RateLimited` stops the generator.
The one-request-per-3-seconds rule is the client's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connectors.errors import ConnectorError, RateLimited
from connectors.http import PoliteClient
from connectors.parsing import (
    ITEM_ERRORS,
    RawRecord,
    error_record,
    feed_from_bytes,
    month_bounds,
    normalise_ws,
    parse_dt,
    repair_mojibake,
    require_feed,
)
from connectors.records import Record, boundary

API_URL = "https://export.arxiv.org/api/query"
SOURCE = "arxiv"
PAGE_SIZE = 100
MAX_PAGES = 50  # 5,000 papers per query and month is far beyond any sane query; stop there

_ID_RE = re.compile(r"arxiv\.org/abs/(?P<id>.+?)(?:v(?P<version>\d+))?$")


class ArxivApiError(ConnectorError):
    """arXiv answered with its error feed (an entry whose id is …/api/errors#…)."""


@dataclass
class ArxivPage:
    """One parsed page of results."""

    records: list[RawRecord] = field(default_factory=list)
    total: int = 0
    start: int = 0
    entries: int = 0


def build_search_query(query: str, month: str) -> str:
    """``({query}) AND submittedDate:[YYYYMMDD0000 TO YYYYMMDD2359]`` for the run month."""
    start, end = month_bounds(month)
    last = end - timedelta(days=1)
    return f"({query}) AND submittedDate:[{start:%Y%m%d}0000 TO {last:%Y%m%d}2359]"


def page_params(query: str, month: str, start: int, page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """Request parameters of one page (names as in CONTRACTS.md; the client sorts them)."""
    return {"search_query": build_search_query(query, month), "start": start,
            "max_results": page_size, "sortBy": "submittedDate", "sortOrder": "descending"}


def split_id(entry_id: str) -> tuple[str, int]:
    """``http://arxiv.org/abs/2403.16981v2`` → ``("2403.16981", 2)`` (old ids keep their slash).

    Raises:
        ValueError: not an arXiv abstract URL.
    """
    match = _ID_RE.search(entry_id or "")
    if not match:
        raise ValueError(f"not an arXiv entry id: {entry_id!r}")
    return match.group("id"), int(match.group("version") or 1)


def _unversioned(url: str | None) -> str | None:
    # Papers merge all versions, so their links point at the latest version.
    return re.sub(r"v\d+$", "", url) if url else None


def _paper(entry: Any, source_url: str, fetched_at: datetime, query: str | None) -> RawRecord:
    arxiv_id, version = split_id(entry.get("id", ""))
    links = entry.get("links") or []
    abs_url = next((ln["href"] for ln in links if ln.get("rel") == "alternate"), None)
    pdf_url = next((ln["href"] for ln in links if ln.get("title") == "pdf"), None)
    return {
        "type": "paper", "paper_id": f"paper:{arxiv_id}", "arxiv_id": arxiv_id,
        "latest_version": version,
        "title": repair_mojibake(normalise_ws(entry.get("title"))) or arxiv_id,
        "abstract": repair_mojibake(normalise_ws(entry.get("summary"))),
        "authors": [repair_mojibake(normalise_ws(a.get("name"))) for a in entry.get("authors", [])
                    if a.get("name")],
        "primary_category": (entry.get("arxiv_primary_category") or {}).get("term"),
        "categories": [t["term"] for t in entry.get("tags", []) if t.get("term")],
        "published_at": parse_dt(entry.get("published_parsed") or entry.get("published")),
        "updated_at": parse_dt(entry.get("updated_parsed") or entry.get("updated")),
        "abs_url": _unversioned(abs_url) or f"https://arxiv.org/abs/{arxiv_id}",
        "pdf_url": _unversioned(pdf_url) or f"https://arxiv.org/pdf/{arxiv_id}",
        "doi": entry.get("arxiv_doi"), "journal_ref": normalise_ws(entry.get("arxiv_journal_ref")),
        "comment": normalise_ws(entry.get("arxiv_comment")), "matched_query": query,
        "source": SOURCE, "source_url": source_url, "fetched_at": fetched_at,
    }


def parse_page(content: bytes, source_url: str, fetched_at: datetime, query: str | None = None,
               headers: dict[str, str] | None = None) -> ArxivPage:
    """Parse one Atom page of the export API.

    Versions of one paper collapse into one record with the highest version seen.

    Raises:
        ArxivApiError: the page is arXiv's error feed.
        MalformedResponse: the page is not a feed at all.
    """
    parsed = feed_from_bytes(content, source_url, headers)
    require_feed(parsed, source_url)
    for entry in parsed.entries:
        if "/api/errors" in entry.get("id", ""):
            raise ArxivApiError(f"arXiv API error: {normalise_ws(entry.get('summary'))}",
                                url=source_url, status=400)
    papers: dict[str, RawRecord] = {}
    for entry in parsed.entries:
        paper = _paper(entry, source_url, fetched_at, query)
        seen = papers.get(paper["paper_id"])
        if seen is None or paper["latest_version"] > seen["latest_version"]:
            papers[paper["paper_id"]] = paper
    feed = parsed.get("feed", {})
    return ArxivPage(records=list(papers.values()),
                     total=int(feed.get("opensearch_totalresults") or 0),
                     start=int(feed.get("opensearch_startindex") or 0),
                     entries=len(parsed.entries))


def _get_page(client: PoliteClient, api_url: str, params: dict[str, Any], query: str) -> ArxivPage:
    try:
        got = client.get(api_url, params=params, conditional=False)
    except ConnectorError as exc:
        if exc.status == 400:  # arXiv's answer to a query it cannot run (bad syntax, bad id)
            raise ArxivApiError(f"arXiv rejected the query {params['search_query']!r} "
                                f"(HTTP 400): {exc}", url=exc.url, status=400) from None
        raise
    return parse_page(got.xml(), got.url, got.fetched_at, query, got.headers)


def _query_error(query: str, url: str, exc: BaseException) -> RawRecord:
    record = error_record(SOURCE, url, exc)
    if query not in record["message"]:  # say which watchlist query lost its papers
        record["message"] = f"query {query!r}: {record['message']}"[:500]
    return record


def _unexpectedly_empty(page: ArxivPage, start: int) -> bool:
    # totalResults 0 is a legitimate answer on the first page only.
    return (start > 0 and page.total == 0) or (page.entries == 0 and start < page.total)


@boundary(SOURCE)
def fetch_papers(client: PoliteClient, month: str, queries: Iterable[str], *, api_url: str = API_URL,
                 page_size: int = PAGE_SIZE, max_pages: int = MAX_PAGES) -> Iterator[Record]:
    """Papers submitted in `month` for each query, newest first, paging by `start`.

    An empty page where results were expected (``totalResults`` 0 after the first page, or
    no entries while ``start < totalResults``) is a known arXiv hiccup: it is asked for once
    more, then reported as an error for that query.

    Args:
        client: a `connectors.http.PoliteClient`.
        month: the run month ``YYYY-MM``; only papers submitted in it are asked for.
        queries: arXiv search expressions, e.g. ``all:rust AND cat:cs.LG``.
        api_url: export API endpoint (tests point it at a loopback server).
        page_size: ``max_results`` per page.
        max_pages: safety cap per query.

    Yields:
        paper records; error records per failed query.
    """
    for query in queries:
        start, expected = 0, None
        for _ in range(max_pages):
            params = page_params(query, month, start, page_size)
            try:
                page = _get_page(client, api_url, params, query)
                if _unexpectedly_empty(page, start):
                    page = _get_page(client, api_url, params, query)  # one retry (arXiv flakiness)
                    if _unexpectedly_empty(page, start):
                        raise ConnectorError(
                            f"arXiv returned an empty page at start={start} for {query!r} "
                            f"although {expected or page.total} results were announced",
                            url=api_url)
            except RateLimited as exc:
                yield _query_error(query, api_url, exc)
                return
            except ITEM_ERRORS as exc:
                yield _query_error(query, getattr(exc, "url", "") or api_url, exc)
                break
            yield from page.records
            expected = page.total
            start += page_size
            if start >= page.total or page.entries == 0:
                break
