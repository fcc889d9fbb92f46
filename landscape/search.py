"""Search: one ranked list of projects per query, in English or Chinese.

Public API (the dashboard and `panorama search` call it; keep it stable):

    search(con_or_path, queries, *, kinds=None, categories=None, month=None, limit=10,
           model_name=None) -> list[dict]
        one dict per query: {"query", "lang", "english", "index_current", "hits": [...]}
        ("index_current": False when the search index is missing or out of date — then
        only the meaning ranking runs, without words or names, until `panorama classify`
        rebuilds it; callers say so to the user)
        each hit: {"project", "project_name", "members", "item_id", "name", "kind",
                   "category", "category_decided_by", "score", "fusion_score", "url", "why",
                   "snippet", "cos", "ranks", "weak"}
        ("score": the score the hit's place was given by — the learned re-ordering's for the
        first `search_learned.POOL` projects, so it falls down the pool's strong hits and again
        down its weak ones; "fusion_score": the rank fusion's, boosts included)
        ("category_decided_by": 'review' | 'watchlist' (a person's) | 'machine' (the
        classifier's suggestion, not reviewed) | 'project' (exact path only) | None): the
        shown ITEM's decision; where the hit's project stands in the report is decided per
        project above this package (`report.placement`, which the CLI and dashboard add)
        ("ranks": the project's best rank in the meaning and the words rankings, or None)
        weak hits (see below) come after all the others, flagged "weak": true
        filters: kinds (crate|repo|paper|post), categories (taxonomy ids, out_of_scope,
        uncategorized), month 'YYYY-MM' = the landscape as that month's report saw it (items
        created, or first seen, in or before that month), limit 1..200
    validate_filters(queries, kinds, categories, month, limit) -> None   # SearchInputError
    SearchInputError(ValueError)        # one line, for the CLI's exit 2
    KINDS; semantic_search (re-exported from landscape.search_semantic)

How a query is ranked (`landscape.search_rank` fuses):
1. `landscape.query_text.analyse`: the query in English (a Chinese or mixed query is translated
   through the glossary, the taxonomy, config/search_terms.toml and the corpus's term base
   (config/search_termbase.toml, `landscape.term_candidates`); words they miss through
   a general dictionary, `landscape.zh_fallback`), its lexical terms
   (Chinese as character bigrams; near-universal words such as "rust" weigh less) and its
   name key. Abbreviations in both directions: the acronym its phrase spells when the items
   use it (`landscape.query_morph`: "entity component system" -> "ecs"), the short form of a
   long form the corpus itself defines ("processing in memory" -> "pim": "Processing-in-Memory
   (PIM)" in an abstract; `landscape.abbreviations`, pairs mined when the index is built), and
   for a short form it types, that long form as the items wrote it in the text the embedding
   reads ("LLM-based recommender systems" + "Large language models").
2. Two rankings under the same filters: embeddings (FAISS, `landscape.search_semantic`) of the
   English text without the universal words, and BM25 (`landscape.lexical`) over names,
   descriptions, keywords, categories and Chinese glossary terms.
3. Reciprocal-rank fusion of the two, plus a boost for an exact name (the whole query is an
   item's name, "ort") or a name prefix ("candle" -> "candle-core"), plus a small one for items
   of a category the query names ("向量数据库"); kinds the query does not ask for weigh less:
   papers and posts, unless its words ask for them ("papers on ...", "博客" ...) or, when its
   words name no kind nor a kind of software ("framework", "客户端"), its meaning ranking's
   hits say it is a research topic (a paper's best cosine at least software's: papers are
   wanted as well; `search_rank.wanted_kinds`, for a Chinese query through its translation's
   vector).
   A query translated through the general dictionary is ranked twice: the words its first
   hits share are added to its lexical query (pseudo-relevance feedback,
   `landscape.query_feedback`).
4. One result per project (`v_item_project`; an item in no project is its own): the best
   member shown, every member's id listed. A hit with no name match, little of the query's
   words and a low cosine is a weak match: listed apart, under the rest — in the first
   `search_learned.POOL` projects, those whose learned score is under the cut-off below which
   no training judgment found anything relevant (that rule's flag one of the score's inputs;
   `search_rank`, run 6).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import numpy as np

from core.months import Month
from landscape import faiss_index, query_senses
from landscape.embeddings import model_name_or_default
from landscape.query_feedback import FEEDBACK_DOCS, applies, feedback_terms
from landscape.query_text import QueryText, analyse
from landscape.search_files import SearchIndex
from landscape.search_index import current_state, load_search_index
from landscape.search_rank import fused_hits, lexical_ranking, with_curated
from landscape.search_semantic import _one_thread, encode_one, encode_several, semantic_search
from landscape.taxonomy import OUT_OF_SCOPE, UNCATEGORIZED, load_taxonomy
from warehouse import db

log = logging.getLogger(__name__)

KINDS = ("crate", "repo", "paper", "post")
MAX_LIMIT = 200


class SearchInputError(ValueError):
    """A query or filter search cannot run with (the message is one line)."""


def validate_filters(queries: list[str], kinds: list[str] | None, categories: list[str] | None,
                     month: str | None, limit: int) -> None:
    """Raise `SearchInputError` for an empty query, an unknown kind or category, a month that
    is not YYYY-MM, or a limit outside 1..MAX_LIMIT."""
    if not queries or any(not (q or "").strip() for q in queries):
        raise SearchInputError("empty query: give the words to search for")
    bad = [k for k in kinds or [] if k not in KINDS]
    if bad:
        raise SearchInputError(f"unknown kind {bad[0]!r}: one of {', '.join(KINDS)}")
    known = (*load_taxonomy().ids, OUT_OF_SCOPE, UNCATEGORIZED)
    bad = [c for c in categories or [] if c not in known]
    if bad:
        raise SearchInputError(f"unknown category {bad[0]!r}: one of {', '.join(known)}")
    if month is not None:
        try:
            Month.parse(month)
        except ValueError as exc:
            raise SearchInputError(f"bad month: {exc}") from None  # Month says what it expects
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise SearchInputError(f"bad limit {limit!r}: a number from 1 to {MAX_LIMIT}")


# One worker thread encodes the queries while the calling thread runs what needs no vector:
# the DuckDB staleness check and the lexical ranking. Measured at 200k items (bench_search.py,
# per-thread scheduler accounting): a warm search never blocks on I/O, locks or other threads;
# its wall time is its CPU time plus waiting for a core. On an idle 2-core machine the
# encoding (the largest step) and the check + words then share the wall time instead of adding
# up. One worker: encodings of concurrent searches run one at a time anyway (`_one_thread`).
_POOL_LOCK = threading.Lock()
_POOL: tuple[int, ThreadPoolExecutor] | None = None


def _encoder_pool() -> ThreadPoolExecutor:
    """The encoding worker of this process (a forked child makes its own: a pool's threads do
    not survive fork, and submitting to the parent's would wait forever)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL[0] != os.getpid():
            _POOL = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="search-encode"))
        return _POOL[1]


