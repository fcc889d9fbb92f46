"""Experiment (issue 13, session 11): a LEARNED scoring of the fused candidate pool.

Question: `landscape.search_rank` fuses the meaning and the words rankings by reciprocal rank
with hand-set constants (K, SEMANTIC_WEIGHT, KIND_PRIOR, NAME_BOOST, CATEGORY). Would a small,
strongly regularised model over features each pooled project already has rank better on
queries it was not trained on?

Pool: the first `POOL` (50) projects of a query as `fused_hits` orders them today (strong before
weak). The model only re-orders the pool: strong ones among themselves, weak ones among
themselves (the weak cut is kept), projects past the pool keep today's order.

Features per pooled project (`FEATURES`; all computed by the ranking today or cheap from it):
today's score (fused x kind prior + boosts, in first-place units: x (K + 1)); per ranking its
reciprocal rank (K + 1) / (K + 1 + rank) and whether it is absent; the best cosine of its
members (`search_rank._signals`: own text or curated); its best BM25 (the words ranking's score
before the name bump, coverage applied as the ranking applies it) over the query's best; its
best concept coverage (`query_concepts.coverage`, 1 when the query has no concept); indicators
of each name boost (exact / project / prefix) and of a category the query names (its
affinity); kind wanted (its best kind prior is 1); watched (a member's category decided by the
watchlist); log(1 + members in the candidate items). Query-level features (language en / zh /
mixed, number of concepts) are constant within a query, so a pairwise model sees them only
through interactions: zh x each reciprocal rank, mixed x each reciprocal rank, zh x cosine,
number of concepts x coverage. Since the learned scoring's integration, the code that computes
them is the product's, `landscape.search_learned.features` (one home; this script feeds it the
words ranking's per-item scores that `search_rank.lexical_ranking` hands on); it is the code
runs 1 and 2 were measured with, moved — bench/fit_learned_fusion.py refits the same bytes.

Labels: the judged relevance — a hit is relevant when `search_eval`'s matching finds one of the
query's `rel` projects in it. Queries whose pool holds no relevant (or no irrelevant) project
add no pair.

Learner: pairwise logistic regression (RankNet, linear) with today's score as an OFFSET: a
project's learned score is today's + alpha x w . z (z: the features standardised on the
training rows; today's score is also one of them, so the model may rescale it). Loss: each
query's mean over its (relevant, irrelevant) pairs of log(1 + exp(-(s_rel - s_irr))), averaged
over queries (every query weighs the same), + lambda / 2 x |w|^2. lambda -> infinity is today's
ranking exactly: the regularisation shrinks towards today's, not towards nothing.

GRID (committed before the run): today's; lambda in {1, 0.1, 0.01} at alpha 1; lambda 0.1 at
alpha 0.5 (the correction blended at half weight).

Evaluation (offline, on the captured pools; today's offline scores are checked equal to the
search's own):
- leave-one-QUERY-out over the development queries (dev, heldout2, heldout4, heldout7): each
  query scored by the model fit on the other development queries;
- leave-one-FILE-out: each development file scored by the model fit on the other three.
Both reported per setting and per file.

The rule (written before the run; the shared protocol of bench/search_selection.py with the
development numbers of a learned setting taken OUT OF FOLD — a fit scored on its own training
queries says nothing):
1. gate: a learned setting passes when its leave-one-query-out per-file means lower no
   development file's en, zh or names number against today's;
2. choice: `search_selection.choose` over the gated settings' leave-one-query-out per-query
   scores (en + zh nDCG queries of the development files);
3. the chosen setting, fit on ALL development queries, is applied in the real search (the
   re-ranking patched into `search_rank._fold`, so pseudo-relevance feedback sees it too) on
   every file: adopted when no reported file's en, zh or names drops (`adopt`), or drops
   there on one file only and by at most NOISE (0.005), said so (`adopt_if_stated`); and the
   leave-one-file-out estimate must not be below today's on any development file either.

Run 1 (bench/RESULTS.md "a learned scoring of the fused pool"): NOT adopted — every learned
setting lowers heldout2 en and heldout4 en (and dev zh) out of fold, by leave-one-query-out and
by leave-one-file-out alike, so none passes the gate; today's is chosen.

    PYTHONPATH=. PANORAMA_DATA_DIR=<data> python bench/experiment_learned_fusion.py [--json out]
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
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import search_selection as sel  # noqa: E402
from core.settings import db_path  # noqa: E402
from landscape import search as search_mod  # noqa: E402
from landscape import search_learned, search_rank, search_semantic  # noqa: E402
from landscape.search_eval import _project_of, bucket, score_query  # noqa: E402
from warehouse import db  # noqa: E402

POOL = search_learned.POOL       # the pool and the features: the product's (one home)
GRID: list[tuple] = [("today",), ("pairwise", 1.0, 1.0), ("pairwise", 0.1, 1.0),
                     ("pairwise", 0.01, 1.0), ("pairwise", 0.1, 0.5)]
FEATURES = search_learned.FEATURES
_real_fused_hits = search_mod.fused_hits
_real_fold = search_rank._fold


# --- features ----------------------------------------------------------------------------

class _Ctx:
    """What the wrapped `fused_hits` call knows that `_fold` is not passed."""
    state: tuple | None = None
    vector: np.ndarray | None = None
    names: dict[str, str] = {}
    lexical: search_learned.LexicalScores | None = None  # the words ranking's per-item scores
    model: dict | None = None        # {"w", "mu", "sd", "alpha"}: re-rank in `_fold`
    capture: list | None = None      # each `_fold` call's (pool ids, X, weak, today)
    hits: list | None = None         # each wrapped call's first POOL hits


def _partition(qt, folded: list[dict], cos: dict[str, float], weights: tuple) -> list[bool]:  # noqa: ANN001
    """`fused_hits`' weak flag of each folded project (the same rule)."""
    K = search_rank.K
    weak_score = min(*weights, 1.0) / (K + 1 + search_rank.WEAK_RANK)
    out = []
    for p in folded:
        c = cos.get(p["item_id"], float("nan"))
        extra_top = any(r is not None and r < search_rank.WEAK_RANK for r in p["ranks"][2:])
        out.append(p["fused"] + p["boost"] < weak_score or (
            p["ranks"][1] is None and p["boost"] == 0 and not extra_top
            and (math.isnan(c) or c < search_rank.WEAK_COSINE)))
    return out


