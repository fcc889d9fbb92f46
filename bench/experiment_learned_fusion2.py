"""Experiment (issue 13, session 11, run 2): a learned scoring of the fused pool, judged by ONE
fresh blind test.

Run 1 (bench/experiment_learned_fusion.py; bench/RESULTS.md "a learned scoring of the fused
pool") fit a pairwise logistic regression over 21 features of the first 50 projects of a query
(today's score as an offset) on the 93 development queries. Out of fold it raised the
development mean (leave-one-query-out 0.8964 -> 0.9036, leave-one-file-out -> 0.8978) but
lowered heldout2 en and heldout4 en ("ORM for SQL databases": the model rewards raw BM25 and
coverage), so it failed that run's gate "no development file lower". Its per-file means on the
REPORTED files were then seen, and were much higher: those files are contaminated for this
question and choose nothing here, and the development files have been read query by query.

THE ADOPTION RULE BELOW IS NOT RUN 1'S. It was changed (by the lead, before this script was
written) after run 1's reported files' means had been seen. A rule changed in the light of
results cannot be judged on the files that suggested it; therefore the decision rests ONLY on
tests/fixtures/search/heldout9.json, written blind for this test by another helper, never
opened by this run's designer, and scored once, at the end, by this script (`--test`), which
prints its per-bucket means only (never a query).

Everything is reused from run 1 by import (`lf`): the pool (`lf.POOL` = 50 projects in
today's order, strong before weak; the model re-orders strong among strong and weak among weak;
past the pool today's order), the features (`lf.FEATURES`, `lf._features`), the capture of the
development queries' pools (`lf.capture`, checked equal to the search's own scores), the
learner (`lf.fit`: pairwise logistic regression, today's score an offset, L2 lambda shrinking
towards today's, alpha 1), the out-of-fold scoring (`lf.out_of_fold`, `lf.rerank_score`).

CANDIDATES (pre-registered, committed before any run of this script; in this order — a tie
keeps the earlier):
- A  ("A", 1.0): run 1's lambda 1 setting unchanged (uniform pair weights: every query weighs
  the same, each of its (relevant, irrelevant) pairs 1 / its pairs).
- B  ("B", 1.0) and ("B", 0.1): LambdaRank-style pair weights (Burges 2010, "From RankNet to
  LambdaRank to LambdaMART"): each (relevant, irrelevant) pair of a query weighted by
  |delta| = |score of today's order with the two swapped - score of today's order|, the score
  being the query's own as eval-search computes it (`search_eval.score_query`: nDCG@10; first
  hit for a name query), today's order the captured pool's. A pair that cannot move the top
  ten (both past place 10) weighs 0. The weights are scaled to sum to 1 over the training
  pairs (the total run 1's lambda was set against), so a query weighs by how much its order
  can move its score rather than equally. lambda 1 and 0.1, alpha 1, features as A.
- C  ("C", 1.0): A's learner (lambda 1, uniform weights) with the raw-score features replaced
  by their within-query ranks — a response to the ORM failure mode (a raw BM25 / coverage
  level carried across queries), seen on a development query only. The columns cos,
  bm25_rel and coverage become, each, the project's rank r in the query's pool by that value
  (0 = the pool's highest; ties share the better place: scipy rankdata "min" on the negated
  values, minus 1) in the form the ranking features already have, (K + 1) / (K + 1 + r),
  K = search_rank.K; the two interactions built on them are rebuilt from the rank forms:
  zh x cosine = zh x rank-form cosine, concepts x coverage = concepts x rank-form coverage.
  The zh flag and the number of concepts are read back from the captured columns (zh x cosine
  nonzero somewhere in the pool; concepts x coverage / coverage where coverage > 0) — the
  same values `lf._features` multiplied in.

SELECTION (development files only: dev, heldout2, heldout4, heldout7 — `sel.DEVELOPMENT`):
each candidate's leave-one-FILE-out mean nDCG@10 over the development en + zh queries (each
development file scored by the candidate fit on the other three — the more conservative of
run 1's two estimates). Eligible: LOFO mean strictly above today's (0.8964 on today's main;
recomputed here, today's LOFO is today's scores). The selected candidate is the eligible one
with the highest LOFO mean (ties: the earlier). If none is eligible: stop, NOT adopted, no
test is run. Leave-one-query-out means and per-file numbers are printed for the record only;
no per-file gate.

THE ONE TEST (`--test`, once, after the selection): the selected candidate fit on ALL 93
development queries, applied in the real search (the pool re-ordered inside
`search_rank._fold`, so the pseudo-relevance feedback pass sees it, as run 1 applied its
fits), against today's on heldout9. ADOPT iff, on heldout9:
1. the mean nDCG@10 over its en + zh topic queries (name queries excluded) is higher under
   the candidate than today's, AND
2. neither its en mean nor its zh mean is lower than today's by more than 0.01 (`MAX_DROP`),
   AND
3. names first hit stays 1.00 (the candidate's first-hit accuracy over heldout9's name
   queries is 1.00; vacuous if the file has none).
Otherwise NOT adopted. The nine other files' means under the candidate are printed after the
decision, for the record (they decide nothing).

Run 2 (bench/RESULTS.md "a learned scoring of the fused pool, run 2"): leave-one-file-out
today's 0.8964, A 0.8978, B lambda 1 0.8964, B lambda 0.1 0.8989, C 0.8947: B lambda 0.1
selected. The one test on heldout9: en + zh 0.7741 -> 0.7813 (higher), zh 0.7824 -> 0.8115, en
0.7664 -> 0.7533 (lower by 0.0131 > 0.01), names 1.00 -> 1.00: NOT adopted.

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> nice -n 5 python bench/experiment_learned_fusion2.py \\
        [--json out] [--test]
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import experiment_learned_fusion as lf  # noqa: E402
from bench import search_selection as sel  # noqa: E402
from core.settings import db_path  # noqa: E402
from landscape import search_rank, search_semantic  # noqa: E402
from landscape.search_eval import bucket, score_query  # noqa: E402
from warehouse import db  # noqa: E402

TODAY = ("today",)
CANDIDATES: list[tuple[str, float]] = [("A", 1.0), ("B", 1.0), ("B", 0.1), ("C", 1.0)]
TODAY_LOFO = 0.8964   # today's development mean on today's main (checked, not assumed)
TEST_FILE = ROOT / "tests/fixtures/search/heldout9.json"
MAX_DROP = 0.01       # rule 2 of the test
COL = {f: n for n, f in enumerate(lf.FEATURES)}
RAW = ("cos", "bm25_rel", "coverage")


# --- candidate C: raw scores as within-query ranks -------------------------------------------

def rank_form(X: np.ndarray) -> np.ndarray:
    """The pool's features with cos, bm25_rel, coverage (and the two interactions on them) as
    (K + 1) / (K + 1 + within-pool rank) — see the module doc, candidate C."""
    X = X.copy()
    K = search_rank.K
    zh = float(np.any(X[:, COL["zh_cos"]] != 0))
    cov = X[:, COL["coverage"]]
    nconc = float(X[cov > 0, COL["concepts_coverage"]][0] / cov[cov > 0][0]) if (cov > 0).any() \
        else 0.0
    for f in RAW:
        r = rankdata(-X[:, COL[f]], method="min") - 1
        X[:, COL[f]] = (K + 1) / (K + 1 + r)
    X[:, COL["zh_cos"]] = zh * X[:, COL["cos"]]
    X[:, COL["concepts_coverage"]] = round(nconc) * X[:, COL["coverage"]]
    return X


# --- candidate B: LambdaRank pair weights ---------------------------------------------------

def swap_deltas(d: dict) -> np.ndarray:
    """|score with the pair swapped - today's score| per (relevant, irrelevant) pair of a
    captured query, in `lf._pairs`' pair order."""
    r, i = np.flatnonzero(d["rel"]), np.flatnonzero(~d["rel"])
    a, b = np.repeat(r, len(i)), np.tile(i, len(r))
    base = score_query(d["q"], d["hits"], d["groups"])
    out = np.zeros(len(a))
    for k, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        if min(x, y) >= 10:
            continue  # both past the top ten: the swap moves nothing
        hits = list(d["hits"])
        hits[x], hits[y] = hits[y], hits[x]
        out[k] = abs(score_query(d["q"], hits, d["groups"]) - base)
    return out


