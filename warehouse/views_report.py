"""Views the report reads (collected by `warehouse.views.ensure_views`).

They hold no month parameter: report queries filter them by period and rank them with window
functions (report/data.py). Every row that carries a figure also carries the
`source_url` and `fetched_at` it came from, so the report can footnote it. Categories are not
joined here: `v_item_category` belongs to the classification area and may not exist yet, so the
report query joins it (or falls back to `items.watch_category`) itself.
"""

from warehouse.views_projects import PROJECT_OF_ITEM, ROLE_OF_ITEM

VIEWS: dict[str, str] = {
    # Crates and repositories with the project each belongs to (the rule of v_item_project,
    # applied here to `items` directly so that it is read once): the report groups by
    # `project_id` and shows `entity` (the project's name; an item in no project stands alone
    # under its own name). `project_category` is a watched project's category, which its
    # members inherit; `upstream_only` marks an item that is in no project but is some
    # project's upstream (e.g. ggml-org/llama.cpp): context, not a landscape entry.
    "v_report_items": f"""
        SELECT i.item_id, i.kind, i.name, {PROJECT_OF_ITEM} AS project_id,
               {ROLE_OF_ITEM} AS project_role,
               coalesce(p.name_en, i.name) AS entity,
               coalesce(i.title, i.name) AS display_name,
               i.description, i.url, i.repository, i.language,
               coalesce(p.watched, FALSE) OR coalesce(i.watched, FALSE) AS watched,
               i.watch_name, i.watch_category, p.category AS project_category,
               {ROLE_OF_ITEM} = 'self' AND i.item_id IN (
                   SELECT related_project_id FROM project_relations WHERE relation = 'upstream')
                   AS upstream_only,
               i.created_at, i.first_seen_at, i.first_seen_run,
               strftime(coalesce(i.created_at, i.first_seen_at), '%Y-%m') AS created_month,
               i.source_url, i.fetched_at
        FROM items i
        LEFT JOIN project_members m USING (item_id)
        LEFT JOIN projects p ON p.project_id = {PROJECT_OF_ITEM}
        WHERE i.kind IN ('crate', 'repo')
    """,
    # Observations of the metrics the report shows, with provenance, plus the derived monthly
    # downloads (sum of the daily series) as metric 'downloads_month'. Not deduplicated per
    # month here: report queries pick the latest with arg_max over (period, observed_at), one
    # hash aggregate instead of a window over every observation (see bench/bench_report.py).
    "v_report_metric_month": """
        SELECT item_id, metric, period, value, observed_at, source_url, fetched_at
        FROM observations
        WHERE metric <> 'downloads_daily'
        UNION ALL
        SELECT item_id, 'downloads_month' AS metric, period, downloads AS value,
               fetched_at AS observed_at, source_url, fetched_at
        FROM v_downloads_month
    """,
    # Releases that count (not yanked, dated), with the month they fall in.
    "v_report_releases": """
        SELECT release_id, item_id, version, name, published_at,
               strftime(published_at, '%Y-%m') AS period,
               coalesce(prerelease, false) AS prerelease, url, notes, source_url, fetched_at
        FROM releases
        WHERE NOT coalesce(yanked, false) AND published_at IS NOT NULL
    """,
    "v_report_papers": """
        SELECT paper_id AS item_id, arxiv_id, title, abstract, authors, primary_category,
               published_at, strftime(published_at, '%Y-%m') AS period, abs_url,
               source_url, fetched_at
        FROM papers
    """,
    "v_report_posts": """
        SELECT post_id, feed_url, feed_title, title, link, published_at,
               strftime(published_at, '%Y-%m') AS period, release_of, source_url, fetched_at
        FROM posts
    """,
    # Per month, the run that speaks for it (v_month_run: never a breakthrough check) and the
    # state of each source in it, with the last month the source was collected successfully
    # (for "carried forward from").
    # `items_new` is the month's, not the run's: the items any run of the month saw first. A
    # re-run of a month finds nothing new to *it*, yet the month still gained those items; the
    # run's own count stays in `run_items_new`. NULL (not 0) when the source failed in the run
    # that speaks for the month: "source failed" is not "no new items".
    "v_report_run_health": """
        WITH latest AS (
            SELECT month, run_id, mode, status AS run_status, started_at, finished_at
            FROM v_month_run
        ), month_new AS (
            SELECT r.month, i.source, count(*) AS n
            FROM items i JOIN runs r ON r.run_id = i.first_seen_run
            GROUP BY ALL
        )
        SELECT l.month, l.run_id, l.mode, l.run_status, s.source, s.status, s.items_seen,
               CASE WHEN s.items_new IS NOT NULL THEN coalesce(n.n, 0) END AS items_new,
               s.items_new AS run_items_new,
               s.items_updated, s.observations, s.requests, s.not_modified,
               s.errors, s.error, s.started_at, s.finished_at, o.last_ok_month,
               o.last_complete_month
        FROM latest l
        JOIN source_status s ON s.run_id = l.run_id
        LEFT JOIN v_source_last_ok o ON o.run_id = l.run_id AND o.source = s.source
        LEFT JOIN month_new n ON n.month = l.month AND n.source = s.source
    """,
}
