"""Experiment (issue 13, session 12, run 6): the learned score decides the order of the WHOLE
pool, and where "weak" begins — leave-one-FILE-out over the 12 training files, then ONE blind
test on the reserve heldout15.

Background. Since run 4 the first `search_learned.POOL` (50) projects of every query (strong
before weak, as the fusion orders them) are re-ordered by a linear correction over 21 features
(`search_learned.FEATURES`; pairwise logistic regression, LambdaRank pair weights, lambda 0.1,
fit on all 386 queries of `search_selection.LEARNED_TRAINING`) — strong among strong, weak among
weak. A hit is weak (`search_rank.fused_hits`) when only one ranking found it, not in its first
ten, and no name or category matched ("rank" reason: fused + boost < place `WEAK_RANK` of the
lighter ranking), or when no word of the query is in it, nothing boosted it and its cosine is
under `WEAK_COSINE` ("cosine" reason). Run 5's diagnosis (bench/RESULTS.md, run 5): among the
failing queries of the training files 19 relevant projects are flagged weak (mockito, httpmock
for "test doubles", iroh, procs, reth, llama.cpp ...), the learned order never moves a weak
project above a strong one, and every relevant project past place 50 is weak. The issue asks for
"a 'weak matches' cut-off below a score where nothing relevant was found in the judgments":
today's cut is a hand-set rule on the fusion's inputs, not a score the judgments set.

Machinery, imported, not copied: run 1's (`lf`) capture of today's pools (the product's learned
scoring OFF while capturing; checked equal to the search's own scores) and learner (`lf.fit`);
run 2's (`lf2`) LambdaRank pair weights (`lf2.prepared`, `lf2._pairs`, `lf2._with`) and test
rule (`lf2._bucket_means`, `lf2.decide`, MAX_DROP 0.01); run 3's reading of the shipped weights
(`lf3.load_file`); run 4's (`lf4`) summaries (`lf4._means`, `lf4._table`). The features are the
product's (`search_learned.features`), patched here to append the weak columns below.

THE APPLICATION (new here, because the weak flags are set in `search_rank.fused_hits` AFTER
`_fold`, where runs 2-5 applied their fits — a fold that unbinds the partition would be
re-partitioned by today's flags): a candidate is applied in the PRODUCT's own path
(`search_rank.LEARNED` on; `search_rank._learned_order`, which feeds the pool to
`search_learned.features` and `search_learned.reorder`): `search_learned.reorder` patched to the
candidate's model and order, `search_rank._learned_order` wrapped to re-derive the pool's weak
flags and keep the list coherent. The pseudo-relevance feedback pass sees it (it takes the
first strong hits, so the re-derived flags reach it too). T through this path with the shipped
weights is checked equal, query by query, to the product.

THE WEAK COLUMNS (appended to today's 21, computed per pooled project from its folded entry,
the rule of `search_rank.fused_hits` exactly): `weak` (today's flag), `weak_rank` (its rank
reason), `weak_cos` (its cosine reason) — 0/1 each.

CANDIDATES (pre-registered, committed before anything below was scored; in this order — a tie
keeps the earlier). Each is run 4's learner (one model for every query, all queries of the
training files, LambdaRank pair weights, lambda 0.1), refit per fold:
- T: today's — the 21 features, strong among strong and weak among weak, today's flags (its
  LOFO is run 4's A, 0.8598 / 0.8896 / 0.8385, re-computed here through the product path).
- B ("binding"): + `weak` as a feature, the partition still binding and today's flags kept
  (the control: whether the feature alone, through the other weights, moves anything).
- W ("whole pool"): + `weak` as a feature; inside the pool the order is the learned score alone
  (a weak project may pass a strong one); the weak flag of a pool project re-derived: weak iff
  its learned score < tau (the rule below); projects past the pool keep today's flag; the list
  then partitioned stably, strong before weak (pool projects in the learned order, then the
  projects past the pool in today's order, within each part) — so the shown list stays
  coherent (weak hits after all strong ones).
- W2: as W with the two reasons `weak_rank`, `weak_cos` as features instead of `weak`.

TAU, the rule (W, W2; the issue's "below a score where nothing relevant was found in the
judgments"): for a model family fit on a set of training files F, tau(F) = the LOWEST learned
score of a relevant project among the first 30 projects of the pool of any query of F (every
query: en, zh and name), the pool ordered by the learned score alone, each query's scores
OUT OF FOLD: by the candidate fit on F without that query's file (leave-one-file-out inside
F), on the captured pools (offline: the first pass, before feedback). Below tau, no training
judgment found anything relevant in anyone's first 30. In the LOFO estimate, file f is searched
with the fit on the 11 others and tau(the 11 others) (11 inner fits each); in the test and the
product, the fit on all 12 and tau(all 12) (whose inner fits are the 12 LOFO fits).

SELECTION (leave-one-FILE-out over the 12 training files, online — each file's queries searched
in the real search with the candidate fit on the other 11; unrounded means over the 357 topic
queries): eligible iff (1) LOFO en + zh mean strictly above T's, (2) LOFO en and zh each not
below T's by more than 0.005 (`SLACK`), (3) LOFO names first hit 1.00. Selected: the eligible
candidate with the highest LOFO en + zh mean (a tie keeps the earlier). None eligible: NOT
adopted, no test.

WEAK-FLAG COUNTS (reported for T and every candidate, no decision power): over the training
queries' first 30 hits in the LOFO runs (out of fold), the relevant and the irrelevant projects
flagged weak — the cut-off's quality.

THE ONE TEST (`--reserve heldout15`, run once, after the selection; the selection recomputed in
the same run must select the same candidate): the selected candidate fit on ALL 12 files (tau
from the 12 LOFO fits), in the real search, against T (the product: shipped weights, today's
flags) on heldout15. ADOPT iff on heldout15 (1) the en + zh topic mean is higher than T's,
(2) neither its en nor its zh mean is lower than T's by more than 0.01, (3) names first hit
stays 1.00 (`lf2.decide`, means rounded to 4 places both sides). Only per-bucket means and
counts are printed, never a query. heldout16 / heldout17 are not this script's (it cannot name
them).

Run 6 (bench/RESULTS.md "a learned scoring of the fused pool, run 6"): LOFO en + zh T 0.8598,
B 0.8598, W 0.8602, W2 0.8602 (en 0.8896 for all; zh 0.8385, 0.8385, 0.8391, 0.8391; names
1.00): W and W2 eligible, equal, W selected (the earlier); the training queries' first 30 hold
9 relevant / 2,379 irrelevant weak projects under T, 3 / 1,191 under W, 0 / 1,079 under W2.
tau over the 12 training files: W -0.3054, W2 -0.3314. The one test on heldout15: en 0.8709 ->
0.8738, zh 0.8806 -> 0.8806, names 1.00 -> 1.00: ADOPTED (bench/fit_learned_fusion.py refits W
and its tau; the product's `search_learned.FEATURES` ends in `weak` since). The test's first
attempt stopped on heldout15's first query before any score (the no-candidate path fed the
product 24 columns; fixed in cf5396b, then run once). heldout15 is spent (REPORTED since, so
`--reserve heldout15` now refuses). After the adoption the product is W: `learned_order` is
this script's own (not a wrapper of the product's), so the LOFO numbers re-compute as they ran
(checked: 0 differences on all 386 queries for T, B, W, W2); T's checks against the product
need `--shipped` the file before it (git show cf5396b:config/search_learned.json).

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> nice -n 5 python bench/experiment_learned_fusion6.py \\
        [--json out] [--reserve heldout15] [--shipped weights.json]
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import experiment_learned_fusion as lf  # noqa: E402
from bench import experiment_learned_fusion2 as lf2  # noqa: E402
from bench import experiment_learned_fusion4 as lf4  # noqa: E402
from bench import search_selection as sel  # noqa: E402
from core.settings import db_path  # noqa: E402
from landscape import search as search_mod  # noqa: E402
from landscape import search_learned, search_rank, search_semantic  # noqa: E402
from landscape.search_eval import _project_of  # noqa: E402
from warehouse import db  # noqa: E402

TEST = "heldout15"
SLACK = 0.005
DEPTH = 30                                   # tau's "first 30", and the weak-flag counts'
# run 6's T: the 21 features of run 4 (the product's first 21; its 22nd, `weak`, since run 6 is
# this script's EXTRA "weak", so W over columns(W) IS the product's model)
BASE = 21
EXTRA = ("weak", "weak_rank", "weak_cos")    # appended, in this order
COLUMNS: dict[str, tuple[str, ...]] = {
    "T": (), "B": ("weak",), "W": ("weak",), "W2": ("weak_rank", "weak_cos")}
BINDS = {"T": True, "B": True, "W": False, "W2": False}
CANDIDATES = tuple(COLUMNS)


# --- the weak columns --------------------------------------------------------------------------

def weak_reasons(p: dict, cos: dict[str, float]) -> tuple[bool, bool]:
    """(rank reason, cosine reason) of a folded project — `search_rank.fused_hits`' rule with
    the product's two rankings (`cos`: 0 for an item without a vector, under WEAK_COSINE as a
    missing cosine is)."""
    K = search_rank.K
    weak_score = min(search_rank.SEMANTIC_WEIGHT, 1.0) / (K + 1 + search_rank.WEAK_RANK)
    by_rank = p["fused"] + p["boost"] < weak_score
    extra_top = any(r is not None and r < search_rank.WEAK_RANK for r in p["ranks"][2:])
    by_cos = (p["ranks"][1] is None and p["boost"] == 0 and not extra_top
              and cos.get(p["item_id"], 0.0) < search_rank.WEAK_COSINE)
    return by_rank, by_cos


_real_features = search_learned.features
_real_learned_order = search_rank._learned_order
_real_load = search_learned.load
_real_fused_hits = search_mod.fused_hits


def features_plus(qt, pool, *, K, members, labels, items, names, cos, lexical,  # noqa: ANN001, ANN201
                  index):
    """Today's 21 features (the product's `search_learned.features`, its first 21) + `EXTRA`."""
    X = _real_features(qt, pool, K=K, members=members, labels=labels, items=items, names=names,
                       cos=cos, lexical=lexical, index=index)[:, :BASE]
    E = np.zeros((len(pool), len(EXTRA)))
    for r, p in enumerate(pool):
        by_rank, by_cos = weak_reasons(p, cos)
        E[r] = (float(by_rank or by_cos), float(by_rank), float(by_cos))
        if "weak" in p and bool(p["weak"]) != (by_rank or by_cos):
            raise SystemExit(f"weak rule differs from the product's on {p['project']!r}")
    return np.hstack([X, E])


# --- a candidate's model -------------------------------------------------------------------------

def columns(cand: str) -> list[int]:
    return list(range(BASE)) + [BASE + EXTRA.index(f) for f in COLUMNS[cand]]


def widen(m: dict, cols: list[int]) -> dict:
    """A model over `cols` as one over every column (weight 0, mu 0, sd 1 elsewhere)."""
    n = BASE + len(EXTRA)
    w, mu, sd = np.zeros(n), np.zeros(n), np.ones(n)
    w[cols], mu[cols], sd[cols] = m["w"], m["mu"], m["sd"]
    return {"w": w, "mu": mu, "sd": sd, "alpha": m["alpha"]}


def fit(cand: str, train: list[dict]) -> dict:
    """Run 4's candidate A learner (run 2's, LambdaRank, lambda 0.1) on the candidate's columns."""
    cols = columns(cand)
    rows = [{**d, "X": d["X"][:, cols]} for d in train]
    return widen(lf2._with(("B", 0.1), lf.fit, rows, 0.1, 1.0), cols)


