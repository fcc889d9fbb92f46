"""What a search query says, in the words each ranking needs — for English, Chinese and mixed
queries alike.

The item texts are (almost all) English and the embedding model (all-MiniLM-L6-v2) reads only
English, while the report's readers search in Chinese. A Chinese or mixed query is therefore
translated into English words. It is segmented (`_segments`) over two dictionaries: the
project's own, built from data the project keeps anyway — the glossary (config/glossary.toml),
the taxonomy's category names (config/taxonomy.toml) — and a curated list of everyday domain
words (config/search_terms.toml); and a general one (`landscape.zh_fallback`: CC-CEDICT and an
inverted English word list) for the words the project's cannot spell. The cheapest
segmentation wins: fewest words, the project's words before general ones, a character no word
covers worst. A general word's senses are weighed by the dictionary's order times how many
items of the index use them (`_sense_weights`); its best sense goes into the English the
embedding reads, the kept ones into the lexical query. Latin words in the query
("WebAssembly 运行时", "OpenAI 接口客户端") are kept as they are. Measured on the dev
judgments: a Chinese query embedded as typed lands on noise (nDCG@10 ~0.1); translated, it
ranks like its English counterpart. Nothing downloads: both dictionaries are package data.

Then:
- `embed_text`: the English text the embedding ranking encodes; near-universal words of the
  landscape ("rust", "crate", "library") are left out when anything else remains — every item
  is a Rust item, so "vector database in Rust" otherwise drifts towards whatever is most
  "Rust"-like.
- `terms`: the lexical query (tokens of the query as typed — Chinese as character bigrams — and
  of its English translation), each with its weight (universal words weigh less).
- `key`: the whole query as a name (`lexical.name_key`), for exact / prefix name matches.
- `categories`: taxonomy categories whose name the query states (e.g. "向量数据库",
  "vector databases"), with how much of the name it covers.
- `wants`: the item kinds the query asks for. The landscape is mostly software (crates,
  repositories); papers and posts are a minority of its items but their long, wordy abstracts
  match many words of a query about software ("serve large language models locally" ->
  "... Large Language Model Inference Serving"). A query asks for papers only when it says so
  ("papers on ...", "research on ...", "... 论文"), for posts likewise ("blog post",
  "newsletter", "博客"); otherwise it asks for software. `landscape.search_rank` weighs the
  kinds it does not ask for down (`KIND_PRIOR`), it does not remove them.

Public API:
    analyse(query) -> QueryText
    Dictionary.load() -> Dictionary   # cached per process (config files' mtimes)
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from landscape import zh_fallback
from landscape.glossary import GLOSSARY_PATH, load_glossary
from landscape.lexical import UNIVERSAL, UNIVERSAL_WEIGHT, is_cjk, name_key, tokens
from landscape.taxonomy import TAXONOMY_PATH, load_taxonomy
from warehouse.db import PROJECT_ROOT

TERMS_PATH = PROJECT_ROOT / "config" / "search_terms.toml"
CATEGORY_COVER = 0.6
   # a category counts as named when the query covers this much of its name
_LATIN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+#_\-/]*")


def _key(zh: str) -> str:
    return "".join(unicodedata.normalize("NFKC", zh).lower().split())


@dataclass(frozen=True)
class Dictionary:
    """Chinese phrase (lower case, no spaces) -> English renderings (first = primary)."""
    entries: dict[str, tuple[str, ...]]
    longest: int
    # id, terms of the zh name, of the en name, of the en name + description
    categories: tuple[tuple[str, frozenset[str], frozenset[str], frozenset[str]], ...]
    synonyms: tuple[tuple[frozenset[str], ...], ...]  # glossary: the forms of one term

    @classmethod
    def load(cls) -> Dictionary:
        paths = (GLOSSARY_PATH, TAXONOMY_PATH, TERMS_PATH)
        return _dictionary(tuple((p, p.stat().st_mtime if p.exists() else 0.0) for p in paths))


def _toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}


@lru_cache(maxsize=2)
def _dictionary(stamped: tuple[tuple[Path, float], ...]) -> Dictionary:
    glossary, _taxonomy, terms = (p for p, _ in stamped)
    entries: dict[str, tuple[str, ...]] = {}

    def add(zh: str, en: list[str]) -> None:
        k = _key(zh)
        if k and any(is_cjk(ch) for ch in k) and k not in entries:
            entries[k] = tuple(e for e in en if e) or ("",)

    # Curated words first: they say which rendering a query means ("服务" -> "serving");
    # the glossary and the category names then add every phrase they name.
    for zh, en in (_toml(terms).get("terms") or {}).items():
        add(zh, [en] if isinstance(en, str) else list(en))
    synonyms = []
    for t in load_glossary(glossary):
        en = t.en_forms
        for zh in t.zh_names:
            add(zh, en)
        # "large language model (LLM)": either form in a query brings the other.
        forms = tuple(frozenset(tokens(form)) - UNIVERSAL for form in en)
        if len(forms) > 1 and all(forms):
            synonyms.append(forms)
    cats = []
    for c in load_taxonomy().categories:
        add(c.name_zh, [c.name_en])
        cats.append((c.id, frozenset(tokens(c.name_zh)), frozenset(
            t for t in tokens(c.name_en) if t not in UNIVERSAL), frozenset(tokens(" ".join(
                (c.name_en, c.description_en))))))
    return Dictionary(entries, max((len(k) for k in entries), default=1), tuple(cats),
                      tuple(synonyms))


@dataclass
class QueryText:
    raw: str
    lang: str                       # 'zh' when it has any Chinese character, else 'en'
    english: str                    # the query in English (as typed when it is English)
    embed_text: str
    terms: dict[str, float] = field(default_factory=dict)
    key: str = ""
    categories: dict[str, float] = field(default_factory=dict)
    wants: tuple[str, ...] = ("crate", "repo")


def translate(text: str, dic: Dictionary) -> tuple[str, list[str]]:
    """(English rendering of the query, extra English alternatives): `_translate` without the
    general dictionary."""
    out, extra, _ = _translate(text, dic)
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
                edges += [(j, GENERAL_COST, "general") for j in range(i + 2, n + 1)
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
               ) -> tuple[list[str], list[str], list[tuple[int, str]]]:
    """(English renderings of the query's words, extra English alternatives, the general
    dictionary's words each with its place among the renderings, for `_fallback`). Latin
    words stay; an orphan Chinese character is skipped here (it still counts in the lexical
    ranking through its bigrams). `general`: whether the general dictionary has a word
    (None: the project's dictionary only)."""
    s = unicodedata.normalize("NFKC", text)
    compact = [(n, ch) for n, ch in enumerate(s) if not ch.isspace()]
    out: list[str] = []
    extra: list[str] = []
    words: list[tuple[int, str]] = []
    for kind, piece in _segments(s, compact, dic, general):
        if kind == "own":
            en = dic.entries[piece]
            if en[0]:
                out.append(en[0])
            extra.extend(en[1:])
        elif kind == "general":
            words.append((len(out), piece))
        elif kind == "latin":
            out.append(piece)
    return out, extra, words


MAX_SENSES = 3   # English renderings kept per general-dictionary word (`_fallback`)
SENSE_DECAY = 0.5  # prior of a dictionary's sense relative to the one before it


def _sense_weights(zh: str, vocab: Callable[[str], int]) -> list[tuple[str, float]]:
    """The renderings of a general-dictionary word this landscape can use, best first, each
    with its share of the word's weight (they add up to 1: a word with many renderings still
    counts as one word). A rendering is usable when the search index holds every token of it
    (one it never uses cannot match and would only pull the embedding off). Its score is the
    dictionary's order as a prior (`SENSE_DECAY` per sense further down; technical senses
    first) times how many items use it (the landscape's evidence of which sense it means:
    算法 -> "algorithm" in 23 items, "arithmetic" in 1); the `MAX_SENSES` best are kept."""
    scored: dict[tuple[str, ...], tuple[float, str]] = {}
    for en, place in zh_fallback.candidates(zh):
        toks = tuple(tokens(en))
        if not toks or toks in scored or not all(vocab(t) > 0 for t in toks):
            continue
        scored[toks] = (SENSE_DECAY ** place * (1 + min(vocab(t) for t in toks)), en)
    kept = sorted(scored.values(), key=lambda se: -se[0])[:MAX_SENSES]
    total = sum(score for score, _ in kept)
    return [(en, score / total) for score, en in kept]


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
        for en, weight in senses:
            toks = tokens(en)
            for t in toks:  # one word weighs one, however many words render it
                terms[t] = max(terms.get(t, 0.0), weight / len(toks))
    return words, terms


def _categories(terms: dict[str, float], words: set[str], dic: Dictionary) -> dict[str, float]:
    """Categories the query names (it covers `CATEGORY_COVER` of the category's name), or
    describes (the category's description holds every content word of the query's English:
    "observability", "approximate nearest neighbour search"; half as strong)."""
    found = {}
    for cid, zh, en, text in dic.categories:
        cover = max((len(zh & terms.keys()) / len(zh)) if zh else 0.0,
                    (len(en & terms.keys()) / len(en)) if en else 0.0)
        if cover >= CATEGORY_COVER:
            found[cid] = round(cover, 3)
        elif words and words <= text:
            found[cid] = 0.5
    return found


# Words that say which kind of item a query wants (tokens, i.e. stemmed: "papers" -> "paper").
PAPER_WORDS = frozenset(tokens("paper research study survey arxiv preprint publication "
                               "论文 研究 综述 学术"))
POST_WORDS = frozenset(tokens("blog article newsletter announcement 博客 文章 周报 公告"))
SOFTWARE = ("crate", "repo")


def wanted_kinds(raw_terms: set[str]) -> tuple[str, ...]:
    """The item kinds a query asks for (see module doc): papers, posts, or software."""
    wants = tuple(k for k, words in (("paper", PAPER_WORDS), ("post", POST_WORDS))
                  if words & raw_terms)
    return wants or SOFTWARE


_LINK = frozenset({"in", "for", "with", "using", "written", "of", "a", "an", "the", "and"})


def _without_universal(text: str) -> str:
    """The text without near-universal words and the word linking them ("vector database in
    Rust" -> "vector database"); the text itself when nothing else would remain."""
    kept: list[str] = []
    for w in text.split():
        toks = tokens(w)
        if toks and set(toks) <= UNIVERSAL:
            while kept and kept[-1].lower() in _LINK:
                kept.pop()
            continue
        kept.append(w)
    while kept and kept[-1].lower() in _LINK:
        kept.pop()
    return " ".join(kept) if any(tokens(w) for w in kept) else text


def analyse(query: str, dic: Dictionary | None = None,
            vocab: Callable[[str], int] | None = None) -> QueryText:
    """The query in the forms the rankings use (see module doc). `vocab`: a token's document
    frequency in the search index; without it the general dictionary is not consulted."""
    dic = dic or Dictionary.load()
    raw = " ".join(query.split())
    zh = any(is_cjk(ch) for ch in raw)
    # A general word counts only when it has a rendering the index holds: 遗传算法 -> "ga"
    # alone would hide 遗传 + 算法 (genetic, algorithm).
    general = (lambda w: bool(_sense_weights(w, vocab))) if vocab is not None else None
    out, extra, found = _translate(raw, dic, general) if zh else ([raw], [], [])
    fb_words, fb_terms = _fallback(found, vocab)
    own = " ".join(out)  # the project's own dictionary's English
    for at in sorted(fb_words, reverse=True):
        out[at:at] = fb_words[at]
    english = " ".join(out)
    terms: dict[str, float] = dict(fb_terms)  # the project's own words overwrite them
    for t in tokens(raw) + tokens(own) + tokens(" ".join(extra)):
        terms[t] = 1.0
    for t in terms:
        if t in UNIVERSAL:
            terms[t] = UNIVERSAL_WEIGHT
    # One concept, whichever form a document uses: each form of a glossary term the query
    # names weighs 1 in all, split over its words ("large language model" 1/3 each, "llm" 1).
    for forms in dic.synonyms:
        if any(f <= terms.keys() for f in forms):
            for f in forms:
                for t in f:
                    terms[t] = min(terms.get(t, 1.0), 1.0 / len(f))
    embed_text = _without_universal(english)
    return QueryText(raw=raw, lang="zh" if zh else "en", english=english,
                     embed_text=embed_text or raw, terms=terms, key=name_key(raw),
                     categories=_categories(terms, set(tokens(english)) - UNIVERSAL, dic),
                     wants=wanted_kinds(set(tokens(raw))))


__all__ = ["CATEGORY_COVER", "PAPER_WORDS", "POST_WORDS", "SOFTWARE", "Dictionary", "QueryText",
           "analyse", "translate", "wanted_kinds"]
