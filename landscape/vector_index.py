"""The FAISS index of labelled items: the classifier's only source of labels.

Labelled entries are the taxonomy exemplars (and category descriptions), every item a person
reviewed (label = the decision's category, `out_of_scope` included) and watched items that the
watchlist puts in a category. Files live under `warehouse.db.index_dir()`:
`labelled-<version>.faiss` + `labelled-<version>.npy` (vectors, for training the head) and the
manifest `labelled.json`, written last with temp file + `os.replace` — the commit point, so a
reader sees the old or the new index, never half of one.

Public API:
    LabelledIndex.build(entries, vectors, model, ivf_threshold=20000) -> LabelledIndex
    LabelledIndex.search(queries, k) -> (similarities (n, k), positions (n, k))
    LabelledIndex.save(folder=None) / LabelledIndex.load(model, folder=None) -> LabelledIndex | None
    desired_entries(con, taxonomy) -> list[Entry]        # what the index should hold now
    sync_index(con, model_name=None, *, force=False) -> LabelledIndex   # incremental update
    rebuild_index(con, model_name=None) -> LabelledIndex                # from scratch

Flat inner product (exact cosine on normalised vectors) by default; IVF above `ivf_threshold`
(the FAISS mechanics: `landscape.faiss_index`).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import faiss
import numpy as np

from landscape import faiss_index
from landscape.embeddings import classifier_model, embed_cached, ensure_item_embeddings
from landscape.taxonomy import OUT_OF_SCOPE, Taxonomy, load_taxonomy
from warehouse import db

log = logging.getLogger(__name__)

MANIFEST = "labelled.json"


@dataclass(frozen=True)
class Entry:
    key: str          # 'taxonomy:<label>:<name>' | item_id (reviewed / watched item)
    label: str
    source: str       # 'taxonomy' | 'review' | 'watchlist' | 'train'
    title: str
    text: str
    content_hash: str


def _version(entries: list[Entry], model: str) -> str:
    h = hashlib.sha1(model.encode())  # order-independent: incremental adds keep the version
    for key in sorted(f"{e.key}\t{e.label}\t{e.content_hash}" for e in entries):
        h.update(b"\n" + key.encode())
    return h.hexdigest()[:16]


class LabelledIndex:
    def __init__(self, entries: list[Entry], vectors: np.ndarray, index: faiss.Index,
                 model: str, ivf_threshold: int = 20000) -> None:
        self.entries = entries
        self.vectors = vectors
        self.index = index
        self.model = model
        self.ivf_threshold = ivf_threshold
        self.version = _version(entries, model)

    @classmethod
    def build(cls, entries: list[Entry], vectors: np.ndarray, model: str,
              ivf_threshold: int = 20000) -> LabelledIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss_index.build(vectors, ivf_threshold=ivf_threshold)
        return cls(list(entries), vectors, index, model, ivf_threshold)

    @property
    def kind(self) -> str:
        return faiss_index.kind(self.index)

    @property
    def labels(self) -> list[str]:
        return [e.label for e in self.entries]

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, entries: list[Entry], vectors: np.ndarray) -> LabelledIndex:
        """Add entries in place (incremental); rebuilds when the size crosses to IVF."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        all_vecs = np.vstack([self.vectors, vectors]) if len(self.vectors) else vectors
        if faiss_index.outgrown(self.index, len(all_vecs), self.ivf_threshold):
            self.index = faiss_index.build(all_vecs, ivf_threshold=self.ivf_threshold)
        else:
            self.index.add(vectors)
        self.entries = self.entries + list(entries)
        self.vectors = all_vecs
        self.version = _version(self.entries, self.model)
        return self

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return faiss_index.search(self.index, queries, k)

    # -- persistence ---------------------------------------------------------------------
    def save(self, folder: Path | None = None) -> Path:
        folder = Path(folder or db.index_dir())
        stem = f"labelled-{self.version}"
        faiss_index.write(self.index, folder / f"{stem}.faiss")
        buf = io.BytesIO()
        np.save(buf, self.vectors)
        db.atomic_write_bytes(folder / f"{stem}.npy", buf.getvalue())
        manifest = {"version": self.version, "model": self.model, "kind": self.kind,
                    "ivf_threshold": self.ivf_threshold, "files": [f"{stem}.faiss", f"{stem}.npy"],
                    "entries": [asdict(e) for e in self.entries]}
        db.atomic_write_text(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False))
        faiss_index.prune(folder, "labelled-*", manifest["files"])
        return folder / MANIFEST

    @classmethod
    def load(cls, model: str, folder: Path | None = None) -> LabelledIndex | None:
        folder = Path(folder or db.index_dir())
        if not (folder / MANIFEST).exists():
            return None
        try:
            manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
            if manifest["model"] != model:
                return None
            faiss_file, npy_file = manifest["files"]
            index = faiss_index.read(folder / faiss_file)
            vectors = np.load(folder / npy_file)
        except (FileNotFoundError, KeyError, ValueError, RuntimeError) as exc:
            log.warning("labelled index not loaded (%s); it will be rebuilt", exc)
            return None
        entries = [Entry(**e) for e in manifest["entries"]]
        return cls(entries, vectors, index, model, manifest.get("ivf_threshold", 20000))


