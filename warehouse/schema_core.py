"""Core tables: runs, per-source status, items, observations, releases, papers, posts, links,
raw-response archive index, HTTP validators and cursors.

Natural ids: `crate:<name>`, `repo:<owner>/<name>` (lower-case), `paper:<arxiv id without
version>`, `post:<sha1(feed url, entry id)[:16]>`, `release:crate:<name>@<version>`,
`release:repo:<owner>/<name>@<tag>`.
"""

MIGRATIONS: list[tuple[str, str]] = [
    (
        "001_runs",
        """
        CREATE TABLE runs (
            run_id      VARCHAR PRIMARY KEY,      -- e.g. '2025-11' or '2025-11.r2' for reruns
            month       VARCHAR NOT NULL,          -- the period the run reports on, 'YYYY-MM'
            flow        VARCHAR NOT NULL,          -- 'monthly', 'collect', 'breakthrough', ...
            mode        VARCHAR NOT NULL,          -- 'live' | 'replay'
            replay_dir  VARCHAR,
            started_at  TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ,
            status      VARCHAR NOT NULL,          -- 'running' | 'completed' | 'completed_with_failures' | 'failed'
            note        VARCHAR
        );
        CREATE TABLE source_status (
            run_id        VARCHAR NOT NULL,
            source        VARCHAR NOT NULL,        -- 'crates' | 'github' | 'arxiv' | 'feeds'
            status        VARCHAR NOT NULL,        -- 'ok' | 'partial' | 'failed' | 'unchanged'
            items_seen    INTEGER,                 -- NULL when the source failed: unknown, not zero
            items_new     INTEGER,
            items_updated INTEGER,
            observations  INTEGER,
            requests      INTEGER,
            not_modified  INTEGER,
            errors        INTEGER,
            error         VARCHAR,                 -- first error message(s), never a token
            started_at    TIMESTAMPTZ,
            finished_at   TIMESTAMPTZ,
            PRIMARY KEY (run_id, source)
        );
        """,
    ),
    (
        "002_items",
        """
        CREATE TABLE items (
            item_id        VARCHAR PRIMARY KEY,
            kind           VARCHAR NOT NULL,       -- 'crate' | 'repo' | 'paper' | 'post'
            name           VARCHAR NOT NULL,       -- crate name, owner/name, arXiv id, post title
            title          VARCHAR,                -- display title (paper/post title, repo full name)
            description    VARCHAR,                -- crate/repo description, paper abstract, post summary
            url            VARCHAR,                -- canonical human URL of the item
            homepage       VARCHAR,
            repository     VARCHAR,
            keywords       VARCHAR[],              -- crate keywords, repo topics, arXiv categories
            categories     VARCHAR[],              -- crates.io categories
            language       VARCHAR,
            license        VARCHAR,
            created_at     TIMESTAMPTZ,            -- at the source (crate created, repo created, paper v1)
            updated_at     TIMESTAMPTZ,            -- at the source
            archived       BOOLEAN,
            watched        BOOLEAN DEFAULT FALSE,  -- on the watchlist
            watch_name     VARCHAR,                -- the watchlist entry (landscape item) it belongs to
            watch_category VARCHAR,                -- the watchlist's taxonomy category, if given
            source         VARCHAR NOT NULL,       -- connector that found it
            discovered_via VARCHAR,                -- 'watchlist' | 'crates:category:science::ml' | 'arxiv:query:...' | 'feed:...'
            first_seen_run VARCHAR,
            first_seen_at  TIMESTAMPTZ,
            last_seen_run  VARCHAR,
            last_seen_at   TIMESTAMPTZ,
            source_url     VARCHAR,                -- API URL the current fields came from
            fetched_at     TIMESTAMPTZ
        );
        """,
    ),
    (
        "003_observations",
        """
        CREATE TABLE observations (
            item_id     VARCHAR NOT NULL,
            metric      VARCHAR NOT NULL,          -- see config/metrics.toml
            observed_at TIMESTAMPTZ NOT NULL,      -- the instant (or day) the value describes
            period      VARCHAR NOT NULL,          -- 'YYYY-MM' the value counts towards
            value       DOUBLE NOT NULL,
            run_id      VARCHAR NOT NULL,
            source_url  VARCHAR NOT NULL,
            fetched_at  TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (item_id, metric, observed_at)
        );
        """,
    ),
    (
        "004_releases_papers_posts_links",
        """
        CREATE TABLE releases (
            release_id   VARCHAR PRIMARY KEY,
            item_id      VARCHAR NOT NULL,
            version      VARCHAR NOT NULL,         -- crate version or git tag
            name         VARCHAR,
            published_at TIMESTAMPTZ,
            prerelease   BOOLEAN,
            yanked       BOOLEAN,
            url          VARCHAR,
            notes        VARCHAR,                  -- release notes (plain text, truncated)
            source       VARCHAR NOT NULL,
            source_url   VARCHAR NOT NULL,
            fetched_at   TIMESTAMPTZ NOT NULL,
            run_id       VARCHAR NOT NULL
        );
        CREATE TABLE papers (
            paper_id         VARCHAR PRIMARY KEY,  -- 'paper:2501.01234'
            arxiv_id         VARCHAR NOT NULL,     -- without version
            latest_version   INTEGER NOT NULL,
            title            VARCHAR NOT NULL,
            abstract         VARCHAR,
            authors          VARCHAR[],
            primary_category VARCHAR,
            categories       VARCHAR[],
            published_at     TIMESTAMPTZ,          -- v1
            updated_at       TIMESTAMPTZ,          -- latest version
            abs_url          VARCHAR,
            pdf_url          VARCHAR,
            doi              VARCHAR,
            journal_ref      VARCHAR,
            comment          VARCHAR,
            matched_queries  VARCHAR[],
            source_url       VARCHAR NOT NULL,
            fetched_at       TIMESTAMPTZ NOT NULL,
            run_id           VARCHAR NOT NULL
        );
        CREATE TABLE posts (
            post_id      VARCHAR PRIMARY KEY,      -- 'post:<sha1(feed_url, entry id or link)[:16]>'
            feed_url     VARCHAR NOT NULL,
            feed_title   VARCHAR,
            entry_id     VARCHAR,
            title        VARCHAR,
            link         VARCHAR,
            author       VARCHAR,
            published_at TIMESTAMPTZ,
            summary      VARCHAR,                  -- plain text, truncated
            release_of   VARCHAR,                  -- item_id when the feed is a releases.atom
            source_url   VARCHAR NOT NULL,
            fetched_at   TIMESTAMPTZ NOT NULL,
            run_id       VARCHAR NOT NULL
        );
        CREATE TABLE item_links (
            from_id VARCHAR NOT NULL,              -- 'crate:...'
            to_id   VARCHAR NOT NULL,              -- 'repo:...'
            relation VARCHAR NOT NULL,             -- 'repository'
            source  VARCHAR NOT NULL,              -- 'crates.io repository field' | 'watchlist'
            PRIMARY KEY (from_id, to_id, relation)
        );
        """,
    ),
    (
        "005_raw_http_state",
        """
        CREATE TABLE raw_responses (
            run_id       VARCHAR NOT NULL,
            method       VARCHAR NOT NULL,
            url          VARCHAR NOT NULL,
            status       INTEGER NOT NULL,
            fetched_at   TIMESTAMPTZ NOT NULL,
            body_sha256  VARCHAR,
            bytes        BIGINT,
            archive_path VARCHAR,                  -- recorded exchange file, relative to data dir
            PRIMARY KEY (run_id, method, url)
        );
        CREATE TABLE http_validators (
            url           VARCHAR PRIMARY KEY,
            etag          VARCHAR,
            last_modified VARCHAR,
            status        INTEGER,
            fetched_at    TIMESTAMPTZ
        );
        CREATE TABLE cursors (
            source     VARCHAR NOT NULL,
            key        VARCHAR NOT NULL,
            value      VARCHAR NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (source, key)
        );
        """,
    ),
    (
        "006_breakthroughs",
        """
        CREATE TABLE breakthroughs (
            item_id     VARCHAR NOT NULL,
            month       VARCHAR NOT NULL,          -- the draft it was added to
            kind        VARCHAR NOT NULL,          -- 'major_release' | 'close_paper'
            title       VARCHAR,
            detail      VARCHAR,                   -- version, or the landscape item it is close to
            url         VARCHAR,
            score       DOUBLE,                    -- similarity for papers
            detected_at TIMESTAMPTZ NOT NULL,
            run_id      VARCHAR NOT NULL,
            PRIMARY KEY (item_id, kind, month)
        );
        """,
    ),
]
