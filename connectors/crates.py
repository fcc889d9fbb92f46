"""crates.io connector: watched crates, discovery listings and the new-crates RSS feed.

Fetch and parse only (no DuckDB). Every `fetch_*` generator yields the parsed records of
docs/CONTRACTS.md; a failure for one crate, listing or feed yields an ``{"type": "error"}``
record (`connectors.parsing.error_record`) and the loop goes on, except that a
`RateLimited` stops the generator (continuing while limited risks a ban) after reporting it.
Politeness (1 req/s, UA, retries) lives in the client. `parse_*` functions are pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote

from connectors.errors import MalformedResponse, RateLimited
from connectors.http import PoliteClient
from connectors.parsing import (
    ITEM_ERRORS,
    RawRecord,
    day_start,
    error_record,
    feed_from_bytes,
    github_repo_id,
    month_bounds,
    parse_dt,
    period_of,
    require_feed,
    str_list,
    strip_html,
)
from connectors.records import Record, boundary

API_BASE = "https://crates.io/api/v1"
RSS_URL = "https://static.crates.io/rss/crates.xml"
SOURCE = "crates"
MAX_LISTING_PAGES = 50  # a runaway seek chain must not turn into thousands of requests


def crate_urls(name: str, base_url: str = API_BASE) -> tuple[str, str]:
    """Detail (default include=full) and 90-day downloads URL of one crate."""
    quoted = quote(name, safe="")
    return f"{base_url}/crates/{quoted}", f"{base_url}/crates/{quoted}/downloads"


def listing_params(kind: str, value: str) -> dict[str, Any]:
    """First page of a discovery listing; `kind` is "category" or "keyword"."""
    if kind not in ("category", "keyword"):
        raise ValueError(f"listing kind must be 'category' or 'keyword', not {kind!r}")
    return {kind: value, "per_page": 100, "sort": "new"}


def _base(url: str, fetched_at: datetime) -> RawRecord:
    return {"source": SOURCE, "source_url": url, "fetched_at": fetched_at}


def _obs(item_id: str, metric: str, value: Any, at: datetime, period: str, url: str,
         fetched_at: datetime) -> RawRecord:
    # The value goes through as sent: the record check coerces it or rejects this record.
    return {"type": "observation", "item_id": item_id, "metric": metric, "observed_at": at,
            "period": period, "value": value, **_base(url, fetched_at)}


def _crate_records(crate: dict[str, Any], source_url: str, fetched_at: datetime, period: str,
                   discovered_via: str, *, license_: str | None = None,
                   categories: list[str] | None = None) -> list[RawRecord]:
    """Item + snapshot observations + repository link of one crate object."""
    name = crate["name"]
    item_id = f"crate:{name.lower()}"
    repository = crate.get("repository")
    records: list[RawRecord] = [{
        "type": "item", "item_id": item_id, "kind": "crate", "name": name, "title": name,
        "description": crate.get("description"), "url": f"https://crates.io/crates/{name}",
        "homepage": crate.get("homepage"), "repository": repository,
        "keywords": str_list(crate.get("keywords")),
        "categories": categories if categories is not None else str_list(crate.get("categories")),
        "language": "Rust", "license": license_,
        "created_at": parse_dt(crate.get("created_at")),
        "updated_at": parse_dt(crate.get("updated_at")),
        "archived": None, "discovered_via": discovered_via, **_base(source_url, fetched_at),
    }]
    for metric, key in (("downloads_total", "downloads"), ("downloads_recent", "recent_downloads"),
                        ("versions", "num_versions")):
        if crate.get(key) is not None:  # recent_downloads is null in minimal responses
            records.append(_obs(item_id, metric, crate[key], fetched_at, period, source_url,
                                fetched_at))
    if repo_id := github_repo_id(repository):
        records.append({"type": "link", "from_id": item_id, "to_id": repo_id,
                        "relation": "repository", "source": "crates.io repository field",
                        **_base(source_url, fetched_at)})
    return records


def parse_versions(versions: Iterable[dict[str, Any]], crate_name: str, source_url: str,
                   fetched_at: datetime) -> list[RawRecord]:
    """Release records (`release:crate:<name>@<num>`) from crates.io Version objects."""
    name = crate_name.lower()
    return [{
        "type": "release", "release_id": f"release:crate:{name}@{v['num']}",
        "item_id": f"crate:{name}", "version": v["num"], "name": None,
        "published_at": parse_dt(v.get("created_at")),
        "prerelease": "-" in v["num"].split("+")[0],  # semver: a '-' before build metadata
        "yanked": bool(v.get("yanked")), "url": f"https://crates.io/crates/{crate_name}/{v['num']}",
        "notes": None, **_base(source_url, fetched_at),
    } for v in versions]


def parse_crate_detail(payload: dict[str, Any], source_url: str, fetched_at: datetime,
                       period: str, discovered_via: str = "watchlist") -> list[RawRecord]:
    """Records of a `GET /crates/{name}` response (full or minimal include).

    Returns:
        The crate item, downloads_total/downloads_recent/versions observations, one release
        per listed version and a crate→repo link when `repository` is on github.com.
    """
    crate = payload["crate"]
    versions = payload.get("versions") or []
    # The licence lives on versions; take the default (else newest listed) version's.
    default = crate.get("default_version") or crate.get("max_version")
    chosen = next((v for v in versions if v.get("num") == default), versions[0] if versions else {})
    categories = ([c.get("slug") or c.get("id") for c in payload["categories"]]
                  if payload.get("categories") is not None else None)
    records = _crate_records(crate, source_url, fetched_at, period, discovered_via,
                             license_=chosen.get("license"), categories=categories)
    if not crate.get("keywords") and payload.get("keywords"):
        records[0]["keywords"] = [k["keyword"] for k in payload["keywords"]]
    return records + parse_versions(versions, crate["name"], source_url, fetched_at)


def parse_downloads(payload: dict[str, Any], crate_name: str, source_url: str,
                    fetched_at: datetime) -> list[RawRecord]:
    """`downloads_daily` observations from `GET /crates/{name}/downloads`.

    The daily total is the sum of the per-version rows (latest 5 versions) and
    `meta.extra_downloads` (all other versions) for that date; each day is observed at
    00:00 UTC and counts towards its own month. Undated rows are skipped.
    """
    # A day whose figure is not a number keeps the bad value, so the record check rejects that
    # one day's observation (with its reason) and every other day still lands.
    totals: dict[str, Any] = {}
    extra = (payload.get("meta") or {}).get("extra_downloads") or []
    for row in [*(payload.get("version_downloads") or []), *extra]:
        date = row.get("date") if isinstance(row, dict) else None
        if not isinstance(date, str):
            continue
        value, seen = row.get("downloads") or 0, totals.get(date, 0.0)
        number = _as_number(value)
        totals[date] = (value if number is None else seen + number
                        if isinstance(seen, float) else seen)
    item_id = f"crate:{crate_name.lower()}"
    records = []
    for date in sorted(totals):
        if (day := day_start(date)) is not None:
            records.append(_obs(item_id, "downloads_daily", totals[date], day, period_of(day),
                                source_url, fetched_at))
    return records


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parse_listing(payload: dict[str, Any], source_url: str, fetched_at: datetime, period: str,
                  discovered_via: str) -> tuple[list[RawRecord], list[datetime | None], str | None]:
    """Records of one `GET /crates?...` page, each crate's created_at, and `meta.next_page`."""
    records: list[RawRecord] = []
    created: list[datetime | None] = []
    for crate in payload.get("crates") or []:
        records.extend(_crate_records(crate, source_url, fetched_at, period, discovered_via))
        created.append(parse_dt(crate.get("created_at")))
    next_page = (payload.get("meta") or {}).get("next_page")
    if next_page is not None and not isinstance(next_page, str):
        raise MalformedResponse(f"meta.next_page is a {type(next_page).__name__}, not a query "
                                f"string, in {source_url}", url=source_url)
    return records, created, next_page