class _Weighting:
    lambdarank = False


_uniform_pairs = lf._pairs


def _pairs(data: list[dict], mu: np.ndarray, sd: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                       np.ndarray]:
    """`lf._pairs`, with the LambdaRank weights (scaled to sum 1) when `_Weighting` says so."""
    dz, dt, wt = _uniform_pairs(data, mu, sd)
    if not _Weighting.lambdarank:
        return dz, dt, wt
    sw = np.concatenate([d["swap"] for d in data if d["rel"].any() and (~d["rel"]).any()])
    return dz, dt, sw / sw.sum()


def prepared(data: list[dict], cand: tuple) -> list[dict]:
    """The captured queries as the candidate's learner sees them."""
    if cand[0] == "C":
        return [{**d, "X": rank_form(d["X"])} for d in data]
    if cand[0] == "B":
        return [{**d, "swap": swap_deltas(d)} for d in data]
    return data


def _with(cand: tuple, fn, *args):  # noqa: ANN001, ANN202
    _Weighting.lambdarank = cand[0] == "B"
    try:
        return fn(*args)
    finally:
        _Weighting.lambdarank = False


def fit(data: list[dict], cand: tuple) -> dict:
    return _with(cand, lf.fit, prepared(data, cand), cand[1], 1.0)


def out_of_fold(data: list[dict], cand: tuple, fold_of: list) -> list[float]:
    if cand == TODAY:
        return lf.out_of_fold(data, TODAY, fold_of)
    return _with(cand, lf.out_of_fold, prepared(data, cand), ("pairwise", cand[1], 1.0),
                 fold_of)


