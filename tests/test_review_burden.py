"""Why items went to review, and one decision for a cluster of near-duplicates."""

from __future__ import annotations

import json

import numpy as np

from flows.cli_classify import main
from flows.summary import format_classification
from landscape.embeddings import ensure_item_embeddings, item_text, store_embeddings
from landscape.review import (
    decide_with_duplicates,
    near_duplicates,
    review_burden,
    review_queue,
)
from warehouse import db

# name, description, unit vector (3 real directions of a 384-d space), machine label, reason
ITEMS = [
    ("llm-chat", "Chat with local LLMs from the terminal", 0, "ai-dev-tools", "new_cluster"),
    ("llm-chat-cli", "Chat with local LLMs in the terminal", 0, "ai-dev-tools", "new_cluster"),
    ("vecstore", "Embedded vector store with HNSW", 1, "vector-db", "near_boundary"),
    ("ocr-kit", "Optical character recognition", 2, "multimodal", "low_confidence"),
]


def _seed() -> None:
    rng = np.random.default_rng(0)
    base = np.linalg.qr(rng.normal(size=(384, 3)))[0].T  # orthonormal directions
    with db.connect() as con:
        for n, (name, desc, axis, cat, reason) in enumerate(ITEMS):
            con.execute("INSERT INTO items (item_id, kind, name, description, source) VALUES"
                        " (?, 'crate', ?, ?, 'test')", [f"crate:{name}", name, desc])
            vec = base[axis] + 0.05 * n * base[(axis + 1) % 3]
            store_embeddings(con, [item_text("crate", name, None, desc, [])],
                             (vec / np.linalg.norm(vec))[None, :])
            con.execute(
                "INSERT INTO classifications (item_id, run_id, category, confidence, method,"
                " model, neighbours, needs_review, classified_at, review_reason) VALUES"
                " (?, '2025-12', ?, 0.4, 'm', 'm', '[]', TRUE, TIMESTAMP '2025-12-01', ?)",
                [f"crate:{name}", cat, reason])
        con.execute("INSERT INTO items (item_id, kind, name, source) VALUES"
                    " ('crate:sure', 'crate', 'sure', 'test')")
        con.execute("INSERT INTO classifications (item_id, run_id, category, confidence, method,"
                    " model, needs_review, classified_at) VALUES ('crate:sure', '2025-12',"
                    " 'frameworks', 0.97, 'm', 'm', FALSE, TIMESTAMP '2025-12-01')")
        assert ensure_item_embeddings(con).embedded == 1  # only the item without a vector


def test_review_burden_counts_reasons(data_dir) -> None:  # noqa: ANN001
    _seed()
    with db.connect() as con:
        burden = review_burden(con)
    # llm-chat and llm-chat-cli are near-duplicates: four items, three decisions
    assert burden == {"run_id": "2025-12", "classified": 5, "to_review": 4, "still_open": 4,
                      "placed_by_project": 0, "decisions": 3,
                      "reasons": {"new_cluster": 2, "low_confidence": 1, "near_boundary": 1}}
    line = format_classification({"classified": 5, "needs_review": 4,
                                  "review_reasons": burden["reasons"]})
    assert "to review because: new cluster 2" in line and "near boundary 1" in line


def test_one_decision_for_near_duplicates(data_dir, capsys) -> None:  # noqa: ANN001
    _seed()
    with db.connect() as con:
        dups = near_duplicates(con, "crate:llm-chat")
        assert [d["item_id"] for d in dups] == ["crate:llm-chat-cli"]
        assert 0.9 <= dups[0]["similarity"] < 1.0
        assert near_duplicates(con, "crate:ocr-kit") == []
    assert main(["review", "duplicates", "crate:llm-chat", "--json"]) == 0
    assert [d["item_id"] for d in json.loads(capsys.readouterr().out)] == ["crate:llm-chat-cli"]
    assert main(["review", "decide", "crate:llm-chat", "reassign", "--reviewer", "ann",
                 "--category", "agentic-web", "--with-duplicates"]) == 0
    assert capsys.readouterr().out.count("recorded:") == 2
    with db.connect() as con:
        rows = con.execute("SELECT item_id, category, decided_by FROM v_item_category"
                           " WHERE item_id LIKE 'crate:llm-chat%' ORDER BY 1").fetchall()
        assert rows == [("crate:llm-chat", "agentic-web", "review"),
                        ("crate:llm-chat-cli", "agentic-web", "review")]
        assert review_burden(con)["still_open"] == 2
        # accept passes the accepted category on to the duplicates explicitly
        done = decide_with_duplicates(con, "crate:vecstore", "accept", "ann",
                                      duplicates=["crate:ocr-kit"])
        assert [(d["item_id"], d["category"]) for d in done] == [
            ("crate:vecstore", "vector-db"), ("crate:ocr-kit", "vector-db")]


def test_member_of_a_watched_project_is_not_reviewed(data_dir) -> None:  # noqa: ANN001
    """The machine was unsure of ocr-kit, but it is a resolved member of a watched project:
    its category is the project's (a curator's fact, provenance 'project'), not a queue item;
    an unresolved link (needs_review) or an unwatched project settles nothing."""
    _seed()
    with db.connect() as con:
        for pid, watched, cat in (("project:vision", True, "multimodal"),
                                  ("project:other", False, "frameworks")):
            con.execute("INSERT INTO projects (project_id, name_en, name_zh, category, watched,"
                        " origin, resolved_at) VALUES (?, ?, ?, ?, ?, 'watchlist', now())",
                        [pid, pid, pid, cat, watched])
        for item, pid, unsure in (("crate:ocr-kit", "project:vision", False),
                                  ("crate:vecstore", "project:vision", True),
                                  ("crate:llm-chat", "project:other", False)):
            con.execute("INSERT INTO project_members (item_id, project_id, role, evidence,"
                        " confidence, needs_review, resolved_at) VALUES (?, ?, 'binding',"
                        " 'test', 0.9, ?, now())", [item, pid, unsure])
        rows = con.execute("SELECT item_id, category, decided_by, method, machine_category"
                           " FROM v_item_category WHERE decided_by = 'project'").fetchall()
        assert rows == [("crate:ocr-kit", "multimodal", "project", "project:binding",
                         "multimodal")]
        queue = {q["item_id"] for q in review_queue(con)}
        assert queue == {"crate:llm-chat", "crate:llm-chat-cli", "crate:vecstore"}
        burden = review_burden(con)
        assert (burden["to_review"], burden["placed_by_project"], burden["decisions"]) == \
            (3, 1, 2)
        assert "low_confidence" not in burden["reasons"]
