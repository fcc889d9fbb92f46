"""Ingest the crates.io database dump (`db-dump.tar.gz` or its extracted folder) into the warehouse.

DuckDB reads the dump's CSVs straight from disk, by header name with explicit types (never by
position: the export adds and drops columns over time, ../shared/API-NOTES.md §1.4), into the
`dump_*` tables (`warehouse/schema_dump.py`). From those it upserts every registry crate into
`items` and writes `downloads_total` / `downloads_daily` observations, so discovery and
statistics cover the whole registry. All of it is set-based SQL inside one transaction; no row
ever passes through Python.

Memory stays bounded: the tarball is stream-extracted member by member (gzip is not seekable)
into a scratch folder next to the warehouse, and DuckDB runs with a `memory_limit` and a
`temp_directory` so large joins and aggregates spill to disk instead of growing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from core import settings
from core.months import is_month
from warehouse.dump_files import (
    DISCOVERED_VIA,
    DUMP_URL,
    OPTIONAL_FILES,
    SPECS,
    DumpError,
    DumpInfo,
    column_sql,
    csv_source,
    open_dump,
    sql_str,
)
from warehouse.transaction import transaction

log = logging.getLogger(__name__)

# ----------------------------------------------------------------------------------- ingest


@contextlib.contextmanager
def _bounded_settings(
    con: duckdb.DuckDBPyConnection, memory_limit: str, temp_dir: Path
) -> Iterator[None]:
    """Run with a memory cap, spilling to `temp_dir`, in UTC; restore the settings after."""
    wanted = {
        "memory_limit": memory_limit,
        "temp_directory": temp_dir.as_posix(),
        "preserve_insertion_order": "false",  # lets big inserts stream without buffering order
        "TimeZone": "UTC",  # the dump's zone-less timestamps are UTC
        "enable_progress_bar": "false",  # the CLI prints its own summary
    }
    saved = {k: con.execute("SELECT current_setting(?)", [k]).fetchone()[0] for k in wanted}
    temp_dir.mkdir(parents=True, exist_ok=True)
    for key, value in wanted.items():
        con.execute(f"SET {key} = {sql_str(str(value))}")
    try:
        yield
    finally:
        for key, value in saved.items():
            with contextlib.suppress(duckdb.Error):
                con.execute(f"SET {key} = {sql_str(str(value))}")


# Wall time per statement of the ingest in progress; returned in its summary (benchmarks).
_steps: dict[str, float] = {}


def _count(
    con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None, label: str = ""
) -> int:
    """Execute one statement; return the rows it wrote (0 for DDL) and record its wall time."""
    started = time.monotonic()
    row = con.execute(sql, params or []).fetchone()
    noise = {"OR", "REPLACE", "TEMP", "INTO", "FROM", "TABLE"}
    words = [w for w in sql.split()[:6] if w.upper() not in noise]
    key = label or " ".join(words[:2])
    _steps[key] = _steps.get(key, 0.0) + time.monotonic() - started
    return int(row[0]) if row and isinstance(row[0], int) else 0


Sources = dict[str, tuple[str, set[str]]]  # CSV name -> (DuckDB read_csv SQL, its columns)


def _sources(info: DumpInfo) -> Sources:
    """The read_csv source of every CSV the ingest uses; DumpError when a required one lacks."""
    data = info.root / "data"
    src: Sources = {}
    for name, spec in SPECS.items():
        path = data / f"{name}.csv"
        if not path.is_file():
            if name in OPTIONAL_FILES:
                continue
            raise DumpError(f"data/{name}.csv: file missing from the dump at {info.root}")
        src[name] = csv_source(path, spec)
    if "crate_downloads" not in src and "downloads" not in src["crates"][1]:
        raise DumpError("data/crate_downloads.csv missing and crates.csv has no column 'downloads'")
    return src


def _load_dump_tables(con: duckdb.DuckDBPyConnection, info: DumpInfo) -> dict[str, int]:
    """Replace the `dump_*` snapshot tables from the CSVs; add this dump's days of downloads."""
    src = _sources(info)
    counts = _load_snapshot_tables(con, src)
    counts["dump_downloads_daily"] = _load_daily_downloads(con, src, info.dump_id)
    return counts


