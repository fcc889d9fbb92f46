"""What a Chinese query composes beyond the dictionaries' words (`landscape.query_morph`:
suffix morphology, one-character morphemes, acronyms) and the co-occurrence choice of a
word's renderings (`landscape.query_cooc`) — over a real small BM25 index, and over a small
real warehouse with the real embedding model, search index and general dictionary."""

from __future__ import annotations

from landscape import query_cooc, query_dictionary, query_morph
from landscape.embeddings import model_name_or_default
from landscape.lexical import ItemDoc, build_bm25, tokens
from landscape.query_text import analyse
from landscape.search import _near as search_near
from landscape.search import search
from landscape.search_index import load_search_index
from tests.support.search_warehouse import search_fixtures

ITEMS = [
    ("crate:flox", "flox", "A virtual environment and package manager all in one."),
    ("crate:nebula", "nebula", "A package manager for machine learning datasets and models."),
    ("crate:cookcli", "cookcli", "Command-line recipe manager with a web server."),
    ("crate:git-cliff", "git-cliff", "A changelog generator that follows conventional commits."),
    ("crate:diesel", "diesel", "An ORM and query builder."),
    ("crate:sea-orm", "sea-orm", "An async and dynamic ORM."),
    ("crate:cross", "cross", "Cross-compile to any target triple."),
    ("crate:petgraph", "petgraph", "Object graphs: nodes, their relationships and a mapping."),
    ("crate:tch", "tch", "Rust wrappers for the PyTorch C++ API."),
    ("crate:atuin", "atuin", "Your terminal command history in a database, with its record."),
    ("crate:bevy_ecs", "bevy_ecs", "Bevy's ECS: fast queries over archetypes."),
    ("crate:shipyard", "shipyard", "An ECS focused on usability and speed."),
    ("crate:ragit", "ragit", "A RAG pipeline over your documents."),
    ("crate:romdump", "romdump", "Dumps the ROM images of retro game cartridges."),
    ("crate:ort", "ort", "Run ONNX models on CPU and GPU."),
    ("crate:rbatis", "rbatis", "An object relational mapping (ORM) framework."),
]


def test_derived_forms_of_a_rendering() -> None:
    agent = query_morph.SUFFIXES["器"]
    assert "generator" in query_morph.derive("generate", agent)
    assert "generator" in query_morph.derive("generation", agent)
    assert "manager" in query_morph.derive("management", agent)
    assert "parser" in query_morph.derive("parse", agent)
    assert "modernize" in query_morph.derive("modern", query_morph.SUFFIXES["化"])


def test_acronyms_need_the_index_and_no_name(monkeypatch) -> None:  # noqa: ANN001
    slots = [("target", "object"), ("relationship", "connection"), ("mapping",)]
    weights = [[1.0, 0.5], [1.0, 0.2], [1.0]]
    vocab = {"orm": 2, "tcm": 1, "trm": 0}.get
    monkeypatch.setattr(query_morph, "ACRONYMS", 1.0)
    monkeypatch.setattr(query_morph, "CONFIDENCE", "senses")
    found = query_morph.acronyms(slots, weights, lambda t: vocab(t, 0), lambda a: a == "tcm")
    # "orm" from the second sense of 对象: it inherits that sense's doubt; "tcm" is a name.
    assert found == {"orm": 0.5}
    # Weighed by the evidence instead: that a combination of senses spells it is enough.
    monkeypatch.setattr(query_morph, "CONFIDENCE", "spelled")
    assert query_morph.acronyms(slots, weights, lambda t: vocab(t, 0), lambda a: False) == {
        "orm": 1.0, "tcm": 1.0}
    monkeypatch.setattr(query_morph, "ACRONYMS", 0.0)
    assert query_morph.acronyms(slots, weights, lambda t: vocab(t, 0), lambda a: False) == {}


def test_two_letter_acronyms_only_whole_and_rare(monkeypatch) -> None:  # noqa: ANN001
    whole = [("continuous",), ("integration",)]
    vocab = {"ci": 2, "cit": 0}.get

    def found(slots: list, n_docs: int, df: int = 2) -> dict[str, float]:
        return query_morph.acronyms(slots, [[1.0]] * len(slots),
                                    lambda t: df if t == "ci" else vocab(t, 0) or 0,
                                    lambda a: False, n_docs)

    monkeypatch.setattr(query_morph, "SHORT_SHARE", 0.0)
    assert found(whole, 1000) == {}
    monkeypatch.setattr(query_morph, "SHORT_SHARE", 0.005)
    assert found(whole, 1000) == {"ci": 1.0}
    assert found(whole, 1000, df=50) == {}          # "ci" in 5% of the items: anything
    assert found([*whole, ("tool",)], 1000) == {}   # not the whole phrase
    assert found(whole, 0) == {}                    # no index size: never


