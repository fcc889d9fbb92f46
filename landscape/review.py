"""Review: the queue of uncertain machine classifications and a person's decisions.

Public API:
    review_queue(con, limit=50) -> list[dict]   # most uncertain first, with the reason
    record_decision(con, item_id, decision, reviewer, category=None, note=None, *,
                    decided_at=None) -> dict
    review_burden(con, run_id=None) -> dict      # how many went to review in a run, and why
    open_decisions(con, run_id=None) -> int      # decisions the open queue needs (clusters)
    near_duplicates(con, item_id, *, min_similarity=None, limit=50) -> list[dict]
    decide_with_duplicates(con, item_id, decision, reviewer, category=None, note=None, *,
                           duplicates=None) -> list[dict]   # one decision, its cluster too
    DECISIONS = ("accept", "reassign", "out_of_scope")

A decision is stored in `review_decisions` and wins in `v_item_category` from then on (the
machine never overwrites it). The decided item joins the labelled FAISS index on the next
`classify_items` / `sync_index`, which also reclassifies machine-decided items against it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import numpy as np

from landscape.embeddings import load_item_vectors
from landscape.taxonomy import OUT_OF_SCOPE, load_taxonomy

DECISIONS = ("accept", "reassign", "out_of_scope")


def review_queue(con: duckdb.DuckDBPyConnection, limit: int = 50) -> list[dict]:
    """Machine-decided items that need a person, lowest confidence first.

    Each dict: item_id, kind, name, title, url, description, category, confidence, method,
    run_id, neighbours (list of {id, title, label, similarity}), review_reason
    ('low_confidence' | 'near_boundary' | 'new_cluster'; None for rows classified before
    reasons were kept).
    """
    cur = con.execute("SELECT * FROM v_review_queue LIMIT ?", [limit])
    cols = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        d = dict(zip(cols, row, strict=True))
        if isinstance(d.get("neighbours"), str):
            d["neighbours"] = json.loads(d["neighbours"])
        out.append(d)
    return out


def record_decision(con: duckdb.DuckDBPyConnection, item_id: str, decision: str,
                    reviewer: str, category: str | None = None, note: str | None = None, *,
                    decided_at: datetime | None = None) -> dict:
    """Store a person's decision about an item.

    Args:
        item_id: the item (must exist in `items`).
        decision: 'accept' (keep the machine's category, or `category` if given), 'reassign'
            (to `category`, required) or 'out_of_scope'.
        reviewer: who decided (required).
        category: a taxonomy id, or 'uncategorized' (in scope, no category yet).
        note: free text.
        decided_at: when the person decided (default now, UTC).

    Returns:
        The stored decision as a dict.
    """
    reviewer = (reviewer or "").strip()
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, got {decision!r}")
    if not reviewer:
        raise ValueError("a review decision needs the reviewer's name")
    if not con.execute("SELECT count(*) FROM items WHERE item_id = ?", [item_id]).fetchone()[0]:
        raise ValueError(f"unknown item {item_id!r}")
    if decision == "out_of_scope":
        category = OUT_OF_SCOPE
    elif decision == "reassign" and not category:
        raise ValueError("reassign needs a category")
    elif decision == "accept" and not category:
        row = con.execute("SELECT category FROM v_classification_latest WHERE item_id = ?",
                          [item_id]).fetchone()
        if row is None:
            raise ValueError(f"{item_id} has no machine classification to accept")
        category = row[0]
    if not load_taxonomy().valid_label(category):
        raise ValueError(f"unknown category {category!r}")
    when = decided_at or datetime.now(UTC)
    con.execute(
        "INSERT INTO review_decisions (item_id, decision, category, reviewer, decided_at, note)"
        " VALUES (?, ?, ?, ?, ?, ?)", [item_id, decision, category, reviewer, when, note])
    return {"item_id": item_id, "decision": decision, "category": category,
            "reviewer": reviewer, "decided_at": when, "note": note}


def review_burden(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> dict:
    """How many items a classification run (default: the latest) sent to review, and why.

    Returns {run_id, classified, to_review, still_open, placed_by_project, decisions, reasons:
    {reason: n}}; `still_open` counts those nobody has decided yet, `decisions` the decisions
    they need (near-duplicates share one). An item the machine was
    unsure of but that is a resolved member of a watched project is not to review: its
    category is the project's (`placed_by_project` counts them). Reasons: 'low_confidence',
    'near_boundary', 'new_cluster' ('unrecorded' for rows classified before reasons were kept).
    """
    if run_id is None:
        row = con.execute("SELECT run_id FROM classifications ORDER BY classified_at DESC,"
                          " run_id DESC LIMIT 1").fetchone()
        if row is None:
            return {"run_id": None, "classified": 0, "to_review": 0, "still_open": 0,
                    "placed_by_project": 0, "reasons": {}}
        run_id = row[0]
    classified, to_review, still_open, placed = con.execute(
        """
        WITH c AS (
            SELECT c.*, v.decided_by = 'project' AS placed
            FROM classifications c LEFT JOIN v_item_category v USING (item_id)
            WHERE c.run_id = ?)
        SELECT count(*), count(*) FILTER (WHERE c.needs_review AND NOT coalesce(placed, FALSE)),
               count(*) FILTER (WHERE c.needs_review AND NOT coalesce(placed, FALSE)
                                AND r.item_id IS NULL),
               count(*) FILTER (WHERE c.needs_review AND placed)
        FROM c LEFT JOIN v_review_latest r USING (item_id)""", [run_id]).fetchone()
    reasons = dict(con.execute(
        "SELECT coalesce(c.review_reason, 'unrecorded'), count(*) FROM classifications c"
        " LEFT JOIN v_item_category v USING (item_id) WHERE c.run_id = ? AND c.needs_review"
        " AND v.decided_by IS DISTINCT FROM 'project' GROUP BY 1 ORDER BY 2 DESC, 1",
        [run_id]).fetchall())
    return {"run_id": run_id, "classified": int(classified), "to_review": int(to_review),
            "still_open": int(still_open), "placed_by_project": int(placed),
            "decisions": open_decisions(con, run_id), "reasons": reasons}


def open_decisions(con: duckdb.DuckDBPyConnection, run_id: str | None = None,
                   min_similarity: float | None = None) -> int:
    """How many decisions the open review queue (of one run, or all of it) asks for:
    near-duplicates (cosine >= `duplicate_above`, chained) are one cluster and one decision
    (`decide_with_duplicates`)."""
    threshold = load_taxonomy().settings.duplicate_above if min_similarity is None \
        else min_similarity
    queue = [q["item_id"] for q in review_queue(con, limit=100_000)
             if run_id is None or q["run_id"] == run_id]
    vecs = load_item_vectors(con, queue)
    n = len(vecs.item_ids)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n:
        close = np.argwhere(np.triu(vecs.vectors @ vecs.vectors.T >= threshold, k=1))
        for a, b in close:
            parent[root(int(a))] = root(int(b))
    # an item with no cached vector is a decision of its own
    return len({root(i) for i in range(n)}) + len(set(queue) - set(vecs.item_ids))


def near_duplicates(con: duckdb.DuckDBPyConnection, item_id: str, *,
                    min_similarity: float | None = None, limit: int = 50) -> list[dict]:
    """Items still waiting in the review queue that are near-duplicates of `item_id` (cosine of
    their embeddings >= `min_similarity`, default the taxonomy's `duplicate_above`), most
    similar first: a reviewer who decides one can decide them all the same way.

    Each dict: item_id, name, title, category, confidence, review_reason, similarity.
    An unknown `item_id` is a ValueError (not "no near-duplicates").
    """
    if not con.execute("SELECT count(*) FROM items WHERE item_id = ?", [item_id]).fetchone()[0]:
        raise ValueError(f"unknown item {item_id!r}")
    threshold = load_taxonomy().settings.duplicate_above if min_similarity is None \
        else min_similarity
    queue = {q["item_id"]: q for q in review_queue(con, limit=100_000)}
    queue.pop(item_id, None)
    if not queue:
        return []
    mine = load_item_vectors(con, [item_id])
    if not mine.item_ids:
        return []
    others = load_item_vectors(con, list(queue))
    if not others.item_ids:
        return []
    sims = others.vectors @ mine.vectors[0]
    order = [int(i) for i in np.argsort(-sims) if sims[i] >= threshold][:limit]
    return [{"item_id": others.item_ids[i], "name": queue[others.item_ids[i]]["name"],
             "title": queue[others.item_ids[i]]["title"],
             "category": queue[others.item_ids[i]]["category"],
             "confidence": queue[others.item_ids[i]]["confidence"],
             "review_reason": queue[others.item_ids[i]].get("review_reason"),
             "similarity": round(float(sims[i]), 4)} for i in order]


def decide_with_duplicates(con: duckdb.DuckDBPyConnection, item_id: str, decision: str,
                           reviewer: str, category: str | None = None, note: str | None = None,
                           *, duplicates: list[str] | None = None) -> list[dict]:
    """Record a decision for `item_id` and the same decision for its near-duplicates
    (`duplicates`, default: `near_duplicates(item_id)`). An 'accept' resolves to the category
    accepted for `item_id` (passed on explicitly), so every duplicate lands in that category. Returns the stored
    decisions, `item_id`'s first."""
    if duplicates is None:
        duplicates = [d["item_id"] for d in near_duplicates(con, item_id)]
    first = record_decision(con, item_id, decision, reviewer, category, note)
    same = first["decision"]
    why = f"same decision as near-duplicate {item_id}" + (f": {note}" if note else "")
    return [first] + [record_decision(con, d, same, reviewer, first["category"], why,
                                      decided_at=first["decided_at"])
                      for d in duplicates if d != item_id]
