"""Where the report places a project: in its landscape (watched or reviewed), a machine
suggestion awaiting review, or not in it — decided per project, never per item.

The rule itself is the report's (`report.queries._rep_project`, read through
`dashboard.queries_scope.landscape_scope`); this module only turns a scope row into what the
Project page and the Search results say, so both say it the same way. Papers and posts are
no projects: the report takes a paper as reviewed when a person (or the watchlist) decided
its category (`report.queries.PAPERS_SQL`), else it awaits review (`paper_placement`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

LANDSCAPE, SUGGESTION, OUTSIDE = "landscape", "suggestion", "outside"
_TEXT = {
    "en": {"watched": "in the landscape (watched)", "reviewed": "in the landscape (reviewed)",
           SUGGESTION: "machine suggestion awaiting review", OUTSIDE: "not in the landscape"},
    "zh": {"watched": "全景收录（关注列表）", "reviewed": "全景收录（经人工审核）",
           SUGGESTION: "机器建议，待审核", OUTSIDE: "不在全景中"},
}
BADGE_COLOUR = {LANDSCAPE: "green", SUGGESTION: "violet", OUTSIDE: "gray"}


@dataclass(frozen=True)
class Placement:
    state: str               # LANDSCAPE | SUGGESTION | OUTSIDE
    category: str | None     # the category the report lists the project under
    watched: bool = False

    def text(self, lang: str) -> str:
        t = _TEXT.get(lang, _TEXT["en"])
        if self.state == LANDSCAPE:
            return t["watched" if self.watched else "reviewed"]
        return t[self.state]

    def badge(self, lang: str) -> str:
        """`st.markdown` badge of the placement (its text has no Markdown specials)."""
        return f":{BADGE_COLOUR[self.state]}-badge[{self.text(lang)}]"


def placement(scope: pd.DataFrame | None, project_id: Any) -> Placement | None:
    """The project's placement in `scope` (a `landscape_scope` frame of the month); None when
    the scope could not be read (then nothing is claimed)."""
    if scope is None:
        return None
    row = scope[scope["project_id"] == project_id]
    if row.empty:
        return Placement(OUTSIDE, None)
    r = row.iloc[0]
    return Placement(LANDSCAPE if bool(r["trusted"]) else SUGGESTION, str(r["category"]),
                     bool(r["watched"]))


def paper_placement(category: Any, decided_by: Any) -> Placement:
    """A paper's or post's placement by its own category decision, as PAPERS_SQL reads it."""
    if not isinstance(category, str) or category == "out_of_scope":
        return Placement(OUTSIDE, None)
    trusted = decided_by in ("review", "watchlist")
    return Placement(LANDSCAPE if trusted else SUGGESTION, category)
