"""Abbreviations the corpus defines (`landscape.abbreviations`, Schwartz & Hearst 2003): mined
from the indexed texts as written when the search index is built, stored with it, and used at
query time in both directions — a long form the query holds adds its short form to the words;
a short form it types adds the long form to what the embedding reads."""

from __future__ import annotations

import json

from landscape import abbreviations
from landscape.abbreviations import definitions, mine
from landscape.query_text import analyse
from landscape.search import search
from landscape.search_files import FORMAT
from landscape.search_index import load_search_index
from tests.support.search_warehouse import search_fixtures

# Abstract-like text, as arXiv and crates.io write it.
ABSTRACT = (
    "Large language models (LLMs) are increasingly deployed with Retrieval-Augmented "
    "Generation (RAG). We study Processing-in-Memory (PIM) accelerators for the "
    "key-value cache (e.g., HBM-PIM, 2023) and report the mean absolute percentage error "
    "(MAPE) of our model. An ECS (entity component system) organises game state; we "
    "evaluate on three datasets (see Table 2) and on WebArena (R-WoM achieves gains of up to "
    "25.3% on it).")


def test_the_miner_reads_both_patterns_as_written() -> None:
    found = dict(definitions(ABSTRACT))
    assert found["LLMs"] == "Large language models"
    assert found["RAG"] == "Retrieval-Augmented Generation"
    assert found["PIM"] == "Processing-in-Memory"
    assert found["ECS"] == "entity component system"  # "SF (long form)"
    # Not definitions: a year and an example, a table reference, a sentence with numbers.
    assert not {"HBM-PIM", "see Table 2", "WebArena"} & set(found)
    assert all(lf != "2023" for lf in found.values())
    # The case condition: a lower-case word in parentheses is no short form.
    assert definitions("written in the rust language (rust)") == []


def test_mined_pairs_are_tokens_and_keep_the_majority_long_form() -> None:
    other = "Our Retrieval Augmented Generation (RAG) baseline; Rough Adaptive Grids (RAG)."
    mined = mine([ABSTRACT, other, "Retrieval-augmented generation (RAG) again."])
    assert mined.get("llm").long == ("larg", "languag", "model")  # a plural's s dropped
    assert mined.get("rag").long == ("retrieval", "augment", "generation")
    assert mined.get("rag").docs == 3
    assert mined.get("ec") is None and mined.get("ecs").written == "entity component system"
    # "MAPE" would be the token "map" (the stemmer's), an English word: not kept.
    assert mined.get("map") is None and mined.get("mape") is None
    assert set(mined.shorts_in(["research", "process", "memory"])) == {"pim"}


ITEMS = [
    ("paper:2601.00001", "paper", "2601.00001",
     "We study Processing-in-Memory (PIM) accelerators for large language model inference: "
     "moving matrix-vector products into DRAM banks."),
    ("crate:upmem-sdk", "crate", "upmem-sdk", "Bindings for the UPMEM PIM DPU toolchain."),
    ("crate:tokio", "crate", "tokio", "An event-driven, non-blocking I/O platform for writing"
     " asynchronous applications with Rust."),
    ("crate:rig-core", "crate", "rig-core",
     "Build portable, modular LLM applications: RAG pipelines, agents and embeddings."),
    ("paper:2601.00002", "paper", "2601.00002",
     "Retrieval-Augmented Generation (RAG) grounds a model's answers in retrieved passages."),
]

warehouse, con = search_fixtures(
    "abbrev", [{"item_id": i, "kind": k, "name": n, "description": d} for i, k, n, d in ITEMS])


def test_the_index_stores_the_pairs_it_mined(warehouse) -> None:  # noqa: ANN001
    manifest = json.loads(next(warehouse.parent.glob("index/search-*.json")).read_text())
    assert manifest["format"] == FORMAT and "abbrev" in manifest["files"]
    index = load_search_index(folder=warehouse.parent / "index")
    assert index.abbreviations.get("pim").written == "Processing-in-Memory"
    assert index.abbreviations.get("rag").long == ("retrieval", "augment", "generation")


def test_a_long_form_finds_the_items_that_say_only_the_short_form(con, monkeypatch) -> None:  # noqa: ANN001
    """The crate says "PIM", never "processing in memory": the query's long form reaches it
    through the mined pair, in the words ranking; with the pairs off it has no word match."""
    def words_rank(result: dict) -> int | None:
        return next((h["ranks"]["words"] for h in result["hits"]
                     if h["item_id"] == "crate:upmem-sdk"), None)

    (res,) = search(con, ["processing in memory"])
    assert words_rank(res) is not None, res["hits"]
    monkeypatch.setattr(abbreviations, "MINED_SHORT", 0.0)
    (res,) = search(con, ["processing in memory"])
    assert words_rank(res) is None


def test_a_typed_short_form_is_read_with_its_long_form(warehouse) -> None:  # noqa: ANN001
    abbrev = load_search_index(folder=warehouse.parent / "index").abbreviations
    qt = analyse("RAG pipelines", abbrev=abbrev)
    assert "Retrieval-Augmented Generation" in qt.embed_text
    assert "rag" in qt.terms
    # A Chinese query's translation's short form is not typed: its embedding text is its own.
    assert "Retrieval" not in analyse("检索增强生成", abbrev=abbrev).embed_text
    # The long form adds the short form to the words at MINED_SHORT, shown as an acronym (a
    # glossary term's, "rag", weighs its form's share: the glossary confirms it).
    qt = analyse("processing in memory", abbrev=abbrev)
    assert qt.terms["pim"] == abbreviations.MINED_SHORT and qt.acronyms == ["pim"]
    qt = analyse("retrieval augmented generation framework", abbrev=abbrev)
    assert "rag" in qt.terms and "rag" in qt.acronyms