def parse_rss(content: bytes, source_url: str, fetched_at: datetime,
              headers: dict[str, str] | None = None) -> list[RawRecord]:
    """Item records (discovered_via ``crates:rss``) from the new-crates RSS feed."""
    parsed = feed_from_bytes(content, source_url, headers)
    require_feed(parsed, source_url)
    records = []
    for entry in parsed.entries:
        name = entry.get("crates_name") or entry.get("link", "").rstrip("/").rsplit("/", 1)[-1]
        if not name:
            continue
        records.append({
            "type": "item", "item_id": f"crate:{name.lower()}", "kind": "crate", "name": name,
            "title": name, "description": strip_html(entry.get("summary")),
            "url": entry.get("link") or f"https://crates.io/crates/{name}",
            "homepage": None, "repository": None, "keywords": None, "categories": None,
            "language": "Rust", "license": None,
            "created_at": parse_dt(entry.get("published_parsed")), "updated_at": None,
            "archived": None, "discovered_via": "crates:rss", **_base(source_url, fetched_at),
        })
    return records


@boundary(SOURCE)
def fetch_crates(client: PoliteClient, month: str, names: Iterable[str], *,
                 base_url: str = API_BASE) -> Iterator[Record]:
    """Detail and 90-day daily downloads of each watched crate.

    Args:
        client: a `connectors.http.PoliteClient`.
        month: the run month ``YYYY-MM`` (period of the snapshot observations).
        names: crate names as on crates.io.
        base_url: API root (tests point it at a loopback server).

    Yields:
        item, observation, release and link records; error records per failed request.
    """
    month_bounds(month)
    for name in names:
        for url, parse in zip(crate_urls(name, base_url), ("detail", "dl"), strict=True):
            try:
                got = client.get(url)
                if got.not_modified:
                    yield {"type": "unchanged", "url": url, **_base(url, got.fetched_at)}
                    continue
                payload = got.json()
                yield from (parse_crate_detail(payload, got.url, got.fetched_at, month)
                            if parse == "detail"
                            else parse_downloads(payload, name, got.url, got.fetched_at))
            except RateLimited as exc:
                yield error_record(SOURCE, url, exc, item_id=f"crate:{name.lower()}")
                return
            except ITEM_ERRORS as exc:
                yield error_record(SOURCE, url, exc, item_id=f"crate:{name.lower()}")
                if parse == "detail":
                    break  # no point asking for downloads of a crate that failed


