"""A project's health detail in the reader's language.

`landscape/project_health.py` stores the facts a health signal rests on (table
`project_health`, column `facts`: version, release and push dates, months, drops); this words
them with the report's labels (`health_why_*` in templates/labels.toml, which reuse
`latest_release` and `col_dl90`), so the dashboard and the CLI say why a project is dormant in
one wording per language.
"""

from __future__ import annotations

import json
from typing import Any

from landscape.project_health import PUSHES_UNKNOWN
from report.render import load_labels


def _facts(facts: Any) -> dict[str, Any] | None:
    """The stored facts as a dict (DuckDB hands JSON back as text)."""
    if isinstance(facts, str):
        facts = json.loads(facts)
    return facts if isinstance(facts, dict) else None


def health_detail(signal: str | None, facts: Any, lang: str) -> str | None:
    """Why a project has its health, in `lang`; None when its month was judged without facts
    (before they were stored) or the signal is unknown."""
    f = _facts(facts)
    if signal is None or f is None:
        return None
    lab = load_labels()[lang]
    if signal in ("repo_archived", "no_data", "no_project"):
        return lab[f"health_why_{signal}"]
    if signal == "downloads_falling":
        drops = lab["health_why_sep"].join(f"{d:+.1f}%" for d in f.get("drops", []))
        return lab["health_why_slowing"].format(col_dl90=lab["col_dl90"], n=f.get("months"),
                                                drops=drops)
    if signal not in ("no_release_no_push", "recent_activity", PUSHES_UNKNOWN):
        return None
    release = (lab["health_why_release"].format(latest_release=lab["latest_release"],
                                                version=f.get("version") or "",
                                                date=f["release"])
               if f.get("release") else lab["health_why_no_release"])
    if signal == PUSHES_UNKNOWN:  # what is known: no release in the window; pushes are not
        return release + lab["health_why_sep"] + lab["health_why_push_unknown"].format(
            n=f.get("months"))
    # a push after the month has no date here: the month's own last push is not known
    # (landscape/project_health.py), and a reader of the month sees no date past it
    pushes = ([lab["health_why_push"].format(date=f["push"])] if f.get("push") else []) \
        + ([lab["health_why_push_after"]] if f.get("push_after") else [])
    push = lab["health_why_sep"].join(pushes) or lab["health_why_no_push"]
    text = release + lab["health_why_sep"] + push
    if signal == "no_release_no_push":
        text += lab["health_why_dormant"].format(n=f.get("months"))
    return text
