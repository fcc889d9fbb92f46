"""Experiment (issue 13, session 12, helper zhE): a SECOND pre-registered test of the same
candidate E — a SURE Chinese query searched as its English reading typed — on the reserve
heldout16.

WHY A SECOND TEST, DISCLOSED AS SUCH. bench/experiment_zh_project_words.py (helper zh12;
bench/RESULTS.md "Chinese misses, diagnosed; a sure reading searched as its English") selected E
by leave-one-FILE-out over the 12 training files with the learned weights refit per fold (zh
0.8385 -> 0.8460, en 0.8896 unchanged, names 1.00), and spent heldout14 on its one test: E was
IDENTICAL to today's there, because only ONE of heldout14's 18 Chinese queries is sure (its
Chinese is mostly colloquial sentences, which the project's dictionary never reads whole) — a
test without power, NOT adopted. This is a second test of the SAME candidate with the SAME
rule, on a file that can move it: heldout16 was written blind in search.dev.json's style
(short keyword phrases, the style of the hidden evaluation), so its Chinese queries are likely
to be sure. Two tests of one hypothesis give it two chances; the first (no power) is reported
beside this one, and nothing else is re-tried (N and P, zh12's other candidates, are not run).

WHAT IS COMPARED — nothing here is new; every piece is imported from
bench/experiment_zh_project_words.py (`zp`: E's reading `zp.analyse`, the sureness rule
`zp.is_sure` — the segmentation `query_segment` itself computes, no word list, no query named —,
the eligibility rule `zp.eligible`, the test rule `zp.decide`):
- T: main as it stands AFTER run 6 of the learned scoring (helper ltr6, heldout15) landed — this
  branch rebased on it first. For the test, T is the PRODUCT itself (its shipped
  config/search_learned.json, its own code path, no patch).
- E: a sure Chinese query is searched as `analyse(english)`; unsure queries as T.
THE LEARNED SCORING FOLLOWS THE PRODUCT. Run 6 changed what the product ships (ADOPTED on
heldout15: the fusion's weak flag a 22nd feature, the pool ordered by the learned score alone,
a pooled project weak iff its learned score is under tau — the lowest out-of-fold learned score
of a relevant project in any training query's first 30), so zh12's run-4 machinery (`zp.lofo`,
`lf4.models`, run 4's fold) would no longer compare E with the real T. Here both readings get
what bench/fit_learned_fusion.py does for the product, with its `CANDIDATE` (run 6's "W") and
experiment_learned_fusion6's functions (`lf6`; imported, not copied): pools captured with the
learned scoring off and run 6's columns (`lf6.features_plus`) UNDER the reading (`zp.analyse`
on while capturing), `lf6.fit` (run 2's learner, LambdaRank pair weights, lambda 0.1, one model
for both languages) and `lf6.tau`, applied online in the product's own path
(`lf6.install_product_path`, `lf6.scores`). In the LOFO, file f is searched with the fit on the
11 others and tau of those 11 (11 inner fits); in the test, the fit on all 12 and tau of all 12
(from the 12 fold fits) — as run 6 did and as the shipped file was made.

THE GUARD (before anything of heldout16 is scored): T's machinery — today's reading, pools
captured, the model refit on all 12 training files with its tau, applied in the product's path —
must give the PRODUCT's score (unpatched search, shipped config/search_learned.json) on every one
of the 12 training files' 386 queries (|difference| <= 1e-9, as bench/fit_learned_fusion.py
checks its refit). If not, the machinery is not the product: stop, no test, "not finished".

THE SURE COUNT (before anything is scored): how many of heldout16's Chinese (zh-bucket) queries
are sure — `zp.is_sure` on the product's own analysis (`search._Query.start` with the loaded
index; no ranking runs) — printed as a count only, never a query; for the record the same count
on every non-reserve file (checked before this commit, counts only: 85 of the 12 training files'
208 Chinese queries are sure, 86 of 228 with heldout12 — zh12's count —, heldout14 1, heldout13
0; dev 6 of 7, the file heldout16 imitates). If FEWER THAN 5 (`MIN_SURE`) of
heldout16's Chinese queries are sure, stop: heldout16 is NOT spent (no LOFO, no test), E not
adopted, the file stays in RESERVE.

THE SELECTION, recomputed on the rebased code (same rule as zh12's): LOFO over the 12 files of
`search_selection.LEARNED_TRAINING`, T and E each with the learned weights (and tau) refit per
fold on pools captured under it; E eligible iff (1) its LOFO zh mean is strictly above T's, (2) its LOFO
en mean is not below T's by more than 0.005, (3) its LOFO names first-hit mean equals T's
(4 places). E not eligible: stop — NOT adopted, no test, heldout16 not spent.

THE ONE TEST (`--reserve heldout16`, run once, after the count, the guard and the selection in
the same process): E with the learned weights and tau refit on ALL 12 files (its own capture), in
the real search, against T (the product), on heldout16. ADOPT iff on heldout16 (1) the zh mean is
higher than T's, (2) the en mean is not lower than T's by more than 0.01 AND the en + zh topic
mean is not lower than T's, (3) names first hit stays 1.00 (`zp.decide`; means rounded to 4
places both sides). Only heldout16's per-bucket means and counts are printed, never a query.
heldout15 and heldout17 are not this script's (it cannot name them).

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> nice -n 5 python bench/experiment_zh_project_words2.py \\
        [--json out] [--reserve heldout16]

Without `--reserve` it prints the training files' counts, the guard and the LOFO selection only
(heldout16's sure count is printed only with `--reserve`, which may then stop before the test).

AFTER THE DECISION (`--after`, added after the test ran and was decided; no decision power;
refuses while heldout16 is a reserve): on heldout16, T, E's reading under T's fit and tau, and E
— per-bucket means, and how many queries of each bucket (Chinese: sure / unsure) moved up / down
against T; counts only, never a query — to say whether the test's difference came from the
reading or from the refit.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import experiment_learned_fusion as lf  # noqa: E402
from bench import experiment_learned_fusion2 as lf2  # noqa: E402
from bench import experiment_learned_fusion4 as lf4  # noqa: E402
from bench import experiment_learned_fusion6 as lf6  # noqa: E402
from bench import experiment_zh_project_words as zp  # noqa: E402
from bench import fit_learned_fusion as fit_product  # noqa: E402
from bench import search_selection as sel  # noqa: E402
from core.settings import db_path  # noqa: E402
from landscape import search as search_mod  # noqa: E402
from landscape import search_learned, search_semantic  # noqa: E402
from landscape.embeddings import model_name_or_default  # noqa: E402
from landscape.search_eval import bucket  # noqa: E402
from landscape.search_index import load_search_index  # noqa: E402
from warehouse import db  # noqa: E402

TEST = "heldout16"
MIN_SURE = 5        # fewer sure Chinese queries than this: the test would have no power
GUARD_TOL = 1e-9
CAND = fit_product.CANDIDATE   # the learned scoring the product ships (its refit's candidate)


def sure_counts(judged: list) -> dict[str, list[int]]:
    """file -> [sure, Chinese] counts of its zh-bucket queries, on the product's own analysis
    (the loaded index's vocabulary; nothing is ranked)."""
    model = model_name_or_default(None)
    index = load_search_index(model)
    if index is None or index.lexical is None:
        raise SystemExit("no search index: set PANORAMA_DATA_DIR to the warehouse's data folder")
    out: dict[str, list[int]] = {}
    for f, q, _ in judged:
        if bucket(q) != "zh":
            continue
        qt = search_mod._Query.start(q["q"], index, model).qt
        c = out.setdefault(f, [0, 0])
        c[0] += zp.is_sure(qt, index.lexical.df)
        c[1] += 1
    return out


def capture(con, judged: list, reading: str) -> list[dict]:  # noqa: ANN001
    """The training queries' pools captured under `reading` ("T" today's, "E"), as
    bench/fit_learned_fusion.py captures the product's (the learned scoring off, run 6's
    columns; `_install_capture` first), LambdaRank-prepared."""
    zp._Cand.name = reading
    try:
        return lf2.prepared(lf.captured(con, judged), ("B", 0.1))
    finally:
        zp._Cand.name = "T"


def _tau(data: list[dict], files: list[str], fits: dict[str, dict] | None = None) -> float:
    """The product's weak cut-off for a fit on `files` (run 6's rule; none when the product's
    candidate keeps the fusion's flags)."""
    return -math.inf if lf6.BINDS[CAND] else lf6.tau(CAND, data, files, fits)


def lofo(con, judged: list, data: list[dict], reading: str  # noqa: ANN001
         ) -> tuple[list[float], dict[str, dict]]:
    """Each training query's online score under `reading` with the product's learner fit on
    the other 11 files' pools captured under it (and tau of those 11, from 11 inner fits);
    and the 12 fold fits (tau of all 12 is made of them)."""
    files = list(sel.LEARNED_TRAINING)
    out = [float("nan")] * len(judged)
    fits: dict[str, dict] = {}
    for f in files:
        fits[f] = lf6.fit(CAND, [d for d in data if d["file"] != f])
        t = _tau(data, [g for g in files if g != f])
        idx = [n for n, (g, _, _) in enumerate(judged) if g == f]
        zp._Cand.name = reading
        try:
            vals = lf6.scores(con, [judged[n] for n in idx], CAND, fits[f], t)
        finally:
            zp._Cand.name = "T"
        for n, v in zip(idx, vals, strict=True):
            out[n] = v
    return out, fits


def after(con, judged: list) -> dict:  # noqa: ANN001
    """AFTER THE DECISION, for the record (no decision power; heldout16 REPORTED by then):
    on heldout16, T (the product), E's reading with T's all-12 fit and tau ("reading only") and
    E (its own all-12 fit and tau): per-bucket means, and per bucket how many queries moved
    up / down against T (Chinese ones split sure / unsure) — counts only, never a query."""
    if TEST in sel.RESERVE:
        raise SystemExit(f"{TEST} is still a reserve: --after only once it is REPORTED")
    test = [j for j in sel.queries() if j[0] == TEST]
    model = model_name_or_default(None)
    index = load_search_index(model)
    sure = [bucket(q) == "zh" and zp.is_sure(search_mod._Query.start(q["q"], index, model).qt,
                                              index.lexical.df) for _, q, _ in test]
    files = list(sel.LEARNED_TRAINING)
    real_pairs, real_analyse = lf._pairs, search_mod.analyse
    today = sel.scores(con, test)[0]
    search_mod.analyse = zp.analyse
    search_learned.features = lf6.features_plus
    lf.install()
    lf._pairs = lf2._pairs
    full = {}
    for c in ("T", "E"):
        data = capture(con, judged, c)
        fits = {f: lf6.fit(CAND, [d for d in data if d["file"] != f]) for f in files}
        full[c] = (lf6.fit(CAND, data), _tau(data, files, fits))
    lf6.install_product_path()
    zp._Cand.name = "E"
    try:
        runs = {"T": today, "E reading, T's fit": lf6.scores(con, test, CAND, *full["T"]),
                "E": lf6.scores(con, test, CAND, *full["E"])}
    finally:
        zp._Cand.name = "T"
        lf6.uninstall()
        search_mod.analyse, lf._pairs = real_analyse, real_pairs
    out: dict = {"sure": sum(sure), "means": {k: lf2._bucket_means(test, v)
                                              for k, v in runs.items()}}
    for k in ("E reading, T's fit", "E"):
        moved: dict[str, list[int]] = {}
        for (_, q, _), is_sure, a, b in zip(test, sure, today, runs[k], strict=True):
            key = bucket(q) + (" sure" if is_sure else " unsure" if bucket(q) == "zh" else "")
            m = moved.setdefault(key, [0, 0, 0])       # up, down, queries
            m[0] += b > a + 1e-9
            m[1] += b < a - 1e-9
            m[2] += 1
        out[f"moved vs T ({k}): up, down, queries"] = moved
    return out


def main() -> None:  # noqa: PLR0915 - one run, in the order the module doc states it
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(db_path()))
    ap.add_argument("--json")
    ap.add_argument("--reserve", choices=(TEST,), help="the one test on heldout16 (once)")
    ap.add_argument("--after", action="store_true",
                    help="after the decision, heldout16 reported: the record (`after`) only")
    args = ap.parse_args()
    cols = lf6.columns(CAND)
    names = [*search_learned.FEATURES[:lf6.BASE], *lf6.EXTRA]
    if [names[j] for j in cols] != list(search_learned.FEATURES) or lf.POOL != search_learned.POOL:
        raise SystemExit("the machinery's features / pool are not the product's: not finished")
    cached = search_semantic._encode_cached
    search_semantic._encode_cached = functools.lru_cache(maxsize=None)(cached.__wrapped__)
    judged = [j for j in sel.queries() if j[0] in sel.LEARNED_TRAINING]
    files = list(sel.LEARNED_TRAINING)
    res: dict = {}
    if args.after:
        with db.connect(read_only=True, path=Path(args.db)) as con:
            print(json.dumps({"after": after(con, judged)}, indent=1), flush=True)
        search_semantic._encode_cached = cached
        return

    # 1. the sure counts (nothing scored)
    res["sure_counts_non_reserve_files"] = sure_counts(sel.queries())
    print(json.dumps({"sure_counts_non_reserve_files": res["sure_counts_non_reserve_files"]}),
          flush=True)
    test = [j for j in sel.queries(reserve=(TEST,)) if j[0] == TEST] if args.reserve else []
    if args.reserve:
        n_sure, n_zh = sure_counts(test).get(TEST, [0, 0])
        res["sure_count_test"] = {"file": TEST, "sure": n_sure, "chinese": n_zh}
        print(json.dumps({"sure_count_test": res["sure_count_test"]}), flush=True)
        if n_sure < MIN_SURE:
            raise SystemExit(f"{n_sure} < {MIN_SURE} sure Chinese queries in {TEST}: no power, "
                             f"{TEST} NOT spent, no test — E not adopted")

    real_pairs, real_analyse = lf._pairs, search_mod.analyse
    with db.connect(read_only=True, path=Path(args.db)) as con:
        # 2. the product on the training queries, before any patch (the guard's reference)
        product_train = sel.scores(con, judged)[0]
        # 3. capture under each reading, as bench/fit_learned_fusion.py does the product's
        search_mod.analyse = zp.analyse
        search_learned.features = lf6.features_plus
        lf.install()
        lf._pairs = lf2._pairs
        datas = {c: capture(con, judged, c) for c in ("T", "E")}
        lf6.install_product_path()
        scores: dict[str, list[float]] = {}
        full: dict[str, tuple[dict, float]] = {}
        for c in ("T", "E"):
            t0 = time.time()
            scores[c], fits = lofo(con, judged, datas[c], c)
            full[c] = (lf6.fit(CAND, datas[c]), _tau(datas[c], files, fits))
            print(c, f"{time.time() - t0:.0f}s", file=sys.stderr, flush=True)
        # 4. the guard: T's machinery (all-12 refit and tau) is the product
        bad = sum(abs(a - b) > GUARD_TOL for a, b in
                  zip(product_train, lf6.scores(con, judged, CAND, *full["T"]), strict=True))
        res["guard"] = {"queries": len(judged), "differ_from_product": bad,
                        "tau_all12": {c: round(t, 6) for c, (_, t) in full.items()}}
        print(json.dumps({"guard": res["guard"]}), flush=True)
        # 5. the selection
        means = {c: lf4._means(judged, v) for c, v in scores.items()}
        ok = zp.eligible(means)["E"]
        res["lofo_means"] = {c: {k: round(v, 4) for k, v in m.items()} for c, m in means.items()}
        res["lofo_per_file"] = {c: lf4._table(judged, v) for c, v in scores.items()}
        moved = [(a, b) for (_, q, _), a, b in zip(judged, scores["T"], scores["E"], strict=True)
                 if q.get("lang") == "zh" and abs(a - b) > 1e-9]
        res["moved_zh_queries"] = {"up": sum(b > a for a, b in moved),
                                   "down": sum(b < a for a, b in moved)}
        res["selection"] = {"E_eligible": ok}
        print(json.dumps({k: res[k] for k in ("lofo_means", "lofo_per_file", "moved_zh_queries",
                                             "selection")}, indent=1), flush=True)
        if args.reserve:
            if bad:
                raise SystemExit("the machinery does not reproduce the product: no test "
                                 "(not finished), heldout16 NOT spent")
            if not ok:
                raise SystemExit("E not eligible on the rebased code: NOT adopted, no test, "
                                 "heldout16 NOT spent")
            # 6. the one test: T = the product (unpatched), E = its all-12 fit and tau
            lf6.uninstall()
            search_mod.analyse = real_analyse
            today = lf2._bucket_means(test, sel.scores(con, test)[0])
            lf6.install_product_path()
            search_mod.analyse = zp.analyse
            zp._Cand.name = "E"
            try:
                cand = lf2._bucket_means(test, lf6.scores(con, test, CAND, *full["E"]))
                insample = lf4._table(judged, lf6.scores(con, judged, CAND, *full["E"]))
            finally:
                zp._Cand.name = "T"
            res["test"] = {"file": TEST, "candidate": "E", "today": today,
                           "candidate_scores": cand, **zp.decide(today, cand)}
            print(json.dumps({"test": res["test"]}, indent=1), flush=True)
            res["record_all12_fit_in_sample"] = {"T (product)": lf4._table(judged, product_train),
                                                 "E": insample}
            print(json.dumps({"record_all12_fit_in_sample": res["record_all12_fit_in_sample"]},
                             indent=1), flush=True)
        lf6.uninstall()
    search_mod.analyse, lf._pairs = real_analyse, real_pairs
    search_semantic._encode_cached = cached
    if args.json:
        Path(args.json).write_text(json.dumps(
            {**res, "queries": [(f, q["q"]) for f, q, _ in judged], "lofo_scores": scores},
            ensure_ascii=False, indent=0), "utf-8")


if __name__ == "__main__":
    main()
