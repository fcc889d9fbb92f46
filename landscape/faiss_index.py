"""FAISS index mechanics, in one place: build (flat or IVF), add or rebuild, search, write
atomically, read, and drop the files of earlier versions.

Two indexes use it, each with its own entries, files and manifest:
- `landscape.vector_index`: the classifier's labelled entries (taxonomy, reviews, watchlist);
- `landscape.search_index` / `landscape.search_files`: every embedded item, for search.

Both are inner-product indexes over normalised vectors (inner product = cosine): exact (flat)
up to a size threshold, IVF above it, with ONE sizing rule (`ivf_params`: ~sqrt(n) lists,
k-means on a sample of `TRAIN_PER_LIST` points per list). Only the threshold differs, and it is
passed in: each index sets it from what a flat scan costs for its queries (see its module).

Public API:
    Sizing = Callable[[int], tuple[int, int]]           # n -> (nlist, nprobe)
    ivf_params(n) -> (nlist, nprobe);  TRAIN_PER_LIST   # the one sizing rule
    build(vectors, *, ivf_threshold, sizing=ivf_params, train_per_list=TRAIN_PER_LIST) -> faiss.Index
    outgrown(index, total, ivf_threshold, *, trained_on=0, retrain_growth=None) -> bool
    kind(index) -> 'flat' | 'ivf';  ivf_fields(index) -> (nlist, nprobe) | (None, None)
    search(index, queries, k) -> (similarities (n, k), labels (n, k))
    write(index, path)                                   # temp file + os.replace
    read(path, *, nprobe=None, direct_map=False) -> faiss.Index
    prune(folder, pattern, keep)                         # earlier versions' files
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path

import faiss
import numpy as np

from warehouse import db

Sizing = Callable[[int], tuple[int, int]]

# k-means on a sample: 64 points per centroid place them well; training on all 200k vectors
# took minutes on 2 cores for no gain in recall (bench/RESULTS.md, bench_search).
TRAIN_PER_LIST = 64


def ivf_params(n: int) -> tuple[int, int]:
    """(nlist, nprobe) for n vectors: ~sqrt(n) lists (at least 39 training points each),
    probing 1/8 of them, at least 16 (so all of them in a small index)."""
    nlist = int(max(1, min(round(np.sqrt(n)), n // 39)))
    return nlist, int(min(nlist, max(16, nlist // 8)))


def build(vectors: np.ndarray, *, ivf_threshold: int, sizing: Sizing = ivf_params,
          train_per_list: int | None = TRAIN_PER_LIST) -> faiss.Index:
    """An index holding `vectors` (labels 0..n-1 in order): flat up to `ivf_threshold`
    vectors, IVF above it, sized by `sizing(n)`. k-means trains on every vector, or on a fixed
    random sample of `train_per_list` points per list (seeded: the same vectors give the same
    index)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    d = vectors.shape[1]
    if len(vectors) <= ivf_threshold:
        index = faiss.IndexFlatIP(d)
    else:
        nlist, nprobe = sizing(len(vectors))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
        if train_per_list is None:
            index.train(vectors)
        else:
            sample = min(len(vectors), train_per_list * nlist)
            rng = np.random.default_rng(0)
            index.train(vectors[np.sort(rng.choice(len(vectors), sample, replace=False))])
        index.nprobe = nprobe
    index.add(vectors)
    return index


def outgrown(index: faiss.Index, total: int, ivf_threshold: int, *, trained_on: int = 0,
             retrain_growth: int | None = None) -> bool:
    """Whether an index that would hold `total` vectors after an add must be built afresh
    instead: a flat index past `ivf_threshold` (it becomes IVF), or, when `retrain_growth` is
    given, an IVF index holding that many times the vectors its centroids were trained on
    (its lists would grow far past the sizing rule)."""
    if kind(index) == "flat":
        return total > ivf_threshold
    return retrain_growth is not None and total >= retrain_growth * max(trained_on, 1)


def kind(index: faiss.Index) -> str:
    return "ivf" if isinstance(index, faiss.IndexIVF) else "flat"


def ivf_fields(index: faiss.Index) -> tuple[int | None, int | None]:
    """(nlist, nprobe) of an IVF index, (None, None) of a flat one: what manifests record."""
    if isinstance(index, faiss.IndexIVF):
        return int(index.nlist), int(index.nprobe)
    return None, None


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest of each query row (k clamped to 1..size; label -1 where there are fewer)."""
    k = max(1, min(k, int(index.ntotal)))
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), k)


def write(index: faiss.Index, path: Path) -> None:
    """Write the index so a reader sees the old file or the new one, never half of it. FAISS
    writes straight to a path: no need to serialise hundreds of MB into bytes first."""
    db.atomic_write_via(path, lambda tmp: faiss.write_index(index, tmp))


def read(path: Path, *, nprobe: int | None = None, direct_map: bool = False) -> faiss.Index:
    """Read an index file (RuntimeError when FAISS cannot, a missing file included). On an IVF
    index: `nprobe` overrides the stored one; `direct_map` makes label -> vector lookups
    (`reconstruct`) possible."""
    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexIVF):
        if nprobe:
            index.nprobe = int(nprobe)
        if direct_map:
            index.make_direct_map()
    return index


def prune(folder: Path, pattern: str, keep: Iterable[str]) -> None:
    """Delete the files matching `pattern` that the new manifest does not name (earlier
    versions'). Called after the manifest is written: a reader that read the old manifest has
    already opened its files, or retries on the new one."""
    keep = set(keep)
    for old in folder.glob(pattern):
        if old.name not in keep:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()


__all__ = ["Sizing", "build", "ivf_fields", "kind", "outgrown", "prune", "read", "search",
           "write"]
