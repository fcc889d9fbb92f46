"""What a search query says, in the words each ranking needs — for English, Chinese and mixed
queries alike.

The item texts are (almost all) English and the embedding model (all-MiniLM-L6-v2) reads only
English, while the report's readers search in Chinese. A Chinese or mixed query is therefore
translated into English words (`landscape.query_zh`): segmented over the project's own
dictionary (`landscape.query_dictionary`: the glossary, the taxonomy's category names,
config/search_terms.toml, the corpus's term base config/search_termbase.toml) and a general one (`landscape.zh_fallback`: CC-CEDICT and an
inverted English word list, package data) for the words the project's cannot spell; a general
word's senses weighed by the dictionary's order times 1 + the square root of how many indexed
items use them. Latin words in the query
("WebAssembly 运行时", "OpenAI 接口客户端") are kept as they are. Measured on the dev
judgments: a Chinese query embedded as typed lands on noise (nDCG@10 ~0.1); translated, it
ranks like its English counterpart.

Then:
- `embed_text`: the English text the embedding ranking encodes; near-universal words of the
  landscape ("rust", "library", "rs") are left out when anything else remains — every item
  is a Rust item, so "vector database in Rust" otherwise drifts towards whatever is most
  "Rust"-like.
- `terms`: the lexical query (tokens of the query as typed — Chinese as character bigrams — and
  of its English translation), each with its weight (universal words weigh less), and the
  acronym the query's phrase spells when the items use it (`landscape.query_morph`: 对象关系映射
  and "object relational mapping" -> "orm"; a glossary form the query names keeps its weight),
  and the short form of a long form the corpus defines (`landscape.abbreviations`: "processing
  in memory" -> "pim"); the embedding's text also holds the long form of a short form the query
  types ("RAG" + "Retrieval-Augmented Generation").
- `key`: the whole query as a name (`lexical.name_key`), for exact / prefix name matches.
- `categories`: taxonomy categories whose name the query states (e.g. "向量数据库",
  "vector databases"), with how much of the name it covers.
- `wants`: the item kinds the query asks for. The landscape is mostly software (crates,
  repositories); papers and posts are a minority of its items but their long, wordy abstracts
  match many words of a query about software ("serve large language models locally" ->
  "... Large Language Model Inference Serving"). A query asks for papers only when it says so
  ("papers on ...", "research on ...", "... 论文"), for posts likewise ("blog post",
  "newsletter", "博客"); otherwise it asks for software — and `landscape.search_rank.
  wanted_kinds` may add papers or posts to that, never remove software, when the items
  nearest the query by meaning say it is a research topic ("adversarial robustness of CLIP")
  and the query names no kind of software (`names_software`: "framework", "parser", "客户端").
  `landscape.search_rank` weighs the kinds a query does not ask for down (`KIND_PRIOR`), it does
  not remove them.

Public API:
    analyse(query) -> QueryText
    Dictionary.load() -> Dictionary   # cached per process (config files' mtimes)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from landscape import (
    abbreviations,
    query_concepts,
    query_morph,
    query_nested,
    query_senses,
    query_synsets,
)
from landscape.abbreviations import Abbreviations
from landscape.lexical import (
    NAME_MARK,
    UNIVERSAL,
    UNIVERSAL_WEIGHT,
    BM25Index,
    SynonymSet,
    is_cjk,
    name_key,
    tokens,
)
from landscape.query_concepts import Concept
from landscape.query_dictionary import Dictionary
from landscape.query_segment import translate
from landscape.query_zh import Translation, translate_query

CATEGORY_COVER = 0.6
   # a category counts as named when the query covers this much of its name


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
    # Some word came only from the general dictionary (`landscape.zh_fallback`): its English is
    # a dictionary's, not necessarily the word the items use (`landscape.query_feedback`).
    general: bool = False
    # Synonym sets of the lexical query (`landscape.query_synsets`): a Chinese word's
    # renderings scored as one term; their members are not in `terms`.
    sets: list[SynonymSet] = field(default_factory=list)
    # Texts whose mean vector the embedding ranking reads instead of `embed_text`'s
    # (`query_synsets.dense_readings`; empty: `embed_text` alone).
    readings: list[str] = field(default_factory=list)
    # Acronyms the query's phrase spells that it does not type ("entity component system" ->
    # "ecs"; `landscape.query_morph`), so a hit's "why" can name the one it matched.
    acronyms: list[str] = field(default_factory=list)
    # The query names a kind of software ("framework", "parser", "客户端": `SOFTWARE_WORDS`):
    # its meaning neighbours may not add papers or posts (`search_rank.wanted_kinds`).
    names_software: bool = False
    # The query's concepts: which terms are forms of one thing it asks for ("rag" and
    # "retrieval augmented generation"; 数据库's bigrams and "database"): `query_concepts`.
    concepts: list[Concept] = field(default_factory=list)

    def words(self) -> set[str]:
        """Every token the lexical query holds, the sets' members included."""
        return set(self.terms) | {t for members, _ in self.sets for t in members}


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
# Nouns that name a kind of software artifact: a query holding one asks for software even in
# an area where papers abound ("retrieval augmented generation framework"). A word counts when
# all its tokens are in the query's or its English's tokens. Words that are as much a research
# subject as a product ("agent", "model", "system") are not here, nor Chinese words with a
# common second sense (扩展 "scalable", 驱动 "driven", 运行 "run").
SOFTWARE_WORDS = tuple(frozenset(tokens(w)) for w in (
    "library crate package framework toolkit tool sdk api client server cli app plugin "
    "extension driver runtime engine compiler interpreter parser editor ide database manager "
    "launcher generator daemon utility binding wrapper "
    "框架 工具 引擎 客户端 服务器 编辑器 插件 编译器 解释器 数据库 管理器 生成器 启动器 命令行 "
    "绑定").split())


