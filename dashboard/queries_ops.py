"""The dashboard's SQL about operations: report revisions and publications, runs, health.

Plain functions of an open connection returning DataFrames; they return empty frames with the
expected columns while an area has not run yet.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core.months import Month
from dashboard.queries import _df, _empty, _freshness
from warehouse.readonly import relations

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


# --- health ---------------------------------------------------------------------------------


def runs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    cols = ("run_id", "month", "flow", "mode", "status", "started_at", "finished_at", "note")
    if "runs" not in relations(con):
        return _empty(*cols)
    return _df(con, """SELECT run_id, month, flow, mode, status, started_at, finished_at, note
                       FROM runs ORDER BY month DESC, started_at DESC""")


def source_health(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per run and source: status, counts and the first error. Per month, the run that
    speaks for it in the report (`v_month_run`: never a breakthrough check, a completed
    attempt before a later failed one; `speaks`) comes first, then the other attempts,
    latest first; for that run `items_new` is the month's new items as the report's run
    health counts them (`v_report_run_health`), for the others the run's own."""
    cols = ("run_id", "month", "source", "status", "items_seen", "items_new", "items_updated",
            "observations", "requests", "not_modified", "errors", "error", "speaks")
    rels = relations(con)
    if "v_source_health" not in rels:
        return _empty(*cols)
    if not {"v_month_run", "v_report_run_health"} <= rels:
        return _df(con, """
            SELECT run_id, month, source, status, items_seen, items_new, items_updated,
                   observations, requests, not_modified, errors, error, false AS speaks
            FROM v_source_health ORDER BY month DESC, run_started_at DESC, source
        """)
    return _df(con, """
        SELECT s.run_id, s.month, s.source, s.status, s.items_seen,
               CASE WHEN h.run_id IS NOT NULL THEN h.items_new ELSE s.items_new END
                   AS items_new,
               s.items_updated, s.observations, s.requests, s.not_modified, s.errors, s.error,
               coalesce(m.run_id = s.run_id, false) AS speaks
        FROM v_source_health s
        LEFT JOIN v_month_run m ON m.month = s.month
        LEFT JOIN v_report_run_health h ON h.run_id = s.run_id AND h.source = s.source
        ORDER BY s.month DESC, speaks DESC, s.run_started_at DESC, s.source
    """)


def carried_forward(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Sources whose figures in a run are carried forward: the source did not succeed in that
    run's month, so its values come from `last_ok_month` (NULL: never collected), or it
    succeeded in part (`partial`: the failed requests' values are carried). A partial
    month is not complete: `last_complete_month` is the last ok/unchanged one.
    `values_carried`: items of the source that had a value in the 12 months before and none in
    the run's month, i.e. the values a report of that month shows with ↻ (not every item the
    source ever listed)."""
    cols = ("run_id", "month", "source", "status", "last_ok_month", "last_complete_month",
            "errors", "error", "values_carried")
    rels = relations(con)
    if not {"v_source_last_ok", "source_status", "items", "observations"} <= rels:
        return _empty(*cols)
    started = ("SELECT run_id, started_at FROM runs" if "runs" in rels else
               "SELECT NULL::VARCHAR AS run_id, NULL::TIMESTAMPTZ AS started_at WHERE false")
    # a warehouse whose views predate last_complete_month (they are rebuilt by the next run
    # or report) says nothing of it rather than calling a partial month complete
    have = {d[0] for d in con.execute("SELECT * FROM v_source_last_ok LIMIT 0").description}
    complete = ("l.last_complete_month" if "last_complete_month" in have
                else "NULL::VARCHAR AS last_complete_month")
    bad = _df(con, f"""
        WITH latest AS (  -- a month run again: its latest attempt counts
            SELECT l.run_id, l.month, l.source, l.last_ok_month, {complete},
                   coalesce(s.status, 'missing') AS status, s.errors, s.error
            FROM v_source_last_ok l
            LEFT JOIN source_status s ON s.run_id = l.run_id AND s.source = l.source
            LEFT JOIN ({started}) r ON r.run_id = l.run_id
            QUALIFY row_number() OVER (PARTITION BY l.month, l.source
                                       ORDER BY r.started_at DESC NULLS LAST, l.run_id DESC) = 1)
        SELECT run_id, month, source, status, last_ok_month, last_complete_month, errors, error
        FROM latest
        WHERE status NOT IN ('ok', 'unchanged') OR last_ok_month IS DISTINCT FROM month
        ORDER BY month DESC, source
    """)
    if bad.empty:
        return _empty(*cols)
    bad["values_carried"] = [_values_carried(con, r["source"], r["month"])
                             for _, r in bad.iterrows()]
    return bad


def _values_carried(con: duckdb.DuckDBPyConnection, source: str, month: str) -> int:
    """Items of `source` with a value in the 12 months before `month` and none in `month`:
    one grouped pass over those 13 months (the item-month rollup, integer keys, while fresh)."""
    lo = str(Month.parse(month).shift(-12))
    if _freshness(con).item_month:
        values = ("SELECT item_no AS key, period FROM dashboard_item_month"
                  " WHERE period BETWEEN ? AND ? AND item_no IN (SELECT k.item_no"
                  " FROM dashboard_item_key k JOIN items i USING (item_id) WHERE i.source = ?)")
    else:
        values = ("SELECT item_id AS key, period FROM observations"
                  " WHERE period BETWEEN ? AND ? AND item_id IN"
                  " (SELECT item_id FROM items WHERE source = ?)")
    return int(con.execute(f"""
        SELECT count(*) FROM (
            SELECT key, bool_or(period = ?) AS now, bool_or(period < ?) AS before
            FROM ({values}) GROUP BY key)
        WHERE before AND NOT now
    """, [month, month, lo, month, source]).fetchone()[0])
