"""Run history and what a run skipped (issue 10).

`runs` (001) holds one row per attempt: every `monthly`, `collect` and `breakthrough` attempt
gets its own run id (`<month>.<flow>-<UTC time>`), so a failed or mistyped attempt never
overwrites a completed one. Statuses: running, completed, completed_with_failures, failed,
abandoned (a `running` attempt found at the next start: its process died). The month's current
run is derived (view `v_month_run`), never stored.
"""

MIGRATIONS: list[tuple[str, str]] = [
    (
        "007_run_history",
        """
        CREATE TABLE run_errors (
            run_id VARCHAR PRIMARY KEY,           -- runs.run_id
            error  VARCHAR NOT NULL,              -- why the attempt failed or was abandoned
            pid    INTEGER                         -- process that ran it
        );
        CREATE TABLE skipped_records (
            run_id      VARCHAR NOT NULL,
            source      VARCHAR NOT NULL,         -- crates | github | arxiv | feeds
            seq         INTEGER NOT NULL,         -- order within the run and source
            record_type VARCHAR NOT NULL,         -- item | observation | release | ...
            item_id     VARCHAR,                  -- the natural id, when the record had one
            error       VARCHAR NOT NULL,         -- which field, and what was wrong with it
            raw         VARCHAR,                  -- the rejected record (truncated)
            source_url  VARCHAR,                  -- the response it came from (archived)
            fetched_at  TIMESTAMPTZ,
            PRIMARY KEY (run_id, source, seq)
        );
        """,
    ),
    (
        # A run that replayed made-up numbers (the demo snapshot) is marked, so the report and
        # the dashboard can say so wherever its figures are shown.
        "008_run_synthetic",
        """
        ALTER TABLE runs ADD COLUMN synthetic BOOLEAN DEFAULT false;
        """,
    ),
]
