"""Generate a synthetic crates.io database dump with the real schema, at any scale.

The layout mirrors `https://static.crates.io/db-dump.tar.gz` (see ../shared/API-NOTES.md §1.4 and
../shared/fixtures/real/cratesio/dump-db.toml): a top folder `YYYY-MM-DD-HHMMSS/` holding
`metadata.json`, `README.md`, `schema.sql`, `import.sql`, `export.sql` and `data/*.csv`, each CSV
with a header row whose columns are the table's *public* columns in the order the export writes
them (alphabetical). Values follow the Postgres CSV conventions of the real dump: booleans as
`t`/`f`, NULL as an empty field, timestamps without zone (UTC), arrays as `{a,b}`.

Every CSV is written by DuckDB `COPY (SELECT … FROM range(n)) TO …`, so the real-scale dump
(200k crates, 2M versions, 20M version_downloads rows) takes seconds rather than Python loops.

Usage:
    python scripts/make_synthetic_dump.py --crates 200000 --versions-per-crate 10 --days 10 \
        --out bench/out/dump [--tar]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

# Public columns per table, in the header order of the real export (API-NOTES §1.4 table).
COLUMNS: dict[str, list[str]] = {
    "categories": ["category", "crates_cnt", "created_at", "description", "id", "path", "slug"],
    "crate_downloads": ["crate_id", "downloads"],
    "crates": [
        "created_at", "description", "documentation", "homepage", "id", "max_features",
        "max_upload_size", "name", "readme", "repository", "trustpub_only", "updated_at",
    ],
    "crates_categories": ["category_id", "crate_id"],
    "crates_keywords": ["crate_id", "keyword_id"],
    "default_versions": ["crate_id", "num_versions", "version_id"],
    "keywords": ["crates_cnt", "created_at", "id", "keyword"],
    "metadata": ["total_downloads"],
    "versions": [
        "bin_names", "categories", "crate_id", "crate_size", "created_at", "description",
        "documentation", "downloads", "edition", "features", "has_lib", "homepage", "id",
        "keywords", "license", "links", "num", "num_no_build", "published_by", "repository",
        "rust_version", "tar_sha256", "updated_at", "yanked", "zip_json_sha256", "zip_sha256",
    ],
    "version_downloads": ["date", "downloads", "version_id"],
}

N_CATEGORIES = 104  # the real registry has 104 category slugs (API-NOTES §1.4)
LICENSES = ["MIT OR Apache-2.0", "MIT", "Apache-2.0", "BSD-3-Clause", "MPL-2.0", "GPL-3.0"]
TS_FMT = "%Y-%m-%d %H:%M:%S.%f"  # how Postgres writes `timestamp without time zone`


@dataclass(frozen=True)
class DumpSpec:
    """Shape of the synthetic dump."""

    crates: int
    versions_per_crate: int
    days: int
    as_of: datetime

    @property
    def keywords(self) -> int:
        # Roughly the real ratio (~1 keyword per 4 crates), at least a handful for tiny dumps.
        return max(8, self.crates // 4)

    @property
    def folder_name(self) -> str:
        return self.as_of.strftime("%Y-%m-%d-%H%M%S")


def _selects(spec: DumpSpec) -> dict[str, str]:
    """One `SELECT` per CSV, columns in header order. `hash()` gives deterministic variety."""
    n, k, d = spec.crates, spec.versions_per_crate, spec.days
    as_of = spec.as_of.strftime(TS_FMT)
    day0 = (spec.as_of.date() - timedelta(days=d)).isoformat()  # `d` complete days before as_of
    lic = "[" + ",".join(f"'{x}'" for x in LICENSES) + "]"

    def ts(seconds_before: str) -> str:
        """A Postgres-style timestamp text `seconds_before` seconds before the dump."""
        return (f"strftime(TIMESTAMP '{as_of}' - to_seconds(({seconds_before})::BIGINT), "
                "'%Y-%m-%d %H:%M:%S.%f')")

    return {
        "categories": f"""
            SELECT 'Category ' || i AS category, 0 AS crates_cnt, {ts("3e8::BIGINT")} AS created_at,
                   'Synthetic category number ' || i || ', for testing.' AS description,
                   i AS id, 'top' || (i % 8) || '.cat' || i AS path,
                   CASE WHEN i < 8 THEN 'top' || i ELSE 'top' || (i % 8) || '::cat' || i END AS slug
            FROM range(1, {N_CATEGORIES + 1}) t(i)""",
        "crate_downloads": f"""
            SELECT i AS crate_id, (hash(i, 'dl') % 5000000)::BIGINT AS downloads
            FROM range(1, {n + 1}) t(i)""",
        "crates": f"""
            SELECT {ts("(hash(i, 'c') % 3e8)::BIGINT")} AS created_at,
                   'Synthetic crate ' || i || ': a ' ||
                     ['tensor', 'parser', 'async', 'embedding', 'vector', 'wasm'][1 + i % 6]
                     || ' library, made by make_synthetic_dump.py' AS description,
                   CASE WHEN i % 3 = 0 THEN 'https://docs.rs/synth-crate-' || i END AS documentation,
                   CASE WHEN i % 5 = 0 THEN 'https://synth.example/' || i END AS homepage,
                   i AS id, NULL AS max_features, NULL AS max_upload_size,
                   'synth-crate-' || i AS name,
                   '# synth-crate-' || i || chr(10) || chr(10) || 'A synthetic README, "quoted", '
                     || 'with, commas and' || chr(10) || 'several lines.' AS readme,
                   CASE WHEN i % 2 = 0 THEN 'https://github.com/synth/crate-' || i END AS repository,
                   'f' AS trustpub_only,
                   {ts("(hash(i, 'u') % 1e6)::BIGINT")} AS updated_at
            FROM range(1, {n + 1}) t(i)""",
        "crates_categories": f"""
            SELECT DISTINCT 1 + (hash(i, j, 'cat') % {N_CATEGORIES})::BIGINT AS category_id,
                   i AS crate_id
            FROM range(1, {n + 1}) t(i), range(0, 2) s(j)
            WHERE j < 1 + i % 2""",
        "crates_keywords": f"""
            SELECT DISTINCT i AS crate_id,
                   1 + (hash(i, j, 'kw') % {spec.keywords})::BIGINT AS keyword_id
            FROM range(1, {n + 1}) t(i), range(0, 5) s(j)
            WHERE j < i % 6""",
        "default_versions": f"""
            SELECT i AS crate_id, {k} AS num_versions, (i - 1) * {k} + {k} AS version_id
            FROM range(1, {n + 1}) t(i)""",
        "keywords": f"""
            SELECT 0 AS crates_cnt, {ts("(hash(i, 'k') % 3e8)::BIGINT")} AS created_at,
                   i AS id, 'kw' || i AS keyword
            FROM range(1, {spec.keywords + 1}) t(i)""",
        "metadata": """SELECT 123456789012 AS total_downloads""",
        # Version v of crate c has id (c-1)*k + v (v = 1..k), so joins are easy to check.
        "versions": f"""
            SELECT '{{}}' AS bin_names, '{{}}' AS categories, c AS crate_id,
                   10000 + hash(id) % 90000 AS crate_size,
                   {ts("(1e8 - v * 1e6 + hash(c) % 1e6)::BIGINT")} AS created_at,
                   'Synthetic crate ' || c AS description, NULL AS documentation,
                   (hash(id, 'vd') % 100000)::BIGINT AS downloads, '2021' AS edition,
                   '{{}}' AS features, 't' AS has_lib, NULL AS homepage, id,
                   '{{}}' AS keywords, {lic}[1 + (c % {len(LICENSES)})] AS license, NULL AS links,
                   '0.' || v || '.0' AS num, '0.' || v || '.0' AS num_no_build,
                   1 + c % 1000 AS published_by, NULL AS repository, '1.70' AS rust_version,
                   '\\x' || md5(id::VARCHAR) || md5(c::VARCHAR) AS tar_sha256,
                   {ts("(hash(id, 'vu') % 1e6)::BIGINT")} AS updated_at,
                   CASE WHEN hash(id, 'y') % 50 = 0 THEN 't' ELSE 'f' END AS yanked,
                   NULL AS zip_json_sha256, NULL AS zip_sha256
            FROM (SELECT 1 + i // {k} AS c, 1 + i % {k} AS v, i + 1 AS id
                  FROM range(0, {n * k}) t(i))""",
        "version_downloads": f"""
            SELECT DATE '{day0}' + (i % {d})::INTEGER AS date,
                   (hash(i, 'n') % 500)::BIGINT AS downloads,
                   1 + i // {d} AS version_id
            FROM range(0, {n * k * d}) t(i)""",
    }


def _text_files(spec: DumpSpec) -> dict[str, str]:
    stamp = spec.as_of.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    readme = (
        "# crates.io Database Dump (SYNTHETIC)\n\n"
        "This is NOT real crates.io data. It was generated by Panorama's "
        "`scripts/make_synthetic_dump.py` with the real dump's file layout and public columns "
        f"({spec.crates} crates, {spec.versions_per_crate} versions per crate, "
        f"{spec.days} days of version downloads) for tests and benchmarks.\n"
    )
    return {
        "metadata.json": json.dumps({"timestamp": stamp, "crates_io_commit": "synthetic"}) + "\n",
        "README.md": readme,
        "schema.sql": "-- synthetic dump: schema.sql omitted\n",
        "import.sql": "-- synthetic dump: import.sql omitted\n",
        "export.sql": "-- synthetic dump: export.sql omitted\n",
    }


def make_dump(
    out: Path,
    crates: int,
    versions_per_crate: int,
    days: int,
    *,
    as_of: datetime | None = None,
    tar: bool = False,
    drop_columns: dict[str, list[str]] | None = None,
) -> Path:
    """Write a synthetic dump under `out` and return the dump folder (or the `.tar.gz`).

    Args:
        out: parent folder; the dump goes to `out/<YYYY-MM-DD-HHMMSS>/`.
        crates, versions_per_crate, days: scale; version_downloads has crates*versions*days rows.
        as_of: the dump's timestamp (default 2025-11-27 02:00:04 UTC, fixed for reproducibility).
        tar: also pack `out/db-dump.tar.gz` (top folder inside, as the real one) and return it.
        drop_columns: table -> columns to leave out (tests of schema drift).
    """
    as_of = as_of or datetime(2025, 11, 27, 2, 0, 4, tzinfo=UTC)
    spec = DumpSpec(crates, versions_per_crate, days, as_of)
    root = out / spec.folder_name
    if root.exists():
        shutil.rmtree(root)
    (root / "data").mkdir(parents=True)
    for name, text in _text_files(spec).items():
        (root / name).write_text(text, encoding="utf-8")
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = false")  # row order is irrelevant; saves memory
        for table, select in _selects(spec).items():
            cols = [c for c in COLUMNS[table] if c not in (drop_columns or {}).get(table, [])]
            target = (root / "data" / f"{table}.csv").as_posix().replace("'", "''")
            con.execute(f"COPY (SELECT {', '.join(cols)} FROM ({select})) "
                        f"TO '{target}' (HEADER, DELIMITER ',')")
    finally:
        con.close()
    if not tar:
        return root
    archive = out / "db-dump.tar.gz"
    # compresslevel 1: the archive is a test input, speed matters more than size.
    with tarfile.open(archive, "w:gz", compresslevel=1) as tf:
        tf.add(root, arcname=spec.folder_name)
    return archive


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crates", type=int, required=True)
    parser.add_argument("--versions-per-crate", type=int, required=True)
    parser.add_argument("--days", type=int, required=True, help="days of version_downloads")
    parser.add_argument("--out", type=Path, required=True, help="parent folder of the dump")
    parser.add_argument("--tar", action="store_true", help="also write db-dump.tar.gz")
    parser.add_argument("--as-of",
                        help="dump timestamp, ISO 8601 UTC (default 2025-11-27T02:00:04Z)")
    args = parser.parse_args(argv)
    as_of = datetime.fromisoformat(args.as_of).replace(tzinfo=UTC) if args.as_of else None
    path = make_dump(args.out, args.crates, args.versions_per_crate, args.days,
                     as_of=as_of, tar=args.tar)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