# Words of a release announcement ("Rust 新版本发布"): a query holding one and naming no kind
# and no kind of software wants posts — with software (`RELEASE_CUE` "add") or instead of it
# ("only"); None: off. `RELEASE_LANGS`: the query languages the cue is read in. Chinese words
# are matched in the query as typed (新版本's bigram 版本 alone is no cue), English by token.
RELEASE_ZH = ("发布", "新版本")
RELEASE_EN = frozenset(tokens("release releases released"))
# Chosen by leave-one-query-out on the development files (bench/experiment_release_cue.py):
# "only", in Chinese queries (English ones: no judged query moves either way).
RELEASE_CUE: str | None = "only"
RELEASE_LANGS: tuple[str, ...] = ("zh",)


def release_kinds(raw: str, lang: str, wants: tuple[str, ...], software: bool
                  ) -> tuple[str, ...]:
    """`wants` with posts added (or put instead) when the query is about a release (above)."""
    if RELEASE_CUE is None or wants != SOFTWARE or software or lang not in RELEASE_LANGS:
        return wants
    if not (any(w in raw for w in RELEASE_ZH) if lang == "zh"
            else RELEASE_EN & set(tokens(raw))):
        return wants
    return ("post",) if RELEASE_CUE == "only" else (*SOFTWARE, "post")


def wanted_kinds(raw_terms: set[str]) -> tuple[str, ...]:
    """The item kinds a query's words ask for (see module doc): papers, posts, or software
    (`landscape.search_rank.wanted_kinds` may add papers or posts to software when the words
    name no kind and the query's meaning neighbours are papers or posts)."""
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


