"""The landscape taxonomy (`config/taxonomy.toml`): categories, exemplars, classifier settings.

Public API:
    load_taxonomy(path: Path | None = None) -> Taxonomy
    CATEGORY_IDS: tuple[str, ...]            # docs/CONTRACTS.md ids, in the seed's order
    OUT_OF_SCOPE = "out_of_scope"; UNCATEGORIZED = "uncategorized"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from warehouse.db import PROJECT_ROOT

TAXONOMY_PATH = PROJECT_ROOT / "config" / "taxonomy.toml"
OUT_OF_SCOPE = "out_of_scope"
UNCATEGORIZED = "uncategorized"
CATEGORY_IDS: tuple[str, ...] = (
    "frameworks", "data-scientific", "model-formats", "systems-engineering", "ai-code-tools",
    "autodiff", "vector-db", "frontend-build", "ai-dev-tools", "wasm-edge", "agentic-web",
    "multimodal",
)


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


@dataclass(frozen=True)
class ClassifierSettings:
    k: int = 10
    review_below: float = 0.55
    uncategorized_below: float = 0.30
    out_of_scope_floor: float = 0.18
    ivf_threshold: int = 20000


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]
    out_of_scope: tuple[Exemplar, ...]
    out_of_scope_description: str = ""
    settings: ClassifierSettings = field(default_factory=ClassifierSettings)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def valid_label(self, label: str) -> bool:
        return label in self.ids or label in (OUT_OF_SCOPE, UNCATEGORIZED)

    def labelled_texts(self) -> list[tuple[str, str, str, str]]:
        """(key, label, title, text) of every taxonomy exemplar, category descriptions included
        (a label's own description is a useful exemplar of it)."""
        out: list[tuple[str, str, str, str]] = []
        for c in self.categories:
            out.append((f"taxonomy:{c.id}:description", c.id, c.name_en,
                        f"{c.name_en}: {c.description_en}"))
            for e in c.exemplars:
                out.append((f"taxonomy:{c.id}:{e.name}", c.id, e.name, e.full_text))
        for e in self.out_of_scope:
            out.append((f"taxonomy:{OUT_OF_SCOPE}:{e.name}", OUT_OF_SCOPE, e.name, e.full_text))
        return out


def _exemplars(raw: list[dict[str, Any]]) -> tuple[Exemplar, ...]:
    return tuple(Exemplar(str(e["name"]), str(e["text"])) for e in raw)


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Taxonomy:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    cats = []
    for c in data.get("category", []):
        if c["id"] not in CATEGORY_IDS:
            raise ValueError(f"{path}: unknown category id {c['id']!r} (see docs/CONTRACTS.md)")
        cats.append(Category(c["id"], c["name_zh"], c["name_en"], c.get("description_zh", ""),
                             c.get("description_en", ""), _exemplars(c.get("exemplars", []))))
    oos = data.get("out_of_scope", {})
    known = {f.name for f in ClassifierSettings.__dataclass_fields__.values()}
    settings = ClassifierSettings(**{k: v for k, v in data.get("classifier", {}).items()
                                     if k in known})
    return Taxonomy(tuple(cats), _exemplars(oos.get("exemplars", [])),
                    oos.get("description_en", ""), settings)


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load and validate the taxonomy (cached until the file changes)."""
    target = Path(path or TAXONOMY_PATH)
    return _load(target, target.stat().st_mtime)
