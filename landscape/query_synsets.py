"""Structured query translation: a Chinese word's candidate English renderings as ONE synonym
set of the lexical query, instead of one chosen sense.

Why: the misses of Chinese queries are single wrong senses — 对象 read "target" where the
items say "object", 代理 "agent" where the query means "proxy", 参数 "parameters" where items
say "argument". Choosing one reading, by the dictionaries or by retrieval evidence
(`landscape.query_senses`, measured: noise), keeps failing on some word. Dictionary-based
cross-language retrieval's standard answer (Pirkola 1998; weighted, Darwish & Oard 2003) keeps
the ambiguity in the query: the renderings of one word are one term whose tf in a document is
the sum of its members' and whose df is the union of their postings
(`lexical.BM25Index.set_scores`), so a document saying any sense once scores like a document
saying the word, and a rare wrong sense does not bring its own high idf.

The sets (`synonym_sets`): for each place of a Chinese query whose renderings differ, the first
`CAP` of them (today's reading first; `CAP` 1 turns this off); members weigh 1 (Pirkola) or,
with `WEIGHTED`, their translation weight relative to the best (the dictionary's order times
corpus use, `landscape.query_zh._sense_weights`). With `OWN` the project's own words (glossary,
taxonomy, search terms) get the general dictionary's senses as members too. A set weighs what
today's reading of that word weighed in the query (one word weighs one; a project's rendering
of several words, one per word). The embedding keeps today's reading, or with `DENSE_MEAN`
reads the mean of the first `DENSE_READINGS` readings' vectors (`dense_readings`).

Status: ADOPTED (on by default). The settings were chosen by leave-one-query-out on the
development judgments (dev + heldout2; bench/experiment_synsets.py; bench/RESULTS.md, "search —
structured query translation"): Chinese nDCG@10 0.809 estimated for unseen queries against
0.798 before (English makes no sets: unchanged). `CAP` 1 turns it all off.

Public API:
    synonym_sets(senses, terms) -> (terms without the sets' members, sets)
    wants_own_senses() -> bool   # whether the translation must list the project's words' senses
    dense_readings(slots) -> list[str]   # the readings the embedding averages ([]: today's)
"""

from __future__ import annotations

from landscape import query_senses
from landscape.lexical import UNIVERSAL, SynonymSet

# Chosen by leave-one-query-out on the development judgments (bench/experiment_synsets.py).
CAP = 3           # renderings of one word kept in its set (1: no sets, the query before)
WEIGHTED = True   # members weigh their translation weight (else 1 each, Pirkola)
OWN = True        # the project's words get the general dictionary's senses as members
DENSE_MEAN = True  # the embedding reads the mean of the readings' vectors (else the first's)
DENSE_READINGS = 4  # readings averaged at most: fixed, not tuned (encoded together in one
#                     packed pass, `query_encoder.encode_queries`; the cap bounds its tokens)


def wants_own_senses() -> bool:
    return CAP > 1 and OWN


def dense_readings(slots: list[tuple[str, ...]]) -> list[str]:
    """The English readings whose vectors the embedding averages (`DENSE_MEAN`): the sense
    combinations of the first `CAP` renderings per place, today's first, at most
    `DENSE_READINGS` (`query_senses.readings`' order); [] when off or only one reading."""
    if CAP <= 1 or not DENSE_MEAN:
        return []
    combos = query_senses.readings(slots, per_slot=CAP, cap=DENSE_READINGS)
    texts = [" ".join(slots[n][i] for n, i in enumerate(c) if slots[n][i]) for c in combos]
    return texts if len(texts) > 1 else []


def synonym_sets(senses: dict[int, list[tuple[tuple[str, ...], float]]],
                 terms: dict[str, float], scale: dict[int, float] | None = None
                 ) -> tuple[dict[str, float], list[SynonymSet]]:
    """The lexical query's terms with the members of synonym sets taken out, and the sets.
    `senses`: per place of the translation, its renderings as (tokens, weight), today's first
    (`query_zh.Translation.senses`); `terms`: the query's terms as today; `scale`: a place's
    weight relative to a word's (an orphan character's, `query_zh.CHAR_WEIGHT`; else 1)."""
    if CAP <= 1:
        return terms, []
    sets: list[SynonymSet] = []
    for place in sorted(senses):
        kept = [(tuple(t for t in toks if t not in UNIVERSAL), w)
                for toks, w in senses[place][:CAP]]
        kept = [(toks, w) for toks, w in kept if toks]
        if len({toks for toks, _ in kept}) < 2:
            continue  # one reading: nothing to keep ambiguous
        top = max(w for _, w in kept) or 1.0
        members: dict[str, float] = {}
        for toks, w in kept:
            for t in toks:
                members[t] = max(members.get(t, 0.0), w / top if WEIGHTED else 1.0)
        # What today's reading weighed (at least one word's worth).
        weight = max(1.0, sum(terms.get(t, 0.0) for t in kept[0][0]))
        weight *= (scale or {}).get(place, 1.0)
        sets.append((members, weight))
    members_all = {t for members, _ in sets for t in members}
    return {t: w for t, w in terms.items() if t not in members_all}, sets


__all__ = ["CAP", "DENSE_MEAN", "DENSE_READINGS", "OWN", "WEIGHTED", "dense_readings",
           "synonym_sets", "wants_own_senses"]
