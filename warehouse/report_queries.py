"""The report's SQL: set-based queries over the report views for one month.

`build_entity_table` materialises one row per landscape entity for the month into a TEMP table
(allowed on a read-only connection), with its figures and their provenance as structs
`{v, p, u, f}` = value, period, source URL, fetched_at. Every section of the report is then a
small ORDER BY/LIMIT query over that table, so the cost is one pass over the month's
observations however many items the warehouse holds.
"""

from __future__ import annotations

import duckdb

# Out-of-scope and unclassified items never appear in landscape tables.
IN_SCOPE = "category IS NOT NULL AND category NOT IN ('out_of_scope')"
IN_TAXONOMY = "category IS NOT NULL AND category NOT IN ('out_of_scope', 'uncategorized')"


def relation_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])


def category_sql(con: duckdb.DuckDBPyConnection) -> str:
    """Current category per item: v_item_category (a person's decision wins there), else the
    watchlist's category while the classification area has not landed."""
    if relation_exists(con, "v_item_category"):
        return (
            "SELECT i.item_id, coalesce(c.category, i.watch_category) AS category "
            "FROM items i LEFT JOIN v_item_category c USING (item_id)"
        )
    return "SELECT item_id, watch_category AS category FROM items"


_STRUCT = "struct_pack(v := value, p := period, u := source_url, f := fetched_at)"
# "Latest" = latest period, then latest observation within it, as one BIGINT so the
# aggregate compares numbers, not structs (YYYYMM * 1e10 + epoch seconds).
_KEY = "(CAST(replace(period, '-', '') AS BIGINT) * 10000000000 + epoch(observed_at)::BIGINT)"

ENTITY_SQL = """
CREATE OR REPLACE TEMP TABLE _rep_scope AS
SELECT i.item_id, i.kind, i.entity, i.display_name, i.url, i.description, i.watched,
       i.created_month, i.source_url, i.fetched_at, c.category
FROM v_report_items i JOIN ({cat}) c USING (item_id)
-- only in-scope items that exist by the month: most discovered crates are out of scope, and
-- a past month's report must not list what appeared later
WHERE c.category IS NOT NULL AND c.category <> 'out_of_scope'
  AND coalesce(i.created_month, $month) <= $month;

CREATE OR REPLACE TEMP TABLE _rep_metric AS
SELECT item_id, metric,
       arg_max({s}, {k}) AS now,
       arg_max({s}, {k}) FILTER (WHERE period <= $prev) AS prev
FROM v_report_metric_month
WHERE period BETWEEN $lo AND $month
  AND metric IN ('downloads_recent', 'downloads_month', 'stars')
  AND item_id IN (SELECT item_id FROM _rep_scope)
GROUP BY item_id, metric;

CREATE OR REPLACE TEMP TABLE _rep_release AS
SELECT item_id, arg_max(struct_pack(version := version, published_at := published_at,
                         url := url, u := source_url, f := fetched_at), published_at) AS rel
FROM v_report_releases
WHERE period <= $month AND NOT prerelease AND item_id IN (SELECT item_id FROM _rep_scope)
GROUP BY item_id;

CREATE OR REPLACE TEMP TABLE _rep_entity AS
WITH it AS (
    SELECT i.*, d.now AS d_now, d.prev AS d_prev, m.now AS m_now, m.prev AS m_prev,
           s.now AS s_now, s.prev AS s_prev, r.rel
    FROM _rep_scope i
    LEFT JOIN _rep_metric d ON d.item_id = i.item_id AND d.metric = 'downloads_recent'
    LEFT JOIN _rep_metric m ON m.item_id = i.item_id AND m.metric = 'downloads_month'
    LEFT JOIN _rep_metric s ON s.item_id = i.item_id AND s.metric = 'stars'
    LEFT JOIN _rep_release r ON r.item_id = i.item_id
), e AS (
    SELECT entity,
           mode(category) AS category,
           bool_or(watched) AS watched,
           min(created_month) AS created_month,
           -- the entity's figures come from its most-downloaded crate and most-starred repo
           arg_max(struct_pack(item_id := item_id, now := d_now, prev := d_prev,
                               mnow := m_now, mprev := m_prev), d_now.v)
               FILTER (WHERE d_now IS NOT NULL) AS dl,
           arg_max(struct_pack(item_id := item_id, now := s_now, prev := s_prev), s_now.v)
               FILTER (WHERE s_now IS NOT NULL) AS st,
           arg_max(rel, rel.published_at) FILTER (WHERE rel IS NOT NULL) AS rel,
           arg_max(struct_pack(item_id := item_id, name := display_name, url := url,
                               description := description, kind := kind,
                               u := source_url, f := fetched_at),
                   (kind = 'crate')::INT * 1e15 + coalesce(d_now.v, s_now.v, -1)) AS main
    FROM it GROUP BY entity
), base AS (
    SELECT *,
           CASE WHEN dl.now.p = $month THEN dl.now.v END AS dl_cur,
           CASE WHEN dl.prev.p = $prev THEN dl.prev.v END AS dl_old,
           CASE WHEN st.now.p = $month THEN st.now.v END AS st_cur,
           CASE WHEN st.prev.p = $prev THEN st.prev.v END AS st_old,
           coalesce(dl.now.v, -1) AS score_dl, coalesce(st.now.v, -1) AS score_st
    FROM e
), ranks AS (
    -- ranks computed once, on narrow rows (windows carry every input column), so every
    -- section below is a filter + top-N
    SELECT entity,
           row_number() OVER (PARTITION BY category ORDER BY score_dl DESC, score_st DESC,
                              entity) AS cat_rank,
           rank() OVER (ORDER BY dl_cur DESC NULLS LAST) AS dl_rank_now,
           rank() OVER (ORDER BY dl_old DESC NULLS LAST) AS dl_rank_old,
           rank() OVER (ORDER BY st_cur DESC NULLS LAST) AS st_rank_now,
           rank() OVER (ORDER BY st_old DESC NULLS LAST) AS st_rank_old
    FROM (SELECT entity, category, score_dl, score_st, dl_cur, dl_old, st_cur, st_old FROM base)
)
SELECT base.*, ranks.* EXCLUDE (entity),
       (dl_cur - dl_old) / dl_old * 100 AS dl_pct,
       (st_cur - st_old) / st_old * 100 AS st_pct
FROM base JOIN ranks USING (entity);
"""


