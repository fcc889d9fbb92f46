"""One attempt of a flow that writes the warehouse: lock, run record, and its end.

`run_attempt` holds the warehouse's writer lock for the attempt, marks attempts left `running`
by dead processes `abandoned`, records the new attempt, and records how it ended: the status the
flow set, or `failed` with the error when the flow raised (a run never stays `running`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from connectors.recording import fetched_range, is_synthetic
from core.months import Month
from warehouse import db, runs


@dataclass
class Attempt:
    """The attempt in progress; the flow sets `status` (and notes) before the block ends."""

    run_id: str
    month: str
    status: str = "failed"
    notes: list[str] = field(default_factory=list)


@contextlib.contextmanager
def run_attempt(month: str, flow: str, replay_dir: str | None,
                run_id: str | None = None) -> Iterator[Attempt]:
    """Run one attempt of `flow` for `month` under the warehouse's writer lock.

    Raises:
        warehouse.runs.WarehouseBusy: another run is writing to the warehouse.
    """
    with runs.writer_lock(db.db_path(), f"{flow} {month}"):
        with db.connect() as con:
            run_id = runs.start_run(con, month, flow, replay_dir, run_id,
                                    synthetic=bool(replay_dir) and is_synthetic(Path(replay_dir)))
        attempt = Attempt(run_id=run_id, month=month)
        try:
            yield attempt
        except BaseException as exc:
            with db.connect() as con:
                runs.finish_run(con, run_id, "failed", "; ".join(attempt.notes) or None,
                                error=f"{type(exc).__name__}: {exc}")
            raise
        with db.connect() as con:
            runs.finish_run(con, run_id, attempt.status, "; ".join(attempt.notes) or None)


class RunRefused(ValueError):
    """The run cannot start as asked (its month or replay folder); the message says why."""


def collection_month(month: str | None, now: datetime | None = None) -> Month:
    """The month to collect: a valid `Month`, not after the current one (default: the month
    that just ended).

    Raises:
        RunRefused: not a month, or a month that has not begun.
    """
    current = Month.current(now)
    if month is None:
        return current.previous()
    try:
        parsed = Month.parse(month)
    except ValueError as exc:
        raise RunRefused(str(exc)) from None
    if parsed > current:
        raise RunRefused(f"month {parsed} has not begun (it is {current}); nothing to collect")
    return parsed


def check_replay(replay_dir: str | None, month: str, force: bool = False) -> None:
    """Refuse a replay folder that is missing, empty, or was fetched outside the month's
    collection window (from the month's start to the end of the month after it: the run for
    a month happens early in the next one) unless `force`.

    Raises:
        RunRefused: the folder cannot stand for `month`.
    """
    if replay_dir is None:
        return
    folder = Path(replay_dir)
    if not folder.is_dir():
        raise RunRefused(f"replay folder does not exist: {folder}")
    span = fetched_range(folder)
    if span is None:
        raise RunRefused(f"replay folder {folder} holds no recorded responses")
    start, _ = Month.parse(month).bounds()
    end, _ = Month.parse(month).shift(2).bounds()
    first, last = span
    if (first < start or last >= end) and not force:
        raise RunRefused(
            f"replay folder {folder} was fetched {first:%Y-%m-%d}..{last:%Y-%m-%d}, outside the "
            f"collection window of {month} ({start:%Y-%m-%d}..{end:%Y-%m-%d}): its values would "
            "be stored as this month's. Pass --force to replay it anyway.")
