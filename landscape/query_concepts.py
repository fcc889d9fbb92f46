"""A query's concepts: which of its lexical terms are forms of one thing it asks for, and the
coordination over them (how much of what the query asks an item holds, by any form).

Why: the lexical query holds, for one concept, several alternative forms — an acronym and its
long form ("rag" beside "retrieval augmented generation"), a Chinese word's character bigrams
beside its English renderings (数据 据库 beside "database"), a word's synonym set, a glossary
term's forms ("llm", "large language model"). A coordination factor over TERMS (Lucene's
classic coord; bench/RESULTS.md "a coordination factor on BM25", not adopted) counts each form
as a separate word, so an item saying only "RAG" looks as if it held a quarter of the query.
Here the unit is the concept: an item matches it by ANY of its forms.

Where the grouping is known (nothing is reconstructed from the terms afterwards):
- an English query: each typed word (`of_words`), as the reader wrote it;
- a Chinese or mixed query: each place of the translation (`landscape.query_zh`: a segmented
  word, a general word, an orphan character, a Latin word) — the word's own bigrams, its
  renderings (the senses its synonym set holds) and the project's extra renderings (`of_place`);
- an acronym the query's phrase spells (`query_morph.acronyms(spelled=...)`), a mined
  abbreviation's short and long forms (`landscape.abbreviations`) and a glossary term's forms
  (`Dictionary.synonyms`): the concepts holding the long form's words become ONE concept, of
  which the long form (all of them) and the short form are alternatives (`merged`).

Coordination (`coverage`): each concept's credit in a document is the best of its
alternatives' — a form (a run of tokens) held in part counts by the idf share of its tokens
held; a merged concept's parts count by their masses — and the document's coverage is the
concepts' credits weighted by their mass: the query weight of the concept (its heaviest
term's: a near-universal word weighs `UNIVERSAL_WEIGHT`) times the idf of the documents that
hold it whole by some form. A concept no document holds is left out. `search_rank` multiplies
BM25 by 1 - COORD + COORD x coverage (`search_rank.CONCEPT_COORD`).

Public API:
    Concept(forms, parts=())       .tokens()
    of_words(text) -> [Concept]    of_place(zh, renderings) -> Concept
    merged(concepts, long, shorts) -> [Concept]    restricted(concepts, words) -> [Concept]
    coverage(index, concepts, weights) -> np.ndarray   # (n_docs,) float32 in [0, 1]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from landscape.lexical import BM25Index, SynonymSet, is_cjk, tokens

Form = tuple[str, ...]  # tokens a document holds together to say the concept this way


@dataclass(frozen=True)
class Concept:
    """One thing the query asks for: alternative `forms` (each a run of tokens), and, for a
    concept several were merged into (an acronym's long form), the `parts` that together are
    one more alternative."""

    forms: tuple[Form, ...]
    parts: tuple[Concept, ...] = ()

    def tokens(self) -> set[str]:
        """Every token of every form, the parts' included."""
        return {t for f in self.forms for t in f}.union(*(p.tokens() for p in self.parts))


def of_words(text: str) -> list[Concept]:
    """An English text's concepts: each typed word its own ("llama-cpp" one, of two tokens);
    a word with no token (a stop word) none."""
    out = [Concept((tuple(tokens(w)),)) for w in text.split() if tokens(w)]
    return list(dict.fromkeys(out))


def of_place(zh: str, renderings: Iterable[Sequence[str]]) -> Concept:
    """A translated place's concept: the Chinese word's own character bigrams (as the query's
    tokens spell them; a one-character word spells none) and each English rendering."""
    own = [tuple(tokens(zh))] if len(zh) > 1 and all(is_cjk(c) for c in zh) else []
    return Concept(tuple(dict.fromkeys(f for f in [*own, *map(tuple, renderings)] if f)))


def merged(concepts: list[Concept], long: Iterable[str], shorts: Iterable[Form]
           ) -> list[Concept]:
    """The concepts holding a token of the long form `long` or of the forms `shorts` made ONE
    concept, at the place of the first of them: its parts the touched concepts (together they
    spell the long form), its forms the short forms (and the long form itself when the touched
    concepts do not hold all its words); a new concept when none is touched."""
    long, shorts = tuple(long), [tuple(f) for f in shorts if f]
    touch = set(long).union(*map(set, shorts))
    hit = [c for c in concepts if c.tokens() & touch]
    if not shorts and len(hit) < 2:
        return concepts
    parts = tuple(dict.fromkeys(p for c in hit for p in (c.parts or (c,))))
    forms = [f for c in hit if c.parts for f in c.forms] + shorts
    if long and not set(long) <= set().union(*(p.tokens() for p in parts)):
        forms.append(long)
    new = Concept(tuple({frozenset(f): f for f in forms}.values()), parts)  # order-blind
    out, placed = [], False
    for c in concepts:
        if c not in hit:
            out.append(c)
        elif not placed:
            out.append(new)
            placed = True
    return out if placed else [*out, new]


def restricted(concepts: list[Concept], words: set[str]) -> list[Concept]:
    """Each concept's forms cut to the tokens the lexical query holds (`words`: what BM25
    scores), empty ones dropped; a concept left empty dropped."""
    out = []
    for c in concepts:
        forms = tuple(dict.fromkeys(f for f in (tuple(t for t in f if t in words)
                                                for f in c.forms) if f))
        parts = tuple(restricted(list(c.parts), words))
        if forms or parts:
            out.append(Concept(forms, parts) if len(parts) != 1 or forms else parts[0])
    return out


def token_weights(terms: Mapping[str, float], sets: Sequence[SynonymSet]) -> dict[str, float]:
    """Each lexical token's weight in the query (a synonym set's members: the set's)."""
    out = dict(terms)
    for members, qw in sets:
        for t in members:
            out[t] = max(out.get(t, 0.0), qw)
    return out


def _credit(index: BM25Index, c: Concept, weights: Mapping[str, float], space: np.ndarray
            ) -> tuple[np.ndarray, float]:
    """(each document of `space` — ascending labels holding some token of the concept — its
    credit for the concept in [0, 1]; the concept's mass: its query weight x the idf of the
    documents holding it whole, 0 when no document holds any of it)."""
    best = np.zeros(len(space), dtype=np.float32)
    for form in c.forms:
        held = [(np.searchsorted(space, index.postings(t)), index.idf_of(index.df(t)))
                for t in form if index.df(t)]
        total = sum(idf for _, idf in held)
        if not held or total <= 0:
            continue
        share = np.zeros(len(space), dtype=np.float32)
        for at, idf in held:
            share[at] += np.float32(idf / total)
        np.maximum(best, share, out=best)
    sub = [_credit(index, p, weights, space) for p in c.parts]
    mass_parts = sum(m for _, m in sub)
    if mass_parts > 0:
        np.maximum(best, sum(cr * np.float32(m / mass_parts) for cr, m in sub), out=best)
    df = int(np.count_nonzero(best >= 1 - 1e-4)) or int(np.count_nonzero(best))
    weight = max((weights.get(t, 0.0) for t in c.tokens()), default=0.0)
    return best, (weight * index.idf_of(df) if df else 0.0)


def coverage(index: BM25Index, concepts: Sequence[Concept],
             weights: Mapping[str, float]) -> np.ndarray:
    """Each document's share of the query's concept mass it holds (see module doc; float32,
    n_docs; all ones when no concept is in the index)."""
    held = np.zeros(index.n_docs, dtype=np.float32)
    total = 0.0
    for c in concepts:
        if not c.parts and len(c.forms) == 1 and len(c.forms[0]) == 1:
            # One word of one token (most of an English query's): its postings are the
            # documents holding it whole — `_credit`'s answer without its n_docs arrays.
            (t,), df = c.forms[0], index.df(c.forms[0][0])
            mass = weights.get(t, 0.0) * index.idf_of(df) if df else 0.0
            if mass > 0:
                held[index.postings(t)] += np.float32(mass)
                total += mass
            continue
        seen = np.zeros(index.n_docs, dtype=bool)  # the concept's documents: its space
        for t in c.tokens():
            seen[index.postings(t)] = True
        space = np.flatnonzero(seen)
        credit, mass = _credit(index, c, weights, space)
        if mass > 0:
            held[space] += credit * np.float32(mass)
            total += mass
    return held / np.float32(total) if total > 0 else np.ones(index.n_docs, dtype=np.float32)


__all__ = ["Concept", "Form", "coverage", "merged", "of_place", "of_words", "restricted",
           "token_weights"]