def learned(m: dict, X: np.ndarray) -> np.ndarray:
    return X[:, 0] + m["alpha"] * (((X - m["mu"]) / m["sd"]) @ m["w"])


def tau(cand: str, data: list[dict], files: list[str], fits: dict[str, dict] | None = None
        ) -> float:
    """tau(files) (module doc): the lowest out-of-fold learned score of a relevant project in
    the first `DEPTH` of any query's pool ordered by that score; `fits`: file -> the fit on
    `files` without it, when already made (the LOFO fits for all 12)."""
    low = math.inf
    for g in files:
        m = fits[g] if fits is not None else fit(cand, [d for d in data if d["file"] in files
                                                        and d["file"] != g])
        for d in data:
            if d["file"] != g:
                continue
            s = learned(m, d["X"])
            top = sorted(range(len(s)), key=lambda k: (-s[k], k))[:DEPTH]
            low = min([low, *(float(s[k]) for k in top if d["rel"][k])])
    return low


# --- the application, in the product's path ------------------------------------------------------

class _Apply:
    cand: str | None = None     # None: the product untouched
    model: dict | None = None   # widened over BASE + EXTRA
    tau: float = -math.inf
    top: dict[str, list[dict]] | None = None   # query -> its final first DEPTH hits (counts)


def learned_order(model, qt, folded, items, project, names, cos, position, signals, index):  # noqa: ANN001, ANN201, PLR0913
    """`search_rank._learned_order` with the candidate's model (the product's own when no
    candidate is applied): the pool's features as the product feeds them (+ `EXTRA`), ordered
    binding (strong among strong, weak among weak; today's flags) or by the learned score
    alone with the pool's weak flags re-derived (learned score < tau) and the list then
    partitioned stably, strong before weak. Written out here rather than wrapped, so that
    bench/fit_learned_fusion.py checks the product's own code against it."""
    if _Apply.cand is None:
        return _real_learned_order(model, qt, folded, items, project, names, cos, position,
                                   signals, index)
    pool = folded[:search_learned.POOL]
    members: dict[str, list[str]] = {}
    for i in items:
        members.setdefault(project.get(i, (i, None))[0], []).append(i)
    wanted = {i for p in pool for i in members.get(p["project"], [p["item_id"]])}
    ids = [i for i in items if i in wanted]
    labels = dict(zip(ids, index.labels_of(ids).tolist(), strict=True))
    cosines = {i: 0.0 if np.isnan(c := cos[position[i]]) else float(c) for i in ids}
    X = features_plus(qt, pool, K=search_rank.K, members=members, labels=labels, items=items,
                      names=names, cos=cosines, lexical=signals, index=index)
    s = learned(_Apply.model, X)
    weak = [p["weak"] for p in pool]
    for p, v in zip(pool, s, strict=True):
        p["order_score"] = float(v) / (search_rank.K + 1)
    if BINDS[_Apply.cand]:
        order = sorted(range(len(pool)), key=lambda k: (weak[k], -s[k], k))
        return [pool[k] for k in order] + folded[search_learned.POOL:]
    order = sorted(range(len(pool)), key=lambda k: (-s[k], k))
    for p, v in zip(pool, s, strict=True):
        p["weak"] = bool(v < _Apply.tau)
    out = [pool[k] for k in order] + folded[search_learned.POOL:]
    return [p for p in out if not p["weak"]] + [p for p in out if p["weak"]]


