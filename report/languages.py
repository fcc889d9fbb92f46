"""Which published projects are not Rust: the selection guide must not recommend them.

GitHub reports a repository's main language by bytes of code, so it speaks for a project that
is a repository only (Agent TARS: TypeScript). A project that publishes a crate is a Rust
choice whatever its repository's byte count says: safetensors' repository reads "Python"
(its Python bindings and tests), its crate is the Rust core; usearch's and wasmedge's crates
are Rust bindings inside a C++ repository, as ort and tch-rs bind C++ libraries. An upstream
(a binding's C++ library) is never a member, so it never speaks for the project.
"""

from __future__ import annotations

import duckdb

from report.provenance import Figure, SourceRegistry

# Over the report's entity table (report/entity_tables.py build_entity_table): the published
# projects whose primary (or only) repository has a known main language other than Rust and
# which have no crate in scope.
NOT_RUST_SQL = """
SELECT e.entity, i.language, i.source_url, i.fetched_at
FROM _rep_entity e
JOIN _rep_scope s ON s.pid = e.pid AND s.kind = 'repo'
                 AND s.project_role IN ('primary_repo', 'self')
JOIN items i ON i.item_id = s.item_id
WHERE e.trusted AND i.language IS NOT NULL AND lower(i.language) <> 'rust'
  AND NOT EXISTS (SELECT 1 FROM _rep_scope c WHERE c.pid = e.pid AND c.kind = 'crate')
ORDER BY e.entity
"""


def not_rust(con: duckdb.DuckDBPyConnection, reg: SourceRegistry) -> dict[str, Figure]:
    """Entity -> its repository's main language (a figure footnoted to the GitHub response it
    was read from), for the published projects that are not Rust (see the module doc)."""
    out: dict[str, Figure] = {}
    for entity, language, url, fetched in con.execute(NOT_RUST_SQL).fetchall():
        out.setdefault(entity, reg.figure(language, url, fetched))
    return out
