"""The search index's files: what is on disk, how it is written and read.

`landscape.search_index` decides when to write (sync) and keeps the loaded index per process;
this module is the format. Files under `warehouse.db.index_dir()`, per model (`<slug>` = a
short hash of the model name):

    search-<slug>.json                      manifest: model, count, version, kind, nlist, nprobe,
                                            fingerprint, texts_stamp (config files the lexical
                                            documents read: `search_docs.texts_stamp`), files,
                                            sizes ... — written last (temp
                                            file + `os.replace`): the commit point
    search-<slug>-<version>.faiss           the index; a vector's FAISS label is its int id
    search-<slug>-<version>.ids.arrow       int id -> item_id, content_hash (id = row number)
    search-<slug>-<version>.meta.arrow      int id -> what search shows and filters on: kind,
                                            month ('YYYY-MM' of created_at, else first_seen_at),
                                            title, url, snippet, base category (watchlist, else
                                            latest machine) and who decided it
                                            ('watchlist' | 'machine'), present (still in
                                            `items`)
    search-<slug>-<version>.lex.arrow       the BM25 vocabulary (`landscape.lexical`), document
    search-<slug>-<version>.lex.postings.arrow  number = int id; its postings
    search-<slug>-<version>.curated.arrow   int id, vector of each curated (taxonomy exemplar)
                                            text describing an item (`search_docs.item_texts`)
    search-<slug>-<version>.abbrev.arrow    the (short form, long form) pairs the texts define
                                            (`landscape.abbreviations`): short, long (tokens),
                                            docs, written

Readers load the files a manifest names, so they see the old or the new index, never half of
one.

Public API:
    FORMAT; snippet(text, width=240) -> str
    ItemMeta(tbl), SearchIndex(index, item_ids, hashes, manifest, meta=None, lexical=None,
                               curated=None)
    read_manifest(folder, model) -> dict | None;  read_index(folder, manifest, reuse=None)
    files_intact(folder, manifest) -> bool
    save_index(folder, model, index, item_ids, hashes, *, fp, ivf_threshold, trained_on, meta,
               meta_fp, texts, keep=None) -> dict (the manifest written)
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
from pathlib import Path

import duckdb
import faiss
import numpy as np
import pyarrow as pa
import pyarrow.ipc

from landscape import faiss_index
from landscape.abbreviations import Abbreviations, Pair
from landscape.arrow_numpy import to_numpy
from landscape.embeddings import _vectors_from_arrow, settle
from landscape.lexical import BM25Index
from landscape.search_docs import ItemTexts
from warehouse import db

log = logging.getLogger(__name__)

# 2: a lexical (BM25) index beside the FAISS one; 3: the meta file says who decided each
# item's base category (`decided_by`); 4: the lexical documents hold the editors' descriptions
# of watched projects, and the manifest the stamp of the files read for them (`texts_stamp`);
# 5: the abbreviations the texts define (`abbrev` file).
# An index of an older format is rebuilt at the next sync (search meanwhile runs the exact
# semantic path).
FORMAT = 5

def snippet(text: str | None, width: int = 240) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[:width - 1].rsplit(" ", 1)[0] + "…"


def _slug(model: str) -> str:
    return hashlib.sha1(model.encode("utf-8")).hexdigest()[:10]


def _manifest_path(folder: Path, model: str) -> Path:
    return folder / f"search-{_slug(model)}.json"


class ItemMeta:
    """The meta file, by FAISS label: codes (numpy) for filtering, arrow arrays for display."""

    def __init__(self, tbl: pa.Table) -> None:
        def codes(name: str) -> tuple[np.ndarray, list]:
            enc = tbl.column(name).combine_chunks().dictionary_encode()
            return (to_numpy(enc.indices, fill=-1).astype(np.int32),
                    enc.dictionary.to_pylist())

        self.kind, self.kinds = codes("kind")
        self.month, self.months = codes("month")
        self.category, self.cats = codes("category")
        self.decided_by, self.deciders = codes("decided_by")
        self.present = to_numpy(tbl.column("present"), fill=False)
        self.title = tbl.column("title").combine_chunks()
        self.url = tbl.column("url").combine_chunks()
        self.snippet = tbl.column("snippet").combine_chunks()

    def __len__(self) -> int:
        return len(self.kind)


class SearchIndex:
    """A loaded index: FAISS labels are positions in `item_ids`; `meta` (None when the manifest
    names no meta file) holds the item fields search shows and filters on, by label; `lexical`
    the BM25 index whose document numbers are the same labels."""

    def __init__(self, index: faiss.Index, item_ids: list[str], hashes: list[str],
                 manifest: dict, meta: ItemMeta | None = None,
                 lexical: BM25Index | None = None,
                 curated: tuple[np.ndarray, np.ndarray] | None = None,
                 abbreviations: Abbreviations | None = None) -> None:
        self.index = index
        self.lexical = lexical
        # (short form, long form) pairs the indexed texts define (`landscape.abbreviations`)
        self.abbreviations = abbreviations if abbreviations is not None else Abbreviations()
        self.curated = curated  # (labels, vectors) of curated texts (`search_docs.item_texts`)
        # Readers' per-process caches of warehouse facts, each stored with its freshness key
        # (e.g. `search_rank._project_map`); they live and die with this loaded version.
        self.cache: dict[str, tuple] = {}
        self.item_ids = item_ids
        self.hashes = hashes
        self.manifest = manifest
        self.meta = meta
        self._labels: dict[str, int] | None = None
        self._reviewed: tuple[object, np.ndarray, list, np.ndarray, list] | None = None
        self._lock = threading.Lock()

    def categories(self, con: duckdb.DuckDBPyConnection,
                   review_key: object) -> tuple[np.ndarray, list]:
        """(category code by label, code -> category): the meta file's base category (the
        watchlist's, else the machine's) with `v_item_category`'s other deciders on top: a
        watched project's category for its reviewed members not on the watchlist, then the
        latest review decision with a category. Re-read only when `review_key` (review
        decisions, then project membership: `search_index.current_state`) changes."""
        return self._overlaid(con, review_key)[1:3]

    def deciders_of(self, con: duckdb.DuckDBPyConnection,
                    review_key: object) -> tuple[np.ndarray, list]:
        """(code by label, code -> who decided the `categories` category: 'review',
        'watchlist', 'project' or 'machine'; -1 when there is no category)."""
        return self._overlaid(con, review_key)[3:5]

    def _overlaid(self, con: duckdb.DuckDBPyConnection, review_key: object) -> tuple:
        cached = self._reviewed
        if cached is not None and cached[0] == review_key:
            return cached
        with self._lock:
            cached = self._reviewed
            if cached is not None and cached[0] == review_key:
                return cached
            assert self.meta is not None
            if self._labels is None:
                self._labels = {item_id: n for n, item_id in enumerate(self.item_ids)}
            cats, deciders = list(self.meta.cats), list(self.meta.deciders)
            code = {c: n for n, c in enumerate(cats)}
            eff, by = self.meta.category.copy(), self.meta.decided_by.copy()
            watchlist = deciders.index("watchlist") if "watchlist" in deciders else -2
            for who, rows in (("project", _project_categories(con)), ("review", _reviews(con))):
                if who not in deciders:
                    deciders.append(who)
                for item_id, cat in rows:
                    label = self._labels.get(item_id)
                    # A decision without a category leaves the base; the watchlist outranks
                    # a project's category (the view's precedence).
                    if label is None or cat is None or (who == "project"
                                                         and by[label] == watchlist):
                        continue
                    if cat not in code:
                        code[cat] = len(cats)
                        cats.append(cat)
                    eff[label] = code[cat]
                    by[label] = deciders.index(who)
            self._reviewed = (review_key, eff, cats, by, deciders)
            return self._reviewed

    def labels_of(self, item_ids: list[str]) -> np.ndarray:
        """FAISS labels of the items (-1 for an item not in the index)."""
        with self._lock:
            if self._labels is None:
                self._labels = {item_id: n for n, item_id in enumerate(self.item_ids)}
        return np.array([self._labels.get(i, -1) for i in item_ids], dtype=np.int64)

    def vectors(self, labels: np.ndarray) -> np.ndarray:
        """The stored vectors of the labels (an IVF index has its direct map from `read_index`)."""
        if len(labels) == 0:
            return np.zeros((0, self.index.d), dtype=np.float32)
        return self.index.reconstruct_batch(np.ascontiguousarray(labels, dtype=np.int64))

    @property
    def version(self) -> str:
        return self.manifest["version"]

    @property
    def kind(self) -> str:
        return faiss_index.kind(self.index)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def exhaustive(self, k: int) -> bool:
        """Whether a top-k search returns every item (only a flat index can promise that)."""
        return self.kind == "flat" and k >= len(self)

    def search(self, query: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(item_id, cosine) of the k nearest items, best first."""
        if len(self) == 0:
            return []
        sims, labels = faiss_index.search(self.index, np.reshape(query, (1, -1)), k)
        return [(self.item_ids[int(lab)], float(s))
                for s, lab in zip(sims[0], labels[0], strict=True) if lab >= 0]


