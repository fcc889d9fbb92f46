"""Experiment (issue 13, session 12, run 7): a NON-LINEAR learned ranker (LambdaMART, gradient-
boosted trees) over the same 22 features — leave-one-FILE-out over the 12 training files, then
ONE blind test on the reserve heldout17.

Background. Since run 6 the first `search_learned.POOL` (50) projects of every query are ordered
by a LINEAR correction of the fused score over the 22 `search_learned.FEATURES` (pairwise
logistic regression, LambdaRank pair weights, lambda 0.1, one model for every query, fit on all
386 queries of `search_selection.LEARNED_TRAINING`), a pooled project weak iff its learned score
< tau (run 6's rule). Run 5 found that most remaining misses are relevant projects INSIDE the
pool ordered low, which new linear features did not fix on blind data. Hypothesis (standard in
learning to rank): a gradient-boosted tree ranker (LambdaMART, Burges 2010, "From RankNet to
LambdaRank to LambdaMART") over the same features can use interactions a linear correction
cannot (a name match that matters only with a kind the query wants, a cosine that matters only
when the words ranking missed ...), and generalises if kept small.

Machinery, imported, not copied: run 1's (`lf`) capture of today's pools (the product's learned
scoring off while capturing; checked equal to the search's own scores); run 2's (`lf2`) pair
weights for the linear learner and test rule (`lf2._bucket_means`, `lf2.decide`, MAX_DROP
0.01); run 4's (`lf4`) summaries; run 6's (`lf6`) weak columns (`lf6.features_plus`), linear
candidate W's fit (`lf6.fit("W", ...)`, the product's learner), tau rule (`lf6.tau`, given the
inner fits), and its application in the PRODUCT's own path (`lf6.install_product_path`,
`lf6.scores` with candidate "W": the pool ordered by the model's score alone, weak iff score
< tau, the list then partitioned stably, strong before weak; the feedback pass sees it). The
ONLY change to that path: `lf6.learned` (the model's score of a pool) is wrapped so that a
tree model's score is its booster's prediction over the product's 22 columns (`lf6.columns("W")`)
— everything else (features, pool, tau, partition) is run 6's W.

CANDIDATES (pre-registered, committed before anything below was scored; in this order — a tie
keeps the earlier):
- T: today's product — run 6's W (the linear model above), refit per fold with its own tau.
- G1: LambdaMART, LightGBM 4.7.0 `lgb.train`, objective "lambdarank", metric "ndcg", eval_at
  [10]; label = 1 for a relevant project of the pool (the capture's `rel`: the judged relevant
  project, or the name query's target), else 0; one query group per captured pool (every query
  of the training files: en, zh and name; a pool without a relevant project has no pair and
  adds nothing); features = the product's 22 `FEATURES` as captured (today's fused score among
  them as the `today` column — the tree model does not see the linear model's score); fixed
  setting: 100 trees (num_boost_round), num_leaves 7, learning_rate 0.05, min_data_in_leaf 20,
  feature_fraction 0.8 (feature_fraction_seed 7), no bagging, lambdarank defaults otherwise
  (truncation level, label_gain), seed 7, deterministic True, force_row_wise True,
  num_threads 1, verbose -1. No early stopping, no validation set.
- G2: G1 with 300 trees and learning_rate 0.03 (everything else G1's).
(No blended candidate L: not registered.) No tuning beyond these two settings.

TAU for each candidate (run 6's rule, on its own out-of-fold scores): for a fit on training
files F, the LOWEST model score of a relevant project among the first 30 of any query of F's
pool ordered by that score, each query scored by the candidate fit on F without that query's
file. In the LOFO estimate, file f is searched with the candidate fit on the 11 others and
tau(the 11 others) (11 inner fits each); in the test, the fit on all 12 and tau(all 12) from
the 12 LOFO fits. A tree model's score is on its own scale (not the fusion's units); tau is on
that scale.

SELECTION (online leave-one-FILE-out over the 12 training files — each file's queries searched
in the real search with the candidate fit on the other 11; unrounded means over the 357 topic
queries): eligible iff (1) LOFO en + zh mean above T's by at least 0.002 (`MIN_GAIN`),
(2) LOFO en and zh each not below T's by more than 0.005 (`lf6.SLACK`), (3) LOFO names first
hit 1.00. Selected: the eligible candidate with the highest LOFO en + zh mean (a tie keeps the
earlier). None eligible: NOT adopted, no test, heldout17 stays a reserve.

THE ONE TEST (`--reserve heldout17`, run once, after the selection; the selection recomputed in
the same run must select a candidate): the selected candidate fit on ALL 12 files (tau from the
12 LOFO fits), in the real search, against T (the product: config/search_learned.json, no
patch) on heldout17. ADOPT iff on heldout17 (1) the en + zh topic mean is higher than T's,
(2) neither its en nor its zh mean is lower than T's by more than 0.01, (3) names first hit
stays 1.00 (`lf2.decide`, means rounded to 4 places both sides). Only per-bucket means and
counts are printed, never a query.

COST (`--cost`, scores nothing): per-query warm `search` ms on the English topic queries of the
training files, the product's path with T's all-12 fit against G1's and G2's all-12 fits
(p50 / p95), and the model's own scoring of a 50-project pool (predict) in microseconds.

Run 7 (bench/RESULTS.md "a learned scoring of the fused pool, run 7"): LOFO en + zh / en / zh /
names T 0.8602 / 0.8896 / 0.8391 / 1.00, G1 0.8599 / 0.8969 / 0.8333 / 0.9655, G2 0.8677 /
0.9040 / 0.8417 / 0.9655 (one name query of 29 loses its first hit under both trees): NO
candidate eligible (names) — NOT adopted, no test, heldout17 stays a reserve (the `--reserve`
run stopped at the selection, before naming it). Cost: G1 / G2 add ~0.1-0.3 ms to a search.
LightGBM is needed only by this script (not a dependency of the product).

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> nice -n 5 python bench/experiment_learned_fusion7.py \\
        [--json out] [--reserve heldout17] [--cost]
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import experiment_learned_fusion as lf  # noqa: E402
from bench import experiment_learned_fusion2 as lf2  # noqa: E402
from bench import experiment_learned_fusion4 as lf4  # noqa: E402
from bench import experiment_learned_fusion6 as lf6  # noqa: E402
from bench import search_selection as sel  # noqa: E402
from core.settings import db_path  # noqa: E402
from landscape import search as search_mod  # noqa: E402
from landscape import search_learned, search_semantic  # noqa: E402
from landscape.search_eval import bucket  # noqa: E402
from warehouse import db  # noqa: E402

TEST = "heldout17"
MIN_GAIN = 0.002
COLS = lf6.columns("W")          # the product's 22 features among the captured 24 columns
GBM_BASE = {"objective": "lambdarank", "metric": "ndcg", "eval_at": [10], "num_leaves": 7,
            "min_data_in_leaf": 20, "feature_fraction": 0.8, "feature_fraction_seed": 7,
            "seed": 7, "deterministic": True, "force_row_wise": True, "num_threads": 1,
            "verbose": -1}
# candidate -> None (T: run 6's linear W) | (num_boost_round, learning_rate)
CANDIDATES: dict[str, tuple[int, float] | None] = {"T": None, "G1": (100, 0.05),
                                                    "G2": (300, 0.03)}


# --- a candidate's model and score ---------------------------------------------------------------

_FITS: dict[tuple[str, frozenset[str], int], dict] = {}


def fit(cand: str, train: list[dict]) -> dict:
    """T: run 6's W (the product's learner); G*: a LambdaMART booster over `COLS`. Cached by the
    training files (the inner fit without {f, g} is fold g's inner fit without f); both learners
    are deterministic, so the cache changes no number."""
    key = (cand, frozenset(d["file"] for d in train), len(train))
    if key not in _FITS:
        _FITS[key] = _fit(cand, train)
    return _FITS[key]


def _fit(cand: str, train: list[dict]) -> dict:
    setting = CANDIDATES[cand]
    if setting is None:
        return lf6.fit("W", train)
    import lightgbm as lgb  # noqa: PLC0415 - only the tree candidates need it
    rounds, rate = setting
    X = np.vstack([d["X"][:, COLS] for d in train])
    y = np.concatenate([d["rel"].astype(np.float64) for d in train])
    ds = lgb.Dataset(X, label=y, group=[len(d["rel"]) for d in train],
                     feature_name=list(search_learned.FEATURES), free_raw_data=False)
    return {"gbm": lgb.train({**GBM_BASE, "learning_rate": rate}, ds, num_boost_round=rounds)}


_real_learned = lf6.learned


def learned(m: dict, X: np.ndarray) -> np.ndarray:
    """A model's score of a pool's captured/applied rows (24 columns): the booster's prediction
    over the product's 22 for a tree model, run 6's linear score otherwise."""
    if "gbm" in m:
        return m["gbm"].predict(X[:, COLS], num_threads=1)
    return _real_learned(m, X)


lf6.learned = learned   # lf6.learned_order and lf6.tau read it (the only patch of run 6's path)



# --- cost ----------------------------------------------------------------------------------------

def cost(con, judged: list, full: dict[str, dict], taus: dict[str, float],  # noqa: ANN001
         repeats: int = 3) -> dict:
    en = [q["q"] for _, q, _ in judged if bucket(q) == "en"]
    out: dict[str, dict] = {}
    X = np.random.default_rng(0).normal(size=(search_learned.POOL, len(COLS) + 2))
    for c, m in full.items():
        lf6._Apply.cand, lf6._Apply.model, lf6._Apply.tau = "W", m, taus[c]
        try:
            search_mod.search(con, en[:5], limit=10)
            ms = []
            for _ in range(repeats):
                for q in en:
                    t0 = time.perf_counter()
                    search_mod.search(con, [q], limit=10)
                    ms.append((time.perf_counter() - t0) * 1000)
        finally:
            lf6._Apply.cand, lf6._Apply.model, lf6._Apply.tau = None, None, -math.inf
        t0 = time.perf_counter()
        for _ in range(200):
            learned(m, X)
        out[c] = {"search_p50_ms": round(float(np.percentile(ms, 50)), 2),
                  "search_p95_ms": round(float(np.percentile(ms, 95)), 2), "n": len(ms),
                  "pool_score_us": round((time.perf_counter() - t0) / 200 * 1e6, 1)}
    return out


# --- main ----------------------------------------------------------------------------------------


def main() -> None:  # noqa: PLR0915 - one run, in the order the module doc states it
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(db_path()))
    ap.add_argument("--json")
    ap.add_argument("--reserve", choices=(TEST,), help="the one test on heldout17 (once)")
    ap.add_argument("--cost", action="store_true", help="only the cost, scores nothing")
    args = ap.parse_args()
    cached = search_semantic._encode_cached
    search_semantic._encode_cached = functools.lru_cache(maxsize=None)(cached.__wrapped__)
    judged = [j for j in sel.queries() if j[0] in sel.LEARNED_TRAINING]
    files = list(sel.LEARNED_TRAINING)
    res: dict = {}
    with db.connect(read_only=True, path=Path(args.db)) as con:
        product = None if args.cost else sel.scores(con, judged)[0]
        search_learned.features = lf6.features_plus
        lf.install()
        lf._pairs = lf2._pairs
        data = lf2.prepared(lf.captured(con, judged), ("B", 0.1))
        lf6.install_product_path()
        # guard: T's all-12 fit is the shipped file (8 significant digits)
        shipped = json.loads(search_learned.WEIGHTS_PATH.read_text("utf-8"))
        full_T = fit("T", data)
        res["check_T_all12_fit_minus_shipped"] = float(max(
            np.abs(full_T[k][COLS] - np.asarray(shipped[k])).max() for k in ("w", "mu", "sd")))
        fold_fits = {c: lf6.lofo_fits(fit, c, data, files) for c in CANDIDATES}
        full = {c: (full_T if c == "T" else fit(c, data)) for c in CANDIDATES}
        full_tau = {c: lf6.tau(c, data, files, fold_fits[c]) for c in CANDIDATES}
        res["tau_all12"] = {c: round(v, 6) for c, v in full_tau.items()}
        res["check_T_tau_minus_shipped"] = abs(full_tau["T"] - float(shipped["weak_below"]))
        if args.cost:
            print(json.dumps({**res, "cost": cost(con, judged, full, full_tau)}, indent=1))
            return
        res["check_no_candidate_differs_from_product_on"] = sum(
            abs(a - b) > 1e-9 for a, b in zip(lf6.scores(con, judged, None), product,
                                              strict=True))
        lofo, taus = lf6.lofo_online(con, judged, data, files, CANDIDATES, fit, fold_fits)
        record, selected = lf6.select(judged, lofo, taus, CANDIDATES, MIN_GAIN)
        res.update(record)
        res["gain_importance_all12"] = {
            c: dict(sorted(zip(search_learned.FEATURES, (round(float(v), 1) for v in
                               full[c]["gbm"].feature_importance("gain")), strict=True),
                           key=lambda kv: -kv[1])) for c in CANDIDATES if c != "T"}
        print(json.dumps(res, indent=1, ensure_ascii=False), flush=True)
        if args.reserve:
            if selected is None:
                raise SystemExit("no candidate eligible: NOT adopted, no test run")
            test = [j for j in sel.queries(reserve=(TEST,)) if j[0] == TEST]
            today = lf2._bucket_means(test, lf6.scores(con, test, None))
            cand = lf2._bucket_means(test, lf6.scores(con, test, "W", full[selected],
                                                      full_tau[selected]))
            res["test"] = {"file": TEST, "candidate": selected, "today": today, "learned": cand,
                           **lf2.decide(today, cand)}
            print(json.dumps({"test": res["test"]}, indent=1), flush=True)
            res["record_all12_fit_in_sample"] = lf4._table(judged, lf6.scores(
                con, judged, "W", full[selected], full_tau[selected]))
            print(json.dumps({"record_all12_fit_in_sample": res["record_all12_fit_in_sample"]},
                             indent=1), flush=True)
    search_semantic._encode_cached = cached
    if args.json:
        Path(args.json).write_text(json.dumps(
            {**res, "queries": [(f, q["q"]) for f, q, _ in judged], "lofo_scores": lofo},
            ensure_ascii=False, indent=0), "utf-8")


if __name__ == "__main__":
    main()
