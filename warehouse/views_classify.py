"""Classification views (registered by `warehouse.views.ensure_views`).

- `v_classification_latest`: the latest machine classification per item.
- `v_review_latest`: the latest review decision per item.
- `v_item_category(item_id, category, confidence, decided_by, method, run_id, needs_review,
  neighbours, machine_category, reviewer, decided_at, review_reason)`: the current category of
  each item (`review_reason`: the machine's, on its own rows only — why it needs review).
  Precedence: a review decision, then the watchlist's category, then the category of the
  watched project the item is a resolved member of (`decided_by = 'project'`, method
  `project:<role>`), then the machine — so a person always wins and the machine never
  overwrites one.
- `v_review_queue`: machine-decided items that need review (with the reason), most uncertain
  first: read off `v_item_category`'s machine rows, so the latest classification is computed
  once (it was joined a second time for the reason).

A changed view body reaches an existing warehouse when `ensure_views` runs: after any
migration, when a view is missing, and at every `panorama report` and collection run
(report/build.py, flows/collect.py); no stored data changes.
"""

VIEWS: dict[str, str] = {
    "v_classification_latest": """
        SELECT * FROM classifications
        QUALIFY row_number() OVER (
            PARTITION BY item_id ORDER BY classified_at DESC, run_id DESC) = 1
    """,
    "v_review_latest": """
        SELECT * FROM review_decisions
        QUALIFY row_number() OVER (
            PARTITION BY item_id ORDER BY decided_at DESC, decision_id DESC) = 1
    """,
    "v_item_category": """
        SELECT r.item_id, r.category, 1.0::DOUBLE AS confidence, 'review' AS decided_by,
               'review:' || r.decision AS method, m.run_id, FALSE AS needs_review,
               m.neighbours, m.category AS machine_category, r.reviewer, r.decided_at,
               NULL::VARCHAR AS review_reason
        FROM v_review_latest r LEFT JOIN v_classification_latest m USING (item_id)
        WHERE r.category IS NOT NULL
        UNION ALL
        SELECT i.item_id, i.watch_category, 1.0::DOUBLE, 'watchlist', 'watchlist', m.run_id,
               FALSE, m.neighbours, m.category, NULL, NULL, NULL
        FROM items i LEFT JOIN v_classification_latest m USING (item_id)
        WHERE i.watch_category IS NOT NULL
          AND i.item_id NOT IN (SELECT item_id FROM v_review_latest WHERE category IS NOT NULL)
        UNION ALL
        -- a resolved member of a watched project (its crate, repository, binding...) is in
        -- the project's category: a curator's fact about the project, not a machine guess
        SELECT pm.item_id, p.category, 1.0::DOUBLE, 'project', 'project:' || pm.role,
               m.run_id, FALSE, m.neighbours, m.category, NULL, NULL, NULL
        FROM project_members pm JOIN projects p USING (project_id)
        JOIN items i ON i.item_id = pm.item_id
        LEFT JOIN v_classification_latest m ON m.item_id = pm.item_id
        WHERE p.watched AND p.category IS NOT NULL AND NOT pm.needs_review
          AND i.watch_category IS NULL
          AND pm.item_id NOT IN (SELECT item_id FROM v_review_latest WHERE category IS NOT NULL)
        UNION ALL
        SELECT m.item_id, m.category, m.confidence, 'machine', m.method, m.run_id,
               m.needs_review, m.neighbours, m.category, NULL, NULL, m.review_reason
        FROM v_classification_latest m
        WHERE m.item_id NOT IN (SELECT item_id FROM v_review_latest WHERE category IS NOT NULL)
          AND m.item_id NOT IN (SELECT item_id FROM items WHERE watch_category IS NOT NULL)
          AND m.item_id NOT IN (SELECT pm.item_id FROM project_members pm
                                JOIN projects p USING (project_id)
                                WHERE p.watched AND p.category IS NOT NULL
                                  AND NOT pm.needs_review)
    """,
    "v_review_queue": """
        SELECT c.item_id, i.kind, i.name, i.title, i.url, i.description, c.category,
               c.confidence, c.method, c.run_id, c.neighbours, c.review_reason
        FROM v_item_category c JOIN items i USING (item_id)
        WHERE c.decided_by = 'machine' AND c.needs_review
        ORDER BY c.confidence ASC, c.item_id
    """,
}
