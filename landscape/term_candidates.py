"""The English technical terms of the indexed corpus, and which of them no Chinese entry of the
project's dictionary renders yet — what the term base (config/search_termbase.toml) grows from.

A Chinese query is translated by the project's own dictionary first (`landscape.query_dictionary`)
and CC-CEDICT after it (`landscape.zh_fallback`); the misses are vocabulary: terms the items use
that neither has (卷积 "convolution", 点云 "point cloud"), or where CC-CEDICT's senses are not the
items' words (审查 "examine", so 代码审查 never reaches "code review"). The candidates come from
the corpus, by the rule below, never from a query; an engineer writes their Chinese.

The rule (fixed before any search score was looked at; `RULE` is its version):
- Documents: one per item of `items`, read-only. Its terms are
  (a) its keywords (crates.io keywords, GitHub topics; not a paper's arXiv category codes) and
      crates.io categories ("science::ml" -> "science", "ml"), hyphens and underscores as
      spaces — at any document frequency;
  (b) the 1-3-word phrases of its text — a paper's or post's title, a crate's or repository's
      description (not an abstract: the brief's "titles and descriptions") — at a document
      frequency of at least `MIN_DF`; (rule 2) a single word at any document frequency, as a
      keyword: on a small corpus the long tail of one-word terms is used once ("fuzzing",
      "anonymizer", "debugger" in one description each), and a phrase needs two documents
      only because the chance word pairs of one text are no vocabulary. A phrase never crosses punctuation; hyphens split words
      ("zero-knowledge proof" = zero knowledge proof), a contraction is no word; it neither starts nor ends with a
      `STOP_WORDS` word and holds one inside only if it is "of" or "to" ("mixture of experts",
      "text to speech"). Texts identical once digits are blanked ("This Week in Rust 612",
      "... 613") count as one document: boilerplate is no vocabulary;
  (c) (rule 2) the long forms of the abbreviations its title or text defines — a paper's
      abstract too — ("Mixture of Experts (MoE)", `landscape.abbreviations.definitions`,
      Schwartz & Hearst) at any document frequency and any length: a text that defines an
      abbreviation says the phrase is a term, and a term of a single paper is still the
      field's word (rule 1 never saw "mixture of experts": one title, and abstracts unread).
- Left out: a phrase with a version string or a bare number ("1.0", "v2", "613"; "3d", "x86"
  stay); with a word every item carries (`lexical.UNIVERSAL`: rust, library, wrapper, ...); one
  equal to an item's name (its name, a repository's name part, its watchlist name); one holding a
  word the descriptions write capitalised in more than half of its uses not first in a sentence
  (proper names and acronyms — Tokio, Python, ONNX, GPU — which a Chinese query types in Latin
  letters as they are); a shorter phrase only ever seen inside one longer candidate (a phrase
  whose longer candidate has the same or a higher frequency: "large language" of "large
  language models").
- A long form (c) counts as a keyword term does: never left out as a shorter phrase.
- One candidate per stemmed form (`lexical.tokens`: "databases" = "database"), shown as most
  documents write it; ranked by document frequency, then keyword terms first, then alphabet.
- Rendered: a candidate is covered when an entry of the project's dictionary (search_terms.toml,
  the term base, the glossary, the taxonomy's category names) renders exactly its stemmed words.
  CC-CEDICT is not asked: its senses are a general dictionary's, not this landscape's (知识 ->
  "knowledge" is there, yet loses to "learning" in a machine-learning corpus).

Public API:
    corpus_candidates(con) -> list[Candidate]                 # the rule above, ranked
    rendered_by(dic) -> dict[stemmed words, tuple[zh, ...]]   # what the dictionary renders
    term_status(con, dic=None) -> list[Candidate]             # candidates with `rendered_by`
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

import duckdb

from landscape.abbreviations import definitions
from landscape.lexical import UNIVERSAL, tokens
from landscape.query_dictionary import Dictionary

RULE = 2         # bump when the rule above changes
MIN_DF = 2       # documents a text phrase needs (a keyword needs one)
MAX_WORDS = 3
PROPER_SHARE = 0.5  # capitalised mid-sentence in more than this share of its uses: a name

# English function words and the verbs and adjectives descriptions are made of rather than
# terms ("provides", "simple", "fast"): a phrase neither starts nor ends with one.
STOP_WORDS = frozenset("""
a about above after again all also an and any are as at be been before being below between
both but by can could did do does doing done down during each either etc even every few for
from further get gets had has have having here how however i if in into is it its itself just
let lets like made make makes many may might more most much must my new no nor not now of off
on once one only onto or other our out over own per rather same several should so some such
than that the their them then there these they this those through thus to too toward towards
under until up upon us use used uses using very via was way we well were what when where which
while who whom why will with within without would yet you your
provide provides providing provided allow allows allowing help helps helping support supports
supported supporting enable enables written write writes based built build builds featuring
simple simply easy easily fast faster small tiny minimal modern powerful efficient
efficiently blazing blazingly lightweight pure safe safely highly fully quickly really
""".split())
INNER = frozenset({"of", "to"})  # the only stop words a phrase may hold inside

_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
_CHUNKS = re.compile(r"[,;:()\[\]{}<>\"'`|/!?*=…–—]|\.(?=\s|$)|\s-+\s")
_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#]*")
_CONTRACTION = re.compile(r"\b\w+['’]\w+\b")
_VERSION = re.compile(r"^v?\d+(?:[._]\d+)*[a-z]?$")


@dataclass(frozen=True)
class Candidate:
    term: str                    # the phrase as most documents write it, lower case
    df: int                      # documents (items) using it
    sources: tuple[str, ...]     # 'keyword', 'text', 'abbreviation'
    key: tuple[str, ...]         # its stemmed words (`lexical.tokens`)
    rendered_by: tuple[str, ...] = ()  # Chinese entries rendering it (`term_status`)


def _words(chunk: str) -> list[str]:
    """The chunk's words, hyphens and underscores as spaces."""
    return _WORDS.findall(chunk.replace("-", " ").replace("_", " "))


