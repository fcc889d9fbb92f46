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

from bench.search_selection import FILES, bucket, per_file, queries, scores  # noqa: E402
from bench.search_selection import choose as loo_choose  # noqa: E402
from landscape import search_docs  # noqa: E402
from landscape.search_index import sync_search_index  # noqa: E402
from warehouse import db  # noqa: E402

DEVELOPMENT = ("dev", "heldout2", "heldout4")
KEYS = ("DESC_ZH_W", "DESC_EN_W", "DESC_CURATED", "DESC_IN_LENGTH")
WEIGHTS = (0.0, 0.25, 0.5, 1.0)  # today first, then the lesser change (the existing TEXT_W is 1)


def _set(values: tuple) -> None:
    for key, value in zip(KEYS, values, strict=True):
        setattr(search_docs, key, value)


def choose(judged: list, by_setting: dict, grid: list, want: tuple[str, ...]) -> dict:
    """Leave-one-out on the development queries of the buckets `want`; the setting best on all."""
    return loo_choose(judged, by_setting, grid, DEVELOPMENT, lambda q: bucket(q) in want)


def run(path: Path) -> dict:
    judged = queries()
    shipped = tuple(getattr(search_docs, k) for k in KEYS)
    by_setting: dict[tuple, list[float]] = {}

    def score(values: tuple) -> None:
        if values in by_setting:
            return
        _set(values)
        with db.connect(path=path) as con:
            sync_search_index(con, force=True)
        with db.connect(read_only=True, path=path) as con:
            by_setting[values] = scores(con, judged)[0]
        print(values, {f: per_file(judged, by_setting[values], b)[f]
                       for b in ("en", "zh") for f in FILES}, file=sys.stderr)

    # Today (weight 0) first; the description's words in the length first (the plain field).
    zh_grid = [(w, 0.0, False, length) for length in (True, False) for w in WEIGHTS
               if w or length]
    for v in zh_grid:
        score(v)
    zh = choose(judged, by_setting, zh_grid, ("zh",))
    en_grid = [(zh["chosen"][0], w, False, zh["chosen"][3]) for w in WEIGHTS]
    for v in en_grid:
        score(v)
    en = choose(judged, by_setting, en_grid, ("en",))
    cur_grid = [en["chosen"], (*en["chosen"][:2], True, en["chosen"][3])]
    for v in cur_grid:
        score(v)
    cur = choose(judged, by_setting, cur_grid, ("en", "zh"))
    _set(shipped)
    with db.connect(path=path) as con:
        sync_search_index(con, force=True)
    table = {str(v): {b: per_file(judged, s, b) for b in ("en", "zh", "name")}
             for v, s in by_setting.items()}
    return {"summary": {"zh": zh, "en": en, "curated": cur, "shipped": str(shipped)},
            "per_file": table, "queries": [(f, q["q"]) for f, q, _ in judged],
            "scores": {str(v): s for v, s in by_setting.items()}}


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
