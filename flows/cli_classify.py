"""Classification commands: `panorama eval | review | classify` (search: flows/cli_search.py).

Registered into `flows/cli.py` through `register(subparsers)`; `main(argv)` runs them alone.
The work is in `landscape.{evaluate,review,classify,topics}`; this module only parses
arguments and prints.

    panorama eval --train TRAIN.jsonl --test TEST.jsonl [--model NAME]   # one JSON object
    panorama review list [--limit 50]
    panorama review decide ITEM_ID {accept,reassign,out_of_scope} --reviewer NAME [--category ID] [--note TEXT]
    panorama review links | link ITEM PROJECT {accept,split,upstream}   (flows/cli_projects.py)
    panorama classify [--run RUN_ID] [--item ITEM_ID ...] [--model NAME] [--topics]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from flows.cli_projects import register_review


def _jsonl_problem(path: str) -> str | None:
    """What is wrong with a labelled JSONL file, or None."""
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}"
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            return f"{path}:{number}: not JSON ({exc})"
        if not isinstance(row, dict) or "label" not in row:
            return f"{path}:{number}: no \"label\" field (each line needs a label and a text)"
    return None


def cmd_eval(args: argparse.Namespace) -> int:
    from landscape.evaluate import run_eval

    for path in (args.train, args.test):  # before the model loads: one line, not a traceback
        if problem := _jsonl_problem(path):
            print(f"panorama eval: {problem}", file=sys.stderr)
            return 2
    result = run_eval(args.train, args.test, model_name=args.model)
    print(json.dumps(result, ensure_ascii=False))
    return 0


def cmd_review_list(args: argparse.Namespace) -> int:
    from flows.cli_projects import link_queue_hint
    from landscape.review import review_queue
    from warehouse import db

    with db.connect(read_only=True) as con:
        queue = review_queue(con, limit=args.limit)
    if args.json:
        print(json.dumps(queue, ensure_ascii=False, default=str))
        return 0
    if not queue:
        print("review queue is empty")
    if hint := link_queue_hint():
        print(hint)
    for q in queue:
        print(f"{q['confidence']:.2f}  {q['item_id']}  -> {q['category']}  {q['title'] or q['name']}")
        for nb in (q["neighbours"] or [])[:3]:
            print(f"        {nb['similarity']:.3f} {nb['label']:<20} {nb['title']}")
    return 0


def cmd_review_decide(args: argparse.Namespace) -> int:
    from landscape.review import record_decision
    from warehouse import db

    try:
        with db.connect() as con:
            d = record_decision(con, args.item_id, args.decision, args.reviewer,
                                category=args.category, note=args.note)
    except ValueError as exc:
        print(f"review: {exc}", file=sys.stderr)
        return 2
    print(f"recorded: {d['item_id']} {d['decision']} -> {d['category']} by {d['reviewer']}")
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from landscape.classify import classify_items
    from landscape.review_inbox import writer_connection
    from landscape.search_index import sync_search_index
    from landscape.topics import detect_emerging_topics

    # A manual classification belongs to no month's run (it used to be filed under the
    # wall-clock month, as if that month had been collected).
    run_id = args.run or f"manual-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    with writer_connection() as con:
        s = classify_items(con, run_id, item_ids=args.item or None, model_name=args.model)
        idx = sync_search_index(con, args.model)
        topics = detect_emerging_topics(con, run_id, model_name=args.model) if args.topics else []
    print(f"run {run_id}: {s.classified} classified, {s.embedded} embedded, "
          f"{s.needs_review} to review, index {s.index_size} entries ({s.index_version}), "
          f"{s.seconds:.1f}s" + (" — nothing new" if s.skipped else ""))
    print(f"search index: {idx.action}, {idx.count} items ({idx.kind})")
    for cat, n in s.by_category.items():
        print(f"  {cat:<22} {n:>6}")
    for t in topics:
        print(f"  topic {t['name']!r}: {t['size']} items")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `eval`, `review` and `classify` to the `panorama` parser."""
    p = subparsers.add_parser("eval", help="measure the classifier on labelled JSONL files",
                              description="Index TRAIN items as labelled exemplars, classify "
                              "TEST items with the pipeline's classifier, print one JSON object.")
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--model", default=None, help="embedding model (default all-MiniLM-L6-v2)")
    p.set_defaults(func=cmd_eval)

    p = subparsers.add_parser("review", help="the review queue and a person's decisions")
    rsub = p.add_subparsers(dest="review_command", required=True)
    r = rsub.add_parser("list", help="uncertain classifications, most uncertain first")
    r.add_argument("--limit", type=int, default=50)
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_review_list)
    r = rsub.add_parser("decide", help="record a decision (the machine never overwrites it)")
    r.add_argument("item_id")
    r.add_argument("decision", choices=["accept", "reassign", "out_of_scope"])
    r.add_argument("--reviewer", required=True)
    r.add_argument("--category", default=None)
    r.add_argument("--note", default=None)
    r.set_defaults(func=cmd_review_decide)
    register_review(rsub)  # project links: `review links`, `review link`

    p = subparsers.add_parser("classify", help="classify new or changed warehouse items")
    p.add_argument("--run", default=None, help="run id (default: the current month)")
    p.add_argument("--item", action="append", help="only this item id (repeatable)")
    p.add_argument("--model", default=None)
    p.add_argument("--topics", action="store_true", help="also detect emerging topics")
    p.set_defaults(func=cmd_classify)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    parser = argparse.ArgumentParser(prog="panorama")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