@boundary(SOURCE)
def fetch_listings(client: PoliteClient, month: str, *, categories: Iterable[str] = (),
                   keywords: Iterable[str] = (), base_url: str = API_BASE,
                   max_pages: int = MAX_LISTING_PAGES) -> Iterator[RawRecord]:
    """Crates created in the run month, per category slug and keyword (newest first).

    Follows `meta.next_page` (seek pagination) and stops at the first crate created before
    the month start (stop_when), so a month costs a few pages. Crates created after the
    month are skipped: they belong to the next run.
    """
    start, end = month_bounds(month)
    queries = [("category", c) for c in categories] + [("keyword", k) for k in keywords]
    for field, value in queries:
        via = f"crates:{field}:{value}"
        params = listing_params(field, value)
        url = f"{base_url}/crates"
        for _ in range(max_pages):
            try:
                got = client.get(url, params=params, conditional=False)
                records, created, next_page = parse_listing(got.json(), got.url, got.fetched_at,
                                                            month, via)
            except RateLimited as exc:
                yield error_record(SOURCE, url, exc)
                return
            except ITEM_ERRORS as exc:
                yield error_record(SOURCE, url, exc)
                break
            keep = {r["item_id"] for r, c in zip([r for r in records if r["type"] == "item"],
                                                 created, strict=True)
                    if c is None or start <= c < end}
            yield from (r for r in records if r.get("item_id", r.get("from_id")) in keep)
            if not next_page or any(c is not None and c < start for c in created):
                break
            # next_page is a query string ("?seek=…&per_page=100&sort=new"); keep our filter.
            params = {**params, **dict(parse_qsl(next_page.lstrip("?")))}


@boundary(SOURCE)
def fetch_rss(client: PoliteClient, month: str, *, url: str = RSS_URL) -> Iterator[Record]:
    """New crates from the crates.io RSS feed (conditional GET; 304 → unchanged record)."""
    month_bounds(month)
    try:
        got = client.get(url, conditional=True)
        if got.not_modified:
            yield {"type": "unchanged", "url": url, **_base(url, got.fetched_at)}
            return
        yield from parse_rss(got.xml(), got.url, got.fetched_at, got.headers)
    except ITEM_ERRORS as exc:
        yield error_record(SOURCE, url, exc)
