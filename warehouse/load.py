"""Idempotent loaders: parsed connector records → warehouse tables.

Every table is keyed on a natural id and written with DuckDB ``INSERT … ON CONFLICT (pk)
DO UPDATE``, so loading the same records twice changes nothing but the ``last_seen_*`` /
provenance columns (tests/test_load.py proves counts == distinct ids). Rows go in as one
Arrow batch per table (row-by-row `executemany` is ~100× slower in DuckDB), deduplicated
first because DuckDB rejects a batch that hits the same key twice.

Merging rules, so a partial record (an RSS item, a listing row) never erases what a fuller
one wrote: descriptive columns take the new value when it is not NULL
(``COALESCE(excluded.x, x)``); an item keeps its first `first_seen_*`, `source` and
`discovered_via`; a paper keeps its highest `latest_version` and the union of the queries
that matched it. Record types ``error``, ``warning`` and ``unchanged`` are counted, not stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from connectors.records import Record, SkippedRecord
from warehouse.transaction import transaction

_TS = pa.timestamp("us", tz="UTC")
_STR, _STRS = pa.string(), pa.list_(pa.string())
KIND_SOURCE = {"crate": "crates", "repo": "github", "paper": "arxiv", "post": "feeds"}

ITEM_COLUMNS: dict[str, pa.DataType] = {
    "item_id": _STR, "kind": _STR, "name": _STR, "title": _STR, "description": _STR,
    "url": _STR, "homepage": _STR, "repository": _STR, "keywords": _STRS, "categories": _STRS,
    "language": _STR, "license": _STR, "created_at": _TS, "updated_at": _TS,
    "archived": pa.bool_(), "source": _STR, "discovered_via": _STR, "first_seen_run": _STR,
    "first_seen_at": _TS, "last_seen_run": _STR, "last_seen_at": _TS, "source_url": _STR,
    "fetched_at": _TS,
}
OBSERVATION_COLUMNS = {"item_id": _STR, "metric": _STR, "observed_at": _TS, "period": _STR,
                       "value": pa.float64(), "run_id": _STR, "source_url": _STR,
                       "fetched_at": _TS}
RELEASE_COLUMNS = {"release_id": _STR, "item_id": _STR, "version": _STR, "name": _STR,
                   "published_at": _TS, "prerelease": pa.bool_(), "yanked": pa.bool_(),
                   "url": _STR, "notes": _STR, "source": _STR, "source_url": _STR,
                   "fetched_at": _TS, "run_id": _STR}
PAPER_COLUMNS = {"paper_id": _STR, "arxiv_id": _STR, "latest_version": pa.int32(),
                 "title": _STR, "abstract": _STR, "authors": _STRS, "primary_category": _STR,
                 "categories": _STRS, "published_at": _TS, "updated_at": _TS, "abs_url": _STR,
                 "pdf_url": _STR, "doi": _STR, "journal_ref": _STR, "comment": _STR,
                 "matched_queries": _STRS, "source_url": _STR, "fetched_at": _TS, "run_id": _STR}
POST_COLUMNS = {"post_id": _STR, "feed_url": _STR, "feed_title": _STR, "entry_id": _STR,
                "title": _STR, "link": _STR, "author": _STR, "published_at": _TS,
                "summary": _STR, "release_of": _STR, "source_url": _STR, "fetched_at": _TS,
                "run_id": _STR}
LINK_COLUMNS = {"from_id": _STR, "to_id": _STR, "relation": _STR, "source": _STR}
SKIPPED_COLUMNS = {"run_id": _STR, "source": _STR, "seq": pa.int32(), "record_type": _STR,
                   "item_id": _STR, "error": _STR, "raw": _STR, "source_url": _STR,
                   "fetched_at": _TS}
EXCHANGE_COLUMNS = {"run_id": _STR, "method": _STR, "url": _STR, "status": pa.int32(),
                    "fetched_at": _TS, "body_sha256": _STR, "bytes": pa.int64(),
                    "archive_path": _STR}

# Item columns whose first value is kept: provenance of the discovery.
_ITEM_KEEP_FIRST = {"item_id", "first_seen_run", "first_seen_at", "source", "discovered_via"}
# Item columns that always take the newest value.
_ITEM_ALWAYS = {"kind", "name", "last_seen_run", "last_seen_at", "source_url", "fetched_at"}


@dataclass
class LoadCounts:
    """What one `save_records` call wrote (rows per table; items split new/updated)."""

    new: int = 0
    updated: int = 0
    observations: int = 0
    releases: int = 0
    papers: int = 0
    posts: int = 0
    links: int = 0
    unchanged: int = 0  # 304 / nothing new records seen (not stored)
    errors: int = 0     # error records seen (not stored)
    warnings: int = 0   # warning records seen (not stored)

    def __add__(self, other: LoadCounts) -> LoadCounts:
        return LoadCounts(**{k: v + getattr(other, k) for k, v in asdict(self).items()})


def _merge(into: dict[str, Any], row: dict[str, Any], keep_first: set[str]) -> None:
    """Fold `row` into `into`: later non-NULL values win, except `keep_first` columns."""
    for key, value in row.items():
        if value is None:
            continue
        if key in keep_first and into.get(key) is not None:
            continue
        into[key] = value


def _upsert(con: duckdb.DuckDBPyConnection, table: str, columns: Mapping[str, pa.DataType],
            rows: list[dict[str, Any]], keys: list[str], update: Mapping[str, str] | None) -> int:
    """Insert `rows` (deduplicated by the caller) as one Arrow batch with ON CONFLICT."""
    if not rows:
        return 0
    schema = pa.schema(list(columns.items()))
    batch = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows], schema=schema)
    name = f"_load_{table}"
    con.register(name, batch)
    try:
        cols = ", ".join(columns)
        action = ("DO NOTHING" if not update else
                  "DO UPDATE SET " + ", ".join(f"{c} = {e}" for c, e in update.items()))
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {name} "
                    f"ON CONFLICT ({', '.join(keys)}) {action}")
    finally:
        con.unregister(name)
    return len(rows)


def _coalesce_all(table: str, columns: Iterable[str], skip: set[str],
                  always: set[str] | None = None) -> dict[str, str]:
    """SET clauses: `always` columns take the new value, others only when it is not NULL."""
    return {c: (f"excluded.{c}" if c in (always or set())
                else f"COALESCE(excluded.{c}, {table}.{c})")
            for c in columns if c not in skip}


# The discovery provenance (first seen, source, via) belongs to the earliest fetch, whatever
# the load order: backfilling an older month moves it back to that month, so "new this month"
# is the same whether the months were collected in order or not.
_EARLIER = "excluded.first_seen_at < items.first_seen_at OR items.first_seen_at IS NULL"
_ITEM_UPDATE = {
    **_coalesce_all("items", ITEM_COLUMNS, _ITEM_KEEP_FIRST, _ITEM_ALWAYS),
    **{c: f"CASE WHEN {_EARLIER} THEN coalesce(excluded.{c}, items.{c}) ELSE items.{c} END"
       for c in ("first_seen_run", "first_seen_at", "source", "discovered_via")},
}
# Columns that always take the newest fetch's value (where and when it was read, which run).
_PROVENANCE = {"source_url", "fetched_at", "run_id"}
# A paper keeps its highest version and the union of the queries that matched it.
_PAPER_UPDATE = {
    **_coalesce_all("papers", PAPER_COLUMNS, {"paper_id"}, _PROVENANCE),
    "latest_version": "greatest(papers.latest_version, excluded.latest_version)",
    "matched_queries": ("list_sort(list_distinct(list_concat("
                        "coalesce(papers.matched_queries, []), "
                        "coalesce(excluded.matched_queries, []))))"),
}


def _seen_before(con: duckdb.DuckDBPyConnection, items: dict[str, dict[str, Any]]) -> int:
    """How many of `items` an earlier (or the same) fetch already brought in; the others are
    new, including those only a later month's run had seen (a backfill)."""
    rows = con.execute(
        "SELECT item_id, first_seen_at FROM items WHERE item_id IN "
        "(SELECT unnest(?::VARCHAR[]))", [list(items)]).fetchall()
    seen = 0
    for item_id, first in rows:
        mine = items[item_id].get("first_seen_at")
        seen += first is None or mine is None or first <= mine
    return seen


