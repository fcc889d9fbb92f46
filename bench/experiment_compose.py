"""Experiment (issue 13, session 6): three changes to how a Chinese query's words become
English — compound morphology and one-character morphemes (`landscape.query_morph`:
`MORPHOLOGY`), co-occurrence choice of a word's renderings (`landscape.query_cooc`: `SMOOTH`,
`POOL`, `OWN_WORDS`) and acronyms of translated phrases (`query_morph.ACRONYMS`) — every free
choice by leave-one-query-out on the DEVELOPMENT judgments = ../shared/eval/search.dev.json +
heldout2.json + heldout4.json (all three were studied in earlier sessions). heldout, heldout3
and heldout5 (written before this experiment ran) are unseen checks, only reported.

Over the demo warehouse (`make run`), every Chinese query of every file is searched in process
under each setting of GRID (the first = today's search). English queries never reach these
code paths (a query without Chinese is not translated); they are searched under today's
setting and the chosen one to show they are unchanged. Each development query is scored by the
setting best on the OTHER development queries (ties: the earlier setting in GRID, the lesser
change first) — the estimate for an unseen query; the setting best on all development queries
is the one that would ship.

    PYTHONPATH=. python bench/experiment_compose.py [--db data/panorama.duckdb] [--json out.json]
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

from bench.search_selection import choose as loo_choose  # noqa: E402
from bench.search_selection import per_file, queries, scores  # noqa: E402
from landscape import query_cooc, query_morph, search_semantic  # noqa: E402
from warehouse import db  # noqa: E402

DEVELOPMENT = ("dev", "heldout2", "heldout4")
KEYS = ("MORPHOLOGY", "MEASURE", "SMOOTH", "POOL", "OWN_WORDS", "WINDOW", "SCOPE", "ACRONYMS")
_HOME = {"MORPHOLOGY": query_morph, "ACRONYMS": query_morph, "SMOOTH": query_cooc,
         "POOL": query_cooc, "OWN_WORDS": query_cooc, "MEASURE": query_cooc,
         "WINDOW": query_cooc, "SCOPE": query_cooc}
# Co-occurrence: off, or prior x (smooth + coherence) from large smoothing (the dictionaries'
# order nearly kept) to small (co-occurrence decides), the coherence a sum of Dice
# coefficients (0..1 a pair) or of positive PMIs (log units); candidates scored 3 or 6; a
# project's word may lose its first place or not; every other place counts, or only the
# neighbours (WINDOW 1; added in a second run); the order changes the lexical sets and the
# readings, or the readings only (SCOPE; a third run, bench/RESULTS.md).
SMOOTHS = {"dice": (0.5, 0.1, 0.02), "pmi": (4.0, 1.0, 0.25)}
COOC = [("dice", None, 3, False, None, "both")] + [
    (measure, smooth, pool, own, window, scope) for scope in ("both", "readings")
    for window in (None, 1) for measure in SMOOTHS
    for smooth, pool, own in itertools.product(SMOOTHS[measure], (3, 6), (False, True))]
# Today's first; then the lesser changes first.
GRID = [(morph, *cooc, acr) for acr, morph, cooc in itertools.product(
    (0.0, 0.5, 1.0, 2.0), (False, True), COOC)]


def _setting(values: tuple) -> None:
    for key, value in zip(KEYS, values, strict=True):
        setattr(_HOME[key], key, value)


def _scores(con, judged: list, values: tuple) -> tuple[list[float], list[str], float]:  # noqa: ANN001
    _setting(values)
    t0 = time.process_time()
    values_scores, english = scores(con, judged)
    return values_scores, english, time.process_time() - t0


def run(path: Path) -> dict:
    search_semantic._encode_cached = functools.lru_cache(maxsize=None)(
        search_semantic._encode_cached.__wrapped__)
    zh, en = queries(["zh"]), queries(["en"])
    scores: dict[tuple, list[float]] = {}
    english: dict[tuple, list[str]] = {}
    with db.connect(read_only=True, path=path) as con:
        _scores(con, zh, GRID[0])  # warm: the model, the index, the general dictionary
        for values in GRID:
            scores[values], english[values], cpu = _scores(con, zh, values)
            print(values, f"{cpu:.2f}s CPU for {len(zh)} queries", file=sys.stderr)
        summary = choose(zh, scores)
        chosen = tuple(summary["chosen"].values())
        summary["en"] = {str(v): per_file(en, _scores(con, en, v)[0]) for v in (GRID[0], chosen)}
    _setting(GRID[0])
    return {"summary": summary, "queries": [(f, q["q"]) for f, q, _ in zh],
            "scores": {str(v): s for v, s in scores.items()},
            "english": {str(v): e for v, e in english.items()}}


def choose(judged: list, by_setting: dict[tuple, list[float]]) -> dict:
    """Leave-one-out on the development queries; the setting best on all of them; per file."""
    c = loo_choose(judged, by_setting, GRID, DEVELOPMENT)
    return {"loo_development_zh": c["loo"], "today_development_zh": c["today"],
            "chosen_development_zh": c["chosen_on_all"],
            "chosen": dict(zip(KEYS, c["chosen"], strict=True)),
            "zh": {str(v): per_file(judged, by_setting[v]) for v in GRID},
            "loo_choices": c["loo_choices"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "data/panorama.duckdb"))
    ap.add_argument("--json")
    args = ap.parse_args()
    out = run(Path(args.db))
    print(json.dumps(out["summary"], indent=1, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=0), "utf-8")


if __name__ == "__main__":
    main()
