"""The dashboard's SQL about projects: cards for browsing, movers, one project's page, series
to compare.

A project is what `v_item_project` says (the projects contract of PROTOCOL.md / issue 11);
what its figures are (`dashboard.project_figures`) is computed once per run into the project
rollups, or live while those are stale. Where the projects area has not run, each item is its
own project (the contract's 'self' rows), so the pages work before and after it.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from dashboard.project_figures import (
    ROLE_RANK,
    item_project_sql,
    item_values_sql,
    member_decisions_sql,
    members_sql,
    sources,
    value_agg,
)
from dashboard.queries import _df, _empty, _freshness, _opt
from landscape.metrics import health_rules
from landscape.project_health import dormant_cutoff
from warehouse.readonly import relations

# Until the projects area has judged a month (project_health), a project is rated here by the
# same rule (landscape/project_health.py, config/metrics.toml [health]) on what the month can
# see: its last release published by the month's end, its repositories' last push capped at
# that end (a push after the month counts as activity up to it, and no later date is used),
# the same dormant window (`dormant_cutoff`); a repository whose push is not known with no
# release in the window is unknown, not dormant. An item in no project is never judged (the
# report calls it unknown too): it shows as unknown, with the signal 'no_project' that says why.
# The downloads a card shows: the report's figure (crates.io's rolling 90 days, summed over a
# project's crates), so that a card and its change read the same as the report's tables;
# monthly downloads (a calendar-month sum) move differently (config/metrics.toml).
CARD_DOWNLOADS = "downloads_recent"
CARD_COLUMNS = ("project_id", "name_en", "name_zh", "category", "members", "kinds", "description",
                "url", "downloads", "downloads_prev", "downloads_pct", "stars", "stars_prev",
                "last_release", "health", "health_signal", "health_facts")


def _health_sql(rels: set[str]) -> str:
    """`(project_id, month, status, signal, facts)`: the projects area's health per project
    and month (landscape/project_health.py, rules in config/metrics.toml [health]); the page
    words signal and facts in the reader's language (report/health_words.py)."""
    if "project_health" in rels:
        return "SELECT project_id, month, status, signal, facts::VARCHAR AS facts FROM project_health"
    return ("SELECT NULL::VARCHAR AS project_id, NULL::VARCHAR AS month, NULL::VARCHAR AS status,"
            " NULL::VARCHAR AS signal, NULL::VARCHAR AS facts WHERE false")


def _cards_cte(con: duckdb.DuckDBPyConnection, month: str, prev: str | None,
               ) -> tuple[str, list[Any]]:
    """`WITH cards AS (...)`: every project with its figures of `month` and `prev` and its
    health in `month` (from the project rollups while fresh, else live)."""
    rels = relations(con)
    src = sources(con)
    # an item in no project (the contract's 'self' row), once the projects area has run
    alone = ("a.project_id NOT IN (SELECT project_id FROM projects)" if "projects" in rels
             else "false")
    parts, params = [f"rel AS ({_released_sql(con, rels)})"], list(src["attrs_params"])
    params.append(month)
    for alias, metric, period in (("dl", CARD_DOWNLOADS, month),
                                  ("dlp", CARD_DOWNLOADS, prev or month),
                                  ("st", "stars", month), ("stp", "stars", prev or month)):
        sql, p = src["values"](metric, period)
        parts.append(f"{alias} AS ({sql})")
        params += p
    parts.append(f"lim AS (SELECT {MONTH_END} AS month_end, ?::TIMESTAMPTZ AS cutoff)")
    params += [month, dormant_cutoff(month, health_rules())]
    sql = f"""
        WITH a AS ({src["attrs"]}), {", ".join(parts)},
        cards AS (
            SELECT a.project_id, a.name_en, a.name_zh, a.category, a.members, a.kinds,
                   a.description, a.url, dl.value AS downloads, dlp.value AS downloads_prev,
                   -- not rounded here: the page formats it as the report does (a half-way
                   -- 6.25 % prints 6.2 in both, where SQL's round gave 6.3)
                   CASE WHEN dlp.value > 0 AND dl.value IS NOT NULL
                        THEN 100.0 * (dl.value - dlp.value) / dlp.value
                   END AS downloads_pct,
                   st.value AS stars, stp.value AS stars_prev, rel.last_release,
                   coalesce(h.status, CASE WHEN {alone} THEN 'unknown'
                        WHEN a.archived THEN 'archived'
                        WHEN act.at IS NULL THEN 'unknown'
                        -- a push not known (or no repository): dormant cannot be told
                        WHEN act.at < lim.cutoff AND a.push_unknown THEN 'unknown'
                        WHEN act.at < lim.cutoff THEN 'dormant'
                        ELSE 'active' END) AS health,
                   coalesce(h.signal, CASE WHEN {alone} THEN 'no_project' END) AS health_signal,
                   coalesce(h.facts, CASE WHEN {alone} THEN '{{}}' END) AS health_facts
            FROM a CROSS JOIN lim LEFT JOIN rel ON rel.project_id = a.project_id
            -- no push known is no activity, not the month's end (least() skips a NULL)
            CROSS JOIN LATERAL (SELECT greatest(rel.last_release,
                CASE WHEN a.last_activity IS NOT NULL
                     THEN least(a.last_activity, lim.month_end) END) AS at) act
            LEFT JOIN dl USING (key) LEFT JOIN dlp USING (key)
            LEFT JOIN st USING (key) LEFT JOIN stp USING (key)
            LEFT JOIN ({_health_sql(rels)}) h ON h.project_id = a.project_id AND h.month = ?)
    """
    return sql, params + [month]


