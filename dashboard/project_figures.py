"""What a project's figures are, in one place: the SQL the Landscape, Trends and Compare read,
live or from the project rollups the monthly run refreshes (`refresh_project_rollups`).

A project is what `v_item_project` says (every item exactly once; an item in no project is
its own). Per project:

- attributes (`attrs_sql`): names, category (the watchlist's, else its leading crate's or
  repository's), members, description and link of its leading member, latest release,
  archived / last activity (what the health rule reads). The leading member is the one of
  the strongest role (ROLE_RANK), then the most downloaded / starred in the latest month.
  Only projects with a crate or repository are listed.
- monthly values (`values_sql`): a download metric summed over its crates; a snapshot metric
  (stars) of its primary repository when it names one, else of its strongest, most starred
  member.

`dashboard_project` / `dashboard_project_month` store exactly these rows, keyed by an integer
`project_no`; readers use them while `Freshness.project_month` holds, else compute them live
(same SQL, from the item-month rollup when that is fresh), so a page is never wrong, only
slower between a write and the next refresh.
"""

from __future__ import annotations

from typing import Any

import duckdb

from dashboard.queries import DOWNLOADS_MONTH, _freshness, category_sql, series_sql
from warehouse.readonly import relations

# Which member speaks for the project (its category, description, link): lower is stronger.
ROLE_RANK = """CASE role WHEN 'primary_crate' THEN 0 WHEN 'primary_repo' THEN 1 WHEN 'self' THEN 2
    WHEN 'sub_crate' THEN 3 WHEN 'binding' THEN 4 WHEN 'member' THEN 5 WHEN 'docs' THEN 6
    ELSE 9 END"""
# The metrics a project card shows.
CARD_METRICS = (DOWNLOADS_MONTH, "stars")


def item_project_sql(rels: set[str]) -> str:
    """`(item_id, project_id, project_name, role)` for every item."""
    if "v_item_project" in rels:
        return "SELECT item_id, project_id, project_name, role FROM v_item_project"
    return "SELECT item_id, item_id AS project_id, name AS project_name, 'self' AS role FROM items"


def names_sql(rels: set[str]) -> str:
    """`(project_id, name_en, name_zh, project_category, primary_repo)` of resolved projects."""
    if "projects" in rels:
        return ("SELECT project_id, name_en, name_zh, category AS project_category, primary_repo"
                " FROM projects")
    return ("SELECT NULL::VARCHAR AS project_id, NULL::VARCHAR AS name_en,"
            " NULL::VARCHAR AS name_zh, NULL::VARCHAR AS project_category,"
            " NULL::VARCHAR AS primary_repo WHERE false")


def members_sql(rels: set[str]) -> str:
    """`(item_id, project_id, project_name, role_rank, kind, counts_snapshot)` of every item:
    `counts_snapshot` is false for a repository that is not the project's named primary one
    (its stars are not the project's)."""
    return f"""
        SELECT ip.item_id, ip.project_id, ip.project_name,
               {ROLE_RANK.replace("role", "ip.role")} AS role_rank, i.kind,
               (n.primary_repo IS NULL OR n.primary_repo = ip.item_id) AS counts_snapshot
        FROM ({item_project_sql(rels)}) ip JOIN items i USING (item_id)
        LEFT JOIN ({names_sql(rels)}) n ON n.project_id = ip.project_id
    """


def member_decisions_sql(rels: set[str]) -> str:
    """`(item_id, project_id, role, category, confidence, decided_by)` of every item: its
    project and role, and its category decision as `v_item_category` holds it (NULL when
    there is none). `dashboard_member` stores exactly these rows (`refresh_member_rollup`)."""
    cat = ("SELECT item_id, category, confidence, decided_by FROM v_item_category"
           if "v_item_category" in rels else
           "SELECT item_id, watch_category AS category, NULL::DOUBLE AS confidence,"
           " NULL::VARCHAR AS decided_by FROM items")
    return f"""
        SELECT ip.item_id, ip.project_id, ip.role, c.category, c.confidence, c.decided_by
        FROM ({item_project_sql(rels)}) ip LEFT JOIN ({cat}) c USING (item_id)
    """


