"""Revision and publication bookkeeping of monthly reports (tables of schema_report).

`publications` holds the revision of each month that readers see now; a correction replaces
that row and keeps the earlier one in `report_publication_events`, with its reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from report.queries import relation_exists
from warehouse.transaction import transaction


@dataclass(frozen=True)
class Revision:
    month: str
    revision: int
    status: str  # 'draft' | 'published' | 'superseded' (published, then corrected)
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


@dataclass(frozen=True)
class PublicationEvent:
    """One publication of a month: the first ('publish') or a later 'correction'."""

    month: str
    revision: int
    kind: str  # 'publish' | 'correction'
    reviewer: str
    published_at: datetime
    content_sha256: str
    supersedes: int | None = None
    reason: str | None = None
    accept_reason: str | None = None
    accepted_open: list[dict[str, Any]] | None = None
    demo: bool = False

    @property
    def publication(self) -> Publication:
        return Publication(self.month, self.revision, self.reviewer, self.published_at,
                           self.content_sha256)


_EVENT_COLS = ("month, revision, kind, reviewer, published_at, content_sha256, supersedes, "
               "reason, accept_reason, accepted_open, demo")


def publication_events(
    con: duckdb.DuckDBPyConnection, month: str | None = None
) -> list[PublicationEvent]:
    """Publications and corrections, oldest first (of one month, or of every month)."""
    if not relation_exists(con, "report_publication_events"):  # a read-only, older warehouse
        return []
    where, params = ("WHERE month = ?", [month]) if month else ("", [])
    rows = con.execute(f"SELECT {_EVENT_COLS} FROM report_publication_events {where} "
                       "ORDER BY published_at, month, revision", params).fetchall()
    out = []
    for r in rows:
        accepted = json.loads(r[9]) if isinstance(r[9], str) else r[9]
        out.append(PublicationEvent(*r[:9], accepted, bool(r[10])))
    return out


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
    con: duckdb.DuckDBPyConnection, event: PublicationEvent, items: list[dict[str, Any]]
) -> None:
    """Freeze a month (or replace its publication by a correction) in one transaction:
    publication row, event, revision statuses, membership."""
    with transaction(con):
        if event.kind == "publish":
            # The PRIMARY KEY on publications.month makes a second first publication fail here.
            con.execute("INSERT INTO publications VALUES (?, ?, ?, ?, ?)",
                        [event.month, event.revision, event.reviewer, event.published_at,
                         event.content_sha256])
        else:
            updated = con.execute(
                "UPDATE publications SET revision = ?, reviewer = ?, published_at = ?, "
                "content_sha256 = ? WHERE month = ? AND revision = ? RETURNING month",
                [event.revision, event.reviewer, event.published_at, event.content_sha256,
                 event.month, event.supersedes]).fetchall()
            if not updated:
                raise RuntimeError(f"{event.month} r{event.supersedes} is not the publication")
            con.execute("UPDATE report_revisions SET status = 'superseded' "
                        "WHERE month = ? AND revision = ?", [event.month, event.supersedes])
            con.execute("DELETE FROM report_published_items WHERE month = ?", [event.month])
        con.execute(
            f"INSERT INTO report_publication_events ({_EVENT_COLS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [event.month, event.revision, event.kind, event.reviewer, event.published_at,
             event.content_sha256, event.supersedes, event.reason, event.accept_reason,
             json.dumps(event.accepted_open) if event.accepted_open is not None else None,
             event.demo])
        con.execute("UPDATE report_revisions SET status = 'published' "
                    "WHERE month = ? AND revision = ?", [event.month, event.revision])
        if items:
            con.executemany(
                "INSERT INTO report_published_items VALUES (?, ?, ?, ?, ?, ?)",
                [[event.month, r["entity"], r["item_id"], r["category"], r["rank"],
                  r.get("score")] for r in items])