# Dump CSVs copied column for column into `dump_<name>` (in the table's column order).
_COPIED = {
    "versions": ["id", "crate_id", "num", "created_at", "updated_at", "downloads", "yanked",
                 "license", "crate_size", "edition", "rust_version", "has_lib"],
    "categories": ["id", "category", "slug", "description", "crates_cnt", "created_at", "path"],
    "keywords": ["id", "keyword", "crates_cnt", "created_at"],
}


def _columns(src: Sources, name: str, columns: list[str]) -> str:
    """The SELECT list of dump CSV `name`: required columns as they are, optional ones through
    `column_sql` (a typed NULL when this dump version lacks them)."""
    spec, present = SPECS[name], src[name][1]
    return ", ".join(f'"{c}"' if c in spec.required else column_sql(c, spec, present)
                     for c in columns)


def _load_snapshot_tables(con: duckdb.DuckDBPyConnection, src: Sources) -> dict[str, int]:
    """Replace crates, versions, categories, keywords and their links (one statement each)."""
    counts: dict[str, int] = {}
    if "crate_downloads" in src:
        downloads_join = f"LEFT JOIN {src['crate_downloads'][0]} d ON d.crate_id = c.id"
        downloads = "d.downloads"
    else:
        downloads_join, downloads = "", "c.downloads"
    for table in ("dump_crates", "dump_versions", "dump_categories", "dump_crates_categories",
                  "dump_keywords", "dump_crates_keywords"):
        con.execute(f"DELETE FROM {table}")
    crates = _columns(src, "crates", ["id", "name", "description", "homepage", "documentation",
                                       "repository", "created_at", "updated_at", "downloads"])
    counts["dump_crates"] = _count(con, f"""
        INSERT INTO dump_crates
        SELECT c.id, c.name, c.description, c.homepage, c.documentation, c.repository,
               c.created_at, c.updated_at, {downloads}
        FROM (SELECT {crates} FROM {src["crates"][0]}) c {downloads_join}""")
    for name, columns in _COPIED.items():
        counts[f"dump_{name}"] = _count(
            con, f"INSERT INTO dump_{name} SELECT {_columns(src, name, columns)}"
                 f" FROM {src[name][0]}")
    # DISTINCT: the source tables have (crate, category/keyword) primary keys; keep that true.
    counts["dump_crates_categories"] = _count(con, f"""
        INSERT INTO dump_crates_categories
        SELECT DISTINCT "crate_id", "category_id" FROM {src['crates_categories'][0]}""")
    counts["dump_crates_keywords"] = _count(con, f"""
        INSERT INTO dump_crates_keywords
        SELECT DISTINCT "crate_id", "keyword_id" FROM {src['crates_keywords'][0]}""")
    return counts


def _load_daily_downloads(con: duckdb.DuckDBPyConnection, src: Sources, dump_id: str) -> int:
    """Per crate per day from version_downloads; returns the rows written."""
    # version_downloads -> per crate per day. The dump holds a rolling 90-day window, so only
    # the days this dump covers are replaced; earlier days from earlier dumps are kept.
    _count(con, f"""
        CREATE OR REPLACE TEMP TABLE _dump_daily AS
        SELECT v.crate_id, vd.date, sum(vd.downloads)::BIGINT AS downloads
        FROM {src['version_downloads'][0]} vd
        JOIN dump_versions v ON v.version_id = vd.version_id
        GROUP BY v.crate_id, vd.date""")
    _count(con, """
        DELETE FROM dump_downloads_daily
        WHERE date BETWEEN (SELECT min(date) FROM _dump_daily)
                       AND (SELECT max(date) FROM _dump_daily)""")
    return _count(con, "INSERT INTO dump_downloads_daily SELECT *, ? FROM _dump_daily",
                  [dump_id])


