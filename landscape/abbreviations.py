"""Abbreviations the corpus defines itself: (short form, long form) pairs mined from the
items' texts with the algorithm of Schwartz & Hearst (2003), "A simple algorithm for
identifying abbreviation definitions in biomedical text".

Why: an acronym guessed from a query phrase's initials (`landscape.query_morph`) is a guess the
search then has to check; a text that writes "Retrieval-Augmented Generation (RAG)" or "ECS
(Entity Component System)" states the pair. The pairs are mined from the texts the lexical
index reads (titles, descriptions, paper abstracts, the taxonomy's curated texts;
`landscape.search_docs`) when it is built, and stored with it (`landscape.search_files`).

The algorithm, on the raw text (case matters: the index lowercases):
- a parenthesis "w1 ... wn (x)": when x is one or two words, it is the short form candidate
  and the words before it the long form candidate ("long form (SF)"); else the word before
  the parenthesis is the short form and x the long form ("SF (long form)"). Text after ';' or
  ',' inside the parenthesis is cut.
- a short form: 2-10 characters, its first one a letter or digit, at least one letter, and
  (the case condition the lowercased index cannot check) at least two upper-case letters or
  an upper-case letter beside a digit — "ECS", "LLMs", "gRPC", "K8s"; not "x", "ms", "e.g".
- the long form candidate: at most min(|SF| + 5, 2 |SF|) words before the parenthesis, within
  the sentence; `best_long_form` then matches the short form's letters right to left, each
  against a character of the long form, the first one at the start of a word; the long form
  is the shortest suffix of the candidate that matches. It must hold more characters than the
  short form and not contain it as a word.

Pairs are kept as tokens (`lexical.tokens`: lowercased, lightly stemmed — what the query and
the index compare): the short form one token, the long form its tokens without stop words.
A short form with several long forms keeps the one most documents state (`mine`).

At query time (`expand`, from `landscape.query_text.analyse`, over an English query's words
and a Chinese query's Latin words and English translation), both directions: a mined long form
the query holds adds its short form to the lexical query ("research on processing-in-memory"
-> "pim", `MINED_SHORT`); a mined short form the query types adds its long form as written to
the text the embedding reads ("LLM-based recommender systems" + "Large language models",
`MINED_DENSE`; its words in the lexical query too at `MINED_LONG`, off: measured, they move
no judged query). Short forms of at least `SHORT_MIN` letters only. The acronyms guessed from a
phrase's initials (`landscape.query_morph`) stay (`GUESS`): the corpus defines few of the ones
that matter ("ECS", "IDE", "ORM", "VPN" are said, never defined).

Public API:
    best_long_form(short, long) -> str | None        # Schwartz & Hearst's matcher
    definitions(text) -> [(short form, long form), ...]   # raw strings, in text order
    mine(texts) -> Abbreviations                      # token pairs with document counts
    Abbreviations(pairs: {short: Pair(long, docs, written)})  .get(short) / .shorts_in(tokens)
    expand(texts, abbrev) -> Expansion(terms, shorts, longs, typed; .dense())
    kept_guesses(guessed, query_words, expansion, abbrev) -> {acronym: weight}
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from landscape.lexical import tokens

_PAREN = re.compile(r"\(([^()]{1,100})\)")
_SENTENCE = re.compile(r"[.!?;:](?:\s|$)|[\n\r]")
_WORDS = re.compile(r"\S+")
SF_LEN = (2, 10)  # characters of a short form
_WINDOW = 400     # characters before a parenthesis read for its long form

# Query side (`expand`, called by `landscape.query_text.analyse`). Chosen by
# bench/experiment_acronym_mining.py (bench/RESULTS.md, "search — abbreviations mined from the
# corpus"): leave-one-query-out on the development judgments 0.7724 vs 0.7687 before.
MINED_SHORT = 0.5   # weight of a short form whose long form the query holds (0: off)
MINED_LONG = 0.0    # weight of the long form's words of a short form the query holds ... (0:
LONG_SPLIT = True   # off: measured, it moves no judged query) ... split over its words
# The embedding also reads the long form, as written, of a short form the query holds: False;
# "typed" — only of one the query typed in Latin letters ("RAG", "LLM-based ..."), not of its
# translation's ("gui" for 图形界面, which the translation already chose); "all".
MINED_DENSE: bool | str = "typed"
SHORT_MIN = 3       # letters of a short form used at query time (two: "ml" is also a name part)
# A guessed acronym (`landscape.query_morph`) beside the mined pairs: "keep" it; "check":
# dropped when the corpus defines it as something the query does not say; "replace": also
# dropped when the query holds a mined long form whose short form it is not; "off": no guess
# (measured: the items that say "ECS", "IDE", "ORM", "VPN" never define them, so the guesses
# stay; "check" and "replace" move no judged query).
GUESS = "keep"


def _short_form_ok(sf: str) -> bool:
    """Schwartz & Hearst's short-form conditions, plus the case one (see module doc)."""
    if not SF_LEN[0] <= len(sf) <= SF_LEN[1] or not sf[0].isalnum():
        return False
    if not any(ch.isalpha() for ch in sf) or len(sf.split()) > 2:
        return False
    upper = sum(ch.isupper() for ch in sf)
    return upper >= 2 or (upper == 1 and any(ch.isdigit() for ch in sf))


