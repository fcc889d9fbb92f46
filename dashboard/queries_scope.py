"""The report's landscape and the report's figures, read through the report's own queries.

"In the landscape" has one home: `report.placement` (over `report.entity_tables`'
`_rep_project.trusted`: a project is in the landscape when it is watched or a person reviewed
one of its items; the classifier's other placements are suggestions awaiting review, listed
apart in the report's appendix C).
The figures the report prints for a project (90-day downloads and stars of the month and the
month before, and their change) live in `_rep_entity`, and its movers in `movers_sql`. The
dashboard runs those same statements on its read-only connection (TEMP tables are allowed
there) rather than restating any of it, so a count or a figure it shows for the report's
month is the report's, from the same rows.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from dashboard.queries import _df, _empty, _opt, series_sql
from dashboard.queries_projects import CARD_COLUMNS, _cards_cte
from report.config import report_window
from report.entity_tables import build_entity_table
from report.placement import build_scope
from report.placement import scope_ready as ready  # what the report's queries read
from report.queries import IN_TAXONOMY, in_taxonomy, movers_sql

FIGURE_COLUMNS = ("project_id", "entity", "category", "trusted", "dl_cur", "dl_old", "dl_pct",
                  "st_cur", "st_old", "st_pct")
# The two figures the report ranks movers by (`movers_sql`'s prefixes), per dashboard metric.
REPORT_MEASURES = {"downloads_recent": "dl", "stars": "st"}


def report_figures(con: duckdb.DuckDBPyConnection, month: str) -> pd.DataFrame:
    """The figures the report prints for its landscape projects in `month`: 90-day downloads
    (summed over a project's crates) and stars, this month's and the month before's when both
    were collected in their month (`dl_cur`, `dl_old`, ...), and their change in %."""
    if not ready(con):
        return _empty(*FIGURE_COLUMNS)
    w = report_window(month)
    build_entity_table(con, w["month"], w["prev"], w["lo"], 0)
    return _df(con, f"""
        SELECT pid AS project_id, entity, category, trusted, dl_cur, dl_old, dl_pct,
               st_cur, st_old, st_pct
        FROM _rep_entity WHERE trusted AND {IN_TAXONOMY} ORDER BY pid
    """)


def report_movers(con: duckdb.DuckDBPyConnection, metric: str, month: str, floor: float,
                  rising: bool) -> pd.DataFrame:
    """Every mover of the report's ranking for `metric` (90-day downloads or stars) in
    `month`, best first: `movers_sql` itself, with the report's noise floor `floor`."""
    cols = ("project_id", "entity", "category", "value", "prev_value", "delta", "pct")
    key = REPORT_MEASURES.get(metric)
    if key is None or not ready(con):
        return _empty(*cols)
    w = report_window(month)
    build_entity_table(con, w["month"], w["prev"], w["lo"], 0)
    # the report's list cut at $n; here every mover, so that filters apply before the cut
    sql = f"""
        SELECT pid AS project_id, entity, category, cur AS value, old AS prev_value,
               cur - old AS delta, pct
        FROM ({movers_sql(key, rising)})
        ORDER BY pct {'DESC' if rising else 'ASC'}, entity
    """
    return con.execute(sql, {"floor": float(floor), "n": 1_000_000}).df()


def landscape_counts(con: duckdb.DuckDBPyConnection, month: str, prev: str | None,
                     health: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per category, as the report counts (`NEW_COUNTS_SQL`): its landscape projects
    (`projects`, of the given health or all), the machine suggestions awaiting review
    (`suggestions`), and of the landscape projects how many are active and their downloads
    and stars summed (the cards' figures)."""
    cols = ("category", "projects", "suggestions", "active", "downloads", "downloads_prev",
            "stars")
    if not ready(con):
        return _empty(*cols)
    build_scope(con, month)
    cte, params = _cards_cte(con, month, prev)
    h = _opt(health)
    return _df(con, cte + f"""
        , scoped AS (
            SELECT r.category, r.trusted, c.*
            FROM _rep_project r LEFT JOIN cards c ON c.project_id = r.pid
            WHERE {in_taxonomy("r.category")}
              AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], c.health)))
        SELECT category, count(*) FILTER (WHERE trusted) AS projects,
               count(*) FILTER (WHERE NOT trusted) AS suggestions,
               count(*) FILTER (WHERE trusted AND health = 'active') AS active,
               sum(downloads) FILTER (WHERE trusted) AS downloads,
               sum(downloads_prev) FILTER (WHERE trusted) AS downloads_prev,
               sum(stars) FILTER (WHERE trusted) AS stars
        FROM scoped GROUP BY category ORDER BY category
    """, params + [h, h])


def landscape_cards(con: duckdb.DuckDBPyConnection, month: str, prev: str | None,
                    category: str) -> pd.DataFrame:
    """The cards of a category's projects as the report places them (its category), with
    `suggested`: true for a machine suggestion awaiting review, not in the landscape."""
    if not ready(con):
        return _empty(*CARD_COLUMNS, "suggested")
    build_scope(con, month)
    cte, params = _cards_cte(con, month, prev)
    picked = ", ".join(f"c.{col}" for col in CARD_COLUMNS if col != "category")
    return _df(con, cte + f"""
        SELECT {picked}, r.category, NOT r.trusted AS suggested
        FROM _rep_project r JOIN cards c ON c.project_id = r.pid
        WHERE r.category = ?
        ORDER BY downloads DESC NULLS LAST, stars DESC NULLS LAST, name_en
    """, params + [category])


TREND_COLUMNS = ("category", "period", "value", "items", "prev_value", "delta", "pct",
                 "trusted")


def landscape_trend(con: duckdb.DuckDBPyConnection, metric: str, month: str,
                    kinds_: tuple[str, ...] = (), categories_: tuple[str, ...] = (),
                    ) -> pd.DataFrame:
    """Per category and month, `metric` summed over the projects of `month`'s scope as the
    report places them (`_rep_project`: each project in the category the report lists it
    under), apart by trust: `trusted` rows are the landscape the report counts (watched or
    reviewed), the others the machine's suggestions awaiting review. `items`: projects with
    a value that month; `prev_value`, `delta`, `pct` against the category's month before."""
    if not ready(con):
        return _empty(*TREND_COLUMNS)
    build_scope(con, month)
    series, params = series_sql(metric)
    k, c = _opt(kinds_), _opt(categories_)
    return _df(con, f"""
        WITH members AS (
            SELECT s.item_id, p.pid, p.category, p.trusted
            FROM _rep_scope s JOIN _rep_project p USING (pid)
            WHERE {in_taxonomy("p.category")}
              -- a project's stars are its primary repository's, never a sibling's (as
              -- `_rep_entity` reads them; test_dashboard_readers checks the two agree)
              AND (? <> 'stars' OR NOT p.shared OR s.project_role = 'primary_repo')
              AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], s.kind))
              AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], p.category))
        ), m AS (
            SELECT category, trusted, period, sum(value) AS value,
                   count(DISTINCT pid) AS items
            FROM ({series}) v JOIN members USING (item_id)
            WHERE value IS NOT NULL
            GROUP BY category, trusted, period)
        SELECT category, period, value, items,
               lag(value) OVER w AS prev_value,
               value - lag(value) OVER w AS delta,
               CASE WHEN lag(value) OVER w > 0
                    THEN round(100.0 * (value - lag(value) OVER w) / lag(value) OVER w, 1)
               END AS pct,
               trusted
        FROM m
        WINDOW w AS (PARTITION BY category, trusted ORDER BY period)
        ORDER BY trusted DESC, period, category
    """, [metric, k, k, c, c] + params)
