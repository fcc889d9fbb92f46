"""Revision and publication bookkeeping of monthly reports (tables of schema_report)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from warehouse.transaction import transaction


@dataclass(frozen=True)
class Revision:
    month: str
    revision: int
    status: str  # 'draft' | 'published'
    content_sha256: str
    path: str
    run_id: str | None
    data_as_of: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Publication:
    month: str
    revision: int
    reviewer: str
    published_at: datetime
    content_sha256: str


def revisions(con: duckdb.DuckDBPyConnection, month: str) -> list[Revision]:
    rows = con.execute(
        "SELECT month, revision, status, content_sha256, path, run_id, data_as_of, created_at "
        "FROM report_revisions WHERE month = ? ORDER BY revision", [month]).fetchall()
    return [Revision(*r) for r in rows]


def publication(con: duckdb.DuckDBPyConnection, month: str) -> Publication | None:
    row = con.execute(
        "SELECT month, revision, reviewer, published_at, content_sha256 FROM publications "
        "WHERE month = ?", [month]).fetchone()
    return Publication(*row) if row else None


def add_revision(con: duckdb.DuckDBPyConnection, rev: Revision) -> None:
    con.execute(
        "INSERT INTO report_revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (month, revision) DO UPDATE SET content_sha256 = excluded.content_sha256, "
        "run_id = excluded.run_id, data_as_of = excluded.data_as_of, "
        "created_at = excluded.created_at WHERE report_revisions.status = 'draft'",
        [rev.month, rev.revision, rev.status, rev.content_sha256, rev.path, rev.run_id,
         rev.data_as_of, rev.created_at])


def record_publication(
    con: duckdb.DuckDBPyConnection, pub: Publication, items: list[dict[str, Any]]
) -> None:
    """Freeze a month in one transaction: publication row, revision status, membership."""
    with transaction(con):
        # The PRIMARY KEY on publications.month makes a second publication fail here.
        con.execute("INSERT INTO publications VALUES (?, ?, ?, ?, ?)",
                    [pub.month, pub.revision, pub.reviewer, pub.published_at,
                     pub.content_sha256])
        con.execute("UPDATE report_revisions SET status = 'published' "
                    "WHERE month = ? AND revision = ?", [pub.month, pub.revision])
        con.executemany(
            "INSERT INTO report_published_items VALUES (?, ?, ?, ?, ?, ?)",
            [[pub.month, r["entity"], r["item_id"], r["category"], r["rank"], r.get("score")]
             for r in items])
