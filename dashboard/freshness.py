"""Whether the dashboard's rollups (`dashboard.rollups`) still match the data they summarise.

Each rollup state stores a fingerprint (cheap counts and maxima of the tables it depends on);
a reader uses a rollup only while its fingerprint matches, so the dashboard is never wrong,
only slower, between a write and the next refresh.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from warehouse.readonly import relations

ITEM_MONTH = "item_month"
CATEGORY_MONTH = "category_month"
PROJECT_MONTH = "project_month"
# Bump when what a state covers changes, so rollups written by older code count as stale
# (v2: item-month rollups; category_month also covers dashboard_item_category;
# v3: category_month also covers dashboard_member, which older code left empty;
# v4: dashboard_project.last_activity is its repositories' last push, releases no longer in it;
# v5: dashboard_project.push_unknown).
_FP_VERSION = "v5"
TABLES = {"dashboard_rollup_state", "dashboard_category_month", "dashboard_item_key",
          "dashboard_item_month", "dashboard_item_category", "dashboard_project",
          "dashboard_project_month", "dashboard_member"}
# What an item's current category depends on (v_item_category: a review decision, else a
# watched project's category for its resolved members, else the machine), then what a
# project's figures depend on beyond that (table, column for a max).
_CATEGORY_TABLES = (("classifications", "classified_at"), ("review_decisions", "decided_at"),
                    ("projects", "resolved_at"), ("project_members", "resolved_at"))
_PROJECT_TABLES = (("project_health", "computed_at"), ("releases", "fetched_at"))


@dataclass(frozen=True)
class Freshness:
    item_month: bool = False       # dashboard_item_key / _item_month match observations, items
    category_month: bool = False   # dashboard_item_category / _category_month / _member match
    project_month: bool = False    # dashboard_project / _project_month match everything


_ITEM_TABLES = (("observations", "fetched_at"), ("items", "fetched_at"))


def _summaries(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]]) -> list[str]:
    """`(count, max)` of each table as text, in one statement: a reader checks freshness
    several times a page view, and each statement costs about a millisecond of CPU."""
    cols = ", ".join(f"(SELECT count(*) FROM {t}), (SELECT max({c}) FROM {t})"
                     for t, c in tables)
    row = con.execute(f"SELECT {cols}").fetchone()
    return [str((row[2 * k], row[2 * k + 1])) for k in range(len(tables))]


def fingerprints(con: duckdb.DuckDBPyConnection,
                 rels: set[str] | None = None) -> tuple[str, str, str]:
    """Cheap summaries of what each rollup state depends on: (item_month: observations and
    items; category_month: those and the category decisions' inputs; project_month: those
    and the projects' health and releases). Tables not created yet are left out."""
    rels = relations(con) if rels is None else rels
    cat = [t for t in _CATEGORY_TABLES if t[0] in rels]
    proj = [t for t in _PROJECT_TABLES if t[0] in rels]
    parts = _summaries(con, [*_ITEM_TABLES, *cat, *proj])
    n_item, n_cat = len(_ITEM_TABLES), len(cat)
    item_fp = "|".join([_FP_VERSION, *parts[:n_item]])
    full_fp = "|".join([item_fp, *parts[n_item:n_item + n_cat]])
    return item_fp, full_fp, "|".join([full_fp, *parts[n_item + n_cat:]])


def rollup_freshness(con: duckdb.DuckDBPyConnection) -> Freshness:
    """Which rollups a reader may use right now."""
    rels = relations(con)
    if not (TABLES | {"observations", "items"}) <= rels:
        return Freshness()
    state = dict(con.execute("SELECT name, fingerprint FROM dashboard_rollup_state").fetchall())
    if ITEM_MONTH not in state:
        return Freshness()
    item_fp, full_fp, project_fp = fingerprints(con, rels)
    item_ok = state[ITEM_MONTH] == item_fp
    cat_ok = item_ok and state.get(CATEGORY_MONTH) == full_fp
    project_ok = cat_ok and state.get(PROJECT_MONTH) == project_fp
    return Freshness(item_month=item_ok, category_month=cat_ok, project_month=project_ok)
