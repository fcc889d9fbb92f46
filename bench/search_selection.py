"""The selection protocol the search experiments share (bench/experiment_*.py, issue 13): the
judgment files, their queries, scoring exactly as `panorama eval-search` does, and the
leave-one-query-out choice of a setting.

Protocol: a setting (a tuple of a module's switches) is chosen on the development judgments
only. Each development query is scored by the setting best on the OTHER development queries
(leave-one-out: the estimate for a query nobody tuned on); the setting best on all of them is
the one that would ship. Ties keep the earlier setting of the grid — experiments list today's
setting first, then the lesser changes. The files outside `development` are only reported.
Scores are `landscape.search_eval.score_query`'s and buckets `bucket`'s (a name query counts
towards first-hit accuracy, never towards its language's nDCG@10).

`DEVELOPMENT` (from session 7's kind-intent run on, bench/RESULTS.md "the kinds a query wants —
chosen with heldout7 as development"): dev + heldout2 + heldout4 + heldout7. heldout7 (kind-less
queries, written blind for the kinds-a-query-wants question) joined the development files by
the lead's decision, because no other development file holds a research-topic query that names
no kind, so no experiment on that question could choose anything. The experiments written
before keep the development files they were measured with (their own `DEVELOPMENT`).
`REPORTED`: the files only ever reported.

`scores` refuses to score a search that ran without a current search index (`index_current`
False: the meaning ranking alone, no words, no names — what happens when PANORAMA_DATA_DIR does
not point at the warehouse's data folder), rather than report its numbers as the method's.

    from bench.search_selection import FILES, queries, scores, per_file, choose
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from landscape.search import search  # noqa: E402
from landscape.search_eval import bucket, score_query  # noqa: E402

FILES = {"dev": ROOT.parent.parent / "shared/eval/search.dev.json",
         **{f"heldout{n}": ROOT / f"tests/fixtures/search/heldout{n}.json"
            for n in ("", "2", "3", "4", "5", "6", "7")}}

DEVELOPMENT = ("dev", "heldout2", "heldout4", "heldout7")
REPORTED = ("heldout", "heldout3", "heldout5", "heldout6")

Query = tuple[str, dict, dict]  # (file name, the judged query, the file's groups)


def queries(want: Iterable[str] | None = None) -> list[Query]:
    """Every judged query of `FILES`, in file order; only the buckets `want` when given."""
    keep = set(want) if want is not None else None
    out: list[Query] = []
    for name, path in FILES.items():
        data = json.loads(path.read_text("utf-8"))
        out += [(name, q, data["groups"]) for q in data["queries"]
                if keep is None or bucket(q) in keep]
    return out


def scores(con, judged: list[Query]) -> tuple[list[float], list[str]]:  # noqa: ANN001
    """(each query's score as eval-search computes it, the English each query was read as)
    with the search's switches as they are set now."""
    res = search(con, [q["q"] for _, q, _ in judged], limit=10)
    if not all(r["index_current"] for r in res):
        raise SystemExit("search ran without a current search index (meaning ranking only): "
                         "set PANORAMA_DATA_DIR to the warehouse's data folder, or rebuild "
                         "its index (landscape.search_index.sync_search_index)")
    return ([score_query(q, r["hits"], g) for (_, q, g), r in zip(judged, res, strict=True)],
            [r["english"] for r in res])


def mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def per_file(judged: list[Query], values: list[float], want: str | None = None
             ) -> dict[str, float]:
    """Mean score per file (of the bucket `want` when given)."""
    return {name: round(mean([s for (f, q, _), s in zip(judged, values, strict=True)
                              if f == name and (want is None or bucket(q) == want)]), 4)
            for name in FILES}


def choose(judged: list[Query], by_setting: dict, grid: list, development: Iterable[str],
           want: Callable[[dict], bool] = lambda q: True) -> dict:
    """Leave-one-out over the development queries `want` accepts: the estimate (`loo`),
    today's (`grid[0]`) and the setting best on all of them (`chosen`, `chosen_on_all`)."""
    files = set(development)
    dev = [n for n, (f, q, _) in enumerate(judged) if f in files and want(q)]

    def best(on: list[int]):  # noqa: ANN202 - max() keeps the first of equals
        return max(grid, key=lambda v: mean([by_setting[v][n] for n in on]))

    loo = [best([m for m in dev if m != n]) for n in dev]
    chosen = best(dev)
    return {"loo": round(mean([by_setting[c][n] for c, n in zip(loo, dev, strict=True)]), 4),
            "today": round(mean([by_setting[grid[0]][n] for n in dev]), 4),
            "chosen_on_all": round(mean([by_setting[chosen][n] for n in dev]), 4),
            "chosen": chosen, "loo_choices": sorted({str(c) for c in loo})}


__all__ = ["DEVELOPMENT", "FILES", "Query", "REPORTED", "bucket", "choose", "mean", "per_file", "queries", "scores"]
