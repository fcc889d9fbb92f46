"""The review inbox: where a reviewer's decision goes first, so it is never lost to the lock.

DuckDB lets one process write the warehouse, and a monthly run holds that lock for minutes.
A decision made in the dashboard meanwhile is written at once to a small SQLite file beside
the warehouse (WAL mode: always writable, readers never block) and drained into
`review_decisions` by the next process that opens the warehouse for writing — a flow step
calling `drain_review_inbox(con)`, or the dashboard itself as soon as the lock is free.

Draining is idempotent: each decision carries a uuid, recorded in `review_inbox_applied` in
the same transaction as the decision.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from landscape.review import record_decision
from warehouse import db
from warehouse.transaction import transaction

log = logging.getLogger(__name__)

DECISIONS = ("accept", "reassign", "out_of_scope")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,   -- drain order = decision order
    uid        TEXT NOT NULL UNIQUE,
    item_id    TEXT NOT NULL,
    decision   TEXT NOT NULL,
    category   TEXT,
    reviewer   TEXT NOT NULL,
    note       TEXT,
    decided_at TEXT NOT NULL,                        -- ISO 8601, UTC
    drained_at TEXT,                                 -- set once in the warehouse
    error      TEXT                                  -- set when the warehouse refused it
);
"""


@dataclass(frozen=True)
class InboxDecision:
    uid: str
    item_id: str
    decision: str
    category: str | None
    reviewer: str
    note: str | None
    decided_at: datetime
    drained_at: datetime | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def inbox_path(warehouse: Path | str | None = None) -> Path:
    """The inbox of a warehouse: `<warehouse>.review-inbox.sqlite` beside the DuckDB file."""
    target = Path(warehouse) if warehouse else db.db_path()
    return target.with_name(target.name + ".review-inbox.sqlite")


@contextlib.contextmanager
def _inbox(warehouse: Path | str | None = None) -> Iterator[sqlite3.Connection]:
    path = inbox_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10.0, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA busy_timeout=10000")
        con.executescript(_SCHEMA)
        yield con
    finally:
        con.close()


def _parse_ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _row(r: tuple[Any, ...]) -> InboxDecision:
    return InboxDecision(uid=r[0], item_id=r[1], decision=r[2], category=r[3], reviewer=r[4],
                         note=r[5], decided_at=_parse_ts(r[6]), drained_at=_parse_ts(r[7]),
                         error=r[8])


_COLS = "uid, item_id, decision, category, reviewer, note, decided_at, drained_at, error"


def submit_decision(
    item_id: str,
    decision: str,
    reviewer: str,
    category: str | None = None,
    note: str | None = None,
    *,
    warehouse: Path | str | None = None,
    decided_at: datetime | None = None,
) -> InboxDecision:
    """Write a reviewer's decision to the inbox (never blocks on the warehouse lock).

    Args:
        item_id: the reviewed item.
        decision: 'accept' | 'reassign' | 'out_of_scope'.
        reviewer: who decided (required: a decision is a person's).
        category: the category accepted or assigned (required for 'reassign').
        note: free text.
        warehouse: the DuckDB file the decision is for (default `db.db_path()`).
        decided_at: when (default now, UTC).

    Returns:
        The stored decision (pending until drained).
    """
    reviewer = (reviewer or "").strip()
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, got {decision!r}")
    if not reviewer:
        raise ValueError("a review decision needs the reviewer's name")
    if decision == "reassign" and not category:
        raise ValueError("reassign needs a category")
    if decision == "out_of_scope":
        category = "out_of_scope"
    entry = InboxDecision(uid=uuid.uuid4().hex, item_id=item_id, decision=decision,
                          category=category, reviewer=reviewer, note=note or None,
                          decided_at=decided_at or datetime.now(UTC))
    with _inbox(warehouse) as con:
        con.execute(
            "INSERT INTO decisions (uid, item_id, decision, category, reviewer, note, decided_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [entry.uid, entry.item_id, entry.decision, entry.category, entry.reviewer,
             entry.note, entry.decided_at.isoformat()],
        )
    return entry


def pending_decisions(warehouse: Path | str | None = None) -> list[InboxDecision]:
    """Decisions not yet in the warehouse, oldest first."""
    if not inbox_path(warehouse).exists():
        return []
    with _inbox(warehouse) as con:
        rows = con.execute(
            f"SELECT {_COLS} FROM decisions WHERE drained_at IS NULL AND error IS NULL"
            " ORDER BY seq"
        ).fetchall()
    return [_row(r) for r in rows]


