"""`panorama projects`, `panorama project NAME`, and the project-link review commands.

    panorama projects [--json] [--month M] [--all]     projects with members, figures, health
    panorama project NAME [--json] [--month M]         one project's page
    panorama project-review [--json]                   uncertain and proposed links
    panorama project-link ITEM PROJECT accept|split|upstream [--reviewer R] [--note N]

The link review is also part of the review commands (`register_review`, called by
flows/cli_classify.py), beside the category queue:

    panorama review links [--json]
    panorama review link ITEM PROJECT accept|split|upstream --reviewer R [--note N]

Every decision goes through `landscape.project_review.decide_link`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from core.months import month_arg
from warehouse import db

# = landscape.project_review.DECISIONS (tests/test_projects.py checks it); spelled out here so
# building the parser does not import the resolution code. 'split' also rejects a proposal.
LINK_DECISIONS = ("accept", "split", "upstream")


def _latest_month(con: Any) -> str | None:
    row = con.execute("SELECT max(month) FROM runs").fetchone()
    return row[0] if row else None


def _month(con: Any, asked: str | None) -> str | None:
    """The month to show: the asked one if a run collected it, else the latest run's. None
    (with one line on stderr) when there is nothing to show: a month nothing was collected
    for listed every project with '—' figures, as if they had none."""
    if asked is None:
        month = _latest_month(con)
        if month is None:
            print("no runs in the warehouse yet; run `panorama demo` first", file=sys.stderr)
        return month
    if not con.execute("SELECT count(*) FROM v_month_run WHERE month = ?", [asked]).fetchone()[0]:
        print(f"no run for {asked}; run `panorama monthly {asked}` first", file=sys.stderr)
        return None
    return asked


def _worded(row: dict[str, Any]) -> dict[str, Any]:
    """`row` with its health facts decoded and worded (the CLI speaks English)."""
    from report.health_words import health_detail

    facts = row.get("health_facts")
    row["health_facts"] = json.loads(facts) if isinstance(facts, str) else facts
    row["health_detail"] = health_detail(row.get("health_signal"), row["health_facts"], "en")
    return row


def _health(row: dict[str, Any]) -> str:
    return f"{row['health']}: {row['health_detail'] or ''}" if row["health"] else "—"


def _num(v: Any) -> str:
    return "—" if v is None else f"{v:,.0f}"


def cmd_projects(args: argparse.Namespace) -> int:
    from landscape.project_figures import project_figures

    with db.connect(read_only=True) as con:
        month = _month(con, args.month)
        if month is None:
            return 2
        rows = [_worded(r) for r in project_figures(con, month, watched_only=not args.all)]
    if args.json:
        print(json.dumps({"month": month, "projects": rows}, default=str, ensure_ascii=False,
                         indent=1))
        return 0
    print(f"{len(rows)} projects, {month} (downloads: 90 days summed over the project's crates;"
          " stars: primary repository)")
    print(f"{'project':28} {'category':20} {'crates':>6} {'repos':>5} {'downloads':>11} "
          f"{'stars':>8}  health")
    for r in rows:
        print(f"{r['name_en'][:28]:28} {(r['category'] or '—')[:20]:20} {r['crates']:>6} "
              f"{r['repos']:>5} {_num(r['downloads_90d']):>11} {_num(r['stars']):>8}  "
              f"{_health(r)}")
    return 0


def cmd_project(args: argparse.Namespace) -> int:
    from landscape.project_figures import project_page
    from landscape.project_review import project_id_of

    with db.connect(read_only=True) as con:
        month = _month(con, args.month)
        if month is None:
            return 2
        pid = project_id_of(con, args.name)
        page = project_page(con, pid, month) if pid else None
    if page is None:
        print(f"no project {args.name!r} (see `panorama projects --all`)", file=sys.stderr)
        return 2
    _worded(page)
    if args.json:
        print(json.dumps({"month": month, **page}, default=str, ensure_ascii=False, indent=1))
        return 0
    print(f"{page['name_en']} ({page['project_id']}) — {page['category'] or 'no category'}, "
          f"{'watched' if page['watched'] else 'discovered'}; month {month}")
    print(f"health: {page['health'] or '—'} ({page['health_detail'] or 'not computed'})")
    print(f"stars: {_num(page['stars'])} from {page['primary_repo'] or 'no primary repository'}"
          f" [{page['stars_source_url'] or '—'}]")
    print(f"downloads (90 days): {_num(page['downloads_90d'])} = sum of:")
    for part in page["downloads_parts"] or []:
        print(f"  {part['name']:30} {_num(part['value']):>11}  {part['period']}  "
              f"[{part['source_url']}]")
    for part in page.get("downloads_left_out") or []:
        print(f"  left out (last figure older): {part['name']} {_num(part['value'])} "
              f"{part['period']} [{part['source_url']}]")
    print("members:")
    for m in page["members_detail"]:
        flag = "  (needs review)" if m["needs_review"] else ""
        print(f"  {m['role']:14} {m['item_id']:40} {m['evidence']} "
              f"({m['confidence']:.2f}) [{m['evidence_url'] or '—'}]{flag}")
    for r in page["relations"]:
        arrow = "→" if r["direction"] == "out" else "←"
        print(f"relation: {r['relation']} {arrow} {r['related_name']} ({r['evidence']})")
    for rel in page["releases"]:
        print(f"release: {rel['version']} {rel['published_at']:%Y-%m-%d} {rel['url'] or ''}"
              + (f" (also {rel['second_url']})" if rel["second_url"] else ""))
    for p in page["papers_detail"]:
        print(f"paper: {p['title']} {p['abs_url'] or ''}")
    for q in page["review"]:
        print(f"to review: {q['kind']} {q['item_id']} ({q['reason']}, {q['confidence']:.2f})")
    return 0


def cmd_project_review(args: argparse.Namespace) -> int:
    from landscape.project_review import link_review_queue

    with db.connect(read_only=True) as con:
        queue = link_review_queue(con)
    if args.json:
        print(json.dumps([q.__dict__ for q in queue], ensure_ascii=False, indent=1))
        return 0
    print(f"{len(queue)} project link(s) to review (decide: panorama review link ITEM PROJECT "
          f"{'|'.join(LINK_DECISIONS)} --reviewer NAME)")
    for q in queue:
        print(f"{q.kind:8} {q.item_id:40} → {q.project_name or q.project_id:24} "
              f"{q.reason} ({q.confidence:.2f}) [{q.evidence_url or '—'}]")
    return 0


def cmd_project_link(args: argparse.Namespace) -> int:
    from landscape.project_review import decide_link

    with db.connect() as con:
        try:
            decision_id = decide_link(con, args.item, args.project, args.decision,
                                      reviewer=args.reviewer, note=args.note)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print(f"recorded {args.decision} of {args.item} / {args.project} ({decision_id}); "
          "projects re-resolved")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("projects", help="projects with their members, figures and health",
                       description="List projects (watched by default; --all adds discovered "
                       "ones) with member counts, summed downloads, primary-repo stars and "
                       "health for MONTH (default: the latest run).")
    p.add_argument("--month", type=month_arg, help="YYYY-MM (default: latest run)")
    p.add_argument("--all", action="store_true", help="include discovered projects")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_projects)

    p = sub.add_parser("project", help="one project: members, evidence, figures, releases",
                       description="Show one project (by name or id): its members with the "
                       "evidence linking them, relations, figures with their parts, releases, "
                       "papers that mention it, health and open review items.")
    p.add_argument("name", help="project name or id, e.g. candle or project:candle")
    p.add_argument("--month", type=month_arg, help="YYYY-MM (default: latest run)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_project)

    p = sub.add_parser("project-review", help="project links waiting for a decision",
                       description="List uncertain merges and proposed merges (name "
                       "similarity never merges on its own).")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_project_review)

    p = sub.add_parser("project-link", help="decide a project link: accept, split, upstream",
                       description="Record a decision on ITEM and PROJECT; it sticks across "
                       "runs (resolution reads it every time).")
    _add_link_decision(p, reviewer_required=False)


def _add_link_decision(p: argparse.ArgumentParser, *, reviewer_required: bool) -> None:
    """The arguments of a link decision (`project-link` and `review link`; the review
    command, like the category review's, names the reviewer)."""
    p.add_argument("item", help="item id, e.g. crate:biome")
    p.add_argument("project", help="project name or id")
    p.add_argument("decision", choices=LINK_DECISIONS)
    p.add_argument("--reviewer", required=reviewer_required)
    p.add_argument("--note")
    p.set_defaults(func=cmd_project_link)


def link_queue_hint() -> str | None:
    """One line for `panorama review list`: how many project links wait, and where."""
    from landscape.project_review import link_review_queue

    with db.connect(read_only=True) as con:
        n = len(link_review_queue(con))
    return f"{n} project link(s) also wait for review: panorama review links" if n else None


def register_review(rsub: argparse._SubParsersAction) -> None:
    """Add `links` and `link` to `panorama review` (the category review's subcommands)."""
    r = rsub.add_parser("links", help="project links waiting for a decision",
                        description="Uncertain merges and proposed merges of items into "
                        "projects (name similarity never merges on its own), likeliest first.")
    r.add_argument("--json", action="store_true", help="print JSON")
    r.set_defaults(func=cmd_project_review)
    r = rsub.add_parser("link", help="decide a project link: accept, split (reject), upstream",
                        description="accept: ITEM is part of PROJECT; split: it is not (a wrong "
                        "merge is undone, a proposal rejected); upstream: PROJECT builds on it "
                        "(a relation, not a member). Decisions stick across runs.")
    _add_link_decision(r, reviewer_required=True)
