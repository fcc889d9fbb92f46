"""A Chinese or mixed search query in English words: segmentation over the project's own
dictionary (`landscape.query_dictionary`) and the general one (`landscape.zh_fallback`), and
the general words' senses.

- Segmentation (`landscape.query_segment`): the cheapest cover of the query by words of either dictionary —
  fewest words, the project's words before general ones, a character no word covers worst —
  where a general word may only stand where the project's words cannot spell it (向量 + 数据库,
  not a general 向量数据库: the project's dictionary says which rendering this landscape
  means). A general word counts only when it has a rendering the index holds. A query the
  project's words spell whole (no orphan) is not re-segmented: it never loads the general
  dictionary.
- Senses (`_sense_weights`): a general word's renderings are weighed by the dictionary's order
  (a prior of `SENSE_DECAY` per sense) times 1 + the square root of how many items of the index
  use them — the landscape's evidence of which sense it means (算法 -> "algorithm", not
  "arithmetic"), damped so a generic word frequent in the corpus does not outweigh the order.
  The best goes into the English the embedding reads; the best three, sharing one word's
  weight, into the lexical query (`landscape.query_synsets`: one synonym set).
- Compounds (`landscape.query_morph`): a word neither dictionary lists is composed — a suffix
  (生成器 = 生成 generate + 器 -> generator, checked against the index's vocabulary) or a
  one-character morpheme no word covers (包 package in 包管理器) — and the acronym the
  translated phrase abbreviates joins the lexical query when the index holds it (对象关系映射 ->
  "orm"; session 4 tried every three letters of a query and found noise — "cpp", "tch" — so
  only the whole phrase's initials count, no item's name; `query_morph.CONFIDENCE`).
- Characters no word reads (`_readable`, `CHARS`): a Chinese character the cheapest
  segmentation leaves as an orphan — no word of either dictionary holds it, or the only word
  that does has no rendering the index uses (补全, 整站; CC-CEDICT only explains 溯源) — is
  read by its own CC-CEDICT entry (源 -> source, root), a place of the lexical query weighing
  `CHAR_WEIGHT`; not the characters of a word the general dictionary lists (点对点 is "p2p",
  not "point toward point"), nor one whose best reading is a universal word (库 -> library).
  ADOPTED (bench/RESULTS.md, "search — characters no word reads"): heldout6 zh 0.630 -> 0.664.
- Co-occurrence (`landscape.query_cooc`, off unless chosen): a word's candidate renderings
  reordered by how they co-occur in the index with the other words' candidates.
- Concepts (`landscape.query_concepts`): each place is one concept of the query — the word's
  bigrams, its renderings, the project's extra ones — and an acronym keeps the words it spells.

Public API:
    translate_query(raw, dic, vocab) -> Translation
    (`translate(text, dic)`, the project's dictionary only, is `landscape.query_segment`'s)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from landscape import query_concepts, query_cooc, query_morph, query_segment, zh_fallback
from landscape.lexical import NAME_MARK, UNIVERSAL, BM25Index, tokens
from landscape.query_dictionary import Dictionary

MAX_SENSES = 3   # English renderings kept per general-dictionary word (`_places`)
# A character no word of either dictionary reads (an orphan: 补全, 溯源, 整站, 零 of 零知识证明
# are in neither, or CC-CEDICT only explains them) is read by its own CC-CEDICT entry as one
# place of `MAX_SENSES` senses, like a general word's, weighing `CHAR_WEIGHT` of a word: in the
# lexical query only ("lexical"), in the English the embedding reads too ("both"), or not at
# all ("off": the character counts only through the query's bigrams). Chosen by leave-one-query-
# out on the development judgments where they can (bench/experiment_chars.py; they tie there:
# the setting is the one written before measuring, see bench/RESULTS.md).
# `CHAR_RUN`: only a run of at least that many orphans is read (a lone one between words is
# often a function character: 把, 从, 并); `CHAR_UNIVERSAL`: False leaves out a character whose
# best reading is a word nearly every item carries (库 "library").
CHARS = "lexical"
CHAR_WEIGHT = 0.5
CHAR_RUN = 1
CHAR_UNIVERSAL = False
# A rendering's score: SENSE_DECAY ** place * (1 + sqrt(df)), df = the items holding its rarest
# token. Chosen by leave-one-query-out on the development judgments among 72 settings (df over
# all items / software only / the kinds the query wants; linear, capped, IDF-damped, sqrt, log;
# decay 0.25-0.7): bench/experiment_sense_frequency.py, bench/RESULTS.md "how much a
# rendering's corpus frequency counts". Before: 0.5 and linear (1 + df), where paper abstracts'
# generic verbs could outvote the dictionary's first sense many times over.
SENSE_DECAY = 0.7  # prior of a dictionary's sense relative to the one before it


# Derived forms tried for a rendering's word the index lacks: a dictionary gives the verb
# ("to mutate"), the items use the noun ("mutation", "serialization", "compression").
_DERIVED = ("ion", "ation", "ing", "er", "or", "ment")
DERIVE_MIN = 4  # letters of a word derived from: not an abbreviation ("ga" -> "gaion")


def _usable(rendering: str, vocab: Callable[[str], int]) -> tuple[str, ...]:
    """The rendering's tokens as the index holds them (empty: unusable). A word the index
    lacks becomes its most used derived form (`_DERIVED`); failing that, a modifier is left
    out as long as the head word (the last) remains: "japanese manga" -> manga."""
    kept = []
    toks = tokens(rendering)
    for n, t in enumerate(toks):
        if vocab(t) <= 0:
            forms = [f for f in (tokens(t + suffix)[0] for suffix in _DERIVED)
                     if len(t) >= DERIVE_MIN and vocab(f) > 0]
            if forms:
                t = max(forms, key=vocab)
            elif n == len(toks) - 1:
                return ()
            else:
                continue
        kept.append(t)
    return tuple(kept)


def _sense_weights(zh: str, vocab: Callable[[str], int], dic: Dictionary,
                   keep: int = MAX_SENSES,
                   found: tuple[tuple[str, int], ...] | None = None
                   ) -> list[tuple[str, tuple[str, ...], float]]:
    """The renderings of a general-dictionary word this landscape can use, best first, each
    with its share of the word's weight (they add up to 1: a word with many renderings still
    counts as one word), as (rendering, its tokens, weight). Usable: `_usable` (a rendering the index never
    uses cannot match and would only pull the embedding off). Its score is the dictionary's
    order as a prior (`SENSE_DECAY` per sense further down; software senses first) times
    1 + the square root of how many items use it (the landscape's evidence of which sense it
    means: 算法 -> "algorithm" in 23 items, "arithmetic" in 1); the `keep` best are kept. The candidates are the general
    dictionary's, or what `query_morph` composes for a word it lacks (or `found`)."""
    scored: dict[tuple[str, ...], tuple[float, str]] = {}
    found = query_morph.candidates(zh, dic, vocab) if found is None else found
    for en, place in found:
        toks = _usable(en, vocab)
        if toks and toks not in scored:
            df = min(vocab(t) for t in toks)
            scored[toks] = (SENSE_DECAY ** place * (1 + math.sqrt(df)), en)
    kept = sorted(scored.items(), key=lambda ts: -ts[1][0])[:keep]
    total = sum(score for _, (score, _) in kept)
    return [(en, toks, score / total) for toks, (score, en) in kept]


