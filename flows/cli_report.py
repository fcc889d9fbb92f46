"""CLI commands of the report area: `report YYYY-MM`, `publish YYYY-MM --reviewer NAME`, `diff`."""

from __future__ import annotations

import argparse
import sys

from core.months import month_arg


def cmd_report(args: argparse.Namespace) -> int:
    from report.build import render_report

    result = render_report(args.month)
    print(f"report {result.month} r{result.revision} ({result.status})")
    print(f"  zh: {result.zh}\n  en: {result.en}\n  revision folder: {result.folder}")
    if result.status == "draft-after-publication":
        print("  note: the month is published; this draft did not replace it", file=sys.stderr)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from report.publish import PublishError, publish

    try:
        pub = publish(args.month, args.reviewer, revision=args.revision)
    except PublishError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"published {pub.month} r{pub.revision} by {pub.reviewer} at "
          f"{pub.published_at:%Y-%m-%d %H:%M UTC}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from report.publish import PublishError, diff_month, format_diff

    try:
        print(format_diff(diff_month(args.month, args.against)))
    except PublishError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("report", help="render the draft report of a month (zh + en)",
                              description="Render reports/YYYY-MM/ from the warehouse: "
                              "landscape.zh.md, landscape.en.md, data/*.csv, charts/, sources.csv.")
    p.add_argument("month", nargs="?", type=month_arg, help="YYYY-MM (default: latest collected)")
    p.set_defaults(func=cmd_report)

    p = subparsers.add_parser("publish", help="freeze a reviewed month (immutable afterwards)")
    p.add_argument("month", type=month_arg)
    p.add_argument("--reviewer", required=True, help="who reviewed the draft")
    p.add_argument("--revision", type=int, help="revision to publish (default: latest)")
    p.set_defaults(func=cmd_publish)

    p = subparsers.add_parser("diff", help="landscape changes vs the previous published month")
    p.add_argument("month", type=month_arg)
    p.add_argument("--against", type=month_arg, help="compare with this published month")
    p.set_defaults(func=cmd_diff)
