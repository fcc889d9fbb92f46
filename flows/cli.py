"""`panorama` — the command line. Every command has `--help`.

Core commands live here; each area's commands live in a `flows/cli_<area>.py` module whose
`register(subparsers)` is called explicitly by `build_parser`. Commands import their work
inside the command function: `panorama --help` or `panorama status` must not pay for torch,
Prefect or FAISS start-up.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from types import FrameType

import flows  # noqa: F401  (sets PREFECT_HOME etc. before Prefect is imported)
from connectors import SOURCES
from connectors.ratelimit import CANCEL
from connectors.watchlist import WatchlistError, load_watchlist
from core.months import is_month, month_arg
from flows import (
    cli_classify,
    cli_dashboard,
    cli_dump,
    cli_projects,
    cli_report,
    cli_search,
    cli_serve,
)
from flows.runs import RunRefused, check_replay, collection_month
from flows.watchdog import guard_children
from warehouse import db
from warehouse.runs import WarehouseBusy, writer_lock

DEMO_SNAPSHOT = db.PROJECT_ROOT / "demo" / "snapshot"
# Exit codes: 1 the run failed, 2 refused before starting (usage, month, replay, config),
# 3 another run is writing, 143 stopped by SIGTERM.
REFUSED, BUSY, TERMINATED = 2, 3, 143
# Commands that may start Prefect's temporary server or a Dask cluster: guarded by a watchdog
# so that no child outlives `panorama`, even after kill -9.
FLOW_COMMANDS = {"monthly", "collect", "record", "demo", "breakthrough", "serve"}
_GUARDS: list[object] = []


def demo_months(root: Path = DEMO_SNAPSHOT) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir() and is_month(p.name))


def preflight(month: str | None, replay: str | None, watchlist: str | None,
              force: bool = False) -> str:
    """Everything a collecting command checks before Prefect starts: the month (valid, begun),
    the replay folder (exists, fetched in the month's window), the watchlist (parses) and the
    warehouse file (a DuckDB database). Returns the month; raises on the first problem."""
    chosen = collection_month(month)
    check_replay(replay, chosen, force)
    load_watchlist(watchlist)
    with db.connect():
        pass
    return chosen


def _print_summary(summary) -> None:  # noqa: ANN001 - MonthlySummary
    from flows.summary import format_summary

    print(format_summary(summary))


def cmd_monthly(args: argparse.Namespace) -> int:
    month = preflight(args.month, args.replay, args.watchlist, args.force)
    with writer_lock(db.db_path(), f"panorama monthly {month}"):
        from flows.monthly import monthly

        summary = monthly(month=month, replay_dir=args.replay, record_dir=args.record,
                          sources=args.sources, watchlist_path=args.watchlist,
                          classify=not args.no_classify, report=not args.no_report,
                          task_runner=args.task_runner, dask_address=args.dask_address,
                          force=args.force)
    _print_summary(summary)
    return 0 if summary.status != "failed" else 1


def cmd_collect(args: argparse.Namespace) -> int:
    month = preflight(args.month, args.replay, args.watchlist, args.force)
    with writer_lock(db.db_path(), f"panorama collect {month}"):
        from flows.collect import collect, run_status
        from flows.summary import format_outcomes

        outcomes = collect(month=month, sources=args.sources, replay_dir=args.replay,
                           record_dir=args.record, watchlist_path=args.watchlist)
    print(format_outcomes(outcomes))
    print(f"collect {month}: {run_status(outcomes)}; warehouse: {db.db_path()}")
    return 0 if run_status(outcomes) != "failed" else 1


def cmd_record(args: argparse.Namespace) -> int:
    args.record, args.replay, args.force = str(args.dir), None, False
    return cmd_collect(args)


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: replay every demo month in order, ending with the latest one.

    Each earlier month is published as it would be by an editor (reviewer "demo", marked as a
    demo publication), so the latest draft has a published month before it and a real diff.
    """
    from flows.monthly import monthly
    from report.publish import publish_demo

    snapshot = Path(args.snapshot)
    months = demo_months(snapshot)
    if not months:
        print(f"no demo months under {snapshot}", file=sys.stderr)
        return 2
    notice = snapshot / "SYNTHETIC.md"
    if notice.exists():
        print(notice.read_text("utf-8").strip(), end="\n\n")
    for month in months:
        preflight(month, str(snapshot / month), None)
    summary = None
    with writer_lock(db.db_path(), "panorama demo"):
        for month in months:
            latest = month == months[-1]
            print(f"== {month}: replaying {snapshot / month}", flush=True)
            summary = monthly(month=month, replay_dir=str(snapshot / month),
                              classify=True, report=True,
                              task_runner=args.task_runner, dask_address=args.dask_address)
            if not latest:
                from flows.summary import one_line

                pub = publish_demo(month)
                print(f"{one_line(summary)}; published r{pub.revision} as demo", flush=True)
    _print_summary(summary)
    return 0 if summary and summary.status != "failed" else 1


def cmd_status(args: argparse.Namespace) -> int:
    from flows.summary import format_status

    with db.connect(read_only=True) as con:
        print(format_status(con))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from warehouse.migrations import apply_migrations

    with db.connect(migrate=False) as con:
        applied = apply_migrations(con)
    print(f"applied: {', '.join(applied) or 'nothing (up to date)'}; warehouse: {db.db_path()}")
    return 0


def _add_runner_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task-runner", choices=["thread", "dask"], default="thread",
                   help="run collection and embedding tasks on threads (default) or on Dask")
    p.add_argument("--dask-address", metavar="ADDR",
                   help="scheduler of an existing Dask cluster (default: a LocalCluster)")