def best_long_form(short: str, long: str) -> str | None:
    """The shortest suffix of `long` whose characters spell `short` right to left, the short
    form's first character at the start of a word (Schwartz & Hearst 2003, figure 2); None
    when there is none."""
    s, lf = len(short) - 1, len(long) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while lf >= 0 and (long[lf].lower() != c
                           or (s == 0 and lf > 0 and long[lf - 1].isalnum())):
            lf -= 1
        if lf < 0:
            return None
        lf -= 1
        s -= 1
    start = long.rfind(" ", 0, lf + 1) + 1
    return long[start:]


def _clean(text: str) -> str:
    return text.strip(" \t\"'`“”‘’-–—,")


def _pair(sf: str, candidate: str) -> tuple[str, str] | None:
    """(short form, long form) when `candidate` (the words before, or the parenthesis) ends in
    a long form of `sf` that passes the length conditions."""
    sf = _clean(sf)
    if not _short_form_ok(sf):
        return None
    words = candidate.split()[-min(len(sf) + 5, 2 * len(sf)):]
    found = best_long_form(sf, " ".join(words))
    if found is None:
        return None
    found = _clean(found)
    lf_words = found.split()
    # A long form with a digit the short form lacks is a sentence, not a name ("R-WoM
    # achieves ... 25.3%" for "WebArena").
    if any(ch.isdigit() for ch in found) and not any(ch.isdigit() for ch in sf):
        return None
    if (len(found) <= len(sf) or not lf_words
            or len(lf_words) > min(len(sf) + 5, 2 * len(sf))
            or sf.lower() in (w.lower().strip("(),.") for w in lf_words)):
        return None
    return sf, found


def definitions(text: str | None) -> list[tuple[str, str]]:
    """The (short form, long form) pairs a text defines, as written (see module doc)."""
    out: list[tuple[str, str]] = []
    if not text or "(" not in text:
        return out
    for m in _PAREN.finditer(text):
        inside = re.split(r"[;,]", m.group(1), maxsplit=1)[0].strip()
        # A long form is at most 15 words (a 10-character short form's): the sentence is
        # looked for in the characters just before, not from the text's start.
        before = text[max(0, m.start() - _WINDOW):m.start()]
        cut = [s.end() for s in _SENTENCE.finditer(before)]
        before = before[cut[-1]:] if cut else before
        if not inside or not before.strip():
            continue
        if len(inside.split()) <= 2:  # "long form (SF)"
            pair = _pair(inside, before)
        else:  # "SF (long form)": the word before the parenthesis
            last = _WORDS.findall(before)[-1]
            pair = _pair(last, inside)
        if pair is not None:
            out.append(pair)
    return out


class Pair(NamedTuple):
    """A mined short form's long form: its tokens, how many documents define it so, and the
    long form as first written ("retrieval-augmented generation")."""

    long: tuple[str, ...]
    docs: int
    written: str


@dataclass
class Abbreviations:
    """Mined pairs as tokens: short form token -> its `Pair`."""

    pairs: dict[str, Pair] = field(default_factory=dict)
    # first long-form token -> [(long form tokens, short form)], for the long -> short lookup
    _by_first: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict,
                                                                     repr=False)

    def __post_init__(self) -> None:
        for short, pair in self.pairs.items():
            self._by_first.setdefault(pair.long[0], []).append((pair.long, short))

    def __len__(self) -> int:
        return len(self.pairs)

    def get(self, short: str) -> Pair | None:
        """The long form of a short form token (None when none was mined)."""
        return self.pairs.get(short)

    def shorts_in(self, toks: list[str]) -> dict[str, Pair]:
        """Short form -> its pair, for every mined long form `toks` holds as a run of
        consecutive tokens ("retrieval augmented generation framework" -> rag)."""
        out: dict[str, Pair] = {}
        for i, t in enumerate(toks):
            for long, short in self._by_first.get(t, ()):
                if tuple(toks[i:i + len(long)]) == long:
                    out[short] = self.pairs[short]
        return out


