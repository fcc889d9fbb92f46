"""Tables holding the crates.io database dump (migrations 4xx).

The dump is a full snapshot of the registry, so the `dump_*` snapshot tables are *replaced* by
each ingest (`warehouse.dump_ingest`): a crate deleted from the registry disappears, and
re-ingesting the same dump is idempotent without a primary-key index (DuckDB's ART indexes cost
time and memory on multi-million-row loads, and the replace makes them redundant).
`dump_downloads_daily` is the exception: the dump only carries the last 90 days, so each ingest
replaces only the days it covers and older days accumulate into a history.

Ids are crates.io's numeric database ids; the link to the rest of the warehouse is
`items.item_id = 'crate:' || lower(dump_crates.name)`.
"""

MIGRATIONS: list[tuple[str, str]] = [
    (
        "401_dump_tables",
        """
        CREATE TABLE dump_meta (
            dump_id          VARCHAR PRIMARY KEY,     -- folder name of the dump, 'YYYY-MM-DD-HHMMSS'
            as_of            TIMESTAMPTZ NOT NULL,    -- metadata.json `timestamp` (UTC start of the dump)
            crates_io_commit VARCHAR,                 -- metadata.json `crates_io_commit`
            run_id           VARCHAR NOT NULL,        -- 'dump:<as_of ISO>' on the observations it wrote
            source_path      VARCHAR NOT NULL,        -- tarball or folder it was read from
            ingested_at      TIMESTAMPTZ NOT NULL,
            seconds          DOUBLE,                  -- wall time of the ingest
            counts           JSON                     -- rows per table written by this ingest
        );
        CREATE TABLE dump_crates (
            crate_id      BIGINT NOT NULL,            -- crates.id
            name          VARCHAR NOT NULL,
            description   VARCHAR,
            homepage      VARCHAR,
            documentation VARCHAR,
            repository    VARCHAR,
            created_at    TIMESTAMPTZ,
            updated_at    TIMESTAMPTZ,
            downloads     BIGINT                      -- all-time total (crate_downloads.csv, or crates.downloads in old dumps)
        );
        CREATE TABLE dump_versions (
            version_id   BIGINT NOT NULL,             -- versions.id
            crate_id     BIGINT NOT NULL,
            num          VARCHAR NOT NULL,            -- the semver string
            created_at   TIMESTAMPTZ,
            updated_at   TIMESTAMPTZ,
            downloads    BIGINT,
            yanked       BOOLEAN,
            license      VARCHAR,
            crate_size   BIGINT,
            edition      VARCHAR,                     -- NULL when the dump predates the column
            rust_version VARCHAR,
            has_lib      BOOLEAN
        );
        CREATE TABLE dump_categories (
            category_id BIGINT NOT NULL,
            category    VARCHAR NOT NULL,             -- display name, e.g. 'Machine learning'
            slug        VARCHAR NOT NULL,             -- e.g. 'science::ml'
            description VARCHAR,
            crates_cnt  BIGINT,
            created_at  TIMESTAMPTZ,
            path        VARCHAR
        );
        CREATE TABLE dump_crates_categories (
            crate_id    BIGINT NOT NULL,
            category_id BIGINT NOT NULL
        );
        CREATE TABLE dump_keywords (
            keyword_id BIGINT NOT NULL,
            keyword    VARCHAR NOT NULL,
            crates_cnt BIGINT,
            created_at TIMESTAMPTZ
        );
        CREATE TABLE dump_crates_keywords (
            crate_id   BIGINT NOT NULL,
            keyword_id BIGINT NOT NULL
        );
        -- version_downloads summed per crate per day (the per-version rows are not kept).
        CREATE TABLE dump_downloads_daily (
            crate_id  BIGINT NOT NULL,
            date      DATE NOT NULL,
            downloads BIGINT NOT NULL,
            dump_id   VARCHAR NOT NULL                -- the dump this day was last read from
        );
        """,
    ),
]