# The exclusive end of month `?` ('YYYY-MM') as a UTC instant.
MONTH_END = "((? || '-01 00:00:00+00')::TIMESTAMPTZ + INTERVAL 1 MONTH)"


def _released_sql(con: duckdb.DuckDBPyConnection, rels: set[str]) -> str:
    """`(project_id, last_release)` as of the end of the month (parameter: 'YYYY-MM'): a
    release published after it (a later fetch) is not shown on that month's cards and page,
    as the project's health does not count it (landscape/project_health.py); yanked ones
    neither. Through the members' rollup while it is fresh (integer keys), else live."""
    if "releases" not in rels:
        return ("SELECT NULL::VARCHAR AS project_id, NULL::TIMESTAMPTZ AS last_release"
                " WHERE ? IS NULL AND false")
    members = ("SELECT k.item_id, m.project_id FROM dashboard_member m"
               " JOIN dashboard_item_key k USING (item_no)"
               if _freshness(con).category_month else
               f"SELECT item_id, project_id FROM ({item_project_sql(rels)})")
    return f"""
        SELECT m.project_id, max(r.published_at) AS last_release
        FROM releases r JOIN ({members}) m USING (item_id)
        WHERE r.published_at < {MONTH_END} AND NOT coalesce(r.yanked, false)
        GROUP BY m.project_id"""


def _ready(con: duckdb.DuckDBPyConnection) -> bool:
    rels = relations(con)
    return "items" in rels and "observations" in rels


