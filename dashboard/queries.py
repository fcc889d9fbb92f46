"""The SQL behind the dashboard: plain functions of an open connection returning DataFrames.

Only `?` parameters carry values; the few SQL fragments chosen in Python are fixed strings
(which view a metric comes from), never built from input. Every function copes with the
areas that have not run yet (no classification, no runs): it returns an empty frame with the
expected columns rather than failing, so pages can show an empty state.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from dashboard.freshness import rollup_freshness
from warehouse.readonly import relations

# The monthly download count from the daily series; every other metric is a monthly snapshot.
DOWNLOADS_MONTH = "downloads_month"


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _empty(*cols: str) -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in cols})


def _opt(values: tuple[str, ...] | list[str] | None) -> list[str] | None:
    """A filter list as a parameter: None means 'no filter'."""
    return list(values) if values else None


def category_sql(rels: set[str]) -> str:
    """The current category of each item: a person's decision, else the machine's, else the
    watchlist's; items never classified are 'unclassified'."""
    if "v_item_category" in rels:
        return ("SELECT i.item_id, coalesce(c.category, i.watch_category, 'unclassified') AS category"
                " FROM items i LEFT JOIN v_item_category c USING (item_id)")
    return ("SELECT item_id, coalesce(watch_category, 'unclassified') AS category FROM items")


