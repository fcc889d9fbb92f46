"""Search commands: `panorama search` and `panorama eval-search`.

Registered into `flows/cli.py` through `register(subparsers)`. The work is in
`landscape.search` (ranking) and `landscape.search_eval` (scoring); this module parses, validates
and prints, with each hit's placement as the report decides it per project (`report.placement`,
the dashboard's words too). Nothing heavy is imported before a command runs, and a search never loads torch:
the query is encoded by `landscape.query_encoder`.

    panorama search "vector database" ["向量数据库" ...] [--kind crate] [--category vector-db]
                    [--month 2025-12] [--limit 10] [--json]
    panorama eval-search JUDGMENTS.json [--limit 10]        # one JSON object
    panorama terms [--missing] [--limit N] [--json]         # the corpus's terms, for editors
    panorama terms --check FILE [--json]                    # proposed entries: may they go in?
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotations only: nothing heavy before a command runs
    from report.placement import Placement


def _placements(results: list[dict], month: str | None) -> list[list[Placement | None]]:
    """Each hit's placement by the report's per-project rule (`report.placement`, the one the
    dashboard's Search page shows), in the month searched or else the latest; added to the
    hit as `placement` (None: the warehouse cannot say)."""
    from report.placement import hit_placement, latest_month, read_scope
    from warehouse import db

    scope, at = None, month
    if db.db_path().exists():
        with db.connect(read_only=True) as con:
            at = month or latest_month(con)
            scope = read_scope(con, at) if at else None
    out = []
    for result in results:
        out.append([hit_placement(hit, scope) for hit in result["hits"]])
        for hit, placed in zip(result["hits"], out[-1], strict=True):
            hit["placement"] = placed.as_json(at) if placed else None
    return out


def _where(hit: dict, placed: Placement | None, lang: str) -> str:
    """The hit's category by its name in the query's language and where the report places
    it, as the dashboard says it ("Vector databases · in the landscape (reviewed)"); the hit's
    own category alone when the warehouse cannot place it."""
    from landscape.taxonomy import load_taxonomy

    category = placed.category if placed is not None else hit["category"]
    name = load_taxonomy().name(category, lang) if category else None
    if placed is None:
        return name or "-"
    return f"{name} · {placed.text(lang)}" if name else placed.text(lang)


def _print_hits(result: dict, placed: list[Placement | None]) -> None:
    print(f"{result['query']}" + (f"  ->  {result['english']}" if result["lang"] == "zh" else ""))
    if not result["hits"]:
        print("   no matches")
    weak_shown = False
    for n, (h, where) in enumerate(zip(result["hits"], placed, strict=True), 1):
        if h["weak"] and not weak_shown:
            print("   -- weak matches --")
            weak_shown = True
        print(f"{n:>3}. {h['score']:.4f}  {h['project_name'] or h['name']}  [{h['kind']}]"
              f"  ({_where(h, where, result['lang'])})")
        print(f"       {h['url'] or h['item_id']}")
        if h["why"]:
            print(f"       why: {h['why']}")
        others = [m for m in h["members"] if m != h["item_id"]]
        if others:
            print(f"       also: {', '.join(others)}")


def cmd_search(args: argparse.Namespace) -> int:
    from landscape.search import SearchInputError, search
    from warehouse import db

    try:
        results = search(db.db_path(), args.query, kinds=args.kind, categories=args.category,
                         month=args.month, limit=args.limit, model_name=args.model)
    except SearchInputError as exc:
        print(f"search: {exc}", file=sys.stderr)
        return 2
    if not all(r.get("index_current", True) for r in results):
        # Without a current index the words and names rankings are missing: the results
        # are much weaker (an index of an older format, or items embedded since its build).
        print("search: the search index is missing or out of date, so results rank by "
              "meaning only; `panorama classify` rebuilds it", file=sys.stderr)
    placed = _placements(results, args.month)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, default=str))
        return 0
    for n, (result, where) in enumerate(zip(results, placed, strict=True)):
        if n:
            print()
        _print_hits(result, where)
    return 0


def cmd_eval_search(args: argparse.Namespace) -> int:
    from landscape.search import SearchInputError
    from landscape.search_eval import evaluate
    from warehouse import db

    try:
        result = evaluate(db.db_path(), args.judgments, model_name=args.model, k=args.limit)
    except (OSError, ValueError, KeyError) as exc:
        kind = "bad query" if isinstance(exc, SearchInputError) else "unreadable judgments"
        print(f"eval-search: {kind}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _check_terms(args: argparse.Namespace) -> int:
    """`terms --check FILE`: each proposed entry's verdict (`landscape.term_check`), and the
    kept ones as term-base lines."""
    from landscape.query_dictionary import Dictionary
    from landscape.search_index import load_search_index
    from landscape.term_check import check_entries, load_proposed

    try:
        proposed = load_proposed(Path(args.check))
    except (OSError, ValueError) as exc:
        print(f"terms: unreadable --check file: {exc}", file=sys.stderr)
        return 2
    index = load_search_index()
    if index is None:
        print("terms: no search index; run `panorama classify` (or `panorama demo`) first",
              file=sys.stderr)
        return 2
    verdicts = check_entries(proposed, Dictionary.load(), index.lexical.df)
    if args.json:
        print(json.dumps([{"zh": v.zh, "renderings": list(v.renderings), "keep": v.keep,
                           "reason": v.reason} for v in verdicts], ensure_ascii=False))
        return 0
    for v in verdicts:
        if v.keep:
            en = (json.dumps(v.renderings[0], ensure_ascii=False) if len(v.renderings) == 1
                  else json.dumps(list(v.renderings), ensure_ascii=False))
            print(f'"{v.zh}" = {en}  # {v.reason}')
        else:
            print(f"# dropped {v.zh}: {v.reason}")
    return 0


def cmd_terms(args: argparse.Namespace) -> int:
    """The corpus's candidate terms (`landscape.term_candidates`), most frequent first, each
    with the Chinese entries rendering it; `--missing`: only those none renders — what an
    editor adds to config/search_termbase.toml next."""
    from landscape.term_candidates import term_status
    from warehouse import db

    if args.check:
        return _check_terms(args)
    if args.limit is not None and args.limit < 1:
        print(f"terms: --limit must be at least 1, not {args.limit}", file=sys.stderr)
        return 2
    path = db.db_path()
    if not path.exists():
        print(f"terms: no warehouse at {path}; run `panorama demo` first", file=sys.stderr)
        return 2
    with db.connect(read_only=True, path=path) as con:
        rows = term_status(con)
    if args.missing:
        rows = [r for r in rows if not r.rendered_by]
    rows = rows[:args.limit] if args.limit else rows
    if args.json:
        print(json.dumps([{"term": r.term, "df": r.df, "sources": list(r.sources),
                           "rendered_by": list(r.rendered_by)} for r in rows],
                         ensure_ascii=False))
        return 0
    if not rows:
        print("no terms" + (" without a Chinese entry" if args.missing else ""))
        return 0
    # a header: the columns are not self-evident to an editor reading them the first time
    print(f"{'items':>5}  {'term':<40} {'found in':<13} Chinese entries")
    for r in rows:
        zh = " ".join(r.rendered_by) or "-"
        print(f"{r.df:>5}  {r.term:<40} {'/'.join(r.sources):<13} {zh}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `search`, `eval-search` and `terms` to the `panorama` parser."""
    p = subparsers.add_parser(
        "search", help="find projects by words or meaning, in English or Chinese",
        description="Rank projects (crates, repositories, papers, posts grouped by project) for "
        "each query: words (BM25, Chinese as character bigrams, translated through the "
        "glossary) fused with meaning (embeddings). Weak matches are listed last.")
    p.add_argument("query", nargs="+", help="one or more queries (quote each)")
    p.add_argument("--kind", action="append", help="crate|repo|paper|post (repeatable)")
    p.add_argument("--category", action="append",
                   help="taxonomy id, out_of_scope or uncategorized (repeatable)")
    p.add_argument("--month", default=None, help="YYYY-MM: created (or first seen) that month")
    p.add_argument("--limit", type=int, default=10, help="results per query (1-200)")
    p.add_argument("--model", default=None, help="embedding model (default all-MiniLM-L6-v2)")
    p.add_argument("--json", action="store_true",
                   help="a JSON array: one object per query with its ranked hits, each with "
                   "its `placement` (where the report places its project)")
    p.set_defaults(func=cmd_search)

    p = subparsers.add_parser(
        "eval-search", help="score search on a judgments file (nDCG@10 per language)",
        description="Run every query of JUDGMENTS (the format of search.dev.json) and print one "
        "JSON object: nDCG@10 per language, first-hit accuracy of name queries, per query.")
    p.add_argument("judgments", help="judgments JSON file")
    p.add_argument("--limit", type=int, default=10, help="cut-off k of nDCG@k")
    p.add_argument("--model", default=None)
    p.set_defaults(func=cmd_eval_search)

    p = subparsers.add_parser(
        "terms", help="the corpus's technical terms and their Chinese entries (term base)",
        description="List the indexed items' English technical terms (keywords, topics, and "
        "phrases of titles and descriptions that at least two items use; the rule is "
        "landscape/term_candidates.py's), most frequent first, each with the Chinese entries "
        "of the search dictionary that render it. --missing: only the terms no entry renders "
        "yet, to add to config/search_termbase.toml.")
    p.add_argument("--missing", action="store_true", help="only terms no Chinese entry renders")
    p.add_argument("--limit", type=int, default=None, help="at most N terms")
    p.add_argument("--json", action="store_true",
                   help="a JSON array: term, df (items using it), sources, rendered_by")
    p.add_argument("--check", metavar="FILE",
                   help="check proposed entries ([terms] TOML) against the search pipeline: "
                   "which may join the term base, and why not")
    p.set_defaults(func=cmd_terms)
