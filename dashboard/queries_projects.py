"""The dashboard's SQL about projects: cards for browsing, one project's page, series to compare.

A project is what `v_item_project` says (the projects contract of PROTOCOL.md / issue 11):
every item maps to exactly one project, an item in no project to itself. Where that view is
not in the warehouse yet, each item is its own project (the contract's 'self' rows), so the
pages work before and after the projects area lands.

Figures per project and month: monthly downloads summed over its crates, stars of its most
starred repository (the primary repository when the projects table names one).
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from dashboard.queries import DOWNLOADS_MONTH, _df, _empty, _freshness, category_sql, series_sql
from warehouse.readonly import relations

# Which member speaks for the project (its category, description, link): lower is stronger.
ROLE_RANK = """CASE role WHEN 'primary_crate' THEN 0 WHEN 'primary_repo' THEN 1 WHEN 'self' THEN 2
    WHEN 'sub_crate' THEN 3 WHEN 'binding' THEN 4 WHEN 'member' THEN 5 WHEN 'docs' THEN 6
    ELSE 9 END"""
# Until the projects area has judged a month (project_health), a project without a release or
# a push for this many days shows as dormant.
DORMANT_DAYS = 365


def item_project_sql(rels: set[str]) -> str:
    """`(item_id, project_id, project_name, role)` for every item."""
    if "v_item_project" in rels:
        return "SELECT item_id, project_id, project_name, role FROM v_item_project"
    return "SELECT item_id, item_id AS project_id, name AS project_name, 'self' AS role FROM items"


def _names_sql(rels: set[str]) -> str:
    """`(project_id, name_en, name_zh, project_category, primary_repo)` of resolved projects."""
    if "projects" in rels:
        return ("SELECT project_id, name_en, name_zh, category AS project_category, primary_repo"
                " FROM projects")
    return ("SELECT NULL::VARCHAR AS project_id, NULL::VARCHAR AS name_en,"
            " NULL::VARCHAR AS name_zh, NULL::VARCHAR AS project_category,"
            " NULL::VARCHAR AS primary_repo WHERE false")


def _health_sql(rels: set[str]) -> str:
    """`(project_id, month, status, detail)`: the projects area's health per project and month
    (landscape/project_health.py, rules in config/metrics.toml [health])."""
    if "project_health" in rels:
        return "SELECT project_id, month, status, detail FROM project_health"
    return ("SELECT NULL::VARCHAR AS project_id, NULL::VARCHAR AS month, NULL::VARCHAR AS status,"
            " NULL::VARCHAR AS detail WHERE false")


def _value_sql(con: duckdb.DuckDBPyConnection, metric: str, period: str,
               item_ids: list[str] | None = None) -> tuple[str, list[Any]]:
    """`(item_id, value)` of one metric in one month (of the given items only), from the
    rollup while it is fresh."""
    if _freshness(con).item_month:
        sql = ("SELECT k.item_id, x.value FROM dashboard_item_month x"
               " JOIN dashboard_item_key k USING (item_no) WHERE x.metric = ? AND x.period = ?")
        if item_ids is None:
            return sql, [metric, period]
        return (sql + " AND list_contains(?::VARCHAR[], k.item_id)", [metric, period, item_ids])
    sql, params = series_sql(metric, period, tuple(item_ids) if item_ids is not None else None)
    return f"SELECT item_id, value FROM ({sql})", params


def project_cards(con: duckdb.DuckDBPyConnection, month: str, prev: str | None,
                  category: str | None = None,
                  project_ids: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per project (of a category, or the given ids): names, category, members,
    downloads and stars this month and last, the latest release, health."""
    cols = ("project_id", "name_en", "name_zh", "category", "members", "description",
            "url", "downloads", "downloads_prev", "downloads_pct", "stars", "stars_prev",
            "last_release", "health", "health_detail")
    rels = relations(con)
    if "items" not in rels or "observations" not in rels:
        return _empty(*cols)
    prev = prev or month
    members = None
    if project_ids:  # a few projects: read the values of their members only
        members = [r[0] for r in con.execute(
            f"SELECT item_id FROM ({item_project_sql(rels)})"
            " WHERE list_contains(?::VARCHAR[], project_id)", [list(project_ids)]).fetchall()]
    vals: list[Any] = []
    parts = []
    for alias, metric, period in (("dl", DOWNLOADS_MONTH, month), ("dlp", DOWNLOADS_MONTH, prev),
                                  ("st", "stars", month), ("stp", "stars", prev)):
        sql, params = _value_sql(con, metric, period, members)
        parts.append(f"{alias} AS ({sql})")
        vals += params
    releases = ("SELECT item_id, max(published_at) AS last_release FROM releases GROUP BY item_id"
                if "releases" in rels else
                "SELECT NULL::VARCHAR AS item_id, NULL::TIMESTAMPTZ AS last_release WHERE false")
    sql = f"""
        WITH {", ".join(parts)},
        ip AS ({item_project_sql(rels)}),
        scope AS (SELECT ip.* FROM ip
                  WHERE (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], ip.project_id))),
        m AS (
            SELECT s.project_id, s.project_name, s.role, i.item_id, i.kind, i.description,
                   i.url, i.archived, i.updated_at, c.category, r.last_release,
                   dl.value AS dl, dlp.value AS dlp,
                   -- stars of the primary repository only, when the project names one
                   CASE WHEN n.primary_repo IS NULL OR n.primary_repo = i.item_id
                        THEN st.value END AS st,
                   CASE WHEN n.primary_repo IS NULL OR n.primary_repo = i.item_id
                        THEN stp.value END AS stp,
                   {ROLE_RANK.replace("role", "s.role")} AS role_rank
            FROM scope s JOIN items i USING (item_id)
            LEFT JOIN ({_names_sql(rels)}) n ON n.project_id = s.project_id
            LEFT JOIN ({category_sql(rels)}) c USING (item_id)
            LEFT JOIN ({releases}) r USING (item_id)
            LEFT JOIN dl USING (item_id) LEFT JOIN dlp USING (item_id)
            LEFT JOIN st USING (item_id) LEFT JOIN stp USING (item_id)),
        p AS (
            SELECT project_id, any_value(project_name) AS project_name,
                   arg_min(category, role_rank * 1e15 - coalesce(dl, st, 0))
                       FILTER (WHERE kind IN ('crate', 'repo')) AS lead_category,
                   arg_min(category, role_rank) AS any_category,
                   arg_min(description, role_rank * 1e15 - coalesce(dl, st, 0))
                       FILTER (WHERE description IS NOT NULL) AS description,
                   arg_min(url, role_rank * 1e15 - coalesce(dl, st, 0)) AS url,
                   count(*) AS members,
                   sum(dl) FILTER (WHERE kind = 'crate') AS downloads,
                   sum(dlp) FILTER (WHERE kind = 'crate') AS downloads_prev,
                   arg_max(st, coalesce(st, -1) - role_rank * 1e12) AS stars,
                   arg_max(stp, coalesce(st, -1) - role_rank * 1e12) AS stars_prev,
                   max(last_release) AS last_release,
                   bool_or(coalesce(archived, false)) AS archived,
                   greatest(max(last_release),
                            max(updated_at) FILTER (WHERE kind IN ('crate', 'repo')))
                       AS last_activity,
                   bool_or(kind IN ('crate', 'repo')) AS has_code
            FROM m GROUP BY project_id)
        SELECT p.project_id, coalesce(n.name_en, p.project_name) AS name_en,
               coalesce(n.name_zh, n.name_en, p.project_name) AS name_zh,
               coalesce(n.project_category, p.lead_category, p.any_category, 'unclassified')
                   AS category,
               p.members, p.description, p.url, p.downloads, p.downloads_prev,
               CASE WHEN p.downloads_prev > 0 AND p.downloads IS NOT NULL
                    THEN round(100.0 * (p.downloads - p.downloads_prev) / p.downloads_prev, 1)
               END AS downloads_pct,
               p.stars, p.stars_prev, p.last_release,
               coalesce(h.status, CASE WHEN p.archived THEN 'archived'
                    WHEN p.last_activity IS NULL THEN 'unknown'
                    WHEN p.last_activity < (strptime(? || '-01', '%Y-%m-%d')
                         + INTERVAL 1 MONTH - INTERVAL {DORMANT_DAYS} DAY) THEN 'dormant'
                    ELSE 'active' END) AS health,
               h.detail AS health_detail
        FROM p LEFT JOIN ({_names_sql(rels)}) n USING (project_id)
        LEFT JOIN ({_health_sql(rels)}) h ON h.project_id = p.project_id AND h.month = ?
        WHERE p.has_code AND (?::VARCHAR IS NULL
           OR coalesce(n.project_category, p.lead_category, p.any_category, 'unclassified') = ?)
        ORDER BY p.downloads DESC NULLS LAST, p.stars DESC NULLS LAST, name_en
    """
    ids = list(project_ids) or None
    return _df(con, sql, vals + [ids, ids, month, month, category, category])


