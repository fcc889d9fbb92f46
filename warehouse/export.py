"""`panorama export DIR`: the warehouse's public tables as Parquet (or CSV), with a README.

For people who analyse the data elsewhere. Each table is written by DuckDB's own `COPY … TO`
inside one transaction, so every file shows the same moment of the warehouse. The README lists
every column with its type (as DuckDB stores it) and its meaning, taken from the comment beside
the column in the migration that created it (warehouse/schema_*.py) — the one place columns
are documented, so the README never disagrees with the schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.migrations import all_migrations
from warehouse.transaction import transaction

# What is exported, in this order; a table that does not exist (projects before the projects
# area ran its migration) is left out and the README says so.
EXPORT_TABLES = ("projects", "project_members", "items", "observations", "releases", "papers",
                 "classifications", "review_decisions")
OPTIONAL_TABLES = ("projects", "project_members")
FORMATS = {"parquet": "(FORMAT parquet, COMPRESSION zstd)", "csv": "(FORMAT csv, HEADER)"}

# Columns the DDL leaves uncommented because their name says it within the warehouse; a reader
# of an export needs the sentence. A comment in the migration always wins over these.
PLAIN_NAMES = {
    "item_id": "natural id of the item: crate:<name>, repo:<owner>/<name>, paper:<arXiv id>, "
               "post:<hash>",
    "run_id": "the collection or classification run that wrote the row (see runs)",
    "source_url": "API URL the row was read from", "fetched_at": "when that URL was fetched (UTC)",
    "source": "connector that wrote the row", "url": "human URL", "name": "name at the source",
    "title": "title", "value": "the metric's value (unit in config/metrics.toml)",
    "published_at": "when it was published at the source", "release_id":
    "release:<item_id>@<version or tag>", "prerelease": "marked as a pre-release",
    "yanked": "yanked from crates.io (not counted)", "homepage": "homepage URL",
    "repository": "repository URL given by the source", "language": "main language (GitHub)",
    "license": "licence (SPDX where the source gives one)", "archived": "archived on GitHub",
    "first_seen_run": "run that first saw the item", "first_seen_at": "when it was first seen",
    "last_seen_run": "latest run that saw the item", "last_seen_at": "when it was last seen",
    "latest_version": "latest arXiv version number", "abstract": "arXiv abstract",
    "authors": "author names in order", "primary_category": "arXiv primary category",
    "categories": "arXiv (or crates.io) categories", "abs_url": "arXiv abstract page",
    "pdf_url": "arXiv PDF", "doi": "DOI, when given", "journal_ref": "journal reference",
    "comment": "arXiv comment field", "matched_queries": "arXiv queries that found the paper",
    "confidence": "the classifier's confidence in [0, 1]", "method": "how the category was "
    "decided (e.g. knn)", "model": "embedding model", "needs_review": "waits in the review "
    "queue for a person", "classified_at": "when it was classified", "content_hash":
    "sha256 of the embedded text", "index_version": "version of the labelled index used",
    "decision_id": "sequence number of the decision", "category": "taxonomy category id",
    "reviewer": "who decided", "decided_at": "when the person decided", "note": "free text",
    "project_id": "natural id of the project: project:<slug> or project:<owner>/<name>",
    "name_en": "English name", "watched": "on the watchlist", "resolved_run":
    "run whose entity resolution wrote the row", "resolved_at": "when entity resolution wrote it",
}

_CREATE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)\s*\(", re.I)
_ALTER = re.compile(r"ALTER TABLE (\w+) ADD COLUMN (?:IF NOT EXISTS )?(\w+)[^-\n]*(?:--\s*(.*))?",
                    re.I)
_COLUMN = re.compile(r"^\s*(\w+)\s+[A-Z][^-\n]*?(?:--\s*(.*))?$")
_NOT_COLUMNS = {"PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "CONSTRAINT"}


@dataclass(frozen=True)
class ExportedTable:
    name: str
    rows: int
    path: Path
    columns: list[tuple[str, str, str]]  # (name, type, meaning)


def column_comments() -> dict[str, dict[str, str]]:
    """table -> column -> the comment beside it in its migration (continuation lines joined)."""
    out: dict[str, dict[str, str]] = {}
    for _, sql in all_migrations():
        table, last = None, None
        for line in sql.splitlines():
            if m := _CREATE.search(line):
                table, last = m.group(1), None
                out.setdefault(table, {})
            elif m := _ALTER.search(line):
                out.setdefault(m.group(1), {})[m.group(2)] = (m.group(3) or "").strip()
            elif table and line.strip().startswith(")"):
                table = None
            elif table and line.strip().startswith("--") and last:
                more = line.strip()[2:].strip()
                out[table][last] = f"{out[table][last]} {more}".strip()
            elif table and (m := _COLUMN.match(line)) and m.group(1).upper() not in _NOT_COLUMNS:
                last = m.group(1)
                out[table][last] = (m.group(2) or "").strip()
    return out


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_name = ? AND table_type = 'BASE TABLE'",
                            [table]).fetchone()[0])


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_tables(con: duckdb.DuckDBPyConnection, folder: Path | str,
                  fmt: str = "parquet") -> list[ExportedTable]:
    """Write every exported table to `folder` as `<table>.<fmt>`, plus README.md."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}, got {fmt!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    comments = column_comments()
    out: list[ExportedTable] = []
    with transaction(con):  # one snapshot for every file
        for table in EXPORT_TABLES:
            if not _exists(con, table):
                continue
            path = folder / f"{table}.{fmt}"
            con.execute(f"COPY (SELECT * FROM {table}) TO {_quote(path)} {FORMATS[fmt]}")
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            cols = [(name, str(ctype),
                     comments.get(table, {}).get(name) or PLAIN_NAMES.get(name, ""))
                    for name, ctype, *_ in con.execute(f"DESCRIBE {table}").fetchall()]
            out.append(ExportedTable(table, rows, path, cols))
    (folder / "README.md").write_text(readme(out, fmt), "utf-8")
    return out


def readme(tables: list[ExportedTable], fmt: str) -> str:
    """The README of an export: what each file holds, column by column."""
    lines = [
        "# Panorama warehouse export", "",
        f"One {fmt} file per table, written by DuckDB `COPY` from one snapshot of the "
        "warehouse. Ids are natural ids (`crate:<name>`, `repo:<owner>/<name>`, "
        "`paper:<arXiv id>`); every observation carries the API URL it was read from "
        "(`source_url`) and when (`fetched_at`). Metric ids are defined in "
        "config/metrics.toml; category ids in config/taxonomy.toml.", "",
        f"Read one back with DuckDB: `SELECT * FROM '{tables[0].path.name if tables else 'x'}'`.",
        "",
    ]
    missing = [t for t in OPTIONAL_TABLES if t not in {x.name for x in tables}]
    if missing:
        lines += [f"Not in this export (the warehouse has no such table yet): "
                  f"{', '.join(missing)}.", ""]
    for t in tables:
        lines += [f"## {t.path.name} ({t.rows:,} rows)", "", "| column | type | meaning |",
                  "|---|---|---|"]
        lines += [f"| {name} | {ctype} | {meaning.replace('|', '/') or '—'} |"
                  for name, ctype, meaning in t.columns]
        lines.append("")
    return "\n".join(lines)
