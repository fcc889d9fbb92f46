"""Connectors: fetch and parse only. They know nothing of DuckDB or DATA_DIR.

One module per source (`crates`, `github`, `arxiv`, `feeds`) on one shared HTTP layer
(`http`), which owns politeness, retries, conditional requests and record/replay.

May import only `core`: connectors are the bottom of the dependency graph.
"""

# The sources a run collects, in the order runs report them (the one list of them).
SOURCES: tuple[str, ...] = ("crates", "github", "arxiv", "feeds")
