"""What a search query says, in the words each ranking needs — for English, Chinese and mixed
queries alike.

The item texts are (almost all) English and the embedding model (all-MiniLM-L6-v2) reads only
English, while the report's readers search in Chinese. A Chinese or mixed query is therefore
translated into English words by longest match over a bilingual dictionary built from data the
project keeps anyway — the glossary (config/glossary.toml), the taxonomy's category names
(config/taxonomy.toml) — and a curated list of everyday domain words (config/search_terms.toml).
Latin words in the query ("WebAssembly 运行时", "OpenAI 接口客户端") are kept as they are.
Measured on the dev judgments: a Chinese query embedded as typed lands on noise (nDCG@10 ~0.1);
translated, it ranks like its English counterpart.

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


def _translate(text: str, dic: Dictionary) -> tuple[list[str], list[str], list[tuple[int, str]]]:
    """(English renderings of the query's words, extra English alternatives, uncovered Chinese
    spans each with its place among the renderings). Longest dictionary match from left to
    right; Latin words stay; a Chinese character no entry covers is skipped here (it still
    counts in the lexical ranking through its bigrams) and its run is returned for the
    general dictionary (`_fallback`)."""
    s = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    extra: list[str] = []
    spans: list[tuple[int, str]] = []
    pending = ""
    i = 0
    compact = [(n, ch) for n, ch in enumerate(s) if not ch.isspace()]
    chars = "".join(ch for _, ch in compact).lower()
    while i < len(chars):
        hit = None
        for n in range(min(dic.longest, len(chars) - i), 0, -1):
            if chars[i:i + n] in dic.entries:
                hit = chars[i:i + n]
                break
        if hit is None and is_cjk(chars[i]):
            pending += chars[i]
            i += 1
            continue
        if pending:
            spans.append((len(out), pending))
            pending = ""
        if hit is not None:
            en = dic.entries[hit]
            if en[0]:
                out.append(en[0])
            extra.extend(en[1:])
            i += len(hit)
        else:
            m = _LATIN.match(s, compact[i][0])
            word = m.group(0) if m else chars[i]
            out.append(word)
            i += len("".join(word.split()))
    if pending:
        spans.append((len(out), pending))
    return out, extra, spans


MAX_SENSES = 3   # English renderings kept per fallback word (`_fallback`)


def _fallback(spans: list[tuple[int, str]], vocab: Callable[[str], int] | None
              ) -> tuple[dict[int, list[str]], dict[str, float]]:
    """English for the Chinese spans the project's dictionary left uncovered, from the general
    dictionary (`landscape.zh_fallback`): per word, the renderings whose every token the search
    index holds, the `MAX_SENSES` closest (the word is an earlier sense of theirs: 助手 ->
    "assistant" before "friend") and, among equally close ones, most frequent in the index
    (rare renderings are mostly archaic or off-domain), each weighing 1 / how many were kept,
    so a word with many renderings still counts as one word. Returns (per place in the query's
    English, each word's first rendering kept, for the embedding; lexical terms with their
    weights)."""
    words: dict[int, list[str]] = {}
    terms: dict[str, float] = {}
    for at, span in spans if vocab is not None else ():
        for zh in zh_fallback.segment(span):
            found: dict[tuple[str, ...], tuple[int, str]] = {}  # tokens -> (place, rendering)
            for en, place in zh_fallback.candidates(zh):
                toks = tuple(tokens(en))
                if toks and toks not in found and all(vocab(t) > 0 for t in toks):
                    found[toks] = (place, en)
            kept = sorted(found, key=lambda k: (found[k][0], -min(vocab(t) for t in k))
                          )[:MAX_SENSES]
            if kept:  # the embedding reads the most frequent one
                words.setdefault(at, []).append(found[kept[0]][1])
            for toks in kept:
                for t in toks:
                    terms[t] = max(terms.get(t, 0.0), 1.0 / len(kept))
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
    out, extra, spans = _translate(raw, dic) if zh else ([raw], [], [])
    fb_words, fb_terms = _fallback(spans, vocab)
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
