"""Projects: one entity per project across crates, repositories, papers and posts (5xx).

Written by `landscape.projects.resolve_projects` (the monthly flow, after collect); read by the
report, search and dashboard through `v_item_project` (warehouse/views_projects.py).

- `projects`: one row per project. Watched projects come from config/watchlist.toml
  (`project:<slug of the entry name>`); discovered ones from strong evidence only, e.g. crates
  sharing a repository (`project:<owner>/<name>`).
- `project_members`: which project an item belongs to — at most ONE project per item (the
  primary key), so `v_item_project` lists every item exactly once. `evidence` says which field
  or rule linked it, `evidence_url` which response (API URL) or file it was read from.
- `project_relations`: links between projects (upstream, binding_of, fork_of, successor_of).
  The related side may be an item that is in no project (its id is then its own project id).
- `project_mentions`: papers and posts that mention a project by URL (many to many; a paper
  naming one project only is also its member).
- `project_link_proposals`: merges that only weak evidence (name similarity, a link in
  release notes) suggests; they never become members without a review decision.
- `project_link_decisions`: a person's decisions on links (accept / split / upstream); the
  resolution reads them every run, so they stick. Never rewritten by resolution.

The first four and the proposals are rewritten as a whole by each resolution (one transaction).
"""

MIGRATIONS: list[tuple[str, str]] = [
    (
        "501_projects",
        """
        CREATE TABLE projects (
            project_id    VARCHAR PRIMARY KEY,    -- 'project:candle', 'project:owner/name'
            name_en       VARCHAR NOT NULL,
            name_zh       VARCHAR NOT NULL,       -- = name_en unless the watchlist gives one
            category      VARCHAR,                -- the watchlist's category (NULL: per member)
            watched       BOOLEAN NOT NULL,
            origin        VARCHAR NOT NULL,       -- 'watchlist' | 'repository' (shared repo)
            primary_crate VARCHAR,                -- item_id of the crate its downloads headline
            primary_repo  VARCHAR,                -- item_id of the repo its stars come from
            note          VARCHAR,
            resolved_run  VARCHAR,
            resolved_at   TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE project_members (
            item_id      VARCHAR PRIMARY KEY,     -- an item is in at most one project
            project_id   VARCHAR NOT NULL,
            role         VARCHAR NOT NULL,        -- primary_crate | primary_repo | sub_crate |
                                                  -- binding | paper | post | docs | member
            evidence     VARCHAR NOT NULL,        -- 'watchlist' | 'crates.io repository field' | ...
            evidence_url VARCHAR,                 -- the response (API URL) or file it came from
            confidence   DOUBLE NOT NULL,         -- 1.0 watchlist/review ... 0.6 weak
            needs_review BOOLEAN NOT NULL,        -- below the certainty threshold, not decided
            resolved_at  TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE project_relations (
            project_id         VARCHAR NOT NULL,
            related_project_id VARCHAR NOT NULL,  -- a project id, or an item id (own project)
            relation           VARCHAR NOT NULL,  -- upstream | binding_of | fork_of | successor_of
            evidence           VARCHAR NOT NULL,
            evidence_url       VARCHAR,
            confidence         DOUBLE NOT NULL,
            PRIMARY KEY (project_id, related_project_id, relation)
        );
        CREATE TABLE project_mentions (
            project_id   VARCHAR NOT NULL,
            item_id      VARCHAR NOT NULL,        -- the paper or post
            kind         VARCHAR NOT NULL,        -- 'paper' | 'post' | 'release'
            evidence     VARCHAR NOT NULL,        -- 'paper abstract URL' | 'feed entry link' | ...
            evidence_url VARCHAR,
            matched      VARCHAR,                 -- the URL found
            PRIMARY KEY (project_id, item_id)
        );
        CREATE TABLE project_link_proposals (
            item_id      VARCHAR NOT NULL,
            project_id   VARCHAR NOT NULL,
            reason       VARCHAR NOT NULL,        -- 'same name' | 'release notes link' | ...
            evidence_url VARCHAR,
            confidence   DOUBLE NOT NULL,
            PRIMARY KEY (item_id, project_id)
        );
        CREATE TABLE project_link_decisions (
            decision_id VARCHAR PRIMARY KEY,      -- uuid
            item_id     VARCHAR NOT NULL,
            project_id  VARCHAR NOT NULL,
            decision    VARCHAR NOT NULL,         -- 'accept' | 'split' | 'upstream'
            reviewer    VARCHAR,
            note        VARCHAR,
            decided_at  TIMESTAMPTZ NOT NULL
        );
        """,
    ),
]

MIGRATIONS.append(
    (
        "502_project_health",
        """
        -- One health status per project and month (landscape/project_health.py), with the
        -- signal that decided it; thresholds live in config/metrics.toml [health].
        CREATE TABLE project_health (
            project_id   VARCHAR NOT NULL,
            month        VARCHAR NOT NULL,
            status       VARCHAR NOT NULL,        -- archived | dormant | slowing | active | unknown
            signal       VARCHAR NOT NULL,        -- repo_archived | no_release_no_push |
                                                  -- downloads_falling | recent_activity | no_data
            detail       VARCHAR NOT NULL,        -- the signal in words, with its dates/figures
            evidence_url VARCHAR,                 -- the response the deciding value came from
            computed_at  TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (project_id, month)
        );
        """,
    )
)

MIGRATIONS.append(
    (
        "503_project_watchlist",
        """
        -- The watchlist the projects were last resolved from, as resolution reads it
        -- (landscape/projects.py `_watch_tables`), rewritten with the projects. A later
        -- re-resolution without a watchlist in hand (a link decision from the CLI or the
        -- dashboard) reads these, so a run with `--watchlist other.toml` is not silently
        -- re-resolved against config/watchlist.toml.
        CREATE TABLE project_watch_entries (
            project_id VARCHAR PRIMARY KEY, name_en VARCHAR, name_zh VARCHAR, category VARCHAR,
            note VARCHAR, primary_crate VARCHAR, primary_repo VARCHAR
        );
        CREATE TABLE project_watch_links (
            item_id VARCHAR, project_id VARCHAR, role VARCHAR, evidence_url VARCHAR
        );
        CREATE TABLE project_watch_upstreams (
            project_id VARCHAR, item_id VARCHAR, evidence_url VARCHAR
        );
        -- one row once a resolution stored the tables above (an empty watchlist is a watchlist)
        CREATE TABLE project_watch_source (
            path        VARCHAR,                  -- the file it was read from
            resolved_at TIMESTAMPTZ NOT NULL
        );
        """,
    )
)

MIGRATIONS.append(
    (
        "504_project_health_facts",
        """
        -- A project's health keeps the facts its signal rests on (version, dates, months,
        -- drops) as JSON instead of an English sentence: the report and the dashboard word
        -- them in the reader's language (report/health_words.py, labels health_why_*).
        -- Rows judged before this have no facts until their month is judged again.
        ALTER TABLE project_health ADD COLUMN facts JSON;
        ALTER TABLE project_health DROP COLUMN detail;
        """,
    )
)
