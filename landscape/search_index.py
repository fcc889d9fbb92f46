"""The FAISS index of every embedded item, used by semantic search.

Separate from `landscape.vector_index` (the classifier's labelled entries): this one holds one
vector per row of `item_embeddings` for a model, i.e. every item the classify step embedded.

Files and their format: `landscape.search_files`. Int ids are stable between incremental
updates (new items are appended); a rebuild renumbers and writes files under a new version.
The lexical (BM25) index is rewritten with the meta file (both follow the item fields), and
with it the abbreviations its texts define (`landscape.abbreviations`: "long form (SF)" and "SF
(long form)" pairs, mined from the texts as written, before the index lowercases them).

Staleness: the manifest records a fingerprint of `item_embeddings` for the model (row count
and latest `updated_at`, see `fingerprint`). When the warehouse's fingerprint
differs (items embedded, changed or removed since the last sync), `current_index` returns None
and search falls back to the exact path. The item fields have their own fingerprint
(`meta_fingerprint`: count and latest `last_seen_at` of `items`, count and latest
`classified_at` of `classifications`); when only it differs the index is still used, but search
reads the fields from DuckDB for the candidates (slower, same results) until the next sync
rewrites the meta file. Review decisions and watched projects' categories are not in the meta
file: search overlays them (`SearchIndex.categories`, re-read when `review_decisions` or
`project_members` changes), so a person's decision counts from the moment it is recorded. Known gap: a watchlist category change
without an ingest (no `last_seen_at` change) reaches search at the next sync. The editors'
descriptions (config/descriptions.toml) are stamped in the manifest (`texts_stamp`): an edit
makes the next sync rewrite the lexical files; until then search reads the previous words.

Public API:
    IVF_THRESHOLD                     # IVF sizing: landscape.faiss_index.ivf_params
    fingerprint(con, model) -> str
    meta_fingerprint(con) -> str
    current_state(con, model_name=None, folder=None) -> (SearchIndex | None, meta_fresh, review_key)
    sync_search_index(con, model_name=None, *, ivf_threshold=None, force=False, folder=None)
        -> SyncResult          # incremental add; rebuild when an item changed or went away
    load_search_index(model_name=None, folder=None) -> SearchIndex | None
        # loaded once per process, reloaded only when the manifest's version changes
    current_index(con, model_name=None, folder=None) -> SearchIndex | None   # None if stale
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import faiss
import numpy as np
import pyarrow as pa

from core.months import item_month_sql
from landscape import faiss_index
from landscape.embeddings import _vectors_from_arrow, model_name_or_default, settle
from landscape.faiss_index import ivf_params
from landscape.search_docs import item_texts, texts_stamp
from landscape.search_files import (
    SearchIndex,
    files_intact,
    read_index,
    read_manifest,
    save_index,
    snippet,
)
from warehouse import db

log = logging.getLogger(__name__)

# Flat (exact) below this many items. A flat single-query scan costs ~n x 384 multiply-adds:
# a few ms at 50k on one core, tens of ms at 200k, where IVF takes over.
IVF_THRESHOLD = 50_000
# IVF rebuilds (retrains its centroids) once it holds this many times the items it was
# trained on, so the list sizes stay near sqrt(n).
RETRAIN_GROWTH = 4


def fingerprint(con: duckdb.DuckDBPyConnection, model: str) -> str:
    """What the index must reflect: row count and latest `updated_at` of `item_embeddings` for
    the model. `ensure_item_embeddings` stamps `updated_at` on every new row and on every
    content-hash change, so an embedded, re-embedded or removed item changes one of the two.
    (An XOR of hash(item_id, content_hash) said the same at 10x the cost: 25 ms at 200k rows,
    this 2.5 ms — it runs on every search.)"""
    settle(con)
    n, latest = con.execute(
        "SELECT count(*), max(updated_at) FROM item_embeddings WHERE model = ?",
        [model]).fetchone()
    return _fp(n, latest)


def meta_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the meta file must reflect: `items` (ingest stamps `last_seen_at` on every upsert)
    and `classifications` (a classify run adds rows)."""
    settle(con)
    row = con.execute(_META_FP_SQL).fetchone()
    return _meta_fp(row)


# One query for every per-search check (separate scalar subqueries cost ~60 ms in DuckDB 2.0;
# a cross join of single-row aggregates ~3-6 ms at 200k items).
_META_FP_SQL = """
    SELECT * FROM (SELECT count(*), max(last_seen_at) FROM items) a,
                  (SELECT count(*), max(classified_at) FROM classifications) b"""
