"""Project views (registered by `warehouse.views.ensure_views`); tables in schema_projects.py.

- `v_item_project(item_id, project_id, project_name, role)`: EVERY row of `items` exactly once.
  An item in no project maps to itself (project_id = item_id, project_name = items.name,
  role = 'self'). Search dedupes by project_id; the report and dashboard group by it.
- `v_project_links`: every member link with its evidence, for review and the project page.
"""

VIEWS: dict[str, str] = {
    "v_item_project": """
        SELECT i.item_id,
               coalesce(m.project_id, i.item_id) AS project_id,
               CASE WHEN m.project_id IS NULL THEN i.name
                    ELSE coalesce(p.name_en, i.name) END AS project_name,
               coalesce(m.role, 'self') AS role
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
