"""Breakthrough detection for the weekly check: major releases of watched items and new papers
very close to landscape items. Flags are stored once per (item, kind, month).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

import duckdb

# semver core, optional pre-release after "-", optional build metadata after "+" (build
# metadata is not a pre-release: `0.2.0+wasi-snapshot-preview1` opens the 0.2 line).
_SEMVER = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def is_major_release(version: str) -> bool:
    """A release that opens a new semver-incompatible line: X.0.0 (X ≥ 1) or 0.Y.0 (Y ≥ 1).

    Tags like `v2.0.0` or `candle-v0.9.0` are understood; pre-releases never count.
    """
    match = _SEMVER.search(version.strip())
    if not match:
        return False
    major, minor, patch, pre = match.groups()
    if pre:
        return False
    major_i, minor_i, patch_i = int(major), int(minor), int(patch or 0)
    if patch_i != 0:
        return False
    return (major_i >= 1 and minor_i == 0) or (major_i == 0 and minor_i >= 1)


@dataclass
class Flag:
    item_id: str
    kind: str
    title: str
    detail: str
    url: str | None
    score: float | None


def release_key(version: str) -> str:
    """The semver core of a version or tag (`tract-v0.22.0`, `v0.22.0`, `0.22.0` → `0.22.0`),
    so the crates and the repository of one project share one release."""
    match = _SEMVER.search(version.strip())
    if not match:
        return version.strip()
    major, minor, patch, _ = match.groups()
    return f"{int(major)}.{int(minor)}.{int(patch or 0)}"


def major_releases(con: duckdb.DuckDBPyConnection, since: datetime) -> list[Flag]:
    """Major releases of watched items published since `since`: one flag per release of a
    watched project (its repository tag and each of its crates are one release), the first
    published of them standing for it."""
    rows = con.execute(
        """
        SELECT r.item_id, coalesce(i.watch_name, i.name), r.version, r.url
        FROM releases r JOIN items i USING (item_id)
        WHERE i.watched AND r.published_at >= ? AND NOT coalesce(r.prerelease, FALSE)
              AND NOT coalesce(r.yanked, FALSE)
        ORDER BY r.published_at, r.item_id
        """,
        [since],
    ).fetchall()
    flags: dict[tuple[str, str], Flag] = {}
    for item_id, name, version, url in rows:
        if is_major_release(version):
            flags.setdefault((name, release_key(version)),
                             Flag(item_id, "major_release", f"{name} {version}", version, url,
                                  None))
    return list(flags.values())


def close_papers(con: duckdb.DuckDBPyConnection, since: datetime, threshold: float) -> list[Flag]:
    """Papers first seen since `since` whose nearest labelled neighbour is a landscape item
    at cosine similarity ≥ `threshold` (read from the stored classification reasons)."""
    has_view = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = 'v_item_category'").fetchone()[0]
    if not has_view:
        return []
    rows = con.execute(
        """
        SELECT i.item_id, i.title, i.url, c.category, c.neighbours
        FROM items i JOIN v_item_category c USING (item_id)
        WHERE i.kind = 'paper' AND i.first_seen_at >= ?
              AND c.category NOT IN ('out_of_scope', 'uncategorized')
        """,
        [since],
    ).fetchall()
    flags: list[Flag] = []
    for item_id, title, url, category, neighbours in rows:
        best = _best_neighbour(neighbours)
        if best and best[1] >= threshold:
            flags.append(Flag(item_id, "close_paper", title or item_id,
                              f"{category}: close to {best[0]}", url, round(best[1], 4)))
    return flags


def _best_neighbour(neighbours: object) -> tuple[str, float] | None:
    data = json.loads(neighbours) if isinstance(neighbours, str) else neighbours
    best: tuple[str, float] | None = None
    for n in data or []:
        name = str(n.get("title") or n.get("item_id") or n.get("id") or "")
        sim = float(n.get("similarity", n.get("score", 0.0)) or 0.0)
        if best is None or sim > best[1]:
            best = (name, sim)
    return best


def save_flags(con: duckdb.DuckDBPyConnection, flags: list[Flag], month: str, run_id: str,
               detected_at: datetime) -> int:
    """Store flags; a flag already raised for this month is kept as first detected."""
    for f in flags:
        con.execute(
            "INSERT INTO breakthroughs VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            [f.item_id, month, f.kind, f.title, f.detail, f.url, f.score, detected_at, run_id],
        )
    return len(flags)
