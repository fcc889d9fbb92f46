"""Review/dashboard bookkeeping (3xx).

`review_inbox_applied` remembers which decisions of the dashboard's review inbox (a small
SQLite file that stays writable while a flow holds DuckDB's write lock) have been written into
`review_decisions`. It is written in the same transaction as the decision, so draining the
inbox twice — or crashing between the warehouse write and marking the inbox — never records a
decision twice.
"""

MIGRATIONS: list[tuple[str, str]] = [
    (
        "301_review_inbox_applied",
        """
        CREATE TABLE review_inbox_applied (
            inbox_uid  VARCHAR PRIMARY KEY,        -- uuid given to the decision when it was made
            item_id    VARCHAR NOT NULL,
            decision   VARCHAR NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL
        );
        """,
    ),
]

MIGRATIONS.append(
    (
        "302_dashboard_category_month",
        """
        -- Category x kind x month totals of every metric, written by the flows after a load
        -- (dashboard.rollups.refresh_dashboard_rollups): the Trends page reads these
        -- few thousand rows instead of grouping millions of observations per item.
        CREATE TABLE dashboard_category_month (
            metric       VARCHAR NOT NULL,         -- 'downloads_month' or a snapshot metric
            period       VARCHAR NOT NULL,
            category     VARCHAR NOT NULL,
            kind         VARCHAR NOT NULL,
            value        DOUBLE,
            items        BIGINT NOT NULL,
            PRIMARY KEY (metric, period, category, kind)
        );
        CREATE TABLE dashboard_rollup_state (
            name         VARCHAR PRIMARY KEY,      -- 'category_month'
            refreshed_at TIMESTAMPTZ NOT NULL,
            fingerprint  VARCHAR NOT NULL          -- what the rollup was computed from
        );
        """,
    )
)

MIGRATIONS.append(
    (
        "303_dashboard_item_rollups",
        """
        -- A number per item (dense, in item_id order), so the rollups below store and join
        -- integers rather than strings; with its kind. Rewritten with dashboard_item_month.
        CREATE TABLE dashboard_item_key (
            item_no      INTEGER NOT NULL,
            item_id      VARCHAR NOT NULL,
            kind         VARCHAR
        );
        -- Per item and month, the value of every metric ('downloads_month' summed from the
        -- daily series, a snapshot metric's latest value), stored ordered by metric, period,
        -- item_no: the Trends page's movers table reads two months of it (DuckDB's zone maps
        -- skip the other months) and its chart a few items' series, instead of aggregating
        -- millions of observations. Depends on observations and items only, so it stays
        -- usable after a review decision.
        CREATE TABLE dashboard_item_month (
            metric       VARCHAR NOT NULL,
            period       VARCHAR NOT NULL,
            item_no      INTEGER NOT NULL,
            value        DOUBLE
        );
        -- The current category of every item, as the dashboard's live query computes it
        -- (review > watchlist > machine, else 'unclassified'); refreshed with
        -- dashboard_category_month and fresh under the same fingerprint.
        CREATE TABLE dashboard_item_category (
            item_no      INTEGER NOT NULL,
            category     VARCHAR NOT NULL
        );
        """,
    )
)

MIGRATIONS.append(
    (
        "304_dashboard_project_rollups",
        """
        -- Every project with a crate or repository (dashboard.project_figures), numbered so
        -- the monthly figures below join on integers: its names, category (the watchlist's,
        -- else its leading member's), member count, description and link (its leading
        -- member's), latest release, and what the health rule reads (archived, last
        -- activity). Refreshed with the other dashboard rollups at the end of a run.
        CREATE TABLE dashboard_project (
            project_no    INTEGER NOT NULL,
            project_id    VARCHAR NOT NULL,
            name_en       VARCHAR,
            name_zh       VARCHAR,
            category      VARCHAR NOT NULL,
            members       INTEGER NOT NULL,
            kinds         VARCHAR[],               -- the kinds of its members
            description   VARCHAR,
            url           VARCHAR,
            last_release  TIMESTAMPTZ,
            archived      BOOLEAN,
            last_activity TIMESTAMPTZ
        );
        -- Per project, metric and month: downloads summed over its crates, a snapshot metric
        -- (stars) of its primary (else most starred) repository; ordered by metric, period,
        -- project_no so a page reads one month of it.
        CREATE TABLE dashboard_project_month (
            metric        VARCHAR NOT NULL,
            period        VARCHAR NOT NULL,
            project_no    INTEGER NOT NULL,
            value         DOUBLE
        );
        """,
    )
)

MIGRATIONS.append(
    (
        "305_dashboard_members",
        """
        -- Every item's project and role (v_item_project) with its category decision
        -- (v_item_category: category, confidence, who decided; NULL when none), stored
        -- ordered by project_key, an integer hash of project_id (DuckDB's zone maps keep
        -- only a short prefix of a string, which every 'project:' and 'crate:' id shares):
        -- the project page reads one project's members from it instead of computing
        -- v_item_category for every item. The decision's neighbours
        -- (about 1 KB of JSON an item) are not copied; the page reads them for one item.
        -- Refreshed with dashboard_item_category and fresh under the same fingerprint.
        CREATE TABLE dashboard_member (
            project_key   UBIGINT NOT NULL,        -- hash(project_id)
            project_id    VARCHAR NOT NULL,
            item_no       INTEGER NOT NULL,        -- dashboard_item_key
            role          VARCHAR NOT NULL,        -- v_item_project's ('self': its own project)
            category      VARCHAR,
            confidence    DOUBLE,
            decided_by    VARCHAR
        );
        """,
    )
)

MIGRATIONS.append(
    (
        "306_dashboard_project_push_unknown",
        """
        -- Whether a project's pushes are not all known (a repository member without a push
        -- date, or no repository at all): the health fallback then says unknown where its last
        -- known push is old, as landscape/project_health.py does, not dormant.
        ALTER TABLE dashboard_project ADD COLUMN push_unknown BOOLEAN;
        """,
    )
)
