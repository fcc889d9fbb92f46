"""Where the report places a project, and so a search hit: the one home of that rule.

A hit of a crate or a repository goes by its PROJECT, never by its own item (a project whose
crate a person reviewed is in the landscape even where the hit shown is its unreviewed
repository). A project of `month`'s scope (`_rep_project`, report/entity_tables.py) is
- in the landscape when it is watched or a person reviewed one of its items (`trusted`): the
  report's tables list it, under the category `_rep_project` gives it;
- a machine suggestion awaiting review when only the classifier placed it (appendix C);
- not in the landscape otherwise: out of scope, unclassified, or not there yet by `month`.
Papers and posts are no projects: they go by their own category decision, as `PAPERS_SQL`
reads it (reviewed when a person or the watchlist decided it, else awaiting review).

The month is the one searched, else the latest with observations (`latest_month`). Readers:
the dashboard's Search and Project pages (which add their badge colours) and `panorama
search`, so both say the same thing of the same hit, in the report's words (labels.toml
`place_*`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from report.config import report_window
from report.entity_tables import entity_statements
from report.queries import IN_TAXONOMY
from report.render import load_labels
from warehouse.readonly import relations

LANDSCAPE, SUGGESTION, OUTSIDE = "landscape", "suggestion", "outside"
PAPER_KINDS = ("paper", "post")
# a person's category decision (v_item_category.decided_by), as PAPERS_SQL counts it
TRUSTED_DECIDERS = ("review", "watchlist")
# what the report's queries read: without them no placement is claimed
_NEEDS = {"items", "observations", "projects", "project_members", "project_relations",
          "v_report_items"}


@dataclass(frozen=True)
class Placement:
    state: str               # LANDSCAPE | SUGGESTION | OUTSIDE
    category: str | None     # the category the report lists the project (or paper) under
    watched: bool = False

    def text(self, lang: str) -> str:
        """The placement in the report's words for `lang` ('zh' or 'en')."""
        labels = load_labels()[lang if lang in ("zh", "en") else "en"]
        if self.state == LANDSCAPE:
            return labels["place_watched" if self.watched else "place_reviewed"]
        return labels[f"place_{self.state}"]

    def as_json(self, month: str | None) -> dict[str, Any]:
        """The placement as `panorama search --json` gives it, with the month it is for."""
        return {"state": self.state, "category": self.category, "watched": self.watched,
                "month": month}


def scope_ready(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the warehouse has what the report's queries read."""
    return _NEEDS <= relations(con)


def build_scope(con: duckdb.DuckDBPyConnection, month: str) -> None:
    """Only the report's statements up to `_rep_project` (no figures): what a placement and
    the counts need. TEMP tables: allowed on a read-only connection."""
    params: dict[str, Any] = {**report_window(month), "pending": 0}
    for stmt in entity_statements(con):
        con.execute(stmt, {k: v for k, v in params.items() if f"${k}" in stmt})
        if "TEMP TABLE _rep_project AS" in stmt:
            return
    raise RuntimeError("report.entity_tables no longer builds _rep_project")


def read_scope(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, Placement] | None:
    """project id -> its placement, for every project of a category in `month` as the report
    counts them (`NEW_COUNTS_SQL`); a project not in it is outside the landscape. None when
    the warehouse cannot say (then nothing is claimed)."""
    if not scope_ready(con):
        return None
    build_scope(con, month)
    rows = con.execute(f"""
        SELECT pid, category, trusted, watched FROM _rep_project WHERE {IN_TAXONOMY}
    """).fetchall()
    return {pid: Placement(LANDSCAPE if trusted else SUGGESTION, category, bool(watched))
            for pid, category, trusted, watched in rows}


def latest_month(con: duckdb.DuckDBPyConnection) -> str | None:
    """The latest month with observations: whose scope places a hit when no month is asked."""
    if "observations" not in relations(con):
        return None
    return con.execute("SELECT max(period) FROM observations").fetchone()[0]


def project_placement(scope: Mapping[str, Placement] | None,
                      project_id: Any) -> Placement | None:
    """The project's placement in `scope` (`read_scope`); None when the scope is unknown."""
    if scope is None:
        return None
    return scope.get(str(project_id), Placement(OUTSIDE, None))


def paper_placement(category: Any, decided_by: Any) -> Placement:
    """A paper's or post's placement by its own category decision, as PAPERS_SQL reads it."""
    if not isinstance(category, str) or category == "out_of_scope":
        return Placement(OUTSIDE, None)
    return Placement(LANDSCAPE if decided_by in TRUSTED_DECIDERS else SUGGESTION, category)


def hit_placement(hit: Mapping[str, Any],
                  scope: Mapping[str, Placement] | None) -> Placement | None:
    """A search hit's placement (`landscape.search`'s fields): a paper's or post's own, else
    its project's; None when the project's scope is unknown. The project is the hit's
    `project` (the dashboard's frame of hits names it `project_id`)."""
    if hit.get("kind") in PAPER_KINDS:
        return paper_placement(hit.get("category"), hit.get("category_decided_by"))
    project = hit.get("project")
    return project_placement(scope, project if project is not None else hit.get("project_id"))