def category_counts(cards: pd.DataFrame) -> pd.DataFrame:
    """Per category: projects, downloads and stars summed, how many are active."""
    if cards.empty:
        return pd.DataFrame(columns=["category", "projects", "downloads", "downloads_prev",
                                     "stars", "active"])
    g = cards.assign(active=cards["health"].eq("active")).groupby("category", as_index=False)
    return g.agg(projects=("project_id", "count"), downloads=("downloads", "sum"),
                 downloads_prev=("downloads_prev", "sum"), stars=("stars", "sum"),
                 active=("active", "sum"))


def project_members(con: duckdb.DuckDBPyConnection, project_id: str) -> pd.DataFrame:
    """The items of a project with their role, kind, category and link."""
    cols = ("item_id", "name", "title", "kind", "role", "category", "url", "description",
            "created_at", "confidence", "decided_by", "neighbours")
    rels = relations(con)
    if "items" not in rels:
        return _empty(*cols)
    cat = ("SELECT item_id, category, confidence, decided_by, CAST(neighbours AS VARCHAR)"
           " AS neighbours FROM v_item_category" if "v_item_category" in rels else
           "SELECT item_id, watch_category AS category, NULL::DOUBLE AS confidence,"
           " NULL::VARCHAR AS decided_by, NULL::VARCHAR AS neighbours FROM items")
    return _df(con, f"""
        SELECT i.item_id, i.name, i.title, i.kind, ip.role, c.category, i.url, i.description,
               i.created_at, c.confidence, c.decided_by, c.neighbours
        FROM ({item_project_sql(rels)}) ip JOIN items i USING (item_id)
        LEFT JOIN ({cat}) c USING (item_id)
        WHERE ip.project_id = ?
        ORDER BY {ROLE_RANK.replace("role", "ip.role")}, i.kind, i.name
    """, [project_id])


