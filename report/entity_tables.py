"""The month's entity tables: the TEMP tables every section of the report reads.

`build_entity_table` materialises TEMP tables (allowed on a read-only connection): one narrow
row per in-scope project (`_rep_project`: name, category, trust, for the counts), and one row
per project the report shows (`_rep_entity`: every published project and the machine
suggestions the pending-review appendix lists) with its figures and their provenance as
structs `{v, p, u, f}` = value, period, source URL, fetched_at. The split comes before any
figure is built: at 200k items nine in ten in-scope projects are machine suggestions, of which
the appendix shows a few dozen. Every section of the report is then a small ORDER BY/LIMIT
query over those tables (report/queries.py), so the cost is one pass over the month's
observations however many items the warehouse holds. `report.placement` runs the statements
up to `_rep_project` only.
"""

from __future__ import annotations

import duckdb

from report.queries import IN_TAXONOMY, category_sql, in_taxonomy

# "Latest" = latest period, then latest observation within it, as one BIGINT so the
# aggregate compares numbers, not structs (YYYYMM * 1e10 + epoch seconds). The key is unique
# per row: observations are keyed on (item_id, metric, observed_at).
_KEY = "(CAST(replace(period, '-', '') AS BIGINT) * 10000000000 + epoch(observed_at)::BIGINT)"
# A figure is a `{v, p, u, f}` struct (value, period, source URL, fetched_at).
_FIELDS = (("v", "value"), ("p", "period"), ("u", "source_url"), ("f", "fetched_at"))
# The latest row of a group (a column `k` holding _KEY) as a figure: one arg_max per field,
# several times cheaper than arg_max over a struct.
_LATEST = "struct_pack(" + ", ".join(f"{k} := arg_max({c}, k)" for k, c in _FIELDS) + ")"


def _row_struct(alias: str) -> str:
    """The figure of one row of `alias`."""
    return "struct_pack(" + ", ".join(f"{k} := {alias}.{c}" for k, c in _FIELDS) + ")"