def _encode(texts: list[str], model: str) -> np.ndarray:
    """The query's vector: one text's, or the normalised mean of several readings'
    (`query_synsets.DENSE_MEAN`: a Chinese query's candidate senses, all kept)."""
    with _one_thread():
        if len(texts) == 1:
            return encode_one(texts[0], model)
        mean = encode_several(tuple(texts), model).mean(axis=0)
        return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


def _evidence(index: SearchIndex, model: str) -> Callable[[list[str]], np.ndarray]:
    """The cosines of each text's nearest items in the index, best first (a row per text):
    the retrieval evidence `landscape.query_senses` chooses a Chinese query's reading by. The
    readings are encoded here, on the calling thread (the chosen one's vector is then in
    `encode_one`'s cache when the worker asks for it)."""
    def nearest(texts: list[str]) -> np.ndarray:
        with _one_thread():
            vecs = np.stack([encode_one(t, model) for t in texts])
            sims, _ = faiss_index.search(index.index, vecs, query_senses.depth())
        return sims
    return nearest


def _near(index: SearchIndex, model: str) -> Callable[[str, int], np.ndarray]:
    """The labels of the k items nearest a text by meaning: the evidence an acronym of the
    query's phrase needs (`landscape.query_morph.EVIDENCE`). Encoded on the calling thread,
    only for a query whose phrase spells an indexed token (`encode_one` caches the vector)."""
    def near(text: str, k: int) -> np.ndarray:
        with _one_thread():
            _, labels = faiss_index.search(index.index, encode_one(text, model)[None],
                                           min(k, len(index)))
        return labels[0][labels[0] >= 0]
    return near