def _features(qt, pool: list[dict], items: dict, project: dict, weights: tuple  # noqa: ANN001
              ) -> tuple[np.ndarray, dict[str, float]]:
    """(the `FEATURES` of each project of `pool`, row by row — the product's own
    `search_learned.features`, fed as `search_rank._learned_order` feeds it; item_id -> cosine,
    0 when the item has no vector)."""
    index = _Ctx.state[0]
    ids = list(items)
    cos_arr, _ = search_rank._signals(index, qt, _Ctx.vector, ids)
    cos = {i: (0.0 if math.isnan(c) else float(c)) for i, c in zip(ids, cos_arr, strict=True)}
    # the fusion's weak flag, a feature since run 6: `fused_hits` sets it after `_fold`
    for p, w in zip(pool, _partition(qt, pool, cos, weights), strict=True):
        p.setdefault("weak", w)
    labels = dict(zip(ids, index.labels_of(ids).tolist(), strict=True))
    members: dict[str, list[str]] = {}
    for i in ids:
        members.setdefault(project.get(i, (i, None))[0], []).append(i)
    X = search_learned.features(qt, pool, K=search_rank.K, members=members, labels=labels,
                                items=items, names=_Ctx.names, cos=cos, lexical=_Ctx.lexical,
                                index=index)
    return X, cos


