"""Semantic search over every item kind (crates, repos, papers, posts): the embedding ranking
of `landscape.search` (which fuses it with the lexical one).

Public API:
    semantic_search(con, query, *, kinds=None, categories=None, month=None, until=None,
                    limit=20, model_name=None, vector=None, state=None) -> list[dict]
    encode_one(text, model_name=None) -> np.ndarray   # numpy forward pass for the default model

Each result: item_id, kind, title, url, score (cosine), category (current, with
`v_item_category`'s precedence; None when unclassified), category_decided_by ('review',
'watchlist', 'project' — a person's — or 'machine', a suggestion), snippet. Filters: `kinds` (e.g. ['crate',
'paper']), `categories` (taxonomy ids / 'out_of_scope' / 'uncategorized'), `month` ('YYYY-MM':
created at the source that month, or first seen that month when the source gives no date),
`until` ('YYYY-MM': that month or earlier — the landscape as a month's report saw it).
Only items embedded by the classify step are searched (the query embeds one text).

Two paths, same results:
- indexed (`landscape.search_index`, kept up to date by the classify step): the FAISS index
  gives the `limit x OVERSAMPLE` nearest items (`limit` when no filter is set); the filters run with numpy over the index's meta
  file (kind, month, title, url, snippet, base category by FAISS label, loaded once per process)
  with the latest review decisions overlaid (re-read only when `review_decisions` changes), so
  no DuckDB query scans `items` per search; if the filters leave fewer than `limit`, k grows.
  When `items`/`classifications` changed since the last sync (meta fingerprint), one DuckDB
  query per k fetches the candidates' fields instead (same results, slower). A flat index is
  exact; IVF is approximate (it probes `nprobe` of its lists).
- exact (numpy over the cached vectors of every matching item): when there is no index, when
  it is stale (embeddings changed since it was built), or when filters are so selective that
  the nearest candidates hold too few matches — the filtered set is then small, so cheap.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import sys
import threading
from collections.abc import Iterator

import duckdb
import faiss
import numpy as np

from core.months import as_of_sql, item_month_sql
from landscape.arrow_numpy import int64_array
from landscape.embeddings import encode, load_item_vectors, model_name_or_default, settle
from landscape.query_encoder import encode_queries, encode_query, light_encoder_available
from landscape.search_files import SearchIndex, snippet
from landscape.search_index import current_state

log = logging.getLogger(__name__)

OVERSAMPLE = 10      # candidates fetched per wanted result before filtering
MIN_CANDIDATES = 100
GROWTH = 16          # at most this k multiplier when filters removed too many
MAX_CANDIDATES = 20_000  # beyond this, a filter is selective enough for the exact path

_THREADS_LOCK = threading.Lock()

_MONTH = f"{item_month_sql('i')} = ?"
_UNTIL = as_of_sql("i")


def _month_where(month: str | None, until: str | None) -> tuple[list[str], list[str]]:
    where, params = [], []
    for sql, value in ((_MONTH, month), (_UNTIL, until)):
        if value:
            where.append(sql)
            params.append(value)
    return where, params


@functools.lru_cache(maxsize=1)
def _blas():  # noqa: ANN202 - threadpoolctl.ThreadpoolController
    """The BLAS libraries, found once: a new `threadpool_limits` scans them every time (~5 ms)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Encode one query and search one vector on a single thread. Splitting such small work
    over OpenMP threads gains nothing, and on a busy machine the threads' barrier waits cost up
    to 10-50x (measured on the shared 2-core VM: query encoding p95 750 ms with 2 threads,
    40 ms with 1; a 20k flat search 27 ms vs 2 ms). Thread counts are process settings, so
    they are restored afterwards and the lock keeps concurrent searches from interleaving.
    torch is only limited when something already imported it: the light query encoder does
    not need it, and importing it costs seconds."""
    import faiss

    torch = sys.modules.get("torch")
    with _THREADS_LOCK, _blas().limit(limits=1, user_api="blas"):
        t_torch = torch.get_num_threads() if torch is not None else None
        t_faiss = faiss.omp_get_max_threads()
        if torch is not None:
            torch.set_num_threads(1)
        faiss.omp_set_num_threads(1)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(t_torch)
            faiss.omp_set_num_threads(t_faiss)


def encode_one(text: str, model_name: str | None = None) -> np.ndarray:
    """One query's vector. A process that has sentence-transformers loaded already (the
    dashboard, a classify run) encodes with it: once loaded, torch's kernels take ~18 ms of CPU
    a query against the numpy pass's ~25 ms. Any other process (`panorama search`) uses the
    numpy forward pass of the default model, which needs no torch import (seconds). Both give
    the same vector (tests/test_search_hybrid.py). Call inside `_one_thread()`.

    Vectors are kept per process (`QUERY_CACHE` most recent texts): encoding is half of a warm
    search's CPU, and the dashboard re-runs the same query on every filter change and rerun."""
    model = model_name_or_default(model_name)
    light = light_encoder_available(model) and "sentence_transformers" not in sys.modules
    return _encode_cached(text, model, light)


