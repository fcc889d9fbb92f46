"""Experiment (issue 13, session 6, second run): acronyms of a query's phrase
(`landscape.query_morph`) for English queries too (`ACRONYMS_EN`), and in Chinese weighed by
the evidence that one combination of the senses spells an indexed word (`CONFIDENCE`
"spelled") rather than by the first senses' confidence, with more senses tried
(`ACRONYM_SENSES`) and two-letter acronyms of a whole rare phrase (`SHORT_SHARE`). (A first
run also tried a one-place phrase, 虚拟专用网 "virtual private network": it changed no query
of the six files and was taken out.)

Protocol (the one of bench/experiment_compose.py): development = ../shared/eval/search.dev.json
+ heldout2 + heldout4; every choice by leave-one-query-out over the development queries of its
language (each query scored by the setting best on the OTHER development queries; ties: the
earlier setting, the lesser change); the setting best on all of them is the one that would
ship. heldout, heldout3, heldout5 are only reported. Scores are `panorama eval-search`'s
(`landscape.search_eval.score_query` / `bucket`: name queries count towards first-hit
accuracy only). Order: the Chinese settings first (on the Chinese development queries), then
the English weight with the chosen Chinese settings in place (on the English ones); name
queries are reported under both.

    PYTHONPATH=. python bench/experiment_acronyms.py [--db data/panorama.duckdb] [--json out.json]
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_selection import bucket, per_file, queries, scores  # noqa: E402
from bench.search_selection import choose as loo_choose  # noqa: E402
from landscape import query_morph, search_semantic  # noqa: E402
from warehouse import db  # noqa: E402

DEVELOPMENT = ("dev", "heldout2", "heldout4")
ZH_KEYS = ("ACRONYMS", "CONFIDENCE", "ACRONYM_SENSES", "SHORT_SHARE")
# Today's first; then the lesser changes first.
ZH_GRID = [(1.0, "senses", 2, 0.0)] + [
    (w, conf, senses, short) for conf, senses, short, w in itertools.product(
        ("senses", "spelled"), (2, 3), (0.0, 0.002, 0.005, 0.01), (1.0, 0.5, 2.0))][1:]
EN_GRID = (0.0, 0.5, 1.0, 2.0)


def choose(judged: list, by_setting: dict, grid: list, want: str) -> dict:
    """Leave-one-out on the development queries of bucket `want`; the setting best on all."""
    out = loo_choose(judged, by_setting, grid, DEVELOPMENT, lambda q: bucket(q) == want)
    out["per_file"] = {str(v): per_file(judged, by_setting[v], want) for v in grid}
    return out


def _set(keys: tuple[str, ...], values: tuple) -> None:
    for key, value in zip(keys, values, strict=True):
        setattr(query_morph, key, value)


def run(path: Path) -> dict:
    search_semantic._encode_cached = functools.lru_cache(maxsize=None)(
        search_semantic._encode_cached.__wrapped__)
    judged = queries()
    shipped = tuple(getattr(query_morph, k) for k in (*ZH_KEYS, "ACRONYMS_EN"))
    zh_scores, en_scores, english = {}, {}, {}
    with db.connect(read_only=True, path=path) as con:
        _set(("ACRONYMS_EN",), (0.0,))
        for values in ZH_GRID:
            _set(ZH_KEYS, values)
            zh_scores[values], english[values] = scores(con, judged)
            print(values, file=sys.stderr)
        zh = choose(judged, zh_scores, ZH_GRID, "zh")
        en_grid = [(w, zh_values) for zh_values in dict.fromkeys(
            (ZH_GRID[0], zh["chosen"], shipped[:-1])) for w in EN_GRID]
        for w, zh_values in en_grid:
            _set(ZH_KEYS, zh_values)
            _set(("ACRONYMS_EN",), (w,))
            en_scores[(w, zh_values)], english[(w, zh_values)] = scores(con, judged)
    en = choose(judged, en_scores, en_grid, "en")
    names = {str(v): per_file(judged, s, "name") for v, s in en_scores.items()}
    _set((*ZH_KEYS, "ACRONYMS_EN"), shipped)
    summary = {"zh": zh, "en": en, "names": names, "shipped": str(shipped),
               "en_of_zh_settings": {str(v): per_file(judged, s, "en")
                                     for v, s in zh_scores.items()}}
    return {"summary": summary, "queries": [(f, q["q"]) for f, q, _ in judged],
            "scores": {str(v): s for v, s in {**zh_scores, **en_scores}.items()},
            "english": {str(v): e for v, e in english.items()}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "data/panorama.duckdb"))
    ap.add_argument("--json")
    args = ap.parse_args()
    out = run(Path(args.db))
    s = out["summary"]
    shipped = eval(s["shipped"])  # noqa: S307 - our own repr of a tuple of literals
    for lang, ship in (("zh", shipped[:-1]), ("en", (shipped[-1], shipped[:-1]))):
        print(lang, {k: v for k, v in s[lang].items() if k != "per_file"})
        for key in dict.fromkeys((str(next(iter(s[lang]["per_file"]))), str(s[lang]["chosen"]),
                                  str(ship))):
            print("  ", key, s[lang]["per_file"][key])
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=0), "utf-8")


if __name__ == "__main__":
    main()
