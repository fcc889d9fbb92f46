"""Review decisions through the CLI: queue order, decisions stored, a person wins."""

from __future__ import annotations

import json

from flows.cli_classify import main
from warehouse import db


def _seed() -> None:
    with db.connect() as con:
        for n, (item_id, cat, conf) in enumerate([("crate:a", "frameworks", 0.31),
                                                  ("crate:b", "vector-db", 0.45),
                                                  ("crate:c", "frameworks", 0.93)]):
            con.execute("INSERT INTO items (item_id, kind, name, source) VALUES (?, 'crate', ?,"
                        " 'test')", [item_id, item_id[6:]])
            con.execute(
                "INSERT INTO classifications (item_id, run_id, category, confidence, method,"
                " model, neighbours, needs_review, classified_at) VALUES (?, '2025-11', ?, ?,"
                " 'knn', 'm', ?, ?, TIMESTAMP '2025-11-01' + INTERVAL (?) MINUTE)",
                [item_id, cat, conf, json.dumps([{"id": "taxonomy:frameworks:candle",
                                                  "title": "candle", "label": cat,
                                                  "similarity": 0.5}]), conf < 0.55, n])


def test_review_cli(data_dir, capsys) -> None:  # noqa: ANN001
    _seed()
    assert main(["review", "list", "--json"]) == 0
    queue = json.loads(capsys.readouterr().out)
    assert [q["item_id"] for q in queue] == ["crate:a", "crate:b"]  # most uncertain first
    assert queue[0]["neighbours"][0]["title"] == "candle"
    assert main(["review", "decide", "crate:a", "reassign", "--reviewer", "alice",
                 "--category", "autodiff", "--note", "dual numbers"]) == 0
    assert main(["review", "decide", "crate:b", "out_of_scope", "--reviewer", "bob"]) == 0
    assert main(["review", "decide", "crate:c", "reassign", "--reviewer", "bob"]) == 2
    capsys.readouterr()
    with db.connect() as con:
        # a later machine classification does not overwrite the person
        con.execute("INSERT INTO classifications (item_id, run_id, category, confidence,"
                    " method, model, needs_review, classified_at) VALUES ('crate:a', '2025-12',"
                    " 'frameworks', 0.99, 'knn', 'm', FALSE, TIMESTAMP '2025-12-01')")
        rows = con.execute("SELECT item_id, category, decided_by, machine_category, reviewer"
                           " FROM v_item_category ORDER BY item_id").fetchall()
        stored = con.execute("SELECT decision, category, reviewer, note, decided_at IS NOT NULL"
                             " FROM review_decisions ORDER BY decision_id").fetchall()
    assert rows == [("crate:a", "autodiff", "review", "frameworks", "alice"),
                    ("crate:b", "out_of_scope", "review", "vector-db", "bob"),
                    ("crate:c", "frameworks", "machine", "frameworks", None)]
    assert stored == [("reassign", "autodiff", "alice", "dual numbers", True),
                      ("out_of_scope", "out_of_scope", "bob", None, True)]
    assert main(["review", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_review_cli_bad_input_is_one_line_and_exit_2(data_dir, capsys) -> None:  # noqa: ANN001
    """`review duplicates` of an unknown item said "no near-duplicates … wait" (exit 0), and
    `review list --limit 0` "review queue is empty" over a queue with items in it."""
    _seed()
    assert main(["review", "duplicates", "crate:nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "review: unknown item 'crate:nope'"
    for bad in ("0", "-3", "x"):
        try:
            main(["review", "list", "--limit", bad])
        except SystemExit as exc:
            assert exc.code == 2
        else:
            raise AssertionError(f"--limit {bad} accepted")
        assert "at least 1" in capsys.readouterr().err
    assert main(["review", "list", "--limit", "1", "--json"]) == 0
    assert [q["item_id"] for q in json.loads(capsys.readouterr().out)] == ["crate:a"]


def test_classify_an_unknown_item_is_an_error(data_dir, capsys) -> None:  # noqa: ANN001
    """`classify --item crate:nope` classified nothing, said "nothing new" and exited 0."""
    _seed()
    assert main(["classify", "--item", "crate:a", "--item", "crate:nope"]) == 2
    assert capsys.readouterr().err.strip() == "classify: unknown item(s): crate:nope"


def test_review_queue_gives_the_latest_classifications_reason(data_dir) -> None:  # noqa: ANN001
    """The queue's reason is the latest machine classification's (read once, off
    `v_item_category`'s machine rows): an earlier run's reason never shows; an item the
    watchlist places is neither queued nor given a reason, whatever the machine said."""
    _seed()
    with db.connect() as con:
        con.execute("UPDATE classifications SET review_reason = 'low_confidence'"
                    " WHERE needs_review")
        con.execute("INSERT INTO classifications (item_id, run_id, category, confidence, method,"
                    " model, needs_review, classified_at, review_reason) VALUES ('crate:b',"
                    " '2025-12', 'vector-db', 0.5, 'knn', 'm', TRUE, TIMESTAMP '2025-12-01',"
                    " 'near_boundary')")
        con.execute("INSERT INTO items (item_id, kind, name, source, watch_category) VALUES"
                    " ('crate:d', 'crate', 'd', 'test', 'frameworks')")
        con.execute("INSERT INTO classifications (item_id, run_id, category, confidence, method,"
                    " model, needs_review, classified_at, review_reason) VALUES ('crate:d',"
                    " '2025-12', 'autodiff', 0.2, 'knn', 'm', TRUE, TIMESTAMP '2025-12-01',"
                    " 'low_confidence')")
        queue = con.execute("SELECT item_id, confidence, review_reason FROM v_review_queue"
                            ).fetchall()
        reasons = con.execute("SELECT item_id, decided_by, review_reason FROM v_item_category"
                              " ORDER BY item_id").fetchall()
    assert queue == [("crate:a", 0.31, "low_confidence"), ("crate:b", 0.5, "near_boundary")]
    assert reasons == [("crate:a", "machine", "low_confidence"),
                       ("crate:b", "machine", "near_boundary"), ("crate:c", "machine", None),
                       ("crate:d", "watchlist", None)]
