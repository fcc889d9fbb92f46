"""The landscape taxonomy (`config/taxonomy.toml`): categories, exemplars, classifier settings.

Public API:
    load_taxonomy(path: Path | None = None) -> Taxonomy     # the one loader of taxonomy.toml
    Taxonomy.ids                       # category ids, in the file's (the seed report's) order
    Taxonomy.uncategorized             # names of the in-scope "no category yet" bucket
    Taxonomy.labelled_texts()          # exemplars + label descriptions for the labelled index
    accept_floor(review_precision)     # no item is auto-accepted under this confidence
    OUT_OF_SCOPE = "out_of_scope"; UNCATEGORIZED = "uncategorized"

The file is the only home of the category ids and of the classifier's settings: the watchlist
is validated against `Taxonomy.ids` (by its callers), the report reads names from here, and
`ClassifierSettings` has no defaults of its own — a missing setting is an error that names it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from warehouse.db import PROJECT_ROOT

TAXONOMY_PATH = PROJECT_ROOT / "config" / "taxonomy.toml"
OUT_OF_SCOPE = "out_of_scope"
UNCATEGORIZED = "uncategorized"
DESCRIPTION_SOURCE = "description"  # labelled entries that define a label rather than an item


@dataclass(frozen=True)
class Exemplar:
    name: str
    text: str

    @property
    def full_text(self) -> str:
        return f"{self.name}: {self.text}"


@dataclass(frozen=True)
class Category:
    id: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    exemplars: tuple[Exemplar, ...]
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClassifierSettings:
    """`[classifier]` of taxonomy.toml (see the comments there for what each one does)."""
    review_precision: float     # auto-accepted items must be right this often (cross-validated)
    near_boundary: float        # top-two probability gap under this: "near a boundary"
    novelty_below: float        # best cosine to any labelled entry under this: "new cluster"
    duplicate_above: float      # cosine over this: near-duplicates share a review decision
    uncategorized_below: float  # in scope, best category probability under this
    out_of_scope_floor: float   # best cosine to any in-scope entry under this: out of scope
    neighbours: int             # labelled neighbours stored with an assignment (the "why")
    ivf_threshold: int          # labelled vectors above this: IVF index instead of flat


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]
    out_of_scope: tuple[Exemplar, ...]
    out_of_scope_description: str
    settings: ClassifierSettings
    uncategorized_zh: str = UNCATEGORIZED
    uncategorized_en: str = UNCATEGORIZED
    out_of_scope_zh: str = OUT_OF_SCOPE
    out_of_scope_en: str = OUT_OF_SCOPE

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def name(self, label: str, lang: str = "en") -> str:
        """A label's name as people read it ("Vector databases" / "向量数据库", "Out of
        scope"), for a category, the in-scope uncategorised bucket and out of scope alike;
        an unknown label reads as itself."""
        names = {c.id: (c.name_zh, c.name_en) for c in self.categories}
        names[UNCATEGORIZED] = (self.uncategorized_zh, self.uncategorized_en)
        names[OUT_OF_SCOPE] = (self.out_of_scope_zh, self.out_of_scope_en)
        zh, en = names.get(label, (label, label))
        return zh if lang == "zh" else en

    def valid_label(self, label: str) -> bool:
        return label in self.ids or label in (OUT_OF_SCOPE, UNCATEGORIZED)

    def labelled_texts(self) -> list[tuple[str, str, str, str]]:
        """(key, label, title, text) of every exemplar and label description. A label's own
        definition (en, zh, and its keywords) is a useful exemplar of a small label; keys
        ending in ':description*' mark them (the classifier trains on them, never scores them).
        """
        out: list[tuple[str, str, str, str]] = []
        for c in self.categories:
            out.append((f"taxonomy:{c.id}:description", c.id, c.name_en,
                        f"{c.name_en}: {c.description_en}"))
            if c.description_zh:
                out.append((f"taxonomy:{c.id}:description-zh", c.id, c.name_zh,
                            f"{c.name_zh}: {c.description_zh}"))
            if c.keywords:
                out.append((f"taxonomy:{c.id}:description-keywords", c.id, c.name_en,
                            f"{c.name_en}: " + ", ".join(c.keywords)))
            for e in c.exemplars:
                out.append((f"taxonomy:{c.id}:{e.name}", c.id, e.name, e.full_text))
        if self.out_of_scope_description:
            out.append((f"taxonomy:{OUT_OF_SCOPE}:description", OUT_OF_SCOPE, "out of scope",
                        self.out_of_scope_description))
        for e in self.out_of_scope:
            out.append((f"taxonomy:{OUT_OF_SCOPE}:{e.name}", OUT_OF_SCOPE, e.name, e.full_text))
        return out


def accept_floor(target: float) -> float:
    """No item is auto-accepted alone with an error rate over twice the one the set may have
    (0.8 for a 0.9 `review_precision`), whatever out-of-fold items suggest: labelled exemplars
    are more typical than the items that come next (seen on the landscape's own index, where
    out-of-fold precision was 0.93-0.98 at any threshold)."""
    return round(1.0 - 2.0 * (1.0 - target), 6)


def is_description_key(key: str) -> bool:
    return key.startswith("taxonomy:") and ":description" in key


def _exemplars(raw: list[dict[str, Any]]) -> tuple[Exemplar, ...]:
    return tuple(Exemplar(str(e["name"]), str(e["text"])) for e in raw)


def _settings(path: Path, raw: dict[str, Any]) -> ClassifierSettings:
    names = [f.name for f in fields(ClassifierSettings)]
    missing = [n for n in names if n not in raw]
    if missing:
        raise ValueError(f"{path}: [classifier] is missing {', '.join(missing)}")
    return ClassifierSettings(**{n: raw[n] for n in names})


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Taxonomy:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    cats, seen = [], set()
    for c in data.get("category", []):
        if c["id"] in seen or c["id"] in (OUT_OF_SCOPE, UNCATEGORIZED):
            raise ValueError(f"{path}: category id {c['id']!r} is reserved or repeated")
        seen.add(c["id"])
        cats.append(Category(c["id"], c["name_zh"], c["name_en"], c.get("description_zh", ""),
                             c.get("description_en", ""), _exemplars(c.get("exemplars", [])),
                             tuple(c.get("keywords", []))))
    oos = data.get("out_of_scope", {})
    unc = data.get("uncategorized", {})
    return Taxonomy(tuple(cats), _exemplars(oos.get("exemplars", [])),
                    oos.get("description_en", ""), _settings(path, data.get("classifier", {})),
                    unc.get("name_zh", UNCATEGORIZED), unc.get("name_en", UNCATEGORIZED),
                    oos.get("name_zh", OUT_OF_SCOPE), oos.get("name_en", OUT_OF_SCOPE))


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load and validate the taxonomy (cached until the file changes)."""
    target = Path(path or TAXONOMY_PATH)
    return _load(target, target.stat().st_mtime)
