"""`panorama ingest-dump PATH [--month YYYY-MM]`: load the crates.io database dump.

Registered into `flows/cli.py` through `register(subparsers)`. The work is in
`warehouse.dump_ingest`; this module only parses arguments and prints the outcome.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.months import month_arg


def cmd_ingest_dump(args: argparse.Namespace) -> int:
    """Ingest one dump; exit 2 with a one-line reason when the dump is unusable."""
    from warehouse import db
    from warehouse.dump_files import DumpError
    from warehouse.dump_ingest import ingest_dump

    try:
        with db.connect() as con:
            summary = ingest_dump(con, Path(args.path), month=args.month,
                                  memory_limit=args.memory_limit, allow_older=args.allow_older)
    except DumpError as exc:
        print(f"ingest-dump: {exc}", file=sys.stderr)
        return 2
    counts = summary["counts"]
    print(f"dump {summary['dump_id']} (as of {summary['as_of']}) ingested in "
          f"{summary['seconds']:.1f} s as run {summary['run_id']}; warehouse: {db.db_path()}")
    for table, rows in counts.items():  # type: ignore[union-attr]
        print(f"  {table:<32} {rows:>12,}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `ingest-dump` sub-command to the `panorama` parser."""
    p = subparsers.add_parser(
        "ingest-dump",
        help="load the crates.io database dump (whole registry) into the warehouse",
        description="Load the crates.io database dump (db-dump.tar.gz or its extracted folder) "
        "into the warehouse: dump_* tables, an items row per registry crate and "
        "downloads_total/downloads_daily observations. Re-ingesting the same dump is a no-op.",
    )
    p.add_argument("path", help="db-dump.tar.gz, or the extracted YYYY-MM-DD-HHMMSS/ folder")
    p.add_argument("--month", type=month_arg,
                   help="period (YYYY-MM) of the downloads_total snapshot "
                   "(default: the dump's month)")
    p.add_argument("--memory-limit", default=None,
                   help="DuckDB memory cap during the ingest "
                   "(default: $PANORAMA_DUMP_MEMORY_LIMIT or 2GB)")
    p.add_argument("--allow-older", action="store_true",
                   help="accept a dump older than the newest one already ingested")
    p.set_defaults(func=cmd_ingest_dump)