def rejected_decisions(warehouse: Path | str | None = None) -> list[InboxDecision]:
    """Decisions the warehouse refused (e.g. an unknown category), newest first."""
    if not inbox_path(warehouse).exists():
        return []
    with _inbox(warehouse) as con:
        rows = con.execute(
            f"SELECT {_COLS} FROM decisions WHERE error IS NOT NULL ORDER BY seq DESC"
        ).fetchall()
    return [_row(r) for r in rows]


def _mark(warehouse: Path | str | None, uid: str, error: str | None = None) -> None:
    with _inbox(warehouse) as con:
        con.execute("UPDATE decisions SET drained_at = ?, error = ? WHERE uid = ?",
                    [datetime.now(UTC).isoformat(), error, uid])


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main'"
        " AND table_name = ?", [name]).fetchone()
    return bool(row and row[0])


def _apply(con: duckdb.DuckDBPyConnection, d: InboxDecision) -> None:
    """Write one decision through `record_decision` (its validation included) and mark it
    applied, both or neither."""
    with transaction(con):
        record_decision(con, d.item_id, d.decision, d.reviewer, category=d.category,
                        note=d.note, decided_at=d.decided_at)  # the time the person decided
        con.execute("INSERT INTO review_inbox_applied (inbox_uid, item_id, decision, applied_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [d.uid, d.item_id, d.decision, datetime.now(UTC)])


def drain_review_inbox(
    con: duckdb.DuckDBPyConnection, warehouse: Path | str | None = None
) -> int:
    """Write every pending inbox decision into the warehouse; return how many were applied.

    Call it with the writable connection at the start of each flow's write (it is cheap when
    the inbox is empty: one stat of a file). A decision the warehouse refuses (ValueError from
    `record_decision`, e.g. an unknown item or category) is marked with its error instead of
    blocking the inbox; any other error leaves it pending for the next writer.

    Args:
        con: an open, writable warehouse connection.
        warehouse: the DuckDB file `con` belongs to (default `db.db_path()`), which names the inbox.
    """
    pending = pending_decisions(warehouse)
    if not pending or not _has_table(con, "review_decisions"):
        return 0
    con.execute(
        "CREATE TABLE IF NOT EXISTS review_inbox_applied (inbox_uid VARCHAR PRIMARY KEY,"
        " item_id VARCHAR NOT NULL, decision VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {r[0] for r in con.execute(
        "SELECT inbox_uid FROM review_inbox_applied WHERE inbox_uid IN (SELECT unnest(?))",
        [[d.uid for d in pending]]).fetchall()}
    applied = 0
    for d in pending:
        if d.uid not in done:
            try:
                _apply(con, d)
            except ValueError as exc:  # refused: keep the reason, do not block the rest
                log.warning("review decision for %s refused: %s", d.item_id, exc)
                _mark(warehouse, d.uid, error=str(exc)[:500])
                continue
            applied += 1
        _mark(warehouse, d.uid)
    if applied:
        log.info("drained %d review decision(s) into the warehouse", applied)
    return applied


def drain_now(warehouse: Path | str | None = None, timeout_s: float = 0.5) -> int | None:
    """Try to drain the inbox right away; None when the warehouse is busy (a flow writes).

    Used by the dashboard after a decision: if no flow holds the lock, the decision lands in
    the warehouse at once; otherwise it waits in the inbox for the flow's next write.
    """
    if not pending_decisions(warehouse):
        return 0
    target = Path(warehouse) if warehouse else db.db_path()
    if not target.exists():
        return None
    try:
        with db.connect(read_only=False, path=target, lock_timeout_s=timeout_s) as con:
            return drain_review_inbox(con, warehouse=target)
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        log.info("warehouse busy, review decision stays in the inbox: %s", str(exc)[:200])
        return None


@contextlib.contextmanager
def writer_connection(path: Path | str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writing warehouse connection that first applies the decisions waiting in the inbox.

    Every step that classifies, reports or publishes opens the warehouse through this, so a
    decision made in the dashboard while a run held the lock is never lost nor ignored.
    """
    target = Path(path) if path else db.db_path()
    with db.connect(path=target) as con:
        drain_review_inbox(con, warehouse=target)
        yield con
