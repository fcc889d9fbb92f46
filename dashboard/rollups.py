"""Small rollups the dashboard reads instead of grouping millions of rows per page view.

`refresh_dashboard_rollups(con)` recomputes, in one transaction, whichever of these is stale:

- state `item_month` (depends on observations and items):
  `dashboard_item_key` (a dense integer per item, in item_id order, with its kind) and
  `dashboard_item_month` (metric x month x item values, ordered by metric, period, item_no):
  the Trends page's movers table reads two months of it (zone maps on `period` skip the
  rest), its movers chart a few items' series. Integers keep writing and joining it cheap.
- state `category_month` (also depends on classifications and review decisions):
  `dashboard_item_category` (item_no -> current category) and `dashboard_category_month`
  (metric x month x category x kind totals, summed from the item-month rollup), and
  `dashboard_member` (every item's project, role and category decision): the project page
  reads one project's members instead of computing `v_item_category` for every item.
- state `project_month` (also depends on the projects area's tables and releases):
  `dashboard_project` (every project's attributes) and `dashboard_project_month` (metric x
  month x project values), `dashboard.project_figures`: the Landscape, its category pages,
  the Trends movers and Compare read these instead of grouping every item by project.

Writers call it at the end of a flow's write (after classify / report); on a 200k-item x
24-month warehouse it takes seconds, on the demo warehouse a fraction of a second.
Readers check `rollup_freshness(con)`: a rollup is used only while the data it was computed
from is unchanged (its fingerprint matches); otherwise the dashboard computes the figures
live, so it is never wrong, only slower. After a review decision only the category rollups
go stale: the item-month one keeps the live path cheap until the next refresh.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from dashboard import queries as dq
from dashboard.freshness import (
    CATEGORY_MONTH,
    ITEM_MONTH,
    PROJECT_MONTH,
    TABLES,
    fingerprints,
)
from dashboard.project_figures import refresh_member_rollup, refresh_project_rollups
from warehouse.readonly import relations
from warehouse.transaction import transaction


def _set_state(con: duckdb.DuckDBPyConnection, name: str, fp: str) -> None:
    con.execute(
        "INSERT INTO dashboard_rollup_state VALUES (?, ?, ?) ON CONFLICT DO"
        " UPDATE SET refreshed_at = excluded.refreshed_at, fingerprint = excluded.fingerprint",
        [name, datetime.now(UTC), fp])


def refresh_dashboard_rollups(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> int:
    """Recompute the stale rollups (all of them with `force`); returns the number of
    category-month rows."""
    rels = relations(con)
    if not (TABLES | {"observations", "items"}) <= rels:
        return 0
    with transaction(con):
        # the refreshes below write only dashboard_* tables, which no fingerprint covers
        item_fp, full_fp, project_fp = fingerprints(con, rels)
        state = dict(con.execute("SELECT name, fingerprint FROM dashboard_rollup_state"
                                 ).fetchall())
        item_stale = force or state.get(ITEM_MONTH) != item_fp
        if item_stale:
            con.execute("DELETE FROM dashboard_item_key")
            con.execute("INSERT INTO dashboard_item_key SELECT"
                        " (row_number() OVER (ORDER BY item_id))::INTEGER, item_id, kind"
                        " FROM items ORDER BY item_id")
            con.execute("DELETE FROM dashboard_item_month")
            for metric in dq.metrics(con):  # one metric at a time: the live query, verbatim
                series, params = dq.series_sql(metric)
                con.execute(
                    "INSERT INTO dashboard_item_month SELECT ?, x.period, k.item_no, x.value"
                    f" FROM ({series}) x JOIN dashboard_item_key k USING (item_id)"
                    " ORDER BY x.period, k.item_no", [metric, *params])
            _set_state(con, ITEM_MONTH, item_fp)
        cat_stale = item_stale or state.get(CATEGORY_MONTH) != full_fp
        if cat_stale:
            con.execute("DELETE FROM dashboard_item_category")
            con.execute("INSERT INTO dashboard_item_category SELECT k.item_no, c.category"
                        f" FROM dashboard_item_key k JOIN ({dq.category_sql(rels)}) c"
                        " USING (item_id) ORDER BY k.item_no")
            con.execute("DELETE FROM dashboard_category_month")
            con.execute("""
                INSERT INTO dashboard_category_month
                SELECT x.metric, x.period, c.category, k.kind, sum(x.value), count(*)
                FROM dashboard_item_month x
                JOIN dashboard_item_key k USING (item_no)
                JOIN dashboard_item_category c USING (item_no)
                GROUP BY x.metric, x.period, c.category, k.kind
            """)
            refresh_member_rollup(con)  # the same inputs: projects, members, decisions
            _set_state(con, CATEGORY_MONTH, full_fp)
        if cat_stale or state.get(PROJECT_MONTH) != project_fp:
            refresh_project_rollups(con)
            _set_state(con, PROJECT_MONTH, project_fp)
    return con.execute("SELECT count(*) FROM dashboard_category_month").fetchone()[0]
