"""The dashboard's SQL about items: categories, one item, labels, keyword search, review.

Plain functions of an open connection returning DataFrames; `?` parameters carry values.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from core.months import as_of_sql
from dashboard.queries import _df, _empty, _freshness, _opt, category_sql
from warehouse.readonly import relations

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
    """Substring search over names, titles and descriptions (used when the search itself
    fails). `month` means what it means to search: the landscape as of that month
    (`core.months.as_of_sql`)."""
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
          AND (?::VARCHAR IS NULL OR {as_of_sql("i")})
        ORDER BY score DESC, i.name
        LIMIT ?
    """, [query, query, query, query, query, k, k, c, c, month, month, int(limit)])


# --- review ---------------------------------------------------------------------------------


# why an item waits: what the machine would decide, else the classifier's recorded reason
# (landscape.classify.REVIEW_REASONS)
REVIEW_REASON = """CASE WHEN q.category = 'out_of_scope' THEN 'maybe out of scope'
    WHEN q.category = 'uncategorized' THEN 'no category fits'
    WHEN q.review_reason = 'new_cluster' THEN 'new cluster'
    WHEN q.review_reason = 'near_boundary' THEN 'near a boundary' ELSE 'low confidence' END"""


# The month a classification belongs to: its run's month (a run id such as
# '2025-08.m-20261129T205427' names an attempt, not a month); '' for a manual classify.
_RUN_MONTH = "coalesce(r.month, q.run_id, '')"


def _runs_join(con: duckdb.DuckDBPyConnection) -> str:
    if "runs" in relations(con):
        return "LEFT JOIN runs r ON r.run_id = q.run_id"
    return "LEFT JOIN (SELECT NULL::VARCHAR AS run_id, NULL::VARCHAR AS month) r ON false"


def review_queue(con: duckdb.DuckDBPyConnection, month: str | None = None,
                 kinds_: tuple[str, ...] = (), reasons: tuple[str, ...] = (),
                 limit: int = 200) -> pd.DataFrame:
    """Items waiting for a person (`v_review_queue`), least confident first, with the month
    the machine classified them in, why they wait, and the queue's total before filtering."""
    cols = ("item_id", "name", "title", "kind", "url", "description", "category", "confidence",
            "method", "month", "reason", "neighbours", "shown_total")
    if "v_review_queue" not in relations(con):
        return _empty(*cols)
    k, r = _opt(kinds_), _opt(reasons)
    return _df(con, f"""
        WITH q AS (
            SELECT q.item_id, q.name, q.title, q.kind, q.url, q.description, q.category,
                   q.confidence, q.method, {_RUN_MONTH} AS month,
                   {REVIEW_REASON} AS reason, CAST(q.neighbours AS VARCHAR) AS neighbours
            FROM v_review_queue q {_runs_join(con)})
        SELECT *, count(*) OVER () AS shown_total FROM q
        WHERE (?::VARCHAR IS NULL OR month = ?)
          AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], kind))
          AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], reason))
        ORDER BY confidence ASC NULLS FIRST, item_id
        LIMIT ?
    """, [month, month, k, k, r, r, int(limit)])


def review_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The queue per month the machine classified in: how many wait."""
    if "v_review_queue" not in relations(con):
        return _empty("month", "waiting")
    return _df(con, f"SELECT {_RUN_MONTH} AS month, count(*) AS waiting"
                    f" FROM v_review_queue q {_runs_join(con)} GROUP BY ALL ORDER BY month DESC")


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