def overview(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Counts for the sidebar and the empty-state checks."""
    rels = relations(con)
    out: dict[str, Any] = {"items": 0, "runs": 0, "latest_month": None, "classified": 0}
    if "items" in rels:
        out["items"] = con.execute("SELECT count(*) FROM items").fetchone()[0]
    if "runs" in rels:
        row = con.execute("SELECT count(*), max(month) FROM runs").fetchone()
        out["runs"], out["latest_month"] = row[0], row[1]
    if "v_item_category" in rels:
        out["classified"] = con.execute("SELECT count(*) FROM v_item_category").fetchone()[0]
    out["has_classification"] = "v_item_category" in rels
    return out


def months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Months with any observation, oldest first."""
    if "observations" not in relations(con):
        return []
    rows = con.execute("SELECT DISTINCT period FROM observations ORDER BY period").fetchall()
    return [r[0] for r in rows]


def metrics(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Metrics to chart: monthly downloads (from the daily series) first, then snapshots."""
    if "observations" not in relations(con):
        return []
    rows = con.execute("SELECT DISTINCT metric FROM observations ORDER BY metric").fetchall()
    found = [r[0] for r in rows]
    out = [DOWNLOADS_MONTH] if "downloads_daily" in found else []
    return out + [m for m in found if m != "downloads_daily"]


def kinds(con: duckdb.DuckDBPyConnection) -> list[str]:
    if "items" not in relations(con):
        return []
    return [r[0] for r in con.execute("SELECT DISTINCT kind FROM items ORDER BY kind").fetchall()]


def categories(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Categories items currently have."""
    rels = relations(con)
    if "items" not in rels:
        return []
    source = ("dashboard_item_category" if _freshness(con).category_month
              else f"({category_sql(rels)})")
    sql = f"SELECT DISTINCT category FROM {source} ORDER BY category"
    return [r[0] for r in con.execute(sql).fetchall()]


def series_sql(metric: str, period: str | None = None,
               item_ids: tuple[str, ...] | None = None) -> tuple[str, list[Any]]:
    """Monthly values `(item_id, period, value)` of one metric per item, read straight from
    `observations` with the metric (and month, and items) filtered first: the same figures
    as `v_downloads_month` / `v_metric_month` (a month's latest snapshot), without computing
    those views for every metric. `dashboard_item_month` stores exactly these rows."""
    where, params = "", []
    if period is not None:  # a plain comparison, so DuckDB can skip row groups (zone maps)
        where, params = " AND period = ?", [period]
    if item_ids is not None:
        where, params = where + " AND list_contains(?::VARCHAR[], item_id)", params + [list(item_ids)]
    if metric == DOWNLOADS_MONTH:
        return ("SELECT item_id, period, sum(value) AS value FROM observations"
                " WHERE metric = 'downloads_daily'" + where + " GROUP BY item_id, period",
                params)
    return ("SELECT item_id, period, arg_max(value, observed_at) AS value FROM observations"
            " WHERE metric = ?" + where + " GROUP BY item_id, period", [metric, *params])


def _freshness(con: duckdb.DuckDBPyConnection) -> Any:
    """Which dashboard rollups are fresh (`dashboard.freshness.Freshness`)."""
    return rollup_freshness(con)


# The Trends queries join `values(key, period, value)` with `cat(key, item_id, kind, category)`
# on `key`: the rollups' integer item_no when the item-month rollup is fresh, else item_id.

def _values_sql(metric: str, period: str | None, fresh: Any) -> tuple[str, list[Any]]:
    """One metric's monthly values per item (of one month if `period` is given)."""
    if not fresh.item_month:
        series, params = series_sql(metric, period)
        return f"SELECT item_id AS key, period, value FROM ({series})", params
    sql, params = ("SELECT item_no AS key, period, value FROM dashboard_item_month"
                   " WHERE metric = ?", [metric])
    if period is not None:
        sql, params = sql + " AND period = ?", params + [period]
    return sql, params


def _cat_cte(con: duckdb.DuckDBPyConnection, kinds_: tuple[str, ...],
             categories_: tuple[str, ...], fresh: Any) -> tuple[str, list[Any]]:
    """`cat(key, item_id, kind, category)`: every item with its current category, filtered
    (200k rows) before any join with the values (millions of rows)."""
    if fresh.category_month:
        items = ("SELECT k.item_no AS key, k.item_id, k.kind, c.category"
                 " FROM dashboard_item_key k JOIN dashboard_item_category c USING (item_no)")
    elif fresh.item_month:  # categories changed since the refresh (a review decision)
        items = ("SELECT k.item_no AS key, k.item_id, k.kind, c.category FROM dashboard_item_key k"
                 f" JOIN ({category_sql(relations(con))}) c USING (item_id)")
    else:
        items = ("SELECT i.item_id AS key, i.item_id, i.kind, c.category FROM items i"
                 f" JOIN ({category_sql(relations(con))}) c USING (item_id)")
    k, c = _opt(kinds_), _opt(categories_)
    return (f"""
        cat AS (
            SELECT * FROM ({items})
            WHERE (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], kind))
              AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], category)))
    """, [k, k, c, c])


def filtered_series(con: duckdb.DuckDBPyConnection, metric: str, kinds_: tuple[str, ...],
                    categories_: tuple[str, ...], period: str | None = None,
                    ) -> tuple[str, list[Any]]:
    """A CTE prefix `s(item_id, period, value, kind, category)` with the filters applied to
    the items before the join with the series; reads whichever rollups are fresh."""
    fresh = _freshness(con)
    cat, params = _cat_cte(con, kinds_, categories_, fresh)
    values, vparams = _values_sql(metric, period, fresh)
    sql = f"""
        WITH {cat},
        s AS MATERIALIZED (SELECT cat.item_id, x.period, x.value, cat.kind, cat.category
              FROM ({values}) x JOIN cat USING (key))
    """
    return sql, params + vparams


def category_trend(con: duckdb.DuckDBPyConnection, metric: str, kinds_: tuple[str, ...] = (),
                   categories_: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per category and month: the metric summed over items, the number of items, and the
    month-over-month delta and % (NULL for a category's first month)."""
    cols = ("category", "period", "value", "items", "prev_value", "delta", "pct")
    if "observations" not in relations(con):
        return _empty(*cols)
    if _freshness(con).category_month:  # precomputed by the last writer: a few thousand rows
        k, c = _opt(kinds_), _opt(categories_)
        cte = """
            WITH m AS (
                SELECT category, period, sum(value) AS value, sum(items) AS items
                FROM dashboard_category_month
                WHERE metric = ?
                  AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], kind))
                  AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], category))
                GROUP BY category, period)
        """
        params: list[Any] = [metric, k, k, c, c]
    else:  # summed live (from the item-month rollup when only the categories changed)
        cte, params = filtered_series(con, metric, kinds_, categories_)
        cte += """
            , m AS (SELECT category, period, sum(value) AS value, count(*) AS items
                    FROM s GROUP BY category, period)
        """
    sql = cte + """
        SELECT category, period, value, items,
               lag(value) OVER w AS prev_value,
               value - lag(value) OVER w AS delta,
               CASE WHEN lag(value) OVER w > 0
                    THEN round(100.0 * (value - lag(value) OVER w) / lag(value) OVER w, 1) END AS pct
        FROM m
        WINDOW w AS (PARTITION BY category ORDER BY period)
        ORDER BY period, category
    """
    return _df(con, sql, params)


def item_movers(con: duckdb.DuckDBPyConnection, metric: str, month: str, prev_month: str,
                kinds_: tuple[str, ...] = (), categories_: tuple[str, ...] = (),
                limit: int = 50) -> pd.DataFrame:
    """Items with the largest month-over-month change of `metric` between two months.

    Only the two months are read (each filtered before aggregating), from the item-month
    rollup when it is fresh."""
    cols = ("item_id", "name", "kind", "category", "url", "value", "prev_value", "delta", "pct")
    if "observations" not in relations(con):
        return _empty(*cols)
    fresh = _freshness(con)
    cat, params = _cat_cte(con, kinds_, categories_, fresh)
    cur, cur_params = _values_sql(metric, month, fresh)
    prev, prev_params = _values_sql(metric, prev_month, fresh)
    sql = f"""
        WITH {cat},
        cur AS (SELECT x.key, x.value, cat.item_id, cat.kind, cat.category
                FROM ({cur}) x JOIN cat USING (key)),
        prev AS (SELECT key, value FROM ({prev})),
        top AS (
            SELECT cur.item_id, cur.kind, cur.category, cur.value, prev.value AS prev_value,
                   cur.value - coalesce(prev.value, 0) AS delta,
                   CASE WHEN prev.value > 0
                        THEN round(100.0 * (cur.value - prev.value) / prev.value, 1) END AS pct
            FROM cur LEFT JOIN prev USING (key)
            ORDER BY abs(delta) DESC, cur.item_id
            LIMIT ?)
        SELECT top.item_id, i.name, top.kind, top.category, i.url, top.value, top.prev_value,
               top.delta, top.pct
        FROM top JOIN items i USING (item_id)
        ORDER BY abs(top.delta) DESC, top.item_id
    """
    return _df(con, sql, params + cur_params + prev_params + [int(limit)])


def item_series(con: duckdb.DuckDBPyConnection, metric: str,
                item_ids: tuple[str, ...]) -> pd.DataFrame:
    """The monthly series of a few items (for the movers chart)."""
    if not item_ids or "observations" not in relations(con):
        return _empty("item_id", "name", "period", "value")
    if _freshness(con).item_month:  # integer keys: the scan filters 4.8M ints, not strings
        values = """
            SELECT k.item_id, x.period, x.value
            FROM dashboard_item_month x JOIN dashboard_item_key k USING (item_no)
            WHERE x.metric = ? AND list_contains(?::VARCHAR[], k.item_id)"""
        params: list[Any] = [metric, list(item_ids)]
    else:
        values, params = series_sql(metric, None, item_ids)
    sql = f"""
        SELECT x.item_id, i.name, x.period, x.value
        FROM ({values}) x JOIN items i USING (item_id)
        ORDER BY x.item_id, x.period
    """
    return _df(con, sql, params)


# --- categories -----------------------------------------------------------------------------


def category_summary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Items per current category: count, mean confidence, how many a person decided and how
    many wait for review."""
    cols = ("category", "items", "avg_confidence", "by_review", "needs_review")
    if "v_item_category" not in relations(con):
        return _empty(*cols)
    return _df(con, """
        SELECT category, count(*) AS items, round(avg(confidence), 3) AS avg_confidence,
               count(*) FILTER (WHERE decided_by = 'review') AS by_review,
               count(*) FILTER (WHERE needs_review AND decided_by <> 'review') AS needs_review
        FROM v_item_category GROUP BY category ORDER BY items DESC, category
    """)


def category_items(con: duckdb.DuckDBPyConnection, category: str, kinds_: tuple[str, ...] = (),
                   limit: int = 500) -> pd.DataFrame:
    """The items of one category, most confident first, with who decided and the neighbours."""
    cols = ("item_id", "name", "kind", "title", "url", "confidence", "decided_by", "method",
            "needs_review", "neighbours", "total")
    if "v_item_category" not in relations(con):
        return _empty(*cols)
    k = _opt(kinds_)
    return _df(con, """
        SELECT c.item_id, i.name, i.kind, i.title, i.url, c.confidence, c.decided_by, c.method,
               c.needs_review, CAST(c.neighbours AS VARCHAR) AS neighbours,
               count(*) OVER () AS total
        FROM v_item_category c JOIN items i USING (item_id)
        WHERE c.category = ?
          AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], i.kind))
        ORDER BY c.confidence DESC NULLS LAST, c.item_id
        LIMIT ?
    """, [category, k, k, int(limit)])


def item_detail(con: duckdb.DuckDBPyConnection, item_id: str) -> dict[str, Any] | None:
    """One item with its current category and neighbours (JSON text), or None."""
    rels = relations(con)
    if "items" not in rels:
        return None
    if "v_item_category" in rels:
        sql = """SELECT i.item_id, i.kind, i.name, i.title, i.description, i.url, i.source_url,
                        i.fetched_at, c.category, c.confidence, c.decided_by, c.method, c.run_id,
                        c.needs_review, CAST(c.neighbours AS VARCHAR) AS neighbours
                 FROM items i LEFT JOIN v_item_category c USING (item_id) WHERE i.item_id = ?"""
    else:
        sql = """SELECT item_id, kind, name, title, description, url, source_url, fetched_at,
                        watch_category AS category FROM items WHERE item_id = ?"""
    df = _df(con, sql, [item_id])
    return None if df.empty else df.iloc[0].to_dict()


def _current_category_sql(con: duckdb.DuckDBPyConnection, rels: set[str]) -> str:
    """`(item_id, category)` of every item: the refreshed copy while it is fresh (200k rows
    read, instead of computing `v_item_category`), else `category_sql`."""
    if _freshness(con).category_month:
        return ("SELECT k.item_id, c.category FROM dashboard_item_key k"
                " JOIN dashboard_item_category c USING (item_no)")
    return category_sql(rels)


def items_by_id(con: duckdb.DuckDBPyConnection, item_ids: tuple[str, ...]) -> pd.DataFrame:
    """Name, kind, url and current category of the given items (to label search results,
    queue rows and neighbours)."""
    cols = ("item_id", "name", "kind", "title", "url", "category")
    rels = relations(con)
    if not item_ids or "items" not in rels:
        return _empty(*cols)
    return _df(con, f"""
        SELECT i.item_id, i.name, i.kind, i.title, i.url, cat.category
        FROM items i JOIN ({_current_category_sql(con, rels)}) cat USING (item_id)
        WHERE list_contains(?::VARCHAR[], i.item_id)
    """, [list(item_ids)])


# --- search fallback ------------------------------------------------------------------------


def keyword_search(con: duckdb.DuckDBPyConnection, query: str, kinds_: tuple[str, ...] = (),
                   categories_: tuple[str, ...] = (), month: str | None = None,
                   limit: int = 20) -> pd.DataFrame:
    """Substring search over names, titles and descriptions (used when the semantic index is
    not available)."""
    cols = ("item_id", "kind", "name", "title", "url", "category", "score", "description")
    rels = relations(con)
    if "items" not in rels or not query.strip():
        return _empty(*cols)
    k, c = _opt(kinds_), _opt(categories_)
    return _df(con, f"""
        SELECT i.item_id, i.kind, i.name, i.title, i.url, cat.category,
               (CASE WHEN i.name ILIKE '%' || ? || '%' THEN 2 ELSE 0 END
                + CASE WHEN i.description ILIKE '%' || ? || '%' THEN 1 ELSE 0 END)::DOUBLE AS score,
               left(i.description, 300) AS description
        FROM items i JOIN ({category_sql(rels)}) cat USING (item_id)
        WHERE (i.name ILIKE '%' || ? || '%' OR i.title ILIKE '%' || ? || '%'
               OR i.description ILIKE '%' || ? || '%')
          AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], i.kind))
          AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], cat.category))
          AND (?::VARCHAR IS NULL OR strftime(i.created_at, '%Y-%m') = ?
               OR i.first_seen_run = ?)
        ORDER BY score DESC, i.name
        LIMIT ?
    """, [query, query, query, query, query, k, k, c, c, month, month, month, int(limit)])


def has_embeddings(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the classify step has embedded any item (semantic search needs it)."""
    if "item_embeddings" not in relations(con):
        return False
    return con.execute("SELECT count(*) > 0 FROM (SELECT 1 FROM item_embeddings LIMIT 1)"
                       ).fetchone()[0]


