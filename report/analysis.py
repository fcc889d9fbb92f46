"""The report's analysis, generated from the month's data: 本月要点 (highlights), the framework
comparison's live evidence, the 技术选型指南 (selection guide) and the 勘误 (errata).

Nothing here writes prose: each function returns typed facts whose numbers are `Figure`s with
footnotes, and templates/_analysis.md.j2 words them in each language. A highlight is only
produced when the data behind it exists, so no sentence stands without data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from report.claims import ClaimResult
from report.config import Judgement
from report.provenance import Figure
from report.releases import MAJOR, MINOR, ReleaseRow
from report.rows import CategorySection, EntityRow, FrameworkView, GuideRow, MoverRow, TopicRow

# Project health (landscape/project_health.py, rules in config/metrics.toml [health]): the
# report reads the month's status of each project, it does not judge on its own.
ACTIVE, SLOWING, DORMANT, ARCHIVED, UNKNOWN = "active", "slowing", "dormant", "archived", "unknown"
# not a status of its own: unknown (pushes not known) with no release in the dormant window
# (landscape.project_health.PUSHES_UNKNOWN); named for what is known, listed with care
NO_RELEASE = "no_release"
CAUTION = (ARCHIVED, DORMANT, SLOWING, NO_RELEASE)
# not a health status: the project's main language is known and is not Rust (report/languages)
NOT_RUST = "not_rust"
GUIDE_PICKS, GUIDE_CAUTIONS = 3, 4


@dataclass(frozen=True)
class Highlight:
    """One sentence of 本月要点: `kind` selects its wording, `f` holds its facts."""

    kind: str
    f: dict[str, Any] = field(default_factory=dict)


def framework_views(frameworks: list[EntityRow], releases: list[ReleaseRow],
                    judgements: dict[str, Judgement], health_of: Callable[[EntityRow], str],
                    release_cutoff: date | None = None) -> list[FrameworkView]:
    """The comparison rows: the editors' columns merged with this month's evidence.

    `release_cutoff`: the start of the health rule's dormant window; an active project whose
    latest release is older is active on its commits alone, and says so."""
    first_release = {}
    for r in releases:  # ranked: the first of a project is its most significant
        first_release.setdefault(r.entity, r.version)
    views = []
    for row in frameworks:
        health = health_of(row)
        released = row.release_date.value
        if isinstance(released, datetime):
            released = released.date()
        # a known release only: no release collected is "—" in the cell, not a claim
        quiet = (health == ACTIVE and release_cutoff is not None and released is not None
                 and released < release_cutoff)
        views.append(FrameworkView(row, judgements.get(row.entity),
                                   first_release.get(row.entity, Figure(None, None)), health,
                                   quiet))
    return views


def selection_guide(sections: dict[str, CategorySection],
                    health_of: Callable[[EntityRow], str],
                    frameworks: list[EntityRow] | None = None,
                    not_rust: dict[str, Figure] | None = None) -> list[GuideRow]:
    """Per category: the leading healthy entries (by downloads) and those to use with care.

    The core frameworks are rated over the comparison's rows (`frameworks`), not the category
    table's first N: an archived framework at the bottom must still be named with care, as
    the highlights and the comparison name it. A project in `not_rust` (entity -> its main
    language) is never a first choice of a guide to Rust technology, however healthy: it is
    named with care, with its language."""
    not_rust = not_rust or {}
    out = []
    for s in sections.values():
        rows = frameworks if frameworks is not None and s.category.id == "frameworks" else s.tools
        rated = [(row, NOT_RUST if row.entity in not_rust else health_of(row)) for row in rows]
        picks = [row for row, h in rated if h == ACTIVE][:GUIDE_PICKS]
        caution = [(row, h) for row, h in rated if h in (*CAUTION, NOT_RUST)][:GUIDE_CAUTIONS]
        if picks or caution:
            out.append(GuideRow(s.category, picks, caution, {
                row.entity: not_rust[row.entity] for row, h in caution if h == NOT_RUST}))
    return out


def errata(claims: list[ClaimResult]) -> list[ClaimResult]:
    """Where the collected data (or an editor's evidence) contradicts the seed."""
    return [c for c in claims if c.contradicts_seed]


def highlights(*, derived: Callable[[Any, str], Figure], sections: dict[str, CategorySection],
               entries: Figure, movers: dict[str, list[MoverRow]], releases: list[ReleaseRow],
               tools: list[tuple[EntityRow, str]], topics: list[TopicRow],
               errata_count: int, pending_papers: Figure | None = None) -> list[Highlight]:
    """本月要点: 4–8 sentences, each from data that exists this month (see module doc)."""
    out = []
    pending = sum(s.pending.value or 0 for s in sections.values())
    pending_new = sum(s.pending_new.value or 0 for s in sections.values())
    used = sum(1 for s in sections.values() if s.total.value)
    out.append(Highlight("landscape", {
        "entries": entries, "categories": derived(used, "category_counts.csv"),
        "pending": derived(pending, "pending.csv"),
        "pending_new": derived(pending_new, "pending.csv"),
        # the appendix lists new papers awaiting review too: said apart, as papers
        "papers": pending_papers or derived(0, "pending.csv")}))
    if movers.get("dl_up"):
        up = movers["dl_up"]
        out.append(Highlight("riser", {"top": up[0], "next": up[1] if len(up) > 1 else None,
                                       "fall": (movers.get("dl_down") or [None])[0]}))
    if releases:
        features = [r for r in releases if r.level in (MAJOR, MINOR)]
        out.append(Highlight("releases", {
            "total": derived(len(releases), "releases.csv"),
            "projects": derived(len({r.entity for r in releases}), "releases.csv"),
            "features": derived(len(features), "releases.csv"),
            "notable": releases[:3]}))
    # a gain only: in a month when every watched repository lost stars, "gained the most
    # stars: -3" would contradict itself
    stars = [row for row, _ in tools if (row.stars_delta.value or 0) > 0]
    if stars:
        top = max(stars, key=lambda r: (r.stars_delta.value, r.entity))
        out.append(Highlight("stars", {"row": top}))
    new_total = sum(s.new_count.value or 0 for s in sections.values())
    busiest = max(sections.values(), key=lambda s: (s.pending_new.value or 0, s.category.id))
    out.append(Highlight("new", {
        "total": derived(new_total, "category_counts.csv"),
        "busiest": busiest.category if busiest.pending_new.value else None,
        "busiest_n": busiest.pending_new}))
    caution = [(row, h) for row, h in tools if h in CAUTION and row.category == "frameworks"]
    if caution:
        out.append(Highlight("health", {
            "n": derived(len(caution), "frameworks.csv"), "rows": caution}))
    if topics:
        out.append(Highlight("topics", {"n": derived(len(topics), "emerging_topics.csv"),
                                        "top": topics[0]}))
    if errata_count:
        out.append(Highlight("errata", {"n": derived(errata_count, "claims.csv")}))
    return out[:8]
