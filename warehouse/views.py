"""Views every report and dashboard query reads from, rebuilt idempotently after each load.

Core views live here; each area keeps its own in a `warehouse/views_<area>.py` module exposing
`VIEWS: dict[str, str]` (name -> SELECT body), listed in `AREA_VIEW_MODULES`. Every view must be
created: one that cannot be is a bug in its SQL or the schema, and fails loudly.
"""

from __future__ import annotations

import duckdb

from warehouse import views_classify, views_projects, views_report

CORE_VIEWS: dict[str, str] = {
    # The latest value of every snapshot metric per item and period (month), with provenance.
    "v_metric_month": """
        SELECT item_id, metric, period, value, observed_at, run_id, source_url, fetched_at
        FROM observations
        WHERE metric <> 'downloads_daily'
        QUALIFY row_number() OVER (
            PARTITION BY item_id, metric, period ORDER BY observed_at DESC, fetched_at DESC) = 1
    """,
    # Downloads per calendar month from the daily series (crates.io /downloads).
    "v_downloads_month": """
        SELECT item_id, period,
               sum(value) AS downloads,
               count(*) AS days,
               max(fetched_at) AS fetched_at,
               any_value(source_url) AS source_url
        FROM observations
        WHERE metric = 'downloads_daily'
        GROUP BY item_id, period
    """,
    # The run that speaks for each month: its latest successful (or still running) monthly or
    # collect attempt, else its latest attempt. Breakthrough checks never speak for a month.
    "v_month_run": """
        SELECT month, run_id, flow, mode, replay_dir, started_at, finished_at, status, note
        FROM runs
        WHERE flow <> 'breakthrough'
        QUALIFY row_number() OVER (
            PARTITION BY month
            ORDER BY status IN ('completed', 'completed_with_failures', 'running') DESC,
                     started_at DESC, run_id DESC) = 1
    """,
    # Every attempt with its error, newest first per month.
    "v_run_history": """
        SELECT r.*, nullif(e.error, '') AS error, e.pid
        FROM runs r LEFT JOIN run_errors e USING (run_id)
    """,
    # Which sources each run collected, with the latest run first.
    "v_source_health": """
        SELECT s.*, r.month, r.mode, r.status AS run_status, r.started_at AS run_started_at
        FROM source_status s JOIN runs r USING (run_id)
    """,
    # The last successful collection of each source before or in each run, so a failed source
    # can be reported as "carried forward from <run>".
    "v_source_last_ok": """
        SELECT r.run_id, r.month, s.source,
               max(CASE WHEN s2.status IN ('ok', 'partial', 'unchanged') THEN r2.month END)
                   AS last_ok_month,
               -- a partial collection has values to carry, but it is not a complete month
               max(CASE WHEN s2.status IN ('ok', 'unchanged') THEN r2.month END)
                   AS last_complete_month
        FROM runs r
        CROSS JOIN (SELECT DISTINCT source FROM source_status) s
        LEFT JOIN source_status s2 ON s2.source = s.source
        LEFT JOIN runs r2 ON r2.run_id = s2.run_id AND r2.month <= r.month
        GROUP BY r.run_id, r.month, s.source
    """,
}


# Each area's views; a new area adds its module here (grep finds it).
AREA_VIEW_MODULES = (views_classify, views_report, views_projects)


def _area_views() -> dict[str, str]:
    return {name: body for module in AREA_VIEW_MODULES for name, body in module.VIEWS.items()}


def missing_views(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of known views that do not exist in this database yet."""
    existing = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
    return (set(CORE_VIEWS) | set(_area_views())) - existing


def ensure_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create every view; raise if one cannot be created."""
    pending = {**CORE_VIEWS, **_area_views()}
    # Views may depend on each other (in any order): retry until no progress.
    while pending:
        progressed = False
        for name, body in list(pending.items()):
            try:
                con.execute(f"CREATE OR REPLACE VIEW {name} AS {body}")
                del pending[name]
                progressed = True
            except duckdb.CatalogException:
                continue
        if not progressed:
            break
    for name, body in pending.items():
        # Re-run the failing statement so its own error (with the view's name) escapes.
        try:
            con.execute(f"CREATE OR REPLACE VIEW {name} AS {body}")
        except duckdb.Error as exc:
            raise RuntimeError(f"view {name} cannot be created: {exc}") from exc
