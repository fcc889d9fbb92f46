"""Fusing the semantic and lexical rankings of one query into a ranking of projects.

`month` here is `landscape.search`'s: the landscape as of that month (created or first seen in
or before it), passed to the filters as their `until`.

Reciprocal-rank fusion (Cormack et al. 2009): score = sum over rankings of weight / (K + 1 +
rank). It needs no calibration between a cosine and a BM25 sum, which live on unrelated scales
and move with the query's length. On top (boosts in units of 1 / (K + 1), a first place):
- name: the whole query is an item's name ("exact", as much as ranking first in both lists, so
  "ort" finds ort first), its project's name ("project": the project ranks as high, but its
  member named so is the one shown) or a name's first part ("candle" -> candle-core, "prefix");
- category: the query names a taxonomy category ("向量数据库"): items currently in it get
  `CATEGORY` x how much of the name the query covers.

Kinds: a project whose members are all of kinds the query does not ask for has its fused score
(not its boosts) times `KIND_PRIOR`, so a query about software is not crowded by wordy
abstracts, and the other way round. The kinds asked for are the query's words'
(`QueryText.wants`: software unless it says "papers on ...", "博客" ...) and, when its words name
no kind and no kind of software either (`QueryText.names_software`: "framework", "parser",
"客户端" ...), also those its meaning neighbours show (`wanted_kinds`): papers (or posts) are
wanted as well as software when the best cosine of a paper (post) among the meaning ranking's
hits — after the filters, the list fused here; a Chinese query's come from its translation's
vector — is at least the best cosine of a crate or repository (+ `INFER_MARGIN`, 0). A research
topic that does not say "paper" ("adversarial robustness of CLIP", 虹膜识别, "LLM-based
recommender systems") so gets its papers at full weight; a software query in an area where
papers abound keeps software first: by its words ("retrieval augmented generation framework":
best paper cosine 0.54, software 0.42, but it names a framework) or by its neighbours ("serve
large language models locally": software nearer). Inference never removes software and never
overrules the words. The margin was chosen by bench/experiment_kind_intent.py (session 7, 0.15:
without the software words a smaller one adds papers to the RAG framework query), then with the
software words by bench/experiment_software_cue.py (session 9): leave-one-query-out over dev +
heldout2 + heldout4 + heldout7 among the settings that lower no development file, 0.808 ->
0.864; no reported file lower (bench/RESULTS.md, "a query that names a kind of software").

`CONCEPT_COORD` (English queries only; bench/RESULTS.md "coordination over the query's
concepts"): BM25 x the share of the query's concepts an item holds (`query_concepts.coverage`).

K, SEMANTIC_WEIGHT and KIND_PRIOR were chosen together by cross-validation over every judgment
the project has (search.dev.json and tests/fixtures/search/heldout*.json, 81 queries): a grid
K in {10, 20, 60} x weight in {0.7, 1, 1.4} x prior in {0.3, 0.5, 1}, 5-fold x 20 repeats,
scored on the queries left out (bench/RESULTS.md, "search ranking"): K 20, weight 0.7, prior
0.3 in 73 of 100 fits on the final demo warehouse (on the session's first build it was K 10,
weight 1: the choice moves with the warehouse; the scores differ by < 0.003). A small K (the
paper's 60 suits long lists of many systems) lets a first place in one ranking count clearly
more than a tenth place in both.

A hit is weak — listed after the others, flagged — when its fused score plus boosts is under
place `WEAK_RANK` of the lighter ranking (min(weight, 1) / (K + 1 + 10): only one ranking
found it, not in its first ten, and no name or category matched), or when no word of the query
is in it, nothing boosted it and its cosine is under `WEAK_COSINE`. On all 81 judged queries'
top 30: none of 168 relevant projects is weak, 531 of 2,172 irrelevant ones are. Since run 6
that is the flag of the projects past the learned pool, and an input of the pool's learned
score, which then re-decides the flag in the pool (below).

Last (`LEARNED`), for every query (`search_learned.applies`), the first `search_learned.POOL`
(50) projects — strong before weak — are re-ordered by a learned score: today's score above
plus a linear correction over 21 signals each pooled project already has (its reciprocal
ranks, best cosine, BM25 over the query's best, concept coverage, name / category / kind /
watched indicators, language interactions), ONE model for both languages, weights in
config/search_learned.json, fit on all 386 queries of the 12 judgment files scored before
(bench/search_selection.LEARNED_TRAINING) by pairwise logistic regression with LambdaRank pair
weights (bench/fit_learned_fusion.py refits them). Since run 6 the fusion's weak flag is one of
those signals and the learned score alone orders the pool: a pooled project is weak when its
learned score is under the file's cut-off ("weak_below": the lowest out-of-fold learned score
of a relevant project in any training query's first 30 — nothing relevant was found below it),
the projects past the pool keep the flag above, and every strong hit is listed before every
weak one (bench/RESULTS.md "a learned scoring of the fused pool, run 6": leave-one-FILE-out
en + zh 0.8598 -> 0.8602, heldout15 en 0.8709 -> 0.8738, zh 0.8806, names 1.00). A pooled hit's
`score` is its learned score (the one its place was given by; `fusion_score` keeps the fusion's,
which the feedback pass reads). Fit on the 4 development files alone it lowered English (heldout9, run 2)
and was kept to Chinese queries (run 3); fit on the 12 it was adopted for every query on one
blind test (heldout12, run 4) — `landscape.search_learned`, bench/RESULTS.md "a learned scoring
of the fused pool, run 4". No usable weights file: this fusion alone, one warning logged.

Public API:
    with_curated(con, state, vector, semantic, *, kinds, categories, month, pool) -> list[dict]
    lexical_ranking(con, state, qt, kinds, categories, month, pool) -> Lexical(hits, names,
               scores)   # unpacks as a tuple; scores: what the learned pool scoring reads
    fused_hits(con, state, qt, semantic, vector, *, kinds, categories, month, pool, limit,
               lexical=None, extra=None) -> list[dict]: one per project, best first (the
               `landscape.search` hit fields); `extra` = (a further item ranking, its weight)
    wanted_kinds(qt, semantic) -> tuple[str, ...]   # the words' kinds + the neighbours'
    filtered_hits(con, state, labels, sims, kinds, categories, month) -> list[dict]
               # the labels that pass the filters, as ranking hits
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import duckdb
import numpy as np

from landscape import search_learned
from landscape.lexical import UNIVERSAL, tokens
from landscape.query_concepts import coverage, token_weights
from landscape.query_text import SOFTWARE, QueryText
from landscape.search_files import SearchIndex
from landscape.search_learned import LexicalScores
from landscape.search_semantic import OVERSAMPLE, _candidates, _MetaFilter
from landscape.taxonomy import load_taxonomy

K = 20
# Boosts in units of 1 / (K + 1), the score of a first place in one ranking, so they keep their
# meaning whatever K is.
NAME_BOOST = {"exact": 2.0,     # as much as ranking first in both lists: "ort" finds ort first
              "project": 1.5,   # its project has the name: less than its own name, for the shown
              "prefix": 1.0}
CATEGORY = 1.0
WEAK_RANK = 10          # weak: fused score under one ranking's place WEAK_RANK, nothing boosted
WEAK_COSINE = 0.30
SEMANTIC_WEIGHT = 0.7   # of the embedding ranking in the fusion (the lexical one weighs 1)
KIND_PRIOR = 0.3        # factor on the fused score of kinds the query does not ask for
MAX_NAME_HITS = 50   # prefix matches considered ("tokio" has many tokio-* crates)
INFER_MARGIN = 0.0      # a kind the words do not name is wanted when its best cosine beats
                        # the best software cosine by this (`wanted_kinds`)
INFERRED = ("paper", "post")  # the kinds a query's neighbours may add to software
SOFTWARE_CUE = True     # a query that names a kind of software (`QueryText.names_software`)
                        # gets no inferred kind
CONCEPT_COORD = {"en": 1.0, "zh": 0.0}  # BM25 x (1 - S + S x coverage) per language; 0: off
LEARNED = True          # the pool re-ordered by `search_learned` (its weights file)


class Lexical(NamedTuple):
    """`lexical_ranking`'s answer: its hits best first (each with its BM25 as score), item_id
    -> 'exact' | 'project' | 'prefix' name match, and the per-item scores the learned pool
    scoring reads (None without an index)."""
    hits: list[dict]
    names: dict[str, str]
    scores: LexicalScores | None = None


def _top(labels: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """The k best of `labels` by score, best first, ties by label (no full sort: at 200k items
    a word such as "rust" matches nearly every one)."""
    if len(labels) > k:
        labels = labels[np.argpartition(-scores[labels], k - 1)[:k]]
    return labels[np.lexsort((labels, -scores[labels]))]


def lexical_ranking(con: duckdb.DuckDBPyConnection, state: tuple, qt: QueryText,
                    kinds: list[str] | None, categories: list[str] | None, month: str | None,
                    pool: int) -> Lexical:
    """The words ranking (`Lexical`). Needs no query vector: search runs it while the query
    is encoded."""
    index, meta_fresh, review_key = state
    if index is None or index.lexical is None:
        return Lexical([], {})
    lex = index.lexical
    scores = lex.scores(qt.terms, qt.sets)
    strength = CONCEPT_COORD.get(qt.lang, 0.0)
    held = None
    if strength > 0 and qt.concepts:  # soft AND over concepts, not over forms
        held = coverage(lex, qt.concepts, token_weights(qt.terms, qt.sets))
        scores *= np.float32(1 - strength) + np.float32(strength) * held
    signals = LexicalScores(scores.copy(), held)  # before the name bump below
    exact, project, prefix = lex.name_matches(qt.key)
    prefix = prefix[:MAX_NAME_HITS]
    named = np.union1d(exact, project)
    # A name match ranks above every word match.
    scores[named] += scores.max() + 1
    scores[prefix] = np.maximum(scores[prefix], np.float32(1e-6))
    flt = None
    if meta_fresh:  # filter every candidate (the filters' mask), then keep the best
        flt = _MetaFilter(con, index, review_key, kinds, categories, None, month)
        cand = np.flatnonzero((scores > 0) & flt.mask)
    else:
        cand = np.flatnonzero(scores > 0)
    cand = _top(cand, scores, pool if flt is not None else pool * OVERSAMPLE)
    if flt is not None:
        hits = flt.results(cand, scores[cand])
    else:
        found = [(index.item_ids[int(c)], float(scores[c])) for c in cand]
        hits = _candidates(con, found, kinds, categories, None, month)[:pool]
    names = {index.item_ids[int(x)]: "prefix" for x in prefix}
    names.update({index.item_ids[int(x)]: "project" for x in project})
    names.update({index.item_ids[int(x)]: "exact" for x in exact})
    return Lexical(hits, names, signals)


def _curated_cos(index: SearchIndex | None, vector: np.ndarray) -> dict[int, float]:
    """label -> best cosine of the query to a curated text describing that item."""
    if index is None or index.curated is None or len(index.curated[0]) == 0:
        return {}
    labels, vecs = index.curated
    best: dict[int, float] = {}
    for label, c in zip(labels.tolist(), (vecs @ vector).tolist(), strict=True):
        best[label] = max(c, best.get(label, -1.0))
    return best


def filtered_hits(con: duckdb.DuckDBPyConnection, state: tuple, labels: np.ndarray,
              sims: np.ndarray, kinds: list[str] | None, categories: list[str] | None,
              month: str | None) -> list[dict]:
    """The hits (best first, as given) of the labels that pass the filters."""
    index, meta_fresh, review_key = state
    if meta_fresh:
        flt = _MetaFilter(con, index, review_key, kinds, categories, None, month)
        labs, cos = flt(labels, sims)
        return flt.results(labs, cos)
    return _candidates(con, [(index.item_ids[int(lab)], float(c))
                             for lab, c in zip(labels, sims, strict=True)],
                       kinds, categories, None, month)


def with_curated(con: duckdb.DuckDBPyConnection, state: tuple, vector: np.ndarray,
                 semantic: list[dict], *, kinds: list[str] | None,
                 categories: list[str] | None, month: str | None, pool: int) -> list[dict]:
    """The embedding ranking where an item a taxonomy exemplar describes counts with the
    better cosine of its own text and the curated one (filters applied alike)."""
    best = _curated_cos(state[0], vector)
    if not best:
        return semantic
    labels = np.array(sorted(best, key=lambda lab: -best[lab]), dtype=np.int64)
    sims = np.array([best[int(lab)] for lab in labels], dtype=np.float32)
    curated = filtered_hits(con, state, labels, sims, kinds, categories, month)
    merged = {h["item_id"]: h for h in semantic}
    for h in curated:
        if h["item_id"] not in merged or h["score"] > merged[h["item_id"]]["score"]:
            merged[h["item_id"]] = h
    return sorted(merged.values(), key=lambda h: (-h["score"], h["item_id"]))[:pool]


def _signals(index: SearchIndex | None, qt: QueryText, vector: np.ndarray,
             item_ids: list[str]) -> tuple[np.ndarray, list[list[str]]]:
    """(cosine — the better of the item's own text and a curated one —, the query's content
    words each item contains, as the query spells them) per item."""
    n = len(item_ids)
    if index is None or n == 0:
        return np.full(n, np.nan), [[] for _ in range(n)]
    labels = index.labels_of(item_ids)
    ok = labels >= 0
    cos = np.full(n, np.nan)
    if ok.any():
        cos[ok] = index.vectors(labels[ok]) @ vector
    curated = _curated_cos(index, vector)
    for m, label in enumerate(labels.tolist()):
        if label in curated:
            cos[m] = max(cos[m], curated[label])
    shown: dict[str, str] = {}
    # Every reading of a Chinese query, not only the first: a document matched through
    # another sense of a word ("proxy" for 代理) shows the word it matched.
    for word in " ".join([qt.english, *qt.readings]).split():
        for t in tokens(word):
            if t not in UNIVERSAL:
                shown.setdefault(t, word.lower())
    for acronym in qt.acronyms:  # shown as the items write it: "ECS"
        shown.setdefault(acronym, acronym.upper())
    if index.lexical is None or not shown:
        return cos, [[] for _ in range(n)]
    hit = np.stack([index.lexical.matched(t, labels) for t in shown], axis=1)
    words = list(shown.values())
    return cos, [list(dict.fromkeys(w for w, h in zip(words, row, strict=True) if h))
                 for row in hit]


def _why(name: str | None, key: str, words: list[str], cos: float,
         category: str | None) -> str:
    parts = []
    if name == "exact":
        parts.append(f"name is {key!r}")
    elif name == "project":
        parts.append(f"project is {key!r}")
    elif name == "prefix":
        parts.append(f"name starts with {key!r}")
    if words:
        parts.append("words: " + ", ".join(words))
    if not np.isnan(cos):
        parts.append(f"meaning {cos:.2f}")
    if category:
        parts.append(f"category {category}")
    return "; ".join(parts)


def _project_map(con: duckdb.DuckDBPyConnection, index: SearchIndex | None, review_key: tuple
                 ) -> tuple[dict[str, tuple[str, str | None]], dict[str, list[str]]]:
    """(item_id -> (project_id, project_name), project_id -> member ids) of every item in a
    project (`v_item_project`, role <> 'self'; contract in notes/PROTOCOL.md). Read once per
    loaded index and again only when `project_members` changes (its row count and latest
    `resolved_at`, read by `current_state` with the other checks: `review_key[3:5]`), so a
    search does not scan the view (~90 ms at 200k items) nor query for the key. Before the
    projects migration (key None) every item is its own project."""
    if index is None:  # no current index (the exact path): read the view, if there is one
        if not con.execute("SELECT count(*) FROM duckdb_views()"
                           " WHERE view_name = 'v_item_project'").fetchone()[0]:
            return {}, {}
        key = None
    else:
        key = tuple(review_key[3:5]) if len(review_key) >= 5 else (None,)
        if key[0] is None:
            return {}, {}
        cached = index.cache.get("projects")
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
    project: dict[str, tuple[str, str | None]] = {}
    members: dict[str, list[str]] = {}
    for item_id, pid, pname in con.execute(
            "SELECT item_id, project_id, project_name FROM v_item_project"
            " WHERE role <> 'self' ORDER BY item_id").fetchall():
        project[item_id] = (pid, pname)
        members.setdefault(pid, []).append(item_id)
    if index is not None:
        index.cache["projects"] = (key, project, members)
    return project, members


def _own_scores(qt: QueryText, items: dict[str, dict], best_rank: list[dict[str, int]],
                names: dict[str, str], weights: tuple[float, ...]
                ) -> dict[str, tuple[float, float]]:
    """item_id -> (its own fused score, its boost: name + category)."""
    out = {}
    for item_id, h in items.items():
        rrf = sum(lw / (K + 1 + r[item_id])
                  for lw, r in zip(weights, best_rank, strict=True) if item_id in r)
        name = names.get(item_id)
        boost = (NAME_BOOST.get(name, 0.0) + CATEGORY * qt.categories.get(
            h.get("category") or "", 0.0)) / (K + 1)
        out[item_id] = (rrf * _prior(qt, h["kind"]) + boost, boost)
    return out


def wanted_kinds(qt: QueryText, semantic: list[dict]) -> tuple[str, ...]:
    """The kinds the query asks for: its words' (`qt.wants`) when they name one, or software
    when they name a kind of software (`qt.names_software`, under `SOFTWARE_CUE`); otherwise
    software and every kind of `INFERRED` whose best cosine among `semantic` (the meaning
    ranking's hits, best first, each with its cosine as "score") is at least the best
    software cosine + `INFER_MARGIN` (a kind absent from the hits is never added; software
    absent, as under --kind paper, counts as cosine -1)."""
    if qt.wants != SOFTWARE or not semantic or (SOFTWARE_CUE and qt.names_software):
        return qt.wants
    best = dict.fromkeys((*SOFTWARE, *INFERRED), -1.0)
    for h in semantic:
        if h["kind"] in best and h["score"] > best[h["kind"]]:
            best[h["kind"]] = h["score"]
    bar = max(best[k] for k in SOFTWARE) + INFER_MARGIN
    return SOFTWARE + tuple(k for k in INFERRED if best[k] > -1.0 and best[k] >= bar)


def _prior(qt: QueryText, kind: str) -> float:
    return 1.0 if kind in qt.wants else KIND_PRIOR


def _fold(qt: QueryText, own: dict[str, tuple[float, float]], best_rank: list[dict[str, int]],
          project: dict[str, tuple[str, str | None]], items: dict[str, dict],
          weights: tuple[float, ...]) -> list[dict]:
    """One entry per project: its best member (by own score), its best rank in each list,
    its best boost; its score = fused best ranks x the best kind prior of its members found
    + boost."""
    by_project: dict[str, dict] = {}
    for item_id in sorted(own, key=lambda i: (-own[i][0], i)):
        pid, pname = project.get(item_id, (item_id, items[item_id].get("title")))
        p = by_project.setdefault(pid, {"project": pid, "project_name": pname,
                                         "item_id": item_id, "ranks": [None] * len(best_rank),
                                         "boost": 0.0, "prior": 0.0})
        p["prior"] = max(p["prior"], _prior(qt, items[item_id]["kind"]))
        for k, r in enumerate(best_rank):
            if item_id in r and (p["ranks"][k] is None or r[item_id] < p["ranks"][k]):
                p["ranks"][k] = r[item_id]
        p["boost"] = max(p["boost"], own[item_id][1])
    for p in by_project.values():
        p["fused"] = sum(lw / (K + 1 + r) for lw, r in zip(
            weights, p["ranks"], strict=True) if r is not None)
        p["score"] = p["boost"] + p["prior"] * p["fused"]
    return sorted(by_project.values(), key=lambda p: (-p["score"], p["project"]))


def fused_hits(con: duckdb.DuckDBPyConnection, state: tuple, qt: QueryText,
               semantic: list[dict], vector: np.ndarray, *, kinds: list[str] | None,
               categories: list[str] | None, month: str | None, pool: int,
               limit: int, lexical: Lexical | tuple[list[dict], dict[str, str]] | None = None,
               extra: tuple[list[dict], float] | None = None) -> list[dict]:
    """The first `limit` projects by fused score (see module doc), best first, weak ones last:
    each ranking counts a project at its best-ranked member; the member shown is the one with
    the best own score. `lexical`: `lexical_ranking`'s answer when the caller has it.
    `extra`: a further ranking of items (hits with the fields of `semantic`'s, filtered alike)
    and its weight, fused by rank like the other two — how bench/experiment_e5.py measured a
    multilingual encoder (not adopted; bench/RESULTS.md, "search — multilingual e5")."""
    found = lexical if lexical is not None else lexical_ranking(
        con, state, qt, kinds, categories, month, pool)
    lexical, names = found[0], found[1]
    signals = found[2] if len(found) > 2 else None
    wants = wanted_kinds(qt, semantic)
    if wants != qt.wants:
        qt = replace(qt, wants=wants)
    rankings = [semantic, lexical]
    weights: tuple[float, ...] = (SEMANTIC_WEIGHT, 1.0)
    if extra is not None and extra[1] > 0:
        rankings.append(extra[0])
        weights = (*weights, extra[1])
    items: dict[str, dict] = {}
    best_rank: list[dict[str, int]] = [{} for _ in rankings]
    for n, ranking in enumerate(rankings):
        for rank, h in enumerate(ranking):
            items.setdefault(h["item_id"], h)
            best_rank[n].setdefault(h["item_id"], rank)
    ids = list(items)
    position = {i: n for n, i in enumerate(ids)}
    project, members = _project_map(con, state[0], state[2])
    cos, words = _signals(state[0], qt, vector, ids)
    cat_names = {c.id: c.name_zh if qt.lang == "zh" else c.name_en
                 for c in load_taxonomy().categories}
    folded = _fold(qt, _own_scores(qt, items, best_rank, names, weights), best_rank, project,
                   items, weights)
    weak_score = min(*weights, 1.0) / (K + 1 + WEAK_RANK)  # place 10 of the lightest
    for p in folded:
        c = cos[position[p["item_id"]]]
        extra_top = any(r is not None and r < WEAK_RANK for r in p["ranks"][2:])
        # Weak or not is about the words and meaning found, whatever the kind. MiniLM's
        # cosine does not speak for a further ranking: a first-ten place there counts as
        # meaning found.
        p["weak"] = p["fused"] + p["boost"] < weak_score or (
            p["ranks"][1] is None and p["boost"] == 0 and not extra_top
            and (np.isnan(c) or c < WEAK_COSINE))
    # Strong before weak; only the hits shown get their fields (a query's pool folds into
    # ~200 projects, of which `limit` are returned).
    folded = [p for p in folded if not p["weak"]] + [p for p in folded if p["weak"]]
    model = (search_learned.load() if LEARNED and signals is not None
             and search_learned.applies(qt) else None)  # every query (run 4)
    if model is not None:
        folded = _learned_order(model, qt, folded, items, project, names, cos, position,
                                signals, state[0])
    return [_hit(p, items[p["item_id"]], qt, names.get(p["item_id"]),
                 members.get(p["project"], [p["item_id"]]), position, cos, words, cat_names)
            for p in folded[:limit]]


def _learned_order(model: search_learned.Model, qt: QueryText, folded: list[dict],
                   items: dict[str, dict], project: dict[str, tuple[str, str | None]],
                   names: dict[str, str], cos: np.ndarray, position: dict[str, int],
                   signals: LexicalScores, index: SearchIndex) -> list[dict]:
    """`folded` (strong before weak) with its first `search_learned.POOL` re-ordered by the
    learned score alone and flagged weak by it (under the model's cut-off); the rest keeps the
    fusion's order and flags; then every strong project before every weak one, each part in
    that order (run 6: the shown list stays "weak after all the others")."""
    pool = folded[:search_learned.POOL]
    members: dict[str, list[str]] = {}
    for i in items:  # a project's members among the query's candidates, in candidate order
        members.setdefault(project.get(i, (i, None))[0], []).append(i)
    wanted = {i for p in pool for i in members.get(p["project"], [p["item_id"]])}
    ids = [i for i in items if i in wanted]
    labels = dict(zip(ids, index.labels_of(ids).tolist(), strict=True))
    cosines = {i: 0.0 if np.isnan(c := cos[position[i]]) else float(c) for i in ids}
    X = search_learned.features(qt, pool, K=K, members=members, labels=labels, items=items,
                                names=names, cos=cosines, lexical=signals, index=index)
    order, learned, weak = search_learned.reorder(model, X)
    for p, s, w in zip(pool, learned, weak, strict=True):
        p["order_score"] = float(s) / (K + 1)  # back in the fusion's units
        p["weak"] = w
    out = [pool[k] for k in order] + folded[search_learned.POOL:]
    return [p for p in out if not p["weak"]] + [p for p in out if p["weak"]]


def _hit(p: dict, h: dict, qt: QueryText, name: str | None, members: list[str],
         position: dict[str, int], cos: np.ndarray, words: list[list[str]],
         cat_names: dict[str, str]) -> dict:
    """One result (the `landscape.search` hit fields) of a folded project."""
    item_id = p["item_id"]
    n = position[item_id]
    mem = sorted(members, key=lambda i: (i != item_id, position.get(i, len(position)), i))
    affinity = qt.categories.get(h.get("category") or "", 0.0)
    c = None if np.isnan(cos[n]) else round(float(cos[n]), 4)
    return {
        "project": p["project"], "project_name": p["project_name"], "members": mem,
        "item_id": item_id, "name": h.get("title"), "kind": h["kind"],
        "category": h.get("category"), "category_decided_by": h.get("category_decided_by"),
        # the score the hit's place was given by (the learned one in the pool), and the
        # fusion's (boosts + kind prior x fused ranks), which the feedback pass weighs
        "score": round(p.get("order_score", p["score"]), 5),
        "fusion_score": round(p["score"], 5), "url": h.get("url"),
        "why": _why(name, qt.key, words[n], cos[n],
                    cat_names.get(h.get("category")) if affinity else None),
        "snippet": h.get("snippet"), "cos": c,
        "ranks": {"meaning": p["ranks"][0], "words": p["ranks"][1],
                  **({"extra": p["ranks"][2]} if len(p["ranks"]) > 2 else {})},
        "weak": bool(p["weak"])}


__all__ = ["CATEGORY", "CONCEPT_COORD", "INFERRED", "INFER_MARGIN", "K", "KIND_PRIOR", "LEARNED",
           "Lexical", "NAME_BOOST",
           "SEMANTIC_WEIGHT", "SOFTWARE_CUE", "WEAK_COSINE", "WEAK_RANK", "filtered_hits", "fused_hits",
           "lexical_ranking", "wanted_kinds", "with_curated"]
