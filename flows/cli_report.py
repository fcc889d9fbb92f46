"""CLI commands of the report area: `report`, `publish` (with its guard and corrections),
`diff` (the semantic diff) and `export` (the warehouse's public tables as Parquet or CSV)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.months import month_arg


def _count(value: str) -> int:
    """argparse `type=`: 0 or more (`diff --limit -1` cut every list one short)."""
    try:
        n = int(value)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number, 0 or more, got {value!r}")
    return n


def _month_has_run(month: str) -> bool:
    from warehouse import db

    with db.connect(read_only=True) as con:
        return bool(con.execute("SELECT count(*) FROM v_month_run WHERE month = ?",
                                [month]).fetchone()[0])


def cmd_report(args: argparse.Namespace) -> int:
    from report.build import render_report

    if args.month and not _month_has_run(args.month):
        # A report of a month nothing was collected for would show other months' data.
        print(f"panorama report: no run for {args.month}; run `panorama monthly {args.month}` "
              "first", file=sys.stderr)
        return 2
    result = render_report(args.month)
    print(f"report {result.month} r{result.revision} ({result.status})")
    print(f"  zh: {result.zh}\n  en: {result.en}\n  revision folder: {result.folder}")
    if result.status == "draft-after-publication":
        print(f"  note: {result.month} is published; this draft did not replace it. Publish it "
              f"as a correction: panorama publish {result.month} --supersede --reason \"…\"",
              file=sys.stderr)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from report.guard import format_blockers, publish_blockers
    from report.publish import PublishBlocked, PublishError, publish

    if args.check:
        try:
            blockers = publish_blockers(args.month, args.revision)
        except LookupError as exc:  # no report of the month, no such revision: bad input
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{args.month}: {len(blockers)} kind(s) of open work block publishing")
        print(format_blockers(blockers))
        return 0 if not blockers else 1
    if not args.reviewer:
        print("error: --reviewer NAME is required to publish", file=sys.stderr)
        return 2
    try:
        pub = publish(args.month, args.reviewer, revision=args.revision,
                      accept_open=args.accept_open, supersede=args.supersede,
                      reason=args.reason)
    except PublishBlocked as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    except PublishError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    what = "correction" if args.supersede else "published"
    print(f"{what}: {pub.month} r{pub.revision} by {pub.reviewer} at "
          f"{pub.published_at:%Y-%m-%d %H:%M UTC}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from report.diff import DiffError, semantic_diff
    from report.diff_format import format_semantic_diff

    try:
        diff = semantic_diff(args.month, against=args.against, revision=args.revision,
                             lang=args.lang, full_text=args.full_text)
    except DiffError as exc:  # no report of the month, no such revision: bad input
        from report.render import load_labels

        print(load_labels()[args.lang]["diff_error"].format(message=exc.text(args.lang)),
              file=sys.stderr)
        return 2
    print(format_semantic_diff(diff, limit=args.limit))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse import db
    from warehouse.export import export_tables

    target = Path(args.dir)
    if target.exists() and not target.is_dir():
        print(f"panorama export: {target} is a file, not a folder", file=sys.stderr)
        return 2
    try:
        with db.connect(read_only=True) as con:
            tables = export_tables(con, target, args.format)
    except OSError as exc:  # a folder that cannot be made or written: one line, not a trace
        print(f"panorama export: cannot write to {target}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    for t in tables:
        print(f"  {t.name:20} {t.rows:>9,} rows  {t.path}")
    print(f"exported {len(tables)} table(s) as {args.format} to {args.dir} (see README.md there)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("report", help="render the draft report of a month (zh + en)",
                              description="Render reports/YYYY-MM/ from the warehouse: "
                              "landscape.zh.md, landscape.en.md, data/*.csv, charts/, sources.csv.")
    p.add_argument("month", nargs="?", type=month_arg, help="YYYY-MM (default: latest collected)")
    p.set_defaults(func=cmd_report)

    p = subparsers.add_parser(
        "publish", help="publish a reviewed month (or correct a published one)",
        description="Publish MONTH's latest revision as reviewed by --reviewer. Refused while "
        "open work would go out (unreviewed items in printed tables, open link reviews, failed "
        "sources, newly contradicted claims) unless --accept-open gives a reason. A published "
        "month is corrected with --supersede --reason; its earlier revision stays unchanged.")
    p.add_argument("month", type=month_arg)
    p.add_argument("--reviewer", help="who reviewed the draft (required to publish)")
    p.add_argument("--revision", type=int, help="revision to publish (default: latest)")
    p.add_argument("--accept-open", metavar="REASON",
                   help="publish despite open work; the reason is recorded in PUBLISHED")
    p.add_argument("--supersede", action="store_true",
                   help="publish a later revision of an already published month (a correction)")
    p.add_argument("--reason", help="why the correction is published (printed in the report)")
    p.add_argument("--check", action="store_true",
                   help="only list what blocks publishing (exit 1 if anything does)")
    p.set_defaults(func=cmd_publish)

    p = subparsers.add_parser(
        "diff", help="what changed: figures, rows, categories, health, verdicts, then text",
        description="Semantic diff of MONTH's latest revision against the previous published "
        "month, another published month (--against) or an earlier revision of MONTH "
        "(--revision N).")
    p.add_argument("month", type=month_arg)
    p.add_argument("--against", type=month_arg, help="compare with this published month")
    p.add_argument("--revision", type=int, metavar="N",
                   help="compare with revision N of the same month")
    p.add_argument("--lang", choices=["zh", "en"], default="en",
                   help="language of the whole diff: its sentences, labels, statuses and "
                   "the report text it compares (default: en)")
    p.add_argument("--full-text", action="store_true",
                   help="text diff of the whole report, table rows and footnotes included")
    p.add_argument("--limit", type=_count, default=15,
                   help="entries shown per list (0: all; default 15)")
    p.set_defaults(func=cmd_diff)

    p = subparsers.add_parser(
        "export", help="write the warehouse's tables as Parquet or CSV, with a README",
        description="Export projects (when present), items, observations, releases, papers, "
        "classifications and review decisions to DIR with DuckDB COPY, plus README.md "
        "describing every column.")
    p.add_argument("dir", type=Path, help="folder to write into (created if missing)")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    p.set_defaults(func=cmd_export)
