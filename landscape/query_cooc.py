"""Choosing among a Chinese query word's candidate renderings by co-occurrence in the index.

Why: the general dictionary's order and a rendering's frequency judge each word alone; 反向
lists "opposite direction" and "inverted" before "reverse", 对象 "target" before "object", so
the synonym sets of `landscape.query_synsets` (the first `CAP` renderings) never held "reverse
proxy". Dictionary-based cross-language retrieval's classic answer (Ballesteros & Croft 1998;
Gao et al. 2001; Jang, Myaeng & Park 1999): the right renderings of a query's words occur
TOGETHER in the target collection — documents that say "reverse" also say "proxy"; few say
"opposite direction" and "agent".

How (`rerank`): each place of the translation with several candidates (a general word's first
`POOL` usable renderings; with the synonym sets' `OWN`, a project's word's own rendering and
the general senses after it) gets for each candidate its coherence: the sum over the query's
OTHER places of its best Dice coefficient (2 |A ∩ B| / (|A| + |B|), A and B the documents of
the BM25 index holding every content word of either rendering) with any of that place's
candidates (or, `MEASURE` "pmi", the log of their observed over their expected co-occurrences,
0 when not above). Its weight becomes prior x (`SMOOTH` + coherence) — `SMOOTH` large keeps the
dictionaries' order, small lets co-occurrence decide — and the place's candidates are
reordered by it. A query of one place, or a place none of whose candidates co-occurs with
anything, keeps its order. The cost: a few dozen intersections of sorted postings per query.

Switches: `SMOOTH` (None: off), `MEASURE`, `POOL`, `OWN_WORDS`, `WINDOW`, `SCOPE`. Status: measured, NOT
adopted (`SMOOTH` None: nothing here runs). Leave-one-query-out on the development judgments
(dev + heldout2 + heldout4; bench/experiment_compose.py; bench/RESULTS.md "search — compounds,
co-occurrence, acronyms") estimates it below the dictionaries' order (0.657 vs 0.684): it
finds 反向代理 "reverse proxy" (0.43 -> 1.00) and 终端命令历史记录 "terminal", but where no
candidate is the items' word it picks the best-connected wrong one — 梯度提升 "improve"
(papers say "improve" beside "gradient"; the items "boosting": 1.00 -> 0.43), 文件 "paper".

Public API:
    rerank(places, postings, keep, n_docs) -> places   # a place: [(rendering, tokens, weight)]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from landscape.lexical import UNIVERSAL

SMOOTH: float | None = None  # prior x (SMOOTH + coherence); None: co-occurrence off
POOL = 6                     # candidates of a general word scored (then `MAX_SENSES` kept)
OWN_WORDS = True             # a project's word's own rendering may lose its first place
MEASURE = "dice"             # association of two renderings' documents: "dice" or "pmi"
SCOPE = "both"               # what the chosen order changes: "both" the lexical sets and the
#                              readings the embedding averages, or "readings" only
WINDOW: int | None = None    # places either side whose candidates count (None: all; 1: the
#                              neighbours — a compound's other half, as Gao et al. weigh
#                              co-occurrence by distance)

Candidate = tuple[str, tuple[str, ...], float]  # rendering, its index tokens, weight


def _docs(toks: tuple[str, ...], postings: Callable[[str], np.ndarray],
          memo: dict[tuple[str, ...], np.ndarray]) -> np.ndarray:
    """Documents holding every content word of a rendering (sorted ids)."""
    if toks not in memo:
        words = [t for t in toks if t not in UNIVERSAL] or list(toks)
        docs = postings(words[0]) if words else np.zeros(0, dtype=np.int64)
        for t in words[1:]:
            docs = np.intersect1d(docs, postings(t), assume_unique=True)
        memo[toks] = docs
    return memo[toks]


def _association(a: np.ndarray, b: np.ndarray, n_docs: int) -> float:
    """How strongly two renderings' documents go together (`MEASURE`)."""
    if not len(a) or not len(b):
        return 0.0
    both = len(np.intersect1d(a, b, assume_unique=True))
    if MEASURE == "pmi":  # log of observed over expected co-occurrences, 0 when not above
        return max(0.0, float(np.log(both * n_docs / (len(a) * len(b))))) if both else 0.0
    return 2.0 * both / (len(a) + len(b))


def _normalised(cands: list[Candidate]) -> list[Candidate]:
    total = sum(w for _, _, w in cands) or 1.0
    return [(en, toks, w / total) for en, toks, w in cands]


def rerank(places: list[list[Candidate]], postings: Callable[[str], np.ndarray],
           keep: list[int | None], n_docs: int) -> list[list[Candidate]]:
    """The places with their candidates reweighted and reordered by coherence (module doc),
    the first `keep[i]` of place i kept (weights normalised); `keep[i]` None: place i is
    context only, as it is. With fewer than two places nothing is reordered."""
    memo: dict[tuple[str, ...], np.ndarray] = {}
    docs = ([[_docs(toks, postings, memo) for _, toks, _ in p] for p in places]
            if SMOOTH is not None and len(places) > 1 else [])
    out = []
    for i, (place, k) in enumerate(zip(places, keep, strict=True)):
        if k is None:
            out.append(place)
            continue
        coherence = [sum(max((_association(a, b, n_docs) for b in docs[j]), default=0.0)
                         for j in range(len(places)) if j != i
                         and (WINDOW is None or abs(i - j) <= WINDOW))
                     for a in docs[i]] if docs else []
        if len(place) > 1 and any(coherence):
            smooth = SMOOTH or 0.0
            scored = [(en, toks, w * (smooth + c))
                      for (en, toks, w), c in zip(place, coherence, strict=True)]
            # sorted() is stable: equal scores keep the dictionaries' order.
            place = sorted(scored, key=lambda c: -c[2])
        out.append(_normalised(place[:k]))
    return out


__all__ = ["MEASURE", "OWN_WORDS", "SCOPE", "WINDOW", "POOL", "SMOOTH", "rerank"]
