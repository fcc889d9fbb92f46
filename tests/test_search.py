"""Semantic search (the embedding ranking of `landscape.search`) over every item kind, with
kind / category / month filters, through the FAISS search index (flat and IVF) and the exact
numpy fallback (index missing, stale or broken). Hybrid search: tests/test_search_hybrid.py."""

from __future__ import annotations

import json

import numpy as np
import pytest

from flows.cli import main
from landscape import faiss_index
from landscape.embeddings import DEFAULT_MODEL, ensure_item_embeddings
from landscape.search import semantic_search
from landscape.search_index import (
    current_index,
    current_state,
    load_search_index,
    sync_search_index,
)
from landscape.taxonomy import load_taxonomy
from warehouse import db

ROWS = [
    # item_id, kind, name, title, description, created_at, watch_category
    ("crate:vecsearch", "crate", "vecsearch", None,
     "Approximate nearest neighbour vector search with HNSW over embeddings", "2025-11-02",
     "vector-db"),
    ("repo:acme/vectordb", "repo", "acme/vectordb", "acme/vectordb",
     "A vector database for similarity search of embeddings", "2025-10-05", "vector-db"),
    ("paper:2511.00001", "paper", "2511.00001", "Graph indexes for billion-scale vector search",
     "We study approximate nearest neighbour search with proximity graphs over embeddings.",
     "2025-11-20", None),
    ("post:abc", "post", "Announcing Rust 1.91", "Announcing Rust 1.91",
     "The Rust team is happy to announce a new version of Rust.", "2025-11-10", None),
    ("crate:rename-it", "crate", "rename-it", None, "A CLI for renaming files", "2025-11-03",
     None),
]


@pytest.fixture
def con(data_dir):  # noqa: ANN001, ANN201 - data_dir from conftest
    with db.connect() as con:
        for item_id, kind, name, title, desc, created, cat in ROWS:
            con.execute("INSERT INTO items (item_id, kind, name, title, description, created_at,"
                        " watch_category, url, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'test')",
                        [item_id, kind, name, title, desc, created, cat,
                         f"https://example.org/{item_id}"])
        assert ensure_item_embeddings(con).embedded == len(ROWS)
        yield con


def test_search_ranks_and_filters(con) -> None:  # noqa: ANN001
    hits = semantic_search(con, "vector similarity search engine", limit=3)
    assert {h["item_id"] for h in hits[:2]} <= {"crate:vecsearch", "repo:acme/vectordb",
                                                 "paper:2511.00001"}
    assert set(hits[0]) == {"item_id", "kind", "title", "url", "score", "category",
                            "category_decided_by", "snippet"}
    assert hits[0]["score"] >= hits[-1]["score"]
    assert [h["kind"] for h in semantic_search(con, "vector search", kinds=["paper"])] == ["paper"]
    by_cat = semantic_search(con, "vector search", categories=["vector-db"])
    assert {h["item_id"] for h in by_cat} == {"crate:vecsearch", "repo:acme/vectordb"}
    assert all(h["category"] == "vector-db" for h in by_cat)
    in_oct = semantic_search(con, "vector search", month="2025-10")
    assert [h["item_id"] for h in in_oct] == ["repo:acme/vectordb"]
    assert semantic_search(con, "vector", kinds=["crate"], month="2024-01") == []


def test_month_means_as_of_in_search_and_its_keyword_fallback(con) -> None:  # noqa: ANN001
    """`--month`, the Search page and its keyword fallback: the landscape as of that month
    (items of that month or earlier), one behaviour (`core.months.as_of_sql`)."""
    from dashboard.queries_items import keyword_search
    from landscape.search import search

    for month, want in (("2025-10", {"repo:acme/vectordb"}),
                        ("2025-11", {"repo:acme/vectordb", "crate:vecsearch",
                                     "paper:2511.00001"}),
                        ("2024-01", set())):
        words = set(keyword_search(con, "vector", month=month)["item_id"])
        ranked = {m for h in search(con, "vector search", month=month, limit=50)[0]["hits"]
                  for m in h["members"]}
        assert words == want
        assert want <= ranked and ranked <= {r[0] for r in ROWS if r[5][:7] <= month}


