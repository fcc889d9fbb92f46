"""The project's own Chinese -> English dictionary for search queries, built from data the
project keeps anyway: the glossary (config/glossary.toml), the taxonomy's category names
(config/taxonomy.toml), a curated list of everyday domain words (config/search_terms.toml) and
the term base of the corpus's own technical terms (config/search_termbase.toml: English terms
chosen from the indexed items by `landscape.term_candidates`, their Chinese written by an
engineer). search_terms.toml and the term base are read by one loader (`[terms]` tables).
It says which rendering this landscape means ("服务" -> "serving"), so a query's words are
looked up here first (`landscape.query_zh`); the general dictionary (`landscape.zh_fallback`)
only spells what this one cannot.

Public API:
    Dictionary.load() -> Dictionary   # cached per process (config files' mtimes)
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from landscape.glossary import GLOSSARY_PATH, load_glossary
from landscape.lexical import UNIVERSAL, is_cjk, tokens
from landscape.taxonomy import TAXONOMY_PATH, load_taxonomy
from warehouse.db import PROJECT_ROOT

TERMS_PATH = PROJECT_ROOT / "config" / "search_terms.toml"
TERMBASE_PATH = PROJECT_ROOT / "config" / "search_termbase.toml"


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
    # One character -> English renderings: productive morphemes of technical compounds
    # (search_terms.toml [morphemes]), read only for a character no word covers.
    morphemes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Dictionary:
        paths = (GLOSSARY_PATH, TAXONOMY_PATH, TERMS_PATH, TERMBASE_PATH)
        return _dictionary(tuple((p, p.stat().st_mtime if p.exists() else 0.0) for p in paths))


def _toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}


@lru_cache(maxsize=2)
def _dictionary(stamped: tuple[tuple[Path, float], ...]) -> Dictionary:
    glossary, _taxonomy, terms, termbase = (p for p, _ in stamped)
    entries: dict[str, tuple[str, ...]] = {}

    def add(zh: str, en: list[str]) -> None:
        k = _key(zh)
        if k and any(is_cjk(ch) for ch in k) and k not in entries:
            entries[k] = tuple(e for e in en if e) or ("",)

    def add_terms(table: dict) -> None:
        for zh, en in (table.get("terms") or {}).items():
            add(zh, [en] if isinstance(en, str) else list(en))

    # Curated words first: they say which rendering a query means ("服务" -> "serving");
    # the glossary and the category names then add every phrase they name, and the term base
    # last: it adds words none of them has, never a second rendering of one they have (a test
    # keeps its keys new).
    curated = _toml(terms)
    add_terms(curated)
    morphemes = {_key(zh): tuple([en] if isinstance(en, str) else en)
                 for zh, en in (curated.get("morphemes") or {}).items() if len(_key(zh)) == 1}
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
    add_terms(_toml(termbase))
    return Dictionary(entries, max((len(k) for k in entries), default=1), tuple(cats),
                      tuple(synonyms), morphemes)


__all__ = ["TERMBASE_PATH", "TERMS_PATH", "Dictionary"]
