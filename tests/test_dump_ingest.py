"""`panorama ingest-dump`: a tiny synthetic dump (real schema) into a real DuckDB file."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from warehouse import db
from warehouse.dump_files import DumpError
from warehouse.dump_ingest import ingest_dump

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime(2025, 11, 27, 2, 0, 4, tzinfo=UTC)
N_CRATES, K_VERSIONS, DAYS = 40, 3, 5


def _load_generator():
    spec = importlib.util.spec_from_file_location(
        "make_synthetic_dump", ROOT / "scripts" / "make_synthetic_dump.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while building the class
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def make(tmp_path: Path, name: str = "dump", **kwargs) -> Path:
    return gen.make_dump(tmp_path / name, N_CRATES, K_VERSIONS, DAYS, as_of=kwargs.pop("as_of", AS_OF),
                         **kwargs)


def ingest(warehouse: Path, dump: Path, **kwargs) -> dict:
    with db.connect(path=warehouse) as con:
        return ingest_dump(con, dump, **kwargs)


def q(warehouse: Path, sql: str):
    with db.connect(path=warehouse, read_only=True) as con:
        return con.execute(sql).fetchall()


def csv_count(root: Path, table: str, expr: str = "count(*)") -> int:
    path = (root / "data" / f"{table}.csv").as_posix()
    with duckdb.connect() as con:
        return con.execute(f"SELECT {expr} FROM read_csv('{path}', header = true)").fetchone()[0]


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    return make(tmp_path)


def test_folder_ingest_counts_match_csvs(tmp_path: Path, dump: Path) -> None:
    wh = tmp_path / "w.duckdb"
    summary = ingest(wh, dump.parent)  # the parent holding YYYY-MM-DD-HHMMSS/ also works
    counts = summary["counts"]
    assert summary["run_id"] == "dump:2025-11-27T02:00:04Z"
    for table in ("crates", "versions", "categories", "keywords", "crates_categories",
                  "crates_keywords"):
        expected = csv_count(dump, table)
        assert counts[f"dump_{table}"] == expected
        assert q(wh, f"SELECT count(*) FROM dump_{table}")[0][0] == expected
    # version_downloads summed per crate per day: every crate has every day.
    assert counts["dump_downloads_daily"] == N_CRATES * DAYS
    assert q(wh, "SELECT sum(downloads) FROM dump_downloads_daily")[0][0] == csv_count(
        dump, "version_downloads", "sum(downloads)")
    # The whole registry is now in items and observations, with dump provenance.
    assert q(wh, "SELECT count(*) FROM items WHERE kind = 'crate' AND discovered_via = 'crates:dump'"
             )[0][0] == N_CRATES
    rows = q(wh, """SELECT metric, count(*), min(run_id), min(source_url), min(fetched_at)
                    FROM observations GROUP BY metric ORDER BY metric""")
    assert [(m, n) for m, n, *_ in rows] == [("downloads_daily", N_CRATES * DAYS),
                                             ("downloads_total", N_CRATES)]
    assert {r[2] for r in rows} == {"dump:2025-11-27T02:00:04Z"}
    assert {r[3] for r in rows} == {"https://static.crates.io/db-dump.tar.gz"}
    assert {r[4] for r in rows} == {AS_OF}
    total = q(wh, "SELECT value, period FROM observations WHERE item_id = 'crate:synth-crate-7' "
                  "AND metric = 'downloads_total'")
    assert total == [(float(csv_count(dump, "crate_downloads", "max(downloads) FILTER (crate_id = 7)")),
                      "2025-11")]
    item = q(wh, "SELECT name, url, keywords IS NOT NULL, license, created_at IS NOT NULL FROM items "
                 "WHERE item_id = 'crate:synth-crate-5'")[0]
    assert item[:2] == ("synth-crate-5", "https://crates.io/crates/synth-crate-5")
    assert item[3] and item[4]
    meta = q(wh, "SELECT dump_id, as_of, crates_io_commit FROM dump_meta")
    assert meta == [("2025-11-27-020004", AS_OF, "synthetic")]


def test_tarball_gives_the_same_warehouse_and_cleans_up(tmp_path: Path) -> None:
    archive = make(tmp_path, tar=True)
    assert archive.name == "db-dump.tar.gz"
    wh_tar, wh_dir = tmp_path / "tar" / "w.duckdb", tmp_path / "dir" / "w.duckdb"
    from_tar = ingest(wh_tar, archive)["counts"]
    from_dir = ingest(wh_dir, archive.parent / "2025-11-27-020004")["counts"]
    assert from_tar == from_dir
    # The scratch extraction next to the warehouse is gone again.
    assert not list(wh_tar.parent.glob(".dump-extract-*"))


def test_reingest_is_idempotent(tmp_path: Path, dump: Path) -> None:
    wh = tmp_path / "w.duckdb"
    first = ingest(wh, dump)["counts"]
    second = ingest(wh, dump)["counts"]
    assert second["items_new"] == 0 and second["items_updated"] == 0
    assert second["observations_downloads_daily"] == 0  # nothing changed, nothing rewritten
    for key in ("dump_crates", "dump_versions", "dump_downloads_daily"):
        assert second[key] == first[key]
    for table, key in [("dump_crates", "crate_id"), ("dump_versions", "version_id"),
                       ("dump_keywords", "keyword_id"), ("items", "item_id"),
                       ("dump_downloads_daily", "crate_id || '@' || date"),
                       ("observations", "item_id || metric || observed_at"), ("dump_meta", "dump_id")]:
        n, distinct = q(wh, f"SELECT count(*), count(DISTINCT {key}) FROM {table}")[0]
        assert n == distinct, table
    assert q(wh, "SELECT count(*) FROM dump_crates")[0][0] == N_CRATES
    assert q(wh, "SELECT count(*) FROM observations")[0][0] == N_CRATES * (DAYS + 1)


def test_next_dump_keeps_history_and_older_dump_is_refused(tmp_path: Path, dump: Path) -> None:
    wh = tmp_path / "w.duckdb"
    ingest(wh, dump)
    later = make(tmp_path, "later", as_of=datetime(2025, 11, 29, 2, 0, 0, tzinfo=UTC))
    ingest(wh, later)
    # Days only in the first dump stay; overlapping days are replaced, not doubled.
    days = q(wh, "SELECT count(DISTINCT date), count(*) FROM dump_downloads_daily")[0]
    assert days == (DAYS + 2, N_CRATES * (DAYS + 2))
    assert q(wh, "SELECT count(*) FROM observations WHERE metric = 'downloads_total'")[0][0] == 2 * N_CRATES
    assert q(wh, "SELECT DISTINCT last_seen_run FROM items")[0][0] == "dump:2025-11-29T02:00:00Z"
    with pytest.raises(DumpError, match="older than the newest"):
        ingest(wh, dump)


def test_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    broken = make(tmp_path, drop_columns={"versions": ["num"]})
    wh = tmp_path / "w.duckdb"
    with pytest.raises(DumpError, match=r"versions\.csv: missing column\(s\) 'num'"):
        ingest(wh, broken)
    assert q(wh, "SELECT count(*) FROM dump_crates")[0][0] == 0  # rolled back, nothing half-done


def test_schema_drift_extra_and_optional_columns(tmp_path: Path) -> None:
    """Unknown new columns are ignored; optional ones a dump lacks become NULL; an old dump
    without crate_downloads.csv takes the total from crates.downloads."""
    dump = make(tmp_path, drop_columns={"versions": ["edition", "rust_version", "has_lib"]})
    data = dump / "data"
    con = duckdb.connect()
    for table, extra in [("crates", "42 AS brand_new_column"), ("versions", "'x' AS linecounts")]:
        src, tmp = data / f"{table}.csv", data / f"{table}.tmp.csv"
        # Put the new column first so any positional reading would break visibly.
        con.execute(f"COPY (SELECT {extra}, * FROM read_csv('{src.as_posix()}', header = true, "
                    f"all_varchar = true)) TO '{tmp.as_posix()}' (HEADER)")
        tmp.replace(src)
    con.execute(f"""COPY (SELECT c.*, d.downloads FROM read_csv('{(data / 'crates.csv').as_posix()}',
                    header = true, all_varchar = true) c
                    JOIN read_csv('{(data / 'crate_downloads.csv').as_posix()}', header = true) d
                    ON d.crate_id = c.id::BIGINT) TO '{(data / 'crates.tmp.csv').as_posix()}' (HEADER)""")
    (data / "crates.tmp.csv").replace(data / "crates.csv")
    expected_total = csv_count(dump, "crate_downloads", "sum(downloads)")
    (data / "crate_downloads.csv").unlink()
    wh = tmp_path / "w.duckdb"
    counts = ingest(wh, dump)["counts"]
    assert counts["dump_versions"] == N_CRATES * K_VERSIONS
    assert q(wh, "SELECT count(*) FROM dump_versions WHERE edition IS NOT NULL")[0][0] == 0
    assert q(wh, "SELECT sum(downloads) FROM dump_crates")[0][0] == expected_total
    assert q(wh, "SELECT min(num) FROM dump_versions")[0][0] == "0.1.0"


def test_existing_watched_item_keeps_its_fields(tmp_path: Path, dump: Path) -> None:
    wh = tmp_path / "w.duckdb"
    api_time = datetime(2025, 11, 1, tzinfo=UTC)
    with db.connect(path=wh) as con:
        con.execute(
            """INSERT INTO items (item_id, kind, name, description, keywords, watched, watch_name,
                                 source, discovered_via, source_url, fetched_at, first_seen_run)
               VALUES ('crate:synth-crate-5', 'crate', 'synth-crate-5', 'Curated description',
                       ['ml'], TRUE, 'Synth', 'crates', 'watchlist',
                       'https://crates.io/api/v1/crates/synth-crate-5', ?, '2025-11')""",
            [api_time],
        )
    ingest(wh, dump)
    row = q(wh, """SELECT description, keywords, watched, watch_name, discovered_via, source_url,
                          fetched_at, first_seen_run, homepage, license
                   FROM items WHERE item_id = 'crate:synth-crate-5'""")[0]
    assert row[:8] == ("Curated description", ["ml"], True, "Synth", "watchlist",
                       "https://crates.io/api/v1/crates/synth-crate-5", api_time, "2025-11")
    assert row[8] == "https://synth.example/5"  # blanks are filled from the dump
    assert row[9] is not None
    # Its statistics now come from the dump as well.
    assert q(wh, "SELECT count(*) FROM observations WHERE item_id = 'crate:synth-crate-5'")[0][0] == DAYS + 1


def test_cli_ingest_dump(data_dir: Path, dump: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from flows.cli import main

    assert main(["ingest-dump", str(dump), "--month", "2025-12"]) == 0
    assert "dump_crates" in capsys.readouterr().out
    assert q(db.db_path(), "SELECT DISTINCT period FROM observations WHERE metric = 'downloads_total'"
             ) == [("2025-12",)]
    assert main(["ingest-dump", str(data_dir / "nope.tar.gz")]) == 2
    assert "no such file" in capsys.readouterr().err
