"""The kinds a query wants (`landscape.search_rank.wanted_kinds`): its words decide when they name
a kind; a query that names none wants software, and papers (posts) as well when the items
nearest it by meaning say it is a research topic — its best paper cosine is at least its best
software cosine (+ `INFER_MARGIN`) — and it names no kind of software ("framework", "库"), in
English and in Chinese (through its translation)."""

from __future__ import annotations

import pytest

from landscape import search_rank
from landscape.query_text import SOFTWARE, analyse
from landscape.search import search, semantic_search
from tests.support.search_warehouse import search_fixtures

ITEMS = [
    # Papers on one research topic, and a crate that shares its words but not its subject.
    ("paper:2601.00001", "paper", "2601.00001", "Iris recognition in the wild: we segment the"
     " iris in near-infrared eye images and match iris codes for biometric identification."),
    ("paper:2601.00002", "paper", "2601.00002", "Presentation attack detection for iris"
     " recognition systems: spotting printed and contact-lens irises."),
    ("crate:recognizer", "crate", "recognizer", "Pattern recognition of shapes and symbols."),
    # Software, and a paper of its area.
    ("crate:qdrant-client", "crate", "qdrant-client",
     "Rust client for Qdrant, the vector search engine and vector database."),
    ("crate:lancedb", "crate", "lancedb", "Serverless vector database for AI applications."),
    ("paper:2511.00001", "paper", "2511.00001", "Graph indexes for billion-scale approximate"
     " nearest neighbour vector search."),
    ("crate:tokio", "crate", "tokio", "An event-driven, non-blocking I/O platform for writing"
     " asynchronous applications with Rust."),
    ("crate:indicatif", "crate", "indicatif", "A progress bar and cli reporting library."),
]

warehouse, con = search_fixtures(
    "kinds", [{"item_id": i, "kind": k, "name": n, "description": d} for i, k, n, d in ITEMS])


def _ids(result: dict) -> list[str]:
    return [h["item_id"] for h in result["hits"]]


def _fused(hit: dict) -> float:
    """A hit's fused score at full weight (no kind prior, no boost)."""
    ranks = (hit["ranks"]["meaning"], hit["ranks"]["words"])
    return sum(w / (search_rank.K + 1 + r)
               for w, r in zip((search_rank.SEMANTIC_WEIGHT, 1.0), ranks, strict=True)
               if r is not None)


def test_neighbours_add_a_kind_only_when_the_words_name_none() -> None:
    def near(**cosines: float) -> list[dict]:
        return [{"kind": k, "score": c} for k, c in cosines.items()]

    research = near(paper=0.60, crate=0.40, post=0.30)
    software = near(paper=0.40, repo=0.42, crate=0.40)  # a paper near, software nearer
    assert search_rank.wanted_kinds(analyse("iris recognition"), research) == (*SOFTWARE, "paper")
    assert search_rank.wanted_kinds(analyse("iris recognition"), software) == SOFTWARE
    # Words that name a kind decide: nothing added, software never put back.
    assert search_rank.wanted_kinds(analyse("papers on iris recognition"), research) == ("paper",)
    assert search_rank.wanted_kinds(analyse("iris recognition"), []) == SOFTWARE


@pytest.mark.parametrize("query", ["iris recognition library", "an iris recognition framework",
                                   "虹膜识别框架", "虹膜识别客户端"])
def test_a_query_that_names_a_kind_of_software_wants_software(query, monkeypatch) -> None:  # noqa: ANN001
    """However much nearer its papers are: the query says it wants an artifact. With the cue
    off (`SOFTWARE_CUE`) the neighbours decide as for any query that names no kind."""
    research = [{"kind": "paper", "score": 0.70}, {"kind": "crate", "score": 0.30}]
    qt = analyse(query)
    assert qt.names_software and qt.wants == SOFTWARE
    assert search_rank.wanted_kinds(qt, research) == SOFTWARE
    monkeypatch.setattr(search_rank, "SOFTWARE_CUE", False)
    assert search_rank.wanted_kinds(qt, research) == (*SOFTWARE, "paper")


@pytest.mark.parametrize("query", ["iris recognition", "world models for GUI agents",
                                   "虹膜识别", "recommender systems"])
def test_research_subjects_are_not_software_words(query) -> None:  # noqa: ANN001
    """Words that are as much a research subject as a product (model, agent, system) name no
    kind of software."""
    assert not analyse(query).names_software


def test_a_research_topic_gets_its_papers_at_full_weight(con, monkeypatch) -> None:  # noqa: ANN001
    """Its nearest items are papers: they count at full weight, as software does, and rank above
    every item of another subject; in Chinese alike (through its translation's neighbours).
    With the inference off (a margin nothing reaches) they weigh `KIND_PRIOR` as before: the
    fusion then puts the crate first (the learned pool scoring off — it may weigh a paper's
    cosine above the prior; `search_learned`)."""
    papers = {"paper:2601.00001", "paper:2601.00002"}
    en, zh = search(con, ["iris recognition", "虹膜识别"])
    assert "iris" in zh["english"]
    for result in (en, zh):
        assert set(_ids(result)[:3]) == {*papers, "crate:recognizer"}, _ids(result)
        for hit in result["hits"][:3]:
            assert hit["fusion_score"] == pytest.approx(_fused(hit), abs=1e-5), hit
    monkeypatch.setattr(search_rank, "INFER_MARGIN", 10.0)
    monkeypatch.setattr(search_rank, "LEARNED", False)
    for result in search(con, ["iris recognition", "虹膜识别"]):
        assert _ids(result)[0] == "crate:recognizer"
        for hit in result["hits"]:
            if hit["item_id"] in papers:
                want = search_rank.KIND_PRIOR * _fused(hit)
                assert hit["score"] == pytest.approx(want, abs=1e-5), hit


def test_a_software_query_keeps_software_first(con) -> None:  # noqa: ANN001
    """A software query whose neighbours include a paper of its area wants software only: the
    paper weighs `KIND_PRIOR` (listed, not removed)."""
    result = search(con, "vector database")[0]
    assert _ids(result)[:2] in (["crate:lancedb", "crate:qdrant-client"],
                                ["crate:qdrant-client", "crate:lancedb"])
    paper = next(h for h in result["hits"] if h["item_id"] == "paper:2511.00001")
    assert paper["fusion_score"] == pytest.approx(search_rank.KIND_PRIOR * _fused(paper), abs=1e-5)


@pytest.mark.parametrize("query", ["iris recognition", "vector database"])
def test_kinds_follow_the_neighbours_through_the_product_path(con, query) -> None:  # noqa: ANN001
    """The search's own meaning ranking decides: papers added for the research topic only."""
    semantic = semantic_search(con, query, limit=50)
    wants = search_rank.wanted_kinds(analyse(query), semantic)
    assert ("paper" in wants) == (query == "iris recognition")


def test_a_chinese_query_about_a_release_wants_the_announcements() -> None:
    """发布 / 新版本 in a Chinese query that names no kind of software: posts (release
    announcements) are what it wants — not the release tools its translation is nearest to; a
    query naming a kind of software (发布工具 "release tool") keeps software."""
    assert analyse("Rust 新版本发布").wants == ("post",)
    assert analyse("tokio 发布").wants == ("post",)
    assert analyse("版本发布工具").wants == SOFTWARE
    assert analyse("Rust 版本管理").wants == SOFTWARE   # 版本 alone is no release
    assert analyse("Rust release").wants == SOFTWARE    # English queries: off (not chosen)
