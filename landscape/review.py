"""Review: the queue of uncertain machine classifications and a person's decisions.

Public API:
    review_queue(con, limit=50) -> list[dict]   # most uncertain first
    record_decision(con, item_id, decision, reviewer, category=None, note=None, *,
                    decided_at=None) -> dict
    DECISIONS = ("accept", "reassign", "out_of_scope")

A decision is stored in `review_decisions` and wins in `v_item_category` from then on (the
machine never overwrites it). The decided item joins the labelled FAISS index on the next
`classify_items` / `sync_index`, which also reclassifies machine-decided items against it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from landscape.taxonomy import OUT_OF_SCOPE, load_taxonomy

DECISIONS = ("accept", "reassign", "out_of_scope")


def review_queue(con: duckdb.DuckDBPyConnection, limit: int = 50) -> list[dict]:
    """Machine-decided items that need a person, lowest confidence first.

    Each dict: item_id, kind, name, title, url, description, category, confidence, method,
    run_id, neighbours (list of {id, title, label, similarity}).
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
