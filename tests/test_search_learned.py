"""The learned pool scoring (`landscape.search_learned`, applied in `search_rank.fused_hits`):
the shipped weights load and say what they were fit on and where "weak" begins; it re-orders
every query's pool — English, Chinese and mixed alike since run 4 — by the learned score alone
(since run 6, the fusion's weak flag one of its features) deterministically, flags weak the
pooled projects under its cut-off and lists them after the strong ones; a missing or corrupt
weights file falls back to today's fusion with one warning."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from landscape import search_learned, search_rank
from landscape.query_text import analyse
from landscape.search import search
from tests.support.search_warehouse import search_fixtures

ITEMS = [
    ("crate:qdrant-client", "qdrant-client", "Rust client for Qdrant, the vector search engine.",
     ["qdrant", "vector-search", "database"]),
    ("crate:lancedb", "lancedb", "Serverless vector database for AI applications.",
     ["vector", "database", "embeddings"]),
    ("crate:hnsw", "hnsw", "Approximate nearest neighbour vector search with HNSW graphs.",
     ["vector", "ann"]),
    ("crate:usearch", "usearch", "Fast vector similarity search and clustering engine.",
     ["vector", "search"]),
    ("crate:sled", "sled", "An embedded database for Rust.", ["database", "storage"]),
    ("crate:tokio", "tokio", "An asynchronous runtime for Rust.", ["async", "runtime"]),
    ("crate:indicatif", "indicatif", "A progress bar and cli reporting library.", ["cli"]),
]

warehouse, con = search_fixtures(
    "learned", [{"item_id": i, "name": n, "description": d, "keywords": kw}
                for i, n, d, kw in ITEMS])


def _write(path: Path, w: list[float], **over: object) -> Path:
    n = len(search_learned.FEATURES)
    data = {"features": list(search_learned.FEATURES), "w": w, "mu": [0.0] * n,
            "sd": [1.0] * n, "alpha": 1.0, "weak_below": -1e9, **over}
    path.write_text(json.dumps(data), "utf-8")
    return path


@pytest.fixture
def weights(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """Point the product at a weights file of the test's making (`use(path)`)."""
    def use(path: Path) -> None:
        monkeypatch.setattr(search_learned, "WEIGHTS_PATH", path)
        search_learned.load.cache_clear()
    yield use
    search_learned.load.cache_clear()


def test_the_shipped_weights_load() -> None:
    search_learned.load.cache_clear()
    model = search_learned.load()
    assert model is not None and model.w.shape == (len(search_learned.FEATURES),)
    data = json.loads(search_learned.WEIGHTS_PATH.read_text("utf-8"))
    # run 4: every file scored before its test; heldout12 (the test) and the reserve not
    assert data["fit"]["files"] == ["dev", "heldout", *(f"heldout{n}" for n in range(2, 12))]
    # run 6: the weak flag is a feature, and the cut-off says where it comes from
    assert search_learned.FEATURES[-1] == "weak" and data["fit"]["candidate"] == "W"
    assert model.weak_below == data["weak_below"] and "out of fold" in data["weak_rule"]


def _ids(res: dict) -> list[str]:
    return [h["item_id"] for h in res["hits"]]


def _reversing(weights, tmp_path: Path) -> None:  # noqa: ANN001
    """A model that scores today's score negatively (w today = -2: learned = -today)."""
    n = len(search_learned.FEATURES)
    weights(_write(tmp_path / "w.json", [-2.0] + [0.0] * (n - 1)))


@pytest.mark.parametrize("q", ["vector search database", "向量数据库", "Rust 向量数据库"])
def test_every_query_is_rescored(con, weights, tmp_path, monkeypatch,  # noqa: ANN001
                                 q: str) -> None:
    """The learned scoring applies to every query — English, Chinese and mixed (run 4; it was
    Chinese only from run 3): under a model that reverses the pool, each query's hits are
    re-ordered (bench/RESULTS.md "a learned scoring of the fused pool, run 4")."""
    monkeypatch.setattr(search_rank, "LEARNED", False)
    (today,) = search(con, q)
    monkeypatch.setattr(search_rank, "LEARNED", True)
    _reversing(weights, tmp_path)
    (res,) = search(con, q)
    assert search_learned.applies(analyse(q))
    assert _ids(res) != _ids(today)


def test_a_model_reorders_the_pool_deterministically(con, weights, tmp_path,  # noqa: ANN001
                                                     monkeypatch) -> None:
    """On a Chinese query, a model that reverses today's order, with a cut-off under every
    score, reverses the whole pool — today's weak hits first, since the learned score alone
    orders it (run 6) — and flags none weak; each hit's `score` is then the learned one
    (falling down the list, as the order it explains) and its `fusion_score` today's score;
    twice the same query gives the same answer; LEARNED off is today's fusion."""
    q = "向量数据库"
    monkeypatch.setattr(search_rank, "LEARNED", False)
    (today,) = search(con, q)
    monkeypatch.setattr(search_rank, "LEARNED", True)
    n = len(search_learned.FEATURES)
    _reversing(weights, tmp_path)
    (first,) = search(con, q)
    (again,) = search(con, q)
    assert first == again
    assert len(today["hits"]) >= 3 and any(h["weak"] for h in today["hits"])
    assert _ids(first) == _ids(today)[::-1]
    assert not any(h["weak"] for h in first["hits"])
    by_id = {h["item_id"]: h["score"] for h in today["hits"]}
    assert all(h["fusion_score"] == by_id[h["item_id"]] for h in first["hits"])
    assert all(h["fusion_score"] == h["score"] for h in today["hits"])
    shown = [h["score"] for h in first["hits"]]
    assert shown == sorted(shown, reverse=True)
    assert shown != [by_id[i] for i in _ids(today)[::-1]]  # not today's numbers reordered
    # a zero correction is today's order
    weights(_write(tmp_path / "zero.json", [0.0] * n))
    (zero,) = search(con, q)
    assert _ids(zero) == _ids(today)