def build_entity_table(
    con: duckdb.DuckDBPyConnection, month: str, prev: str, lo: str
) -> None:
    """Materialise `_rep_entity` for `month` (figures up to 12 months old are carried forward)."""
    sql = (ENTITY_SQL.replace("{s}", _STRUCT).replace("{k}", _KEY)
           .replace("{cat}", category_sql(con)))
    for stmt in filter(str.strip, sql.split(";")):
        con.execute(stmt, {k: v for k, v in {"month": month, "prev": prev, "lo": lo}.items()
                           if f"${k}" in stmt})


# Ranked landscape (position within the category), for the CSV, the diff and publication.
# Flat columns: converting nested structs to Python costs more than the query.
LANDSCAPE_SQL = f"""
SELECT entity, main.item_id AS item_id, category, cat_rank,
       dl.now.v AS downloads_90d, dl.now.p AS downloads_period,
       dl.now.u AS downloads_source_url, CAST(dl.now.f AS VARCHAR) AS downloads_fetched_at,
       st.now.v AS stars, st.now.p AS stars_period,
       st.now.u AS stars_source_url, CAST(st.now.f AS VARCHAR) AS stars_fetched_at
FROM _rep_entity WHERE {IN_TAXONOMY} ORDER BY category, cat_rank
"""

TOOLS_SQL = f"""
SELECT * FROM _rep_entity WHERE {IN_TAXONOMY} AND cat_rank <= $n ORDER BY category, cat_rank
"""

NEW_SQL = f"""
SELECT * FROM _rep_entity WHERE {IN_TAXONOMY} AND created_month = $month
QUALIFY row_number() OVER (PARTITION BY category ORDER BY cat_rank) <= $n
ORDER BY category, cat_rank
"""

NEW_COUNTS_SQL = f"""
SELECT category, count(*) AS total, count(*) FILTER (WHERE created_month = $month) AS new
FROM _rep_entity WHERE {IN_TAXONOMY} GROUP BY category ORDER BY category
"""


def movers_sql(metric: str, rising: bool) -> str:
    """Top risers or fallers of one metric ('dl' = 90-day downloads, 'st' = stars).

    Both months must have a value of their own (no carried figures) and the previous one must
    reach the noise floor `$floor`; ranks are over all in-scope entities of the month."""
    return f"""
    SELECT *, {metric}_cur AS cur, {metric}_old AS old, {metric}_pct AS pct,
           {metric}_rank_now AS rank_now, {metric}_rank_old - {metric}_rank_now AS rank_change
    FROM _rep_entity
    WHERE {metric}_cur IS NOT NULL AND {metric}_old >= $floor
      AND {metric}_pct {'>' if rising else '<'} 0
    ORDER BY {metric}_pct {'DESC' if rising else 'ASC'}, entity
    LIMIT $n
    """


RELEASES_SQL = """
SELECT r.*, e.entity, e.category, e.score_dl, e.score_st
FROM v_report_releases r
JOIN _rep_scope i USING (item_id)
JOIN _rep_entity e ON e.entity = i.entity
WHERE r.period = $month AND NOT r.prerelease
  AND e.category IS NOT NULL AND e.category NOT IN ('out_of_scope', 'uncategorized')
ORDER BY e.score_dl DESC, e.score_st DESC, r.published_at DESC
LIMIT $n
"""

PAPERS_SQL = """
SELECT p.*, coalesce(c.category, 'uncategorized') AS category
FROM v_report_papers p LEFT JOIN ({cat}) c USING (item_id)
WHERE p.period = $month AND coalesce(c.category, '') <> 'out_of_scope'
QUALIFY row_number() OVER (PARTITION BY coalesce(c.category, 'uncategorized')
                           ORDER BY p.published_at DESC, p.arxiv_id) <= $n
ORDER BY category, p.published_at DESC, p.arxiv_id
"""

TREND_SQL = """
SELECT e.entity, m.period,
       arg_max(struct_pack(v := m.value, u := m.source_url, f := m.fetched_at), m.observed_at) AS o
FROM _rep_entity e JOIN v_report_metric_month m ON m.item_id = e.dl.item_id
WHERE list_contains($entities, e.entity) AND m.metric = 'downloads_recent'
  AND m.period BETWEEN $lo AND $month
GROUP BY e.entity, m.period
ORDER BY e.entity, m.period
"""

HEALTH_SQL = "SELECT * FROM v_report_run_health WHERE month = $month ORDER BY source"
