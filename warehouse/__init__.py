"""The warehouse: DuckDB storage only, and the only code that opens the DuckDB file.

`db` (paths, connect, atomic file writes), `transaction` (the one transaction helper),
`migrations` (the explicit ordered list of `schema_*` modules), `views` (+ `views_*`),
`load` (idempotent upserts of connector records), `state` (validators, cursors),
`readonly` (short read-only connections for readers), `dump_ingest` (the crates.io dump).

May import `core` and `connectors` (record types); never `landscape`, `report`, `dashboard`
or `flows`.
"""
