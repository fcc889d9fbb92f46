"""`panorama` — the command line. Every command has `--help`.

Core commands live here; each area's commands live in a `flows/cli_<area>.py` module whose
`register(subparsers)` is called explicitly by `build_parser`. Commands import their work
inside the command function: `panorama --help` or `panorama status` must not pay for torch,
Prefect or FAISS start-up.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import flows  # noqa: F401  (sets PREFECT_HOME etc. before Prefect is imported)
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
from warehouse import db

DEMO_SNAPSHOT = db.PROJECT_ROOT / "demo" / "snapshot"
def demo_months(root: Path = DEMO_SNAPSHOT) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir() and is_month(p.name))


def _print_summary(summary) -> None:  # noqa: ANN001 - MonthlySummary
    from flows.summary import format_summary

    print(format_summary(summary))


def cmd_monthly(args: argparse.Namespace) -> int:
    from flows.monthly import monthly

    summary = monthly(month=args.month, replay_dir=args.replay, record_dir=args.record,
                      sources=args.sources, watchlist_path=args.watchlist,
                      classify=not args.no_classify, report=not args.no_report,
                      task_runner=args.task_runner, dask_address=args.dask_address)
    _print_summary(summary)
    return 0 if summary.status != "failed" else 1


def cmd_collect(args: argparse.Namespace) -> int:
    from flows.collect import collect, finish_run, start_run
    from flows.summary import format_outcomes

    start_run(args.month, args.month, "collect", args.replay)
    outcomes = collect(month=args.month, sources=args.sources, replay_dir=args.replay,
                       record_dir=args.record, watchlist_path=args.watchlist)
    status = finish_run(args.month, outcomes)
    print(format_outcomes(outcomes))
    print(f"run {args.month}: {status}; warehouse: {db.db_path()}")
    return 0 if status != "failed" else 1


def cmd_record(args: argparse.Namespace) -> int:
    args.record, args.replay = str(args.dir), None
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
    summary = None
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


def _add_collect_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sources", nargs="+", choices=["crates", "github", "arxiv", "feeds"],
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
    p.add_argument("--replay", metavar="DIR", help="serve recorded responses from DIR (offline)")
    p.add_argument("--record", metavar="DIR", help="record every exchange into DIR")
    p.add_argument("--no-classify", action="store_true", help="skip classification")
    p.add_argument("--no-report", action="store_true", help="skip the draft report")
    _add_collect_options(p)
    _add_runner_options(p)
    p.set_defaults(func=cmd_monthly)

    p = sub.add_parser("collect", help="collect sources for a month into the warehouse",
                       description="Collect the sources for MONTH into the warehouse only.")
    p.add_argument("month", type=month_arg, help="YYYY-MM")
    p.add_argument("--replay", metavar="DIR", help="serve recorded responses from DIR (offline)")
    p.add_argument("--record", metavar="DIR", help="record every exchange into DIR")
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