def _paper_item(p: dict[str, Any]) -> dict[str, Any]:
    return {"item_id": p["paper_id"], "kind": "paper", "name": p["arxiv_id"],
            "title": p.get("title"), "description": p.get("abstract"), "url": p.get("abs_url"),
            "keywords": p.get("categories"), "created_at": p.get("published_at"),
            "updated_at": p.get("updated_at"), "source": p.get("source") or "arxiv",
            "discovered_via": (f"arxiv:query:{p['matched_query']}" if p.get("matched_query")
                               else "arxiv"),
            "source_url": p.get("source_url"), "fetched_at": p.get("fetched_at")}


def _post_item(p: dict[str, Any]) -> dict[str, Any]:
    return {"item_id": p["post_id"], "kind": "post",
            "name": p.get("title") or p.get("link") or p["post_id"], "title": p.get("title"),
            "description": p.get("summary"), "url": p.get("link"),
            "created_at": p.get("published_at"), "source": p.get("source") or "feeds",
            "discovered_via": f"feed:{p['feed_url']}", "source_url": p.get("source_url"),
            "fetched_at": p.get("fetched_at")}


def save_records(con: duckdb.DuckDBPyConnection, records: Iterable[Record],
                 run_id: str, month: str) -> LoadCounts:
    """Upsert parsed connector records (docs/CONTRACTS.md "Parsed records") in one transaction.

    Args:
        con: an open, migrated warehouse connection.
        records: records from any `connectors.*.fetch_*` generator (types may be mixed).
        run_id: the run writing them (stamped on every row; first/last seen on items).
        month: the run month ``YYYY-MM`` (period for observations that carry none).

    Returns:
        LoadCounts: items new/updated, rows upserted per table, non-stored records seen.
    """
    batch = _Batch(run_id, month)
    for rec in records:  # all of them first: an unknown record type writes nothing
        batch.add(rec)
    with transaction(con):
        batch.write(con)
    return batch.counts