# A dump-discovered item takes a newer dump's values; an item another source found (watchlist,
# API discovery) keeps its richer fields and only has its blanks filled.
_DUMP_OWNS = "(items.discovered_via = 'crates:dump' AND s.fetched_at >= items.fetched_at)"
_SCALAR_FIELDS = ["title", "description", "url", "homepage", "repository", "license",
                  "created_at", "updated_at", "last_seen_run", "last_seen_at", "source_url",
                  "fetched_at", "first_seen_run", "first_seen_at"]
_LIST_FIELDS = ["keywords", "categories"]
_ITEM_COLUMNS = ["item_id", "kind", "name", *_SCALAR_FIELDS, *_LIST_FIELDS, "source",
                 "discovered_via"]


def _merged(field_name: str) -> str:
    """The value an existing item gets for one field (see the rule above)."""
    if field_name.startswith("first_seen"):
        return f"coalesce(items.{field_name}, s.{field_name})"
    return (f"CASE WHEN {_DUMP_OWNS} THEN s.{field_name} "
            f"ELSE coalesce(items.{field_name}, s.{field_name}) END")


def _upsert_items(con: duckdb.DuckDBPyConnection, info: DumpInfo) -> dict[str, int]:
    """Every registry crate becomes (or enriches) an `items` row `crate:<name>`.

    Not one `INSERT … ON CONFLICT DO UPDATE`: DuckDB 2.0 rewrites an update of a LIST column
    on an indexed table as delete + insert, which costs ~10 min for 200k rows. So: insert the
    new crates, update the scalar fields in place, and touch the list fields only where they
    actually change (rare between dumps). Each step is one set-based statement.
    """
    _count(con, f"""
        CREATE OR REPLACE TEMP TABLE _dump_items AS
        WITH kw AS (
            SELECT ck.crate_id, list(k.keyword ORDER BY k.keyword) AS keywords
            FROM dump_crates_keywords ck JOIN dump_keywords k USING (keyword_id)
            GROUP BY ck.crate_id),
        cat AS (
            SELECT cc.crate_id, list(g.slug ORDER BY g.slug) AS categories
            FROM dump_crates_categories cc JOIN dump_categories g USING (category_id)
            GROUP BY cc.crate_id),
        lic AS (  -- licence of the newest version that is not yanked (else of the newest)
            SELECT crate_id,
                   coalesce(arg_max(license, created_at) FILTER (WHERE NOT yanked),
                            arg_max(license, created_at)) AS license
            FROM dump_versions GROUP BY crate_id)
        SELECT 'crate:' || lower(c.name) AS item_id, 'crate' AS kind, c.name, c.name AS title,
               c.description, 'https://crates.io/crates/' || c.name AS url, c.homepage,
               c.repository, lic.license, c.created_at, c.updated_at,
               $run AS last_seen_run, $as_of AS last_seen_at, $url AS source_url,
               $as_of AS fetched_at, $run AS first_seen_run, $as_of AS first_seen_at,
               kw.keywords, cat.categories, 'crates' AS source,
               '{DISCOVERED_VIA}' AS discovered_via
        FROM dump_crates c
        LEFT JOIN kw USING (crate_id) LEFT JOIN cat USING (crate_id) LEFT JOIN lic USING (crate_id)
        """, {"run": info.run_id, "as_of": info.as_of, "url": DUMP_URL})
    cols = ", ".join(_ITEM_COLUMNS)
    inserted = _count(con, f"""
        INSERT INTO items ({cols}) SELECT {cols} FROM _dump_items s
        WHERE NOT EXISTS (SELECT 1 FROM items WHERE items.item_id = s.item_id)""")
    # Lists first: the scalar update below moves `fetched_at`, which the ownership rule reads.
    lists = ", ".join(f"{f} = {_merged(f)}" for f in _LIST_FIELDS)
    lists_changed = " OR ".join(f"items.{f} IS DISTINCT FROM {_merged(f)}" for f in _LIST_FIELDS)
    relisted = _count(con, f"""
        UPDATE items SET {lists} FROM _dump_items s
        WHERE items.item_id = s.item_id AND ({lists_changed})""", label="UPDATE items (lists)")
    scalars = ", ".join(f"{f} = {_merged(f)}" for f in _SCALAR_FIELDS)
    changed = " OR ".join(f"items.{f} IS DISTINCT FROM {_merged(f)}" for f in _SCALAR_FIELDS)
    updated = _count(con, f"""
        UPDATE items SET {scalars} FROM _dump_items s
        WHERE items.item_id = s.item_id AND ({changed})""")
    con.execute("DROP TABLE _dump_items")
    return {"items_new": inserted, "items_updated": updated, "items_lists_changed": relisted}


