"""How the Project page and the Search results show a placement: its badge.

Where a project (or a paper) is placed is the report's rule and words (`report.placement`,
also read by `panorama search`); this module only gives each state its badge colour.
"""

from __future__ import annotations

from report.placement import LANDSCAPE, OUTSIDE, SUGGESTION, Placement

BADGE_COLOUR = {LANDSCAPE: "green", SUGGESTION: "violet", OUTSIDE: "gray"}


def badge(placed: Placement, lang: str) -> str:
    """`st.markdown` badge of the placement (its text has no Markdown specials)."""
    return f":{BADGE_COLOUR[placed.state]}-badge[{placed.text(lang)}]"
