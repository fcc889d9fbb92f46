"""Acronyms nested in the long form of a query's acronym (`landscape.query_nested`): GUI is
"graphical user interface", whose head "user interface" is UI — items that say "UI framework"
are found by "GUI framework", when the corpus reads "ui" as that phrase."""

from __future__ import annotations

import numpy as np
import pytest

from landscape import query_nested
from landscape.abbreviations import Abbreviations, Pair
from landscape.query_text import analyse
from landscape.search import search
from tests.support.search_warehouse import search_fixtures

GUI = Pair(("graphical", "user", "interfac"), 2, "Graphical User Interface")
DF = {"gui": 10, "ui": 5, "framework": 40, "graphical": 4, "user": 17, "interfac": 9}
POSTINGS = {"ui": np.array([3, 7])}


def vocab(t: str) -> int:
    return DF.get(t, 0)


def postings(t: str) -> np.ndarray:
    return POSTINGS.get(t, np.zeros(0, dtype=np.int64))


def near_of(labels: list[int]):  # noqa: ANN201
    asked: list[str] = []

    def near(text: str, k: int) -> np.ndarray:
        asked.append(text)
        return np.array(labels[:k])
    return near, asked


@pytest.fixture(autouse=True)
def _on(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(query_nested, "WEIGHT", 1.0)
    monkeypatch.setattr(query_nested, "EVIDENCE", True)


def test_the_head_of_a_long_form_gives_its_acronym_when_the_corpus_reads_it_so() -> None:
    near, asked = near_of([1, 7, 9])
    found = query_nested.nested({"gui": GUI}, {"gui", "framework"}, vocab, lambda a: False,
                                postings, near)
    assert found == {"ui": "gui"}
    assert asked == ["User Interface"]  # the suffix phrase, as written


def test_no_evidence_no_name_no_repeat() -> None:
    far, _ = near_of([1, 2])  # no item holding "ui" is near "User Interface"
    assert query_nested.nested({"gui": GUI}, {"gui"}, vocab, lambda a: False, postings,
                               far) == {}
    near, _ = near_of([7])
    assert query_nested.nested({"gui": GUI}, {"gui"}, vocab, lambda a: a == "ui", postings,
                               near) == {}  # "ui" is an item's name
    assert query_nested.nested({"gui": GUI}, {"gui", "ui"}, vocab, lambda a: False, postings,
                               near) == {}  # the query holds it already
    unknown = Pair(("text", "user", "interfac"), 2, "Text User Interface")
    assert query_nested.nested({"tui": unknown}, {"tui"}, lambda t: 0, lambda a: False,
                               postings, near) == {}  # the index lacks the token


def test_off_adds_nothing(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(query_nested, "WEIGHT", 0.0)
    near, asked = near_of([7])
    assert query_nested.nested({"gui": GUI}, {"gui"}, vocab, lambda a: False, postings,
                               near) == {}
    assert asked == []  # nothing encoded when off


def test_the_query_reads_the_nested_acronym_as_its_parent_concept(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(query_nested, "EVIDENCE", False)  # no index here to ask
    qt = analyse("GUI framework", vocab=vocab, abbrev=Abbreviations({"gui": GUI}))
    assert qt.terms["ui"] == pytest.approx(qt.terms["gui"])
    gui = next(c for c in qt.concepts if ("gui",) in c.forms)
    assert ("ui",) in gui.forms  # one concept: an item saying "UI" covers it
    assert "ui" in qt.acronyms  # shown in a hit's "why" as the items write it
    monkeypatch.setattr(query_nested, "WEIGHT", 0.0)
    assert "ui" not in analyse("GUI framework", vocab=vocab,
                               abbrev=Abbreviations({"gui": GUI})).terms


ITEMS = [
    ("paper:2601.00003", "paper", "2601.00003",
     "We study agents that operate a Graphical User Interface (GUI) from screenshots."),
    ("crate:euv-like", "crate", "euv-like",
     "A declarative, cross-platform UI framework with reactive signals."),
    ("crate:iced-like", "crate", "iced-like", "A cross-platform GUI library inspired by Elm."),
    ("crate:tokio", "crate", "tokio", "An event-driven, non-blocking I/O platform for writing"
     " asynchronous applications with Rust."),
]

warehouse, con = search_fixtures(
    "nested", [{"item_id": i, "kind": k, "name": n, "description": d} for i, k, n, d in ITEMS])


def test_a_gui_query_finds_the_item_that_says_only_ui(con, monkeypatch) -> None:  # noqa: ANN001
    """The crate says "UI framework", never "GUI": the mined pair GUI = Graphical User
    Interface gives "ui" to the words ranking; with the nested acronyms off it has only
    "framework"."""
    def words(result: dict) -> str:
        return next(h["why"] for h in result["hits"] if h["item_id"] == "crate:euv-like")

    (res,) = search(con, ["GUI framework"])
    assert "UI" in words(res).split("words: ")[1].split(";")[0].split(", "), res["hits"]
    monkeypatch.setattr(query_nested, "WEIGHT", 0.0)
    (res,) = search(con, ["GUI framework"])
    assert "UI" not in words(res)