@dataclass
class Expansion:
    """What the mined pairs add to a query: lexical terms with their weights, the short forms
    added (for a hit's "why"), the long forms' written text for the embedding, and the short
    forms whose long form the query holds."""

    terms: dict[str, float] = field(default_factory=dict)
    shorts: dict[str, Pair] = field(default_factory=dict)
    longs: dict[str, Pair] = field(default_factory=dict)
    typed: set[str] = field(default_factory=set)  # short forms of `longs` the query typed

    def dense(self) -> list[str]:
        """The long forms, as written, the embedding reads too (`MINED_DENSE`)."""
        if not MINED_DENSE:
            return []
        return [p.written for s, p in self.longs.items()
                if MINED_DENSE == "all" or s in self.typed]


def expand(texts: list[str], abbrev: Abbreviations) -> Expansion:
    """Both directions over each text's tokens (a Chinese query: its Latin words and its
    English translation): a mined long form the text holds adds its short form
    (`MINED_SHORT`); a mined short form it holds adds its long form's words (`MINED_LONG`,
    split over them when `LONG_SPLIT`)."""
    out = Expansion()
    if not len(abbrev):
        return out
    for n, text in enumerate(texts):
        toks = tokens(text)
        if MINED_SHORT > 0:
            for short, pair in abbrev.shorts_in(toks).items():
                if len(short) >= SHORT_MIN:
                    out.shorts[short] = pair
                    out.terms[short] = max(out.terms.get(short, 0.0), MINED_SHORT)
        for t in toks:
            pair = abbrev.get(t)
            if pair is None or len(t) < SHORT_MIN:
                continue
            out.longs[t] = pair
            if n == 0:
                out.typed.add(t)
            if MINED_LONG > 0:
                w = MINED_LONG / len(pair.long) if LONG_SPLIT else MINED_LONG
                for word in pair.long:
                    out.terms[word] = max(out.terms.get(word, 0.0), w)
    return out


def kept_guesses(guessed: dict[str, float], query_words: set[str], found: Expansion,
                 abbrev: Abbreviations) -> dict[str, float]:
    """The guessed acronyms `GUESS` keeps (see its comment)."""
    if GUESS == "off":
        return {}
    if GUESS == "keep":
        return guessed
    out = {}
    for acr, w in guessed.items():
        pair = abbrev.get(acr)
        if pair is not None and not set(pair.long) <= query_words:
            continue  # the corpus says the acronym is something else
        if GUESS == "replace" and found.shorts and acr not in found.shorts:
            continue
        out[acr] = w
    return out


def _as_tokens(sf: str, lf: str) -> tuple[str, tuple[str, ...]] | None:
    """The pair as the index spells it: a one-token short form that is the short form's
    letters (a lower-case final s a plural: "LLMs" llm; not a stem of a word: "MAPE" would be
    "map", "SENSE" "sens"), a long form of 2+ tokens other than the short form."""
    short = tokens(sf)
    letters = sf.lower()
    if len(short) != 1 or short[0] not in (letters, letters[:-1] if sf.endswith("s") else ""):
        return None
    long = tuple(tokens(lf.replace("-", " ")))
    if len(long) < 2 or short[0] in long:
        return None
    return short[0], long


def mine(texts: Iterable[str | None]) -> Abbreviations:
    """The pairs the texts define, one document counted once per pair; a short form with
    several long forms keeps the one most documents state (ties: the shorter, then the
    first)."""
    seen: Counter[tuple[str, tuple[str, ...]]] = Counter()
    written: dict[tuple[str, tuple[str, ...]], tuple[int, str]] = {}  # first seen: order, text
    for text in texts:
        found = {}
        for sf, lf in definitions(text):
            p = _as_tokens(sf, lf)
            if p is not None:
                found.setdefault(p, lf)
        for p, lf in found.items():
            seen[p] += 1
            written.setdefault(p, (len(written), lf))
    best: dict[str, Pair] = {}
    for (short, long), n in sorted(seen.items(), key=lambda kv: (-kv[1], len(kv[0][1]),
                                                                  written[kv[0]][0])):
        best.setdefault(short, Pair(long, n, written[short, long][1]))
    return Abbreviations(best)


__all__ = ["GUESS", "LONG_SPLIT", "MINED_DENSE", "MINED_LONG", "MINED_SHORT", "SF_LEN", "SHORT_MIN",
           "Abbreviations", "Expansion", "Pair", "expand", "kept_guesses", "best_long_form", "definitions", "mine"]
