"""Semantic search over every item kind, with kind / category / month filters."""

from __future__ import annotations

import json

import pytest

from flows.cli_classify import main
from warehouse import db
from warehouse.embed import ensure_item_embeddings
from warehouse.search import semantic_search

ROWS = [
    # item_id, kind, name, title, description, created_at, watch_category
    ("crate:vecsearch", "crate", "vecsearch", None,
     "Approximate nearest neighbour vector search with HNSW over embeddings", "2025-11-02",
     "vector-db"),
    ("repo:acme/vectordb", "repo", "acme/vectordb", "acme/vectordb",
     "A vector database for similarity search of embeddings", "2025-10-05", "vector-db"),
    ("paper:2511.00001", "paper", "2511.00001", "Graph indexes for billion-scale vector search",
     "We study approximate nearest neighbour search with proximity graphs over embeddings.",
     "2025-11-20", None),
    ("post:abc", "post", "Announcing Rust 1.91", "Announcing Rust 1.91",
     "The Rust team is happy to announce a new version of Rust.", "2025-11-10", None),
    ("crate:rename-it", "crate", "rename-it", None, "A CLI for renaming files", "2025-11-03",
     None),
]


@pytest.fixture
def con(data_dir):  # noqa: ANN001, ANN201 - data_dir from conftest
    with db.connect() as con:
        for item_id, kind, name, title, desc, created, cat in ROWS:
            con.execute("INSERT INTO items (item_id, kind, name, title, description, created_at,"
                        " watch_category, url, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'test')",
                        [item_id, kind, name, title, desc, created, cat,
                         f"https://example.org/{item_id}"])
        assert ensure_item_embeddings(con).embedded == len(ROWS)
        yield con


def test_search_ranks_and_filters(con) -> None:  # noqa: ANN001
    hits = semantic_search(con, "vector similarity search engine", limit=3)
    assert {h["item_id"] for h in hits[:2]} <= {"crate:vecsearch", "repo:acme/vectordb",
                                                 "paper:2511.00001"}
    assert set(hits[0]) == {"item_id", "kind", "title", "url", "score", "category", "snippet"}
    assert hits[0]["score"] >= hits[-1]["score"]
    assert [h["kind"] for h in semantic_search(con, "vector search", kinds=["paper"])] == ["paper"]
    by_cat = semantic_search(con, "vector search", categories=["vector-db"])
    assert {h["item_id"] for h in by_cat} == {"crate:vecsearch", "repo:acme/vectordb"}
    assert all(h["category"] == "vector-db" for h in by_cat)
    in_oct = semantic_search(con, "vector search", month="2025-10")
    assert [h["item_id"] for h in in_oct] == ["repo:acme/vectordb"]
    assert semantic_search(con, "vector", kinds=["crate"], month="2024-01") == []


def test_search_cli_json(con, capsys) -> None:  # noqa: ANN001
    con.close()
    assert main(["search", "rename files", "--kind", "crate", "--limit", "1", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits[0]["item_id"] == "crate:rename-it"
