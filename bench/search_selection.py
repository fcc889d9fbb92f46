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
`REPORTED`: the files only ever reported (heldout8, written blind in session 10, joined them
unseen: it chose nothing; heldout9, written blind in session 11 to decide the learned-fusion
question once, likewise; heldout10, written blind in session 11 to decide the Chinese-only
learned-scoring question once, likewise; heldout11, written blind in session 11 as a reserve and
spent once on the English-only mpnet meaning order, bench/experiment_mpnet_english.py, likewise;
heldout12, written blind in session 11 as a reserve and spent in session 12 on run 4 of the
learned pool scoring, bench/experiment_learned_fusion4.py, likewise; heldout14, written blind in
session 12 as a reserve and spent in session 12 on a sure Chinese query read by its English,
bench/experiment_zh_project_words.py — not adopted —, likewise; heldout13, written blind in
session 11 as a reserve and spent in session 12 on run 5 of the learned pool scoring,
bench/experiment_learned_fusion5.py — not adopted —, likewise; heldout15, written blind in
session 12 as a reserve and spent in session 12 on run 6 of the learned pool scoring,
bench/experiment_learned_fusion6.py — ADOPTED —, likewise; heldout16, written blind in
session 12 in search.dev.json's style as a reserve and spent in session 12 on a SECOND test of a
sure Chinese query read by its English, bench/experiment_zh_project_words2.py — not adopted —,
likewise; heldout17, written blind in session 12 in search.dev.json's style as a reserve and
spent in session 12 on run 8 of the learned pool scoring (the L2 lambda re-chosen),
bench/experiment_learned_fusion8.py — not adopted —, likewise; heldout18, written blind in
session 12 in search.dev.json's style as a reserve and spent in session 12 on the pre-registered
confirmation of issue 13's goals on unseen queries — no method changed on it —, likewise).
`RESERVE`: files written blind and kept UNSCORED for a later session's one-shot test of a
pre-registered hypothesis (heldout11 was the first, spent in session 11; heldout12, heldout13,
heldout14, heldout15, heldout16, heldout17 and heldout18 spent in session 12; now heldout19,
written blind in session 12, scored by no one: it is spent by exactly one pre-registered test
with `--reserve heldout19`, then moved to `REPORTED`).

THE LEARNED POOL SCORING'S TRAINING FILES (`LEARNED_TRAINING`; the lead's decision in session
12, bench/RESULTS.md "a learned scoring of the fused pool, run 4"): `landscape.search_learned`'s
weights are fit on every file that was scored by then — dev, heldout, heldout2 .. heldout11, the
development AND the reported files — and re-order every query's pool. So for any question the
learned scoring touches (every search experiment's ranking now ends in it), no file of
`LEARNED_TRAINING` is unseen: the reported files' numbers are in-sample for the learned weights,
and the clean evidence is a file scored after the fit (heldout12 was the one test of run 4,
heldout13 of run 5 — not adopted —, heldout17 of run 8 — not adopted —, heldout14 and heldout16 of another question, heldout15 of
run 6 — adopted: the weights are run 6's, fit on the same 12 files —; the reserve). The development / reported split above still says which files a
setting was CHOSEN on; it no longer says which files the product's weights have seen. The reserves are in
`FILES_ALL` but not in `FILES`, so nothing scores them by default (`queries`, `run_grid`,
`per_file`, `main`, and any experiment that reads `FILES`); the session that spends one names it
once, after committing its hypothesis and rule: `python bench/experiment_X.py --reserve NAME`
(or `run_grid(..., reserve=(NAME,))`); its numbers then appear in the per-file table, outside
the gate and the reported drops. Once spent it becomes a reported file.

`scores` refuses to score a search that ran without a current search index (`index_current`
False: the meaning ranking alone, no words, no names — what happens when PANORAMA_DATA_DIR does
not point at the warehouse's data folder), rather than report its numbers as the method's.

    from bench.search_selection import FILES, queries, scores, per_file, choose

The shared runner of a grid experiment (`run_grid`, `summarise`, `main`): every judged query
scored under each setting of a grid (the query vectors cached across settings), the gate (the
settings that lower no development file's en, zh or names number: `gate`), the leave-one-out
choice among them over the development nDCG queries, en and zh together, and the drops the
chosen setting causes on the reported files (`adopt`: without any; `adopt_if_stated`: also
when they are on one file and at most `NOISE` each — the drop then said in the results):

    main(GRID, apply)   # apply(setting) sets the module switches; GRID[0] = today's
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.settings import db_path  # noqa: E402
from landscape import search_semantic  # noqa: E402
from landscape.search import search  # noqa: E402
from landscape.search_eval import bucket, score_query  # noqa: E402
from warehouse import db  # noqa: E402

# ../shared/eval beside the checkout (README); a git worktree sits deeper, so the nearest
# ancestor that has one
SHARED_EVAL = next((p / "shared/eval" for p in ROOT.parents if (p / "shared/eval").is_dir()),
                   ROOT.parent / "shared/eval")
FILES_ALL = {"dev": SHARED_EVAL / "search.dev.json",
             **{f"heldout{n}": ROOT / f"tests/fixtures/search/heldout{n}.json"
                for n in ("", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13",
                          "14", "15", "16", "17", "18", "19")}}
# A reserve file: written blind and kept unscored for a later session's one-shot test of a
# pre-registered hypothesis; neither development nor reported until then, and left out of
# FILES (what a run scores by default) so that no run scores it by accident. heldout11 was
# one until its test (session 11), heldout12, heldout13, heldout14, heldout15, heldout16 and
# heldout17 until theirs, heldout18 until the confirmation of issue 13's goals (session 12).
# heldout19: written blind in session 12 in the style of search.dev.json, beside heldout18 and
# on topics the two do not share, unscored; it is spent the same way, by exactly one
# pre-registered test.
RESERVE: tuple[str, ...] = ("heldout19",)
FILES = {name: path for name, path in FILES_ALL.items() if name not in RESERVE}

DEVELOPMENT = ("dev", "heldout2", "heldout4", "heldout7")
NOISE = 0.005  # a reported file's drop that may be stated as noise (one file only)
# heldout9: written blind in session 11, before any measurement, to decide the learned-fusion
# question once; reported only, it chooses nothing
# heldout10: written blind in session 11, before any measurement, to decide the Chinese-only
# learned-scoring question once; reported only, it chooses nothing
# heldout11: written blind in session 11 as a reserve, scored once for the pre-registered test
# of the English-only mpnet meaning order (bench/experiment_mpnet_english.py); reported since
# heldout12: written blind in session 11 as a reserve, scored once (session 12) for the
# pre-registered test of run 4 of the learned pool scoring (bench/experiment_learned_fusion4.py,
# ADOPTED); reported since — and NOT among the learned scoring's training files
# heldout14: written blind in session 12 as a reserve (model inference, frameworks, formats,
# hardware papers), scored once (session 12) for the pre-registered test of a sure Chinese query
# searched as its English reading (bench/experiment_zh_project_words.py, NOT adopted); reported
# since — and NOT among the learned scoring's training files
# heldout13: written blind in session 11 as a reserve, scored once (session 12) for the
# pre-registered test of run 5 of the learned pool scoring (bench/experiment_learned_fusion5.py,
# NOT adopted); reported since — and NOT among the learned scoring's training files
# heldout15: written blind in session 12 as a reserve on the AI x Rust subject (agents, LLM apps,
# RAG, vector search, speech, vision, WebAssembly; heldout14 took the other half), scored once
# (session 12) for the pre-registered test of run 6 of the learned pool scoring
# (bench/experiment_learned_fusion6.py, ADOPTED); reported since — and NOT among the learned
# scoring's training files
# heldout16: written blind in session 12 as a reserve in the style of search.dev.json (short
# keyword phrases; 9 of its 18 Chinese queries sure), scored once (session 12) for the SECOND
# pre-registered test of a sure Chinese query searched as its English reading
# (bench/experiment_zh_project_words2.py, NOT adopted); reported since — and NOT among the
# learned scoring's training files
# heldout17: written blind in session 12 as a reserve in the style of search.dev.json (short
# keyword phrases, a few tasks, exact names), on topics heldout16 does not use, scored once
# (session 12) for the pre-registered test of run 8 of the learned pool scoring, the L2 lambda
# re-chosen (bench/experiment_learned_fusion8.py, NOT adopted); reported since — and NOT among
# the learned scoring's training files
# heldout18: written blind in session 12 as a reserve in the style of search.dev.json, scored
# once (session 12) for the pre-registered confirmation of issue 13's goals on unseen queries
# (bench/RESULTS.md "issue 13's goals on unseen queries": no method changed on it); reported
# since — and NOT among the learned scoring's training files
REPORTED = ("heldout", "heldout3", "heldout5", "heldout6", "heldout8", "heldout9", "heldout10",
            "heldout11", "heldout12", "heldout13", "heldout14", "heldout15", "heldout16",
            "heldout17", "heldout18")
# The files `landscape.search_learned`'s weights are fit on (module doc; bench/
# fit_learned_fusion.py): every file scored before run 4's test — not heldout12, which tested
# it, nor heldout13 .. heldout17, scored later (run 6's refit kept the same 12)
LEARNED_TRAINING = ("dev", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6",
                    "heldout7", "heldout8", "heldout9", "heldout10", "heldout11")

Query = tuple[str, dict, dict]  # (file name, the judged query, the file's groups)


def _files(reserve: Iterable[str] = ()) -> dict[str, Path]:
    """`FILES`, plus the `RESERVE` files named in `reserve` (a file's one-shot test)."""
    named = list(reserve)
    if unknown := [n for n in named if n not in RESERVE]:
        raise ValueError(f"not a reserve file: {unknown} (RESERVE: {RESERVE})")
    return {**FILES, **{n: FILES_ALL[n] for n in named}}


def queries(want: Iterable[str] | None = None, reserve: Iterable[str] = ()) -> list[Query]:
    """Every judged query of `FILES` (and of the `RESERVE` files named in `reserve`), in file
    order; only the buckets `want` when given."""
    keep = set(want) if want is not None else None
    out: list[Query] = []
    for name, path in _files(reserve).items():
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
    """Mean score per file (of the bucket `want` when given): every file of `FILES`, and a
    `RESERVE` file only when `judged` holds its queries."""
    present = {f for f, _, _ in judged}
    names = [*FILES, *(n for n in RESERVE if n in present)]
    return {name: round(mean([s for (f, q, _), s in zip(judged, values, strict=True)
                              if f == name and (want is None or bucket(q) == want)]), 4)
            for name in names}


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


def run_grid(path: Path, grid: list, apply: Callable[[tuple], None],
             reserve: Iterable[str] = ()) -> dict:
    """Every judged query's score and English under each setting (`apply(setting)` sets it;
    `apply(grid[0])` at the end), with each setting's CPU seconds. The `RESERVE` files only
    when named in `reserve`."""
    cached = search_semantic._encode_cached
    search_semantic._encode_cached = functools.lru_cache(maxsize=None)(cached.__wrapped__)
    judged = queries(reserve=reserve)
    by, english, cpu = {}, {}, {}
    try:
        with db.connect(read_only=True, path=path) as con:
            apply(grid[0])
            scores(con, judged[:3])  # warm: the model, the index
            for setting in grid:
                apply(setting)
                t0 = time.process_time()
                by[setting], english[setting] = scores(con, judged)
                cpu[setting] = time.process_time() - t0
                print(setting, f"{cpu[setting]:.1f}s CPU", file=sys.stderr)
    finally:
        apply(grid[0])
        search_semantic._encode_cached = cached
    return {"grid": grid, "judged": judged, "scores": by, "english": english, "cpu": cpu}


def _means(judged: list, values: list[float]) -> dict[tuple[str, str], float]:
    """(file, bucket) -> the mean score, unrounded (the gate compares these)."""
    out: dict[tuple[str, str], list[float]] = {}
    for (f, q, _), s in zip(judged, values, strict=True):
        out.setdefault((f, bucket(q)), []).append(s)
    return {k: mean(v) for k, v in out.items()}


def drops(judged: list, by: dict, today: tuple, setting: tuple, files: Iterable[str]
          ) -> dict[str, float]:
    """'file bucket' -> how much `setting` lowers that number against `today` (drops only)."""
    keep = set(files)
    base, mine = _means(judged, by[today]), _means(judged, by[setting])
    return {f"{f} {b}": round(base[f, b] - mine[f, b], 4) for f, b in base
            if f in keep and mine[f, b] < base[f, b] - 1e-9}


def gate(judged: list, by: dict, grid: list) -> list:
    """The settings that lower no development file's en, zh or names number (today's first)."""
    return [v for v in grid if not drops(judged, by, grid[0], v, DEVELOPMENT)]


def summarise(out: dict) -> dict:
    """The choice (gate, leave-one-out, reported drops, adopt), per-file numbers of every
    setting, the queries each setting moves, the development mean and CPU per setting."""
    grid, judged, by = out["grid"], out["judged"], out["scores"]
    candidates = gate(judged, by, grid)
    nd = choose(judged, by, candidates, DEVELOPMENT, lambda q: bucket(q) in ("en", "zh"))
    chosen = nd["chosen"]
    nd["reported_drops"] = drops(judged, by, grid[0], chosen, REPORTED)
    nd["adopt"] = chosen != grid[0] and not nd["reported_drops"]
    # SESSION7: a drop of <= NOISE on one reported file may be called noise, if said so.
    nd["adopt_if_stated"] = chosen != grid[0] and (
        not nd["reported_drops"] or (max(nd["reported_drops"].values()) <= NOISE
                                     and len({k.split()[0] for k in nd["reported_drops"]}) == 1))
    nd["candidates"] = [str(v) for v in candidates]
    nd["development_drops"] = {str(v): drops(judged, by, grid[0], v, DEVELOPMENT)
                               for v in grid if v not in candidates}
    table = {str(v): {b: per_file(judged, by[v], b) for b in ("en", "zh", "name")}
             for v in grid}
    moved = {str(v): [(f, q["q"], round(a, 3), round(b, 3))
                      for (f, q, _), a, b in zip(judged, by[grid[0]], by[v], strict=True)
                      if abs(a - b) > 1e-9]
             for v in grid[1:]}
    dev_mean = {str(v): round(mean([s for (f, q, _), s in zip(judged, by[v], strict=True)
                                    if f in DEVELOPMENT and bucket(q) in ("en", "zh")]), 4)
                for v in grid}
    return {"choice": {**nd, "chosen": str(chosen)}, "development_mean": dev_mean,
            "per_file": table, "moved": moved,
            "cpu_s": {str(v): round(c, 1) for v, c in out["cpu"].items()}}


def main(grid: list, apply: Callable[[tuple], None]) -> dict:
    """The command line of a grid experiment: `--db` (default PANORAMA_DATA_DIR's warehouse),
    `--json` (the summary, every query's score and English per setting), `--reserve NAME`
    (also score that `RESERVE` file: its one-shot test, never by default). Prints the choice
    and each setting's development mean and per-file numbers; returns the summary."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(db_path()))
    ap.add_argument("--json")
    ap.add_argument("--reserve", action="append", default=[], choices=RESERVE,
                    help="also score this reserve file (once, for a pre-registered test)")
    args = ap.parse_args()
    out = run_grid(Path(args.db), grid, apply, reserve=args.reserve)
    s = summarise(out)
    print("choice", s["choice"])
    for v in grid:
        print(v, "dev-mean", s["development_mean"][str(v)], s["per_file"][str(v)])
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"summary": s, "queries": [(f, q["q"]) for f, q, _ in out["judged"]],
             "scores": {str(v): x for v, x in out["scores"].items()},
             "english": {str(v): e for v, e in out["english"].items()}},
            ensure_ascii=False, indent=0), "utf-8")
    return s


__all__ = ["DEVELOPMENT", "FILES", "FILES_ALL", "LEARNED_TRAINING", "Query", "REPORTED",
           "RESERVE", "bucket", "choose", "drops", "gate", "main", "mean", "per_file", "queries",
           "run_grid", "scores", "summarise"]
