"""The report's SQL vocabulary and its sections: set-based slices of one month.

What is in the taxonomy (`in_taxonomy`) and an item's current category (`category_sql`) are
defined here; the month's TEMP tables built from them (`_rep_scope`, `_rep_project`,
`_rep_entity`, ...) in report/entity_tables.py. Every section of the report is then a small
ORDER BY/LIMIT query over those tables (below), read by report/data.py.
"""

from __future__ import annotations

import duckdb


def in_taxonomy(col: str = "category") -> str:
    """Out-of-scope and unclassified items never appear in landscape tables."""
    return f"{col} IS NOT NULL AND {col} NOT IN ('out_of_scope', 'uncategorized')"


IN_TAXONOMY = in_taxonomy()


def relation_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])


def category_sql(con: duckdb.DuckDBPyConnection) -> str:
    """Current category of the items that have one: v_item_category (a person's decision wins
    there; it holds the watchlist's category of every watched item too, so items without a
    row have none and are not read), else the watchlist's category while the classification
    area has not landed."""
    if relation_exists(con, "v_item_category"):
        return ("SELECT item_id, category, decided_by, confidence, "
                "coalesce(needs_review, false) AS needs_review FROM v_item_category")
    return ("SELECT item_id, watch_category AS category, 'watchlist' AS decided_by, "
            "NULL::DOUBLE AS confidence, false AS needs_review FROM items")


# Ranked landscape (position within the category), for the CSV, the diff and publication.
# Flat columns: converting nested structs to Python costs more than the query.
LANDSCAPE_SQL = f"""
SELECT entity, main.item_id AS item_id, category, cat_rank,
       dl.now.v AS downloads_90d, dl.now.p AS downloads_period,
       dl.now.u AS downloads_source_url, CAST(dl.now.f AS VARCHAR) AS downloads_fetched_at,
       st.now.v AS stars, st.now.p AS stars_period,
       st.now.u AS stars_source_url, CAST(st.now.f AS VARCHAR) AS stars_fetched_at
FROM _rep_entity WHERE {IN_TAXONOMY} AND trusted ORDER BY category, cat_rank
"""

TOOLS_SQL = f"""
SELECT * FROM _rep_entity WHERE {IN_TAXONOMY} AND trusted AND cat_rank <= $n
ORDER BY category, cat_rank
"""

NEW_SQL = f"""
SELECT * FROM _rep_entity WHERE {IN_TAXONOMY} AND trusted AND created_month = $month
QUALIFY row_number() OVER (PARTITION BY category ORDER BY cat_rank) <= $n
ORDER BY category, cat_rank
"""

# Counted over every project of the scope (`_rep_project`): `_rep_entity` holds only the
# suggestions the appendix shows.
NEW_COUNTS_SQL = f"""
SELECT category, count(*) FILTER (WHERE trusted) AS total,
       count(*) FILTER (WHERE trusted AND created_month = $month) AS new,
       count(*) FILTER (WHERE NOT trusted) AS pending,
       count(*) FILTER (WHERE NOT trusted AND created_month = $month) AS pending_new
FROM _rep_project WHERE {IN_TAXONOMY} GROUP BY category ORDER BY category
"""


def movers_sql(metric: str, rising: bool) -> str:
    """Top risers or fallers of one metric ('dl' = 90-day downloads, 'st' = stars).

    Both months must have a value of their own (no carried figures) and the previous one must
    reach the noise floor `$floor`; ranks are over all in-scope entities of the month."""
    return f"""
    SELECT *, {metric}_cur AS cur, {metric}_old AS old, {metric}_pct AS pct,
           {metric}_rank_now AS rank_now, {metric}_rank_old - {metric}_rank_now AS rank_change
    FROM _rep_entity
    WHERE trusted AND {metric}_cur IS NOT NULL AND {metric}_old >= $floor
      AND {metric}_pct {'>' if rising else '<'} 0
    ORDER BY {metric}_pct {'DESC' if rising else 'ASC'}, entity
    LIMIT $n
    """


# Every distinct (project, version) of the month: the report counts them all and ranks them
# by significance (report/releases.py); its table then lists each project once.

PAPERS_SQL = """
SELECT p.*, coalesce(c.category, 'uncategorized') AS category,
       coalesce(c.decided_by IN ('review', 'watchlist'), false) AS trusted,
       -- every paper of the month awaiting review, before the per-category cut below
       count(*) FILTER (WHERE NOT coalesce(c.decided_by IN ('review', 'watchlist'), false))
           OVER () AS pending_total
FROM v_report_papers p LEFT JOIN _rep_cat c USING (item_id)
WHERE p.period = $month AND coalesce(c.category, '') <> 'out_of_scope'
QUALIFY row_number() OVER (PARTITION BY coalesce(c.category, 'uncategorized')
                           ORDER BY p.published_at DESC, p.arxiv_id) <= $n
ORDER BY category, p.published_at DESC, p.arxiv_id
"""

# The machine's suggestions for the draft's pending-review appendix: projects of a category
# that are neither watched nor reviewed, this month's discoveries first, then by downloads
# (the same order picks the suggestions `_rep_items` keeps: change both together).
PENDING_SQL = f"""
SELECT * FROM _rep_entity WHERE NOT trusted AND {IN_TAXONOMY}
ORDER BY (created_month = $month) DESC, score_dl DESC, score_st DESC, entity
LIMIT $n
"""

# The frameworks' 90-day downloads per month, summed over each project's crates like the
# tables, from `observations`: `$items` (TREND_ITEMS_SQL) filters the scan itself.
TREND_ITEMS_SQL = """
SELECT i.item_id FROM _rep_entity e JOIN _rep_scope i ON i.pid = e.pid
WHERE list_contains($entities, e.entity) ORDER BY i.item_id
"""
TREND_SQL = """
SELECT entity, period, struct_pack(v := sum(o.v), u := min(o.u), f := max(o.f)) AS o
FROM (
    SELECT e.entity, m.item_id, m.period,
           arg_max(struct_pack(v := m.value, u := m.source_url, f := m.fetched_at),
                   m.observed_at) AS o
    FROM _rep_entity e JOIN _rep_scope i ON i.pid = e.pid
    JOIN observations m ON m.item_id = i.item_id
    WHERE list_contains($entities, e.entity) AND m.metric = 'downloads_recent'
      AND list_contains($items, m.item_id) AND m.period BETWEEN $lo AND $month
    GROUP BY e.entity, m.item_id, m.period)
GROUP BY entity, period
ORDER BY entity, period
"""

HEALTH_SQL = "SELECT * FROM v_report_run_health WHERE month = $month ORDER BY source"