def _phrases(text: str) -> set[str]:
    """The 1-3-word phrases of a text (the rule: no punctuation crossed, no stop word at an
    end, "of" / "to" only inside), lower case."""
    out: set[str] = set()
    for chunk in _CHUNKS.split(_CONTRACTION.sub(" ", text)):
        words = [w.lower() for w in _words(chunk)]
        for i in range(len(words)):
            for n in range(1, MAX_WORDS + 1):
                gram = words[i:i + n]
                if len(gram) < n or gram[0] in STOP_WORDS or gram[-1] in STOP_WORDS:
                    continue
                if any(w in STOP_WORDS and w not in INNER for w in gram[1:-1]):
                    continue
                out.add(" ".join(gram))
    return out


def _capitals(texts: Iterable[str]) -> tuple[Counter, Counter]:
    """(uses not first in a sentence, of them capitalised) per lower-case word of the texts."""
    uses: Counter = Counter()
    caps: Counter = Counter()
    for text in texts:
        for sentence in _SENTENCES.split(_CONTRACTION.sub(" ", text)):
            for chunk_no, chunk in enumerate(_CHUNKS.split(sentence)):
                for n, w in enumerate(_words(chunk)):
                    if chunk_no == 0 and n == 0:
                        continue
                    lw = w.lower()
                    uses[lw] += 1
                    caps[lw] += w[0].isupper()
    return uses, caps


def _name_keys(name: str | None) -> set[str]:
    if not name:
        return set()
    keys = {name}
    if "/" in name:
        keys.add(name.split("/", 1)[1])
    return {" ".join(_words(k)).lower() for k in keys}


_ITEMS_SQL = """
    SELECT kind, name, title, description, keywords, categories, watch_name FROM items
"""


def _long_forms(*texts: str | None) -> set[str]:
    """The long forms of the abbreviations the texts define (rule 2), words as in (b)."""
    return {" ".join(_words(long)).lower() for text in texts
            for _, long in definitions(text)} - {""}


