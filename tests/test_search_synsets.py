"""Structured query translation (`landscape.query_synsets`): a Chinese word's candidate
renderings as one BM25 synonym set (`lexical.BM25Index.set_scores`) — over a real small BM25
index, and over a small real warehouse with the real embedding model and search index."""

from __future__ import annotations

import numpy as np
import pytest

from landscape import query_dictionary, query_synsets
from landscape.lexical import ItemDoc, build_bm25
from landscape.search import search
from tests.support.search_warehouse import search_fixtures

# More of these items say "target" than "object" (the general dictionary's first sense of 对象
# is "target"); the ones about object-relational mapping say "object".
ITEMS = [
    ("crate:diesel", "diesel", "Safe object-relational mapping (ORM) and query builder for SQL."),
    ("crate:sea-orm", "sea-orm", "Async object relational mapper: map database rows to objects."),
    ("crate:cross", "cross", "Cross-compile to any target triple; the target toolchain in docker."),
    ("crate:cargo-make", "cargo-make", "Task runner: run a make target for your build."),
    ("crate:rustup", "rustup", "Install toolchains and add a compilation target."),
    ("crate:target-lexicon", "target-lexicon", "Target triple parsing for the target platform."),
    ("crate:indicatif", "indicatif", "A progress bar and cli reporting library."),
    ("crate:petgraph", "petgraph", "Graph data structures: nodes and their relationships."),
]


def _index():  # noqa: ANN202 - a BM25Index of ITEMS
    docs = [ItemDoc(name, description=desc).weighted_terms() for _, name, desc in ITEMS]
    return build_bm25(docs, [[name] for _, name, _ in ITEMS])


@pytest.fixture(autouse=True)
def _without_the_term_base(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """These tests are about the general dictionary's senses of 对象 ("target" first); the term
    base (config/search_termbase.toml) lists 对象 as "object", so they run without it."""
    monkeypatch.setattr(query_dictionary, "TERMBASE_PATH", tmp_path / "none.toml")


def test_a_set_scores_as_one_term() -> None:
    index = _index()
    obj, tgt = (index.scores({"object": 1.0}), index.scores({"target": 1.0}))
    both = index.scores({}, [({"target": 1.0, "object": 1.0}, 1.0)])
    # Every document holding either sense matches the set: the "object" ones too.
    assert set(np.flatnonzero(both)) == set(np.flatnonzero(obj)) | set(np.flatnonzero(tgt))
    # One idf for the set, from the union of the postings: lower than the rarer member's.
    assert 0 < both[0] < obj[0]
    # A set of one member is that term (the tf recovered from the index's weight is exact).
    one = index.scores({}, [({"object": 1.0}, 1.0)])
    assert np.allclose(one, obj, rtol=1e-5)
    # Weighted members (Darwish & Oard): a less likely sense counts less.
    weighted = index.scores({}, [({"target": 1.0, "object": 0.5}, 1.0)])
    assert 0 < weighted[0] < both[0] and weighted[2] > 0


def test_sets_hold_every_kept_rendering(monkeypatch) -> None:  # noqa: ANN001
    senses = {0: [(("target",), 0.6), (("object",), 0.3), (("rust",), 0.1)], 1: [(("map",), 1.0)]}
    terms = {"target": 0.6, "object": 0.3, "map": 1.0, "对象": 1.0}
    monkeypatch.setattr(query_synsets, "CAP", 1)
    assert query_synsets.synonym_sets(senses, terms) == (terms, [])
    monkeypatch.setattr(query_synsets, "CAP", 3)
    monkeypatch.setattr(query_synsets, "WEIGHTED", False)
    rest, sets = query_synsets.synonym_sets(senses, terms)
    # Universal words stay out; a place with one reading makes no set.
    assert sets == [({"target": 1.0, "object": 1.0}, 1.0)]
    assert rest == {"map": 1.0, "对象": 1.0}
    monkeypatch.setattr(query_synsets, "WEIGHTED", True)
    assert query_synsets.synonym_sets(senses, terms)[1] == [({"target": 1.0, "object": 0.5}, 1.0)]


warehouse, con = search_fixtures(
    "synsets", [{"item_id": i, "name": n, "description": d} for i, n, d in ITEMS])


def _word_ranked(result: dict) -> dict[str, int]:
    """item -> its rank in the words (BM25) ranking, for the hits that have one."""
    return {h["item_id"]: h["ranks"]["words"] for h in result["hits"]
            if h["ranks"]["words"] is not None}


def test_the_right_sense_matches_in_a_real_index(con, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(query_synsets, "CAP", 3)
    monkeypatch.setattr(query_synsets, "DENSE_MEAN", False)  # the words alone
    on = search(con, "对象关系映射", limit=8)[0]
    assert on["english"].startswith("target")  # the embedding keeps today's reading
    words = _word_ranked(on)
    # The "object" documents lead the words ranking (they also say relational mapping) ...
    assert sorted(words, key=words.get)[:2] in (["crate:diesel", "crate:sea-orm"],
                                                 ["crate:sea-orm", "crate:diesel"])
    assert {"crate:cross", "crate:rustup"} <= words.keys()  # ... and "target" stays a member


def test_english_queries_are_unaffected(con, monkeypatch) -> None:  # noqa: ANN001
    queries = ["object relational mapping", "target triple", "progress bar"]
    on = search(con, queries, limit=8)  # the defaults: sets and the dense mean on
    monkeypatch.setattr(query_synsets, "CAP", 1)
    assert search(con, queries, limit=8) == on


def test_dense_mean_reads_every_reading(con, monkeypatch) -> None:  # noqa: ANN001
    slots = [("target", "object"), ("relationship",), ("mapping",)]
    monkeypatch.setattr(query_synsets, "CAP", 3)
    monkeypatch.setattr(query_synsets, "DENSE_MEAN", False)
    assert query_synsets.dense_readings(slots) == []  # off when asked
    monkeypatch.setattr(query_synsets, "DENSE_MEAN", True)
    assert query_synsets.dense_readings(slots) == [
        "target relationship mapping", "object relationship mapping"]
    assert query_synsets.dense_readings([("only",)]) == []
    # Through search: the embedding's cosines change (the mean vector), the English does not.
    on = search(con, "对象关系映射", limit=8)[0]
    monkeypatch.setattr(query_synsets, "DENSE_MEAN", False)
    off = search(con, "对象关系映射", limit=8)[0]
    assert on["english"] == off["english"]
    cos = lambda r: {h["item_id"]: h["cos"] for h in r["hits"]}  # noqa: E731
    assert cos(on)["crate:diesel"] != cos(off)["crate:diesel"]


def test_why_names_the_sense_a_document_matched(con) -> None:  # noqa: ANN001
    """A document found through another reading of a word shows that word in its "why", not
    only the first reading's words (diesel says "object", the first reading says "target")."""
    result = search(con, "对象关系映射", limit=8)[0]
    assert result["english"].startswith("target")
    why = {h["item_id"]: h["why"] for h in result["hits"]}
    assert "object" in why["crate:diesel"].split("words: ")[1]
