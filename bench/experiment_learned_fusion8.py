"""Experiment (issue 13, session 12, run 8): the L2 strength (lambda) of the learned pool scoring
re-chosen on the 12 training files — leave-one-FILE-out, then ONE blind test on the reserve
heldout17.

Background. Since run 6 the first `search_learned.POOL` (50) projects of every query are ordered
by a linear correction of the fused score over the 22 `search_learned.FEATURES` (pairwise
logistic regression with today's score as offset, LambdaRank pair weights, one model for every
query, fit on all 386 queries of `search_selection.LEARNED_TRAINING`), a pooled project weak iff
its learned score < tau (run 6's rule). Its L2 strength, lambda 0.1 (it shrinks the correction
towards today's fused order), was chosen in run 2 on the 93 queries of 4 development files and
never re-chosen when the training set grew to 386 queries (run 4). With four times the pairs a
weaker penalty may generalise as well and fit more; a stronger one may generalise better.

Machinery, imported, not copied: run 1's (`lf`) capture of today's pools (learned scoring off)
and learner (`lf.fit`, whose second argument is lambda); run 2's (`lf2`) LambdaRank pair
weights (`lf2.prepared`, `lf2._pairs`, `lf2._with`) and test rule (`lf2._bucket_means`,
`lf2.decide`, MAX_DROP 0.01); run 4's (`lf4`) summaries; run 6's (`lf6`) weak columns
(`lf6.features_plus`), candidate W's columns and widening (`lf6.columns("W")`, `lf6.widen`),
tau rule (`lf6.tau`, given the inner fits) and its application in the PRODUCT's own path
(`lf6.install_product_path`, `lf6.scores` with candidate "W": the pool ordered by the model's
score alone, weak iff score < tau, the list then partitioned stably, strong before weak; the
feedback pass sees it). The ONLY change from run 6's W: the lambda given to `lf.fit` (run 6's
`lf6.fit` hard-codes 0.1; `fit` below is the same three calls with lambda a parameter, and at
0.1 it is checked equal to `lf6.fit("W", ...)` and to the shipped file).

CANDIDATES (pre-registered, committed before anything below was scored; in this order — a tie
keeps the earlier). Each is run 6's W (22 features, the pool ordered by the learned score
alone, tau by run 6's rule from the candidate's OWN out-of-fold scores), refit per fold,
differing only in lambda:
- T: lambda 0.1 (today's product);
- L03: lambda 0.03;
- L01: lambda 0.01;
- L3: lambda 0.3;
- L10: lambda 1.

SELECTION (online leave-one-FILE-out over the 12 training files — each file's queries searched
in the real search with the candidate fit on the other 11 and tau from the 11 inner fits, as
run 6; unrounded means over the 357 topic queries and the 29 name queries): eligible iff
(1) LOFO en + zh mean above T's by at least 0.002 (`MIN_GAIN`), (2) LOFO en and zh each not
below T's by more than 0.005 (`lf6.SLACK`), (3) LOFO names first hit 1.00. Selected: the
eligible candidate with the highest LOFO en + zh mean (a tie keeps the earlier). None eligible:
NOT adopted, no test, heldout17 stays a reserve.

THE ONE TEST (`--reserve heldout17`, run once, after the selection; the selection recomputed in
the same run must select a candidate): the selected candidate fit on ALL 12 files (tau from its
12 LOFO fits), in the real search, against T (the product: config/search_learned.json, no
patch) on heldout17. ADOPT iff on heldout17 (1) the en + zh topic mean is higher than T's,
(2) neither its en nor its zh mean is lower than T's by more than 0.01, (3) names first hit
stays 1.00 (`lf2.decide`, means rounded to 4 places both sides). Only per-bucket means and
counts are printed, never a query. heldout18 and heldout19 are not this script's (it cannot
name them).

Run 8 (bench/RESULTS.md "a learned scoring of the fused pool, run 8"): LOFO en + zh / en / zh /
names T 0.8602 / 0.8896 / 0.8391 / 1.00, L03 0.8621 / 0.8907 / 0.8416 / 1.00, L01 0.8659 /
0.8975 / 0.8432 / 1.00, L3 0.8593 / 0.8882 / 0.8386 / 1.00, L10 0.8563 / 0.8858 / 0.8352 / 1.00:
L01 eligible (L03 +0.0019, under MIN_GAIN) and selected. The one test on heldout17: en 0.9564 ->
0.9439, zh 0.9229 -> 0.9312, en + zh 0.9397 -> 0.9375, names 1.00 -> 1.00: NOT adopted (en + zh
lower, en down by more than 0.01); the product keeps lambda 0.1. heldout17 is spent (REPORTED
since, so `--reserve heldout17` now refuses).

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> nice -n 5 python bench/experiment_learned_fusion8.py \\
        [--json out] [--reserve heldout17]
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
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
from landscape import search_learned, search_semantic  # noqa: E402
from warehouse import db  # noqa: E402

TEST = "heldout17"
MIN_GAIN = 0.002
COLS = lf6.columns("W")          # the product's 22 features among the captured 24 columns
# candidate -> lambda, in the pre-registered order (a tie keeps the earlier)
CANDIDATES: dict[str, float] = {"T": 0.1, "L03": 0.03, "L01": 0.01, "L3": 0.3, "L10": 1.0}


# --- a candidate's model -------------------------------------------------------------------------

_FITS: dict[tuple[str, frozenset[str], int], dict] = {}


def fit(cand: str, train: list[dict]) -> dict:
    """Run 6's W learner with the candidate's lambda; cached by the training files (the inner
    fit without {f, g} is fold g's inner fit without f; the learner is deterministic, so the
    cache changes no number)."""
    key = (cand, frozenset(d["file"] for d in train), len(train))
    if key not in _FITS:
        lam = CANDIDATES[cand]
        rows = [{**d, "X": d["X"][:, COLS]} for d in train]
        _FITS[key] = lf6.widen(lf2._with(("B", lam), lf.fit, rows, lam, 1.0), COLS)
    return _FITS[key]




# --- main ----------------------------------------------------------------------------------------

def main() -> None:  # noqa: PLR0915 - one run, in the order the module doc states it
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(db_path()))
    ap.add_argument("--json")
    ap.add_argument("--reserve", choices=(TEST,), help="the one test on heldout17 (once)")
    args = ap.parse_args()
    cached = search_semantic._encode_cached
    search_semantic._encode_cached = functools.lru_cache(maxsize=None)(cached.__wrapped__)
    judged = [j for j in sel.queries() if j[0] in sel.LEARNED_TRAINING]
    files = list(sel.LEARNED_TRAINING)
    res: dict = {}
    with db.connect(read_only=True, path=Path(args.db)) as con:
        product = sel.scores(con, judged)[0]
        search_learned.features = lf6.features_plus
        lf.install()
        lf._pairs = lf2._pairs
        data = lf2.prepared(lf.captured(con, judged), ("B", 0.1))
        lf6.install_product_path()
        # guards: T here is run 6's W learner, and its all-12 fit and tau the shipped file
        shipped = json.loads(search_learned.WEIGHTS_PATH.read_text("utf-8"))
        full_T = fit("T", data)
        res["check_T_minus_lf6_fit"] = lf4._max_difference(full_T, lf6.fit("W", data))
        res["check_T_all12_fit_minus_shipped"] = float(max(
            np.abs(full_T[k][COLS] - np.asarray(shipped[k])).max() for k in ("w", "mu", "sd")))
        fold_fits = {c: lf6.lofo_fits(fit, c, data, files) for c in CANDIDATES}
        full = {c: fit(c, data) for c in CANDIDATES}
        full_tau = {c: lf6.tau(c, data, files, fold_fits[c]) for c in CANDIDATES}
        res["tau_all12"] = {c: round(v, 6) for c, v in full_tau.items()}
        res["check_T_tau_minus_shipped"] = abs(full_tau["T"] - float(shipped["weak_below"]))
        res["check_no_candidate_differs_from_product_on"] = sum(
            abs(a - b) > 1e-9 for a, b in zip(lf6.scores(con, judged, None), product,
                                              strict=True))
        lofo, taus = lf6.lofo_online(con, judged, data, files, CANDIDATES, fit, fold_fits)
        record, selected = lf6.select(judged, lofo, taus, CANDIDATES, MIN_GAIN)
        res.update(record)
        names = list(search_learned.FEATURES)
        res["weights_raw_all12"] = {
            c: {names[i]: round(float(m["w"][j] / m["sd"][j]), 4) for i, j in enumerate(COLS)}
            for c, m in full.items()}
        print(json.dumps(res, indent=1, ensure_ascii=False), flush=True)
        if args.reserve:
            if selected is None:
                raise SystemExit("no candidate eligible: NOT adopted, no test run")
            test = [j for j in sel.queries(reserve=(TEST,)) if j[0] == TEST]
            today = lf2._bucket_means(test, lf6.scores(con, test, None))
            cand = lf2._bucket_means(test, lf6.scores(con, test, "W", full[selected],
                                                      full_tau[selected]))
            res["test"] = {"file": TEST, "candidate": selected, "lambda": CANDIDATES[selected],
                           "today": today, "learned": cand, **lf2.decide(today, cand)}
            print(json.dumps({"test": res["test"]}, indent=1), flush=True)
            res["record_all12_fit_in_sample"] = lf4._table(judged, lf6.scores(
                con, judged, "W", full[selected], full_tau[selected]))
            print(json.dumps({"record_all12_fit_in_sample": res["record_all12_fit_in_sample"]},
                             indent=1), flush=True)
    search_semantic._encode_cached = cached
    if args.json:
        Path(args.json).write_text(json.dumps(
            {**res, "queries": [(f, q["q"]) for f, q, _ in judged], "lofo_scores": lofo,
             "full_models": {c: {k: (v.tolist() if hasattr(v, "tolist") else v)
                                 for k, v in m.items()} for c, m in full.items()}},
            ensure_ascii=False, indent=0), "utf-8")


if __name__ == "__main__":
    main()
