"""Configuration the report reads: metric definitions, taxonomy names, glossary.

The taxonomy and glossary files belong to the classification area and may be missing or
shaped a little differently while it lands, so loading is tolerant: the report falls back to
the category ids and names fixed in docs/CONTRACTS.md.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warehouse.db import PROJECT_ROOT

CONFIG_DIR = PROJECT_ROOT / "config"

# docs/CONTRACTS.md "Taxonomy category ids" (the seed's sections), in the seed's order.
DEFAULT_CATEGORIES: list[tuple[str, str, str]] = [
    ("frameworks", "核心框架", "Core frameworks"),
    ("data-scientific", "数据处理与科学计算", "Data processing and scientific computing"),
    ("model-formats", "模型格式与工具", "Model formats and tools"),
    ("systems-engineering", "系统与工程", "Systems and engineering"),
    ("ai-code-tools", "AI代码分析工具", "AI code analysis tools"),
    ("autodiff", "自动微分与科学计算", "Automatic differentiation"),
    ("vector-db", "向量数据库", "Vector databases"),
    ("frontend-build", "前端构建工具", "Front-end build tools"),
    ("ai-dev-tools", "AI开发工具", "AI development tools"),
    ("wasm-edge", "WebAssembly与边缘AI", "WebAssembly and edge AI"),
    ("agentic-web", "Agentic Web", "Agentic web"),
    ("multimodal", "多模态AI", "Multimodal AI"),
    ("uncategorized", "未归类（在范围内）", "Uncategorised (in scope)"),
]


@dataclass(frozen=True)
class Category:
    id: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class MetricDef:
    id: str
    derived: bool
    name_zh: str
    name_en: str
    source: str
    window: str
    unit: str
    zh: str
    en: str
    noise_floor: float | None


@dataclass(frozen=True)
class GlossaryTerm:
    zh: str
    en: str
    note_zh: str
    note_en: str


def _load(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def load_metrics(path: Path | None = None) -> list[MetricDef]:
    data = _load(path or CONFIG_DIR / "metrics.toml")
    out: list[MetricDef] = []
    for group, derived in (("collected", False), ("derived", True)):
        for mid, d in data.get(group, {}).items():
            out.append(MetricDef(
                mid, derived, d.get("name_zh", mid), d.get("name_en", mid), d["source"],
                d["window"], d["unit"], d["zh"], d["en"], d.get("noise_floor")))
    return out


def _pick(d: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value: Any = d
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and value:
            return value
    return None


def load_categories(path: Path | None = None) -> list[Category]:
    """Taxonomy categories in report order; names from config/taxonomy.toml when present."""
    data = _load(path or CONFIG_DIR / "taxonomy.toml")
    raw = data.get("category") or data.get("categories") or []
    if isinstance(raw, dict):  # [categories.<id>] tables
        raw = [{"id": k, **v} for k, v in raw.items()]
    found: dict[str, Category] = {}
    for entry in raw:
        if not isinstance(entry, dict) or not entry.get("id"):
            continue
        cid = str(entry["id"])
        zh = _pick(entry, "name_zh", "zh", "name.zh", "zh_name") or cid
        en = _pick(entry, "name_en", "en", "name.en", "en_name", "name") or cid
        found[cid] = Category(cid, zh, en)
    ordered = [found.pop(cid, Category(cid, zh, en)) for cid, zh, en in DEFAULT_CATEGORIES]
    return ordered + sorted(found.values(), key=lambda c: c.id)


def load_glossary(path: Path | None = None) -> list[GlossaryTerm]:
    """Glossary terms (zh ↔ en); empty when the file is not there yet."""
    data = _load(path or CONFIG_DIR / "glossary.toml")
    raw = data.get("term") or data.get("terms") or data.get("glossary") or []
    if isinstance(raw, dict):
        raw = [{"id": k, **v} if isinstance(v, dict) else {"zh": k, "en": v}
               for k, v in raw.items()]
    terms = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        zh = _pick(entry, "zh", "term_zh", "name_zh")
        en = _pick(entry, "en", "term_en", "name_en", "id")
        if zh and en:
            terms.append(GlossaryTerm(
                zh, en, _pick(entry, "note_zh", "definition_zh", "zh_note", "def_zh") or "",
                _pick(entry, "note_en", "definition_en", "en_note", "def_en") or ""))
    return sorted(terms, key=lambda t: t.en.lower())


def load_claims(path: Path | None = None) -> list[dict[str, Any]]:
    return list(_load(path or CONFIG_DIR / "claims.toml").get("claim", []))