ENTITY_SQL = """
CREATE OR REPLACE TEMP TABLE _rep_cat AS {cat};

CREATE OR REPLACE TEMP TABLE _rep_scope AS
SELECT i.item_id, i.kind, i.project_id AS pid, i.project_role, i.entity, i.display_name, i.url,
       i.description, i.watched, i.created_month, i.source_url, i.fetched_at,
       -- a watched project's members are listed under its category
       coalesce(i.project_category, c.category) AS category, c.decided_by, c.confidence,
       c.needs_review
FROM v_report_items i JOIN (
    -- the candidates first (a category of their own, or a categorised project), so that the
    -- join does not carry the uncategorised majority of the items
    SELECT item_id FROM _rep_cat WHERE category IS NOT NULL AND category <> 'out_of_scope'
    UNION
    SELECT m.item_id FROM project_members m JOIN projects p USING (project_id)
    WHERE p.category IS NOT NULL) USING (item_id)
LEFT JOIN _rep_cat c USING (item_id)
-- only in-scope items that exist by the month: most discovered crates are out of scope, and
-- a past month's report must not list what appeared later. An upstream that is in no
-- project of its own (a binding's C++ library) is context, not a landscape entry
WHERE coalesce(i.project_category, c.category) IS NOT NULL
  AND coalesce(i.project_category, c.category) <> 'out_of_scope'
  AND coalesce(i.created_month, $month) <= $month AND NOT i.upstream_only;

-- One narrow row per project of the scope: what the counts, the names and the trust split
-- need, without any figure. The category a project of several items is listed under is its
-- own (watched projects: all members carry it), else the most common one among its items,
-- a tie to the first id. Published tables hold watched and person-reviewed projects only
-- (`trusted`), the machine's suggestions (its confidence, whether under the review
-- threshold) go to the draft's pending-review appendix. Two projects may share a name (the
-- watched Biome and a stranger crate `biome`): the watched one keeps it, the others
-- (`renamed`) are told apart by their main item's id.
CREATE OR REPLACE TEMP TABLE _rep_project AS
WITH multi AS (
    SELECT pid, first(category ORDER BY n DESC, category) AS category
    FROM (SELECT pid, category, count(*) AS n FROM _rep_scope
          WHERE pid IN (SELECT pid FROM _rep_scope GROUP BY pid HAVING count(*) > 1)
          GROUP BY pid, category)
    GROUP BY pid
), p AS (
    SELECT s.pid, count(*) > 1 AS shared, any_value(s.entity) AS entity,
           coalesce(any_value(m.category), any_value(s.category)) AS category,
           bool_or(s.watched) AS watched, min(s.created_month) AS created_month,
           bool_or(s.watched OR s.decided_by IN ('review', 'watchlist')) AS trusted,
           max(s.confidence) FILTER (WHERE s.decided_by = 'machine') AS machine_confidence,
           bool_or(s.needs_review AND s.decided_by = 'machine') AS needs_review
    FROM _rep_scope s LEFT JOIN multi m USING (pid)
    GROUP BY s.pid
)
SELECT *, NOT watched AND entity IN (SELECT entity FROM p GROUP BY entity HAVING count(*) > 1)
              AS renamed
FROM p;

-- The items whose figures the report reads (`_rep_items`): every trusted project's, and of
-- the machine's suggestions only those the pending-review appendix can show. Nine in ten
-- in-scope items are suggestions (most of the warehouse at 200k items), and the appendix
-- shows its top $pending of them: they are ranked here on the two numbers its order needs
-- (the latest 90-day downloads and stars, carried forward like _rep_metric's `now`), so the
-- wide figures, releases and entity rows below are built for a few thousand items, not for
-- every categorised one. A suggestion of several items is always kept (its downloads are a
-- sum over its crates, built below: such projects are rare).
CREATE OR REPLACE TEMP TABLE _rep_items AS
WITH cand AS (
    SELECT p.pid, s.item_id, s.kind, p.created_month,
           CASE WHEN p.renamed THEN p.entity || ' (' || s.item_id || ')' ELSE p.entity END
               AS entity
    FROM _rep_project p JOIN _rep_scope s USING (pid)
    WHERE NOT p.trusted AND NOT p.shared AND {in_taxonomy_p}
), recent AS (
    SELECT item_id, metric, arg_max(value, k) AS v
    FROM (SELECT item_id, metric, value, {k} AS k FROM observations
          WHERE period BETWEEN $prev AND $month AND metric IN ('downloads_recent', 'stars')
            AND item_id IN (SELECT item_id FROM cand))
    GROUP BY item_id, metric
), need AS (
    -- as in _rep_metric: only a crate's downloads and a repository's stars are looked up in
    -- the older months, and only when the last two months have no figure at all
    SELECT c.item_id, k.metric
    FROM cand c
    JOIN (VALUES ('downloads_recent', 'crate'), ('stars', 'repo')) k(metric, kind)
        ON k.kind = c.kind
    ANTI JOIN recent r ON r.item_id = c.item_id AND r.metric = k.metric
), older AS (
    SELECT item_id, metric, arg_max(value, k) AS v
    FROM (SELECT o.item_id, o.metric, o.value, {k} AS k FROM observations o
          SEMI JOIN need n ON n.item_id = o.item_id AND n.metric = o.metric
          WHERE period >= $lo AND period < $prev AND o.metric IN ('downloads_recent', 'stars'))
    GROUP BY item_id, metric
), score AS (
    SELECT * FROM recent UNION ALL SELECT * FROM older
), shown AS (
    -- PENDING_SQL's order, on the same numbers (score_dl, score_st of _rep_entity)
    SELECT c.pid FROM cand c
    LEFT JOIN score d ON d.item_id = c.item_id AND d.metric = 'downloads_recent'
    LEFT JOIN score s ON s.item_id = c.item_id AND s.metric = 'stars'
    ORDER BY (c.created_month = $month) DESC, coalesce(d.v, -1) DESC, coalesce(s.v, -1) DESC,
             c.entity
    LIMIT $pending
)
SELECT * FROM _rep_scope
WHERE pid IN (SELECT pid FROM _rep_project WHERE trusted OR (shared AND {in_taxonomy}))
   OR pid IN (SELECT pid FROM shown);

CREATE OR REPLACE TEMP TABLE _rep_metric AS
WITH recent_rows AS (
    SELECT item_id, metric, period, value, observed_at, source_url, fetched_at
    FROM observations
    WHERE period BETWEEN $prev AND $month AND metric IN ('downloads_recent', 'stars')
      AND item_id IN (SELECT item_id FROM _rep_items)
    UNION ALL
    SELECT item_id, 'downloads_month', period, sum(value), max(fetched_at),
           any_value(source_url), max(fetched_at)
    FROM observations
    WHERE period BETWEEN $prev AND $month AND metric = 'downloads_daily'
      AND item_id IN (SELECT item_id FROM _rep_items)
    GROUP BY item_id, period
), recent AS MATERIALIZED (
    SELECT *, {k} AS k FROM recent_rows
), a_keys AS (
    -- the latest row's key per (item, metric): a numeric aggregate, then a join for the row
    SELECT item_id, metric, max(k) AS k_now, max(k) FILTER (WHERE period <= $prev) AS k_prev
    FROM recent GROUP BY item_id, metric
), a AS (
    SELECT a.item_id, a.metric, {s_now} AS now,
           CASE WHEN p.k IS NOT NULL THEN {s_prev} END AS prev
    FROM a_keys a
    JOIN recent n ON n.item_id = a.item_id AND n.metric = a.metric AND n.k = a.k_now
    LEFT JOIN recent p ON p.item_id = a.item_id AND p.metric = a.metric AND p.k = a.k_prev
), need AS (
    -- (item, metric) pairs of the scope without a previous-month figure. Each metric is
    -- observed on one kind of item only (config/metrics.toml: downloads from crates.io for
    -- crates, stars from GitHub for repositories), so a repository is never looked up for
    -- downloads nor a crate for stars: in a complete month this set is nearly empty and the
    -- older months are hardly read at all.
    SELECT i.item_id, k.metric
    FROM _rep_items i
    JOIN (VALUES ('downloads_recent', 'crate'), ('downloads_month', 'crate'),
                 ('stars', 'repo')) k(metric, kind) ON k.kind = i.kind
    ANTI JOIN (SELECT item_id, metric FROM a WHERE prev IS NOT NULL) s
        ON s.item_id = i.item_id AND s.metric = k.metric
), older_rows AS (
    SELECT o.item_id, o.metric, period, value, observed_at, source_url, fetched_at
    FROM observations o
    SEMI JOIN (SELECT * FROM need WHERE metric <> 'downloads_month') n
        ON n.item_id = o.item_id AND n.metric = o.metric
    WHERE period >= $lo AND period < $prev AND o.metric IN ('downloads_recent', 'stars')
    UNION ALL
    SELECT item_id, 'downloads_month', period, sum(value), max(fetched_at),
           any_value(source_url), max(fetched_at)
    FROM observations
    WHERE period >= $lo AND period < $prev AND metric = 'downloads_daily'
      -- the needed crates filter the scan itself (a DISTINCT over the older months' daily
      -- rows first read all of them: a million rows at 200k items)
      AND item_id IN (SELECT item_id FROM need WHERE metric = 'downloads_month')
    GROUP BY item_id, period
), b AS (
    SELECT item_id, metric, {latest} AS old
    FROM (SELECT *, {k} AS k FROM older_rows) GROUP BY item_id, metric
)
SELECT item_id, metric, coalesce(a.now, b.old) AS now, coalesce(a.prev, b.old) AS prev
FROM a FULL JOIN b USING (item_id, metric);


CREATE OR REPLACE TEMP TABLE _rep_rel_rows AS
SELECT * FROM v_report_releases
WHERE period <= $month AND NOT prerelease AND item_id IN (SELECT item_id FROM _rep_items);

CREATE OR REPLACE TEMP TABLE _rep_release AS
SELECT item_id, arg_max(struct_pack(version := version, published_at := published_at,
                         url := url, u := source_url, f := fetched_at, item := item_id),
                       published_at) AS rel
FROM _rep_rel_rows
GROUP BY item_id;

-- One row per project of `_rep_items` (the published projects and the suggestions the
-- appendix can show) with its figures, its name, category and trust from _rep_project.
CREATE OR REPLACE TEMP TABLE _rep_entity AS
WITH it AS (
    -- Nearly every item is a project of its own: no window or aggregate runs over those rows
    -- (a window over every row, carrying the wide figure structs, was most of the report's
    -- CPU time at 200k items), only the rows of projects with several items are grouped.
    SELECT i.*, d.now AS d_now, d.prev AS d_prev, m.now AS m_now, m.prev AS m_prev,
           s.now AS s_now, s.prev AS s_prev, r.rel, p.shared
    FROM _rep_items i
    JOIN _rep_project p USING (pid)
    LEFT JOIN _rep_metric d ON d.item_id = i.item_id AND d.metric = 'downloads_recent'
    LEFT JOIN _rep_metric m ON m.item_id = i.item_id AND m.metric = 'downloads_month'
    LEFT JOIN _rep_metric s ON s.item_id = i.item_id AND s.metric = 'stars'
    LEFT JOIN _rep_release r ON r.item_id = i.item_id
), shared_it AS (
    -- the newest period among the project's crates, per downloads figure: a sum adds the
    -- parts of that period only (a crate not fetched since is left out, not summed stale)
    SELECT *, max(d_now.p) OVER w AS d_now_pmax, max(d_prev.p) OVER w AS d_prev_pmax,
           max(m_now.p) OVER w AS m_now_pmax, max(m_prev.p) OVER w AS m_prev_pmax
    FROM it WHERE shared
    WINDOW w AS (PARTITION BY pid)
), e AS (
    -- a project of one item (nearly every discovered item) needs no aggregation
    SELECT pid,
           CASE WHEN d_now.v IS NOT NULL THEN struct_pack(
               item_id := item_id, now := d_now, prev := d_prev, mnow := m_now,
               mprev := m_prev) END AS dl,
           CASE WHEN s_now.v IS NOT NULL THEN struct_pack(
               item_id := item_id, now := s_now, prev := s_prev) END AS st,
           CASE WHEN rel.published_at IS NOT NULL THEN rel END AS rel,
           struct_pack(item_id := item_id, name := display_name, url := url,
                       description := description, kind := kind,
                       u := source_url, f := fetched_at) AS main
    FROM it WHERE NOT shared
    UNION ALL
    SELECT it.pid,
           -- downloads: the sum over the project's crates ({dl_sum}), stars: the primary
           -- repository's only, never a sibling's or an upstream's
           CASE WHEN count(d_now.v) > 0 THEN struct_pack(
               item_id := first(item_id ORDER BY (project_role = 'primary_crate')::INT DESC,
                                d_now.v DESC NULLS LAST, item_id),
               now := {now}, prev := {prev}, mnow := {mnow}, mprev := {mprev}) END AS dl,
           first(struct_pack(item_id := item_id, now := s_now, prev := s_prev))
               FILTER (WHERE s_now.v IS NOT NULL AND project_role = 'primary_repo') AS st,
           -- the newest day's release, the main crate's first: a workspace publishes its
           -- crates together (burn and burn-train 0.18.2), and the main one names it
           first(rel ORDER BY rel.published_at::DATE DESC,
                              (project_role = 'primary_crate')::INT DESC,
                              rel.published_at DESC, item_id)
               FILTER (WHERE rel.published_at IS NOT NULL) AS rel,
           first(struct_pack(item_id := item_id, name := display_name, url := url,
                             description := description, kind := kind,
                             u := source_url, f := fetched_at)
                 ORDER BY (project_role = 'primary_crate')::INT DESC,
                          (project_role = 'primary_repo')::INT DESC,
                          (kind = 'crate')::INT * 1e15 + coalesce(d_now.v, s_now.v, -1) DESC,
                          item_id) AS main
    FROM shared_it it
    GROUP BY it.pid
), base AS (
    SELECT e.pid,
           CASE WHEN p.renamed THEN p.entity || ' (' || e.main.item_id || ')' ELSE p.entity END
               AS entity,
           p.category, p.watched, p.created_month, e.dl, e.st, e.rel, e.main, p.trusted,
           p.machine_confidence, p.needs_review,
           CASE WHEN dl.now.p = $month THEN dl.now.v END AS dl_cur,
           CASE WHEN dl.prev.p = $prev THEN dl.prev.v END AS dl_old,
           CASE WHEN st.now.p = $month THEN st.now.v END AS st_cur,
           CASE WHEN st.prev.p = $prev THEN st.prev.v END AS st_old,
           coalesce(dl.now.v, -1) AS score_dl, coalesce(st.now.v, -1) AS score_st
    FROM e JOIN _rep_project p USING (pid)
), ranks AS (
    -- ranks computed once, on narrow rows (windows carry every input column), so every
    -- section below is a filter + top-N. Only the published (trusted) projects are ranked,
    -- among themselves: every ranked section reads trusted rows only
    SELECT pid,
           row_number() OVER (PARTITION BY category ORDER BY score_dl DESC,
                              score_st DESC, entity) AS cat_rank,
           rank() OVER (ORDER BY dl_cur DESC NULLS LAST) AS dl_rank_now,
           rank() OVER (ORDER BY dl_old DESC NULLS LAST) AS dl_rank_old,
           rank() OVER (ORDER BY st_cur DESC NULLS LAST) AS st_rank_now,
           rank() OVER (ORDER BY st_old DESC NULLS LAST) AS st_rank_old
    FROM (SELECT pid, entity, category, score_dl, score_st, dl_cur, dl_old, st_cur, st_old
          FROM base WHERE trusted)
)
SELECT base.*, ranks.* EXCLUDE (pid),
       (dl_cur - dl_old) / dl_old * 100 AS dl_pct,
       (st_cur - st_old) / st_old * 100 AS st_pct
FROM base LEFT JOIN ranks USING (pid);
"""