def fused_hits(con, state, qt, semantic, vector, *, limit, **kw):  # noqa: ANN001, ANN202
    """The product's `fused_hits`, its first `DEPTH` hits kept per query (the last call of a
    query, after feedback, is the one shown) when counting."""
    hits = _real_fused_hits(con, state, qt, semantic, vector, limit=max(limit, DEPTH), **kw)
    if _Apply.top is not None:
        _Apply.top[qt.raw] = hits[:DEPTH]
    return hits[:limit]


def _load(path: Path | None = None):  # noqa: ANN202
    """`search_learned.load`; when a candidate is applied, its model stands in for the file's
    (`learned_order` reads `_Apply.model`), so that a file the product cannot read (the
    pre-run-6 file under the product of run 6, or the other way round) still lets it apply."""
    return _real_load(path) if _Apply.cand is None else _Apply.model


def install_product_path() -> None:
    search_learned.load = _load
    search_mod.fused_hits = fused_hits
    search_rank._fold = lf._real_fold
    search_rank._learned_order = learned_order
    search_rank.LEARNED = True
    search_learned.features = _real_features


def uninstall() -> None:
    """The product as it was (after `lf.install` and `install_product_path`)."""
    search_mod.fused_hits = _real_fused_hits
    search_rank._fold = lf._real_fold
    search_rank._learned_order = _real_learned_order
    search_rank.LEARNED = True
    search_learned.features = _real_features
    search_learned.load = _real_load


