"""Experiment (issue 13): choosing a Chinese query's English reading by retrieval evidence
(`landscape.query_senses`), every free choice by leave-one-query-out on the DEV judgments.

Over the demo warehouse (`make run`), every Chinese (and mixed) query of the dev file and the
held-out files is searched in process under each setting of GRID (`query_senses`' constants;
MAX_READINGS 1 = today's search). English queries have one reading and are not re-run: the
method cannot change them. The choice: each dev Chinese query is scored by the setting best on
the OTHER dev Chinese queries (ties: the lesser change, i.e. the earlier setting in GRID's
order, today's first) — the estimate for an unseen query; the setting best on all dev Chinese
queries is the one that would ship, and the held-out files are scored with it as unseen
checks (never used to choose).

    PYTHONPATH=. python bench/experiment_senses.py [--db data/panorama.duckdb] [--json out.json]
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from landscape import query_senses, search_semantic  # noqa: E402
from landscape.search import search  # noqa: E402
from landscape.search_eval import score_hits  # noqa: E402
from warehouse import db  # noqa: E402

FILES = {"dev": ROOT.parent.parent / "shared/eval/search.dev.json",
         **{f"heldout{n}": ROOT / f"tests/fixtures/search/heldout{n}.json"
            for n in ("", "2", "3", "4")}}
KEYS = ("MAX_READINGS", "PER_SLOT", "TOP_K", "MEASURE", "OWN_SENSES", "LEXICAL", "MARGIN")
# Today's first; then the lesser changes first (fewer readings, no own senses, no lexical).
GRID = [(1, 3, 5, "mean", False, False, 0.0)] + [
    (r, 3, k, measure, own, lex, margin)
    for own, lex, margin, r, measure, k in itertools.product(
        (False, True), (False, True), (0.0, 0.02, 0.05), (4, 16), ("mean", "contrast"),
        (1, 5, 10))]


def _setting(values: tuple) -> None:
    for key, value in zip(KEYS, values, strict=True):
        setattr(query_senses, key, value)


def run(path: Path) -> dict:
    # Every reading's vector kept: the settings re-encode the same few hundred texts.
    search_semantic._encode_cached = functools.lru_cache(maxsize=None)(
        search_semantic._encode_cached.__wrapped__)
    queries = []
    for name, f in FILES.items():
        data = json.loads(f.read_text("utf-8"))
        queries += [(name, q, data["groups"]) for q in data["queries"] if q.get("lang") == "zh"]
    scores: dict[tuple, list[float]] = {}
    englishes: dict[tuple, list[str]] = {}
    with db.connect(read_only=True, path=path) as con:
        for values in GRID:
            _setting(values)
            t0 = time.process_time()
            res = search(con, [q["q"] for _, q, _ in queries], limit=10)
            scores[values] = [score_hits(r["hits"], q["rel"], g) for (_, q, g), r
                              in zip(queries, res, strict=True)]
            englishes[values] = [r["english"] for r in res]
            print(values, f"{time.process_time() - t0:.1f}s CPU", file=sys.stderr)
    return {"queries": queries, "scores": scores, "english": englishes}


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def choose(out: dict) -> dict:
    """Leave-one-out on dev's Chinese queries; the setting best on all of them; per file."""
    files = [name for name, _, _ in out["queries"]]
    dev = [n for n, f in enumerate(files) if f == "dev"]
    scores = out["scores"]

    def best(on: list[int]) -> tuple:  # max() keeps the first of equals: the lesser change
        return max(GRID, key=lambda v: _mean([scores[v][n] for n in on]))

    loo = [scores[best([m for m in dev if m != n])][n] for n in dev]
    chosen = best(dev)
    per_file = {name: {str(v): round(_mean([scores[v][n] for n, f in enumerate(files)
                                           if f == name]), 4)
                       for v in (GRID[0], chosen)} for name in FILES}
    return {"loo_dev_zh": round(_mean(loo), 4), "today_dev_zh":
            round(_mean([scores[GRID[0]][n] for n in dev]), 4),
            "chosen": dict(zip(KEYS, chosen, strict=True)), "per_file": per_file,
            "loo_choices": [str(best([m for m in dev if m != n])) for n in dev]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "data/panorama.duckdb"))
    ap.add_argument("--json")
    args = ap.parse_args()
    out = run(Path(args.db))
    summary = choose(out)
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"summary": summary, "queries": [(f, q["q"]) for f, q, _ in out["queries"]],
             "scores": {str(v): s for v, s in out["scores"].items()},
             "english": {str(v): e for v, e in out["english"].items()}},
            ensure_ascii=False, indent=0), "utf-8")


if __name__ == "__main__":
    main()