def refresh_member_rollup(con: duckdb.DuckDBPyConnection) -> None:
    """Rewrite `dashboard_member` (inside the caller's transaction, after `dashboard_item_key`),
    ordered by an integer hash of the project id, so that DuckDB's zone maps skip to one
    project's rows (`WHERE project_key = hash(?)`)."""
    con.execute("DELETE FROM dashboard_member")
    con.execute(f"""
        INSERT INTO dashboard_member
        SELECT hash(m.project_id), m.project_id, k.item_no, m.role, m.category, m.confidence,
               m.decided_by
        FROM ({member_decisions_sql(relations(con))}) m JOIN dashboard_item_key k USING (item_id)
        ORDER BY hash(m.project_id), m.project_id, k.item_no
    """)


def value_agg(metric: str) -> str:
    """A project's value from its members' (`x.value` joined with `members_sql` as `m`)."""
    if metric.startswith("downloads"):
        return "sum(x.value) FILTER (WHERE m.kind = 'crate')"
    return ("arg_max(x.value, x.value - m.role_rank * 1e12) FILTER (WHERE m.counts_snapshot"
            " AND x.value IS NOT NULL)")


def item_values_sql(con: duckdb.DuckDBPyConnection, metric: str,
                    period: str | None) -> tuple[str, list[Any]]:
    """`(item_id, period, value)` of one metric (in one month, or all), from the item-month
    rollup while it is fresh."""
    if _freshness(con).item_month:
        sql = ("SELECT k.item_id, x.period, x.value FROM dashboard_item_month x"
               " JOIN dashboard_item_key k USING (item_no) WHERE x.metric = ?")
        if period is None:
            return sql, [metric]
        return sql + " AND x.period = ?", [metric, period]
    return series_sql(metric, period)


def live_values_sql(con: duckdb.DuckDBPyConnection, metric: str,
                    period: str | None) -> tuple[str, list[Any]]:
    """`(project_id, period, value)` computed from the items' values."""
    rels = relations(con)
    values, params = item_values_sql(con, metric, period)
    return (f"""
        SELECT m.project_id, x.period, {value_agg(metric)} AS value
        FROM ({values}) x JOIN ({members_sql(rels)}) m USING (item_id)
        GROUP BY m.project_id, x.period HAVING value IS NOT NULL
    """, params)


def attrs_sql(con: duckdb.DuckDBPyConnection) -> tuple[str, list[Any]]:
    """`(project_id, name_en, name_zh, category, members, kinds, description, url,
    last_release, archived, last_activity, push_unknown)` of every project with a crate or
    repository; `last_activity` is its repositories' last push (the health fallback's, capped
    per month), `push_unknown` whether some repository's push (or any repository) is missing."""
    rels = relations(con)
    months = [r[0] for r in con.execute(
        "SELECT DISTINCT period FROM observations ORDER BY period DESC LIMIT 1").fetchall()]
    latest = months[0] if months else ""
    dl, dl_params = item_values_sql(con, DOWNLOADS_MONTH, latest)
    st, st_params = item_values_sql(con, "stars", latest)
    releases = ("SELECT item_id, max(published_at) AS last_release FROM releases GROUP BY item_id"
                if "releases" in rels else
                "SELECT NULL::VARCHAR AS item_id, NULL::TIMESTAMPTZ AS last_release WHERE false")
    sql = f"""
        WITH m AS (
            SELECT mb.*, i.description, i.url, i.archived, i.updated_at, c.category,
                   r.last_release,
                   mb.role_rank * 1e15 - coalesce(dl.value, st.value, 0) AS lead_rank
            FROM ({members_sql(rels)}) mb JOIN items i USING (item_id)
            LEFT JOIN ({category_sql(rels)}) c USING (item_id)
            LEFT JOIN ({releases}) r USING (item_id)
            LEFT JOIN (SELECT item_id, value FROM ({dl})) dl USING (item_id)
            LEFT JOIN (SELECT item_id, value FROM ({st})) st USING (item_id)),
        p AS (
            SELECT project_id, any_value(project_name) AS project_name,
                   arg_min(category, lead_rank) FILTER (WHERE kind IN ('crate', 'repo'))
                       AS lead_category,
                   arg_min(category, role_rank) AS any_category,
                   arg_min(description, lead_rank) FILTER (WHERE description IS NOT NULL)
                       AS description,
                   arg_min(url, lead_rank) AS url,
                   count(*)::INTEGER AS members, list_sort(list_distinct(list(kind))) AS kinds,
                   max(last_release) AS last_release,
                   bool_or(coalesce(archived, false)) AS archived,
                   -- its repositories' last push (as of the latest fetch): the health rule's
                   -- other activity, read per month with its releases and capped at the
                   -- month's end (queries_projects._cards_cte); a crate's updated_at is not
                   -- a push, and a release after a month must not count for it
                   max(updated_at) FILTER (WHERE kind = 'repo') AS last_activity,
                   -- as project_health's push_unknown: one repository without a known push
                   -- (or none at all) leaves dormant untold however old the others' are
                   coalesce(bool_or(updated_at IS NULL) FILTER (WHERE kind = 'repo'), true)
                       AS push_unknown
            FROM m GROUP BY project_id
            HAVING bool_or(kind IN ('crate', 'repo')))
        SELECT p.project_id, coalesce(n.name_en, p.project_name) AS name_en,
               coalesce(n.name_zh, n.name_en, p.project_name) AS name_zh,
               coalesce(n.project_category, p.lead_category, p.any_category, 'unclassified')
                   AS category,
               p.members, p.kinds, p.description, p.url, p.last_release, p.archived,
               p.last_activity, p.push_unknown
        FROM p LEFT JOIN ({names_sql(rels)}) n USING (project_id)
    """
    return sql, dl_params + st_params