_STATE_SQL = """
    SELECT * FROM (SELECT count(*), max(updated_at) FROM item_embeddings WHERE model = ?) e,
                  (SELECT count(*), max(last_seen_at) FROM items) a,
                  (SELECT count(*), max(classified_at) FROM classifications) b,
                  (SELECT count(*), max(decision_id), max(decided_at) FROM review_decisions) r"""
# The same, and project membership (each resolution rewrites `project_members`: row count and
# latest `resolved_at`), so that search's project map needs no query of its own.
_STATE_PROJECTS_SQL = _STATE_SQL + """,
                  (SELECT count(*), max(resolved_at) FROM project_members) p"""


def _fp(n: int, latest) -> str:  # noqa: ANN001 - datetime | None
    return f"{int(n)}:{latest.isoformat() if latest is not None else '-'}"


def _meta_fp(row: tuple) -> str:
    return f"{_fp(row[0], row[1])}/{_fp(row[2], row[3])}"


def _build_faiss(vectors: np.ndarray, ivf_threshold: int) -> faiss.Index:
    # `ivf_params` (the one sizing rule, faiss_index's) is looked up at call time: tests narrow it.
    return faiss_index.build(vectors, ivf_threshold=ivf_threshold, sizing=ivf_params)


@dataclass
class SyncResult:
    action: str          # 'unchanged' | 'refreshed' (meta file only) | 'added' | 'rebuilt'
    count: int
    added: int
    kind: str
    version: str
    seconds: float



# -- the warehouse side -----------------------------------------------------------------------

_VECTORS_SQL = """
    SELECT ie.item_id, ie.content_hash, e.vector FROM item_embeddings ie
    JOIN embeddings e ON e.content_hash = ie.content_hash AND e.model = ie.model
    WHERE ie.model = ?
"""


def _wanted(con: duckdb.DuckDBPyConnection, model: str) -> dict[str, str]:
    """item_id -> content_hash of every item with a cached vector for the model."""
    settle(con)
    tbl = con.sql(
        "SELECT ie.item_id, ie.content_hash FROM item_embeddings ie"
        " WHERE ie.model = ? AND EXISTS (SELECT 1 FROM embeddings e"
        "  WHERE e.content_hash = ie.content_hash AND e.model = ie.model)",
        params=[model]).to_arrow_table()
    return dict(zip(tbl.column("item_id").to_pylist(), tbl.column("content_hash").to_pylist(),
                    strict=True))


def _vectors(con: duckdb.DuckDBPyConnection, model: str,
             item_ids: list[str] | None = None) -> tuple[list[str], list[str], np.ndarray]:
    settle(con)
    if item_ids is None:
        tbl = con.sql(_VECTORS_SQL + " ORDER BY ie.item_id", params=[model]).to_arrow_table()
    else:
        con.register("_search_new_ids", pa.table({"item_id": pa.array(item_ids, pa.string())}))
        try:
            tbl = con.sql(_VECTORS_SQL + " AND ie.item_id IN (SELECT item_id FROM _search_new_ids)"
                          " ORDER BY ie.item_id", params=[model]).to_arrow_table()
        finally:
            con.unregister("_search_new_ids")
    vecs = _vectors_from_arrow(tbl.column("vector"), tbl.num_rows)
    return (tbl.column("item_id").to_pylist(), tbl.column("content_hash").to_pylist(),
            np.ascontiguousarray(vecs, dtype=np.float32))


# The fields `landscape.search` shows and filters on, as its DuckDB queries compute them (month:
# same expression, same session time zone; category: watchlist, else latest machine — reviews
# are overlaid at search time — and who decided it, so a machine's guess is shown as one).
_META_SQL = f"""
    WITH m AS (SELECT item_id, category FROM classifications
               QUALIFY row_number() OVER (
                   PARTITION BY item_id ORDER BY classified_at DESC, run_id DESC) = 1)
    SELECT i.item_id IS NOT NULL AS present, i.kind,
           {item_month_sql("i")} AS month,
           coalesce(i.title, i.name) AS title, i.url, i.description,
           coalesce(i.watch_category, m.category) AS category,
           CASE WHEN i.watch_category IS NOT NULL THEN 'watchlist'
                WHEN m.category IS NOT NULL THEN 'machine' END AS decided_by
    FROM _search_meta_ids w LEFT JOIN items i ON i.item_id = w.item_id
    LEFT JOIN m ON m.item_id = w.item_id
    ORDER BY w.pos
"""


