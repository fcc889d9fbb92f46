"""A Chinese or mixed search query in English words: segmentation over the project's own
dictionary (`landscape.query_dictionary`) and the general one (`landscape.zh_fallback`), and
the general words' senses.

- Segmentation (`_segments`): the cheapest cover of the query by words of either dictionary —
  fewest words, the project's words before general ones, a character no word covers worst —
  where a general word may only stand where the project's words cannot spell it (向量 + 数据库,
  not a general 向量数据库: the project's dictionary says which rendering this landscape
  means). A general word counts only when it has a rendering the index holds. A query the
  project's words spell whole (no orphan) is not re-segmented: it never loads the general
  dictionary.
- Senses (`_sense_weights`): a general word's renderings are weighed by the dictionary's order
  (a prior halving per sense) times how many items of the index use them — the landscape's
  evidence of which sense it means (算法 -> "algorithm", not "arithmetic"). The best goes into
  the English the embedding reads; the best three, sharing one word's weight, into the lexical
  query (where `landscape.query_synsets` makes a word's renderings one synonym set).

Not done, on purpose: acronyms the translated words spell (对象关系映射 -> object relation
mapping -> "orm", which is all the items say). Tried on every judged query: it also fired on
命令行参数解析 -> "cpp" and 终端命令历史记录 -> "tch" (a crate's name), and at 200k items
nearly every three letters are some item's token; the embedding model does not know which
acronym a phrase abbreviates either (cosine of "ORM" to "object relational mapping" 0.16, to
"target concern mapping" 0.07, "OCM" to "object concern mapping" 0.23).

Public API:
    translate(text, dic) -> (English, extra renderings)   # the project's dictionary only
    translate_query(raw, dic, vocab) -> Translation
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from landscape import zh_fallback
from landscape.lexical import is_cjk, tokens
from landscape.query_dictionary import Dictionary

_LATIN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+#_\-/]*")


def translate(text: str, dic: Dictionary) -> tuple[str, list[str]]:
    """(English rendering of the query, extra English alternatives): `_translate` without the
    general dictionary."""
    out, extra, _, _ = _translate(text, dic)
    return " ".join(out), extra


# Costs of the query's segmentation (`_segments`): the fewest words, the project's own words
# before the general dictionary's, and a character no word covers worst of all, so that
# "硬件加速器" reads 硬件 + 加速器 (hardware accelerator) rather than 硬件加速 + an orphan 器.
OWN_COST, GENERAL_COST, ORPHAN_COST = 1.0, 1.1, 2.0


def _own_cover(chars: str, dic: Dictionary) -> list[list[bool]]:
    """cover[i][j]: the project's own words spell chars[i:j] exactly."""
    n = len(chars)
    cover = [[False] * (n + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(i + 1, min(n, i + dic.longest) + 1):
            if chars[i:j] in dic.entries:
                cover[i][j] = True
                for k in range(j + 1, n + 1):
                    cover[i][k] = cover[i][k] or cover[j][k]
    return cover


def _segments(s: str, compact: list[tuple[int, str]], dic: Dictionary,
              general: Callable[[str], bool] | None) -> list[tuple[str, str]]:
    """The query as (kind, text) pieces, kind 'own' (a word of the project's dictionary),
    'general' (a word of the general dictionary), 'orphan' (a Chinese character neither
    covers) or 'latin' (a Latin word as typed): the cheapest segmentation by the costs above.
    A general word is a candidate only where the project's words cannot spell it: the
    project's dictionary says which rendering this landscape means (向量 + 数据库, not a
    general 向量数据库)."""
    chars = "".join(ch for _, ch in compact).lower()
    n = len(chars)
    cover = _own_cover(chars, dic) if general is not None else None
    best: list[tuple[float, int, str]] = [(0.0, 0, "")] + [(float("inf"), 0, "")] * n
    for i in range(n):
        if best[i][0] == float("inf"):
            continue
        edges: list[tuple[int, float, str]] = [
            (j, OWN_COST, "own") for j in range(i + 1, min(n, i + dic.longest) + 1)
            if chars[i:j] in dic.entries]
        if is_cjk(chars[i]):
            edges.append((i + 1, ORPHAN_COST, "orphan"))
            if general is not None and cover is not None:
                longest = zh_fallback.table()[1]
                edges += [(j, GENERAL_COST, "general")
                          for j in range(i + 2, min(n, i + longest) + 1)
                          if all(is_cjk(c) for c in chars[i:j]) and not cover[i][j]
                          and general(chars[i:j])]
        else:
            m = _LATIN.match(s, compact[i][0])
            edges.append((i + (len(m.group(0)) if m else 1), OWN_COST, "latin"))
        for j, cost, kind in edges:
            if best[i][0] + cost < best[j][0]:
                best[j] = (best[i][0] + cost, i, kind)
    pieces = []
    j = n
    while j > 0:
        _, i, kind = best[j]
        if kind == "latin":
            m = _LATIN.match(s, compact[i][0])
            pieces.append((kind, m.group(0) if m else chars[i]))
        else:
            pieces.append((kind, chars[i:j]))
        j = i
    return pieces[::-1]


def _translate(text: str, dic: Dictionary, general: Callable[[str], bool] | None = None
               ) -> tuple[list[str], list[str], list[tuple[int, str]], dict[int, str]]:
    """(English renderings of the query's words, extra English alternatives, the general
    dictionary's words each with its place among the renderings, for `_fallback`; the
    project's words by their place among the renderings, for `_own_senses`). Latin
    words stay; an orphan Chinese character is skipped here (it still counts in the lexical
    ranking through its bigrams). `general`: whether the general dictionary has a word
    (None: the project's dictionary only)."""
    s = unicodedata.normalize("NFKC", text)
    compact = [(n, ch) for n, ch in enumerate(s) if not ch.isspace()]
    out: list[str] = []
    extra: list[str] = []
    words: list[tuple[int, str]] = []
    own: dict[int, str] = {}
    pieces = _segments(s, compact, dic, None)
    if general is not None and any(kind == "orphan" for kind, _ in pieces):
        # Only then: a query the project's words spell whole never reads the general
        # dictionary (its table costs ~0.25 s of CPU to load in a cold process).
        pieces = _segments(s, compact, dic, general)
    for kind, piece in pieces:
        if kind == "own":
            en = dic.entries[piece]
            if en[0]:
                own[len(out)] = piece
                out.append(en[0])
            extra.extend(en[1:])
        elif kind == "general":
            words.append((len(out), piece))
        elif kind == "latin":
            out.append(piece)
    return out, extra, words, own


MAX_SENSES = 3   # English renderings kept per general-dictionary word (`_fallback`)
SENSE_DECAY = 0.5  # prior of a dictionary's sense relative to the one before it


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


def _sense_weights(zh: str, vocab: Callable[[str], int]
                   ) -> list[tuple[str, tuple[str, ...], float]]:
    """The renderings of a general-dictionary word this landscape can use, best first, each
    with its share of the word's weight (they add up to 1: a word with many renderings still
    counts as one word), as (rendering, its tokens, weight). Usable: `_usable` (a rendering the index never
    uses cannot match and would only pull the embedding off). Its score is the dictionary's
    order as a prior (`SENSE_DECAY` per sense further down; software senses first) times how
    many items use it (the landscape's evidence of which sense it means: 算法 -> "algorithm"
    in 23 items, "arithmetic" in 1); the `MAX_SENSES` best are kept."""
    scored: dict[tuple[str, ...], tuple[float, str]] = {}
    for en, place in zh_fallback.candidates(zh):
        toks = _usable(en, vocab)
        if toks and toks not in scored:
            scored[toks] = (SENSE_DECAY ** place * (1 + min(vocab(t) for t in toks)), en)
    kept = sorted(scored.items(), key=lambda ts: -ts[1][0])[:MAX_SENSES]
    total = sum(score for _, (score, _) in kept)
    return [(en, toks, score / total) for toks, (score, en) in kept]


def _fallback(found_words: list[tuple[int, str]], vocab: Callable[[str], int] | None
              ) -> tuple[dict[int, list[str]], dict[str, float]]:
    """English for the query's words only the general dictionary (`landscape.zh_fallback`)
    spells (`_sense_weights`). Returns (per place in the query's English, each word's best
    rendering, for the embedding; lexical terms with their weights)."""
    words: dict[int, list[str]] = {}
    terms: dict[str, float] = {}
    for at, zh in found_words if vocab is not None else ():
        senses = _sense_weights(zh, vocab)
        if senses:
            words.setdefault(at, []).append(senses[0][0])
        for _, toks, weight in senses:
            for t in toks:  # one word weighs one, however many words render it
                terms[t] = max(terms.get(t, 0.0), weight / len(toks))
    return words, terms


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
    # Place in `slots` -> the general word's senses as (tokens, weight), as in `terms`; with
    # `own_senses`, a project's word's too (its own rendering weighs 1, the others their share).
    senses: dict[int, list[tuple[tuple[str, ...], float]]] = field(default_factory=dict)


def _own_senses(zh: str, own: str, vocab: Callable[[str], int]
                ) -> tuple[tuple[str, ...], list[tuple[tuple[str, ...], float]]]:
    """A project's word's rendering, then the general dictionary's usable senses of that
    word that read otherwise (代理: "agent", then "proxy", ...): candidates only; the
    project's rendering stays first (weight 1) and is today's reading. Returns (renderings,
    their (tokens, weight))."""
    mine = tuple(tokens(own))
    others = [(en, toks, w) for en, toks, w in _sense_weights(zh, vocab) if toks != mine]
    return ((own, *(en for en, _, _ in others)),
            [(mine, 1.0), *((toks, w) for _, toks, w in others)])


def translate_query(raw: str, dic: Dictionary, vocab: Callable[[str], int] | None,
                    own_senses: bool = False) -> Translation:
    """The query (with Chinese in it) in English (see module doc). `vocab`: a token's document
    frequency in the search index; without it only the project's dictionary. `own_senses`:
    the project's words get the general dictionary's senses as further alternatives in
    `slots` (it loads the general dictionary for every Chinese query)."""
    general = (lambda w: bool(_sense_weights(w, vocab))) if vocab is not None else None
    out, extra, found, own_words = _translate(raw, dic, general)
    _, terms = _fallback(found, vocab)
    # (place among the project's renderings, 0 = a general word inserted before it, order,
    # alternatives, senses): general words go before the rendering at their place, as in
    # `_fallback`'s English.
    placed: list[tuple[int, int, int, tuple[str, ...], list]] = []
    for n, en in enumerate(out):
        alts, weighted = ((en,), [])
        if own_senses and vocab is not None and n in own_words:
            alts, weighted = _own_senses(own_words[n], en, vocab)
        placed.append((n, 1, 0, alts, weighted if len(alts) > 1 else []))
    for order, (at, zh) in enumerate(found if vocab is not None else ()):
        at_senses = _sense_weights(zh, vocab)
        if at_senses:
            placed.append((at, 0, order, tuple(en for en, _, _ in at_senses),
                           [(toks, w) for _, toks, w in at_senses]))
    placed.sort(key=lambda p: p[:3])
    slots = [p[3] for p in placed]
    senses = {n: p[4] for n, p in enumerate(placed) if p[4]}
    return Translation(" ".join(alts[0] for alts in slots), " ".join(out), extra, terms,
                       slots, senses)


__all__ = ["Translation", "translate", "translate_query"]
