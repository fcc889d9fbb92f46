"""Refetch what is shown: the crates and repositories the next monthly fetch must ask for
beyond the watchlist.

A discovered crate enters the landscape when a person accepts it (a category review decision,
or a project link accepted in review) or when resolution makes it a member of a watched
project (its `repository` field names the project's repository, say). The watchlist does not
list it, so without this list it would be fetched once (by the listing that found it) and
then carried forward (↻) for ever. Every crate and repository member of a project the report
may print (`trusted` in report/entity_tables.py: watched, or person-reviewed) is fetched each
month, so ↻ means "the source failed this month", not "we stopped looking".

The collect flow (flows/collect.py) reads this list from the warehouse before fetching and
passes it to the crates and github fetchers (flows/sources.py), which skip what the watchlist
already asks for.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# A project is shown when it is watched, when a person put one of its items in a category of
# the taxonomy, or when a person accepted one of its links. Its crates and repositories are
# then all fetched (a sum of downloads over its crates needs every part of the same month).
_SHOWN_SQL = """
WITH shown AS (
    SELECT DISTINCT ip.project_id
    FROM v_item_project ip
    LEFT JOIN projects p USING (project_id)
    LEFT JOIN v_item_category c USING (item_id)
    WHERE coalesce(p.watched, FALSE)
       OR (c.decided_by = 'review' AND c.category NOT IN ('out_of_scope', 'uncategorized'))
       OR ip.item_id IN (SELECT item_id FROM project_members WHERE evidence = 'review')
)
SELECT i.kind, i.name
FROM v_item_project ip JOIN items i USING (item_id)
WHERE ip.project_id IN (SELECT project_id FROM shown) AND i.kind IN ('crate', 'repo')
  AND i.name IS NOT NULL
ORDER BY i.kind, i.name
"""


@dataclass(frozen=True)
class RefetchList:
    """Crate names (as on crates.io) and ``owner/name`` repositories to fetch this month."""

    crates: tuple[str, ...] = ()
    repos: tuple[str, ...] = ()


def refetch_list(con: duckdb.DuckDBPyConnection) -> RefetchList:
    """Every crate and repository of a project the report shows (watched ones included: the
    fetchers drop what the watchlist lists). Empty before the first resolution."""
    have = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_name IN ('v_item_project', 'v_item_category')").fetchall()}
    if len(have) < 2:  # a warehouse whose views are not registered yet: nothing resolved
        return RefetchList()
    rows = con.execute(_SHOWN_SQL).fetchall()
    return RefetchList(crates=tuple(n for k, n in rows if k == "crate"),
                       repos=tuple(n for k, n in rows if k == "repo"))


def not_listed(names: tuple[str, ...], listed: list[str]) -> list[str]:
    """`names` without those already in `listed` (case-insensitive; crates.io treats '-' and
    '_' as one name), in order, once each."""
    def key(name: str) -> str:
        return name.lower().replace("_", "-")

    seen = {key(n) for n in listed}
    out: list[str] = []
    for name in names:
        if key(name) not in seen:
            seen.add(key(name))
            out.append(name)
    return out
