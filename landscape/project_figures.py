"""A project's figures for a month, each with its provenance, and its page (members, links).

- downloads: the 90-day downloads summed over the project's crates of its newest period, with
  the per-crate parts (value, period, response URL) — a sum footnotes its parts; a crate whose
  last figure is older is listed apart (`downloads_left_out`), as the report leaves it out;
- stars: from the primary repository only (an upstream's or a sibling repo's never count);
- releases: deduplicated by (project, version) (`v_project_releases`), best source kept, the
  other source as a second link;
- papers: the papers that mention the project (project_mentions);
- health: the month's status and the signal that decided it (project_health).

Used by `panorama projects` / `panorama project NAME` and the dashboard's project page.
Figures up to 12 months old are carried forward and marked by their own period.
"""

from __future__ import annotations

from typing import Any

import duckdb

from core.months import Month, shift_month

_FIGURES_SQL = """
WITH mem AS (
    SELECT m.project_id, m.item_id, m.role, i.kind, i.name
    FROM project_members m JOIN items i USING (item_id)
    WHERE $pid IS NULL OR m.project_id = $pid
), dl AS (
    SELECT item_id, max(period) AS p, arg_max(value, period || observed_at::VARCHAR) AS v,
           arg_max(source_url, period || observed_at::VARCHAR) AS u,
           max(fetched_at) AS f
    FROM observations
    WHERE metric = 'downloads_recent' AND period BETWEEN $lo AND $month
      AND item_id IN (SELECT item_id FROM mem WHERE kind = 'crate')
    GROUP BY item_id
), st AS (
    SELECT item_id, max(period) AS p, arg_max(value, period || observed_at::VARCHAR) AS v,
           arg_max(source_url, period || observed_at::VARCHAR) AS u, max(fetched_at) AS f
    FROM observations
    WHERE metric = 'stars' AND period BETWEEN $lo AND $month
      AND item_id IN (SELECT primary_repo FROM projects)
    GROUP BY item_id
), parts AS (
    SELECT m.project_id, m.item_id, m.name, dl.*,
           max(dl.p) OVER (PARTITION BY m.project_id) AS pmax
    FROM mem m JOIN dl USING (item_id)
), sums AS (
    -- the sum adds the parts of the project's newest period only, as the report does
    -- (report/entity_tables.py): a crate not fetched since is named apart, never summed stale
    SELECT project_id, sum(v) FILTER (WHERE p = pmax) AS downloads_90d,
           max(pmax) AS downloads_period,
           list(struct_pack(item_id := item_id, name := name, value := v, period := p,
                            source_url := u, fetched_at := f)
                ORDER BY v DESC, item_id) FILTER (WHERE p = pmax) AS downloads_parts,
           list(struct_pack(item_id := item_id, name := name, value := v, period := p,
                            source_url := u, fetched_at := f)
                ORDER BY p DESC, item_id) FILTER (WHERE p < pmax) AS downloads_left_out
    FROM parts GROUP BY project_id
), counts AS (
    SELECT project_id, count(*) AS members,
           count(*) FILTER (WHERE kind = 'crate') AS crates,
           count(*) FILTER (WHERE kind = 'repo') AS repos
    FROM mem GROUP BY project_id
), papers AS (
    SELECT project_id, count(*) FILTER (WHERE kind = 'paper') AS papers
    FROM project_mentions GROUP BY project_id
)
SELECT p.project_id, p.name_en, p.name_zh, p.category, p.watched, p.origin,
       p.primary_crate, p.primary_repo,
       coalesce(c.members, 0) AS members, coalesce(c.crates, 0) AS crates,
       coalesce(c.repos, 0) AS repos,
       s.downloads_90d, s.downloads_period, s.downloads_parts, s.downloads_left_out,
       st.v AS stars, st.p AS stars_period, st.u AS stars_source_url,
       coalesce(pp.papers, 0) AS papers,
       h.status AS health, h.signal AS health_signal, h.facts AS health_facts,
       h.evidence_url AS health_source_url
FROM projects p
LEFT JOIN counts c USING (project_id)
LEFT JOIN sums s USING (project_id)
LEFT JOIN st ON st.item_id = p.primary_repo
LEFT JOIN papers pp USING (project_id)
LEFT JOIN project_health h ON h.project_id = p.project_id AND h.month = $month
WHERE $pid IS NULL OR p.project_id = $pid
ORDER BY p.watched DESC, coalesce(s.downloads_90d, -1) DESC, coalesce(st.v, -1) DESC,
         p.project_id
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def project_figures(con: duckdb.DuckDBPyConnection, month: str, project_id: str | None = None,
                    *, watched_only: bool = False) -> list[dict[str, Any]]:
    """One row per project (or just `project_id`) with its month's figures and provenance."""
    month = Month.parse(month)
    rows = _rows(con, _FIGURES_SQL, {"month": month, "lo": shift_month(month, -12),
                                     "pid": project_id})
    return [r for r in rows if r["watched"] or not watched_only]


def project_page(con: duckdb.DuckDBPyConnection, project_id: str, month: str,
                 releases: int = 10) -> dict[str, Any] | None:
    """Everything about one project: figures, members with evidence, relations, releases
    (deduplicated, with their second link), papers that mention it, open review items."""
    figures = project_figures(con, month, project_id)
    if not figures:
        return None
    page = figures[0]
    page["members_detail"] = _rows(con, """
        SELECT item_id, kind, name, role, evidence, evidence_url, confidence, needs_review
        FROM v_project_links WHERE project_id = ? ORDER BY role, item_id""", [project_id])
    page["relations"] = _rows(con, """
        SELECT r.relation, r.related_project_id, coalesce(p.name_en, i.name) AS related_name,
               'out' AS direction, r.evidence, r.evidence_url
        FROM project_relations r LEFT JOIN projects p ON p.project_id = r.related_project_id
        LEFT JOIN items i ON i.item_id = r.related_project_id WHERE r.project_id = ?
        UNION ALL
        SELECT r.relation, r.project_id, p.name_en, 'in', r.evidence, r.evidence_url
        FROM project_relations r JOIN projects p ON p.project_id = r.project_id
        WHERE r.related_project_id = ? ORDER BY 1, 2""", [project_id, project_id])
    page["releases"] = _rows(con, """
        SELECT version, version_key, published_at, item_id AS source_item, url, second_url,
               source_url
        FROM v_project_releases WHERE project_id = ? AND is_best AND period <= ?
        ORDER BY published_at DESC, release_id LIMIT ?""", [project_id, month, releases])
    page["papers_detail"] = _rows(con, """
        SELECT m.item_id, p.title, p.abs_url, p.published_at, m.evidence, m.matched
        FROM project_mentions m LEFT JOIN papers p ON p.paper_id = m.item_id
        WHERE m.project_id = ? AND m.kind = 'paper' ORDER BY p.published_at DESC""",
        [project_id])
    page["review"] = _rows(con, """
        SELECT item_id, 'merge' AS kind, evidence AS reason, confidence FROM project_members
        WHERE project_id = ? AND needs_review
        UNION ALL
        SELECT item_id, 'proposal', reason, confidence FROM project_link_proposals
        WHERE project_id = ? ORDER BY 1""", [project_id, project_id])
    return page
