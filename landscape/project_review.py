"""Review of project links: the uncertain merges and the proposed ones, and a person's decision.

The queue (`link_review_queue`) sits next to the category review queue (landscape/review.py):
the review CLI and the dashboard list both and call `decide_link` for these rows. Decisions are
kept in `project_link_decisions` (never rewritten by resolution) and `resolve_projects` reads
them every run, so they stick:

- accept: the item joins the project (evidence 'review', confidence 1.0);
- split: the item leaves the project and no automatic evidence puts it back in;
- upstream: the item is not a member but the project's upstream (a relation).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from connectors.watchlist import Watchlist
from landscape.projects import resolve_projects
from warehouse.transaction import transaction

DECISIONS = ("accept", "split", "upstream")


@dataclass(frozen=True)
class LinkReview:
    """One row of the link review queue."""

    item_id: str
    item_name: str | None
    project_id: str
    project_name: str | None
    kind: str  # 'merge' (linked, uncertain) | 'proposal' (not linked: name similarity etc.)
    reason: str  # the evidence or the proposal's reason
    evidence_url: str | None
    confidence: float


QUEUE_SQL = """
SELECT m.item_id, i.name, m.project_id, p.name_en, 'merge', m.evidence, m.evidence_url,
       m.confidence
FROM project_members m LEFT JOIN items i USING (item_id) LEFT JOIN projects p USING (project_id)
WHERE m.needs_review
UNION ALL
SELECT q.item_id, i.name, q.project_id, p.name_en, 'proposal', q.reason, q.evidence_url,
       q.confidence
FROM project_link_proposals q LEFT JOIN items i USING (item_id)
LEFT JOIN projects p USING (project_id)
ORDER BY 8 DESC, 1, 3
"""


def link_review_queue(con: duckdb.DuckDBPyConnection, limit: int | None = None
                      ) -> list[LinkReview]:
    """Uncertain merges and proposed merges awaiting a decision, most likely first."""
    sql = QUEUE_SQL + (" LIMIT ?" if limit else "")
    rows = con.execute(sql, [limit] if limit else []).fetchall()
    return [LinkReview(*r[:7], float(r[7])) for r in rows]


def project_id_of(con: duckdb.DuckDBPyConnection, name_or_id: str) -> str | None:
    """A project id from an id ('project:candle') or a display name (case-insensitive)."""
    row = con.execute(
        "SELECT project_id FROM projects WHERE project_id = ? OR lower(name_en) = lower(?) "
        "OR project_id = 'project:' || lower(?) ORDER BY watched DESC, project_id LIMIT 1",
        [name_or_id, name_or_id, name_or_id]).fetchone()
    return row[0] if row else None


def decide_link(con: duckdb.DuckDBPyConnection, item_id: str, project: str, decision: str, *,
                reviewer: str | None = None, note: str | None = None,
                watchlist: Watchlist | None = None, resolve: bool = True) -> str:
    """Record a decision on (item, project) and (by default) re-resolve so it shows at once.

    Args:
        con: a writable warehouse connection.
        item_id: the crate/repo/paper/post.
        project: the project id or name the decision is about.
        decision: 'accept', 'split' or 'upstream'.
        reviewer, note: who decided and why (kept with the decision).
        watchlist: for the re-resolution (default: the one the projects were last resolved
            from, as the warehouse keeps it — a run's `--watchlist`, not the default file).
        resolve: re-run `resolve_projects` now (else the next run applies it).

    Returns:
        The decision id.
    """
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
    project_id = project_id_of(con, project) or project
    if not project_id.startswith("project:"):
        raise ValueError(f"unknown project {project!r}")
    known = con.execute("SELECT count(*) FROM items WHERE item_id = ?", [item_id]).fetchone()
    if not known or not known[0]:
        raise ValueError(f"unknown item {item_id!r}")
    decision_id = str(uuid.uuid4())
    with transaction(con):
        con.execute("INSERT INTO project_link_decisions VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [decision_id, item_id, project_id, decision, reviewer, note,
                     datetime.now(UTC)])
    if resolve:
        resolve_projects(con, watchlist)
    return decision_id