def _meta_table(con: duckdb.DuckDBPyConnection, item_ids: list[str]) -> tuple[pa.Table, str]:
    """(meta table in label order, the meta fingerprint it reflects — taken first, so a change
    made while reading shows as stale rather than being missed)."""
    meta_fp = meta_fingerprint(con)
    settle(con)
    con.register("_search_meta_ids", pa.table({
        "item_id": pa.array(item_ids, pa.string()),
        "pos": pa.array(np.arange(len(item_ids), dtype=np.int64))}))
    try:
        tbl = con.sql(_META_SQL).to_arrow_table()
    finally:
        con.unregister("_search_meta_ids")
    snippets = pa.array([snippet(d) for d in tbl.column("description").to_pylist()],
                        pa.string())
    out = pa.table({
        "present": tbl.column("present"), "kind": tbl.column("kind").cast(pa.string()),
        "month": tbl.column("month").cast(pa.string()),
        "title": tbl.column("title").cast(pa.string()), "url": tbl.column("url").cast(pa.string()),
        "snippet": snippets, "category": tbl.column("category").cast(pa.string()),
        "decided_by": tbl.column("decided_by").cast(pa.string())})
    return out, meta_fp


def sync_search_index(con: duckdb.DuckDBPyConnection, model_name: str | None = None, *,
                      ivf_threshold: int | None = None, force: bool = False,
                      folder: Path | None = None) -> SyncResult:
    """Bring the search index up to date with `item_embeddings` (call after classify).

    Unchanged fingerprints -> nothing is read or written. Only the item fields changed (meta
    fingerprint) or the config files the lexical documents read (`search_docs.texts_stamp`:
    the editors' descriptions) -> only the meta, lexical and curated files are rewritten
    ('refreshed'). Only new items -> their vectors are
    appended (new int ids). An item whose content hash changed or that is gone -> rebuild; also
    when the size crosses `ivf_threshold` (flat -> IVF) or an IVF index has grown
    `RETRAIN_GROWTH` times past what it was trained on.
    """
    started = time.monotonic()
    model = model_name_or_default(model_name)
    folder = Path(folder or db.index_dir())
    threshold = IVF_THRESHOLD if ivf_threshold is None else int(ivf_threshold)
    fp = fingerprint(con, model)
    manifest = None if force else read_manifest(folder, model)
    if manifest is not None and manifest.get("ivf_threshold") != threshold:
        manifest = None  # different sizing rule: build afresh
    current = None
    if manifest is not None and manifest["fingerprint"] == fp and files_intact(folder, manifest):
        if manifest.get("meta_fingerprint") == meta_fingerprint(con) and \
                manifest.get("texts_stamp") == texts_stamp() and "curated" in manifest["files"]:
            return SyncResult("unchanged", manifest["count"], 0, manifest["kind"],
                              manifest["version"], time.monotonic() - started)
        current = _read(folder, manifest)
        if current is not None:  # same vectors: only the item fields' files are rewritten
            saved = _save(con, folder, model, current.index, current.item_ids, current.hashes,
                          fp=fp, threshold=threshold, trained_on=manifest.get("trained_on") or 0,
                          keep=manifest)
            res = SyncResult("refreshed", saved["count"], 0, saved["kind"], saved["version"],
                             time.monotonic() - started)
            log.info("search index refreshed (item fields): %d items, %.1fs", res.count,
                     res.seconds)
            return res
    elif manifest is not None:
        current = _read(folder, manifest)
    appended = None if current is None else _append(con, folder, model, current, manifest,
                                                    fp=fp, threshold=threshold)
    if appended is not None:
        action, (saved, added) = "added", appended
    else:
        action, (saved, added) = "rebuilt", _rebuild(con, folder, model, fp=fp,
                                                     threshold=threshold)
    res = SyncResult(action, saved["count"], added, saved["kind"], saved["version"],
                     time.monotonic() - started)
    log.info("search index %s: %d items (+%d), %s, %.1fs", action, res.count, added,
             res.kind, res.seconds)
    _CACHE.pop((str(folder), model), None)
    return res


def _read(folder: Path, manifest: dict) -> SearchIndex | None:
    try:
        return read_index(folder, manifest)
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        log.warning("search index not readable (%s); rebuilding", exc)
        return None


def _save(con: duckdb.DuckDBPyConnection, folder: Path, model: str, index: faiss.Index,
          item_ids: list[str], hashes: list[str], *, fp: str, threshold: int, trained_on: int,
          keep: dict | None = None) -> dict:
    """Write a version of the index with the item fields and texts read now (`keep`: the
    manifest whose FAISS and ids files stay)."""
    meta, meta_fp = _meta_table(con, item_ids)
    return save_index(folder, model, index, item_ids, hashes, fp=fp, ivf_threshold=threshold,
                      trained_on=trained_on, meta=meta, meta_fp=meta_fp,
                      texts=item_texts(con, item_ids, model), keep=keep)