@dataclass
class _Batch:
    """The rows of one `save_records` call, merged by table key (DuckDB rejects a batch that
    hits the same key twice), and the counts of what it wrote and saw."""

    run_id: str
    month: str
    counts: LoadCounts = field(default_factory=LoadCounts)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    obs: dict[tuple[str, str, datetime], dict[str, Any]] = field(default_factory=dict)
    releases: dict[str, dict[str, Any]] = field(default_factory=dict)
    papers: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)

    def add(self, rec: Record) -> None:
        kind = rec.get("type")
        if kind == "item":
            self._add_item(rec)
        elif kind == "observation":
            row = {**rec, "period": rec.get("period") or self.month, "run_id": self.run_id}
            self.obs[(rec["item_id"], rec["metric"], rec["observed_at"])] = row
        elif kind == "release":
            source = rec.get("source") or KIND_SOURCE.get(rec["item_id"].split(":")[0], "unknown")
            _merge(self.releases.setdefault(rec["release_id"], {}),
                   {**rec, "source": source, "run_id": self.run_id}, set())
        elif kind == "paper":
            self._add_paper(rec)
        elif kind == "post":
            _merge(self.posts.setdefault(rec["post_id"], {}), {**rec, "run_id": self.run_id},
                   set())
            self._add_item(_post_item(rec))
        elif kind == "link":
            self.links[(rec["from_id"], rec["to_id"], rec["relation"])] = rec
        elif kind == "unchanged":
            self.counts.unchanged += 1
        elif kind == "error":
            self.counts.errors += 1
        elif kind == "warning":
            self.counts.warnings += 1
        else:
            raise ValueError(f"unknown record type {kind!r}")

    def _add_item(self, row: dict[str, Any]) -> None:
        row = {**row, "source": row.get("source") or KIND_SOURCE.get(row["kind"], "unknown"),
               "first_seen_run": self.run_id, "first_seen_at": row.get("fetched_at"),
               "last_seen_run": self.run_id, "last_seen_at": row.get("fetched_at")}
        _merge(self.items.setdefault(row["item_id"], {}), row, _ITEM_KEEP_FIRST)

    def _add_paper(self, rec: Record) -> None:
        seen = self.papers.setdefault(rec["paper_id"], {})
        queries = set(seen.get("matched_queries", []))
        queries.update([rec["matched_query"]] if rec.get("matched_query") else [])
        version = max(seen.get("latest_version", 0), rec["latest_version"])
        _merge(seen, {**rec, "run_id": self.run_id}, set())
        seen["matched_queries"], seen["latest_version"] = sorted(queries), version
        self._add_item(_paper_item(rec))

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        """Upsert every table (inside the caller's transaction)."""
        counts = self.counts
        if self.items:
            counts.updated = _seen_before(con, self.items)
            counts.new = len(self.items) - counts.updated
        _upsert(con, "items", ITEM_COLUMNS, list(self.items.values()), ["item_id"],
                _ITEM_UPDATE)
        counts.observations = _upsert(
            con, "observations", OBSERVATION_COLUMNS, list(self.obs.values()),
            ["item_id", "metric", "observed_at"],
            {c: f"excluded.{c}" for c in ("period", "value", "run_id", "source_url", "fetched_at")})
        counts.releases = _upsert(
            con, "releases", RELEASE_COLUMNS, list(self.releases.values()), ["release_id"],
            _coalesce_all("releases", RELEASE_COLUMNS, {"release_id"}, _PROVENANCE))
        counts.papers = _upsert(con, "papers", PAPER_COLUMNS, list(self.papers.values()),
                                ["paper_id"], _PAPER_UPDATE)
        counts.posts = _upsert(con, "posts", POST_COLUMNS, list(self.posts.values()),
                               ["post_id"],
                               _coalesce_all("posts", POST_COLUMNS, {"post_id"}, _PROVENANCE))
        counts.links = _upsert(con, "item_links", LINK_COLUMNS, list(self.links.values()),
                               ["from_id", "to_id", "relation"], None)


