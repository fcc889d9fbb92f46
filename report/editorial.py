"""Editor blocks: `editorial/YYYY-MM.zh.md` and `.en.md`, rendered in place in the report.

The files belong to the editors and live in the repository, not under reports/, so a rerun
never touches them. A block is Markdown; its sources are footnotes the editor defines in the
block itself, with the date the source was read:

    本月 burn 发布 0.18.2[^burn]，……
    [^burn]: https://github.com/tracel-ai/burn/releases/tag/v0.18.2 (2025-12-02)

Each definition joins the report's sources (Appendix C) and its references are renumbered to
the report's keys. The numbers pass the same provenance rule as the generated text: a sentence
that shows a number must carry a footnote (dates such as 2025-12, 2025年12月 or a year, and
references to a section of the seed such as "section 8" or 第8节, are not figures). A block
that breaks the rule, or cites an undefined footnote, is not rendered: the
draft says so instead, and `problems` lists why (logged by the build).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from report.provenance import SourceRegistry
from warehouse.db import PROJECT_ROOT

EDITORIAL_DIR = PROJECT_ROOT / "editorial"
_DEF = re.compile(r"^\[\^([\w\-]+)\]:\s*(https?://\S+)\s*\((\d{4}-\d{2}-\d{2})\)\s*$")
_REF = re.compile(r"\[\^([\w\-]+)\]")
# Not figures: dates (2025-12, 2025年12月, a year such as 2011) and references to a section of
# the seed (section 8, §8.3, 第8节).
_DATE = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b|\d{4}年(?:\d{1,2}月)?(?:\d{1,2}日)?"
                   r"|\b(?:19|20)\d{2}\b|(?:\b[Ss]ections?\s+|§\s*)\d+(?:\.\d+)*|第\d+(?:\.\d+)*节")
_LINK_URL = re.compile(r"\]\([^)]*\)|https?://\S+")
_NUMBER = re.compile(r"(?<![A-Za-z_./\-])\d[\d,.]*%?")
_SENTENCE = re.compile(r"(?<=[。！？!?])|(?<=\.)\s|\n")


@dataclass
class EditorialBlock:
    text: str | None  # Markdown with the report's footnote keys; None: nothing to render
    problems: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.problems)


def unsourced_sentences(text: str) -> list[str]:
    """Sentences of `text` that show a number but carry no footnote reference."""
    bad = []
    for sentence in _SENTENCE.split(text):
        bare = _DATE.sub("", _LINK_URL.sub("]", _REF.sub("", sentence)))
        if _NUMBER.search(bare) and not _REF.search(sentence):
            bad.append(sentence.strip())
    return bad


def load_block(month: str, lang: str, reg: SourceRegistry,
               folder: Path | None = None) -> EditorialBlock:
    """The editor block of `month` in `lang`, checked, its footnotes registered in `reg`."""
    path = (folder or EDITORIAL_DIR) / f"{month}.{lang}.md"
    if not path.is_file():
        return EditorialBlock(None)
    body, defs = [], {}
    for line in path.read_text("utf-8").splitlines():
        m = _DEF.match(line.strip())
        if m:
            defs[m.group(1)] = (m.group(2), datetime.fromisoformat(m.group(3)))
        else:
            body.append(line)
    text = "\n".join(body).strip()
    problems = [f"undefined footnote [^{k}]" for k in sorted(set(_REF.findall(text)) - set(defs))]
    problems += [f"number without a source: {s}" for s in unsourced_sentences(text)]
    if problems:
        return EditorialBlock(None, problems)
    keys = {k: reg.ref(url, at, "editor") for k, (url, at) in defs.items()
            if f"[^{k}]" in text}
    text = _REF.sub(lambda m: f"[^{keys[m.group(1)]}]", text)
    # the block is Markdown, but no raw HTML gets through
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return EditorialBlock(text)
