"""Report bookkeeping: draft revisions, publications, and the frozen membership of each
published month (what the month-to-month diff compares).

A published month is immutable: `report_revisions` rows of a month never change status from
'published', and a rerun after publication adds a new 'draft' revision instead of replacing it.
"""

MIGRATIONS: list[tuple[str, str]] = [
    (
        "201_report_revisions",
        """
        CREATE TABLE report_revisions (
            month          VARCHAR NOT NULL,       -- 'YYYY-MM'
            revision       INTEGER NOT NULL,       -- 1, 2, ... per month
            status         VARCHAR NOT NULL,       -- 'draft' | 'published'
            content_sha256 VARCHAR NOT NULL,       -- of the rendered zh + en Markdown and sources.csv
            path           VARCHAR NOT NULL,       -- folder of this revision, relative to reports dir
            run_id         VARCHAR,                -- the collection run the figures come from
            data_as_of     TIMESTAMPTZ,            -- newest fetch time behind any figure
            created_at     TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (month, revision)
        );
        CREATE TABLE publications (
            month        VARCHAR PRIMARY KEY,      -- one publication per month, never replaced
            revision     INTEGER NOT NULL,
            reviewer     VARCHAR NOT NULL,
            published_at TIMESTAMPTZ NOT NULL,
            content_sha256 VARCHAR NOT NULL
        );
        CREATE TABLE report_published_items (
            month     VARCHAR NOT NULL,            -- the published month
            entity    VARCHAR NOT NULL,            -- landscape entry (watch name) or item name
            item_id   VARCHAR NOT NULL,            -- the item behind the entry's figures
            category  VARCHAR NOT NULL,
            rank      INTEGER,                     -- within its category in that month
            score     DOUBLE,                      -- the figure that ranked it
            PRIMARY KEY (month, entity)
        );
        """,
    ),
]

MIGRATIONS.append(
    (
        "202_report_publication_events",
        """
        -- Every publication of a month, the first one and each correction that superseded it.
        -- `publications` keeps one row per month: the revision readers see now (a correction
        -- updates it); this table keeps the history, the feed and the errata are built from it.
        CREATE TABLE report_publication_events (
            month          VARCHAR NOT NULL,       -- 'YYYY-MM'
            revision       INTEGER NOT NULL,       -- the revision this event made public
            kind           VARCHAR NOT NULL,       -- 'publish' (first) | 'correction'
            reviewer       VARCHAR NOT NULL,
            published_at   TIMESTAMPTZ NOT NULL,
            content_sha256 VARCHAR NOT NULL,       -- of the revision's rendered files
            supersedes     INTEGER,                -- the revision a correction replaced
            reason         VARCHAR,                -- why the correction was published
            accept_reason  VARCHAR,                -- why open blockers were accepted
            accepted_open  JSON,                   -- the blockers accepted: [{kind, count, examples}]
            demo           BOOLEAN NOT NULL DEFAULT FALSE, -- published by `panorama demo`, not a person
            PRIMARY KEY (month, revision)
        );
        INSERT INTO report_publication_events (month, revision, kind, reviewer, published_at,
                                               content_sha256)
        SELECT month, revision, 'publish', reviewer, published_at, content_sha256
        FROM publications;
        """,
    )
)
