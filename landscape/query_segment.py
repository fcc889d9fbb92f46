"""The segmentation of a Chinese or mixed query into words of the project's dictionary
(`landscape.query_dictionary`) and the general one (`landscape.zh_fallback`), and the English
its pieces give: the first step of `landscape.query_zh.translate_query` (which weighs the
general words' senses, reads orphan characters and builds the lexical query from the pieces
this module returns). Split from query_zh.py, which had grown past 400 lines.

- `_segments`: the cheapest cover of the query by words of either dictionary — fewest words,
  the project's words before general ones, a character no word covers worst — where a general
  word may only stand where the project's words cannot spell it (向量 + 数据库, not a general
  向量数据库). A query the project's words spell whole is not re-segmented: it never loads the
  general dictionary.

Public API:
    translate(text, dic) -> (English, extra renderings)   # the project's dictionary only
    translate_pieces(text, dic, general) -> (renderings, extras, general words, own words,
                                             orphans)       # for query_zh.translate_query
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from landscape import query_morph, zh_fallback
from landscape.lexical import is_cjk
from landscape.query_dictionary import Dictionary

_LATIN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+#_\-/]*")


def translate(text: str, dic: Dictionary) -> tuple[str, list[str]]:
    """(English rendering of the query, extra English alternatives): `translate_pieces` without the
    general dictionary."""
    out, extra, _, _, _ = translate_pieces(text, dic)
    return " ".join(out), extra


# Costs of the query's segmentation (`_segments`): the fewest words, the project's own words
# before the general dictionary's, and a character no word covers worst of all, so that
# "硬件加速器" reads 硬件 + 加速器 (hardware accelerator) rather than 硬件加速 + an orphan 器.
# A one-character morpheme (`query_morph`) costs between a word and an orphan: 包 + 管理器
# (package manager) rather than an orphan 包, but never two morphemes for a word.
OWN_COST, GENERAL_COST, MORPHEME_COST, ORPHAN_COST = 1.0, 1.1, 1.5, 2.0


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


def _general_cost(word: str) -> float:
    """A general word's cost in `_segments`: a listed word's, a morpheme's, or for a compound
    `query_morph` derives (生成器) a word's plus a morpheme's — it is two pieces, so two listed
    words (硬件 + 加速器) still read before a derived one (硬件加速 + 器)."""
    if len(word) == 1:
        return MORPHEME_COST
    listed = len(word) >= zh_fallback.MIN_LEN and bool(zh_fallback.candidates(word))
    return GENERAL_COST if listed else GENERAL_COST + MORPHEME_COST


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
                shortest = 1 if query_morph.MORPHOLOGY else 2
                edges += [(j, _general_cost(chars[i:j]), "general")
                          for j in range(i + shortest, min(n, i + longest) + 1)
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


def translate_pieces(text: str, dic: Dictionary, general: Callable[[str], bool] | None = None
               ) -> tuple[list[str], list[str], list[tuple[int, str]], dict[int, str],
                          list[tuple[int, int, str]]]:
    """(English renderings of the query's words, extra English alternatives, the general
    dictionary's words each with its place among the renderings, for `_places`; the
    project's words by their place among the renderings, for `_own_senses`; the orphan
    characters — no word of either dictionary reads them — each with its place and the
    general words before it, for `_places`, only when `general` is given). Latin words
    stay. `general`: whether the general dictionary has a word (None: the project's
    dictionary only)."""
    s = unicodedata.normalize("NFKC", text)
    compact = [(n, ch) for n, ch in enumerate(s) if not ch.isspace()]
    out: list[str] = []
    extra: list[str] = []
    words: list[tuple[int, str]] = []
    own: dict[int, str] = {}
    orphans: list[tuple[int, int, str]] = []
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
        elif general is not None:  # an orphan
            orphans.append((len(out), len(words), piece))
    return out, extra, words, own, orphans

__all__ = ["translate", "translate_pieces"]
