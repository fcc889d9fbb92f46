"""Short read-only connections for readers that must never wait long or fail on the lock.

DuckDB lets one process write a file; while it does, no other process can open the file at
all, not even read-only. The dashboard therefore never holds a connection: each query opens a
read-only connection, reads, and closes it (a held connection would also block the flows,
whose writers wait for readers to let go). When a flow holds the lock, the open is retried
briefly and then `WarehouseBusy` is raised, so the caller can show what it had cached.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from warehouse import db

T = TypeVar("T")
# What a connection of `read_connection` has found out (its relations, the dashboard rollups'
# freshness), kept for the connection's life: it is read-only, and no writer can open the
# file while it is open, so what it sees cannot change under it. A page's query asks such
# questions several times, at 1-10 ms of CPU each on a large warehouse.
_FACTS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, dict[str, Any]] = (
    weakref.WeakKeyDictionary())


def remembered(con: duckdb.DuckDBPyConnection, key: str, compute: Callable[[], T]) -> T:
    """`compute()`, once per `read_connection` connection (every time on any other: a
    writer's connection may change what it would answer)."""
    facts = _FACTS.get(con)
    if facts is None:
        return compute()
    if key not in facts:
        facts[key] = compute()
    return facts[key]


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be read right now."""


class WarehouseBusy(WarehouseUnavailable):
    """Another process (a flow) holds the write lock; try again shortly."""


class WarehouseMissing(WarehouseUnavailable):
    """No warehouse file exists yet (no run has been made)."""


def warehouse_path(path: Path | str | None = None) -> Path:
    """The DuckDB file readers use: the override, else `db.db_path()`."""
    return Path(path) if path else db.db_path()


def warehouse_version(path: Path | str | None = None) -> int:
    """A number that changes when the warehouse file changes (mtime of file and WAL, in ns).

    Readers put it in cache keys, so new data shows as soon as a writer has checkpointed,
    without waiting for a cache ttl. 0 when there is no warehouse.
    """
    target = warehouse_path(path)
    version = 0
    for candidate in (target, target.with_name(target.name + ".wal")):
        with contextlib.suppress(OSError):
            st = os.stat(candidate)
            version = version * 31 + st.st_mtime_ns + st.st_size
    return version


@contextlib.contextmanager
def read_connection(
    path: Path | str | None = None, timeout_s: float = 1.5
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse read-only for one query, closing it afterwards.

    Args:
        path: the DuckDB file (default: `db.db_path()`).
        timeout_s: how long to retry while a writer holds the lock.

    Raises:
        WarehouseMissing: the file does not exist (never creates one).
        WarehouseBusy: a writer kept the lock for longer than `timeout_s`, or this process
            holds a writable connection to the same file right now.
    """
    target = warehouse_path(path)
    if not target.exists():
        raise WarehouseMissing(f"no warehouse at {target}")
    try:
        with db.connect(read_only=True, path=target, migrate=False,
                        lock_timeout_s=timeout_s) as con:
            _FACTS[con] = {}
            yield con
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower() or "conflicting" in str(exc).lower():
            raise WarehouseBusy(f"warehouse busy: {target.name} is being written") from exc
        raise
    except duckdb.ConnectionException as exc:
        # Same process, other configuration: a short writable connection (a drained review
        # decision) is open in another thread of this process.
        raise WarehouseBusy(f"warehouse busy: {exc}") from exc


def relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of every table and view in the main schema."""
    def ask() -> set[str]:
        rows = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
        return {r[0] for r in rows}
    return set(remembered(con, "relations", ask))  # a copy: callers may add to theirs