def project_cards(con: duckdb.DuckDBPyConnection, month: str, prev: str | None,
                  category: str | None = None,
                  project_ids: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per project (of a category, or the given ids): names, category, members,
    90-day downloads and stars this month and last, the latest release, health. (Whether a
    project is in the report's landscape: `dashboard.queries_scope`.)"""
    if not _ready(con):
        return _empty(*CARD_COLUMNS)
    cte, params = _cards_cte(con, month, prev)
    ids = list(project_ids) or None
    return _df(con, cte + f"""
        SELECT {", ".join(CARD_COLUMNS)} FROM cards
        WHERE (?::VARCHAR IS NULL OR category = ?)
          AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], project_id))
        ORDER BY downloads DESC NULLS LAST, stars DESC NULLS LAST, name_en
    """, params + [category, category, ids, ids])


def category_counts(con: duckdb.DuckDBPyConnection, month: str, prev: str | None,
                    health: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per category (of projects with the given health, or all): projects, how many are
    active, downloads this month and last and stars summed."""
    cols = ("category", "projects", "active", "downloads", "downloads_prev", "stars")
    if not _ready(con):
        return _empty(*cols)
    cte, params = _cards_cte(con, month, prev)
    h = _opt(health)
    return _df(con, cte + """
        SELECT category, count(*) AS projects, count(*) FILTER (WHERE health = 'active')
                   AS active,
               sum(downloads) AS downloads, sum(downloads_prev) AS downloads_prev,
               sum(stars) AS stars
        FROM cards WHERE (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], health))
        GROUP BY category ORDER BY category
    """, params + [h, h])


def project_movers(con: duckdb.DuckDBPyConnection, metric: str, month: str, prev_month: str,
                   kinds_: tuple[str, ...] = (), categories_: tuple[str, ...] = (),
                   limit: int = 25, floor: float = 0.0, rising: bool = True) -> pd.DataFrame:
    """Projects with the largest month-over-month change of `metric` in %, as the report
    ranks its movers: the previous value must reach the noise floor `floor`. With `kinds_`,
    projects with a member of those kinds; with `categories_`, projects of those categories."""
    cols = ("project_id", "name_en", "name_zh", "category", "url", "value", "prev_value",
            "delta", "pct")
    if not _ready(con):
        return _empty(*cols)
    src = sources(con)
    cur, cur_params = src["values"](metric, month)
    prv, prv_params = src["values"](metric, prev_month)
    op, order = (">", "DESC") if rising else ("<", "ASC")  # fixed strings, not input
    k, c = _opt(kinds_), _opt(categories_)
    return _df(con, f"""
        WITH a AS ({src["attrs"]}), cur AS ({cur}), prv AS ({prv})
        SELECT a.project_id, a.name_en, a.name_zh, a.category, a.url, cur.value,
               prv.value AS prev_value, cur.value - prv.value AS delta,
               round(100.0 * (cur.value - prv.value) / prv.value, 1) AS pct
        FROM cur JOIN prv USING (key) JOIN a USING (key)
        WHERE prv.value >= greatest(?, 1e-9) AND (cur.value - prv.value) {op} 0
          AND (?::VARCHAR[] IS NULL OR list_has_any(a.kinds, ?::VARCHAR[]))
          AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], a.category))
        ORDER BY pct {order}, delta {order}, a.project_id
        LIMIT ?
    """, src["attrs_params"] + cur_params + prv_params + [float(floor), k, k, c, c, int(limit)])


MEMBER_COLUMNS = ("item_id", "name", "title", "kind", "role", "category", "url", "description",
                  "created_at", "confidence", "decided_by", "neighbours")


def project_members(con: duckdb.DuckDBPyConnection, project_id: str) -> pd.DataFrame:
    """The items of a project with their role, kind, category decision and link, strongest
    role first; `neighbours` (JSON: the labelled items the category was voted from) for the
    leading member only, the one whose category the page explains. Read from the members'
    rollup while it is fresh (one project's rows), else from every item's decision: computing
    `v_item_category` for 200k items to keep a handful costs 0.1-0.2 s of CPU a page."""
    rels = relations(con)
    if "items" not in rels:
        return _empty(*MEMBER_COLUMNS)
    if _freshness(con).category_month:
        members = ("SELECT k.item_id, m.role, m.category, m.confidence, m.decided_by"
                   " FROM dashboard_member m JOIN dashboard_item_key k USING (item_no)"
                   " WHERE m.project_key = hash($1) AND m.project_id = $1")
    else:
        members = f"SELECT * FROM ({member_decisions_sql(rels)}) WHERE project_id = $1"
    out = _df(con, f"""
        SELECT i.item_id, i.name, i.title, i.kind, m.role, m.category, i.url, i.description,
               i.created_at, m.confidence, m.decided_by
        FROM ({members}) m JOIN items i USING (item_id)
        ORDER BY {ROLE_RANK.replace("role", "m.role")}, i.kind, i.name
    """, [project_id])
    out["neighbours"] = pd.Series([None] * len(out), dtype=object)
    if not out.empty and "v_item_category" in rels:
        # one item by equality: DuckDB pushes it into the view (a list of ids it does not)
        row = con.execute("SELECT CAST(neighbours AS VARCHAR) FROM v_item_category"
                          " WHERE item_id = ?", [out.at[0, "item_id"]]).fetchone()
        out.at[0, "neighbours"] = row[0] if row else None
    return out


# A release published before the end of month `?` ('YYYY-MM'; NULL: any): the page of a month
# lists no release a later fetch found, as its last release (`_released_sql`) does not.
_BY_MONTH_END = f"(?::VARCHAR IS NULL OR r.published_at < {MONTH_END})"


def project_releases(con: duckdb.DuckDBPyConnection, project_id: str,
                     limit: int = 30, month: str | None = None) -> pd.DataFrame:
    """The project's releases, one row per version (`v_project_releases`: crates.io and GitHub
    announcing the same version count once, the best source kept, the other as `second_url`);
    with `month`, those published by its end."""
    cols = ("version", "published_at", "item", "url", "second_url")
    rels = relations(con)
    if "v_project_releases" in rels:
        return _df(con, f"""
            SELECT r.version, r.published_at, i.name AS item, r.url, r.second_url
            FROM v_project_releases r JOIN items i USING (item_id)
            WHERE r.project_id = ? AND r.is_best AND {_BY_MONTH_END}
            ORDER BY r.published_at DESC NULLS LAST, r.release_id LIMIT ?
        """, [project_id, month, month, int(limit)])
    if "releases" not in rels:
        return _empty(*cols)
    return _df(con, f"""
        SELECT r.version, r.published_at, i.name AS item, r.url, NULL AS second_url
        FROM releases r JOIN ({item_project_sql(rels)}) ip USING (item_id)
        JOIN items i USING (item_id)
        WHERE ip.project_id = ? AND NOT coalesce(r.yanked, false) AND {_BY_MONTH_END}
        ORDER BY r.published_at DESC NULLS LAST LIMIT ?
    """, [project_id, month, month, int(limit)])


# When a project is related to another in several ways (a binding of llama.cpp is recorded
# both as its binding, from its description, and as built on it, from the watchlist), the
# page names the most specific one: the others follow from it (a binding builds on what it
# binds). First = most specific.
RELATION_PRECEDENCE = ("binding_of", "fork_of", "successor_of", "upstream")


def project_relations(con: duckdb.DuckDBPyConnection, project_id: str) -> pd.DataFrame:
    """Upstreams, bindings, forks and successors of a project, both ways, by name: one row
    per related project (its most specific relation, RELATION_PRECEDENCE), with `direction`
    'out' (this project → it) or 'in' (it → this project), for words from this page's side."""
    cols = ("relation", "related_id", "related_name", "direction")
    if "project_relations" not in relations(con):
        return _empty(*cols)
    return _df(con, """
        WITH r AS (
            SELECT r.relation, r.related_project_id AS related_id,
                   coalesce(p.name_en, i.name, r.related_project_id) AS related_name,
                   'out' AS direction
            FROM project_relations r
            LEFT JOIN projects p ON p.project_id = r.related_project_id
            LEFT JOIN items i ON i.item_id = r.related_project_id WHERE r.project_id = ?
            UNION ALL
            SELECT r.relation, r.project_id, p.name_en, 'in'
            FROM project_relations r JOIN projects p ON p.project_id = r.project_id
            WHERE r.related_project_id = ?)
        SELECT relation, related_id, related_name, direction FROM r
        QUALIFY row_number() OVER (
            PARTITION BY related_id
            ORDER BY coalesce(list_position(?::VARCHAR[], relation), 99), direction DESC,
                     relation) = 1
        ORDER BY relation, related_name
    """, [project_id, project_id, list(RELATION_PRECEDENCE)])