def scores(con, judged: list, cand: str | None, model: dict | None = None,  # noqa: ANN001
           t: float = -math.inf, top: dict | None = None) -> list[float]:
    """Each query's score in the real search with the candidate applied (None: the product)."""
    _Apply.cand, _Apply.model, _Apply.tau, _Apply.top = cand, model, t, top
    try:
        return sel.scores(con, judged)[0]
    finally:
        _Apply.cand, _Apply.model, _Apply.tau, _Apply.top = None, None, -math.inf, None


def weak_counts(judged: list, top: dict[str, list[dict]]) -> dict[str, int]:
    """Relevant / irrelevant projects of the queries' first `DEPTH` hits flagged weak (and all)."""
    c = dict.fromkeys(("relevant_weak", "relevant", "irrelevant_weak", "irrelevant"), 0)
    for _, q, groups in judged:
        for h in top[" ".join(q["q"].split())]:  # the key `QueryText.raw` is
            kind = "relevant" if _project_of(h, q["rel"], groups) is not None else "irrelevant"
            c[kind] += 1
            c[f"{kind}_weak"] += bool(h["weak"])
    return c


def load_t(path: Path) -> dict:
    """T's model (run 4's 21 features) from a weights file."""
    data = json.loads(Path(path).read_text("utf-8"))
    if list(data["features"]) != list(search_learned.FEATURES[:BASE]):
        raise SystemExit(f"{path} is not run 4's 21 features (after run 6: --shipped)")
    return {**{k: np.asarray(data[k], dtype=np.float64) for k in ("w", "mu", "sd")},
            "alpha": float(data["alpha"])}


