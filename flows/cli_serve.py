"""`panorama serve` and `panorama breakthrough`: the schedule and the weekly check."""

from __future__ import annotations

import argparse
from pathlib import Path


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.serve import MONTHLY_CRON, WEEKLY_CRON, build_deployments, serve_all

    monthly_params = {"task_runner": args.task_runner}
    if args.dask_address:
        monthly_params["dask_address"] = args.dask_address
    kwargs = dict(monthly_params=monthly_params, weekly_params={},
                  monthly_cron=args.monthly_cron or MONTHLY_CRON,
                  weekly_cron=args.weekly_cron or WEEKLY_CRON)
    if args.dry_run:
        for dep in build_deployments(**kwargs):
            crons = [getattr(s.schedule, "cron", s) for s in (dep.schedules or [])]
            print(f"{dep.name}: flow={dep.flow_name} cron={crons} parameters={dep.parameters}")
        return 0
    serve_all(**kwargs)
    return 0


def cmd_breakthrough(args: argparse.Namespace) -> int:
    from flows.runs import RunRefused

    if args.replay and not Path(args.replay).is_dir():  # before Prefect starts
        raise RunRefused(f"replay folder does not exist: {args.replay}")
    from flows.breakthrough import breakthrough

    result = breakthrough(month=args.month, replay_dir=args.replay,
                          lookback_days=args.lookback_days,
                          similarity_threshold=args.threshold)
    print(f"breakthrough check {result['run_id']}: {result['status']}, "
          f"{result['flags']} flag(s)")
    for title in result["flagged"]:
        print(f"  - {title}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the monthly and weekly deployments (Prefect)",
                       description="Serve Prefect deployments from this process: `monthly-landscape` "
                       "on the 1st of each month (06:00 UTC) and `weekly-breakthrough-check` on "
                       "Mondays (06:00 UTC).")
    p.add_argument("--task-runner", choices=["thread", "dask"], default="thread",
                   help="task runner of the scheduled monthly runs")
    p.add_argument("--dask-address", metavar="ADDR", help="existing Dask scheduler")
    p.add_argument("--monthly-cron", help="override the monthly cron (default '0 6 1 * *')")
    p.add_argument("--weekly-cron", help="override the weekly cron (default '0 6 * * 1')")
    p.add_argument("--dry-run", action="store_true",
                   help="print the deployments and schedules, do not serve")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("breakthrough", help="run the weekly breakthrough check once",
                       description="Light collection of watched items; flag major releases and "
                       "papers close to landscape items; add them to the month's draft.")
    p.add_argument("--month", help="draft month YYYY-MM (default: current month)")
    p.add_argument("--replay", metavar="DIR", help="serve recorded responses from DIR")
    p.add_argument("--lookback-days", type=int, default=7, help="how far back is new (days)")
    p.add_argument("--threshold", type=float, default=0.6,
                   help="similarity to a landscape item that makes a paper close")
    p.set_defaults(func=cmd_breakthrough)