def encode_several(texts: tuple[str, ...], model_name: str | None = None) -> np.ndarray:
    """Several short texts' vectors, a row each (the readings of an ambiguous Chinese query):
    on the numpy path one packed forward pass for all of them (about 1.5 passes' CPU for four
    readings, against four), else sentence-transformers' batch. Cached per process like
    `encode_one`. Call inside `_one_thread()`."""
    model = model_name_or_default(model_name)
    light = light_encoder_available(model) and "sentence_transformers" not in sys.modules
    return _encode_several_cached(tuple(texts), model, light)


QUERY_CACHE = 512


@functools.lru_cache(maxsize=QUERY_CACHE)
def _encode_several_cached(texts: tuple[str, ...], model: str, light: bool) -> np.ndarray:
    vecs = encode_queries(list(texts), model) if light else encode(list(texts), model)
    vecs = np.array(vecs, dtype=np.float32)
    vecs.flags.writeable = False  # shared between calls
    return vecs


@functools.lru_cache(maxsize=QUERY_CACHE)
def _encode_cached(text: str, model: str, light: bool) -> np.ndarray:
    vec = encode_query(text, model) if light else encode([text], model)[0]
    vec = np.array(vec, dtype=np.float32)
    vec.flags.writeable = False  # shared between calls
    return vec


def _result(item_id: str, kind: str, title: str | None, url: str | None, desc: str | None,
            category: str | None, decided_by: str | None, score: float) -> dict:
    return {"item_id": item_id, "kind": kind, "title": title, "url": url,
            "score": round(float(score), 4), "category": category,
            "category_decided_by": decided_by, "snippet": snippet(desc)}


def _exact(con: duckdb.DuckDBPyConnection, q: np.ndarray | None, query: str, model: str,
           kinds: list[str] | None, categories: list[str] | None, month: str | None,
           limit: int, until: str | None = None) -> list[dict]:
    """Every matching item's cached vector, ranked with numpy (no index). `q` is the query's
    vector when already encoded (else encoded here, only if some item matches)."""
    where, params = [], []
    if kinds:
        where.append("list_contains(?, i.kind)")
        params.append(list(kinds))
    if categories:
        where.append("ie.item_id IN (SELECT item_id FROM v_item_category"
                     " WHERE list_contains(?, category))")
        params.append(list(categories))
    mw, mp = _month_where(month, until)
    where += mw
    params += mp
    cand = load_item_vectors(con, model_name=model, where=" AND ".join(where), params=params)
    if not cand.item_ids:
        return []
    if q is None:
        with _one_thread():
            q = encode_one(query, model)
    scores = cand.vectors @ q
    top = np.argsort(-scores, kind="stable")[:limit]
    ids = [cand.item_ids[n] for n in top]
    settle(con)
    meta = {r[0]: r[1:] for r in con.execute(
        """
        SELECT i.item_id, i.kind, coalesce(i.title, i.name), i.url, i.description, c.category,
               c.decided_by
        FROM items i LEFT JOIN v_item_category c USING (item_id)
        WHERE list_contains(?, i.item_id)""", [ids]).fetchall()}
    return [_result(i, *meta[i], scores[n]) for i, n in zip(ids, top, strict=True)]