def _fold(qt, own, best_rank, project, items, weights):  # noqa: ANN001, ANN202
    """`search_rank._fold`, then (capture) the pool's features recorded, or (model) the pool
    re-ordered by the model: strong among strong, weak among weak."""
    folded = _real_fold(qt, own, best_rank, project, items, weights)
    if _Ctx.capture is None and _Ctx.model is None:
        return folded
    # cos for the weak rule needs every folded project's shown item: features of all, cheap
    X_all, cos = _features(qt, folded, items, project, weights)
    weak = _partition(qt, folded, cos, weights)
    order = [n for n, w in enumerate(weak) if not w] + [n for n, w in enumerate(weak) if w]
    pool, rest = order[:POOL], order[POOL:]
    if _Ctx.capture is not None:
        _Ctx.capture.append(([folded[n]["project"] for n in pool], X_all[pool],
                             np.array([weak[n] for n in pool]), X_all[pool, 0]))
    if _Ctx.model is None:
        return [folded[n] for n in order]
    m = _Ctx.model
    s = X_all[pool, 0] + m["alpha"] * (((X_all[pool] - m["mu"]) / m["sd"]) @ m["w"])
    pos = {n: k for k, n in enumerate(pool)}
    ranked = sorted(pool, key=lambda n: (weak[n], -s[pos[n]], pos[n]))
    return [folded[n] for n in ranked + rest]


def _fused_hits(con, state, qt, semantic, vector, *, kinds, categories, month, pool, limit,  # noqa: ANN001, ANN202
                lexical=None, extra=None):
    if lexical is None:
        lexical = search_rank.lexical_ranking(con, state, qt, kinds, categories, month, pool)
    _Ctx.state, _Ctx.vector, _Ctx.names = state, vector, lexical[1]
    _Ctx.lexical = lexical[2]
    hits = _real_fused_hits(con, state, qt, semantic, vector, kinds=kinds,
                            categories=categories, month=month, pool=pool,
                            limit=max(limit, POOL), lexical=lexical, extra=extra)
    if _Ctx.hits is not None:
        _Ctx.hits.append(hits[:POOL])
    return hits[:limit]


def install() -> None:
    """The wrappers in place; the product's own learned scoring off — "today's" in these
    experiments is the fusion without it, and a model applied here is applied by `_fold`."""
    search_mod.fused_hits = _fused_hits
    search_rank._fold = _fold
    search_rank.LEARNED = False


# --- capture -------------------------------------------------------------------------------

def capture(con, judged: list) -> list[dict]:  # noqa: ANN001
    """Per judged query (searched alone, today's ranking): its pool's features, weak flags,
    relevance labels, hits, and today's score of the query as the search computes it."""
    out = []
    for f, q, groups in judged:
        _Ctx.capture, _Ctx.hits = [], []
        res = search_mod.search(con, [q["q"]], limit=10)[0]
        ids, X, weak, today = _Ctx.capture[-1]
        hits = _Ctx.hits[-1]
        if [h["project"] for h in hits] != ids[:len(hits)]:
            raise SystemExit(f"pool order differs from the hits' for {q['q']!r}")
        X, weak = X[:len(hits)], weak[:len(hits)]
        rel = np.array([_project_of(h, q["rel"], groups) is not None for h in hits])
        out.append({"file": f, "q": q, "groups": groups, "X": X, "weak": weak, "rel": rel,
                    "hits": hits, "online": score_query(q, res["hits"], groups)})
    _Ctx.capture = _Ctx.hits = None
    return out


def captured(con, judged: list) -> list[dict]:  # noqa: ANN001
    """`capture` of `judged` after a warm-up search (which refuses a search without a current
    index), checked: each query's offline today's score equals the search's (else exit). Runs
    2 and 3 and the refit start from it; `install()` first."""
    t0 = time.time()
    sel.scores(con, judged[:3])
    data = capture(con, judged)
    print(f"captured {len(data)} pools in {time.time() - t0:.0f}s", file=sys.stderr)
    bad = [d["q"]["q"] for d in data if abs(rerank_score(d, None) - d["online"]) > 1e-9]
    if bad:
        raise SystemExit(f"offline today's != search's: {bad}")
    return data

# --- learner -------------------------------------------------------------------------------

