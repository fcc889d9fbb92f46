"""The dashboard's own words in both languages (no Streamlit here: plain functions).

One home: `dashboard/ui_text.toml`, each entry `key = { en = "…", zh = "…" }` in a section
(`[browse] title = …` is the key "browse.title"). A word the report already has is not
repeated there: a key the file does not hold is looked up in the report's labels
(`templates/labels.toml`, e.g. "col_dl90" → 90天下载量 / 90-day downloads), so the report and the
dashboard name a thing the same way. Values are `str.format` templates (`{n}`, `{month}` …).

A missing key must fail a test, not a page: `text` falls back to the English entry, then to
the key itself, and logs it; `tests/test_dashboard_ui_text.py` checks that every key the
dashboard's code asks for exists in both languages.
"""

from __future__ import annotations

import logging
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from report.render import load_labels

log = logging.getLogger(__name__)

UI_TEXT = Path(__file__).with_name("ui_text.toml")
LANGS = ("zh", "en")


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, dict[str, str]]:
    """`{section: {name: {en, zh}}}` → `{"section.name": {en, zh}}`."""
    out: dict[str, dict[str, str]] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and set(value) >= {"en", "zh"} and all(
                isinstance(v, str) for v in value.values()):
            out[key] = value
        elif isinstance(value, dict):
            out.update(_flatten(value, f"{key}."))
        else:
            raise ValueError(f"{UI_TEXT.name}: {key} needs en and zh texts")
    return out


@lru_cache(maxsize=1)
def ui_entries() -> dict[str, dict[str, str]]:
    """Every entry of ui_text.toml by its dotted key."""
    with UI_TEXT.open("rb") as fh:
        return _flatten(tomllib.load(fh))


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, Any]]:
    return load_labels()


def has(key: str, lang: str) -> bool:
    """Whether `key` has a text in `lang` (in ui_text.toml or in the report's labels)."""
    entry = ui_entries().get(key)
    if entry is not None:
        return bool(entry.get(lang))
    return isinstance(_labels().get(lang, {}).get(key), str)


def raw(key: str, lang: str) -> str:
    """The template of `key` in `lang`: ui_text.toml, else the report's labels; a missing
    one falls back to English, then to the key (logged; a test catches it first)."""
    entry = ui_entries().get(key)
    if entry is not None and entry.get(lang):
        return entry[lang]
    label = _labels().get(lang, {}).get(key)
    if isinstance(label, str):
        return label
    log.warning("dashboard text %r has no %s entry", key, lang)
    return raw(key, "en") if lang != "en" and has(key, "en") else key


def text(key: str, lang: str, /, **values: Any) -> str:
    """The text of `key` in `lang` with `values` filled in."""
    template = raw(key, lang)
    return template.format(**values) if values else template


def count(n: Any, unit: str, lang: str, human: Any = str) -> str:
    """"1 project" / "146 projects" / "146 个项目": `unit` names an entry of the [count]
    section (en = the plural, en_one = the singular, zh); `human` formats the number."""
    entry = ui_entries()[f"count.{unit}"] if f"count.{unit}" in ui_entries() else None
    number = human(n)
    if entry is None:
        log.warning("dashboard count unit %r is missing", unit)
        return f"{number} {unit}"
    if lang == "zh":
        return entry["zh"].format(n=number)
    one = _is_one(n)
    return (entry.get("en_one", entry["en"]) if one else entry["en"]).format(n=number)


def _is_one(n: Any) -> bool:
    try:
        return float(n) == 1
    except (TypeError, ValueError):
        return False