def sources(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Where a reader takes projects and their values from right now:
    `attrs` (a relation with `key` and the attribute columns), `values(metric, period)` →
    (sql of `(key, value)`, params), and `key_to_id` (how `key` maps to `project_id`)."""
    if _freshness(con).project_month:
        def values(metric: str, period: str) -> tuple[str, list[Any]]:
            return ("SELECT project_no AS key, value FROM dashboard_project_month"
                    " WHERE metric = ? AND period = ?", [metric, period])
        return {"attrs": "SELECT project_no AS key, * FROM dashboard_project",
                "attrs_params": [], "values": values}
    attrs, attrs_params = attrs_sql(con)

    def live(metric: str, period: str) -> tuple[str, list[Any]]:
        sql, params = live_values_sql(con, metric, period)
        return f"SELECT project_id AS key, value FROM ({sql})", params
    return {"attrs": f"SELECT project_id AS key, * FROM ({attrs})", "attrs_params": attrs_params,
            "values": live}


def refresh_project_rollups(con: duckdb.DuckDBPyConnection) -> int:
    """Rewrite `dashboard_project` and `dashboard_project_month` (inside the caller's
    transaction, after the item-month and category rollups); returns the number of projects."""
    attrs, params = attrs_sql(con)
    con.execute("DELETE FROM dashboard_project")
    con.execute("INSERT INTO dashboard_project SELECT"
                " (row_number() OVER (ORDER BY project_id))::INTEGER, *"
                f" FROM ({attrs}) ORDER BY project_id", params)
    rels = relations(con)
    con.execute("DELETE FROM dashboard_project_month")
    metrics = [r[0] for r in con.execute(
        "SELECT DISTINCT metric FROM dashboard_item_month ORDER BY metric").fetchall()]
    for metric in metrics:  # one metric at a time, from the (fresh) item-month rollup
        con.execute(f"""
            INSERT INTO dashboard_project_month
            SELECT ?, x.period, p.project_no, {value_agg(metric)} AS value
            FROM dashboard_item_month x JOIN dashboard_item_key k USING (item_no)
            JOIN ({members_sql(rels)}) m USING (item_id)
            JOIN dashboard_project p USING (project_id)
            WHERE x.metric = ?
            GROUP BY x.period, p.project_no HAVING value IS NOT NULL
            ORDER BY x.period, p.project_no
        """, [metric, metric])
    return con.execute("SELECT count(*) FROM dashboard_project").fetchone()[0]