def _append(con: duckdb.DuckDBPyConnection, folder: Path, model: str, current: SearchIndex,
            manifest: dict, *, fp: str, threshold: int) -> tuple[dict, int] | None:
    """Add the newly embedded items to `current` and save it: (manifest, items added). None
    when an item in it changed or went away, or the index would outgrow its kind."""
    want = _wanted(con, model)
    if any(want.get(i) != h for i, h in zip(current.item_ids, current.hashes, strict=True)):
        return None
    have = set(current.item_ids)
    new_ids, new_hashes, new_vecs = _vectors(con, model, [i for i in want if i not in have])
    trained_on = manifest.get("trained_on") or 0
    if faiss_index.outgrown(current.index, len(current) + len(new_ids), threshold,
                            trained_on=trained_on, retrain_growth=RETRAIN_GROWTH):
        return None
    if new_ids:
        current.index.add(new_vecs)
    saved = _save(con, folder, model, current.index, current.item_ids + new_ids,
                  current.hashes + new_hashes, fp=fp, threshold=threshold, trained_on=trained_on)
    return saved, len(new_ids)


def _rebuild(con: duckdb.DuckDBPyConnection, folder: Path, model: str, *, fp: str,
             threshold: int) -> tuple[dict, int]:
    """A new index of every embedded item, saved: (manifest, items in it)."""
    ids, hashes, vecs = _vectors(con, model)
    index = _build_faiss(vecs, threshold)
    saved = _save(con, folder, model, index, ids, hashes, fp=fp, threshold=threshold,
                  trained_on=len(ids) if faiss_index.kind(index) == "ivf" else 0)
    return saved, len(ids)


# -- the reader side --------------------------------------------------------------------------

_CACHE: dict[tuple[str, str], SearchIndex] = {}
_LOCK = threading.Lock()


def load_search_index(model_name: str | None = None,
                      folder: Path | None = None) -> SearchIndex | None:
    """The index of the model, loaded once per process; reloaded when the manifest's version
    changes. None when there is none (or it cannot be read)."""
    model = model_name_or_default(model_name)
    folder = Path(folder or db.index_dir())
    key = (str(folder), model)
    for _attempt in range(2):
        manifest = read_manifest(folder, model)
        if manifest is None:
            return None
        cached = _CACHE.get(key)
        if cached is not None and cached.version == manifest["version"]:
            return cached
        with _LOCK:
            cached = _CACHE.get(key)
            if cached is not None and cached.version == manifest["version"]:
                return cached
            try:
                loaded = read_index(folder, manifest, reuse=cached)
            except FileNotFoundError:
                continue  # a writer replaced this version meanwhile: read the new manifest
            except (OSError, RuntimeError, ValueError, KeyError) as exc:
                log.warning("search index not loaded (%s); using exact search", exc)
                return None
            _CACHE[key] = loaded
            return loaded
    return None


def current_state(con: duckdb.DuckDBPyConnection, model_name: str | None = None,
                  folder: Path | None = None) -> tuple[SearchIndex | None, bool, tuple]:
    """(the loaded index if it reflects the warehouse's embeddings now, else None; whether its
    meta file reflects `items` / `classifications` now; the review key — count, latest id and
    time of `review_decisions`, then count and latest `resolved_at` of `project_members`
    (None, None before the projects migration) — for `SearchIndex.categories` and search's
    project map) — one DuckDB query, every check a search needs."""
    model = model_name_or_default(model_name)
    index = load_search_index(model, folder)
    if index is None:
        return None, False, ()
    try:  # (execute, unlike register/sql, needs no `settle` first)
        row = con.execute(_STATE_PROJECTS_SQL, [model]).fetchone()
    except duckdb.CatalogException:  # a warehouse from before the projects migration
        row = (*con.execute(_STATE_SQL, [model]).fetchone(), None, None)
    if index.manifest.get("fingerprint") != _fp(row[0], row[1]):
        log.info("search index %s is stale (embeddings changed since it was built)",
                 index.version)
        return None, False, ()
    meta_fresh = index.meta is not None and \
        index.manifest.get("meta_fingerprint") == _meta_fp(row[2:6])
    return index, meta_fresh, tuple(row[6:11])


def current_index(con: duckdb.DuckDBPyConnection, model_name: str | None = None,
                  folder: Path | None = None) -> SearchIndex | None:
    """The loaded index if it reflects the warehouse's embeddings now, else None (stale or
    missing: the caller searches exactly)."""
    return current_state(con, model_name, folder)[0]


__all__ = ["IVF_THRESHOLD", "SearchIndex", "SyncResult", "current_index",
           "current_state", "fingerprint", "load_search_index", "meta_fingerprint",
           "sync_search_index"]