def _pairs(data: list[dict], mu: np.ndarray, sd: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                       np.ndarray]:
    """(standardised feature differences rel - irrel, today's difference, pair weight: 1 /
    (pairs of its query x queries with pairs))."""
    dz, dt, wt = [], [], []
    qs = [d for d in data if d["rel"].any() and (~d["rel"]).any()]
    for d in qs:
        Z = (d["X"] - mu) / sd
        r, i = np.flatnonzero(d["rel"]), np.flatnonzero(~d["rel"])
        a, b = np.repeat(r, len(i)), np.tile(i, len(r))
        dz.append(Z[a] - Z[b])
        dt.append(d["X"][a, 0] - d["X"][b, 0])
        wt.append(np.full(len(a), 1.0 / (len(a) * len(qs))))
    return np.vstack(dz), np.concatenate(dt), np.concatenate(wt)


def fit(data: list[dict], lam: float, alpha: float) -> dict:
    X = np.vstack([d["X"] for d in data])
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd < 1e-9] = 1.0
    dz, dt, wt = _pairs(data, mu, sd)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        m = dt + alpha * (dz @ w)
        lo = np.logaddexp(0.0, -m)
        g = -wt / (1.0 + np.exp(m))
        return float(wt @ lo + lam / 2 * w @ w), alpha * (dz.T @ g) + lam * w

    w = minimize(loss, np.zeros(dz.shape[1]), jac=True, method="L-BFGS-B").x
    return {"w": w, "mu": mu, "sd": sd, "alpha": alpha}


def rerank_score(d: dict, model: dict | None) -> float:
    """The query's score with its pool re-ordered by `model` (None: today's order)."""
    n = len(d["hits"])
    if model is None:
        order = list(range(n))
    else:
        s = d["X"][:, 0] + model["alpha"] * (((d["X"] - model["mu"]) / model["sd"])
                                             @ model["w"])
        order = sorted(range(n), key=lambda k: (d["weak"][k], -s[k], k))
    return score_query(d["q"], [d["hits"][k] for k in order], d["groups"])


def out_of_fold(data: list[dict], setting: tuple, fold_of: list) -> list[float]:
    """Each query's score under `setting`, the model fit on the development queries of
    other folds (`fold_of[n]`: query n's fold, None for a query not in development)."""
    if setting[0] == "today":
        return [rerank_score(d, None) for d in data]
    out: list[float] = [float("nan")] * len(data)
    for fold in sorted({f for f in fold_of if f is not None}, key=str):
        train = [d for d, f in zip(data, fold_of, strict=True) if f is not None and f != fold]
        model = fit(train, setting[1], setting[2])
        for n, f in enumerate(fold_of):
            if f == fold:
                out[n] = rerank_score(data[n], model)
    return out


