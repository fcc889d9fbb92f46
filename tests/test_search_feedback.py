"""Pseudo-relevance feedback (`landscape.query_feedback`): which words of the first results are
added to a query's lexical terms, and for which queries."""

from __future__ import annotations

import pytest

from landscape import query_feedback as qf
from landscape.lexical import tokens
from landscape.query_text import analyse


def _hit(name: str, snippet: str, score: float = 1.0, weak: bool = False) -> dict:
    return {"name": name, "snippet": snippet, "score": score, "weak": weak}


def _df(term: str) -> int:
    return 5  # every word equally rare: the weights show the hits' evidence alone


def test_words_the_first_hits_share_are_added() -> None:
    qt = analyse("object relational mapping")
    hits = [_hit("diesel", "A safe, extensible ORM and query builder for Rust."),
            _hit("sea-orm", "An async and dynamic ORM for Rust."),
            _hit("taitan-orm", "ORM with compile time query checks, for Rust.")]
    extra = qf.feedback_terms(qt, hits, _df, n_docs=1000)
    assert "orm" in extra and "query" in extra          # in two or more of the hits
    assert "extensibl" not in tokens(" ".join(extra))   # in one hit only: its quirk
    assert not {"rust", "object", "relational"} & extra.keys()  # universal, or asked already
    assert max(extra.values()) == pytest.approx(qf.FEEDBACK_WEIGHT)
    assert max(extra, key=extra.get) == "orm"           # in all three, most of their words


def test_weak_or_too_few_hits_give_nothing() -> None:
    qt = analyse("object relational mapping")
    one = [_hit("diesel", "ORM and query builder"), _hit("x", "ORM, query", weak=True)]
    assert qf.feedback_terms(qt, one, _df, n_docs=1000) == {}
    assert qf.feedback_terms(qt, [], _df, n_docs=1000) == {}
    unrelated = [_hit("a", "progress bars"), _hit("b", "colored output")]
    assert qf.feedback_terms(qt, unrelated, _df, n_docs=1000) == {}


def test_feedback_applies_to_general_dictionary_translations_only() -> None:
    every = lambda term: 1  # noqa: E731 - an index that holds every word
    assert qf.applies(analyse("可扩张", vocab=every))        # only the general dictionary
    assert not qf.applies(analyse("向量数据库", vocab=every))  # the project's own words
    assert not qf.applies(analyse("可扩张"))                 # no index: no general dictionary
    assert not qf.applies(analyse("object relational mapping", vocab=every))  # English
