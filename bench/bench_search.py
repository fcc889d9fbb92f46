"""Semantic-search latency at 200k items: p50/p95/p99 of single queries (goal p95 <= 50 ms).

    .venv/bin/python bench/bench_search.py [--items 200000] [--queries 1000] [--k 20] [--no-encode]

The index is built the way the classifier builds its own, through `warehouse.vector_index`
(`LabelledIndex.build`: exact flat inner product below `ivf_threshold`, FAISS IVF above it —
so IVF at 200k), over random-normal 384-d vectors normalised to unit length (the shape of
all-MiniLM-L6-v2 embeddings; the content does not change FAISS's cost). Each query is one
normalised random vector searched alone, as a user's query would be. Reported:

  ivf (vector_index)   LabelledIndex.search, the IVF index vector_index builds at this size
                       (FAISS's default OpenMP threads, then 1 thread)
  flat (exact)         the same entries in a flat index (ivf_threshold above the size)
  numpy brute force    `vectors @ q` + argsort over the in-memory matrix: the ranking step
                       `warehouse.search.semantic_search` does today (it also reloads the
                       vectors from DuckDB on every call, which is not timed here)
  query encoding       embedding one query text with the project's model (if installed)

Exit 1 if the IVF p95 plus the encoding p95 is over 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOAL_MS = 50.0
DIM = 384


def _normalised(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM), dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def _latencies(fn: Callable[[int], object], n: int, warmup: int = 20) -> list[float]:
    for i in range(warmup):
        fn(i)
    out = []
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def _pct(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100)
    return f"p50 {q[49]:7.2f} ms   p95 {q[94]:7.2f} ms   p99 {q[98]:7.2f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=200_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--no-encode", action="store_true", help="skip timing the query embedding")
    args = ap.parse_args()

    import faiss

    from warehouse.vector_index import Entry, LabelledIndex

    rng = np.random.default_rng(42)
    vectors = _normalised(rng, args.items)
    queries = _normalised(rng, args.queries + 20)
    entries = [Entry(f"crate:bench-{i}", "frameworks", "bench", f"bench-{i}", "", "")
               for i in range(args.items)]
    print(f"{args.items:,} items x {DIM}-d, {args.queries} single queries, k={args.k}, "
          f"faiss {faiss.__version__} ({faiss.omp_get_max_threads()} threads)", flush=True)

    results: dict[str, list[float]] = {}
    started = time.monotonic()
    ivf = LabelledIndex.build(entries, vectors, "bench-random-384")  # project default threshold
    nprobe = getattr(ivf.index, "nprobe", None)
    print(f"built {ivf.kind} index via vector_index in {time.monotonic() - started:.1f} s"
          f"{f' (nlist {ivf.index.nlist}, nprobe {nprobe})' if nprobe else ''}", flush=True)
    results[f"ivf (vector_index, {ivf.kind})"] = _latencies(
        lambda i: ivf.search(queries[i:i + 1], args.k), args.queries)

    # FAISS parallelises one query over OpenMP threads; on a small, busy machine the thread
    # hand-off can cost more than it saves, so show single-threaded too.
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    results[f"ivf (vector_index, {ivf.kind}), 1 thread"] = _latencies(
        lambda i: ivf.search(queries[i:i + 1], args.k), args.queries)
    faiss.omp_set_num_threads(threads)

    flat = LabelledIndex.build(entries, vectors, "bench-random-384", ivf_threshold=args.items + 1)
    results["flat (exact)"] = _latencies(lambda i: flat.search(queries[i:i + 1], args.k), args.queries)
    # Recall of the IVF top-k against the exact top-k, so the speed is not bought blindly.
    _, exact = flat.search(queries[:200], args.k)
    _, approx = ivf.search(queries[:200], args.k)
    recall = np.mean([len(set(a) & set(e)) / args.k for a, e in zip(approx, exact, strict=True)])

    results["numpy brute force (semantic_search ranking)"] = _latencies(
        lambda i: np.argsort(-(vectors @ queries[i]))[:args.k], args.queries)

    encode_ms: list[float] = []
    if not args.no_encode:
        try:
            from warehouse.embed import encode

            texts = [f"rust crate for fast vector search number {i}" for i in range(args.queries + 20)]
            encode(texts[:1])  # model load, not a query
            encode_ms = _latencies(lambda i: encode([texts[i]]), min(args.queries, 300))
            results["query encoding (model)"] = encode_ms
        except Exception as exc:  # noqa: BLE001 - the model is optional for this bench
            print(f"query encoding not timed: {exc}")

    print()
    for name, ms in results.items():
        print(f"{name:<46} {_pct(ms)}")
    print(f"IVF recall@{args.k} vs exact: {recall:.3f}")
    ivf_ms = next(iter(results.values()))
    p95 = statistics.quantiles(ivf_ms, n=100)[94]
    total = p95 + (statistics.quantiles(encode_ms, n=100)[94] if encode_ms else 0.0)
    print(f"\nsearch p95 (IVF{' + query encoding' if encode_ms else ''}): {total:.1f} ms "
          f"(goal <= {GOAL_MS:.0f} ms) -> {'OK' if total <= GOAL_MS else 'OVER'}")
    return 0 if total <= GOAL_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
