"""A process that writes the warehouse in a loop, holding DuckDB's write lock, the way a flow's
steps do: each step opens the warehouse through `writer_connection` (which drains the review
inbox first, as every flow step does), writes, holds the lock for a while, and closes.

    python -m tests.support.busy_writer DB --seconds 8 --hold 2.5 --gap 0.2 --ready FILE [--stop FILE]

With `--stop FILE` the test, not the clock, says when the writer is done: it steps until FILE
exists (`--seconds` is then only a safety limit), a hold ends early when FILE appears, and one
last step follows, so a decision made during the run is drained by the writer. Fixed durations
made the tests depend on the machine's load: a page that took longer than the writer's run on a
busy CI host saw no lock, or its decision reached the inbox after the writer's last step.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

from landscape.review_inbox import drain_review_inbox, pending_decisions, writer_connection


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--hold", type=float, default=2.5, help="seconds each step holds the lock")
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between steps")
    parser.add_argument("--ready", type=Path, help="file written once the lock is held")
    parser.add_argument("--stop", type=Path, help="file whose appearance ends the run")
    args = parser.parse_args()
    deadline = time.monotonic() + args.seconds
    step = 0
    while time.monotonic() < deadline and not _stopped(args.stop):
        _step(args, step)
        step += 1
        time.sleep(args.gap)
    if args.stop is not None:
        _step(args, step, hold=False)  # drains what the test decided before it said stop
    return 0


def _stopped(stop: Path | None) -> bool:
    return stop is not None and stop.exists()


def _step(args: argparse.Namespace, step: int, hold: bool = True) -> None:
    """One flow-like step: open (draining the inbox), write, checkpoint, hold the lock, close."""
    waiting = len(pending_decisions(args.db))
    # writer_connection drains the inbox itself; draining again must be a no-op.
    with writer_connection(args.db) as con:
        assert drain_review_inbox(con, warehouse=args.db) == 0
        drained = waiting - len(pending_decisions(args.db))
        con.execute(
            "INSERT INTO cursors VALUES ('busy_writer', 'step', ?, ?) ON CONFLICT DO UPDATE "
            "SET value = excluded.value, updated_at = excluded.updated_at",
            [str(step), datetime.now(UTC)])
        con.execute("CHECKPOINT")
        if args.ready and step == 0:
            args.ready.write_text("locked")
        print(f"step {step}: drained {drained}", flush=True)
        held_until = time.monotonic() + (args.hold if hold else 0.0)
        while time.monotonic() < held_until and not _stopped(args.stop):
            time.sleep(0.05)


if __name__ == "__main__":
    raise SystemExit(main())
