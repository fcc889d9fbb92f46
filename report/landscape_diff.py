"""The landscape membership diff (the report's section 9, the dashboard): entered, left, moved,
changed category.

Both sides are lists of landscape rows (entity, item_id, category, rank within category). A
published month's rows are frozen in `report_published_items` at publication, so a diff
against a published month always compares with what readers saw, not with re-computed data.
(The semantic diff of two report revisions, `panorama diff`, is report/diff.py.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

# A rank change smaller than this within a category is noise, not a move worth listing.
MIN_MOVE = 3


@dataclass(frozen=True)
class Change:
    entity: str
    item_id: str
    kind: str  # 'entered' | 'left' | 'moved' | 'recategorised'
    category: str | None
    old_category: str | None
    rank: int | None
    old_rank: int | None


@dataclass
class LandscapeDiff:
    month: str
    against: str | None  # the previous published month, None when there is none
    changes: list[Change] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]


def previous_published(con: duckdb.DuckDBPyConnection, month: str) -> str | None:
    row = con.execute(
        "SELECT max(month) FROM publications WHERE month < ?", [month]
    ).fetchone()
    return row[0] if row else None


def published_rows(con: duckdb.DuckDBPyConnection, month: str) -> list[dict[str, Any]]:
    cur = con.execute(
        "SELECT entity, item_id, category, rank FROM report_published_items WHERE month = ?",
        [month],
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def diff_rows(
    month: str, against: str | None, old: list[dict[str, Any]], new: list[dict[str, Any]]
) -> LandscapeDiff:
    """Compare two landscape row lists keyed by entity (rank = position in its category)."""
    before = {r["entity"]: r for r in old}
    after = {r["entity"]: r for r in new}
    out: list[Change] = []
    for name, r in after.items():
        o = before.get(name)
        if o is None:
            out.append(Change(name, r["item_id"], "entered", r["category"], None, r["rank"], None))
        elif o["category"] != r["category"]:
            out.append(Change(name, r["item_id"], "recategorised", r["category"],
                              o["category"], r["rank"], o["rank"]))
        elif o["rank"] and r["rank"] and abs(o["rank"] - r["rank"]) >= MIN_MOVE:
            out.append(Change(name, r["item_id"], "moved", r["category"], o["category"],
                              r["rank"], o["rank"]))
    for name, o in before.items():
        if name not in after:
            out.append(Change(name, o["item_id"], "left", None, o["category"], None, o["rank"]))
    order = {"entered": 0, "left": 1, "recategorised": 2, "moved": 3}
    out.sort(key=lambda c: (order[c.kind], c.category or c.old_category or "",
                            c.rank or c.old_rank or 0, c.entity))
    return LandscapeDiff(month, against, out)
