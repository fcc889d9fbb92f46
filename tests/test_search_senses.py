"""Choosing a Chinese query's English reading by retrieval evidence (`landscape.query_senses`),
over a small real warehouse with the real embedding model and index (no mocks)."""

from __future__ import annotations

import pytest

from landscape import query_dictionary, query_senses
from landscape.search import search
from tests.support.search_warehouse import search_fixtures

# The general dictionary's first sense of 对象 is "target", and more of these items say
# "target" than "object": today's reading of 对象关系映射 is "target relationship mapping".
# The items about the concept say "object-relational mapping".
ITEMS = [
    ("crate:diesel", "diesel", "Safe object-relational mapping (ORM) and query builder for SQL."),
    ("crate:sea-orm", "sea-orm", "Async object relational mapper: map database rows to objects."),
    ("crate:cross", "cross", "Cross-compile to any target triple; the target toolchain in docker."),
    ("crate:cargo-make", "cargo-make", "Task runner: run a make target for your build."),
    ("crate:rustup", "rustup", "Install toolchains and add a compilation target."),
    ("crate:target-lexicon", "target-lexicon", "Target triple parsing for the target platform."),
    ("crate:archery", "archery", "Scoring arrows on a target: an archery game."),
    ("crate:indicatif", "indicatif", "A progress bar and cli reporting library."),
    ("crate:petgraph", "petgraph", "Graph data structures: nodes and their relationships."),
]


warehouse, con = search_fixtures(
    "senses", [{"item_id": i, "name": n, "description": d} for i, n, d in ITEMS])


def _on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query_senses, "MAX_READINGS", 8)
    monkeypatch.setattr(query_senses, "TOP_K", 2)
    monkeypatch.setattr(query_senses, "MEASURE", "mean")
    monkeypatch.setattr(query_senses, "MARGIN", 0.0)


@pytest.fixture(autouse=True)
def _without_the_term_base(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """These tests are about the general dictionary's senses of 对象 ("target" first); the term
    base (config/search_termbase.toml) lists 对象 as "object", so they run without it."""
    monkeypatch.setattr(query_dictionary, "TERMBASE_PATH", tmp_path / "none.toml")


def test_the_coherent_reading_wins(con, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(query_senses, "MAX_READINGS", 1)
    today = search(con, "对象关系映射", limit=3)[0]
    assert today["english"].startswith("target")  # the frequent sense, alone
    _on(monkeypatch)
    chosen = search(con, "对象关系映射", limit=3)[0]
    assert chosen["english"].startswith("object")
    assert {h["item_id"] for h in chosen["hits"][:2]} == {"crate:diesel", "crate:sea-orm"}


def test_english_and_unambiguous_queries_keep_their_reading(con, monkeypatch) -> None:  # noqa: ANN001
    _on(monkeypatch)
    assert search(con, "object relational mapping")[0]["english"] == "object relational mapping"
    assert search(con, "向量数据库")[0]["english"] == "vector database"  # the project's words


def test_readings_today_first_then_by_rank_capped() -> None:
    slots = [("a", "b", "c"), ("x",), ("p", "q")]
    got = query_senses.readings(slots, per_slot=3, cap=4)
    assert got == [(0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 0, 1)]
    assert query_senses.readings(slots, per_slot=2, cap=10) == [
        (0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 0, 1)]
    assert query_senses.readings(slots, cap=1) == [(0, 0, 0)]
    assert query_senses.choose([("only",)], lambda texts: [[1.0]], str) is None


def test_a_margin_keeps_todays_reading(monkeypatch) -> None:  # noqa: ANN001
    _on(monkeypatch)
    cos = {"target": [0.50, 0.40], "object": [0.52, 0.45]}
    evidence = lambda texts: [cos[t] for t in texts]  # noqa: E731 - fixed cosines
    assert query_senses.choose([("target", "object")], evidence, str).english == "object"
    monkeypatch.setattr(query_senses, "MARGIN", 0.05)
    assert query_senses.choose([("target", "object")], evidence, str).english == "target"