def project_releases(con: duckdb.DuckDBPyConnection, project_id: str,
                     limit: int = 30) -> pd.DataFrame:
    """The project's releases, one row per version (`v_project_releases`: crates.io and GitHub
    announcing the same version count once, the best source kept, the other as `second_url`)."""
    cols = ("version", "published_at", "item", "url", "second_url")
    rels = relations(con)
    if "v_project_releases" in rels:
        return _df(con, """
            SELECT r.version, r.published_at, i.name AS item, r.url, r.second_url
            FROM v_project_releases r JOIN items i USING (item_id)
            WHERE r.project_id = ? AND r.is_best
            ORDER BY r.published_at DESC NULLS LAST, r.release_id LIMIT ?
        """, [project_id, int(limit)])
    if "releases" not in rels:
        return _empty(*cols)
    return _df(con, f"""
        SELECT r.version, r.published_at, i.name AS item, r.url, NULL AS second_url
        FROM releases r JOIN ({item_project_sql(rels)}) ip USING (item_id)
        JOIN items i USING (item_id)
        WHERE ip.project_id = ? AND NOT coalesce(r.yanked, false)
        ORDER BY r.published_at DESC NULLS LAST LIMIT ?
    """, [project_id, int(limit)])


def project_relations(con: duckdb.DuckDBPyConnection, project_id: str) -> pd.DataFrame:
    """Upstreams, bindings, forks and successors of a project, both ways, by name."""
    cols = ("relation", "related_id", "related_name", "direction")
    if "project_relations" not in relations(con):
        return _empty(*cols)
    return _df(con, """
        SELECT r.relation, r.related_project_id AS related_id,
               coalesce(p.name_en, i.name, r.related_project_id) AS related_name,
               'out' AS direction
        FROM project_relations r LEFT JOIN projects p ON p.project_id = r.related_project_id
        LEFT JOIN items i ON i.item_id = r.related_project_id WHERE r.project_id = ?
        UNION ALL
        SELECT r.relation, r.project_id, p.name_en, 'in'
        FROM project_relations r JOIN projects p ON p.project_id = r.project_id
        WHERE r.related_project_id = ? ORDER BY 1, 3
    """, [project_id, project_id])