# The current category of the candidates only. `v_item_category` computes every item's (window
# functions over all classifications and reviews; DuckDB cannot push a candidate filter
# through its UNION ALL / NOT IN), ~70 ms at 20k items and growing with the warehouse. Same
# precedence as the view — latest review with a category, then the watchlist's category, then
# the category of the watched project the item is a reviewed member of, then the latest
# machine classification — restricted to the candidates; tests/test_search.py checks it
# against the view.
_CATEGORY = "coalesce(r.category, i.watch_category, p.category, m.category)"
_PROJECTS = """p AS (SELECT pm.item_id, any_value(pr.category) AS category
          FROM project_members pm JOIN projects pr USING (project_id)
          WHERE pm.item_id IN (SELECT item_id FROM c) AND pr.watched
            AND pr.category IS NOT NULL AND NOT pm.needs_review GROUP BY pm.item_id),"""
# A warehouse from before the projects migration (opened read-only, so not migrated).
_NO_PROJECTS = "p AS (SELECT NULL::VARCHAR AS item_id, NULL::VARCHAR AS category LIMIT 0),"
_CANDIDATES_SQL = f"""
    WITH c AS (SELECT unnest(?::VARCHAR[]) AS item_id),
    r AS (SELECT item_id, category FROM review_decisions
          WHERE item_id IN (SELECT item_id FROM c)
          QUALIFY row_number() OVER (
              PARTITION BY item_id ORDER BY decided_at DESC, decision_id DESC) = 1),
    {_PROJECTS}
    m AS (SELECT item_id, category FROM classifications
          WHERE item_id IN (SELECT item_id FROM c)
          QUALIFY row_number() OVER (
              PARTITION BY item_id ORDER BY classified_at DESC, run_id DESC) = 1)
    SELECT i.item_id, i.kind, coalesce(i.title, i.name), i.url, i.description,
           {_CATEGORY} AS category,
           CASE WHEN r.category IS NOT NULL THEN 'review'
                WHEN i.watch_category IS NOT NULL THEN 'watchlist'
                WHEN p.category IS NOT NULL THEN 'project'
                WHEN m.category IS NOT NULL THEN 'machine' END AS decided_by
    FROM c JOIN items i ON i.item_id = c.item_id LEFT JOIN r ON r.item_id = c.item_id
    LEFT JOIN p ON p.item_id = c.item_id LEFT JOIN m ON m.item_id = c.item_id
"""


def _candidates(con: duckdb.DuckDBPyConnection, hits: list[tuple[str, float]],
                kinds: list[str] | None, categories: list[str] | None,
                month: str | None, until: str | None = None) -> list[dict]:
    """The candidates that pass the filters, with their metadata, best first (one query)."""
    if not hits:
        return []
    where, params = [], [[h[0] for h in hits]]
    if kinds:
        where.append("list_contains(?, i.kind)")
        params.append(list(kinds))
    if categories:
        where.append(f"list_contains(?, {_CATEGORY})")
        params.append(list(categories))
    mw, mp = _month_where(month, until)
    where += mw
    params += mp
    settle(con)
    sql = _CANDIDATES_SQL + (" WHERE " + " AND ".join(where) if where else "")
    try:
        rows = con.execute(sql, params).fetchall()
    except duckdb.CatalogException:
        rows = con.execute(sql.replace(_PROJECTS, _NO_PROJECTS), params).fetchall()
    meta = {r[0]: r[1:] for r in rows}
    return [_result(i, *meta[i], s) for i, s in hits if i in meta]


