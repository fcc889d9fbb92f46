"""Collection state kept between runs: HTTP validators (ETag / Last-Modified) and cursors.

Validators let the next run send conditional requests (a 304 costs nothing and means
"unchanged"). Cursors record how far a source has been read. Both are written only after
the records they describe were loaded, so a crash never skips data on the next run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import duckdb
import pyarrow as pa


def load_validators(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str | None, str | None]]:
    """Every stored validator as ``{url: (etag, last_modified)}`` (the PoliteClient's input)."""
    rows = con.execute(
        "SELECT url, etag, last_modified FROM http_validators "
        "WHERE etag IS NOT NULL OR last_modified IS NOT NULL").fetchall()
    return {url: (etag, modified) for url, etag, modified in rows}


def save_validators(con: duckdb.DuckDBPyConnection,
                    validators: Mapping[str, tuple[str | None, str | None]], *,
                    status: int | None = 200, fetched_at: datetime | None = None) -> int:
    """Upsert validators (e.g. `PoliteClient.new_validators`) keyed on URL.

    Args:
        con: an open warehouse connection.
        validators: ``{url: (etag, last_modified)}``; pairs of two Nones are ignored.
        status: status of the response they came from.
        fetched_at: when; defaults to now.

    Returns:
        Rows written.
    """
    when = fetched_at or datetime.now(UTC)
    rows = [(url, etag, modified, status, when) for url, (etag, modified) in validators.items()
            if etag or modified]
    if not rows:
        return 0
    # One Arrow batch: DuckDB's executemany costs milliseconds per row.
    batch = pa.Table.from_pylist(
        [dict(zip(("url", "etag", "last_modified", "status", "fetched_at"), r, strict=True))
         for r in rows],
        schema=pa.schema([("url", pa.string()), ("etag", pa.string()),
                          ("last_modified", pa.string()), ("status", pa.int32()),
                          ("fetched_at", pa.timestamp("us", tz="UTC"))]))
    con.register("_validators", batch)
    try:
        con.execute(
            "INSERT INTO http_validators SELECT url, etag, last_modified, status, fetched_at "
            "FROM _validators ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, "
            "last_modified = excluded.last_modified, status = excluded.status, "
            "fetched_at = excluded.fetched_at")
    finally:
        con.unregister("_validators")
    return len(rows)


def get_cursor(con: duckdb.DuckDBPyConnection, source: str, key: str) -> str | None:
    """The stored cursor of (`source`, `key`), or None when never set."""
    rows = con.execute("SELECT value FROM cursors WHERE source = ? AND key = ?",
                       [source, key]).fetchall()
    return rows[0][0] if rows else None


def set_cursor(con: duckdb.DuckDBPyConnection, source: str, key: str, value: str) -> None:
    """Store the cursor of (`source`, `key`); call only after the data before it is loaded."""
    con.execute(
        "INSERT INTO cursors (source, key, value, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (source, key) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at", [source, key, value, datetime.now(UTC)])
