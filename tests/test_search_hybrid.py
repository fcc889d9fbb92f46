"""Hybrid search (`landscape.search`): words (BM25, Chinese bigrams, glossary translation) fused
with meaning (embeddings), exact names first, one result per project, weak matches last, the
torch-free query encoder, filter validation and `panorama search` / `panorama eval-search`."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from flows.cli import main
from landscape import query_synsets, search_rank, zh_fallback
from landscape.embeddings import encode
from landscape.lexical import PROJECT_MARK, UNIVERSAL, ItemDoc, build_bm25, name_key, tokens
from landscape.query_encoder import encode_queries, encode_query
from landscape.query_text import analyse
from landscape.search import SearchInputError, search
from tests.support.search_warehouse import search_fixtures
from warehouse import db

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ITEMS = [
    # item_id, kind, name, description, keywords, created_at
    ("crate:ort", "crate", "ort", "A safe Rust wrapper for ONNX Runtime: fast ML inference.",
     ["onnx", "inference", "ml"], "2023-01-10"),
    ("crate:ort-sys", "crate", "ort-sys", "Unsafe Rust bindings for ONNX Runtime.", ["onnx"],
     "2023-01-10"),
    ("repo:pykeio/ort", "repo", "pykeio/ort", "Fast ML inference & training for ONNX models.",
     ["onnx", "rust"], "2022-11-02"),
    ("crate:sea-orm", "crate", "sea-orm", "An async and dynamic ORM for Rust.", ["orm", "sql"],
     "2021-05-01"),
    ("crate:diesel", "crate", "diesel", "A safe, extensible ORM and query builder for Rust.",
     ["orm", "database", "sql"], "2015-11-29"),
    ("crate:qdrant-client", "crate", "qdrant-client",
     "Rust client for Qdrant, the vector search engine and vector database.",
     ["qdrant", "vector-search", "database"], "2022-04-26"),
    ("crate:lancedb", "crate", "lancedb", "Serverless vector database for AI applications.",
     ["vector", "database", "embeddings"], "2023-05-02"),
    ("crate:rust-cpp", "crate", "rust-cpp", "Rust: embed C++ code directly in Rust, for Rust.",
     ["rust", "cpp"], "2025-12-03"),
    ("crate:tokio", "crate", "tokio", "An event-driven, non-blocking I/O platform for writing"
     " asynchronous applications with Rust.", ["async", "runtime", "io"], "2016-07-01"),
    ("crate:tokio-util", "crate", "tokio-util", "Additional utilities for working with Tokio.",
     ["async"], "2019-01-01"),
    ("crate:whisper-rs", "crate", "whisper-rs", "Rust bindings to whisper.cpp, speech"
     " recognition (speech to text) with OpenAI's Whisper model.", ["speech", "asr"],
     "2022-10-01"),
    ("crate:indicatif", "crate", "indicatif", "A progress bar and cli reporting library.",
     ["progress", "cli"], "2017-01-01"),
    # A paper's abstract repeats a query's words more than any crate's description does.
    ("paper:2501.00001", "paper", "2501.00001", "Speech recognition with small models: we"
     " study speech recognition on device and show that speech recognition models recognise"
     " speech in many languages.", [], "2025-01-05"),
]


warehouse, con = search_fixtures(
    "hybrid", [{"item_id": i, "kind": k, "name": n, "description": d, "keywords": kw,
                "created_at": c} for i, k, n, d, kw, c in ITEMS])


def _ids(result: dict) -> list[str]:
    return [h["item_id"] for h in result["hits"]]


def test_query_encoder_equals_sentence_transformers() -> None:
    texts = ["vector database", "向量数据库 与 近似最近邻", "WebAssembly 运行时", "ort",
             " ".join(["a long query about tensors"] * 80)]  # truncated at 256 tokens alike
    want = encode(texts)
    for text, w in zip(texts, want, strict=True):
        got = encode_query(text)
        assert got.dtype == np.float32 and got.shape == w.shape
        assert float(got @ w) > 0.9999, text
    # The packed pass (the readings of an ambiguous Chinese query, one forward pass): each
    # text sees only its own tokens, so every row equals the text encoded alone.
    packed = encode_queries(texts)
    assert packed.shape == want.shape and packed.dtype == np.float32
    assert (np.sum(packed * want, axis=1) > 0.9999).all()


def test_tokens_names_and_bm25_files(tmp_path) -> None:  # noqa: ANN001
    assert tokens("向量数据库") == ["向量", "量数", "数据", "据库"]
    assert tokens("Serving LLMs locally, in Rust") == ["serv", "llm", "local", "rust"]
    assert tokens("serve") == tokens("serving") == tokens("serves")
    assert name_key("Mistral.rs") == name_key("mistral_rs") == "mistral-rs"
    docs = [ItemDoc("candle-core", description="tensors on GPU").weighted_terms(),
            ItemDoc("candle", description="a minimalist ML framework").weighted_terms(),
            ItemDoc("burn", description="deep learning with tensors").weighted_terms()]
    index = build_bm25(docs, [["candle-core", PROJECT_MARK + "candle"], ["candle"], ["burn"]])
    exact, project, prefix = index.name_matches("candle")
    assert (exact.tolist(), project.tolist(), prefix.tolist()) == ([1], [0], [])
    assert index.name_matches("burn")[0].tolist() == [2]
    scores = index.scores({"tensor": 1.0, "gpu": 1.0})
    assert scores[0] > scores[2] > 0 and scores[1] == 0
    index.save(tmp_path / "v.arrow", tmp_path / "p.arrow")
    loaded = type(index).load(tmp_path / "v.arrow", tmp_path / "p.arrow")
    assert loaded.vocab == index.vocab
    assert np.array_equal(loaded.scores({"tensor": 1.0, "gpu": 1.0}), scores)


def test_universal_words_are_tokens() -> None:
    """Every use compares tokens with UNIVERSAL: an entry that is not its own token (a word
    the stemmer changes, "crate" -> "crat") would never match, and never count little."""
    assert all(tokens(w) == [w] for w in UNIVERSAL)
    assert analyse("vector database in Rust").embed_text == "vector database"


def test_chinese_and_mixed_queries_are_translated() -> None:
    q = analyse("向量数据库")
    assert (q.lang, q.english) == ("zh", "vector database")
    assert q.categories.get("vector-db") == 1.0  # names the category
    assert {"向量", "数据", "vector", "databas"} <= q.terms.keys()
    assert analyse("WebAssembly 运行时").english == "WebAssembly runtime"
    assert analyse("语音识别").english == "speech recognition"
    en = analyse("vector database in Rust")
    assert en.embed_text == "vector database"  # the universal word and its link dropped
    assert en.terms["rust"] < en.terms["vector"]
    llm = analyse("serve large language models")  # glossary: one concept in either form
    assert llm.terms["llm"] == 1.0 and llm.terms["languag"] == pytest.approx(1 / 3)


def test_general_dictionary_is_a_fallback(con, monkeypatch) -> None:  # noqa: ANN001
    """A Chinese word only the general dictionary (cedict) knows finds the item; a word the
    project's own dictionary covers keeps its translation; renderings the index lacks are
    dropped and the rest share one word's weight (the translation's terms: synonym sets off,
    they are tested in tests/test_search_synsets.py)."""
    monkeypatch.setattr(query_synsets, "CAP", 1)
    assert analyse("可展开").english == ""  # not in the glossary / search_terms / taxonomy
    hit = search(con, "可展开")[0]  # cedict: 可展开 -> extensible ("A safe, extensible ORM")
    assert "extensible" in hit["english"] and _ids(hit)[0] == "crate:diesel"
    every = lambda term: 1  # noqa: E731 - an index that holds every word
    own = analyse("运行时", vocab=every)  # search_terms: runtime; cedict would add 运行 -> run
    assert own.english == "runtime" and not {"run", "circulat"} & own.terms.keys()
    wide = analyse("可扩张", vocab=every)  # expansile, extendible, extensible, distensible
    english = {t: w for t, w in wide.terms.items() if t not in tokens("可扩张")}
    assert len(english) == 3 and sum(english.values()) == pytest.approx(1.0)  # one word
    assert max(english, key=english.get) == tokens("expansile")[0]  # the first sense
    none = analyse("可扩张", vocab=lambda term: 0)
    assert none.english == "" and none.terms.keys() == set(tokens("可扩张"))


def test_general_dictionary_segments_and_senses(monkeypatch) -> None:  # noqa: ANN001
    """The query is segmented over both dictionaries (the project's words where they spell it,
    the fewest words, no orphan character); a general word's senses are weighed by the
    dictionary's order times how many items use them; a word with no usable sense is split.
    (The translation's terms: synonym sets off, as in the test above.)"""
    monkeypatch.setattr(query_synsets, "CAP", 1)
    every = lambda term: 1  # noqa: E731 - an index that holds every word once
    # 硬件加速 (the project's) + an orphan 器 loses to 硬件 + 加速器 (CC-CEDICT).
    assert analyse("硬件加速器", vocab=every).english == "hardware accelerator"
    assert analyse("硬件加速器").english == "hardware acceleration"  # no general dictionary
    assert analyse("以太坊开发工具", vocab=every).english.startswith("ethereum")
    assert analyse("向量資料庫", vocab=every).english == "vector database"  # traditional too
    # A query the project's words spell whole never reads the general dictionary (unless the
    # synonym sets give the project's words its senses, `query_synsets.OWN`).
    monkeypatch.setattr(zh_fallback, "candidates", lambda word: 1 / 0)
    assert analyse("向量数据库", vocab=every).english == "vector database"
    monkeypatch.undo()
    monkeypatch.setattr(query_synsets, "CAP", 1)
    # 算法: "arithmetic" is CC-CEDICT's first sense, "algorithm" its second; the landscape's
    # items use the second far more, so it leads (the embedding reads it) and weighs most.
    df = {"arithmetic": 1, "algorithm": 23}
    algo = analyse("算法", vocab=lambda t: df.get(t, 0))
    assert algo.english == "algorithm" and algo.terms["algorithm"] > algo.terms["arithmetic"]
    assert algo.terms["algorithm"] + algo.terms["arithmetic"] == pytest.approx(1.0)
    # 遗传算法 is a dictionary word too, but only as "ga", which no item uses: split instead.
    ga = analyse("遗传算法", vocab=lambda t: 0 if t == "ga" else 1)
    assert "ga" not in ga.terms and "algorithm" in ga.terms
    # A multi-word rendering's words share its weight: 游戏机 -> "video game machine".
    machine = set(tokens("video game machine"))  # the index lacks "console"
    console = analyse("游戏机", vocab=lambda t: int(t in machine))
    assert sum(console.terms[t] for t in tokens("video game machine")) == pytest.approx(1.0)
    # A rendering's word the index lacks: its derived form the items use ("to mutate" ->
    # mutation), else left out if it is a modifier ("japanese manga" -> manga).
    held = {"mutation", "manga", "test"}
    assert "mutation" in analyse("变异测试", vocab=lambda t: int(t in held)).terms
    manga = analyse("漫画", vocab=lambda t: int(t in held))
    assert manga.english == "japanese manga" and "japanes" not in manga.terms


def test_hybrid_ranking(con) -> None:  # noqa: ANN001
    ort, vec, vec_zh, speech = search(
        con, ["ort", "vector database in Rust", "向量数据库", "语音识别"], kinds=["crate"])
    assert _ids(ort)[0] == "crate:ort" and "name is 'ort'" in ort["hits"][0]["why"]
    assert set(_ids(vec)[:2]) == {"crate:qdrant-client", "crate:lancedb"}
    assert set(_ids(vec_zh)[:2]) == {"crate:qdrant-client", "crate:lancedb"}
    assert _ids(speech)[0] == "crate:whisper-rs"
    hit = vec["hits"][0]
    assert {"project", "members", "name", "kind", "category", "score", "url", "why",
            "weak"} <= set(hit)
    # A month is the landscape as of that month: nothing created after it.
    early = search(con, "vector database", month="2022-12")[0]
    assert "crate:lancedb" not in _ids(early) and "crate:qdrant-client" in _ids(early)


def test_encoding_in_the_worker_changes_nothing(con, monkeypatch) -> None:  # noqa: ANN001
    """Search encodes the query in a worker thread while the staleness check and the lexical
    ranking run: the results equal encoding first, on the calling thread; a forked child gets
    a worker of its own (the parent's thread does not survive fork)."""
    from concurrent.futures import Future

    from landscape import search as search_mod

    queries = ["ort", "vector database in Rust", "向量数据库"]
    overlapped = search(con, queries, limit=5)

    class Inline:
        def submit(self, fn, *args):  # noqa: ANN001, ANN202
            done: Future = Future()
            done.set_result(fn(*args))
            return done

    with monkeypatch.context() as mp:
        mp.setattr(search_mod, "_encoder_pool", Inline)
        assert search(con, queries, limit=5) == overlapped
    search_mod._encoder_pool().submit(int, "1").result()  # the parent's worker exists
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if its own worker answers
        code = 1
        try:
            code = 0 if search_mod._encoder_pool().submit(int, "7").result(timeout=30) == 7 else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_kinds_the_query_asks_for(con, monkeypatch) -> None:  # noqa: ANN001
    """Software unless the query asks for papers (or posts): the other kinds weigh less. The
    words' kinds alone: this fixture's paper is nearer the query by meaning than any crate, so
    the neighbours would add papers (tests/test_search_kinds.py); a margin nothing reaches
    turns that off here."""
    monkeypatch.setattr(search_rank, "INFER_MARGIN", 10.0)
    assert analyse("speech recognition").wants == ("crate", "repo")
    assert analyse("papers on speech recognition").wants == ("paper",)
    assert analyse("语音识别论文").wants == ("paper",)
    assert analyse("Rust newsletter").wants == ("post",)
    software, papers = search(con, ["speech recognition", "papers on speech recognition"])
    assert _ids(software)[0] == "crate:whisper-rs"
    assert "paper:2501.00001" in _ids(software)  # weighed down, not removed
    assert _ids(papers)[0] == "paper:2501.00001"


def test_one_result_per_project(warehouse, monkeypatch) -> None:  # noqa: ANN001
    """With projects resolved (`v_item_project`), the crates and the repository of one project
    are one result: the best member shown, every member listed; a new resolution counts."""
    monkeypatch.setenv("PANORAMA_DATA_DIR", str(warehouse.parent))
    members = ("crate:ort", "crate:ort-sys", "repo:pykeio/ort")
    with db.connect(path=warehouse) as con:
        con.execute("INSERT INTO projects (project_id, name_en, name_zh, watched, origin,"
                    " resolved_at) VALUES ('project:ort', 'ort', 'ort', TRUE, 'watchlist', now())")
        for item_id in members:
            con.execute("INSERT INTO project_members (item_id, project_id, role, evidence,"
                        " confidence, needs_review, resolved_at) VALUES"
                        " (?, 'project:ort', 'member', 'test', 1.0, FALSE, now())", [item_id])
        try:
            (res,) = search(con, "ort")
            first = res["hits"][0]
            assert first["project"] == "project:ort" and first["project_name"] == "ort"
            assert sorted(first["members"]) == sorted(members)
            assert first["members"][0] == first["item_id"]
            assert first["item_id"] != "crate:ort-sys"  # its own name is not the query
            projects = [h["project"] for h in res["hits"]]
            assert len(projects) == len(set(projects))
        finally:
            con.execute("DELETE FROM project_members WHERE project_id = 'project:ort'")
            con.execute("DELETE FROM projects WHERE project_id = 'project:ort'")
        (res,) = search(con, "ort")
        assert res["hits"][0]["project"] != "project:ort"  # membership changes are seen


def test_weak_matches_come_last(con, monkeypatch) -> None:  # noqa: ANN001
    """Every weak hit after every other one — the fusion's flags, and the product's (where the
    learned score decides the flag in its pool, run 6: tests/test_search_learned.py)."""
    for learned in (False, True):
        monkeypatch.setattr(search_rank, "LEARNED", learned)
        (res,) = search(con, "quantum chemistry simulation", limit=12)
        flags = [h["weak"] for h in res["hits"]]
        assert flags == sorted(flags)
        assert any(flags) or learned  # the fusion's rule flags some of these
        (good,) = search(con, "vector database")
        assert not good["hits"][0]["weak"]


@pytest.mark.parametrize("kwargs,msg", [
    ({"queries": [" "]}, "empty query"),
    ({"kinds": ["crates"]}, "unknown kind"),
    ({"categories": ["vector_db"]}, "unknown category"),
    ({"month": "2025-13"}, "bad month"),
    ({"limit": 0}, "bad limit"),
])
def test_bad_filters_raise(con, kwargs, msg) -> None:  # noqa: ANN001
    queries = kwargs.pop("queries", ["vector"])
    with pytest.raises(SearchInputError, match=msg):
        search(con, queries, **kwargs)


def test_cli_search_and_errors(warehouse, monkeypatch, capsys) -> None:  # noqa: ANN001
    monkeypatch.setenv("PANORAMA_DATA_DIR", str(warehouse.parent))
    assert main(["search", "ort", "向量数据库", "--json", "--limit", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["query"] for r in out] == ["ort", "向量数据库"]
    assert out[0]["hits"][0]["item_id"] in {"crate:ort", "repo:pykeio/ort"}
    assert len(out[1]["hits"]) <= 3
    assert main(["search", "ort"]) == 0
    assert "name is 'ort'" in capsys.readouterr().out
    for bad in (["search", ""], ["search", "x", "--kind", "box"],
                ["search", "x", "--category", "nope"], ["search", "x", "--month", "2025-13"],
                ["search", "x", "--limit", "0"]):
        assert main(bad) == 2, bad
        err = capsys.readouterr().err.strip()
        assert err.startswith("search: ") and "\n" not in err


def test_cli_eval_search(warehouse, monkeypatch, capsys, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("PANORAMA_DATA_DIR", str(warehouse.parent))
    # The scoring, not the kinds: no kind inferred from the neighbours (the fixture's speech
    # recognition paper is nearer 语音识别 than whisper-rs; tests/test_search_kinds.py).
    monkeypatch.setattr(search_rank, "INFER_MARGIN", 10.0)
    judgments = tmp_path / "j.json"
    judgments.write_text(json.dumps({
        "groups": {"ort": ['"crate:ort"', "pykeio/ort"], "vdb": ["qdrant-client", "lancedb"],
                   "whisper": ["whisper-rs"]},
        "queries": [{"q": "ort", "lang": "en", "name": True, "rel": ["ort"]},
                    {"q": "vector database", "lang": "en", "rel": ["vdb"]},
                    {"q": "语音识别", "lang": "zh", "rel": ["whisper"]}]}), "utf-8")
    assert main(["eval-search", str(judgments)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["name_first_hit"] == 1.0
    assert result["ndcg@10"]["zh"] == 1.0 and 0.5 <= result["ndcg@10"]["en"] <= 1.0
    assert main(["eval-search", str(tmp_path / "missing.json")]) == 2


def test_one_scoring_for_eval_search_and_the_experiments() -> None:
    """The experiment scripts score through `bucket` / `score_query`: a name query counts
    towards first-hit accuracy only, never towards its language's nDCG@10."""
    from landscape.search_eval import bucket, score_query

    groups = {"x": ['"crate:x"'], "z": ["crate:z"]}
    hits = [{"item_id": "crate:x"}, {"item_id": "crate:y"}]
    name = {"q": "x", "lang": "en", "name": True, "rel": ["x"]}
    assert bucket(name) == "name" and bucket({"q": "y", "rel": []}) == "en"
    assert bucket({"q": "语音", "lang": "zh", "rel": []}) == "zh"
    assert score_query(name, hits, groups) == 1.0
    assert score_query({**name, "rel": ["z"]}, hits, groups) == 0.0
    two = {"q": "x or z", "lang": "en", "rel": ["x", "z"]}
    assert score_query(two, hits, groups) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_cold_search_loads_no_torch(warehouse) -> None:
    """A search process encodes its query without torch / sentence-transformers and reads
    its files without pandas (each costs seconds of a cold `panorama search`)."""
    code = ("import sys; from landscape.search import search; "
            f"r = search({str(warehouse)!r}, 'vector database'); "
            "assert r[0]['hits']; "
            "assert not {'torch', 'sentence_transformers', 'pandas'} & set(sys.modules)")
    env = dict(os.environ, PANORAMA_DATA_DIR=str(warehouse.parent), PYTHONPATH=ROOT)
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT, timeout=120)


def test_feedback_ranks_again_with_the_first_hits_words(con, monkeypatch) -> None:  # noqa: ANN001
    """A query translated through the general dictionary is ranked again with the words its
    first hits share (`landscape.query_feedback`); one the project's words translate is not."""
    import landscape.search as search_module

    seen: list[tuple[str, list[str]]] = []

    def words(qt, hits, df, n_docs):  # noqa: ANN001, ANN202 - the feedback, observed
        seen.append((qt.raw, [h["item_id"] for h in hits]))
        return {"orm": 1.0}

    with monkeypatch.context() as m:
        m.setattr(search_module, "applies", lambda qt: False)
        before = _ids(search(con, "可展开")[0])
    assert "crate:sea-orm" not in before[:2]
    monkeypatch.setattr(search_module, "feedback_terms", words)
    after = search(con, ["可展开", "向量数据库"])
    assert [q for q, _ in seen] == ["可展开"]  # only the general-dictionary query
    assert seen[0][1][0] == "crate:diesel"               # it reads the first ranking
    assert _ids(after[0])[:2] == ["crate:diesel", "crate:sea-orm"]  # the added word counts


def test_a_further_ranking_is_fused_by_rank(con) -> None:  # noqa: ANN001
    """`fused_hits(extra=(ranking, weight))` (how bench/experiment_e5.py measured a
    multilingual encoder): a further item ranking counts like the other two — its first place
    lifts an item the others barely found, not flagged weak; no extra ranking (or weight 0)
    leaves the fusion as it was; `filtered_hits` applies the search's filters to it."""
    from landscape.search_index import current_state
    from landscape.search_rank import filtered_hits, fused_hits
    from landscape.search_semantic import semantic_search

    state = current_state(con)
    index = state[0]
    qt = analyse("vector database", vocab=index.lexical.df)
    vector = encode_query(qt.embed_text)
    semantic = semantic_search(con, qt.embed_text, limit=50, vector=vector, state=state)
    kw = {"kinds": None, "categories": None, "month": None, "pool": 50, "limit": 10}
    plain = fused_hits(con, state, qt, semantic, vector, **kw)
    assert fused_hits(con, state, qt, semantic, vector, extra=([], 0.0), **kw) == plain
    labels = index.labels_of(["crate:indicatif", "crate:tokio"])
    ranking = filtered_hits(con, state, labels, np.array([0.9, 0.8], np.float32), None, None,
                            None)
    assert [h["item_id"] for h in ranking] == ["crate:indicatif", "crate:tokio"]
    assert filtered_hits(con, state, labels, np.array([0.9, 0.8], np.float32), ["paper"],
                         None, None) == []
    plain_ids = [h["item_id"] for h in plain]
    before = plain_ids.index("crate:indicatif") if "crate:indicatif" in plain_ids else len(plain)
    fused = fused_hits(con, state, qt, semantic, vector, extra=(ranking, 2.0), **kw)
    ids = [h["item_id"] for h in fused]
    hit = fused[ids.index("crate:indicatif")]
    assert ids.index("crate:indicatif") < before
    assert hit["ranks"]["extra"] == 0 and not hit["weak"]
    assert "extra" not in plain[0]["ranks"]
