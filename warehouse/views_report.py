"""Views the report reads (collected by `warehouse.views.ensure_views`).

They hold no month parameter: report queries filter them by period and rank them with window
functions (report/data.py). Every row that carries a figure also carries the
`source_url` and `fetched_at` it came from, so the report can footnote it. Categories are not
joined here: `v_item_category` belongs to the classification area and may not exist yet, so the
report query joins it (or falls back to `items.watch_category`) itself.
"""

VIEWS: dict[str, str] = {
    # Crates and repositories as landscape entities. `entity` groups the items of one watchlist
    # entry (e.g. candle = crate candle-core + repo huggingface/candle); discovered items stand
    # alone under their own name.
    "v_report_items": """
        SELECT item_id, kind, name,
               coalesce(watch_name, name) AS entity,
               coalesce(title, name) AS display_name,
               description, url, repository, language, watched, watch_name, watch_category,
               created_at, first_seen_at, first_seen_run,
               strftime(coalesce(created_at, first_seen_at), '%Y-%m') AS created_month,
               source_url, fetched_at
        FROM items
        WHERE kind IN ('crate', 'repo')
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
    # Per month, the latest run of that month and the state of each source in it, with the last
    # month the source was collected successfully (for "carried forward from").
    "v_report_run_health": """
        WITH latest AS (
            SELECT month, run_id, mode, status AS run_status, started_at, finished_at
            FROM runs
            QUALIFY row_number() OVER (PARTITION BY month ORDER BY started_at DESC) = 1
        )
        SELECT l.month, l.run_id, l.mode, l.run_status, s.source, s.status, s.items_seen,
               s.items_new, s.items_updated, s.observations, s.requests, s.not_modified,
               s.errors, s.error, s.started_at, s.finished_at, o.last_ok_month
        FROM latest l
        JOIN source_status s ON s.run_id = l.run_id
        LEFT JOIN v_source_last_ok o ON o.run_id = l.run_id AND o.source = s.source
    """,
}