def _lexical_terms(places: list[list[tuple[str, tuple[str, ...], float]]],
                   scale: list[float]) -> dict[str, float]:
    """Lexical terms of the general dictionary's words (and characters), each with its weight:
    a word's renderings share one word's weight (`_sense_weights`), times its place's `scale`
    (0: not a general word's place; `CHAR_WEIGHT` for a character's)."""
    terms: dict[str, float] = {}
    for cands, factor in zip(places, scale, strict=True):
        for _, toks, weight in cands if factor else ():
            for t in toks:  # one word weighs one, however many words render it
                terms[t] = max(terms.get(t, 0.0), factor * weight / len(toks))
    return terms


@dataclass
class Translation:
    english: str          # the query in English, the general words' best senses included
    own: str              # the project's dictionary's English only
    extra: list[str]      # the project's extra renderings (they widen the word match)
    terms: dict[str, float] = field(default_factory=dict)  # the general words' senses
    # The English in order, each place with its alternative renderings, `english`'s first:
    # a general word's usable senses; a project's word its own rendering (and, asked for, the
    # general dictionary's senses after it); a Latin word as typed. What
    # `landscape.query_senses` chooses a reading from by retrieval evidence.
    slots: list[tuple[str, ...]] = field(default_factory=list)
    # Place -> the general word's senses as (tokens, weight), as in `terms`; with `own_senses`,
    # a project's word's too (its own rendering weighs 1, the others their share); an orphan
    # character's. The place in `slots`, unless an orphan character the English does not read
    # (`CHARS` "lexical") stands before it: then the place among all the lexical query's.
    senses: dict[int, list[tuple[tuple[str, ...], float]]] = field(default_factory=dict)
    # Acronyms the translation's words abbreviate that the index holds, each with its
    # confidence (`query_morph.acronyms`).
    acronyms: dict[str, float] = field(default_factory=dict)
    # Place in `senses` -> its weight relative to a word's (an orphan character's: `CHAR_WEIGHT`).
    scale: dict[int, float] = field(default_factory=dict)
    concepts: list[query_concepts.Concept] = field(default_factory=list)  # one per place
    spelled: dict[str, frozenset[str]] = field(default_factory=dict)  # acronym -> its words