_OBS_COLUMNS = "item_id, metric, observed_at, period, value, run_id, source_url, fetched_at"


def _upsert_observations(
    con: duckdb.DuckDBPyConnection, select: str, params: dict, metric: str
) -> int:
    """Upsert the observation rows `select` yields; return how many were inserted or changed.

    A later fetch of the same figure replaces it only when the value changed, so re-ingesting
    a dump rewrites nothing and a day's count keeps the provenance of the dump that first had
    it. Done as an anti-join INSERT plus an UPDATE of the changed rows rather than
    `ON CONFLICT DO UPDATE`, which DuckDB 2.0 runs about 2x slower on 2M rows (it probes the
    primary-key index row by row; the anti-join is one hash join).
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE _dump_obs AS {select}", params)
    inserted = _count(con, f"""
        INSERT INTO observations ({_OBS_COLUMNS})
        SELECT {_OBS_COLUMNS} FROM _dump_obs s
        WHERE NOT EXISTS (SELECT 1 FROM observations o WHERE o.item_id = s.item_id
                          AND o.metric = s.metric AND o.observed_at = s.observed_at)""",
        label=f"INSERT observations ({metric})")
    changed = _count(con, """
        UPDATE observations o SET value = s.value, period = s.period, run_id = s.run_id,
               source_url = s.source_url, fetched_at = s.fetched_at
        FROM _dump_obs s
        WHERE o.item_id = s.item_id AND o.metric = s.metric AND o.observed_at = s.observed_at
          AND s.fetched_at >= o.fetched_at AND s.value IS DISTINCT FROM o.value""",
        label=f"UPDATE observations ({metric})")
    con.execute("DROP TABLE _dump_obs")
    return inserted + changed


def _write_observations(
    con: duckdb.DuckDBPyConnection, info: DumpInfo, period: str
) -> dict[str, int]:
    """`downloads_total` per crate at the dump time, `downloads_daily` per crate per day."""
    params = {"run": info.run_id, "as_of": info.as_of, "url": DUMP_URL}
    total = _upsert_observations(con, f"""
        SELECT * FROM (
            SELECT 'crate:' || lower(name), 'downloads_total', $as_of::TIMESTAMPTZ, $period,
                   downloads::DOUBLE, $run, $url, $as_of::TIMESTAMPTZ
            FROM dump_crates WHERE downloads IS NOT NULL) t({_OBS_COLUMNS})""",
        params | {"period": period}, "downloads_total")
    # Only days complete when the dump started: the dump's own day is still being counted.
    daily = _upsert_observations(con, f"""
        SELECT * FROM (
            SELECT 'crate:' || lower(c.name), 'downloads_daily', d.date::TIMESTAMPTZ,
                   strftime(d.date, '%Y-%m'), d.downloads::DOUBLE, $run, $url,
                   $as_of::TIMESTAMPTZ
            FROM _dump_daily d JOIN dump_crates c USING (crate_id)
            WHERE d.date < $as_of::DATE) t({_OBS_COLUMNS})""", params, "downloads_daily")
    return {"observations_downloads_total": total, "observations_downloads_daily": daily}


def _beside_warehouse(con: duckdb.DuckDBPyConnection) -> Path:
    """The warehouse file's folder: same disk as the data it produces (/tmp may be a small
    tmpfs); the system temp folder for an in-memory database."""
    db_file = con.execute("SELECT path FROM duckdb_databases()"
                          " WHERE database_name = current_database()").fetchone()
    return Path(db_file[0]).parent if db_file and db_file[0] else Path(tempfile.gettempdir())


def _refuse_older(con: duckdb.DuckDBPyConnection, info: DumpInfo) -> None:
    newest = con.execute("SELECT max(as_of) FROM dump_meta").fetchone()[0]
    if newest is not None and newest > info.as_of:
        raise DumpError(
            f"dump {info.dump_id} is older than the newest ingested "
            f"({newest:%Y-%m-%d-%H%M%S}); "
            "it would replace newer registry data (use --allow-older to force)"
        )


def _record_dump(con: duckdb.DuckDBPyConnection, info: DumpInfo, path: Path, seconds: float,
                 counts: dict[str, int]) -> None:
    """The `dump_meta` row of an ingest (a dump ingested again replaces its row)."""
    con.execute(
        """INSERT INTO dump_meta VALUES (?, ?, ?, ?, ?, now(), ?, ?)
           ON CONFLICT (dump_id) DO UPDATE SET run_id = excluded.run_id,
               source_path = excluded.source_path, ingested_at = excluded.ingested_at,
               seconds = excluded.seconds, counts = excluded.counts""",
        [info.dump_id, info.as_of, info.crates_io_commit, info.run_id,
         str(path.resolve()), seconds, json.dumps(counts)],
    )


def ingest_dump(
    con: duckdb.DuckDBPyConnection,
    path: Path | str,
    *,
    month: str | None = None,
    memory_limit: str | None = None,
    scratch_dir: Path | None = None,
    allow_older: bool = False,
) -> dict[str, object]:
    """Ingest one crates.io dump into the (migrated) warehouse open on `con`.

    Args:
        con: a writable warehouse connection (`warehouse.db.connect()`).
        path: `db-dump.tar.gz`, the extracted `YYYY-MM-DD-HHMMSS/` folder, or its parent.
        month: 'YYYY-MM' period for the `downloads_total` snapshot (default: the dump's month).
        memory_limit: DuckDB memory cap for the ingest, e.g. '2GB' (default
            `$PANORAMA_DUMP_MEMORY_LIMIT` or 2GB).
        scratch_dir: where the tarball is extracted and DuckDB spills (default: next to the
            warehouse file).
        allow_older: accept a dump older than the newest one already ingested.

    Returns:
        A summary: dump_id, run_id, as_of, seconds and rows written per table.

    Raises:
        DumpError: missing file/column, bad metadata, or an older dump without `allow_older`.
    """
    if month is not None and not is_month(month):
        raise DumpError(f"--month must be YYYY-MM, got {month!r}")
    scratch_dir = scratch_dir or _beside_warehouse(con)
    started = time.monotonic()
    with open_dump(Path(path), scratch_dir) as info:
        if not allow_older:
            _refuse_older(con, info)
        period = month or info.as_of.strftime("%Y-%m")
        limit = memory_limit or settings.dump_memory_limit()
        with _bounded_settings(con, limit, scratch_dir / ".duckdb-tmp"):
            _steps.clear()
            with transaction(con):
                counts = _load_dump_tables(con, info)
                counts.update(_upsert_items(con, info))
                counts.update(_write_observations(con, info, period))
                seconds = round(time.monotonic() - started, 3)
                _record_dump(con, info, Path(path), seconds, counts)
                con.execute("DROP TABLE IF EXISTS _dump_daily")
    log.info("ingested dump %s in %.1f s: %s", info.dump_id, seconds, counts)
    return {"dump_id": info.dump_id, "run_id": info.run_id, "as_of": info.as_of.isoformat(),
            "period": period, "seconds": seconds, "counts": counts,
            "steps": {k: round(v, 3) for k, v in _steps.items()}}