def project_papers(con: duckdb.DuckDBPyConnection, project_id: str) -> pd.DataFrame:
    """Papers and posts of the project: members, and mentions where the projects area records
    them (`project_mentions`)."""
    cols = ("item_id", "kind", "title", "url", "published")
    rels = relations(con)
    if "items" not in rels:
        return _empty(*cols)
    mentions = ("UNION SELECT item_id FROM project_mentions WHERE project_id = ?"
                if "project_mentions" in rels else "")
    params = [project_id, project_id] if mentions else [project_id]
    return _df(con, f"""
        WITH ids AS (SELECT item_id FROM ({item_project_sql(rels)}) WHERE project_id = ?
                     {mentions})
        SELECT i.item_id, i.kind, coalesce(i.title, i.name) AS title, i.url,
               i.created_at AS published
        FROM ids JOIN items i USING (item_id)
        WHERE i.kind IN ('paper', 'post')
        ORDER BY i.created_at DESC NULLS LAST
    """, params)


def project_series(con: duckdb.DuckDBPyConnection, project_ids: tuple[str, ...],
                   metric: str) -> pd.DataFrame:
    """Monthly series per project (`dashboard.project_figures`: downloads summed over its
    crates, stars of its primary or most starred repository)."""
    cols = ("project_id", "period", "value")
    rels = relations(con)
    if not project_ids or "observations" not in rels:
        return _empty(*cols)
    ids = list(project_ids)
    if _freshness(con).project_month:
        return _df(con, """
            SELECT p.project_id, x.period, x.value
            FROM dashboard_project_month x JOIN dashboard_project p USING (project_no)
            WHERE x.metric = ? AND list_contains(?::VARCHAR[], p.project_id)
            ORDER BY p.project_id, x.period
        """, [metric, ids])
    if _freshness(con).item_month:  # integer keys: filter the rollup, not 10M observations
        values = ("SELECT k.item_id, x.period, x.value FROM dashboard_item_month x"
                  " JOIN dashboard_item_key k USING (item_no)"
                  " WHERE x.metric = ? AND list_contains(?::VARCHAR[], k.item_id)")
        members = [r[0] for r in con.execute(
            f"SELECT item_id FROM ({item_project_sql(rels)})"
            " WHERE list_contains(?::VARCHAR[], project_id)", [ids]).fetchall()]
        params: list[Any] = [metric, members]
    else:
        values, params = item_values_sql(con, metric, None)
    return _df(con, f"""
        WITH m AS ({members_sql(rels)})
        SELECT m.project_id, x.period, {value_agg(metric)} AS value
        FROM ({values}) x JOIN m USING (item_id)
        WHERE list_contains(?::VARCHAR[], m.project_id)
        GROUP BY m.project_id, x.period HAVING value IS NOT NULL
        ORDER BY m.project_id, x.period
    """, [*params, ids])
