"""The query's concepts (`landscape.query_concepts`): the forms of one thing a query asks for
(an acronym and its long form, a Chinese word and its English, a glossary term's forms) kept
together by the analysis, and the coordination over them — an item holding a concept by ANY
form holds it whole. Over a real small BM25 index and the project's real dictionary."""

from __future__ import annotations

import numpy as np

from landscape.lexical import ItemDoc, build_bm25
from landscape.query_concepts import Concept, coverage, merged, token_weights
from landscape.query_text import analyse

ITEMS = [
    ("alpha", "A RAG framework for agents.", []),
    ("beta", "A retrieval augmented generation framework.", []),
    ("gamma", "A text generation framework.", []),
    ("delta", "An embedded vector database.", []),
    ("epsilon", "Store documents in a database.", []),
    ("zeta", "嵌入式存储。", ["向量数据库"]),
    ("eta", "LLM inference on the CPU.", []),
    ("theta", "Fast HTTP server.", []),
    ("iota", "A JSON parser.", []),
    ("kappa", "Terminal colours.", []),
]


def _index():  # noqa: ANN202 - a BM25Index of ITEMS
    docs = [ItemDoc(name, description=desc, extra_zh=zh).weighted_terms()
            for name, desc, zh in ITEMS]
    return build_bm25(docs, [[name] for name, _, _ in ITEMS])


def _held(query: str) -> tuple[list[Concept], dict[str, float]]:
    """The query's concepts, and each item's coverage by name."""
    lex = _index()
    qt = analyse(query, vocab=lex.df, lexicon=lex)
    held = coverage(lex, qt.concepts, token_weights(qt.terms, qt.sets))
    return qt.concepts, {name: float(h) for (name, _, _), h in zip(ITEMS, held, strict=True)}


def test_an_item_saying_only_the_acronym_holds_the_concept() -> None:
    concepts, held = _held("retrieval augmented generation framework")
    # Two concepts, not five terms: RAG (the acronym and the three words spelling it) and
    # framework.
    assert len(concepts) == 2
    rag = next(c for c in concepts if ("rag",) in c.forms)
    assert {"retrieval", "augment", "generation"} <= rag.tokens()
    assert np.isclose(held["alpha"], 1.0) and np.isclose(held["beta"], 1.0)
    # "generation" alone is a third of the long form: the item holds RAG only in part.
    assert held["gamma"] < held["alpha"]
    assert held["theta"] == 0.0


def test_a_chinese_concept_is_held_by_its_english_form() -> None:
    concepts, held = _held("向量数据库")
    # The items that say it in English and the one that says it in Chinese hold all of it.
    assert np.isclose(held["delta"], 1.0) and np.isclose(held["zeta"], 1.0)
    assert held["epsilon"] < held["delta"]  # "database" only
    assert all(c.tokens() & {"vector", "databas", "向量", "数据"} for c in concepts)


def test_a_glossary_term_s_forms_are_one_concept() -> None:
    concepts, held = _held("large language model inference")
    llm = next(c for c in concepts if ("llm",) in c.forms)
    assert {"larg", "languag", "model"} <= llm.tokens()
    assert np.isclose(held["eta"], 1.0)  # says "LLM inference": every concept


def test_merging_keeps_the_other_concepts_in_place() -> None:
    words = [Concept((("fast",),)), Concept((("retrieval",),)), Concept((("augment",),)),
             Concept((("generation",),)), Concept((("tool",),))]
    out = merged(words, ("retrieval", "augment", "generation"), [("rag",)])
    assert [c.forms for c in out] == [(("fast",),), (("rag",),), (("tool",),)]
    assert out[1].parts == tuple(words[1:4])
    # A long form no concept holds joins as an alternative of its own.
    (only,) = merged([Concept((("rag",),))], ("retrieval", "augment"), [("rag",)])
    assert ("retrieval", "augment") in only.forms

