"""The editors' descriptions of the watched projects (`config/descriptions.toml`).

One bilingual line per watched project, keyed by the watchlist entry's name: the report shows
`zh` in the Chinese report and `en` in the English one; search indexes both as the words of the
project's members (`landscape.search_docs`). This is the one loader of the file; it lives here,
below the report, so that search may read it too.

Public API:
    DESCRIPTIONS_PATH
    load_descriptions(path=None) -> {name: {'zh': ..., 'en': ...}}   # cached per file change
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from warehouse.db import PROJECT_ROOT

DESCRIPTIONS_PATH = PROJECT_ROOT / "config" / "descriptions.toml"


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


@lru_cache(maxsize=4)
def _parse(raw: bytes) -> dict[str, dict[str, str]]:
    data = tomllib.loads(raw.decode("utf-8")).get("project", {})
    return {name: {"zh": str(e.get("zh", "")), "en": str(e.get("en", ""))}
            for name, e in data.items()}


def load_descriptions(path: Path | None = None) -> dict[str, dict[str, str]]:
    """Editors' bilingual descriptions of watched projects: name -> {'zh': ..., 'en': ...}
    (empty when the file is missing). A fresh dict each call; the parse is cached per content."""
    raw = _bytes(path or DESCRIPTIONS_PATH)
    if raw is None:
        return {}
    return {name: dict(texts) for name, texts in _parse(raw).items()}


__all__ = ["DESCRIPTIONS_PATH", "load_descriptions"]
