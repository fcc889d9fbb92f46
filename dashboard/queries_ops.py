"""The dashboard's SQL about operations: report revisions and publications, runs, health.

Plain functions of an open connection returning DataFrames; they return empty frames with the
expected columns while an area has not run yet.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from dashboard.queries import _df, _empty
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
    run's month, so its values come from `last_ok_month` (NULL: never collected).
    `values_carried`: items of the source that had a value in the 12 months before and none in
    the run's month, i.e. the values a report of that month shows with ↻ (not every item the
    source ever listed)."""
    cols = ("run_id", "month", "source", "status", "last_ok_month", "values_carried")
    rels = relations(con)
    if not {"v_source_last_ok", "source_status", "items", "observations"} <= rels:
        return _empty(*cols)
    return _df(con, """
        WITH bad AS (
            SELECT l.run_id, l.month, l.source, coalesce(s.status, 'missing') AS status,
                   l.last_ok_month
            FROM v_source_last_ok l
            LEFT JOIN source_status s ON s.run_id = l.run_id AND s.source = l.source
            WHERE coalesce(s.status, 'missing') NOT IN ('ok', 'unchanged')
               OR l.last_ok_month IS DISTINCT FROM l.month),
        seen AS (
            SELECT DISTINCT i.source, o.item_id, o.period
            FROM observations o JOIN items i USING (item_id)
            WHERE i.source IN (SELECT source FROM bad)
              AND o.period >= (SELECT strftime(strptime(min(month) || '-01', '%Y-%m-%d')
                                               - INTERVAL 12 MONTH, '%Y-%m') FROM bad)),
        carried AS (
            SELECT b.run_id, b.source, count(DISTINCT e.item_id) AS n
            FROM bad b JOIN seen e ON e.source = b.source AND e.period < b.month
                 AND e.period >= strftime(strptime(b.month || '-01', '%Y-%m-%d')
                                          - INTERVAL 12 MONTH, '%Y-%m')
            WHERE NOT EXISTS (SELECT 1 FROM seen n WHERE n.item_id = e.item_id
                                                     AND n.period = b.month)
            GROUP BY ALL)
        SELECT b.run_id, b.month, b.source, b.status, b.last_ok_month,
               coalesce(c.n, 0) AS values_carried
        FROM bad b LEFT JOIN carried c USING (run_id, source)
        ORDER BY b.month DESC, b.source
    """)
