"""Choosing a Chinese query's English reading by retrieval evidence.

Why: a Chinese word the project's own dictionary does not spell gets its English from the
general dictionary (`landscape.query_zh`), whose senses are ranked by the dictionary's order
and how many indexed items use each sense. Corpus frequency picks the landscape's common sense
of one word on its own, not the sense that makes the whole query coherent: 对象关系映射 reads
"target relationship mapping" (target is the more frequent word) where "object relationship
mapping" is the concept. Cross-language retrieval's classic answer (Gao et al. 2001; Ballesteros
& Croft 1998): among the sense combinations, prefer the one whose words retrieve coherently
from the target collection. Here a reading's evidence is how close the embedding model puts
its nearest items (the cosines of the reading's top `TOP_K` hits in the search index, their
mean or their best): a coherent technical phrase has items that say it, a mix of senses has
none close.

Readings (`readings`): the product of each place's first `PER_SLOT` alternatives (today's best
first), in order of the sum of their ranks (today's reading first), at most `MAX_READINGS`;
`MAX_READINGS` 1 turns the choice off. The chosen reading becomes the English the embedding
ranking reads; with `LEXICAL` its senses also weigh as much as a word of the query in the
lexical ranking. With `OWN_SENSES` the project's own words get the general dictionary's senses
as further alternatives (代理: agent, then proxy).

Status: measured, NOT adopted — `MAX_READINGS` is 1, so search reads the dictionaries' best
reading as before and nothing here runs. The choice among the settings (readings 4/16 x
nearest items 1/5/10 x mean/contrast x margin 0/0.02/0.05 x own senses x lexical) was made
by leave-one-query-out on the dev judgments only (bench/experiment_senses.py; bench/RESULTS.md,
"search — choosing translations by retrieval evidence"): no setting beats today's on dev's
Chinese queries (their words are the project's own, unambiguous), so today's stands. Costs if
turned on: one encoding per reading (20–30 ms of CPU each, numpy encoder) plus a FAISS search.

Public API:
    readings(slots) -> list of choices (one index per place)
    choose(slots, evidence, embed) -> Choice | None
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from landscape.lexical import tokens

MAX_READINGS = 1     # readings scored at most (1: the choice is off, today's reading stands)
PER_SLOT = 3         # alternatives of one place considered
TOP_K = 5            # nearest items whose cosines are the evidence
MEASURE = "mean"     # "mean" of the TOP_K cosines, or "contrast" (that mean minus the mean
#                      cosine of the items ranked BACKGROUND: a reading whose few nearest items
#                      stand out from the rest, rather than one close to everything)
BACKGROUND = (20, 50)  # ranks of the background items of "contrast"
MARGIN = 0.0         # evidence another reading needs over today's to replace it
OWN_SENSES = False   # the project's words get the general dictionary's senses as alternatives
LEXICAL = False      # the chosen senses weigh one word each in the lexical query


@dataclass(frozen=True)
class Choice:
    english: str                  # the chosen reading
    terms: dict[str, float]       # lexical weights to raise (empty unless `LEXICAL`)
    scores: tuple[float, ...]     # evidence of each reading scored, today's first


def readings(slots: list[tuple[str, ...]], per_slot: int | None = None,
             cap: int | None = None) -> list[tuple[int, ...]]:
    """The sense combinations scored, as one alternative's index per place: today's reading
    (all first senses) first, then by the sum of the ranks (the dictionary's and the index's
    preference still orders the candidates), at most `cap`."""
    per_slot = PER_SLOT if per_slot is None else per_slot
    cap = MAX_READINGS if cap is None else cap
    ranges = [range(min(per_slot, len(alts))) for alts in slots]
    combos = sorted(itertools.product(*ranges), key=lambda c: (sum(c), c))
    return combos[:max(cap, 1)]


def depth() -> int:
    """How many nearest items' cosines `choose` needs per reading."""
    return BACKGROUND[1] if MEASURE == "contrast" else max(TOP_K, 1)


def _measure(sims: np.ndarray) -> np.ndarray:
    """One number per reading from its nearest items' cosines (rows best first)."""
    score = sims[:, :max(TOP_K, 1)].mean(axis=1)
    background = sims[:, BACKGROUND[0]:BACKGROUND[1]]
    if MEASURE == "contrast" and background.size:  # an index smaller than that: no contrast
        score = score - background.mean(axis=1)
    return score


def choose(slots: list[tuple[str, ...]], evidence: Callable[[list[str]], np.ndarray],
           embed: Callable[[str], str]) -> Choice | None:
    """The reading with the best evidence (see module doc), or None when there is only one
    reading. `evidence`: the cosines of each text's nearest items, a row per text, best first;
    `embed`: the text the embedding reads for an English reading (universal words out).
    Ties keep today's reading (the first)."""
    combos = readings(slots)
    if len(combos) < 2:
        return None
    texts = [" ".join(slots[n][i] for n, i in enumerate(c) if slots[n][i]) for c in combos]
    scores = _measure(np.asarray(evidence([embed(t) for t in texts]), dtype=np.float64))
    best = int(np.argmax(scores))  # argmax takes the first of equals: today's on a tie
    if scores[best] < scores[0] + MARGIN:
        best = 0
    terms: dict[str, float] = {}
    if LEXICAL:  # an ambiguous place's chosen sense weighs one word, as the project's do
        for n, i in enumerate(combos[best]):
            toks = tokens(slots[n][i]) if len(slots[n]) > 1 else []
            terms.update({t: 1.0 / len(toks) for t in toks})
    return Choice(texts[best], terms, tuple(round(float(s), 4) for s in scores))


__all__ = ["BACKGROUND", "LEXICAL", "MARGIN", "MAX_READINGS", "MEASURE", "OWN_SENSES", "PER_SLOT", "TOP_K", "Choice",
           "choose", "depth", "readings"]