@dataclass
class _Query:
    """A query analysed with a loaded index's vocabulary, its encoding under way."""

    text: str
    index: SearchIndex | None
    qt: QueryText
    vector: Future

    @classmethod
    def start(cls, text: str, index: SearchIndex | None, model: str) -> _Query:
        lex = index.lexical if index is not None else None
        # The general Chinese dictionary keeps only words the index holds
        # (`query_zh._sense_weights`).
        qt = analyse(text, vocab=lex.df if lex is not None else None,
                     lexicon=lex,
                     evidence=_evidence(index, model) if index is not None and len(index)
                     else None,
                     near=_near(index, model) if index is not None and len(index) else None,
                     abbrev=index.abbreviations if index is not None else None)
        return cls(text, index, qt, _encoder_pool().submit(
            _encode, qt.readings or [qt.embed_text], model))


def _one(con: duckdb.DuckDBPyConnection, query: _Query, state: tuple, model: str, *,
         kinds: list[str] | None, categories: list[str] | None, month: str | None,
         limit: int) -> dict:
    if query.index is not state[0]:  # analysed with an index the check found stale (or new)
        query = _Query.start(query.text, state[0], model)
    qt = query.qt
    pool = max(50, 5 * limit)  # candidates per ranking: projects fold several items into one
    lexical = lexical_ranking(con, state, qt, kinds, categories, month, pool)
    vector = query.vector.result()
    semantic = semantic_search(con, qt.embed_text, kinds=kinds, categories=categories,
                               until=month, limit=pool, model_name=model, vector=vector,
                               state=state)
    semantic = with_curated(con, state, vector, semantic, kinds=kinds, categories=categories,
                            month=month, pool=pool)
    hits = fused_hits(con, state, qt, semantic, vector, kinds=kinds, categories=categories,
                      month=month, pool=pool, limit=max(limit, FEEDBACK_DOCS), lexical=lexical)
    lex = state[0].lexical if state[0] is not None else None
    if lex is not None and applies(qt):
        # The dictionary's English may not be the items' word for it ("parameters" where
        # they say "argument"): the first results' shared words join the query, rank again.
        extra = feedback_terms(qt, hits, lex.df, len(lex))
        if extra:
            qt = replace(qt, terms={**extra, **qt.terms})
            hits = fused_hits(con, state, qt, semantic, vector, kinds=kinds,
                              categories=categories, month=month, pool=pool, limit=limit)
    return {"query": query.text, "lang": qt.lang, "english": qt.english,
            "index_current": state[0] is not None, "hits": hits[:limit]}


def search(con_or_path: duckdb.DuckDBPyConnection | str | Path, queries: str | list[str], *,
           kinds: list[str] | None = None, categories: list[str] | None = None,
           month: str | None = None, limit: int = 10,
           model_name: str | None = None) -> list[dict]:
    """Ranked projects for each query (see module doc); raises `SearchInputError`."""
    qs = [queries] if isinstance(queries, str) else list(queries)
    validate_filters(qs, kinds, categories, month, limit)
    if not isinstance(con_or_path, duckdb.DuckDBPyConnection):
        with db.connect(read_only=True, path=con_or_path) as con:
            return search(con, qs, kinds=kinds, categories=categories, month=month,
                          limit=limit, model_name=model_name)
    con = con_or_path
    model = model_name_or_default(model_name)
    # Analyse with the loaded index's vocabulary and start encoding before the check says
    # whether that index is current (it nearly always is; `_one` starts over when not).
    started = [_Query.start(q, load_search_index(model), model) for q in qs]
    state = current_state(con, model)
    if state[0] is None:
        log.info("search: no current index; semantic ranking only (exact path)")
    return [_one(con, q, state, model, kinds=kinds, categories=categories, month=month,
                 limit=limit) for q in started]


__all__ = ["KINDS", "MAX_LIMIT", "SearchInputError", "search", "semantic_search",
           "validate_filters"]
