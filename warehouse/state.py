"""Collection state kept between runs: HTTP validators (ETag / Last-Modified).

Validators let the next run send conditional requests (a 304 costs nothing and means
"unchanged"). They are written only after the records they describe were loaded, so a crash
never skips data on the next run. (Sources page by the run month, not by a stored cursor.)
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