def desired_entries(con: duckdb.DuckDBPyConnection, taxonomy: Taxonomy,
                    model: str) -> tuple[list[Entry], np.ndarray]:
    """Every labelled entry the index should hold now, with its vector (cached embeddings)."""
    tax = taxonomy.labelled_texts()
    tax_vecs, _ = embed_cached(con, [t[3] for t in tax], model)
    from landscape.embeddings import content_hash

    entries = [Entry(key, label, "taxonomy", title, text, content_hash(text))
               for key, label, title, text in tax]
    vectors = [tax_vecs]
    labelled = con.execute(
        """
        SELECT i.item_id, coalesce(r.category, i.watch_category) AS label,
               CASE WHEN r.category IS NOT NULL THEN 'review' ELSE 'watchlist' END AS source,
               coalesce(i.title, i.name)
        FROM items i LEFT JOIN v_review_latest r USING (item_id)
        WHERE coalesce(r.category, i.watch_category) IS NOT NULL
        ORDER BY i.item_id
        """).fetchall()
    valid = [r for r in labelled if taxonomy.valid_label(r[1]) and r[1] != "uncategorized"]
    if valid:
        iv = ensure_item_embeddings(con, [r[0] for r in valid], model)
        by_id = {i: n for n, i in enumerate(iv.item_ids)}
        keep = [r for r in valid if r[0] in by_id]
        entries += [Entry(r[0], r[1], r[2], r[3], iv.texts[by_id[r[0]]], iv.hashes[by_id[r[0]]])
                    for r in keep]
        vectors.append(iv.vectors[[by_id[r[0]] for r in keep]])
    return entries, np.vstack(vectors).astype(np.float32)


def sync_index(con: duckdb.DuckDBPyConnection, model_name: str | None = None, *,
               force: bool = False, taxonomy: Taxonomy | None = None) -> LabelledIndex:
    """Bring the stored index up to date: unchanged -> loaded as is; only additions -> added
    incrementally; anything removed or relabelled -> rebuilt. Saved atomically when changed."""
    model = classifier_model(model_name)  # the labelled index is the classifier's
    taxonomy = taxonomy or load_taxonomy()
    entries, vectors = desired_entries(con, taxonomy, model)
    threshold = taxonomy.settings.ivf_threshold
    current = None if force else LabelledIndex.load(model)
    if current is not None and current.version == _version(entries, model):
        return current
    if current is not None:
        have = {(e.key, e.label, e.content_hash) for e in current.entries}
        want = [(e.key, e.label, e.content_hash) for e in entries]
        if have <= set(want) and len(have) == len(current.entries):
            new = [n for n, w in enumerate(want) if w not in have]
            current.add([entries[n] for n in new], vectors[new])
            current.save()
            log.info("labelled index: +%d entries (%d total)", len(new), len(current))
            return current
    index = LabelledIndex.build(entries, vectors, model, threshold)
    index.save()
    log.info("labelled index rebuilt: %d entries (%s)", len(index), index.kind)
    return index


def rebuild_index(con: duckdb.DuckDBPyConnection, model_name: str | None = None) -> LabelledIndex:
    """Rebuild the labelled index from scratch (taxonomy + reviews + watchlist)."""
    return sync_index(con, model_name, force=True)


__all__ = ["Entry", "LabelledIndex", "OUT_OF_SCOPE", "desired_entries",
           "rebuild_index", "sync_index"]
