"""`panorama export`: the warehouse's public tables round-trip through Parquet and CSV."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from support.fixture_warehouse import build_fixture_warehouse

from flows.cli import main
from landscape.review import record_decision
from warehouse import db
from warehouse.export import EXPORT_TABLES, column_comments, export_tables


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_round_trips(data_dir: Path, tmp_path: Path, fmt: str) -> None:
    build_fixture_warehouse(db.db_path())
    with db.connect() as con:  # a person's decision is part of the data too
        record_decision(con, "crate:tiny-ml", "reassign", "Ada", category="autodiff")
    out = tmp_path / "export"
    assert main(["export", "--format", fmt, str(out)]) == 0
    reader = "read_parquet" if fmt == "parquet" else "read_csv_auto"
    with db.connect(read_only=True) as con:
        present = [t for t in EXPORT_TABLES if con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
            [t]).fetchone()[0]]
        assert {"items", "observations", "releases", "papers", "classifications",
                "review_decisions"} <= set(present)
        assert con.execute("SELECT count(*) FROM review_decisions").fetchone()[0] == 1
        for table in present:
            path = out / f"{table}.{fmt}"
            back = duckdb.sql(f"SELECT count(*) FROM {reader}('{path}')").fetchall()[0][0]
            assert back == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0], table
        # Parquet keeps the values, not only the counts
        if fmt == "parquet":
            assert duckdb.sql(f"SELECT sum(value) FROM '{out / 'observations.parquet'}'"
                              ).fetchall()[0][0] == con.execute(
                "SELECT sum(value) FROM observations").fetchone()[0]
    readme = (out / "README.md").read_text("utf-8")
    assert "| metric | VARCHAR | see config/metrics.toml |" in readme
    assert "## items." in readme and "## review_decisions." in readme


def test_readme_documents_every_exported_column(data_dir: Path, tmp_path: Path) -> None:
    build_fixture_warehouse(db.db_path())
    with db.connect(read_only=True) as con:
        tables = export_tables(con, tmp_path / "x")
    comments = column_comments()
    assert comments["observations"]["period"] == "'YYYY-MM' the value counts towards"
    undocumented = [(t.name, c) for t in tables for c, _, meaning in t.columns if not meaning]
    assert undocumented == []
