"""The dashboard's SQL for finding a project: the project pickers' choices (Project and
Compare pages) and the project an item belongs to. Split from `dashboard.queries_projects`,
which reads a project's figures and page."""

from __future__ import annotations

import duckdb
import pandas as pd

from dashboard.project_figures import item_project_sql, item_values_sql, names_sql
from dashboard.queries import DOWNLOADS_MONTH, _df, _empty, _freshness
from warehouse.readonly import relations

# A picker lists the projects of the this-many most downloaded and most starred items, and
# every resolved project (a project outside them opens from Search or the Landscape, and stays
# selectable once in the URL).
CHOICES_MAX = 3000


def project_choices(con: duckdb.DuckDBPyConnection, month: str | None = None) -> pd.DataFrame:
    """Projects with a crate or repository (what one can open or compare), by name: resolved
    projects first, then the most downloaded / starred in `month`, at most CHOICES_MAX;
    `name_zh` is the Chinese name where the project has one (else `name`), for the switch."""
    rels = relations(con)
    if "items" not in rels:
        return _empty("project_id", "name", "name_zh")
    if _freshness(con).project_month:
        return _choices_from_rollups(con, month)
    dl, dl_params = item_values_sql(con, DOWNLOADS_MONTH, month or "")
    st, st_params = item_values_sql(con, "stars", month or "")
    resolved = ("SELECT item_id FROM project_members" if "project_members" in rels else
                "SELECT NULL::VARCHAR AS item_id WHERE false")
    # ties broken by item_id (item_no follows it), so the list is the same on both paths
    return _df(con, f"""
        WITH top AS (  -- top-N, not a sort of every item
            (SELECT item_id FROM ({dl}) ORDER BY value DESC, item_id LIMIT {CHOICES_MAX})
            UNION (SELECT item_id FROM ({st}) ORDER BY value DESC, item_id LIMIT {CHOICES_MAX})
            UNION ({resolved})),
        p AS (
            SELECT ip.project_id,
                   coalesce(any_value(n.name_en), any_value(ip.project_name)) AS name,
                   any_value(n.name_zh) AS zh
            FROM top JOIN ({item_project_sql(rels)}) ip USING (item_id)
            JOIN items i USING (item_id)
            LEFT JOIN ({names_sql(rels)}) n USING (project_id)
            WHERE i.kind IN ('crate', 'repo') GROUP BY ip.project_id)
        SELECT project_id, name, coalesce(zh, name) AS name_zh FROM p
        ORDER BY lower(name), project_id
    """, dl_params + st_params)


def _choices_from_rollups(con: duckdb.DuckDBPyConnection, month: str | None) -> pd.DataFrame:
    """`project_choices` from the rollups (integer keys; no view over every item): the same
    top items, their projects from `dashboard_member`, names from `dashboard_project` (whose
    `name_en` is the name the live query picks: a top crate or repository's project is one
    of its rows)."""
    top = ("(SELECT item_no FROM dashboard_item_month WHERE metric = ? AND period = ?"
           f" ORDER BY value DESC, item_no LIMIT {CHOICES_MAX})")
    return _df(con, f"""
        WITH top AS ({top} UNION {top}
            UNION (SELECT item_no FROM dashboard_member WHERE role <> 'self')),
        p AS (
            SELECT DISTINCT p.project_id, p.name_en AS name, p.name_zh AS zh
            FROM top JOIN dashboard_item_key k USING (item_no)
            JOIN dashboard_member m USING (item_no) JOIN dashboard_project p USING (project_id)
            WHERE k.kind IN ('crate', 'repo'))
        SELECT project_id, name, coalesce(zh, name) AS name_zh FROM p
        ORDER BY lower(name), project_id
    """, [DOWNLOADS_MONTH, month or "", "stars", month or ""])


def project_of(con: duckdb.DuckDBPyConnection, item_ids: tuple[str, ...]) -> pd.DataFrame:
    """`(item_id, project_id, project_name)` of the given items."""
    rels = relations(con)
    if not item_ids or "items" not in rels:
        return _empty("item_id", "project_id", "project_name")
    return _df(con, f"SELECT item_id, project_id, project_name FROM ({item_project_sql(rels)})"
                    " WHERE list_contains(?::VARCHAR[], item_id)", [list(item_ids)])