def test_the_cut_off_decides_weak_in_the_pool(con, weights, tmp_path,  # noqa: ANN001
                                              monkeypatch) -> None:
    """A zero correction (learned = today's score) with a cut-off between two of the pool's
    learned scores: the projects under it are weak and listed after every other one, each
    part in the learned order; the fusion's weak flag itself weighs through its feature."""
    q = "vector search database"
    monkeypatch.setattr(search_rank, "LEARNED", True)
    n = len(search_learned.FEATURES)
    weights(_write(tmp_path / "zero.json", [0.0] * n))
    (zero,) = search(con, q)
    learned = [h["score"] * (search_rank.K + 1) for h in zero["hits"]]
    assert len(learned) >= 4 and not any(h["weak"] for h in zero["hits"])
    cut = (learned[1] + learned[2]) / 2  # the first two strong, the rest weak
    weights(_write(tmp_path / "cut.json", [0.0] * n, weak_below=cut))
    (res,) = search(con, q)
    assert _ids(res) == _ids(zero)
    assert [h["weak"] for h in res["hits"]] == [False, False] + [True] * (len(learned) - 2)
    # a weight on the weak feature: today's weak hits (flagged by the fusion) sink
    monkeypatch.setattr(search_rank, "LEARNED", False)
    (today,) = search(con, "向量数据库")
    monkeypatch.setattr(search_rank, "LEARNED", True)
    fusion_weak = {h["item_id"] for h in today["hits"] if h["weak"]}
    assert fusion_weak and len(fusion_weak) < len(today["hits"])
    weights(_write(tmp_path / "sink.json", [0.0] * (n - 1) + [-100.0]))
    (sunk,) = search(con, "向量数据库")
    assert set(_ids(sunk)[-len(fusion_weak):]) == fusion_weak
    assert not any(h["weak"] for h in sunk["hits"])  # under -1e9 only


@pytest.mark.parametrize("content", [
    None,                                   # missing
    "{not json",                            # corrupt
    json.dumps({"features": ["today"], "w": [1.0], "mu": [0.0], "sd": [1.0], "alpha": 1.0}),
    "nan-sd",
    "no-cut",                               # no weak cut-off (a file from before run 6)
])
def test_a_bad_weights_file_falls_back_with_one_warning(con, weights, tmp_path, caplog,  # noqa: ANN001
                                                        monkeypatch, content) -> None:
    """A Chinese query and an English one: both fall back to today's fusion, one warning."""
    path = tmp_path / "w.json"
    n = len(search_learned.FEATURES)
    if content == "nan-sd":
        _write(path, [0.0] * n, sd=[float("nan")] * n)
    elif content == "no-cut":
        _write(path, [0.0] * n)
        path.write_text(json.dumps({k: v for k, v in json.loads(path.read_text("utf-8")).items()
                                    if k != "weak_below"}), "utf-8")
    elif content is not None:
        path.write_text(content, "utf-8")
    monkeypatch.setattr(search_rank, "LEARNED", False)
    (today,) = search(con, "向量数据库")
    monkeypatch.setattr(search_rank, "LEARNED", True)
    weights(path)
    monkeypatch.setattr(search_rank, "LEARNED", False)
    (today_en,) = search(con, "vector database")
    monkeypatch.setattr(search_rank, "LEARNED", True)
    with caplog.at_level(logging.WARNING, logger="landscape.search_learned"):
        (res,) = search(con, "向量数据库")
        search(con, "嵌入式数据库")
        (res_en,) = search(con, "vector database")
    assert _ids(res) == _ids(today) and res_en["hits"] == today_en["hits"]
    warned = [r for r in caplog.records if r.name == "landscape.search_learned"]
    assert len(warned) == 1 and "today's fusion used" in warned[0].getMessage()
    assert "\n" not in warned[0].getMessage()


def test_features_of_a_pool_row() -> None:
    """The feature row of one pooled project: reciprocal ranks, absence, the best member's
    cosine and BM25 over the query's best, name and kind indicators, log members, the
    fusion's weak flag."""
    qt = analyse("vector database")
    p = {"project": "P", "item_id": "a", "ranks": [0, None], "score": 0.05, "prior": 1.0,
         "weak": True}
    X = search_learned.features(
        qt, [p], K=20, members={"P": ["a", "b"]}, labels={"a": 0, "b": 1},
        items={"a": {"category": None}, "b": {"category": None}}, names={"b": "exact"},
        cos={"a": 0.4, "b": 0.6},
        lexical=search_learned.LexicalScores(np.array([2.0, 1.0, 4.0], np.float32),
                                             np.array([0.5, 1.0, 1.0], np.float32)),
        index=None)
    row = dict(zip(search_learned.FEATURES, X[0].tolist(), strict=True))
    assert row["today"] == pytest.approx(0.05 * 21) and row["rr_meaning"] == 1.0
    assert row["no_words"] == 1.0 and row["rr_words"] == 0.0
    assert row["cos"] == 0.6 and row["bm25_rel"] == pytest.approx(0.5)
    assert row["name_exact"] == 1.0 and row["kind_wanted"] == 1.0
    assert row["log_members"] == pytest.approx(np.log(3))
    assert row["zh_cos"] == 0.0 and row["weak"] == 1.0