def test_co_occurrence_chooses_renderings_that_go_together(monkeypatch) -> None:  # noqa: ANN001
    texts = ["A HTTP reverse proxy.", "Agent runtime for AI.", "AI agent in the terminal.",
             "Reverse proxy and load balancer.", "A proxy server for LLM calls.",
             "The opposite direction of travel."]
    index = build_bm25([ItemDoc(None, description=t).weighted_terms() for t in texts],
                       [[] for _ in texts])

    def cand(en: str, w: float) -> tuple[str, tuple[str, ...], float]:
        return (en, tuple(tokens(en)), w)

    places = [[cand("opposite direction", 0.6), cand("reverse", 0.4)],
              [cand("agent", 0.7), cand("proxy", 0.3)]]
    monkeypatch.setattr(query_cooc, "SMOOTH", None)
    off = query_cooc.rerank(places, index.postings, [3, 3], len(index))
    assert [p[0][0] for p in off] == ["opposite direction", "agent"]  # the dictionaries' order
    for measure in ("dice", "pmi"):
        monkeypatch.setattr(query_cooc, "MEASURE", measure)
        monkeypatch.setattr(query_cooc, "SMOOTH", 0.01)
        on = query_cooc.rerank(places, index.postings, [3, 3], len(index))
        assert [p[0][0] for p in on] == ["reverse", "proxy"], measure
        assert all(abs(sum(w for _, _, w in p) - 1.0) < 1e-9 for p in on)
        # A place that is context only keeps its order; the other still follows it.
        fixed = query_cooc.rerank(places, index.postings, [3, None], len(index))
        assert fixed[1] == places[1] and fixed[0][0][0] == "reverse"


warehouse, con = search_fixtures(
    "compose", [{"item_id": i, "name": n, "description": d} for i, n, d in ITEMS])


def _analyse(query: str, near: bool = False):  # noqa: ANN202 - QueryText with the index's
    index = load_search_index()                         # vocabulary (and meaning, `near`)
    return analyse(query, vocab=index.lexical.df, lexicon=index.lexical,
                   near=search_near(index, model_name_or_default(None)) if near else None)


