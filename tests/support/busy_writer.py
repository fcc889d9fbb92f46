"""A process that writes the warehouse in a loop, holding DuckDB's write lock, the way a flow's
steps do: each step opens the warehouse through `writer_connection` (which drains the review
inbox first, as every flow step does), writes, holds the lock for a while, and closes.

    python -m tests.support.busy_writer DB --seconds 8 --hold 2.5 --gap 0.2 --ready FILE
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
    args = parser.parse_args()
    deadline = time.monotonic() + args.seconds
    step = 0
    while time.monotonic() < deadline:
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
            time.sleep(args.hold)
        step += 1
        time.sleep(args.gap)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
