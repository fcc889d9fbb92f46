"""Small rollups the dashboard reads instead of grouping millions of rows per page view.

`refresh_dashboard_rollups(con)` recomputes `dashboard_category_month` (metric x month x
category x kind totals) from the observations and the current categories. Writers call it at
the end of a flow's write (after classify / report); it takes seconds on a 200k-item warehouse.
Readers check `rollup_is_fresh(con)`: the rollup is used only when the data it was computed
from (observation count and latest fetch, classifications, review decisions) is unchanged;
otherwise the dashboard computes the totals live, so it is never wrong, only slower.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from warehouse import dashboard_queries as dq
from warehouse.readonly import relations


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A cheap summary of everything the category totals depend on."""
    rels = relations(con)
    parts = [str(con.execute("SELECT count(*), max(fetched_at) FROM observations").fetchone())]
    for table, col in (("classifications", "classified_at"), ("review_decisions", "decided_at"),
                       ("items", "fetched_at")):
        if table in rels:
            parts.append(str(con.execute(f"SELECT count(*), max({col}) FROM {table}").fetchone()))
    return "|".join(parts)


def rollup_is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    if not {"dashboard_rollup_state", "dashboard_category_month"} <= relations(con):
        return False
    row = con.execute("SELECT fingerprint FROM dashboard_rollup_state WHERE name = 'category_month'"
                      ).fetchone()
    return bool(row) and row[0] == fingerprint(con)


def refresh_dashboard_rollups(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute the category-month totals; returns the number of rollup rows."""
    if not {"dashboard_category_month", "observations", "items"} <= relations(con):
        return 0
    fp = fingerprint(con)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM dashboard_category_month")
        for metric in dq.metrics(con):
            cte, params = dq.filtered_series(con, metric, (), ())
            con.execute(
                "INSERT INTO dashboard_category_month " + cte
                + " SELECT ?, period, category, kind, sum(value), count(*) FROM s"
                  " GROUP BY period, category, kind", params + [metric])
        con.execute(
            "INSERT INTO dashboard_rollup_state VALUES ('category_month', ?, ?) ON CONFLICT DO"
            " UPDATE SET refreshed_at = excluded.refreshed_at, fingerprint = excluded.fingerprint",
            [datetime.now(UTC), fp])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return con.execute("SELECT count(*) FROM dashboard_category_month").fetchone()[0]