def test_search_cli_json(con, capsys) -> None:  # noqa: ANN001
    con.close()
    assert main(["search", "rename files", "--kind", "crate", "--limit", "1", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["query"] == "rename files"
    assert [h["item_id"] for h in result["hits"]] == ["crate:rename-it"]


def test_cli_says_when_the_index_is_missing(big, capsys) -> None:  # noqa: ANN001
    """Without a current index only the meaning ranking runs: the CLI says so on stderr (one
    line, with the command that fixes it) and the JSON carries `index_current`."""
    big.close()
    assert main(["search", "fast tokenizer library", "--limit", "3", "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)[0]["index_current"] is False
    assert "panorama classify" in out.err and out.err.count("\n") == 1
    with db.connect() as con:
        sync_search_index(con)
    assert main(["search", "fast tokenizer library", "--limit", "3", "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)[0]["index_current"] is True and out.err == ""


def test_cli_places_each_hit_as_the_report_does(big, capsys) -> None:  # noqa: ANN001
    """`panorama search` says where the report places a hit's project in the month searched,
    else the latest with observations (`report.placement`, as the dashboard): here each item
    is a project of its own, so a person's category (review, watchlist) is in the landscape,
    the classifier's alone a suggestion awaiting review, out of scope or unclassified not in
    it; categories by their names, never ids. With no month to place in, nothing is claimed."""
    sync_search_index(big)
    big.close()
    args = ["search", "fast tokenizer library", "--kind", "crate", "--limit", "20"]
    assert main([*args, "--json"]) == 0  # no observations yet: no report month
    assert all(h["placement"] is None for h in json.loads(capsys.readouterr().out)[0]["hits"])
    with db.connect() as con:
        con.execute("INSERT INTO observations VALUES ('crate:vecsearch', 'downloads_recent',"
                    " '2025-11-28', '2025-11', 10.0, '2025-11', 'https://example.org/x', now())")
    assert main([*args, "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    tax, expected = load_taxonomy(), {}
    for h in result["hits"]:
        cat, by = h["category"], h["category_decided_by"]
        state = ("outside" if cat in (None, "out_of_scope", "uncategorized") else
                 "landscape" if by in ("review", "watchlist") else "suggestion")
        expected[h["project_name"] or h["name"]] = (state, tax.name(cat) if cat else None)
        assert h["placement"]["state"] == state and h["placement"]["month"] == "2025-11"
    assert {s for s, _ in expected.values()} == {"landscape", "suggestion", "outside"}
    assert main(args) == 0
    text = capsys.readouterr().out
    words = {"landscape": "in the landscape (reviewed)", "outside": "not in the landscape",
             "suggestion": "machine suggestion awaiting review"}
    for name, (state, cat) in expected.items():
        where = words[state] if state == "outside" else f"{cat} · {words[state]}"
        assert f"  {name}  [crate]  ({where})" in text or (  # the watchlist's: "(watched)"
            state == "landscape" and f"  {name}  [crate]  ({cat} · in the landscape" in text)
    assert "out_of_scope" not in text and "suggested:" not in text


# --- the FAISS search index (landscape.search_index) -------------------------------------------

TOPICS = ["vector search", "deep learning", "image decoding", "http server", "tokenizer",
          "json parser", "gpu kernels", "speech to text", "game engine", "sql database",
          "regex engine", "async runtime", "web assembly", "robotics", "time series"]
FORMS = ["a fast {t} library", "{t} toolkit in Rust", "experimental {t} for embedded devices"]
KINDS = ["crate", "repo", "paper", "post"]
CATS = ["vector-db", "frameworks", "out_of_scope", "uncategorized", "multimodal"]
QUERIES = ["vector similarity search", "neural networks on GPU", "parse json quickly",
           "speech recognition model", "rename files"]
FILTERS = [{}, {"kinds": ["crate"]}, {"kinds": ["paper", "post"]},
           {"categories": ["vector-db"]}, {"categories": ["out_of_scope", "frameworks"]},
           {"month": "2025-11"}, {"kinds": ["crate", "repo"], "categories": ["out_of_scope"],
                                  "month": "2025-10"}, {"month": "1999-01"}]


def _add_generated(con, start: int, n: int) -> list[str]:  # noqa: ANN001
    """n more items with real texts, two classification runs each (the later one wins)."""
    ids = []
    for j in range(start, start + n):
        kind = KINDS[j % 4]
        item_id = f"{kind}:gen-{j:03d}"
        desc = FORMS[j % 3].format(t=TOPICS[j % len(TOPICS)]) + f" (variant {j})"
        month = "2025-10" if j % 3 else "2025-11"
        con.execute("INSERT INTO items (item_id, kind, name, description, created_at, url,"
                    " source) VALUES (?, ?, ?, ?, ?, ?, 'test')",
                    [item_id, kind, f"gen-{j:03d}", desc, f"{month}-0{1 + j % 9}",
                     f"https://example.org/{j}"])
        for run, cat, at in (("2025-10", CATS[(j + 1) % 5], "2025-10-02"),
                             ("2025-11", CATS[j % 5], "2025-11-02")):
            con.execute("INSERT INTO classifications (item_id, run_id, category, confidence,"
                        " method, model, needs_review, classified_at) VALUES"
                        " (?, ?, ?, 0.5, 'test', 'm', FALSE, ?)", [item_id, run, cat, at])
        ids.append(item_id)
    return ids


@pytest.fixture
def big(con):  # noqa: ANN001, ANN201
    """The 5 rows above + 40 generated, a person's decisions, all embedded."""
    _add_generated(con, 0, 40)
    for item_id, cat, at in (("crate:gen-000", "vector-db", "2025-11-05"),
                             ("repo:gen-001", "multimodal", "2025-11-05"),
                             ("repo:gen-001", "frameworks", "2025-11-06"),  # latest wins
                             ("paper:gen-002", None, "2025-11-05")):     # no category
        con.execute("INSERT INTO review_decisions (item_id, decision, category, reviewer,"
                    " decided_at) VALUES (?, 'reassign', ?, 'ann', ?)", [item_id, cat, at])
    ensure_item_embeddings(con)
    return con


def _compare(con, monkeypatch) -> None:  # noqa: ANN001
    """Indexed results == exact numpy results, and the index path was the one taken."""
    from landscape import search_semantic as search

    exact_calls = []
    real_exact = search._exact
    monkeypatch.setattr(search, "_exact", lambda *a, **k: exact_calls.append(1) or
                        real_exact(*a, **k))
    for q in QUERIES:
        for f in FILTERS:
            for limit in (3, 20):
                got = semantic_search(con, q, limit=limit, **f)
                want = real_exact(con, None, q, DEFAULT_MODEL, f.get("kinds"),
                                  f.get("categories"), f.get("month"), limit)
                assert [h["item_id"] for h in got] == [h["item_id"] for h in want], (q, f)
                assert [h["score"] for h in got] == pytest.approx(
                    [h["score"] for h in want], abs=2e-4)
                assert got == [dict(h, score=g["score"]) for h, g in zip(want, got, strict=True)]
    # Only filters that match fewer than `limit` items in all may take the exact path.
    assert len(exact_calls) <= len(QUERIES) * len(FILTERS)
    monkeypatch.setattr(search, "_exact", real_exact)


def test_candidate_categories_match_the_view(big) -> None:  # noqa: ANN001
    from landscape.search_semantic import _candidates

    ids = [r[0] for r in big.execute("SELECT item_id FROM items").fetchall()]
    got = {h["item_id"]: h["category"] for h in _candidates(big, [(i, 1.0) for i in ids],
                                                             None, None, None)}
    view = dict(big.execute("SELECT item_id, category FROM v_item_category").fetchall())
    assert got == {i: view.get(i) for i in ids}
    assert got["crate:gen-000"] == "vector-db" and got["repo:gen-001"] == "frameworks"
    assert got["crate:vecsearch"] == "vector-db"  # the watchlist's category
    _decided_by_as_the_view(big, _candidates(big, [(i, 1.0) for i in ids], None, None, None))


def _decided_by_as_the_view(con, hits: list[dict]) -> None:  # noqa: ANN001
    """Who decided each hit's category is the view's `decided_by`: a review, the watchlist,
    or the machine (a suggestion), none without a category."""
    got = {h["item_id"]: h["category_decided_by"] for h in hits}
    view = dict(con.execute("SELECT item_id, decided_by FROM v_item_category").fetchall())
    assert got == {i: view.get(i) for i in got}
    assert got["crate:gen-000"] == "review" and got["crate:vecsearch"] == "watchlist"
    assert got["crate:gen-004"] == "machine"
    assert got["paper:gen-002"] == "machine"  # a decision without a category leaves the base


def test_flat_index_equals_exact_search(big, monkeypatch) -> None:  # noqa: ANN001
    from landscape import search_semantic as search

    res = sync_search_index(big)
    assert (res.action, res.kind, res.count) == ("rebuilt", "flat", len(ROWS) + 40)
    manifest = json.loads(next(db.index_dir().glob("search-*.json")).read_text())
    assert {"model", "count", "version"} <= set(manifest) and manifest["count"] == res.count
    assert {"faiss", "ids", "meta", "lexical", "postings", "curated", "abbrev"} == set(
        manifest["files"])
    assert current_index(big) is not None and current_state(big)[1]  # meta file fresh
    # The hot path reads the meta file, not DuckDB.
    monkeypatch.setattr(search, "_candidates", lambda *a, **k: pytest.fail("DuckDB path"))
    _compare(big, monkeypatch)


def test_meta_file_categories_match_the_view(big) -> None:  # noqa: ANN001
    from landscape.search_semantic import _MetaFilter

    sync_search_index(big)
    index, fresh, key = current_state(big)
    assert fresh
    flt = _MetaFilter(big, index, key, None, None, None)
    labels = np.arange(len(index))
    got = {h["item_id"]: h["category"] for h in flt.results(labels, np.ones(len(labels)))}
    view = dict(big.execute("SELECT item_id, category FROM v_item_category").fetchall())
    assert got == {i: view.get(i) for i in index.item_ids}
    assert got["crate:gen-000"] == "vector-db" and got["repo:gen-001"] == "frameworks"
    _decided_by_as_the_view(big, flt.results(labels, np.ones(len(labels))))


def test_watched_projects_decide_like_the_view(big, monkeypatch) -> None:  # noqa: ANN001
    """A reviewed member of a watched project is in the project's category (decided by
    'project') unless the watchlist or a review says otherwise — in the meta-file path (an
    overlay, seen as soon as membership changes), the DuckDB candidates and the exact path
    alike, as `v_item_category` says."""
    from landscape.search_semantic import _candidates, _exact, _MetaFilter

    sync_search_index(big)
    before = current_state(big)
    _MetaFilter(big, before[0], before[2], None, None, None)  # overlay cached before the change
    big.execute("INSERT INTO projects (project_id, name_en, name_zh, category, watched, origin,"
                " resolved_at) VALUES ('project:p', 'p', 'p', 'robotics', TRUE, 'watchlist',"
                " now())")
    for item_id, needs_review in (("crate:gen-004", False), ("crate:vecsearch", False),
                                  ("crate:gen-000", False), ("repo:gen-005", True)):
        big.execute("INSERT INTO project_members (item_id, project_id, role, evidence,"
                    " confidence, needs_review, resolved_at) VALUES (?, 'project:p', 'member',"
                    " 'test', 1.0, ?, now())", [item_id, needs_review])
    view = {r[0]: r[1:] for r in big.execute(
        "SELECT item_id, category, decided_by FROM v_item_category").fetchall()}
    assert view["crate:gen-004"] == ("robotics", "project")
    assert view["crate:vecsearch"][1] == "watchlist" and view["crate:gen-000"][1] == "review"
    assert view["repo:gen-005"][1] == "machine"  # membership not decided yet
    index, fresh, key = current_state(big)
    assert fresh and index is before[0] and key != before[2]
    labels = np.arange(len(index))
    ids = list(index.item_ids)
    paths = {
        "meta": _MetaFilter(big, index, key, None, None, None).results(labels,
                                                                       np.ones(len(labels))),
        "duckdb": _candidates(big, [(i, 1.0) for i in ids], None, None, None),
        "exact": _exact(big, np.ones(index.index.d, np.float32), "x", DEFAULT_MODEL, None,
                        None, None, len(ids)),
    }
    for name, hits in paths.items():
        got = {h["item_id"]: (h["category"], h["category_decided_by"]) for h in hits}
        assert got == {i: view.get(i, (None, None)) for i in got}, name
        assert len(got) == len(ids), name
    robotics = {h["item_id"] for h in _candidates(big, [(i, 1.0) for i in ids], None,
                                                  ["robotics"], None)}
    assert robotics == {i for i, (c, _) in view.items() if c == "robotics"}


def test_decisions_and_classifications_after_sync(big, monkeypatch) -> None:  # noqa: ANN001
    """A review decision counts at once (overlaid on the meta file); a classify run or an
    ingest makes the meta file stale: the DuckDB candidate query answers until the next sync
    ('refreshed': meta file only), results equal to the exact path throughout."""
    from landscape import search_semantic as search

    first = sync_search_index(big)
    for item_id, cat in (("crate:gen-004", "vector-db"), ("repo:gen-005", "out_of_scope"),
                         ("crate:gen-000", None)):  # latest without category: base category
        big.execute("INSERT INTO review_decisions (item_id, decision, category, reviewer,"
                    " decided_at) VALUES (?, 'reassign', ?, 'bo', '2025-12-01')", [item_id, cat])
    assert current_state(big)[1]  # reviews do not make the meta file stale
    hits = semantic_search(big, "vector search", categories=["vector-db"], limit=50)
    assert "crate:gen-004" in {h["item_id"] for h in hits}
    real = search._candidates
    monkeypatch.setattr(search, "_candidates", lambda *a, **k: pytest.fail("DuckDB path"))
    _compare(big, monkeypatch)
    monkeypatch.setattr(search, "_candidates", real)

    big.execute("INSERT INTO classifications (item_id, run_id, category, confidence, method,"
                " model, needs_review, classified_at) VALUES ('repo:gen-009', '2025-12',"
                " 'multimodal', 0.9, 'test', 'm', FALSE, '2025-12-02')")
    big.execute("UPDATE items SET title = 'Renamed', last_seen_at = '2025-12-03'"
                " WHERE item_id = 'post:gen-003'")
    index, fresh, _ = current_state(big)
    assert index is not None and not fresh
    _compare(big, monkeypatch)
    res = sync_search_index(big)
    assert (res.action, res.count) == ("refreshed", first.count)
    assert current_state(big)[1]
    monkeypatch.setattr(search, "_candidates", lambda *a, **k: pytest.fail("DuckDB path"))
    _compare(big, monkeypatch)
    assert semantic_search(big, "Renamed deep learning", kinds=["post"], limit=50)
    assert sync_search_index(big).action == "unchanged"


def test_incremental_add_reload_and_stale_fallback(big, monkeypatch) -> None:  # noqa: ANN001
    first = sync_search_index(big)
    loaded = load_search_index()
    assert load_search_index() is loaded  # loaded once per process
    assert sync_search_index(big).action == "unchanged"
    assert load_search_index() is loaded  # same version: not reloaded
    old_ids = list(loaded.item_ids)

    new = _add_generated(big, 100, 3)
    ensure_item_embeddings(big)
    assert current_index(big) is None  # stale: the new items are not in it
    text = big.execute("SELECT description FROM items WHERE item_id = ?", [new[1]]).fetchone()[0]
    hits = semantic_search(big, text, limit=3)
    assert new[1] in [h["item_id"] for h in hits]  # found by the exact fallback

    added = sync_search_index(big)
    assert (added.action, added.added, added.count) == ("added", 3, first.count + 3)
    reloaded = current_index(big)
    assert reloaded is not None and reloaded is not loaded
    assert reloaded.version == added.version != first.version
    assert reloaded.item_ids[:len(old_ids)] == old_ids  # int ids stable, new ones appended
    assert sorted(reloaded.item_ids[len(old_ids):]) == sorted(new)
    assert len(list(db.index_dir().glob("search-*.faiss"))) == 1  # old version cleaned up
    _compare(big, monkeypatch)

    # A changed text: stale until synced, then rebuilt.
    big.execute("UPDATE items SET description = 'a tokenizer for chinese text' WHERE"
                " item_id = 'crate:rename-it'")
    ensure_item_embeddings(big)
    assert current_index(big) is None
    assert semantic_search(big, "chinese tokenizer", limit=1)[0]["item_id"] == "crate:rename-it"
    assert sync_search_index(big).action == "rebuilt"
    assert semantic_search(big, "chinese tokenizer", limit=1)[0]["item_id"] == "crate:rename-it"
    _compare(big, monkeypatch)


def test_missing_or_broken_index_falls_back(big) -> None:  # noqa: ANN001
    assert current_index(big) is None  # never built
    want = semantic_search(big, "vector similarity search", limit=5)
    assert want[0]["item_id"] in {"crate:vecsearch", "repo:acme/vectordb", "paper:2511.00001"}
    sync_search_index(big)
    assert semantic_search(big, "vector similarity search", limit=5) == want
    faiss_file = next(db.index_dir().glob("search-*.faiss"))
    faiss_file.write_bytes(b"not an index")
    from landscape import search_index

    search_index._CACHE.clear()
    assert load_search_index() is None
    assert semantic_search(big, "vector similarity search", limit=5) == want
    assert sync_search_index(big).action == "rebuilt"  # unreadable files are rebuilt
    assert current_index(big) is not None


def test_ivf_above_threshold(big, monkeypatch) -> None:  # noqa: ANN001
    from landscape import search_index
    from landscape import search_semantic as search

    n = len(ROWS) + 40
    assert sync_search_index(big, ivf_threshold=n + 2).kind == "flat"
    _add_generated(big, 200, 5)  # crosses the threshold: flat -> IVF
    ensure_item_embeddings(big)
    res = sync_search_index(big, ivf_threshold=n + 2)
    assert (res.action, res.kind, res.count) == ("rebuilt", "ivf", n + 5)
    index = current_index(big)
    assert index.kind == "ivf" and index.index.nprobe == index.index.nlist  # small: probe all
    manifest = json.loads(next(db.index_dir().glob("search-*.json")).read_text())
    assert (manifest["kind"], manifest["nprobe"]) == ("ivf", index.index.nprobe)
    _compare(big, monkeypatch)  # probing every list: same results as exact
    assert faiss_index.ivf_params(200_000) == (447, 55)
    # A selective filter with a tiny candidate cap: the exact path answers.
    monkeypatch.setattr(search, "MAX_CANDIDATES", 10)
    monkeypatch.setattr(search, "MIN_CANDIDATES", 5)
    monkeypatch.setattr(search, "OVERSAMPLE", 1)
    hits = semantic_search(big, "vector search", kinds=["paper"], limit=10)
    assert len(hits) == 10 and all(h["kind"] == "paper" for h in hits)
    # Several IVF lists: approximate but still finds the obvious best match.
    monkeypatch.setattr(search_index, "ivf_params", lambda n: (4, 2))
    assert sync_search_index(big, ivf_threshold=10, force=True).kind == "ivf"
    top = semantic_search(big, "Approximate nearest neighbour vector search with HNSW", limit=1)
    assert top[0]["item_id"] == "crate:vecsearch"


def test_classify_cli_syncs_the_index(con, capsys) -> None:  # noqa: ANN001
    con.close()
    assert main(["classify", "--run", "2025-11"]) == 0
    assert "search index: rebuilt" in capsys.readouterr().out
    with db.connect(read_only=True) as ro:
        assert current_index(ro) is not None