def eligible(means: dict[str, dict[str, float]]) -> dict[str, bool]:
    t = means["T"]
    return {c: (m["topic"] > t["topic"] and m["en"] >= t["en"] - SLACK
                and m["zh"] >= t["zh"] - SLACK and m["name"] == 1.0)
            for c, m in means.items() if c != "T"}


# --- the whole-pool estimate later runs share (runs 7 and 8 import these) ----------------------

Fit = Callable[[str, list[dict]], dict]


def lofo_fits(fit_fn: Fit, cand: str, data: list[dict], files: list[str]) -> dict[str, dict]:
    """file -> the candidate fit on `files` without it."""
    return {g: fit_fn(cand, [d for d in data if d["file"] in files and d["file"] != g])
            for g in files}


def lofo_online(con, judged: list, data: list[dict], files: list[str],  # noqa: ANN001
                candidates: Iterable[str], fit_fn: Fit, fold_fits: dict[str, dict[str, dict]]
                ) -> tuple[dict[str, list[float]], dict[str, dict[str, float]]]:
    """Each candidate's online leave-one-FILE-out scores in W's whole-pool order — file f
    searched with the fit on the other files and the tau of THEIR inner fits (each without one
    more file) — and its tau per fold."""
    lofo: dict[str, list[float]] = {}
    taus: dict[str, dict[str, float]] = {}
    for cand in candidates:
        t0 = time.time()
        on = [float("nan")] * len(judged)
        taus[cand] = {}
        for f in files:
            rest = [g for g in files if g != f]
            inner = {g: fit_fn(cand, [d for d in data if d["file"] in rest and d["file"] != g])
                     for g in rest}
            t = tau(cand, data, rest, inner)
            taus[cand][f] = t
            idx = [n for n, (g, _, _) in enumerate(judged) if g == f]
            part = [judged[n] for n in idx]
            for n, v in zip(idx, scores(con, part, "W", fold_fits[cand][f], t), strict=True):
                on[n] = v
        lofo[cand] = on
        print(cand, f"{time.time() - t0:.0f}s", file=sys.stderr, flush=True)
    return lofo, taus