def _codes(vocab: list, wanted: list[str]) -> np.ndarray:
    want = set(wanted)
    return np.array([n for n, v in enumerate(vocab) if v is not None and v in want],
                    dtype=np.int32)


# Filter masks kept per loaded index (`SearchIndex.cache`): the dashboard repeats a handful of
# filter combinations, and one mask costs ~1-3 ms at 200k items (np.isin over every label).
MASKS_KEPT = 16
_MASKS_LOCK = threading.Lock()


class _MetaFilter:
    """The candidates' filters and fields from the index's meta file (numpy, no DuckDB).

    The filters are one boolean mask over every FAISS label (`mask`), computed once per filter
    combination and review state and kept with the loaded index; FAISS gets it as an ID
    selector (`search_params`), so a filtered search scans the probed lists for matching items
    only instead of fetching 10-160x the wanted candidates and dropping most of them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, index: SearchIndex, review_key: tuple,
                 kinds: list[str] | None, categories: list[str] | None,
                 month: str | None, until: str | None = None) -> None:
        meta = index.meta
        assert meta is not None
        self.index, self.meta = index, meta
        self.cat, self.cats = index.categories(con, review_key)
        self.by, self.deciders = index.deciders_of(con, review_key)
        key = (tuple(kinds or ()), tuple(categories or ()), month, until)
        with _MASKS_LOCK:  # the dashboard searches from several threads
            cached = index.cache.get("masks")
            if cached is None or cached[0] != review_key:
                cached = (review_key, {})
                index.cache["masks"] = cached
            masks = cached[1]
            if key not in masks:
                if len(masks) >= MASKS_KEPT:
                    masks.pop(next(iter(masks)))  # the oldest
                masks[key] = self._mask(kinds, categories, month, until)
            self.mask, self.everything, self._bits = masks[key]

    def _mask(self, kinds: list[str] | None, categories: list[str] | None, month: str | None,
              until: str | None) -> tuple[np.ndarray, bool, np.ndarray | None]:
        """(label -> passes, whether every label passes, the mask as FAISS's bitmap)."""
        meta = self.meta
        keep = meta.present.astype(bool, copy=True)
        if kinds:
            keep &= np.isin(meta.kind, _codes(meta.kinds, kinds))
        if categories:
            keep &= np.isin(self.cat, _codes(self.cats, categories))
        if month:
            keep &= np.isin(meta.month, _codes(meta.months, [month]))
        if until:
            keep &= np.isin(meta.month, _codes(meta.months, [m for m in meta.months
                                                             if m is not None and m <= until]))
        keep.flags.writeable = False  # shared between searches
        everything = bool(keep.all())
        return keep, everything, None if everything else np.packbits(keep, bitorder="little")

    def __call__(self, labels: np.ndarray, sims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The candidates (FAISS labels, cosines; best first) that pass the filters."""
        keep = self.mask[labels]
        return labels[keep], sims[keep]

    def search_params(self) -> faiss.SearchParameters | None:
        """FAISS search parameters that skip the items the filters drop (None: all pass).
        The selector points into `self._bits`, which lives as long as this filter."""
        if self.everything:
            return None
        sel = faiss.IDSelectorBitmap(len(self.mask), faiss.swig_ptr(self._bits))
        if isinstance(self.index.index, faiss.IndexIVF):
            return faiss.SearchParametersIVF(sel=sel, nprobe=self.index.index.nprobe)
        return faiss.SearchParameters(sel=sel)

    def results(self, labels: np.ndarray, sims: np.ndarray) -> list[dict]:
        found = [(int(lab), float(s)) for lab, s in zip(labels, sims, strict=True)]
        if not found:
            return []
        meta, idx = self.meta, int64_array(labels)
        titles = meta.title.take(idx).to_pylist()
        urls = meta.url.take(idx).to_pylist()
        snippets = meta.snippet.take(idx).to_pylist()
        out = []
        for n, (lab, s) in enumerate(found):
            c, by = int(self.cat[lab]), int(self.by[lab])
            out.append({"item_id": self.index.item_ids[lab], "kind": meta.kinds[meta.kind[lab]],
                        "title": titles[n], "url": urls[n], "score": round(float(s), 4),
                        "category": self.cats[c] if c >= 0 else None,
                        "category_decided_by": self.deciders[by] if c >= 0 and by >= 0
                        else None,
                        "snippet": snippets[n]})
        return out


def _indexed(con: duckdb.DuckDBPyConnection, index: SearchIndex, q: np.ndarray,
             kinds: list[str] | None, categories: list[str] | None, month: str | None,
             limit: int, meta_fresh: bool = False, review_key: tuple = (),
             until: str | None = None) -> list[dict] | None:
    """Top `limit` through the index, or None when the filters need the exact path."""
    if meta_fresh:
        return _indexed_meta(_MetaFilter(con, index, review_key, kinds, categories, month,
                                         until), q, limit)
    # Without a filter every candidate passes (but a removed item): no oversampling. A k of
    # 1,000 instead of 100 for the hybrid ranking's pool cost FAISS's result heap and the
    # candidates' fields several ms a query at 200k items.
    filtered = bool(kinds or categories or month or until)
    k = min(len(index), max(limit * (OVERSAMPLE if filtered else 1), MIN_CANDIDATES))
    while True:
        with _one_thread():
            hits = index.search(q, k)
        found = _candidates(con, hits, kinds, categories, month, until)
        if len(found) >= limit or index.exhaustive(k):
            return found[:limit]
        cap = min(len(index), MAX_CANDIDATES)
        if k >= cap:
            return None  # few matches among the nearest (or IVF cannot list them all)
        # Grow by the pass rate seen so far (with margin), at least 2x, at most GROWTH x.
        factor = GROWTH if len(found) == 0 else min(
            GROWTH, max(2, math.ceil(1.5 * limit / len(found))))
        k = min(cap, k * factor)


def _indexed_meta(flt: _MetaFilter, q: np.ndarray, limit: int) -> list[dict] | None:
    """Top `limit` of the items that pass `flt`, one FAISS search with its ID selector; None
    when an IVF index finds fewer in the lists it probes (the exact path lists them all)."""
    index = flt.index
    qv = np.ascontiguousarray(q, dtype=np.float32).reshape(1, -1)
    k = max(1, min(limit, len(index)))
    with _one_thread():
        sims, labels = index.index.search(qv, k, params=flt.search_params())
    ok = labels[0] >= 0
    labs, cos = flt(labels[0][ok], sims[0][ok])  # the selector applied the mask already
    if len(labs) < limit and not index.exhaustive(len(index)):
        return None
    return flt.results(labs, cos)


def semantic_search(con: duckdb.DuckDBPyConnection, query: str, *,
                    kinds: list[str] | None = None, categories: list[str] | None = None,
                    month: str | None = None, until: str | None = None, limit: int = 20,
                    model_name: str | None = None, vector: np.ndarray | None = None,
                    state: tuple | None = None) -> list[dict]:
    """Items ranked by cosine similarity of their embedding to the query's (`vector` when the
    caller encoded it; `state` = `current_state(con, model)` when the caller has it)."""
    model = model_name_or_default(model_name)
    if not (query or "").strip() or limit <= 0:
        return []
    index, meta_fresh, review_key = state if state is not None else current_state(con, model)
    if index is None:
        return _exact(con, vector, query, model, kinds, categories, month, limit, until)
    if len(index) == 0:
        return []
    q = vector
    if q is None:
        with _one_thread():
            q = encode_one(query, model)
    found = _indexed(con, index, q, kinds, categories, month, limit, meta_fresh, review_key,
                     until)
    if found is None:
        log.debug("search: too few matches among the nearest items, exact path")
        return _exact(con, q, query, model, kinds, categories, month, limit, until)
    return found