def project_papers(con: duckdb.DuckDBPyConnection, project_id: str) -> pd.DataFrame:
    """Papers and posts of the project: members, and mentions where the projects area records
    them (`project_mentions`)."""
    cols = ("item_id", "kind", "title", "url", "published")
    rels = relations(con)
    if "items" not in rels:
        return _empty(*cols)
    mentions = ("UNION SELECT item_id FROM project_mentions WHERE project_id = ?"
                if "project_mentions" in rels else "")
    params = [project_id, project_id] if mentions else [project_id]
    return _df(con, f"""
        WITH ids AS (SELECT item_id FROM ({item_project_sql(rels)}) WHERE project_id = ?
                     {mentions})
        SELECT i.item_id, i.kind, coalesce(i.title, i.name) AS title, i.url,
               i.created_at AS published
        FROM ids JOIN items i USING (item_id)
        WHERE i.kind IN ('paper', 'post')
        ORDER BY i.created_at DESC NULLS LAST
    """, params)


def project_series(con: duckdb.DuckDBPyConnection, project_ids: tuple[str, ...],
                   metric: str) -> pd.DataFrame:
    """Monthly series per project: downloads summed over its crates, or the stars of its most
    starred repository."""
    cols = ("project_id", "period", "value")
    rels = relations(con)
    if not project_ids or "observations" not in rels:
        return _empty(*cols)
    members = con.execute(f"SELECT item_id, project_id FROM ({item_project_sql(rels)})"
                          " WHERE list_contains(?::VARCHAR[], project_id)",
                          [list(project_ids)]).df()
    if members.empty:
        return _empty(*cols)
    ids = list(members["item_id"])
    if _freshness(con).item_month:  # integer keys: filter the rollup, not 10M observations
        series = ("SELECT k.item_id, x.period, x.value FROM dashboard_item_month x"
                  " JOIN dashboard_item_key k USING (item_no)"
                  " WHERE x.metric = ? AND list_contains(?::VARCHAR[], k.item_id)")
        params: list[Any] = [metric, ids]
    else:
        series, params = series_sql(metric, None, tuple(ids))
    agg = "sum(x.value)" if metric.startswith("downloads") else "max(x.value)"
    return _df(con, f"""
        WITH ip AS (SELECT item_id, project_id FROM ({item_project_sql(rels)})
                    WHERE list_contains(?::VARCHAR[], project_id))
        SELECT ip.project_id, x.period, {agg} AS value
        FROM ({series}) x JOIN ip USING (item_id)
        GROUP BY ip.project_id, x.period ORDER BY ip.project_id, x.period
    """, [list(project_ids), *params])


# A picker lists the projects of the this-many most downloaded and most starred items, and
# every resolved project (a project outside them opens from Search or the Landscape, and stays
# selectable once in the URL).
CHOICES_MAX = 3000


def project_choices(con: duckdb.DuckDBPyConnection, month: str | None = None) -> pd.DataFrame:
    """Projects with a crate or repository (what one can open or compare), by name: resolved
    projects first, then the most downloaded / starred in `month`, at most CHOICES_MAX."""
    rels = relations(con)
    if "items" not in rels:
        return _empty("project_id", "name")
    dl, dl_params = _value_sql(con, DOWNLOADS_MONTH, month or "")
    st, st_params = _value_sql(con, "stars", month or "")
    resolved = ("SELECT item_id FROM project_members" if "project_members" in rels else
                "SELECT NULL::VARCHAR AS item_id WHERE false")
    return _df(con, f"""
        WITH top AS (  -- top-N, not a sort of every item
            (SELECT item_id FROM ({dl}) ORDER BY value DESC LIMIT {CHOICES_MAX})
            UNION (SELECT item_id FROM ({st}) ORDER BY value DESC LIMIT {CHOICES_MAX})
            UNION ({resolved})),
        p AS (
            SELECT ip.project_id,
                   coalesce(any_value(n.name_en), any_value(ip.project_name)) AS name
            FROM top JOIN ({item_project_sql(rels)}) ip USING (item_id)
            JOIN items i USING (item_id)
            LEFT JOIN ({_names_sql(rels)}) n USING (project_id)
            WHERE i.kind IN ('crate', 'repo') GROUP BY ip.project_id)
        SELECT project_id, name FROM p ORDER BY lower(name), project_id
    """, dl_params + st_params)


def project_of(con: duckdb.DuckDBPyConnection, item_ids: tuple[str, ...]) -> pd.DataFrame:
    """`(item_id, project_id, project_name)` of the given items."""
    rels = relations(con)
    if not item_ids or "items" not in rels:
        return _empty("item_id", "project_id", "project_name")
    return _df(con, f"SELECT item_id, project_id, project_name FROM ({item_project_sql(rels)})"
                    " WHERE list_contains(?::VARCHAR[], item_id)", [list(item_ids)])