def test_a_compound_is_composed_from_its_parts(con, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    # Without the term base (config/search_termbase.toml), which lists 包管理器 as a word.
    shipped = query_dictionary.TERMBASE_PATH
    monkeypatch.setattr(query_dictionary, "TERMBASE_PATH", tmp_path / "none.toml")
    monkeypatch.setattr(query_morph, "MORPHOLOGY", True)
    on = search(con, ["包管理器", "生成器"], limit=5)
    assert on[0]["english"] == "package manager"  # 包: a morpheme no word covered
    assert {h["item_id"] for h in on[0]["hits"][:2]} == {"crate:flox", "crate:nebula"}
    assert on[1]["english"] == "generator"  # 生成 generate + 器: the agent noun the index has
    assert on[1]["hits"][0]["item_id"] == "crate:git-cliff"
    monkeypatch.setattr(query_morph, "MORPHOLOGY", False)
    off = search(con, ["包管理器", "生成器"], limit=5)
    assert off[0]["english"] == "manager" and "generator" not in off[1]["english"]
    # A word of the term base needs no composing.
    monkeypatch.setattr(query_dictionary, "TERMBASE_PATH", shipped)
    assert search(con, "包管理器", limit=5)[0]["english"] == "package manager"


def test_an_acronym_the_items_use_joins_the_query(con, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(query_morph, "ACRONYMS", 1.0)
    qt = _analyse("对象关系映射")
    assert 0 < qt.terms["orm"] <= 1.0
    words = {h["item_id"] for h in search(con, "对象关系映射", limit=10)[0]["hits"]
             if h["ranks"]["words"] is not None}
    assert {"crate:diesel", "crate:sea-orm"} <= words  # they say only "ORM"
    # Initials that are an item's name are not an acronym of the query (终端命令历史 -> tch).
    assert "tch" not in _analyse("终端命令历史记录").terms
    monkeypatch.setattr(query_morph, "ACRONYMS", 0.0)
    assert "orm" not in _analyse("对象关系映射").terms


def test_an_english_phrase_finds_its_acronym(con, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(query_morph, "ACRONYMS_EN", 1.0)
    assert _analyse("entity component system").terms["ecs"] == 1.0
    hits = search(con, "entity component system", limit=10)[0]["hits"]
    words = {h["item_id"] for h in hits if h["ranks"]["words"] is not None}
    assert {"crate:bevy_ecs", "crate:shipyard"} <= words  # they say only "ECS"
    assert {h["item_id"] for h in hits[:2]} == {"crate:bevy_ecs", "crate:shipyard"}
    assert all("ECS" in h["why"] for h in hits[:2])  # the why names what they matched
    assert "tch" not in _analyse("terminal command history record").terms  # a crate's name
    monkeypatch.setattr(query_morph, "ACRONYMS_EN", 0.0)
    assert "ecs" not in _analyse("entity component system").terms


def test_an_acronym_needs_an_item_near_the_phrase(con, monkeypatch) -> None:  # noqa: ANN001
    # "run ONNX models" spells "rom", which romdump's description holds: only the corpus can
    # tell it is not this phrase's acronym — romdump is far from the phrase by meaning.
    # (Of 16 items all are among the 50 nearest: the test narrows `NEAR` to 7 — bevy_ecs is
    # 6th for "entity component system", romdump 9th for "run ONNX models".)
    monkeypatch.setattr(query_morph, "NEAR", 7)
    monkeypatch.setattr(query_morph, "EVIDENCE", "none")
    assert "rom" in _analyse("run ONNX models", near=True).terms
    monkeypatch.setattr(query_morph, "EVIDENCE", "meaning")
    assert "rom" not in _analyse("run ONNX models", near=True).terms
    assert _analyse("entity component system", near=True).terms["ecs"] == 1.0  # bevy_ecs
    assert 0 < _analyse("对象关系映射", near=True).terms["orm"] <= 1.0          # diesel
    hits = search(con, ["run ONNX models", "entity component system"], limit=5)
    assert "crate:romdump" not in {h["item_id"] for h in hits[0]["hits"]}
    assert {h["item_id"] for h in hits[1]["hits"][:2]} == {"crate:bevy_ecs", "crate:shipyard"}
    # Without the dense index (no `near`) nothing is checked.
    assert "rom" in _analyse("run ONNX models").terms


def test_words_evidence_needs_the_long_form_beside_the_acronym(con, monkeypatch) -> None:  # noqa: ANN001
    # The measured alternative (not adopted): a document holding the acronym must hold words
    # of `PLACES` of the phrase's places. bevy_ecs and shipyard say only "ECS"; rbatis spells
    # "object relational mapping" beside "ORM".
    monkeypatch.setattr(query_morph, "EVIDENCE", "words")
    monkeypatch.setattr(query_morph, "PLACES", 2)
    assert "orm" in _analyse("object relational mapping").terms  # rbatis says both
    assert "ecs" not in _analyse("entity component system").terms
    assert "rom" not in _analyse("run ONNX models").terms
    monkeypatch.setattr(query_morph, "EVIDENCE", "none")
    assert "ecs" in _analyse("entity component system").terms


def test_an_acronym_the_glossary_confirms_keeps_its_weight(con, monkeypatch) -> None:  # noqa: ANN001
    # The query names retrieval-augmented generation; the glossary says "rag" is the same
    # term: a lower acronym weight must not lower the glossary's form.
    for weight in (0.0, 0.5, 1.0):
        monkeypatch.setattr(query_morph, "ACRONYMS_EN", weight)
        assert _analyse("retrieval augmented generation framework").terms["rag"] == 1.0


def test_english_queries_are_unaffected_by_the_chinese_switches(con, monkeypatch) -> None:  # noqa: ANN001
    queries = ["object relational mapping", "package manager", "reverse proxy"]
    monkeypatch.setattr(query_morph, "MORPHOLOGY", True)
    monkeypatch.setattr(query_morph, "ACRONYMS", 1.0)
    monkeypatch.setattr(query_cooc, "SMOOTH", 0.1)
    on = search(con, queries, limit=8)
    monkeypatch.setattr(query_morph, "MORPHOLOGY", False)
    monkeypatch.setattr(query_morph, "ACRONYMS", 0.0)
    monkeypatch.setattr(query_cooc, "SMOOTH", None)
    assert search(con, queries, limit=8) == on