# --- review ---------------------------------------------------------------------------------


def review_queue(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """Items waiting for a person, least confident first (the fallback when
    `landscape.review.review_queue` is not there)."""
    cols = ("item_id", "name", "kind", "url", "category", "confidence", "method", "neighbours")
    if "v_item_category" not in relations(con):
        return _empty(*cols)
    return _df(con, """
        SELECT c.item_id, i.name, i.kind, i.url, c.category, c.confidence, c.method,
               CAST(c.neighbours AS VARCHAR) AS neighbours
        FROM v_item_category c JOIN items i USING (item_id)
        WHERE c.needs_review AND c.decided_by <> 'review'
        ORDER BY c.confidence ASC NULLS FIRST, c.item_id
        LIMIT ?
    """, [int(limit)])


def recent_decisions(con: duckdb.DuckDBPyConnection, limit: int = 50) -> pd.DataFrame:
    cols = ("item_id", "name", "decision", "category", "reviewer", "decided_at", "note")
    if "review_decisions" not in relations(con):
        return _empty(*cols)
    return _df(con, """
        SELECT d.item_id, i.name, d.decision, d.category, d.reviewer, d.decided_at, d.note
        FROM review_decisions d LEFT JOIN items i USING (item_id)
        ORDER BY d.decided_at DESC LIMIT ?
    """, [int(limit)])


def current_category(con: duckdb.DuckDBPyConnection, item_id: str) -> str | None:
    if "v_item_category" not in relations(con):
        return None
    row = con.execute("SELECT category FROM v_item_category WHERE item_id = ?",
                      [item_id]).fetchone()
    return row[0] if row else None


# --- report bookkeeping ---------------------------------------------------------------------


def report_revisions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every draft/published revision with its folder (relative to the reports dir)."""
    cols = ("month", "revision", "status", "path", "run_id", "data_as_of", "created_at")
    if "report_revisions" not in relations(con):
        return _empty(*cols)
    return _df(con, """SELECT month, revision, status, path, run_id, data_as_of, created_at
                       FROM report_revisions ORDER BY month DESC, revision DESC""")


def publications(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    cols = ("month", "revision", "reviewer", "published_at")
    if "publications" not in relations(con):
        return _empty(*cols)
    return _df(con, "SELECT month, revision, reviewer, published_at FROM publications"
                    " ORDER BY month DESC")


def published_items(con: duckdb.DuckDBPyConnection, month: str) -> pd.DataFrame:
    """The frozen landscape membership of a published month (what the diff compares with)."""
    cols = ("entity", "item_id", "category", "rank")
    if "report_published_items" not in relations(con):
        return _empty(*cols)
    return _df(con, "SELECT entity, item_id, category, rank FROM report_published_items"
                    " WHERE month = ? ORDER BY category, rank", [month])


# --- health ---------------------------------------------------------------------------------


def runs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    cols = ("run_id", "month", "flow", "mode", "status", "started_at", "finished_at", "note")
    if "runs" not in relations(con):
        return _empty(*cols)
    return _df(con, """SELECT run_id, month, flow, mode, status, started_at, finished_at, note
                       FROM runs ORDER BY month DESC, started_at DESC""")


def source_health(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per run and source: status, counts and the first error (latest run first)."""
    cols = ("run_id", "month", "source", "status", "items_seen", "items_new", "items_updated",
            "observations", "requests", "not_modified", "errors", "error")
    if "v_source_health" not in relations(con):
        return _empty(*cols)
    return _df(con, """
        SELECT run_id, month, source, status, items_seen, items_new, items_updated,
               observations, requests, not_modified, errors, error
        FROM v_source_health ORDER BY month DESC, run_started_at DESC, source
    """)


def carried_forward(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Sources whose figures in a run are carried forward: the source did not succeed in that
    run's month, so its values come from `last_ok_month` (NULL: never collected)."""
    cols = ("run_id", "month", "source", "status", "last_ok_month", "items_carried")
    rels = relations(con)
    if not {"v_source_last_ok", "source_status", "items"} <= rels:
        return _empty(*cols)
    return _df(con, """
        WITH per_source AS (SELECT source, count(*) AS n FROM items GROUP BY source)
        SELECT l.run_id, l.month, l.source, coalesce(s.status, 'missing') AS status,
               l.last_ok_month, coalesce(p.n, 0) AS items_carried
        FROM v_source_last_ok l
        LEFT JOIN source_status s ON s.run_id = l.run_id AND s.source = l.source
        LEFT JOIN per_source p ON p.source = l.source
        WHERE coalesce(s.status, 'missing') NOT IN ('ok', 'unchanged')
           OR l.last_ok_month IS DISTINCT FROM l.month
        ORDER BY l.month DESC, l.source
    """)