def mark_watched(con: duckdb.DuckDBPyConnection,
                 entries: Iterable[tuple[str, str, str | None]], *, reset: bool = True) -> int:
    """Flag the watchlist's items: ``watched``, ``watch_name``, ``watch_category``.

    Args:
        con: an open warehouse connection.
        entries: ``(item_id, watch_name, watch_category)`` tuples (category may be None).
        reset: first clear the flag on every item, so items dropped from the watchlist stop
            being watched (pass the whole watchlist when using this).

    Returns:
        How many existing items were flagged (items not loaded yet are not created).
    """
    rows = {item_id: (name, category) for item_id, name, category in entries}
    with transaction(con):
        if reset:
            con.execute("UPDATE items SET watched = FALSE, watch_name = NULL, "
                        "watch_category = NULL WHERE watched")
        batch = pa.Table.from_pylist(
            [{"item_id": k, "watch_name": n, "watch_category": c} for k, (n, c) in rows.items()],
            schema=pa.schema([("item_id", _STR), ("watch_name", _STR), ("watch_category", _STR)]))
        con.register("_watch", batch)
        try:
            flagged = con.execute(
                "UPDATE items SET watched = TRUE, watch_name = w.watch_name, "
                "watch_category = w.watch_category FROM _watch w WHERE items.item_id = w.item_id"
            ).fetchall()
        finally:
            con.unregister("_watch")
    return int(flagged[0][0]) if flagged else 0


def save_exchanges(con: duckdb.DuckDBPyConnection, run_id: str, exchanges: Iterable[Any]) -> int:
    """Index the run's HTTP exchanges in `raw_responses` (one row per run, method and URL).

    Args:
        con: an open warehouse connection.
        run_id: the run.
        exchanges: `connectors.http.ExchangeLog` objects (or dicts with the same fields);
            a URL fetched twice in a run (a retry) keeps its last exchange.

    Returns:
        Rows written.
    """
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for ex in exchanges:
        row = asdict(ex) if is_dataclass(ex) else dict(ex)
        row["run_id"] = run_id
        rows[(row["method"].upper(), row["url"])] = {**row, "method": row["method"].upper()}
    with transaction(con):
        written = _upsert(con, "raw_responses", EXCHANGE_COLUMNS, list(rows.values()),
                          ["run_id", "method", "url"],
                          {c: f"excluded.{c}" for c in ("status", "fetched_at", "body_sha256",
                                                       "bytes", "archive_path")})
    return written


def save_skipped(con: duckdb.DuckDBPyConnection, run_id: str, source: str,
                 skipped: Iterable[SkippedRecord]) -> int:
    """Keep the records the connector boundary rejected, with their errors (`skipped_records`).

    Args:
        con: an open warehouse connection.
        run_id: the run that fetched them.
        source: the source they came from.
        skipped: `connectors.records.SkippedRecord`s, in the order they were met.

    Returns:
        Rows written (a rerun of the same run and source replaces them).
    """
    rows = [{**rec, "run_id": run_id, "source": source, "seq": i}
            for i, rec in enumerate(skipped)]
    with transaction(con):
        con.execute("DELETE FROM skipped_records WHERE run_id = ? AND source = ?",
                    [run_id, source])
        return _upsert(con, "skipped_records", SKIPPED_COLUMNS, rows,
                       ["run_id", "source", "seq"], None)
