"""English forms a Chinese query's words do not spell in any dictionary but compose: a
compound's suffix morphology, one-character morphemes, and the acronym a translated phrase
abbreviates (and an English query's phrase too).

Why: the general dictionary (`landscape.zh_fallback`) lists words, not the compounds technical
Chinese builds from them. 生成器, 解析器, 调度器 are 生成 (generate), 解析 (parse), 调度
(schedule) + 器, the agent / instrument suffix that English spells "-er" / "-or"; a character
no word covers (包 in 包管理器) was skipped, so 包管理器 read only "manager". And the items
often say only the acronym of what a reader types in full (对象关系映射 = object relational
mapping, the items "ORM"; 实体组件系统 "ECS"; 集成开发环境 "IDE").

- `candidates(word, dic, vocab)`: the general dictionary's renderings of the word; when it has none,
  (1) a one-character morpheme of the project's list (search_terms.toml [morphemes]) or
  (2) word = stem + a suffix of `SUFFIXES` whose stem either dictionary spells: the stem's
  renderings with their last word derived (generate -> generator, manage -> manager, parse ->
  parser; modern -> modernize). Which derived forms exist is not guessed: only a form the
  index's vocabulary holds as it is counts, so "generateor" never does.
- `acronyms(slots, weights, vocab, is_name, n_docs)`: the initials (three to six letters) of
  the query's translated phrase — its places from the first to the last or the one before,
  each any of its first `ACRONYM_SENSES` renderings — that the index holds as a token and
  that are no item's name ("tch", 终端命令历史记录's initials, is a crate), and that the
  corpus reads as the phrase (`EVIDENCE`, `Corpus`): an item holding the acronym is among
  the `NEAR` items nearest the phrase's long form by meaning.
- `english_acronyms(text, vocab, is_name, n_docs)`: the same rule over an English query's
  words ("entity component system" -> "ecs", "virtual private network" -> "vpn"): the items
  say the acronym whichever language the reader types in.

Switches: `MORPHOLOGY`, `ACRONYMS` (0 = off, else the weight the acronym weighs in a Chinese
query's lexical query, times its confidence), `ACRONYMS_EN` (the same for an English query,
whose words are not in doubt: confidence 1), `CONFIDENCE` ("senses": the product of the
chosen senses' relative weights; "spelled": 1 — that one combination of the words' senses
spells a token the index holds is itself the evidence for that combination, far more specific
than the dictionaries' order: 实体组件系统's "ecs" needs 组件's second sense "component",
and weighed 0.12 by the senses), `ACRONYM_SENSES`, `SHORT_SHARE` (two-letter acronyms of the
whole phrase when the token is in at most that share of the items; 0 = never).

Status (bench/RESULTS.md "search — compounds, co-occurrence, acronyms" and "search — acronyms
for English queries, weighed by their evidence"): morphology and acronyms ADOPTED in the first
run — the setting best on all the development judgments (dev + heldout2 + heldout4;
bench/experiment_compose.py): Chinese nDCG@10 0.739 on them against 0.684 before;
leave-one-query-out 0.711 over morphology x acronyms. Second run (bench/experiment_acronyms.py,
scores exactly eval-search's): `ACRONYMS_EN` 1.0 and `CONFIDENCE` "spelled" ADOPTED — they
change no development query (their leave-one-out estimates equal today's: zh 0.739, en
0.914) and lower no file; they lift heldout5 (en 0.357 -> 0.663: ECS, OCR, VPN; zh 0.678 ->
0.693: 实体组件系统). Two-letter acronyms stay OFF (`SHORT_SHARE` 0: they find 持续集成 "ci"
but also 构建系统 "bs"; the index keeps no case, so it cannot tell "CI" from a word part),
`ACRONYM_SENSES` stays 2 (3 changes nothing). Third run (bench/experiment_acronym_evidence.py,
"search — an acronym must earn its place"): `EVIDENCE` "meaning" with `NEAR` 50 ADOPTED —
it drops the noise the spelling alone let in ("run ONNX models" -> "rom", 网址缩短 -> "was",
FPGA 相关论文 -> "frp", 平铺式窗口管理器 -> "tfm"), keeps every useful acronym of the six
judgment files (ecs, ocr, orm, vqa, ide, vpn, ann, rag, mcp) and moves no score. "words" (a
document holding the acronym also holds the long form's words) is NOT adopted: the items that
say "ORM", "ECS", "IDE", "OCR", "VPN" do not spell the long form beside it (heldout5 en 0.663
-> 0.357, heldout2 zh 0.775 -> 0.675).

Beside the guesses, the abbreviations the corpus itself defines ("Processing-in-Memory (PIM)"
in an abstract; `landscape.abbreviations`, session 7, bench/experiment_acronym_mining.py):
a long form the query holds adds its short form, a short form it types adds its long form to
the embedding's text. They do not replace the guesses (`abbreviations.GUESS` "keep"): the items
that say "ECS", "IDE", "ORM", "VPN", "OCR" never define them (without the guesses heldout5 en
0.663 -> 0.357, heldout2 zh 0.775 -> 0.675), and checking a guess against a mined definition
("check", "replace") moves no judged query.

Public API:
    candidates(word, dic, vocab) -> ((rendering, place), ...)
    Corpus(postings, near=None)   # the index's documents of a token / nearest a text
    acronyms(slots, weights, vocab, is_name, n_docs=0, corpus=None) -> {acronym: confidence}
    english_acronyms(text, vocab, is_name, n_docs=0, corpus=None) -> {acronym: confidence}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from landscape import zh_fallback
from landscape.lexical import UNIVERSAL, tokens
from landscape.query_dictionary import Dictionary

MORPHOLOGY = True    # derive compounds' suffixes and read one-character morphemes
ACRONYMS = 1.0       # weight of a derived acronym in the lexical query (0: off)
ACRONYM_SENSES = 2   # renderings of a place whose initials are tried
ACRONYM_LEN = (3, 6)  # letters of an acronym
ACRONYMS_EN = 1.0    # weight of an English query's acronym in its lexical query (0: off)
CONFIDENCE = "spelled"  # an acronym's confidence: "senses" (their relative weights) | "spelled"
SHORT_SHARE = 0.0    # two-letter acronyms: at most this share of the items (0: never)
# What makes the corpus read an acronym as the phrase (`_supported`): "meaning" — one of the
# acronym's documents is among the `NEAR` the phrase's long form is nearest by meaning;
# "words" — one of them also holds a word of `PLACES` of the phrase's places; "none".
EVIDENCE = "meaning"
NEAR = 50            # the candidates the meaning ranking pools at the default limit
PLACES = 2

_AGENT = ("er", "or", "r")
# Suffix character -> English endings of the derived word. 器/机/者: agent or instrument
# (解析器 parser, 编译器 compiler, 调度器 scheduler, 生成器 generator); 化: -ize (容器化
# containerize, 现代化 modernize); 性: -ity / -ness.
SUFFIXES: dict[str, tuple[str, ...]] = {"器": _AGENT, "机": _AGENT, "者": _AGENT,
                                        "化": ("ize", "ization", "ise"), "性": ("ity", "ness")}
# Endings a rendering's last word drops before the suffix: generation -> generat-or,
# management -> manage-r, compilation -> compil-er, logging -> logg-er, generate -> generat-or.
_STRIP = ("ation", "ion", "ment", "ing", "e", "")


def derive(word: str, endings: tuple[str, ...]) -> list[str]:
    """Candidate derived forms of an English word (most will not exist; the caller checks)."""
    out: list[str] = []
    for strip in _STRIP:
        if word.endswith(strip) and len(word) - len(strip) >= 3:
            base = word[:len(word) - len(strip)]
            out += [base + e for e in endings if base + e != word]
    return list(dict.fromkeys(out))


def _as_indexed(form: str, vocab: Callable[[str], int]) -> bool:
    """The index holds the derived word itself: its token is the word (or the word without the
    final e the stemmer drops: modernize), not a stem it collapses to ("overr" -> "over")."""
    toks = tokens(form)
    return (len(toks) == 1 and toks[0] in (form, form[:-1] if form.endswith("e") else form)
            and vocab(toks[0]) > 0)


def _derived(stem: str, endings: tuple[str, ...], dic: Dictionary,
             vocab: Callable[[str], int]) -> tuple[tuple[str, int], ...]:
    base = [(en, -1) for en in dic.entries.get(stem, ()) if en]
    base += list(zh_fallback.candidates(stem))
    out: dict[str, int] = {}
    for en, place in base:
        words = en.split()
        if not words:
            continue
        for form in derive(words[-1], endings):
            # The form itself, as the index spells it (not re-derived by the caller: the
            # stemmer reads "overr" as "over").
            if _as_indexed(form, vocab):
                out.setdefault(" ".join([*words[:-1], form]), place)
    return tuple(out.items())


def candidates(word: str, dic: Dictionary, vocab: Callable[[str], int]
               ) -> tuple[tuple[str, int], ...]:
    """The word's (rendering, place), best first (see module doc); a derived form only when
    `vocab` (the index's document frequency of a token) holds it as it is."""
    found = zh_fallback.candidates(word) if len(word) >= zh_fallback.MIN_LEN else ()
    if found or not MORPHOLOGY:
        return found
    if len(word) == 1:
        return tuple((en, n) for n, en in enumerate(dic.morphemes.get(word, ())))
    endings = SUFFIXES.get(word[-1])
    if endings and len(word) >= 3:
        return _derived(word[:-1], endings, dic, vocab)
    return ()


_FUNCTION = frozenset("a an the of to in on at for with by from and or".split())
# A place of the spelled phrase: its letter and the tokens of the words that give it (several
# senses may give one letter: "relation" / "relationship").
_Spelling = tuple[tuple[str, frozenset[str]], ...]


def _initials(en: str) -> _Spelling:
    """The initials of a rendering's content words, each with the word's tokens
    ("peer-to-peer" p, p; "library" none)."""
    words = [x for x in en.lower().replace("-", " ").split()
             if x not in _FUNCTION and not set(tokens(x)) <= UNIVERSAL]
    return tuple((x[0], frozenset(tokens(x))) for x in words)


def _meet(a: np.ndarray, b: np.ndarray) -> bool:
    """Two ascending id arrays share an id (the shorter looked up in the longer)."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return False
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return bool((b[at] == a).any())


# A spelling so far: its confidence, each letter's word tokens, its long form (the first way
# it was reached: the dictionaries' best senses).
_Run = tuple[float, tuple[frozenset[str], ...], str]


@dataclass(frozen=True)
class Corpus:
    """What the index answers about an acronym: the documents holding a token (ascending
    labels) and, when a dense index is at hand, the `k` documents nearest a text by meaning."""

    postings: Callable[[str], np.ndarray]
    near: Callable[[str, int], np.ndarray] | None = None


def _supported(acr: str, words: tuple[frozenset[str], ...], phrase: str,
               corpus: Corpus | None) -> bool:
    """The corpus reads `acr` as this phrase (Schwartz & Hearst 2003 in spirit; `EVIDENCE`).
    "meaning": an item holding the acronym is among the `NEAR` nearest the long form ("ecs":
    legion, 26th of 607 for "entity component system"; "rom" for "run ONNX models": the items
    holding it are LLM-memory papers, the nearer 288th). "words": an item holding it also holds a word of `PLACES` of the phrase's
    places — measured, not adopted: the items that say "ORM", "ECS", "IDE" rarely spell the
    long form beside it. Without the index's answers, no check."""
    if EVIDENCE == "none" or corpus is None:
        return True
    docs = corpus.postings(acr)
    if EVIDENCE == "meaning":
        if corpus.near is None:
            return True
        return _meet(docs, np.sort(corpus.near(phrase, NEAR)))
    have = sum(any(_meet(docs, corpus.postings(t)) for t in toks if t != acr)
               for toks in words)
    return have >= min(PLACES, len(words))


def _indexed(acr: str, vocab: Callable[[str], int], is_name: Callable[[str], bool],
             whole: bool, n_docs: int) -> bool:
    """An acronym the items use as a word: the index holds it, no item is so named; two
    letters only for the whole query's phrase and when the token is rare (`SHORT_SHARE`: "ci"
    in few items is continuous integration, "io" in many is anything)."""
    lo, hi = ACRONYM_LEN
    if not (acr.isalpha() and len(acr) <= hi) or vocab(acr) <= 0 or is_name(acr):
        return False
    if len(acr) >= lo:
        return True
    return (len(acr) == 2 and whole and SHORT_SHARE > 0 and n_docs > 0
            and vocab(acr) <= SHORT_SHARE * n_docs)


def acronyms(slots: list[tuple[str, ...]], weights: list[list[float]],
             vocab: Callable[[str], int], is_name: Callable[[str], bool],
             n_docs: int = 0, on: float | None = None,
             corpus: Corpus | None = None,
             spelled: dict[str, frozenset[str]] | None = None) -> dict[str, float]:
    """Acronyms the translation's words spell (see module doc), each with its confidence: with
    `CONFIDENCE` "senses" the product of its renderings' weights relative to their place's
    best (an acronym spelled by the second sense of a word inherits that sense's doubt); with
    "spelled" 1 — that one combination of the senses spells a word the index holds is itself
    the evidence for that combination; {} when off (`on`, default `ACRONYMS`). The phrase is
    the query's first places up to its last or second-to-last (a head word such as "tool" or
    "framework" may follow it), each place any of its first `ACRONYM_SENSES` renderings;
    words every item carries ("library", "rust") spell nothing. A part in the middle of a
    query is not tried: every three letters are some token of a large index. `corpus`: what the
    index says of the acronym; it must support the reading (`_supported`). `spelled`, when
    given, receives each acronym's long form as the tokens of the words that spell it (one
    concept with the acronym: `landscape.query_concepts`)."""
    on = ACRONYMS if on is None else on
    if not on or len(slots) < 2:
        return {}
    runs: dict[str, _Run] = {"": (1.0, (), "")}
    found: dict[str, float] = {}
    for place, (alts, ws) in enumerate(zip(slots, weights, strict=True)):
        options: dict[str, _Run] = {}
        for en, w in zip(alts[:ACRONYM_SENSES], ws, strict=False):
            spelt = _initials(en)
            letters = "".join(x for x, _ in spelt)
            options[letters] = _merge(options.get(letters), (w, tuple(t for _, t in spelt), en))
        runs = _grow(runs, options)
        if place < max(1, len(slots) - 2):
            continue
        for acr, (c, words, phrase) in runs.items():
            c = 1.0 if CONFIDENCE == "spelled" else c
            if (c > found.get(acr, 0.0)
                    and _indexed(acr, vocab, is_name, place == len(slots) - 1, n_docs)
                    and _supported(acr, words, phrase, corpus)):
                found[acr] = c
                if spelled is not None:
                    spelled[acr] = frozenset().union(*words)
    return found


def _merge(old: _Run | None, new: _Run) -> _Run:
    """One spelling reached two ways: the better confidence, each letter's words of both."""
    if old is None:
        return new
    return (max(old[0], new[0]), tuple(a | b for a, b in zip(old[1], new[1], strict=True)),
            old[2])


def _grow(runs: dict[str, _Run], options: dict[str, _Run]) -> dict[str, _Run]:
    grown: dict[str, _Run] = {}
    for run, (c, words, text) in runs.items():
        for letters, (w, more, en) in options.items():
            grown[run + letters] = _merge(grown.get(run + letters),
                                          (c * w, words + more, f"{text} {en}".strip()))
    return grown


def english_acronyms(text: str, vocab: Callable[[str], int], is_name: Callable[[str], bool],
                     n_docs: int = 0, corpus: Corpus | None = None,
                     spelled: dict[str, frozenset[str]] | None = None) -> dict[str, float]:
    """The acronyms an English query's phrase spells ("entity component system" -> "ecs"),
    by the same rule as a translation's, each word a place of one rendering (no sense is in
    doubt: confidence 1); {} when `ACRONYMS_EN` is 0."""
    words = text.split()
    return acronyms([(w,) for w in words], [[1.0]] * len(words), vocab, is_name, n_docs,
                    on=ACRONYMS_EN, corpus=corpus, spelled=spelled)


__all__ = ["ACRONYMS", "ACRONYMS_EN", "ACRONYM_LEN", "ACRONYM_SENSES", "CONFIDENCE", "EVIDENCE",
           "MORPHOLOGY", "NEAR", "PLACES", "Corpus",
           "SHORT_SHARE", "SUFFIXES", "acronyms", "candidates", "derive",
           "english_acronyms"]
