"""The warehouse: the only code that opens the DuckDB file, the vector index or DATA_DIR.

Everything else (connectors, flows, templates, dashboard) receives data from here or hands
rows to here; nobody else knows where files live.
"""
