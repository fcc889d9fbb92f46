"""Run history and the one-writer rule.

Every attempt of a flow that writes the warehouse (`monthly`, `collect`, `breakthrough`) gets its
own run id and row in `runs` (status, start, end) with its error in `run_errors`. The month's
current state is the view `v_month_run`, derived from the attempts, never overwritten.

One writer per warehouse: an attempt holds an exclusive lock file beside the DuckDB file for its
whole duration (DuckDB's own lock only covers one connection, and flows open many short ones,
so two runs would otherwise interleave). The lock dies with its process, so a `running` attempt
found by the next writer belongs to a dead process and is marked `abandoned`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.months import Month
from warehouse.transaction import transaction

FINAL_STATUSES = ("completed", "completed_with_failures", "failed", "abandoned")
_FLOW_TAGS = {"monthly": "m", "collect": "c", "breakthrough": "bt"}


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse's writer lock."""


def lock_path(warehouse: Path) -> Path:
    """The writer lock file of a warehouse file."""
    return warehouse.with_name(warehouse.name + ".writer.lock")


_held: dict[Path, int] = {}  # lock files this process holds -> nesting depth


@contextlib.contextmanager
def writer_lock(warehouse: Path, holder: str) -> Iterator[None]:
    """Hold the warehouse's writer lock for the block, or raise WarehouseBusy at once.

    Re-entrant within a process (the CLI takes it before Prefect starts, the flow again).

    Args:
        warehouse: the DuckDB file.
        holder: who holds it (a run id or a command), shown to whoever is refused.
    """
    path = lock_path(warehouse.resolve())
    if _held.get(path):
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    with _exclusive(path, warehouse, holder):
        _held[path] = 1
        try:
            yield
        finally:
            _held.pop(path, None)


@contextlib.contextmanager
def _exclusive(path: Path, warehouse: Path, holder: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(_busy_message(path, warehouse)) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"holder": holder, "pid": os.getpid(),
                                 "since": datetime.now(UTC).isoformat(timespec="seconds")})
                 .encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _busy_message(path: Path, warehouse: Path) -> str:
    try:
        info = json.loads(path.read_text("utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    who = (f" ({info.get('holder')}, pid {info.get('pid')}, since {info.get('since')})"
           if info else "")
    return (f"another run is writing to {warehouse}{who}; wait for it to finish and try again "
            "(one writer per warehouse)")


def new_run_id(con: duckdb.DuckDBPyConnection, month: str, flow: str,
               now: datetime | None = None) -> str:
    """A fresh id `<month>.<flow tag>-<UTC time>`, unique among the stored runs."""
    stamp = f"{Month.parse(month)}.{_FLOW_TAGS.get(flow, flow)}-{(now or datetime.now(UTC)):%Y%m%dT%H%M%S}"
    taken = {r[0] for r in con.execute(
        "SELECT run_id FROM runs WHERE run_id LIKE ? || '%'", [stamp]).fetchall()}
    run_id, n = stamp, 1
    while run_id in taken:
        n += 1
        run_id = f"{stamp}.{n}"
    return run_id


def abandon_stale(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Mark every `running` attempt `abandoned` (call only while holding the writer lock:
    then no other process can be running one)."""
    stale = [r[0] for r in con.execute(
        "SELECT run_id FROM runs WHERE status = 'running'").fetchall()]
    now = datetime.now(UTC)
    with transaction(con):
        for run_id in stale:
            con.execute("UPDATE runs SET status = 'abandoned', finished_at = ? WHERE run_id = ?",
                        [now, run_id])
            con.execute("INSERT INTO run_errors (run_id, error) VALUES (?, ?) "
                        "ON CONFLICT (run_id) DO UPDATE SET error = excluded.error",
                        [run_id, "abandoned: its process ended before the run finished"])
    return stale


def start_run(con: duckdb.DuckDBPyConnection, month: str, flow: str,
              replay_dir: str | None, run_id: str | None = None,
              synthetic: bool = False) -> str:
    """Abandon stale attempts, then record a new `running` attempt; returns its id.
    `synthetic`: the replayed recording's numbers are made up (the demo snapshot)."""
    abandon_stale(con)
    run_id = run_id or new_run_id(con, month, flow)
    con.execute(
        "INSERT INTO runs (run_id, month, flow, mode, replay_dir, started_at, status, synthetic)"
        " VALUES (?, ?, ?, ?, ?, ?, 'running', ?)",
        [run_id, Month.parse(month), flow, "replay" if replay_dir else "live", replay_dir,
         datetime.now(UTC), synthetic])
    con.execute("INSERT INTO run_errors (run_id, error, pid) VALUES (?, '', ?) "
                "ON CONFLICT (run_id) DO UPDATE SET pid = excluded.pid", [run_id, os.getpid()])
    return run_id


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str,
               note: str | None = None, error: str | None = None) -> None:
    """Record how an attempt ended (and why, when it failed)."""
    if status not in FINAL_STATUSES:
        raise ValueError(f"not a final run status: {status!r}")
    with transaction(con):
        con.execute("UPDATE runs SET finished_at = ?, status = ?, note = ? WHERE run_id = ?",
                    [datetime.now(UTC), status, note, run_id])
        if error:
            con.execute("UPDATE run_errors SET error = ? WHERE run_id = ?", [error[:2000], run_id])