def eligible_by(means: dict[str, dict[str, float]], min_gain: float) -> dict[str, bool]:
    """Runs 7 and 8's eligibility: en + zh at least `min_gain` above T's, en and zh each within
    `SLACK` of T's, names 1.00."""
    t = means["T"]
    return {c: (m["topic"] - t["topic"] >= min_gain and m["en"] >= t["en"] - SLACK
                and m["zh"] >= t["zh"] - SLACK and m["name"] == 1.0)
            for c, m in means.items() if c != "T"}


def select(judged: list, lofo: dict[str, list[float]], taus: dict[str, dict[str, float]],
           candidates: Iterable[str], min_gain: float) -> tuple[dict, str | None]:
    """The selection's record (LOFO means and per-file tables, tau per fold, eligibility, the
    queries each candidate moves against T) and the selected candidate (None: none eligible)."""
    order = list(candidates)
    means = {c: lf4._means(judged, v) for c, v in lofo.items()}
    ok = eligible_by(means, min_gain)
    chosen = [c for c in order if ok.get(c)]
    selected = max(chosen, key=lambda c: means[c]["topic"]) if chosen else None
    moved = {}
    for c in order[1:]:
        d = [(a, b) for a, b in zip(lofo["T"], lofo[c], strict=True) if abs(a - b) > 1e-9]
        moved[c] = {"up": sum(b > a for a, b in d), "down": sum(b < a for a, b in d)}
    return {"lofo_means": {c: {k: round(v, 4) for k, v in m.items()} for c, m in means.items()},
            "lofo_per_file": {c: lf4._table(judged, v) for c, v in lofo.items()},
            "tau_per_fold": {c: {f: round(v, 4) for f, v in t.items()} for c, t in taus.items()},
            "selection": {"eligible": ok, "selected": selected},
            "moved_vs_T": moved}, selected


# --- main ----------------------------------------------------------------------------------------