def _reviews(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(item_id, category) of each item's latest review decision."""
    settle(con)
    return con.execute(
        "SELECT item_id, category FROM review_decisions QUALIFY row_number() OVER ("
        " PARTITION BY item_id ORDER BY decided_at DESC, decision_id DESC) = 1").fetchall()


def _project_categories(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(item_id, category) of the reviewed members of watched projects with a category (none
    before the projects migration)."""
    try:
        return con.execute(
            "SELECT pm.item_id, any_value(p.category) FROM project_members pm"
            " JOIN projects p USING (project_id) WHERE p.watched AND p.category IS NOT NULL"
            " AND NOT pm.needs_review GROUP BY pm.item_id").fetchall()
    except duckdb.CatalogException:
        return []


# -- files ----------------------------------------------------------------------------------

def read_manifest(folder: Path, model: str) -> dict | None:
    path = _manifest_path(folder, model)
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, OSError) as exc:
        log.warning("search index manifest %s unreadable (%s)", path.name, exc)
        return None
    if manifest.get("model") != model or manifest.get("format") != FORMAT:
        return None
    return manifest


def _read_ids(folder: Path, manifest: dict) -> tuple[list[str], list[str]]:
    with pa.memory_map(str(folder / manifest["files"]["ids"])) as src:
        tbl = pa.ipc.open_file(src).read_all()
    return tbl.column("item_id").to_pylist(), tbl.column("content_hash").to_pylist()


def _read_meta(folder: Path, manifest: dict, count: int) -> ItemMeta | None:
    name = manifest["files"].get("meta")
    if not name:
        return None
    with pa.memory_map(str(folder / name)) as src:
        meta = ItemMeta(pa.ipc.open_file(src).read_all())
    if len(meta) != count:
        raise ValueError(f"index holds {count} vectors but meta {len(meta)} rows")
    return meta


def read_index(folder: Path, manifest: dict, reuse: SearchIndex | None = None) -> SearchIndex:
    """Load the manifest's files; the FAISS index and ids of `reuse` when they are the same
    files (a sync that only rewrote the meta file)."""
    if reuse is not None and all(reuse.manifest["files"].get(f) == manifest["files"][f]
                                 for f in ("faiss", "ids")):
        index, ids, hashes = reuse.index, reuse.item_ids, reuse.hashes
    else:
        # The direct map (label -> vector) gives the cosine of lexical-only hits.
        index = faiss_index.read(folder / manifest["files"]["faiss"],
                                 nprobe=manifest.get("nprobe"), direct_map=True)
        ids, hashes = _read_ids(folder, manifest)
    if len(ids) != index.ntotal:
        raise ValueError(f"index holds {index.ntotal} vectors but {len(ids)} ids")
    lexical = None
    if manifest["files"].get("lexical"):
        lexical = BM25Index.load(folder / manifest["files"]["lexical"],
                                 folder / manifest["files"]["postings"])
        if len(lexical) != len(ids):
            raise ValueError(f"index holds {len(ids)} ids but lexical {len(lexical)} documents")
    curated = None
    if manifest["files"].get("curated"):
        with pa.memory_map(str(folder / manifest["files"]["curated"])) as src:
            tbl = pa.ipc.open_file(src).read_all()
        curated = (to_numpy(tbl.column("label")),
                   _vectors_from_arrow(tbl.column("vector"), tbl.num_rows).reshape(
                       tbl.num_rows, index.d))
    return SearchIndex(index, ids, hashes, manifest, _read_meta(folder, manifest, len(ids)),
                       lexical, curated, _read_abbreviations(folder, manifest))


def _read_abbreviations(folder: Path, manifest: dict) -> Abbreviations | None:
    name = manifest["files"].get("abbrev")
    if not name:
        return None
    with pa.memory_map(str(folder / name)) as src:
        tbl = pa.ipc.open_file(src).read_all()
    return Abbreviations({s: Pair(tuple(lf), int(n), w) for s, lf, n, w in zip(
        tbl.column("short").to_pylist(), tbl.column("long").to_pylist(),
        tbl.column("docs").to_pylist(), tbl.column("written").to_pylist(), strict=True)})


def files_intact(folder: Path, manifest: dict) -> bool:
    """The manifest's files exist with the sizes written (cheap; no 300 MB read)."""
    try:
        return all((folder / f).stat().st_size == manifest["sizes"][f]
                   for f in manifest["files"].values())
    except (OSError, KeyError):
        return False


def _arrow_bytes(tbl: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, tbl.schema) as writer:
        writer.write_table(tbl)
    return sink.getvalue().to_pybytes()


def save_index(folder: Path, model: str, index: faiss.Index, item_ids: list[str],
               hashes: list[str], *, fp: str, ivf_threshold: int, trained_on: int,
               meta: pa.Table, meta_fp: str, texts: ItemTexts,
               keep: dict | None = None) -> dict:
    """Write a new version: every file, or only the meta and lexical files when `keep` (the
    current manifest) names FAISS and ids files that are still right."""
    version = f"{int(time.time()):x}{secrets.token_hex(4)}"
    stem = f"search-{_slug(model)}-{version}"
    if keep is not None:
        files = {"faiss": keep["files"]["faiss"], "ids": keep["files"]["ids"]}
    else:
        files = {"faiss": f"{stem}.faiss", "ids": f"{stem}.ids.arrow"}
        faiss_index.write(index, folder / files["faiss"])
        tbl = pa.table({"item_id": pa.array(item_ids, pa.string()),
                        "content_hash": pa.array(hashes, pa.string())})
        db.atomic_write_bytes(folder / files["ids"], _arrow_bytes(tbl))
    files["meta"] = f"{stem}.meta.arrow"
    db.atomic_write_bytes(folder / files["meta"], _arrow_bytes(meta))
    files["lexical"], files["postings"] = f"{stem}.lex.arrow", f"{stem}.lex.postings.arrow"
    texts.bm25.save(folder / files["lexical"], folder / files["postings"])
    files["curated"] = f"{stem}.curated.arrow"
    db.atomic_write_bytes(folder / files["curated"], _arrow_bytes(pa.table({
        "label": pa.array(texts.curated_labels),
        "vector": pa.array(list(texts.curated_vectors), pa.list_(pa.float32()))})))
    files["abbrev"] = f"{stem}.abbrev.arrow"
    pairs = texts.abbreviations.pairs
    db.atomic_write_bytes(folder / files["abbrev"], _arrow_bytes(pa.table({
        "short": pa.array(list(pairs), pa.string()),
        "long": pa.array([list(p.long) for p in pairs.values()], pa.list_(pa.string())),
        "docs": pa.array([p.docs for p in pairs.values()], pa.int32()),
        "written": pa.array([p.written for p in pairs.values()], pa.string())})))
    nlist, nprobe = faiss_index.ivf_fields(index)
    manifest = {
        "format": FORMAT, "model": model, "count": int(index.ntotal), "version": version,
        "kind": faiss_index.kind(index), "dim": int(index.d), "nlist": nlist, "nprobe": nprobe,
        "ivf_threshold": ivf_threshold, "trained_on": trained_on, "fingerprint": fp,
        "meta_fingerprint": meta_fp, "texts_stamp": texts.stamp,
        "files": files, "sizes": {f: (folder / f).stat().st_size for f in files.values()},
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    db.atomic_write_text(_manifest_path(folder, model), json.dumps(manifest, indent=1))
    # Earlier versions' files: a reader that read the old manifest has already opened them
    # (or retries once on the new manifest, see load_search_index).
    faiss_index.prune(folder, f"search-{_slug(model)}-*", files.values())
    return manifest


__all__ = ["FORMAT", "ItemMeta", "SearchIndex", "files_intact", "read_index", "read_manifest",
           "save_index", "snippet"]