def _acronyms(raw: str, zh: bool, tr: Translation, vocab: Callable[[str], int] | None,
              lexicon: BM25Index | None, near: Callable[[str, int], np.ndarray] | None,
              spelled: dict[str, frozenset[str]]) -> dict[str, float]:
    """Acronyms the query's phrase spells that the items may say instead (`query_morph`),
    each with its weight in the lexical query: a translation's, or an English query's own.
    `spelled` receives each one's long form's tokens."""
    if zh:
        spelled.update(tr.spelled)
        return {t: query_morph.ACRONYMS * c for t, c in tr.acronyms.items()}
    if vocab is None:
        return {}
    found = query_morph.english_acronyms(raw, vocab, lambda a: vocab(NAME_MARK + a) > 0,
                                         len(lexicon) if lexicon is not None else 0,
                                         query_morph.Corpus(lexicon.postings, near)
                                         if lexicon is not None else None, spelled)
    return {t: query_morph.ACRONYMS_EN * c for t, c in found.items()}


def _nested(mined: abbreviations.Expansion, terms: dict[str, float],
            vocab: Callable[[str], int] | None, lexicon: BM25Index | None,
            near: Callable[[str, int], np.ndarray] | None) -> dict[str, str]:
    """The acronyms nested in the query's mined long forms (`landscape.query_nested`: GUI's
    "user interface" -> "ui"), added to `terms` at `query_nested.WEIGHT` x their parent's."""
    if vocab is None:
        return {}
    inner = query_nested.nested(mined.shorts | mined.longs, set(terms), vocab,
                                lambda a: vocab(NAME_MARK + a) > 0,
                                lexicon.postings if lexicon is not None else None, near)
    for short, parent in inner.items():
        terms[short] = query_nested.WEIGHT * terms.get(parent, 1.0)
    return inner


def _glossary_forms(terms: dict[str, float], dic: Dictionary, guessed: set[str]) -> None:
    """One concept, whichever form a document uses: each form of a glossary term the query
    names weighs 1 in all, split over its words ("large language model" 1/3 each, "llm" 1).
    An acronym the query only spells (`guessed`) weighs its form's full share when the query
    names the concept otherwise too ("retrieval augmented generation" -> "rag": the glossary
    confirms it), and no more than its own weight when it alone names it."""
    for forms in dic.synonyms:
        if not any(f <= terms.keys() for f in forms):
            continue
        confirmed = any(f <= terms.keys() - guessed for f in forms)
        for f in forms:
            for t in f:
                share = 1.0 / len(f)
                terms[t] = (share if confirmed and t in guessed
                            else min(terms.get(t, 1.0), share))


def _concepts(raw: str, tr: Translation | None, spelled: dict[str, frozenset[str]],
              mined: abbreviations.Expansion, dic: Dictionary, words: set[str]
              ) -> list[Concept]:
    """The query's concepts (`landscape.query_concepts`): an English query's typed words or a
    translation's places, then one concept of an acronym and the words spelling it, of a mined
    abbreviation's short and long form, of a glossary term's forms the query holds; cut to the
    lexical query's tokens `words`."""
    found = list(tr.concepts) if tr is not None else query_concepts.of_words(raw)
    for acr, long in spelled.items():
        found = query_concepts.merged(found, sorted(long), [(acr,)])
    for short, pair in (mined.shorts | mined.longs).items():
        found = query_concepts.merged(found, pair.long, [(short,)])
    for forms in dic.synonyms:
        if any(f <= words for f in forms):
            found = query_concepts.merged(found, (), [tuple(sorted(f)) for f in forms])
    return query_concepts.restricted(found, words)


def _with_longs(text: str, mined: abbreviations.Expansion) -> str:
    """The embedding's text with the long forms of the short forms the query holds, as the
    items wrote them, when `abbreviations.MINED_DENSE` ("RAG" -> "RAG retrieval-augmented
    generation")."""
    return " ".join([text, *mined.dense()])


def names_software(words: set[str]) -> bool:
    """Whether the tokens `words` hold one of `SOFTWARE_WORDS`."""
    return any(w <= words for w in SOFTWARE_WORDS)


