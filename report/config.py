"""Configuration the report reads: claims, limits and editors' judgements (their one loader
each), and how the report orders and uses the shared files.

The taxonomy is read through `landscape.taxonomy` (the one loader of taxonomy.toml, the one
home of the category ids), the glossary through `landscape.glossary`, the metric definitions
through `landscape.metrics` and the editors' descriptions of watched projects through
`landscape.descriptions` (search indexes them too) — their one loaders.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.months import shift_month
from landscape.glossary import GlossaryTerm, load_glossary
from landscape.taxonomy import UNCATEGORIZED, accept_floor, load_taxonomy
from warehouse.db import PROJECT_ROOT

CONFIG_DIR = PROJECT_ROOT / "config"


@dataclass(frozen=True)
class Category:
    id: str
    name_zh: str
    name_en: str


def _load(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def load_categories(path: Path | None = None) -> list[Category]:
    """Taxonomy categories in report order, then the in-scope "uncategorised" bucket; ids and
    names from config/taxonomy.toml through its one loader (`landscape.taxonomy`)."""
    tax = load_taxonomy(path)
    return [Category(c.id, c.name_zh, c.name_en) for c in tax.categories] + \
        [Category(UNCATEGORIZED, tax.uncategorized_zh, tax.uncategorized_en)]


def report_glossary() -> list[GlossaryTerm]:
    """The glossary as the report lists it: alphabetical by English term."""
    return sorted(load_glossary(), key=lambda t: t.en.lower())


def _term_keys(term: GlossaryTerm) -> set[str]:
    """The lower-case spellings an English term is known by: itself, the abbreviation in its
    parentheses ("large language model (LLM)" -> "llm") and the words before them."""
    return {term.en.strip().lower()} | {form.lower() for form in term.en_forms}


def term_index(glossary: list[GlossaryTerm], categories: list[Category]) -> dict[str, str]:
    """English term (lower case) -> its Chinese name, from the glossary (terms, abbreviations,
    aliases) and the taxonomy (category names): the one vocabulary the zh report uses."""
    index: dict[str, str] = {}
    for c in categories:
        index.setdefault(c.name_en.lower(), c.name_zh)
    for g in glossary:
        for key in _term_keys(g) | {a.lower() for a in g.aliases}:
            index[key] = g.zh_names[0]  # "智能体 / AI代理": the first name
    return index


def localise_terms(terms: list[str], index: dict[str, str]) -> list[tuple[str | None, str]]:
    """(Chinese name or None, English term) for each term; a plural is tried singular too.
    None: the term has no Chinese name in the glossary or taxonomy (an original-language term)."""
    out = []
    for term in terms:
        key = term.strip().lower()
        zh = index.get(key) or (index.get(key[:-1]) if key.endswith("s") else None)
        out.append((zh, term.strip()))
    return out


def load_claims(path: Path | None = None) -> list[dict[str, Any]]:
    return list(_load(path or CONFIG_DIR / "claims.toml").get("claim", []))


def load_lookups(path: Path | None = None) -> list[dict[str, Any]]:
    """The targeted lookups the claims ask the collectors for (each claim's `lookups`), once
    each, in file order (connectors/lookups.py says what a lookup is)."""
    seen: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}
    for claim in load_claims(path):
        for spec in claim.get("lookups", []):
            seen.setdefault(tuple(sorted(spec.items())), dict(spec))
    return list(seen.values())


@dataclass(frozen=True)
class ReportSettings:
    """config/report.toml: table limits and release ranking."""

    limits: dict[str, int]
    infrastructure: tuple[str, ...]


def load_report_settings(path: Path | None = None) -> ReportSettings:
    data = _load(path or CONFIG_DIR / "report.toml")
    return ReportSettings({k: int(v) for k, v in data.get("limits", {}).items()},
                          tuple(data.get("releases", {}).get("infrastructure", [])))


@dataclass(frozen=True)
class Judgement:
    """The editors' qualitative columns of one framework (config/frameworks.toml)."""

    strengths: dict[str, str]  # lang -> text
    weaknesses: dict[str, str]
    use: dict[str, str]
    seed_update: dict[str, str]
    from_seed: bool


def report_window(month: str) -> dict[str, str]:
    """The report's parameters for `month`: the month before, and how far back a figure may
    be carried (config/report.toml `carry_months`)."""
    carry = load_report_settings().limits.get("carry_months", 12)
    return {"month": month, "prev": shift_month(month, -1), "lo": shift_month(month, -carry)}


def _bilingual(entry: dict[str, Any], key: str) -> dict[str, str]:
    return {lang: str(entry.get(f"{key}_{lang}", "")) for lang in ("zh", "en")}


def load_judgements(path: Path | None = None) -> dict[str, Judgement]:
    raw = _load(path or CONFIG_DIR / "frameworks.toml").get("framework", {})
    return {name: Judgement(_bilingual(e, "strengths"), _bilingual(e, "weaknesses"),
                            _bilingual(e, "use"), _bilingual(e, "seed_update"),
                            bool(e.get("from_seed")))
            for name, e in raw.items()}


def review_threshold() -> float:
    """The confidence under which a machine classification always goes to review: the
    classifier learns its threshold from `review_precision` (config/taxonomy.toml) and never
    sets it lower than this."""
    return accept_floor(float(load_taxonomy().settings.review_precision))
