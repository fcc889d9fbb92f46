"""The one transaction helper: all of a block's writes or none."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb


def _in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    # DuckDB has no "am I in a transaction" call, and a failed nested BEGIN aborts the
    # caller's transaction. In autocommit mode every statement gets a new transaction id;
    # inside an explicit transaction two statements share one.
    # fetchall, not fetchone: DuckDB refuses `register` while a result is half-read.
    first = con.execute("SELECT txid_current()").fetchall()
    second = con.execute("SELECT txid_current()").fetchall()
    return first == second


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All of the block's writes or none: BEGIN, then COMMIT, or ROLLBACK on any exception.

    Inside a transaction the caller already opened, the block joins it (DuckDB has no nested
    transactions) and the outer owner commits or rolls back.
    """
    if _in_transaction(con):
        yield con  # the caller owns the transaction (and its commit or rollback)
        return
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