def _sum_figure(col: str) -> str:
    """A project's downloads figure summed over its crates' figures in `col` ({v, p, u, f}) of
    the newest period among them (`{col}_pmax`): the source is the primary crate's response
    with a `#sum=` fragment naming every part, so the footnote of a sum names what it adds."""
    part = f"{col}.v IS NOT NULL AND {col}.p = {col}_pmax"
    order = f"(project_role = 'primary_crate')::INT DESC, {col}.v DESC NULLS LAST, item_id"
    return (f"CASE WHEN count({col}.v) > 0 THEN struct_pack("
            f"v := sum({col}.v) FILTER (WHERE {part}), p := any_value({col}_pmax), "
            f"u := first({col}.u ORDER BY {order}) FILTER (WHERE {part}) || CASE WHEN "
            f"count(*) FILTER (WHERE {part}) > 1 THEN '#sum=' || string_agg(display_name, '+' "
            f"ORDER BY {order}) FILTER (WHERE {part}) ELSE '' END, "
            f"f := max({col}.f) FILTER (WHERE {part})) END")


def entity_statements(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The statements that build `_rep_entity` (parameters $month, $prev, $lo, $pending)."""
    sql = (ENTITY_SQL.replace("{dl_sum}", "parts named in the footnote")
           .replace("{now}", _sum_figure("d_now")).replace("{prev}", _sum_figure("d_prev"))
           .replace("{mnow}", _sum_figure("m_now")).replace("{mprev}", _sum_figure("m_prev"))
           .replace("{latest}", _LATEST)
           .replace("{s_now}", _row_struct("n")).replace("{s_prev}", _row_struct("p"))
           .replace("{k}", _KEY).replace("{cat}", category_sql(con))
           .replace("{in_taxonomy}", IN_TAXONOMY)
           .replace("{in_taxonomy_p}", in_taxonomy("p.category")))
    return [stmt for stmt in sql.split(";") if stmt.strip()]


def build_entity_table(
    con: duckdb.DuckDBPyConnection, month: str, prev: str, lo: str, pending: int
) -> None:
    """Materialise `_rep_entity` for `month` (figures up to 12 months old are carried forward)
    with the published projects and the `pending` machine suggestions the appendix shows."""
    params = {"month": month, "prev": prev, "lo": lo, "pending": pending}
    for stmt in entity_statements(con):
        con.execute(stmt, {k: v for k, v in params.items() if f"${k}" in stmt})