# --- the real search with a fit applied (the test) ----------------------------------------

class _Online:
    model: dict | None = None
    ranks = False


def _fold(qt, own, best_rank, project, items, weights):  # noqa: ANN001, ANN202
    """`lf._fold` (capture, today's), or the pool re-ordered by `_Online.model`, features in
    the candidate's form."""
    if _Online.model is None:
        return lf._fold(qt, own, best_rank, project, items, weights)
    folded = lf._real_fold(qt, own, best_rank, project, items, weights)
    X_all, cos = lf._features(qt, folded, items, project, weights)
    weak = lf._partition(qt, folded, cos, weights)
    order = [n for n, w in enumerate(weak) if not w] + [n for n, w in enumerate(weak) if w]
    pool, rest = order[:lf.POOL], order[lf.POOL:]
    X = rank_form(X_all[pool]) if _Online.ranks else X_all[pool]
    m = _Online.model
    s = X[:, 0] + m["alpha"] * (((X - m["mu"]) / m["sd"]) @ m["w"])
    ranked = sorted(range(len(pool)), key=lambda k: (weak[pool[k]], -s[k], k))
    return [folded[pool[k]] for k in ranked] + [folded[n] for n in rest]


def _bucket_means(judged: list, values: list[float]) -> dict[str, float | int]:
    out: dict[str, float | int] = {}
    for b in ("en", "zh", "name"):
        v = [s for (_, q, _), s in zip(judged, values, strict=True) if bucket(q) == b]
        out[b] = round(sel.mean(v), 4) if v else float("nan")
        out[f"n_{b}"] = len(v)
    topic = [s for (_, q, _), s in zip(judged, values, strict=True) if bucket(q) in ("en", "zh")]
    out["topic"] = round(sel.mean(topic), 4)
    return out


def decide(today: dict, cand: dict) -> dict:
    """The test's rule (module doc) on heldout9's bucket means (unrounded comparison is not
    needed: rounded to 4 places both sides, a tie is not "higher")."""
    higher = cand["topic"] > today["topic"]
    within = all(cand[b] >= today[b] - MAX_DROP for b in ("en", "zh") if today[f"n_{b}"])
    names = not today["n_name"] or cand["name"] == 1.0
    return {"topic_higher": higher, "en_zh_within": within, "names_1": names,
            "adopt": higher and within and names}