def analyse(query: str, dic: Dictionary | None = None,
            vocab: Callable[[str], int] | None = None,
            evidence: Callable[[list[str]], np.ndarray] | None = None,
            lexicon: BM25Index | None = None,
            near: Callable[[str, int], np.ndarray] | None = None,
            abbrev: Abbreviations | None = None) -> QueryText:
    """The query in the forms the rankings use (see module doc). `vocab`: a token's document
    frequency in the search index; without it the general dictionary is not consulted.
    `evidence`: the cosines of texts' nearest indexed items (`landscape.query_senses`: a
    Chinese query's reading is chosen by them); without it the dictionaries' best reading.
    `lexicon`: the index's BM25 index (`landscape.query_cooc` chooses a Chinese word's
    renderings by their co-occurrence in its documents). `near(text, k)`: the labels of the k
    items nearest a text by meaning (an acronym of the query's phrase must have an item there:
    `query_morph.EVIDENCE`)."""
    dic = dic or Dictionary.load()
    raw = " ".join(query.split())
    zh = any(is_cjk(ch) for ch in raw)
    ask = evidence is not None and query_senses.MAX_READINGS > 1
    own = (ask and query_senses.OWN_SENSES) or query_synsets.wants_own_senses()
    tr = (translate_query(raw, dic, vocab, own_senses=own, lexicon=lexicon, near=near) if zh
          else Translation(raw, raw, []))
    english = tr.english
    terms: dict[str, float] = dict(tr.terms)  # the project's own words overwrite them
    chosen = (query_senses.choose(tr.slots, evidence, _without_universal)
              if ask and evidence is not None else None)
    if chosen is not None:
        english = chosen.english
        terms.update({t: max(w, terms.get(t, 0.0)) for t, w in chosen.terms.items()})
    for t in tokens(raw) + tokens(tr.own) + tokens(" ".join(tr.extra)):
        terms[t] = 1.0
    spelled: dict[str, frozenset[str]] = {}
    guessed = _acronyms(raw, zh, tr, vocab, lexicon, near, spelled)
    mined = abbreviations.expand([raw, english] if zh else [raw], abbrev or Abbreviations())
    if abbrev is not None:
        guessed = abbreviations.kept_guesses(guessed, set(terms), mined, abbrev)
    for t, w in guessed.items():
        terms[t] = max(terms.get(t, 0.0), w)
    for t, w in mined.terms.items():
        terms[t] = max(terms.get(t, 0.0), w)
    inner = _nested(mined, terms, vocab, lexicon, near)
    added = set(guessed) | set(mined.terms) | set(inner)
    for t in terms:
        if t in UNIVERSAL:
            terms[t] = UNIVERSAL_WEIGHT
    _glossary_forms(terms, dic, added - set(tokens(raw)) - set(tokens(tr.own)))
    embed_text = _with_longs(_without_universal(english), mined)
    lexical, sets = query_synsets.synonym_sets(tr.senses, terms, tr.scale)
    concepts = _concepts(raw, tr if zh else None, {a: w for a, w in spelled.items()
                                                   if a in guessed}, mined, dic,
                         set(lexical) | {t for members, _ in sets for t in members})
    concepts = query_nested.joined(concepts, {a: p for a, p in inner.items() if a in lexical})
    software = names_software(set(tokens(raw)) | set(tokens(english)))
    return QueryText(raw=raw, lang="zh" if zh else "en", english=english,
                     embed_text=embed_text or raw, terms=lexical, key=name_key(raw),
                     categories=_categories(terms, set(tokens(english)) - UNIVERSAL, dic),
                     wants=release_kinds(raw, "zh" if zh else "en",
                                         wanted_kinds(set(tokens(raw))), software),
                     general=bool(tr.terms),
                     sets=sets, readings=[_with_longs(_without_universal(t), mined) for t in
                                          query_synsets.dense_readings(tr.slots)],
                     acronyms=sorted((set(guessed) | set(mined.shorts) | set(inner))
                                     - set(tokens(raw))),
                     names_software=software,
                     concepts=concepts)


__all__ = ["CATEGORY_COVER", "PAPER_WORDS", "POST_WORDS", "SOFTWARE", "SOFTWARE_WORDS",
           "Dictionary", "QueryText", "analyse", "names_software", "translate", "wanted_kinds"]
