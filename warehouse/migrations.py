"""Ordered, named schema migrations recorded in `_migrations`; applying twice is safe.

Each area of the warehouse keeps its DDL in its own module as `MIGRATIONS: list[tuple[name,
sql]]`, and `SCHEMA_MODULES` below lists them explicitly. Names start with a number that fixes
the global order: 0xx core, 1xx classification, 2xx report, 3xx review/dashboard, 4xx dump
ingest, 5xx projects. A migration, once landed, is never edited: a change is a new migration.
"""

from __future__ import annotations

import duckdb

from warehouse import (
    schema_classify,
    schema_core,
    schema_dump,
    schema_projects,
    schema_report,
    schema_review,
    schema_runs,
)
from warehouse.transaction import transaction
from warehouse.views import ensure_views, missing_views

# Every module holding DDL; a new area adds its module here (grep finds it).
SCHEMA_MODULES = (schema_core, schema_runs, schema_classify, schema_report, schema_review,
                  schema_dump, schema_projects)


def all_migrations() -> list[tuple[str, str]]:
    """Every migration of every schema module, in name order."""
    found: list[tuple[str, str]] = [m for module in SCHEMA_MODULES for m in module.MIGRATIONS]
    names = [name for name, _ in found]
    if len(names) != len(set(names)):
        raise RuntimeError(f"duplicate migration names: {sorted(names)}")
    return sorted(found, key=lambda m: m[0])


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations in order; return the names applied now."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS _migrations ("
        " name VARCHAR PRIMARY KEY, applied_at TIMESTAMP DEFAULT current_timestamp)"
    )
    done = {row[0] for row in con.execute("SELECT name FROM _migrations").fetchall()}
    applied: list[str] = []
    for name, sql in all_migrations():
        if name in done:
            continue
        with transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO _migrations (name) VALUES (?)", [name])
        applied.append(name)
    # Views depend on tables: rebuild them after any schema change, or when a view module
    # landed since the file was last opened.
    if applied or missing_views(con):
        ensure_views(con)
    return applied