def _documents(con: duckdb.DuckDBPyConnection
               ) -> tuple[list[tuple[set[str], set[str], set[str]]], set[str], list[str]]:
    """(per item: its keyword terms and defined long forms, its text's phrases; the items'
    names; the descriptions the capitals are counted in)."""
    docs, names, descriptions = [], set(), []
    seen_texts: set[str] = set()
    for kind, name, title, desc, keywords, categories, watch in con.execute(_ITEMS_SQL).fetchall():
        names |= _name_keys(name) | _name_keys(watch)
        keys = set()
        for kw in (keywords or []) if kind != "paper" else []:
            keys.add(" ".join(_words(kw)).lower())
        for cat in categories or []:
            keys.update(" ".join(_words(part)).lower() for part in cat.split("::"))
        longs = _long_forms(title, desc)
        text = (title or "") if kind in ("paper", "post") else (desc or "")
        if kind == "post":
            text = f"{title or ''}. {desc or ''}"
        if kind not in ("paper", "post") and desc:
            descriptions.append(desc)
        shape = re.sub(r"\d+", "#", text.lower())
        phrases = set() if shape in seen_texts else _phrases(text)
        seen_texts.add(shape)
        docs.append(({k for k in keys if k}, longs, phrases))
    return docs, names, descriptions


def _excluded(term: str, names: set[str], proper: set[str]) -> bool:
    words = term.split()
    toks = tokens(term)
    return (not toks or term in names or any(_VERSION.match(w) for w in words)
            or any(len(w) == 1 and not w.isdigit() for w in words)
            or any(t in UNIVERSAL for t in toks) or any(w in proper for w in words))


def _closed(found: dict[tuple[str, ...], tuple[int, str, set[str]]]
            ) -> dict[tuple[str, ...], tuple[int, str, set[str]]]:
    """Without a text phrase only ever seen inside a longer candidate of the same or a higher
    frequency (the rule's last exclusion); keyword terms and long forms stay."""
    longest: dict[str, int] = {}
    for df, term, _ in found.values():
        words = term.split()
        for n in range(1, len(words)):
            for i in range(len(words) - n + 1):
                sub = " ".join(words[i:i + n])
                longest[sub] = max(longest.get(sub, 0), df)
    return {k: v for k, v in found.items()
            if v[2] & {"keyword", "abbreviation"} or longest.get(v[1], 0) < v[0]}


def corpus_candidates(con: duckdb.DuckDBPyConnection) -> list[Candidate]:
    """The corpus's candidate terms by the rule of the module doc, most frequent first."""
    docs, names, descriptions = _documents(con)
    uses, caps = _capitals(descriptions)
    proper = {w for w, n in uses.items() if caps[w] > PROPER_SHARE * n}
    df: Counter = Counter()
    sources: dict[tuple[str, ...], set[str]] = defaultdict(set)
    surface: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    for keys, longs, phrases in docs:
        per_doc: set[tuple[str, ...]] = set()
        for origin, terms in (("keyword", keys), ("abbreviation", longs), ("text", phrases)):
            for term in terms:
                if _excluded(term, names, proper):
                    continue
                key = tuple(tokens(term))
                sources[key].add(origin)
                surface[key][term] += 1
                per_doc.add(key)
        df.update(per_doc)
    found = {k: (n, surface[k].most_common(1)[0][0], sources[k]) for k, n in df.items()
             if n >= MIN_DF or len(k) == 1 or sources[k] & {"keyword", "abbreviation"}}
    found = _closed(found)
    ranked = sorted(found.items(), key=lambda kv: (-kv[1][0], "keyword" not in kv[1][2],
                                                    kv[1][1]))
    return [Candidate(term, n, tuple(sorted(src)), key) for key, (n, term, src) in ranked]


def rendered_by(dic: Dictionary) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Stemmed English words -> the Chinese entries of the dictionary rendering them exactly."""
    out: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for zh, renderings in dic.entries.items():
        for en in renderings:
            key = tuple(tokens(en))
            if key:
                out[key].append(zh)
    return {k: tuple(v) for k, v in out.items()}


def term_status(con: duckdb.DuckDBPyConnection, dic: Dictionary | None = None
                ) -> list[Candidate]:
    """The corpus's candidates, each with the Chinese entries that render it (none: missing)."""
    rendered = rendered_by(dic or Dictionary.load())
    return [replace(c, rendered_by=rendered.get(c.key, ())) for c in corpus_candidates(con)]


__all__ = ["MIN_DF", "RULE", "STOP_WORDS", "Candidate", "corpus_candidates", "rendered_by",
           "term_status"]
