"""Project views (registered by `warehouse.views.ensure_views`); tables in schema_projects.py.

- `v_item_project(item_id, project_id, project_name, role)`: EVERY row of `items` exactly once.
  An item in no project maps to itself (project_id = item_id, project_name = items.name,
  role = 'self'). Search dedupes by project_id; the report and dashboard group by it.
- `v_project_links`: every member link with its evidence, for review and the project page.
- `v_project_releases`: releases that count (v_report_releases) per project, deduplicated by
  (project, version): `is_best` marks the row kept — the primary crate's crates.io release,
  else another crate's, else the primary (or own) repository's GitHub release — and
  `second_url` is the other source's link to the same version (GitHub notes or crates.io).
"""

# A tag's version: 'v0.9.1', 'tokio-1.48.0', '@biomejs/biome@2.2.3' -> '0.9.1', '1.48.0', ...
_VERSION_KEY = ("coalesce(nullif(regexp_extract(r.version, "
                "'([0-9]+(\\.[0-9]+)+(-[0-9A-Za-z.]+)?)', 1), ''), lower(r.version))")

# The project of an item (`items i LEFT JOIN project_members m USING (item_id)`), the one
# definition: an item in no project is its own (role 'self'). v_item_project is built on it,
# and so is v_report_items, which also needs the items' own columns (joining v_item_project
# there read `items` twice: a join of every item with itself, most of the report's scope
# query at 200k items).
PROJECT_OF_ITEM = "coalesce(m.project_id, i.item_id)"
ROLE_OF_ITEM = "coalesce(m.role, 'self')"

VIEWS: dict[str, str] = {
    "v_item_project": f"""
        SELECT i.item_id,
               {PROJECT_OF_ITEM} AS project_id,
               CASE WHEN m.project_id IS NULL THEN i.name
                    ELSE coalesce(p.name_en, i.name) END AS project_name,
               {ROLE_OF_ITEM} AS role
        FROM items i
        LEFT JOIN project_members m USING (item_id)
        LEFT JOIN projects p ON p.project_id = m.project_id
    """,
    "v_project_links": """
        SELECT m.project_id, p.name_en AS project_name, m.item_id, i.kind, i.name, m.role,
               m.evidence, m.evidence_url, m.confidence, m.needs_review, m.resolved_at
        FROM project_members m
        JOIN projects p USING (project_id)
        LEFT JOIN items i USING (item_id)
    """,
}


def project_releases_sql(source: str, project_id: str, project_name: str, role: str) -> str:
    """A project's releases deduplicated by (project, version): the one definition, used by
    the view `v_project_releases` (every release) and by the report's month query
    (report/releases.py RELEASES_SQL), which runs it on the projects that released in the
    month only rather than filtering a window over every release of the warehouse.

    `source` is a FROM clause yielding v_report_releases' columns as `r`; `project_id`,
    `project_name` and `role` are the expressions of the item's project and member role there.
    """
    return f"""
        WITH r AS (
            SELECT r.*, {project_id} AS project_id, {project_name} AS project_name,
                   {role} AS role, {_VERSION_KEY} AS version_key,
                   CASE WHEN r.item_id LIKE 'crate:%' THEN
                            CASE WHEN {role} IN ('primary_crate', 'self') THEN 0 ELSE 1 END
                        ELSE CASE WHEN {role} IN ('primary_repo', 'self') THEN 2 ELSE 3 END
                   END AS source_rank
            FROM {source}
        )
        SELECT *,
               row_number() OVER w_best = 1 AS is_best,
               CASE WHEN item_id LIKE 'crate:%'
                    THEN min(url) FILTER (WHERE item_id LIKE 'repo:%') OVER w_all
                    ELSE min(url) FILTER (WHERE item_id LIKE 'crate:%') OVER w_all
               END AS second_url,
               max(notes) OVER w_all AS any_notes
        FROM r
        WINDOW w_best AS (PARTITION BY project_id, version_key
                          ORDER BY source_rank, published_at, release_id),
               w_all AS (PARTITION BY project_id, version_key)
    """


# every release of the warehouse, for the project page and the dashboard
VIEWS["v_project_releases"] = project_releases_sql(
    "v_report_releases r JOIN v_item_project v USING (item_id)",
    "v.project_id", "v.project_name", "v.role")