def _own_senses(zh: str, own: str, vocab: Callable[[str], int], dic: Dictionary,
                keep: int) -> list[tuple[str, tuple[str, ...], float]]:
    """A project's word's rendering, then the general dictionary's usable senses of that
    word that read otherwise (代理: "agent", then "proxy", ...): candidates only; the
    project's rendering stays first (weight 1) and is today's reading."""
    mine = tuple(tokens(own))
    return [(own, mine, 1.0), *((en, toks, w) for en, toks, w in
                                _sense_weights(zh, vocab, dic, keep) if toks != mine)]


def _readable(orphans: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The orphans read by their characters: runs of at least `CHAR_RUN` (orphans with no word
    between them share their place), less the characters of a word the general dictionary
    lists whose renderings the index lacks — the dictionary says the word means something
    else than its characters (点对点 is "p2p", not "point toward point")."""
    runs: dict[tuple[int, int], str] = {}
    for at, before, ch in orphans:
        runs[at, before] = runs.get((at, before), "") + ch
    listed: set[tuple[int, int, int]] = set()
    for (at, before), run in runs.items():
        for i in range(len(run)):
            for j in range(i + zh_fallback.MIN_LEN, len(run) + 1):
                if zh_fallback.candidates(run[i:j]):
                    listed.update((at, before, k) for k in range(i, j))
    out, seen = [], Counter()
    for at, before, ch in orphans:
        k = seen[at, before]
        seen[at, before] += 1
        if len(runs[at, before]) >= CHAR_RUN and (at, before, k) not in listed:
            out.append((at, before, ch))
    return out


def _places(out: list[str], found: list[tuple[int, str]], own_words: dict[int, str],
            dic: Dictionary, vocab: Callable[[str], int] | None, own_senses: bool, pool: int,
            orphans: Sequence[tuple[int, int, str]] = ()
            ) -> tuple[list[list[tuple[str, tuple[str, ...], float]]], list[str], list[str]]:
    """The translation's places in order, each with its candidates (rendering, tokens,
    weight), today's first, its Chinese word ('' for a Latin one) and its kind: 'general' (a general word's senses), 'own' (a
    project's word with the general senses after its own), 'char' (an orphan character's own
    senses: `orphans`, each (place, general words before it, character)) or 'fixed' (one
    rendering: a project's word, a Latin word). General words and characters go before the
    rendering at their place, in the query's order."""
    placed: list[tuple[int, int, int, int, list, str, str]] = []
    for n, en in enumerate(out):
        zh = own_words.get(n, "")
        if own_senses and vocab is not None and n in own_words:
            placed.append((n, 1, 0, 0, _own_senses(zh, en, vocab, dic, pool), "own", zh))
        else:
            placed.append((n, 1, 0, 0, [(en, tuple(tokens(en)), 1.0)], "fixed", zh))
    for order, (at, zh) in enumerate(found if vocab is not None else ()):
        cands = _sense_weights(zh, vocab, dic, pool)
        if cands:
            placed.append((at, 0, order, 1, cands, "general", zh))
    for at, before, ch in _readable(orphans) if vocab is not None else ():
        cands = _sense_weights(ch, vocab, dic, pool, zh_fallback.characters(ch))
        if cands and (CHAR_UNIVERSAL or not set(cands[0][1]) <= UNIVERSAL):
            placed.append((at, 0, before, 0, cands, "char", ch))
    placed.sort(key=lambda p: p[:4])
    return [p[4] for p in placed], [p[5] for p in placed], [p[6] for p in placed]


def translate_query(raw: str, dic: Dictionary, vocab: Callable[[str], int] | None,
                    own_senses: bool = False,
                    lexicon: BM25Index | None = None,
                    near: Callable[[str, int], np.ndarray] | None = None) -> Translation:
    """The query (with Chinese in it) in English (see module doc). `vocab`: a token's document
    frequency in the search index; without it only the project's dictionary. `own_senses`:
    the project's words get the general dictionary's senses as further alternatives in
    `slots` (it loads the general dictionary for every Chinese query). `lexicon`: the search
    index's BM25 index, whose postings choose the candidates by co-occurrence
    (`landscape.query_cooc`, when on) and support an acronym (`query_morph.Corpus`, with
    `near`: the labels of the k items nearest a text by meaning)."""
    general = (lambda w: bool(_sense_weights(w, vocab, dic))) if vocab is not None else None
    out, extra, found, own_words, orphans = query_segment.translate_pieces(raw, dic, general)
    cooc = lexicon is not None and query_cooc.SMOOTH is not None
    places, kinds, words = _places(out, found, own_words, dic, vocab, own_senses,
                            max(MAX_SENSES, query_cooc.POOL) if cooc else MAX_SENSES,
                            orphans if CHARS != "off" and CHAR_WEIGHT > 0 else [])
    keep = [MAX_SENSES if kind in ("general", "char") else MAX_SENSES + 1 if kind == "own"
            else None for kind in kinds]
    plain = [cands[:k] if k else cands for cands, k in zip(places, keep, strict=True)]
    if cooc and lexicon is not None:
        if not query_cooc.OWN_WORDS:
            keep = [None if kind == "own" else k for k, kind in zip(keep, kinds, strict=True)]
        places = query_cooc.rerank(places, lexicon.postings, keep, len(lexicon))
    else:
        places = plain
    # The readings (the embedding's English, the acronyms) follow the chosen order; the lexical
    # sets too unless co-occurrence orders the readings only (`query_cooc.SCOPE`).
    lexical = places if query_cooc.SCOPE == "both" else plain
    # The places the English reads (an orphan character's only with `CHARS` "both"); `senses`
    # and `scale` are keyed by the place among all of them, the lexical query's.
    reads = [kind != "char" or CHARS == "both" for kind in kinds]
    slots = [tuple(en for en, _, _ in cands) for cands, r in zip(places, reads, strict=True)
             if r]
    senses = {n: [(toks, w) for _, toks, w in cands] for n, (cands, kind)
              in enumerate(zip(lexical, kinds, strict=True)) if kind != "fixed" and len(cands) > 1}
    relative = [[w / (max(ws for _, _, ws in cands) or 1.0) for _, _, w in cands]
                for cands, r in zip(places, reads, strict=True) if r]
    scale = [CHAR_WEIGHT if kind == "char" else float(kind == "general") for kind in kinds]
    spelled: dict[str, frozenset[str]] = {}
    acronyms = (query_morph.acronyms(slots, relative, vocab,
                                     lambda a: vocab(NAME_MARK + a) > 0,
                                     len(lexicon) if lexicon is not None else 0,
                                     corpus=(query_morph.Corpus(lexicon.postings, near)
                                             if lexicon is not None else None),
                                     spelled=spelled)
                if vocab is not None else {})
    concepts = [query_concepts.of_place(zh, [toks for _, toks, _ in a + b] + [
        tuple(tokens(e)) for e in dic.entries.get(zh, ())[1:]])
        for zh, a, b in zip(words, lexical, places, strict=True)]
    return Translation(" ".join(alts[0] for alts in slots), " ".join(out), extra,
                       _lexical_terms(lexical, scale), slots, senses, acronyms,
                       {n: CHAR_WEIGHT for n, kind in enumerate(kinds) if kind == "char"},
                       concepts, spelled)


__all__ = ["Translation", "translate_query"]
