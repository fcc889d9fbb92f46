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
# (v2: item-month rollups; category_month also covers dashboard_item_category).
_FP_VERSION = "v2"
TABLES = {"dashboard_rollup_state", "dashboard_category_month", "dashboard_item_key",
          "dashboard_item_month", "dashboard_item_category", "dashboard_project",
          "dashboard_project_month"}
# What an item's current category depends on (v_item_category: a review decision, else a
# watched project's category for its resolved members, else the machine), then what a
# project's figures depend on beyond that (table, column for a max).
_CATEGORY_TABLES = (("classifications", "classified_at"), ("review_decisions", "decided_at"),
                    ("projects", "resolved_at"), ("project_members", "resolved_at"))
_PROJECT_TABLES = (("project_health", "computed_at"), ("releases", "fetched_at"))


@dataclass(frozen=True)
class Freshness:
    item_month: bool = False       # dashboard_item_key / _item_month match observations, items
    category_month: bool = False   # dashboard_item_category / _category_month match everything
    project_month: bool = False    # dashboard_project / _project_month match everything


def _summary(con: duckdb.DuckDBPyConnection, table: str, col: str) -> str:
    return str(con.execute(f"SELECT count(*), max({col}) FROM {table}").fetchone())


def item_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A cheap summary of what the item-month values depend on (observations, items)."""
    return "|".join([_FP_VERSION, _summary(con, "observations", "fetched_at"),
                     _summary(con, "items", "fetched_at")])


def fingerprint(con: duckdb.DuckDBPyConnection, item_fp: str | None = None) -> str:
    """A cheap summary of everything the category totals depend on."""
    rels = relations(con)
    parts = [item_fp or item_fingerprint(con)]
    for table, col in _CATEGORY_TABLES:
        if table in rels:
            parts.append(_summary(con, table, col))
    return "|".join(parts)


def project_fingerprint(con: duckdb.DuckDBPyConnection, full_fp: str | None = None) -> str:
    """Everything a project's figures depend on: the category totals' inputs (the projects
    area's tables among them), its health and the releases."""
    rels = relations(con)
    parts = [full_fp or fingerprint(con)]
    parts += [_summary(con, table, col) for table, col in _PROJECT_TABLES if table in rels]
    return "|".join(parts)


def rollup_freshness(con: duckdb.DuckDBPyConnection) -> Freshness:
    """Which rollups a reader may use right now."""
    if not (TABLES | {"observations", "items"}) <= relations(con):
        return Freshness()
    state = dict(con.execute("SELECT name, fingerprint FROM dashboard_rollup_state").fetchall())
    if ITEM_MONTH not in state:
        return Freshness()
    item_fp = item_fingerprint(con)
    item_ok = state[ITEM_MONTH] == item_fp
    full_fp = fingerprint(con, item_fp)
    cat_ok = item_ok and state.get(CATEGORY_MONTH) == full_fp
    project_ok = cat_ok and state.get(PROJECT_MONTH) == project_fingerprint(con, full_fp)
    return Freshness(item_month=item_ok, category_month=cat_ok, project_month=project_ok)
