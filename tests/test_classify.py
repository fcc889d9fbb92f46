"""Classifier on real tiny data with the real model (loaded once per process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pytest

from landscape.classify import ClassifySummary, classify_items
from landscape.review import record_decision, review_queue
from landscape.taxonomy import load_taxonomy
from landscape.topics import detect_emerging_topics
from landscape.vector_index import Entry, LabelledIndex, sync_index
from warehouse import db

ITEMS = [
    ("crate:rename-it", "crate", "rename-it", "A CLI for renaming files", []),
    ("crate:tensorlite", "crate", "tensorlite",
     "A tiny deep learning framework with autograd tensors, neural network layers and GPU "
     "training", ["ml", "deep-learning"]),
    ("crate:vecsearch", "crate", "vecsearch",
     "Approximate nearest neighbour vector search with HNSW over embeddings", ["ann"]),
    ("crate:quickjs-bundle", "crate", "quickjs-bundle",
     "Fast JavaScript and TypeScript bundler and minifier written in Rust", []),
]


def add_items(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    for item_id, kind, name, desc, kw in rows:
        con.execute(
            "INSERT INTO items (item_id, kind, name, title, description, keywords, source,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, 'test', TIMESTAMP '2025-11-03')",
            [item_id, kind, name, name, desc, kw])


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    mp = pytest.MonkeyPatch()
    mp.setenv("PANORAMA_DATA_DIR", str(tmp_path_factory.mktemp("classify-data")))
    mp.delenv("PANORAMA_DB", raising=False)
    with db.connect() as con:
        add_items(con, ITEMS)
        yield con
    mp.undo()


@pytest.fixture(scope="module")
def first_run(warehouse: duckdb.DuckDBPyConnection) -> ClassifySummary:
    """The module's items classified once (run 2025-11): what the later tests build on, so each
    of them also runs alone (`-k`), not only after the test that used to do it."""
    return classify_items(warehouse, "2025-11")


def current(con: duckdb.DuckDBPyConnection, item_id: str) -> tuple:
    return con.execute("SELECT category, decided_by, confidence, neighbours FROM"
                       " v_item_category WHERE item_id = ?", [item_id]).fetchone()


def test_taxonomy_has_the_contract_ids_and_exemplars() -> None:
    tax = load_taxonomy()
    # docs/CONTRACTS.md "Taxonomy category ids", in the seed's order
    assert tax.ids == ("frameworks", "data-scientific", "model-formats", "systems-engineering",
                       "ai-code-tools", "autodiff", "vector-db", "frontend-build",
                       "ai-dev-tools", "wasm-edge", "agentic-web", "multimodal")
    assert all(c.name_zh and c.name_en and c.description_zh and c.description_en and
               len(c.exemplars) >= 3 for c in tax.categories)
    names = {e.name for c in tax.categories for e in c.exemplars}
    assert {"candle", "burn", "tch-rs", "ort", "polars", "safetensors", "RustMap"} <= names
    assert len(tax.out_of_scope) >= 20


def test_classify_new_items(warehouse: duckdb.DuckDBPyConnection,
                            first_run: ClassifySummary) -> None:
    s = first_run
    assert s.classified == len(ITEMS) and s.embedded == len(ITEMS) and not s.skipped
    assert current(warehouse, "crate:rename-it")[0] == "out_of_scope"
    assert current(warehouse, "crate:tensorlite")[0] == "frameworks"
    assert current(warehouse, "crate:vecsearch")[0] == "vector-db"
    assert current(warehouse, "crate:quickjs-bundle")[0] == "frontend-build"
    row = warehouse.execute("SELECT method, model, run_id, needs_review, neighbours FROM"
                            " classifications WHERE item_id = 'crate:vecsearch'").fetchone()
    assert row[1] == "all-MiniLM-L6-v2" and row[2] == "2025-11" and row[0]
    neighbours = json.loads(row[4])
    assert neighbours[0]["label"] == "vector-db" and 0 < neighbours[0]["similarity"] <= 1
    assert {"id", "title", "label", "similarity"} <= set(neighbours[0])


def test_unchanged_rerun_embeds_nothing(warehouse: duckdb.DuckDBPyConnection,
                                        first_run: ClassifySummary) -> None:
    s = classify_items(warehouse, "2025-11")
    assert s.skipped and s.embedded == 0 and s.classified == 0


def test_changed_text_is_reembedded_and_reclassified(warehouse: duckdb.DuckDBPyConnection,
                                                     first_run: ClassifySummary) -> None:
    add_items(warehouse, [("crate:wasm-infer", "crate", "wasm-infer",
                           "Run ONNX neural network inference in the browser with WebAssembly "
                           "and WebGPU", [])])
    s = classify_items(warehouse, "2025-12")
    assert s.embedded == 1 and s.classified == 1
    assert current(warehouse, "crate:wasm-infer")[0] == "wasm-edge"
    warehouse.execute("UPDATE items SET description = 'A GPU tensor deep learning framework'"
                      " WHERE item_id = 'crate:wasm-infer'")
    s = classify_items(warehouse, "2025-12")
    assert s.embedded == 1 and s.classified == 1


def test_review_wins_and_changes_later_classifications(
        warehouse: duckdb.DuckDBPyConnection, first_run: ClassifySummary) -> None:
    record_decision(warehouse, "crate:rename-it", "reassign", "alice", category="ai-dev-tools",
                    note="renames with an LLM")
    assert current(warehouse, "crate:rename-it")[:2] == ("ai-dev-tools", "review")
    # a near-duplicate now finds the reviewed item as its nearest labelled neighbour
    add_items(warehouse, [("crate:rename-it-cli", "crate", "rename-it-cli",
                           "A CLI for renaming files", [])])
    s = classify_items(warehouse, "2026-01")
    assert s.embedded == 1  # only the new item; the reviewed one's vector is cached
    cat, by, _, neighbours = current(warehouse, "crate:rename-it-cli")
    assert by == "machine" and cat == "ai-dev-tools"
    assert json.loads(neighbours)[0]["id"] == "crate:rename-it"
    # the machine never overwrites a person
    classify_items(warehouse, "2026-02")
    assert current(warehouse, "crate:rename-it")[:2] == ("ai-dev-tools", "review")
    with pytest.raises(ValueError):
        record_decision(warehouse, "crate:rename-it", "reassign", "alice", category="nope")
    with pytest.raises(ValueError):
        record_decision(warehouse, "crate:rename-it", "accept", "")


def test_review_queue_lists_uncertain_first(warehouse: duckdb.DuckDBPyConnection,
                                            first_run: ClassifySummary) -> None:
    warehouse.execute("UPDATE classifications SET needs_review = TRUE, confidence = 0.3"
                      " WHERE item_id = 'crate:vecsearch'")
    queue = review_queue(warehouse, limit=10)
    assert queue[0]["item_id"] == "crate:vecsearch"
    assert queue[0]["neighbours"][0]["label"]
    record_decision(warehouse, "crate:vecsearch", "accept", "bob")
    assert current(warehouse, "crate:vecsearch")[:2] == ("vector-db", "review")
    assert all(q["item_id"] != "crate:vecsearch" for q in review_queue(warehouse))


def test_emerging_topics_cluster_uncategorized(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = [(f"crate:quantum-{n}", "crate", f"quantum-{n}", desc, []) for n, desc in enumerate([
        "Quantum circuit simulator with qubit gates for quantum machine learning",
        "Simulate quantum circuits and qubits; variational quantum machine learning",
        "Quantum machine learning: qubit circuit simulation and variational circuits",
    ])]
    add_items(warehouse, rows)
    for r in rows:
        record_decision(warehouse, r[0], "reassign", "carol", category="uncategorized")
    topics = detect_emerging_topics(warehouse, "2026-02", min_size=3)
    assert len(topics) == 1 and topics[0]["size"] == 3
    assert "quantum" in topics[0]["name"]
    stored = warehouse.execute("SELECT name, size, item_ids FROM emerging_topics"
                               " WHERE run_id = '2026-02'").fetchall()
    assert stored[0][1] == 3 and len(stored[0][2]) == 3


def test_index_written_atomically_and_reloads(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(6, 8)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    entries = [Entry(f"k{n}", "a" if n < 3 else "b", "test", f"t{n}", f"text {n}", f"h{n}")
               for n in range(6)]
    idx = LabelledIndex.build(entries[:4], vecs[:4], "m")
    idx.save(tmp_path)
    old_files = {p.name for p in tmp_path.iterdir()}
    idx.add(entries[4:], vecs[4:])
    idx.save(tmp_path)
    files = {p.name for p in tmp_path.iterdir()}
    assert not any(n.endswith(".tmp") for n in files)  # nothing half-written left behind
    assert files != old_files and len(files) == 3       # old version's files replaced
    back = LabelledIndex.load("m", tmp_path)
    assert back is not None and back.version == idx.version and len(back) == 6
    sims, pos = back.search(vecs[5:6], 1)
    assert pos[0, 0] == 5 and sims[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert LabelledIndex.load("other-model", tmp_path) is None
    ivf = LabelledIndex.build(entries * 20, np.vstack([vecs] * 20), "m", ivf_threshold=50)
    assert ivf.kind == "ivf" and idx.kind == "flat"


def test_sync_index_reuses_unchanged_index(warehouse: duckdb.DuckDBPyConnection,
                                           first_run: ClassifySummary) -> None:
    # a person's decision, so the index holds review entries whichever tests ran before
    record_decision(warehouse, "crate:tensorlite", "accept", "dave")
    first = sync_index(warehouse)
    manifest = db.index_dir() / "labelled.json"
    mtime = manifest.stat().st_mtime_ns
    again = sync_index(warehouse)
    assert again.version == first.version and manifest.stat().st_mtime_ns == mtime
    labels = {e.label for e in again.entries}
    assert {"out_of_scope", "frameworks"} <= labels
    assert any(e.source == "review" for e in again.entries)


def test_a_model_loads_once_when_threads_ask_together() -> None:
    """The classify flow embeds chunks on several threads: they share one loaded model (a
    second copy of mpnet would cost 420 MB)."""
    from concurrent.futures import ThreadPoolExecutor

    from landscape import embeddings

    embeddings._load_model.cache_clear()
    with ThreadPoolExecutor(4) as pool:
        models = list(pool.map(lambda _: embeddings.load_model(embeddings.DEFAULT_MODEL), range(4)))
    assert all(m is models[0] for m in models)
    assert embeddings._load_model.cache_info().misses == 1
