"""The glossary (`config/glossary.toml`): each concept's Chinese and English names.

Both report languages name things by it (the glossary table, Chinese names of keywords) and
search translates and matches with it (`landscape.query_text`, `landscape.search_docs`). This
is the one loader of the file.

Each `[[term]]`: `zh` and `en` (required); `zh` may give several names, the first the one to
print ("智能体 / AI代理"); `en` may carry an abbreviation in parentheses ("large language
model (LLM)"); `note_zh`, `note_en`; `aliases`: other English spellings (plural, short form).

Public API:
    GLOSSARY_PATH
    GlossaryTerm(zh, en, note_zh, note_en, aliases)
        .zh_names  -> ('智能体', 'AI代理')
        .en_forms  -> ['large language model', 'LLM']
    load_glossary(path=None) -> tuple[GlossaryTerm, ...]   # file order; cached per file change
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from warehouse.db import PROJECT_ROOT

GLOSSARY_PATH = PROJECT_ROOT / "config" / "glossary.toml"
_PAREN = re.compile(r"\s*\(([^)]*)\)")


@dataclass(frozen=True)
class GlossaryTerm:
    zh: str
    en: str
    note_zh: str
    note_en: str
    aliases: tuple[str, ...] = ()  # other English spellings (plural, short form) of the term

    @property
    def zh_names(self) -> tuple[str, ...]:
        """The Chinese names, the one to print first: '智能体 / AI代理' -> ('智能体', 'AI代理')."""
        return tuple(n.strip() for n in self.zh.split("/") if n.strip())

    @property
    def en_forms(self) -> list[str]:
        """'large language model (LLM)' -> ['large language model', 'LLM']."""
        main = _PAREN.sub("", self.en).strip()
        return [main] + [m.strip() for m in _PAREN.findall(self.en) if m.strip()]


@lru_cache(maxsize=2)
def _load(path: Path, mtime: float) -> tuple[GlossaryTerm, ...]:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    terms = []
    for n, t in enumerate(data.get("term", []), start=1):
        missing = [k for k in ("zh", "en") if not isinstance(t.get(k), str) or not t[k].strip()]
        if missing:
            raise ValueError(f"{path}: [[term]] number {n} has no {' or '.join(missing)}")
        terms.append(GlossaryTerm(t["zh"], t["en"], t.get("note_zh", ""), t.get("note_en", ""),
                                  tuple(str(a) for a in t.get("aliases", ()))))
    return tuple(terms)


def load_glossary(path: Path | None = None) -> tuple[GlossaryTerm, ...]:
    """The glossary's terms in file order (cached until the file changes)."""
    target = Path(path or GLOSSARY_PATH)
    return _load(target, target.stat().st_mtime)


__all__ = ["GLOSSARY_PATH", "GlossaryTerm", "load_glossary"]