def _per_file(judged: list, values: list[float], files) -> dict:  # noqa: ANN001
    return {b: {f: v for f, v in sel.per_file(judged, values, b).items() if f in files}
            for b in ("en", "zh", "name")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(db_path()))
    ap.add_argument("--json")
    args = ap.parse_args()
    cached = search_semantic._encode_cached
    search_semantic._encode_cached = functools.lru_cache(maxsize=None)(cached.__wrapped__)
    install()
    judged = sel.queries()
    t0 = time.time()
    with db.connect(read_only=True, path=Path(args.db)) as con:
        sel.scores(con, judged[:3])  # warm; refuses a search without a current index
        data = capture(con, judged)
        print(f"captured {len(data)} pools in {time.time() - t0:.0f}s", file=sys.stderr)
        offline = [rerank_score(d, None) for d in data]
        bad = [(d["file"], d["q"]["q"]) for d, a in zip(data, offline, strict=True)
               if abs(a - d["online"]) > 1e-9 and d["file"] in sel.DEVELOPMENT]
        bad_rep = sum(abs(a - d["online"]) > 1e-9 for d, a in zip(data, offline, strict=True)
                      if d["file"] not in sel.DEVELOPMENT)
        if bad or bad_rep:
            raise SystemExit(f"offline today's != search's: dev {bad}, reported {bad_rep}")
        dev = [n for n, d in enumerate(data) if d["file"] in sel.DEVELOPMENT]
        in_dev = [d["file"] in sel.DEVELOPMENT for d in data]
        loqo = {s: out_of_fold(data, s, [n if in_dev[n] else None for n in range(len(data))])
                for s in GRID}
        lofo = {s: out_of_fold(data, s, [d["file"] if in_dev[n] else None
                                         for n, d in enumerate(data)]) for s in GRID}
        dev_judged = [judged[n] for n in dev]
        res = {"loqo": {}, "lofo": {}}
        for name, by in (("loqo", loqo), ("lofo", lofo)):
            for s in GRID:
                vals = [by[s][n] for n in dev]
                res[name][str(s)] = {
                    "per_file": _per_file(dev_judged, vals, sel.DEVELOPMENT),
                    "dev_mean_nDCG": round(sel.mean([v for v, (f, q, _) in zip(
                        vals, dev_judged, strict=True) if bucket(q) in ("en", "zh")]), 4),
                    "dev_drops": sel.drops(dev_judged, {s: vals, GRID[0]: [
                        by[GRID[0]][n] for n in dev]}, GRID[0], s, sel.DEVELOPMENT)}
        by_dev = {s: [loqo[s][n] for n in dev] for s in GRID}
        gated = [s for s in GRID if not sel.drops(dev_judged, by_dev, GRID[0], s,
                                                  sel.DEVELOPMENT)]
        choice = sel.choose(dev_judged, by_dev, gated, sel.DEVELOPMENT,
                            lambda q: bucket(q) in ("en", "zh"))
        chosen = choice["chosen"]
        res["choice"] = {**choice, "chosen": str(chosen), "gated": [str(s) for s in gated]}
        # every setting's all-development fit: weights, and the real search on every file
        fits = {s: fit([data[n] for n in dev], s[1], s[2]) for s in GRID[1:]}
        res["weights"] = {str(s): {k: round(float(w / m["sd"][j]), 4) for j, (k, w) in
                                   enumerate(zip(FEATURES, m["w"], strict=True))}
                          for s, m in fits.items()}
        res["weights_std"] = {str(s): {k: round(float(w), 4) for k, w in
                                       zip(FEATURES, m["w"], strict=True)}
                              for s, m in fits.items()}
        online = {}
        for s in GRID:
            _Ctx.model = fits.get(s)
            online[s] = sel.scores(con, judged)[0]
        _Ctx.model = None
        res["online_all_dev_fit"] = {
            str(s): {b: sel.per_file(judged, online[s], b) for b in ("en", "zh", "name")}
            for s in GRID}
        res["online_reported_drops"] = {str(s): sel.drops(judged, online, GRID[0], s,
                                                          sel.REPORTED) for s in GRID[1:]}
        # the learned settings' in-sample development numbers, for the record only
        res["online_dev_drops_in_sample"] = {str(s): sel.drops(judged, online, GRID[0], s,
                                                               sel.DEVELOPMENT)
                                             for s in GRID[1:]}
    search_semantic._encode_cached = cached
    if chosen != GRID[0]:
        rep = res["online_reported_drops"][str(chosen)]
        lofo_drop = res["lofo"][str(chosen)]["dev_drops"]
        res["adopt"] = not rep and not lofo_drop
        res["adopt_if_stated"] = not lofo_drop and (not rep or (
            max(rep.values()) <= sel.NOISE and len({k.split()[0] for k in rep}) == 1))
    else:
        res["adopt"] = res["adopt_if_stated"] = False
    print(json.dumps(res, indent=1, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(
            {**res, "dev_queries": [(judged[n][0], judged[n][1]["q"]) for n in dev],
             "loqo_scores": {str(s): [loqo[s][n] for n in dev] for s in GRID}},
            ensure_ascii=False, indent=0), "utf-8")


if __name__ == "__main__":
    main()