def main() -> None:  # noqa: PLR0915 - one run, in the order the module doc states it
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(db_path()))
    ap.add_argument("--json")
    ap.add_argument("--reserve", choices=(TEST,), help="the one test on heldout15 (once)")
    ap.add_argument("--shipped", type=Path, default=search_learned.WEIGHTS_PATH,
                    help="T's weights (after run 6's adoption: the file before it, git show "
                         "cf5396b:config/search_learned.json)")
    args = ap.parse_args()
    cached = search_semantic._encode_cached
    search_semantic._encode_cached = functools.lru_cache(maxsize=None)(cached.__wrapped__)
    judged = [j for j in sel.queries() if j[0] in sel.LEARNED_TRAINING]
    files = list(sel.LEARNED_TRAINING)
    res: dict = {}
    with db.connect(read_only=True, path=Path(args.db)) as con:
        shipped = load_t(args.shipped)
        product = sel.scores(con, judged)[0]        # the product as it is, before any patch
        # capture today's pools (learned scoring off) with the weak columns appended
        search_learned.features = features_plus
        lf.install()
        lf._pairs = lf2._pairs
        data = lf2.prepared(lf.captured(con, judged), ("B", 0.1))
        res["check_weak_column_differs_from_capture"] = sum(
            int(((d["X"][:, BASE] > 0) != d["weak"]).sum()) for d in data)
        install_product_path()
        t_shipped = widen(shipped, list(range(BASE)))
        res["check_T_shipped_differs_from_product_on"] = sum(
            abs(a - b) > 1e-9 for a, b in zip(scores(con, judged, "T", t_shipped), product,
                                              strict=True))
        # the test's T: the product's own reorder through the patched path (no candidate)
        res["check_no_candidate_differs_from_product_on"] = sum(
            abs(a - b) > 1e-9 for a, b in zip(scores(con, judged, None), product, strict=True))
        full_T = fit("T", data)
        res["check_T_all12_fit_minus_shipped"] = lf4._max_difference(full_T, t_shipped)
        lofo: dict[str, list[float]] = {}
        taus: dict[str, dict[str, float]] = {}
        counts: dict[str, dict[str, int]] = {}
        fold_fits: dict[str, dict[str, dict]] = {}
        for cand in CANDIDATES:
            t0 = time.time()
            on = [float("nan")] * len(judged)
            top: dict[str, list[dict]] = {}
            fold_fits[cand], taus[cand] = {}, {}
            cnt = dict.fromkeys(("relevant_weak", "relevant", "irrelevant_weak", "irrelevant"), 0)
            for f in files:
                m = fit(cand, [d for d in data if d["file"] != f])
                fold_fits[cand][f] = m
                t = -math.inf if BINDS[cand] else tau(cand, data, [g for g in files if g != f])
                taus[cand][f] = t
                idx = [n for n, (g, _, _) in enumerate(judged) if g == f]
                part = [judged[n] for n in idx]
                top.clear()
                for n, v in zip(idx, scores(con, part, cand, m, t, top), strict=True):
                    on[n] = v
                for k, v in weak_counts(part, top).items():
                    cnt[k] += v
            lofo[cand], counts[cand] = on, cnt
            print(cand, f"{time.time() - t0:.0f}s", file=sys.stderr, flush=True)
        means = {c: lf4._means(judged, v) for c, v in lofo.items()}
        ok = eligible(means)
        chosen = [c for c in CANDIDATES if ok.get(c)]
        selected = max(chosen, key=lambda c: means[c]["topic"]) if chosen else None
        res["lofo_means"] = {c: {k: round(v, 4) for k, v in m.items()} for c, m in means.items()}
        res["lofo_per_file"] = {c: lf4._table(judged, v) for c, v in lofo.items()}
        res["weak_counts_top30_lofo"] = counts
        res["tau_per_fold"] = {c: {f: round(v, 4) for f, v in t.items()} for c, t in taus.items()
                               if not BINDS[c]}
        res["selection"] = {"eligible": ok, "selected": selected}
        full = {c: fit(c, data) for c in CANDIDATES}
        full_tau = {c: (-math.inf if BINDS[c] else tau(c, data, files, fold_fits[c]))
                    for c in CANDIDATES}
        res["tau_all12"] = {c: round(v, 6) for c, v in full_tau.items() if not BINDS[c]}
        names = [*search_learned.FEATURES, *EXTRA]
        res["weights_raw_all12"] = {
            c: {names[j]: round(float(m["w"][j] / m["sd"][j]), 4) for j in columns(c)}
            for c, m in full.items()}
        moved = {}
        for c in CANDIDATES[1:]:
            d = [(f, q["q"], round(a, 3), round(b, 3)) for (f, q, _), a, b in
                 zip(judged, lofo["T"], lofo[c], strict=True) if abs(a - b) > 1e-9]
            moved[c] = {"up": sum(b > a for *_, a, b in d), "down": sum(b < a for *_, a, b in d),
                        "largest": sorted(d, key=lambda x: x[3] - x[2])[:5]
                        + sorted(d, key=lambda x: x[2] - x[3])[:5]}
        res["moved_vs_T"] = moved
        print(json.dumps(res, indent=1, ensure_ascii=False), flush=True)
        if args.reserve:
            if selected is None:
                raise SystemExit("no candidate eligible: NOT adopted, no test run")
            test = [j for j in sel.queries(reserve=(TEST,)) if j[0] == TEST]
            today = lf2._bucket_means(test, scores(con, test, None))
            cand = lf2._bucket_means(test, scores(con, test, selected, full[selected],
                                                  full_tau[selected]))
            res["test"] = {"file": TEST, "candidate": selected, "today": today, "learned": cand,
                           **lf2.decide(today, cand)}
            print(json.dumps({"test": res["test"]}, indent=1), flush=True)
            # after the decision, for the record: the all-12 fit on the training files (in sample)
            res["record_all12_fit_in_sample"] = lf4._table(judged, scores(
                con, judged, selected, full[selected], full_tau[selected]))
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
