"""What blocks publishing a month: the publish guard.

A month should not go out while what it prints is still uncertain. Four kinds of open work
block `publish` until a person either finishes it or accepts it with a reason
(`publish --accept-open "why"`, recorded in PUBLISHED and in the banner):

- `unreviewed_items`: items the report prints (its tables, and the appendix of machine
  suggestions) whose category is a machine's guess still waiting in the review queue;
- `open_link_reviews`: project links that wait for a person (uncertain members, proposed
  merges) and touch an item or project the report prints — when the projects tables exist;
- `failed_sources`: sources that failed or only partly succeeded in the month's run, as the
  report's run-health table says;
- `contradicted_claims`: seed claims the automatic check contradicts now but did not in the
  previous published month (or at all, when none was published). An editor's own verdict is
  not open work: the editor already looked.

The report's own CSVs (data/*.csv of the revision to publish) say what is printed, so the
guard judges exactly the files that would go out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb

from landscape.project_review import link_review_queue
from report.csv_cells import read_rows
from report.queries import relation_exists
from report.store import publication, revisions
from warehouse import db

# Tables whose rows name an item a reader sees (the appendix of machine suggestions included:
# publishing it says nobody looked at them).
PRINTED_TABLES = ("frameworks", "tools", "new_items", "movers_dl", "movers_st", "releases",
                  "papers", "pending")
BAD_SOURCE_STATES = ("failed", "partial")
EXAMPLES = 8


@dataclass(frozen=True)
class Blocker:
    """One kind of open work; `examples` names a few of them (ids, sources or claims)."""

    kind: str  # 'unreviewed_items' | 'open_link_reviews' | 'failed_sources' | 'contradicted_claims'
    count: int
    examples: tuple[str, ...]
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "examples": list(self.examples)}


def read_table(folder: Path, name: str) -> list[dict[str, str]]:
    """Rows of `data/<name>.csv` of a revision folder (empty when the table is absent)."""
    path = folder / "data" / f"{name}.csv"
    if not path.exists():
        return []
    return read_rows(path)


def published_folder(con: duckdb.DuckDBPyConnection, month: str) -> Path | None:
    """The revision folder of what readers see for `month`, None when it is unpublished."""
    pub = publication(con, month)
    if pub is None:
        return None
    rev = next((r for r in revisions(con, month) if r.revision == pub.revision), None)
    return db.reports_dir() / rev.path if rev else None


def _printed(folder: Path) -> tuple[set[str], set[str]]:
    """(item ids, project ids) the revision prints in its tables."""
    items, projects = set(), set()
    for name in PRINTED_TABLES:
        for row in read_table(folder, name):
            if row.get("item_id"):
                items.add(row["item_id"])
            if row.get("project_id"):
                projects.add(row["project_id"])
    return items, projects


def _blocker(kind: str, found: list[str], what: str) -> Blocker | None:
    if not found:
        return None
    shown = ", ".join(found[:EXAMPLES]) + (" …" if len(found) > EXAMPLES else "")
    return Blocker(kind, len(found), tuple(found[:EXAMPLES]), f"{len(found)} {what}: {shown}")


def _unreviewed(con: duckdb.DuckDBPyConnection, items: set[str],
                projects: set[str]) -> Blocker | None:
    if not relation_exists(con, "v_review_queue") or not (items or projects):
        return None
    member = ""
    if projects and relation_exists(con, "v_item_project"):
        # a project row stands for its members: any of them still unreviewed counts
        member = "OR q.item_id IN (SELECT item_id FROM v_item_project WHERE project_id IN " \
                 "(SELECT unnest($projects)))"
    rows = con.execute(
        f"SELECT DISTINCT q.item_id FROM v_review_queue q WHERE q.item_id IN "
        f"(SELECT unnest($items)) {member} ORDER BY q.item_id",
        {"items": sorted(items), **({"projects": sorted(projects)} if member else {})},
    ).fetchall()
    return _blocker("unreviewed_items", [r[0] for r in rows],
                    "printed item(s) wait in the review queue")


def _open_links(con: duckdb.DuckDBPyConnection, items: set[str],
                projects: set[str]) -> Blocker | None:
    """The project link review queue (uncertain and proposed merges), where it touches an item
    the report prints or that item's project."""
    if not relation_exists(con, "project_members") or not (items or projects):
        return None
    printed = set(projects) | {r[0] for r in con.execute(
        "SELECT DISTINCT project_id FROM v_item_project WHERE item_id IN (SELECT unnest(?))",
        [sorted(items)]).fetchall()}
    found = [f"{q.item_id} → {q.project_id}" + (" (proposed)" if q.kind == "proposal" else "")
             for q in link_review_queue(con)
             if q.item_id in items or q.project_id in printed]
    return _blocker("open_link_reviews", found, "project link(s) wait for a review")


def _failed_sources(folder: Path) -> Blocker | None:
    bad = [f"{r['source']} ({r['status']})" for r in read_table(folder, "run_health")
           if r.get("status") in BAD_SOURCE_STATES]
    return _blocker("failed_sources", bad, "source(s) failed this month")


def contradicted_claims(folder: Path | None, *, editor: bool = True) -> list[str]:
    """Ids of the claims a revision says the evidence contradicts — by the automatic check, or
    also by an editor's verdict (`editor`) — in the order of its claims table."""
    if folder is None:
        return []
    return [r["id"] for r in read_table(folder, "claims") if r.get("status") == "contradicted"
            or (editor and r.get("editor_verdict") == "contradicted")]


def _contradicted(folder: Path, baselines: list[Path | None]) -> Blocker | None:
    before = {c for b in baselines for c in contradicted_claims(b, editor=False)}
    now = [c for c in contradicted_claims(folder, editor=False) if c not in before]
    return _blocker("contradicted_claims", now, "claim(s) contradicted since the last "
                    "published month")


def find_blockers(con: duckdb.DuckDBPyConnection, month: str, folder: Path) -> list[Blocker]:
    """What blocks publishing the revision in `folder` of `month` (empty: nothing)."""
    items, projects = _printed(folder)
    prev = con.execute("SELECT max(month) FROM publications WHERE month < ?",
                       [month]).fetchone()[0]
    found = [
        _unreviewed(con, items, projects),
        _open_links(con, items, projects),
        _failed_sources(folder),
        # a correction compares with what the month itself already published, too
        _contradicted(folder, [published_folder(con, prev) if prev else None,
                               published_folder(con, month)]),
    ]
    return [b for b in found if b is not None]


def publish_blockers(month: str, revision: int | None = None) -> list[Blocker]:
    """What blocks publishing `month` at `revision` (default: its latest revision) now.

    For the dashboard and the CLI; opens the warehouse read-only. Raises LookupError when the
    month (or that revision) has no report.
    """
    with db.connect(read_only=True) as con:
        revs = revisions(con, month)
        rev = next((r for r in revs if r.revision == revision), None) if revision else (
            revs[-1] if revs else None)
        if rev is None:
            raise LookupError(f"{month} has no report revision {revision or ''}".strip())
        return find_blockers(con, month, db.reports_dir() / rev.path)


def format_blockers(blockers: list[Blocker]) -> str:
    """Plain text, one blocker per line."""
    return "\n".join(f"  - {b.kind}: {b.message}" for b in blockers) or "  (nothing)"
