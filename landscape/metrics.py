"""The metric definitions (`config/metrics.toml`): what each figure means, where it comes from,
its noise floor, and the project health rules. The one loader of the file.

The report prints the definitions and drops moves under a noise floor, `panorama diff` uses
`diff_threshold_pct`, the dashboard names figures by them, and `landscape.project_health`
judges projects by `[health]` (with downloads_recent's noise floor: smaller moves are noise).

Public API:
    METRICS_PATH
    MetricDef(...).text(field, lang);  load_metrics(path=None) -> list[MetricDef]
    HealthRules(...);                   health_rules(path=None) -> HealthRules
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from warehouse.db import PROJECT_ROOT

METRICS_PATH = PROJECT_ROOT / "config" / "metrics.toml"


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
    source_zh: str = ""
    window_zh: str = ""
    unit_zh: str = ""
    # `panorama diff` lists a figure as moved between two months only beyond this change (%)
    diff_threshold_pct: float | None = None
    # the report's table header that names it for readers (a labels.toml key), "" if none
    header: str = ""

    def text(self, field: str, lang: str) -> str:
        """`source` / `window` / `unit` in `lang` (the English text when zh is missing)."""
        return (getattr(self, f"{field}_zh") if lang == "zh" else "") or getattr(self, field)


@dataclass(frozen=True)
class HealthRules:
    dormant_months: int
    slowing_months: int
    slowing_min_drop_pct: float
    downloads_floor: float  # downloads_recent's noise_floor


@lru_cache(maxsize=4)
def _read(path: Path, mtime: float) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _data(path: Path | None) -> dict[str, Any]:
    target = Path(path or METRICS_PATH)
    return _read(target, target.stat().st_mtime)


def load_metrics(path: Path | None = None) -> list[MetricDef]:
    """Every metric, the collected ones first, each group in file order."""
    data = _data(path)
    out: list[MetricDef] = []
    for group, derived in (("collected", False), ("derived", True)):
        for mid, d in data.get(group, {}).items():
            out.append(MetricDef(
                mid, derived, d.get("name_zh", mid), d.get("name_en", mid), d["source"],
                d["window"], d["unit"], d["zh"], d["en"], d.get("noise_floor"),
                d.get("source_zh", ""), d.get("window_zh", ""), d.get("unit_zh", ""),
                d.get("diff_threshold_pct"), d.get("header", "")))
    return out


def health_rules(path: Path | None = None) -> HealthRules:
    """`[health]`, with downloads_recent's noise floor as the smallest drop that counts."""
    data = _data(path)
    h = data["health"]
    floor = data.get("collected", {}).get("downloads_recent", {}).get("noise_floor", 0)
    return HealthRules(int(h["dormant_months"]), int(h["slowing_months"]),
                       float(h["slowing_min_drop_pct"]), float(floor))


__all__ = ["METRICS_PATH", "HealthRules", "MetricDef", "health_rules", "load_metrics"]
