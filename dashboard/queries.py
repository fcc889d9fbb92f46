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
from warehouse.readonly import relations, remembered

# The monthly download count from the daily series; every other metric is a monthly snapshot.
DOWNLOADS_MONTH = "downloads_month"


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _empty(*cols: str) -> pd.DataFrame:
    # object columns, so an empty frame merges with a filled one on its id columns
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})


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
    """Counts for the sidebar (on every page, so only cheap counts)."""
    rels = relations(con)
    out: dict[str, Any] = {"items": 0, "runs": 0, "latest_month": None, "synthetic": False}
    if "items" in rels:
        out["items"] = con.execute("SELECT count(*) FROM items").fetchone()[0]
    if "runs" in rels:
        # `synthetic`: a run replayed made-up numbers (the demo snapshot); every page says so.
        row = con.execute("SELECT count(*), max(month), coalesce(bool_or(synthetic), false)"
                          " FROM runs").fetchone()
        out["runs"], out["latest_month"], out["synthetic"] = row[0], row[1], bool(row[2])
    return out


def months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Months with any observation, oldest first (from the category totals while they are
    fresh: a few thousand rows rather than every observation)."""
    if "observations" not in relations(con):
        return []
    source = "dashboard_category_month" if _freshness(con).category_month else "observations"
    rows = con.execute(f"SELECT DISTINCT period FROM {source} ORDER BY period").fetchall()
    return [r[0] for r in rows]


def metrics(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Metrics to chart: monthly downloads (from the daily series) first, then snapshots."""
    if "observations" not in relations(con):
        return []
    if _freshness(con).category_month:  # the rollup names downloads_daily downloads_month
        rows = con.execute("SELECT DISTINCT metric FROM dashboard_category_month").fetchall()
        found = [r[0] for r in rows]
        found = ["downloads_daily" if m == DOWNLOADS_MONTH else m for m in found]
    else:
        rows = con.execute("SELECT DISTINCT metric FROM observations").fetchall()
        found = sorted(r[0] for r in rows)
    found = sorted(found)
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
    """Which dashboard rollups are fresh (`dashboard.freshness.Freshness`); asked once per
    read connection (a page's query asks several times)."""
    return remembered(con, "rollup_freshness", lambda: rollup_freshness(con))


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
