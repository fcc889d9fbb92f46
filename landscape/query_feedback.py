"""Pseudo-relevance feedback: words of a query's first results added to its lexical query.

Why: a correct translation of a Chinese query can still miss the words the items use
(对象关系映射 -> "object relational mapping", while the items say only "ORM"; 参数 ->
"parameters", the items say "argument"). The first ranking (meaning and words fused) often
has a few relevant items near the top anyway; the words those share are the corpus' own
vocabulary for the concept. RM3 (Lavrenko & Croft 2001; Abdul-Jaleel et al. 2004) adds them to
the query with a small weight and ranks again.

Here (`feedback_terms`): the first `docs` strong hits (not "weak"), each weighted by its share
of their fused scores (RM1's P(q|d)); a word's weight is the sum over them of its frequency in
the hit's name and snippet over that text's length (P(w|d)), times its idf in the index (the
snippets are short: without idf, frequent words such as "fast" fill the list). A word must be
in at least two of those hits (one hit's quirk is not the concept). The `terms` best, scaled
so the best weighs `weight`, are added to the lexical query; the query's own words keep their
weights, and the embedding ranking is not re-run (it reads the query, not the corpus' words).

Which queries (`applies`) and the constants were chosen by cross-validation over every judged
query (bench/RESULTS.md, "pseudo-relevance feedback"): first hits 3/4/5 x best word's weight
0.2..1 x words 5/10/20 x every Chinese query or only those with a general-dictionary word,
5-fold x 20 repeats; 4 hits, weight 1, 10 words on the gated queries in 63 of 100 fits.

Public API:
    feedback_terms(qt, hits, df, n_docs) -> dict[str, float]   # words to add, with weights
    applies(qt) -> bool
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection

from landscape.lexical import UNIVERSAL, is_cjk, tokens
from landscape.query_text import QueryText

FEEDBACK_DOCS = 4      # first strong hits read
FEEDBACK_TERMS = 10    # words added at most
FEEDBACK_WEIGHT = 1.0  # weight of the best added word (a query's own word weighs 1)
MIN_DOCS = 2           # hits a word must be in


def applies(qt: QueryText) -> bool:
    """Whether feedback runs for this query: only when a word of it was translated by the
    general dictionary (`QueryText.general`), whose English is a dictionary's guess, not the
    project's word for the concept. Measured (bench/RESULTS.md): on every Chinese query it
    cost dev queries the project's words already translate well (机器学习库 1.0 -> 0.92,
    cross-validated dev zh 0.928 -> 0.904); on English queries it cost dev en 0.908 -> 0.889."""
    return qt.general and FEEDBACK_WEIGHT > 0 and FEEDBACK_DOCS > 0


def _doc_terms(hit: dict) -> Counter:
    """A hit's words (name and snippet), as the lexical index spells them."""
    return Counter(tokens(hit.get("name") or "") + tokens(hit.get("snippet") or ""))


def _usable(term: str, query: Collection[str]) -> bool:
    """A word worth adding: not already asked for, not near-universal, not a bare number nor a
    single Chinese character (bigrams carry the Chinese words)."""
    return (term not in query and term not in UNIVERSAL and not term.isdigit()
            and not (len(term) == 1 and is_cjk(term)))


def _fusion(hit: dict) -> float:
    """A hit's fused score: `fusion_score` (a search hit's `score` is the learned one in its
    pool), or `score` for a hit that has no other."""
    return hit.get("fusion_score", hit.get("score")) or 0.0


def feedback_terms(qt: QueryText, hits: list[dict], df: Callable[[str], int],
                   n_docs: int) -> dict[str, float]:
    """Words to add to `qt.terms` with their weights (see module doc); {} when the first
    results give no word shared by `MIN_DOCS` of them."""
    top = [h for h in hits if not h.get("weak")][:FEEDBACK_DOCS]
    total = sum(max(_fusion(h), 0.0) for h in top)
    if len(top) < MIN_DOCS or total <= 0:
        return {}
    weight: Counter = Counter()
    seen: Counter = Counter()
    query = qt.words()  # a synonym set's members are the query's words too
    for h in top:
        tf = _doc_terms(h)
        length = sum(tf.values())
        if not length:
            continue
        p_q = max(_fusion(h), 0.0) / total
        for t, n in tf.items():
            if _usable(t, query):
                weight[t] += p_q * n / length
                seen[t] += 1
    scored = {t: w * math.log(1.0 + n_docs / max(df(t), 1)) for t, w in weight.items()
              if seen[t] >= MIN_DOCS}
    best = sorted(scored, key=lambda t: (-scored[t], t))[:FEEDBACK_TERMS]
    if not best:
        return {}
    top_w = scored[best[0]]
    return {t: round(FEEDBACK_WEIGHT * scored[t] / top_w, 4) for t in best}


__all__ = ["FEEDBACK_DOCS", "FEEDBACK_TERMS", "FEEDBACK_WEIGHT", "MIN_DOCS",
           "applies", "feedback_terms"]
