"""Experiment (issue 13, session 6): the editors' descriptions of watched projects
(config/descriptions.toml) as words of each member's lexical document (`search_docs.DESC_ZH_W`,
`DESC_EN_W`: the zh line as character bigrams, the en line as English tokens) and the en line
as a curated text of the embedding ranking (`DESC_CURATED`, as taxonomy exemplars are).

Protocol (the one of bench/experiment_acronyms.py): development = ../shared/eval/search.dev.json
+ heldout2 + heldout4; every choice by leave-one-query-out over the development queries (each
query scored by the setting best on the OTHER development queries; ties: the earlier setting,
the lesser change); the setting best on all of them is the one that would ship. heldout,
heldout3, heldout5 are only reported. Order: the zh weight on the Chinese development queries
(en weight 0), then the en weight on the English ones (zh weight as chosen), then the curated
vectors on both languages' development queries. With the zh weight, whether the description's
words count in the document's length for BM25's normalisation (`DESC_IN_LENGTH`). Each setting rebuilds the index (a forced
sync) of the warehouse given — use a copy: it is written.

    PYTHONPATH=. python bench/experiment_descriptions.py --db data/panorama.duckdb [--json out]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.experiment_acronyms import FILES, _mean, _per_file, _queries, _scores  # noqa: E402
from landscape import search_docs  # noqa: E402
from landscape.search_eval import bucket  # noqa: E402
from landscape.search_index import sync_search_index  # noqa: E402
from warehouse import db  # noqa: E402

DEVELOPMENT = ("dev", "heldout2", "heldout4")
KEYS = ("DESC_ZH_W", "DESC_EN_W", "DESC_CURATED", "DESC_IN_LENGTH")
WEIGHTS = (0.0, 0.25, 0.5, 1.0)  # today first, then the lesser change (the existing TEXT_W is 1)


def _set(values: tuple) -> None:
    for key, value in zip(KEYS, values, strict=True):
        setattr(search_docs, key, value)


def choose(queries: list, scores: dict, grid: list, want: tuple[str, ...]) -> dict:
    """Leave-one-out on the development queries of the buckets `want`; the setting best on all."""
    dev = [n for n, (f, q, _) in enumerate(queries) if f in DEVELOPMENT and bucket(q) in want]

    def best(on: list[int]):  # noqa: ANN202 - max() keeps the first of equals
        return max(grid, key=lambda v: _mean([scores[v][n] for n in on]))

    loo = [best([m for m in dev if m != n]) for n in dev]
    chosen = best(dev)
    return {"loo": round(_mean([scores[c][n] for c, n in zip(loo, dev, strict=True)]), 4),
            "today": round(_mean([scores[grid[0]][n] for n in dev]), 4),
            "chosen_on_all": round(_mean([scores[chosen][n] for n in dev]), 4),
            "chosen": chosen, "loo_choices": sorted({str(c) for c in loo})}


def run(path: Path) -> dict:
    queries = _queries()
    shipped = tuple(getattr(search_docs, k) for k in KEYS)
    scores: dict[tuple, list[float]] = {}

    def score(values: tuple) -> None:
        if values in scores:
            return
        _set(values)
        with db.connect(path=path) as con:
            sync_search_index(con, force=True)
        with db.connect(read_only=True, path=path) as con:
            scores[values] = _scores(con, queries)[0]
        print(values, {f: _per_file(queries, scores[values], b)[f]
                       for b in ("en", "zh") for f in FILES}, file=sys.stderr)

    # Today (weight 0) first; the description's words in the length first (the plain field).
    zh_grid = [(w, 0.0, False, length) for length in (True, False) for w in WEIGHTS
               if w or length]
    for v in zh_grid:
        score(v)
    zh = choose(queries, scores, zh_grid, ("zh",))
    en_grid = [(zh["chosen"][0], w, False, zh["chosen"][3]) for w in WEIGHTS]
    for v in en_grid:
        score(v)
    en = choose(queries, scores, en_grid, ("en",))
    cur_grid = [en["chosen"], (*en["chosen"][:2], True, en["chosen"][3])]
    for v in cur_grid:
        score(v)
    cur = choose(queries, scores, cur_grid, ("en", "zh"))
    _set(shipped)
    with db.connect(path=path) as con:
        sync_search_index(con, force=True)
    table = {str(v): {b: _per_file(queries, s, b) for b in ("en", "zh", "name")}
             for v, s in scores.items()}
    return {"summary": {"zh": zh, "en": en, "curated": cur, "shipped": str(shipped)},
            "per_file": table, "queries": [(f, q["q"]) for f, q, _ in queries],
            "scores": {str(v): s for v, s in scores.items()}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "data/panorama.duckdb"))
    ap.add_argument("--json")
    args = ap.parse_args()
    out = run(Path(args.db))
    for stage, s in out["summary"].items():
        print(stage, s)
    for v, t in out["per_file"].items():
        print(v, t)
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=0), "utf-8")


if __name__ == "__main__":
    main()