def _add_replay_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--replay", metavar="DIR", help="serve recorded responses from DIR (offline)")
    p.add_argument("--record", metavar="DIR", help="record every exchange into DIR")
    p.add_argument("--force", action="store_true",
                   help="replay DIR even when it was fetched outside MONTH's collection window")


def _add_collect_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sources", nargs="+", choices=SOURCES,
                   help="collect only these sources (default: all)")
    p.add_argument("--watchlist", help="watchlist TOML (default: config/watchlist.toml)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="panorama",
        description="Keep the AI x Rust landscape report alive: collect, classify, report.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("monthly", help="the monthly flow for a month: collect, classify, report",
                       description="Run the monthly flow for MONTH: collect every source, "
                       "classify new items, write the draft report.")
    p.add_argument("month", type=month_arg, nargs="?",
                   help="YYYY-MM (default: the month that just ended)")
    _add_replay_options(p)
    p.add_argument("--no-classify", action="store_true", help="skip classification")
    p.add_argument("--no-report", action="store_true", help="skip the draft report")
    _add_collect_options(p)
    _add_runner_options(p)
    p.set_defaults(func=cmd_monthly)

    p = sub.add_parser("collect", help="collect sources for a month into the warehouse",
                       description="Collect the sources for MONTH into the warehouse only.")
    p.add_argument("month", type=month_arg, help="YYYY-MM")
    _add_replay_options(p)
    _add_collect_options(p)
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("record", help="collect live and save every exchange into DIR",
                       description="Collect live (needs network) and record every HTTP "
                       "exchange into DIR, for later `--replay DIR`.")
    p.add_argument("dir", type=Path, help="folder to record into")
    p.add_argument("--month", type=month_arg, required=True, help="YYYY-MM the run reports on")
    _add_collect_options(p)
    p.set_defaults(func=cmd_record)

    p = sub.add_parser("demo", help="the main job: monthly runs over the shipped demo snapshot",
                       description="Replay every month of the demo snapshot in order (offline) "
                       "and end with the latest month's summary and draft report; the earlier "
                       "months are published (reviewer 'demo'), so the draft has a diff.")
    p.add_argument("--snapshot", default=str(DEMO_SNAPSHOT), help="snapshot folder")
    _add_runner_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("status", help="runs and per-source status in the warehouse",
                       description="Show the runs and per-source status recorded in the warehouse.")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("migrate", help="apply pending warehouse migrations",
                       description="Apply pending migrations to the warehouse (safe to rerun).")
    p.set_defaults(func=cmd_migrate)

    # Each area's commands, registered explicitly (grep a command's name to find it).
    for area in (cli_classify, cli_dashboard, cli_dump, cli_projects, cli_report, cli_search,
                 cli_serve):
        area.register(sub)
    return parser


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM: stop waits and requests at once, then unwind the main thread (the run is
    recorded as failed on the way out)."""
    CANCEL.set()
    raise SystemExit(TERMINATED)


def _quiet_broken_pipe() -> int:
    # `panorama status | head`: the reader left. Point stdout at /dev/null so Python's own
    # flush at exit does not raise again, and end quietly.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    if args.command in FLOW_COMMANDS:
        _GUARDS.append(guard_children())  # kept until the interpreter exits (after atexit)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except (RunRefused, WatchlistError, db.WarehouseFileError) as exc:
        print(f"panorama {args.command}: {exc}", file=sys.stderr)
        return REFUSED
    except WarehouseBusy as exc:
        print(f"panorama {args.command}: {exc}", file=sys.stderr)
        return BUSY
    except SystemExit as exc:
        if exc.code == TERMINATED and CANCEL.is_set():
            # Worker threads may still be in a request or a Prefect retry delay; they hold
            # nothing the run needs (it is recorded already): do not wait for them.
            print(f"panorama {args.command}: stopped (SIGTERM)", file=sys.stderr)
            sys.stderr.flush()
            os._exit(TERMINATED)
        raise


if __name__ == "__main__":
    sys.exit(main())