# --- main ----------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(db_path()))
    ap.add_argument("--json")
    ap.add_argument("--test", action="store_true",
                    help="after the selection, the one test on heldout9 (run it once)")
    args = ap.parse_args()
    cached = search_semantic._encode_cached
    search_semantic._encode_cached = functools.lru_cache(maxsize=None)(cached.__wrapped__)
    lf.install()
    lf._pairs = _pairs
    search_rank._fold = _fold
    judged = [j for j in sel.queries() if j[0] in sel.DEVELOPMENT]
    res: dict = {}
    with db.connect(read_only=True, path=Path(args.db)) as con:
        data = lf.captured(con, judged)
        topic = [n for n, (_, q, _) in enumerate(judged) if bucket(q) in ("en", "zh")]
        settings = [TODAY, *CANDIDATES]
        est = {}
        for name, fold_of in (("lofo", [f for f, _, _ in judged]),
                              ("loqo", list(range(len(judged))))):
            res[name] = {}
            for s in settings:
                t1 = time.time()
                vals = out_of_fold(data, s, fold_of)
                est[name, s] = vals
                res[name][str(s)] = {
                    "mean": round(sel.mean([vals[n] for n in topic]), 4),
                    "per_file": {b: {f: v for f, v in sel.per_file(judged, vals, b).items()
                                     if f in sel.DEVELOPMENT} for b in ("en", "zh", "name")},
                    "dev_drops": sel.drops(judged, {TODAY: est[name, TODAY], s: vals}, TODAY,
                                           s, sel.DEVELOPMENT)}
                print(name, s, res[name][str(s)]["mean"], f"{time.time() - t1:.0f}s",
                      file=sys.stderr)
        today_lofo = res["lofo"][str(TODAY)]["mean"]
        if abs(today_lofo - TODAY_LOFO) > 1e-9:
            print(f"NOTE: today's development mean is {today_lofo}, not {TODAY_LOFO}: the rule "
                  "compares with the recomputed value", file=sys.stderr)
        eligible = [c for c in CANDIDATES if res["lofo"][str(c)]["mean"] > today_lofo]
        selected = max(eligible, key=lambda c: res["lofo"][str(c)]["mean"]) if eligible \
            else None  # max keeps the first of equals
        res["selection"] = {"today_lofo": today_lofo, "eligible": [str(c) for c in eligible],
                            "selected": str(selected) if selected else None}
        fits = {c: fit(data, c) for c in CANDIDATES}
        res["weights_std"] = {str(c): {f: round(float(w), 4) for f, w in
                                       zip(lf.FEATURES, m["w"], strict=True)}
                              for c, m in fits.items()}
        res["weights_raw"] = {str(c): {f: round(float(w / m["sd"][j]), 4) for j, (f, w) in
                                       enumerate(zip(lf.FEATURES, m["w"], strict=True))}
                              for c, m in fits.items()}
        if args.test:
            if selected is None:
                raise SystemExit("no candidate eligible: NOT adopted, no test to run")
            test = [("heldout9", q, data9["groups"]) for data9 in
                    [json.loads(TEST_FILE.read_text("utf-8"))] for q in data9["queries"]]
            _Online.model, _Online.ranks = None, False
            today9 = _bucket_means(test, sel.scores(con, test)[0])
            _Online.model, _Online.ranks = fits[selected], selected[0] == "C"
            cand9 = _bucket_means(test, sel.scores(con, test)[0])
            res["test"] = {"candidate": str(selected), "today": today9, "learned": cand9,
                           **decide(today9, cand9)}
            # after the decision, for the record: every other file, today's and the fit's
            every = sel.queries()
            online = {}
            for name, m in (("today", None), ("learned", fits[selected])):
                _Online.model, _Online.ranks = m, m is not None and selected[0] == "C"
                vals = sel.scores(con, every)[0]
                online[name] = {b: sel.per_file(every, vals, b) for b in ("en", "zh", "name")}
            res["record_all_files"] = online
            _Online.model = None
    search_semantic._encode_cached = cached
    print(json.dumps(res, indent=1, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(res, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
