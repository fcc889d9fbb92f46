"""Ordered, named schema migrations recorded in `_migrations`; applying twice is safe.

Each area of the warehouse keeps its DDL in its own module (`schema_core`, `schema_classify`,
`schema_report`, `schema_dump`, ...) as `MIGRATIONS: list[tuple[name, sql]]`. Names start
with a number that fixes the global order: 0xx core, 1xx classification, 2xx report,
3xx review/dashboard, 4xx dump ingest. A migration, once landed, is never edited: a change
is a new migration.
"""

from __future__ import annotations

import importlib
import pkgutil

import duckdb

import warehouse


def all_migrations() -> list[tuple[str, str]]:
    """Every migration of every `warehouse.schema_*` module, in name order."""
    found: list[tuple[str, str]] = []
    for mod in pkgutil.iter_modules(warehouse.__path__):
        if mod.name.startswith("schema_"):
            module = importlib.import_module(f"warehouse.{mod.name}")
            found.extend(getattr(module, "MIGRATIONS", []))
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
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO _migrations (name) VALUES (?)", [name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    from warehouse.views import ensure_views, missing_views

    # Views depend on tables: rebuild them after any schema change, or when a view module
    # landed since the file was last opened.
    if applied or missing_views(con):
        ensure_views(con)
    return applied
