"""The typed rows a report is made of (report/data.py builds them, templates and CSVs read
them). Every number is a `Figure` with its footnote; text from sources stays plain text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from connectors.error_kinds import ErrorKind
from report.config import Category, Judgement
from report.provenance import Figure


@dataclass(frozen=True)
class EntityRow:
    entity: str
    item_id: str
    url: str | None
    description: str | None  # as collected (English, from the source)
    category: str
    cat_rank: int | None
    downloads_90d: Figure
    downloads_month: Figure
    downloads_mom_pct: Figure  # calendar-month downloads vs the previous month (CSV only)
    stars: Figure
    stars_delta: Figure
    release_version: Figure
    release_date: Figure
    # 90-day downloads vs the previous month's snapshot: the report's one growth figure
    # (config/metrics.toml derived.downloads_90d_pct), the same the movers rank by
    downloads_90d_pct: Figure = field(default_factory=lambda: Figure(None, None))
    desc_zh: str = ""  # the editors' description (config/descriptions.toml), if any
    desc_en: str = ""
    confidence: float | None = None  # the machine's, for a pending suggestion
    needs_review: bool = False  # the machine's confidence is under the review threshold
    created_month: str | None = None

    def desc(self, lang: str) -> str:
        """The editors' text in `lang`, else what the source says (English)."""
        own = self.desc_zh if lang == "zh" else self.desc_en
        return own or (self.description or "")


@dataclass(frozen=True)
class MoverRow:
    entity: str
    item_id: str
    url: str | None
    category: str
    now: Figure
    prev: Figure
    pct: Figure
    rank: Figure
    rank_change: Figure


@dataclass(frozen=True)
class PaperRow:
    item_id: str
    arxiv_id: str
    title: str
    url: str | None
    authors: str
    category: str
    date: Figure
    reviewed: bool = True


@dataclass(frozen=True)
class TopicRow:
    name: str
    terms: str
    size: Figure
    examples: list[tuple[str, str | None]]  # (title, url) of its first items
    # (Chinese name from the glossary/taxonomy or None, English keyword) for each term
    localised: list[tuple[str | None, str]] = field(default_factory=list)


@dataclass(frozen=True)
class BreakthroughRow:
    """A major release or close paper the weekly check added to the month's draft."""

    title: str
    kind: str  # 'major_release' | 'close_paper'
    detail: str
    url: str | None
    detected: Figure


@dataclass(frozen=True)
class HealthRow:
    source: str
    status: str
    items_seen: Figure
    items_new: Figure
    requests: Figure
    errors: Figure
    error: str | None
    finished_at: datetime | None
    last_ok_month: str | None
    carried_age: int | None  # months since the last good collection, when this one failed
    ref: str  # footnote of the run record
    # what kinds of failure `error` records (connectors.error_kinds): what readers are told;
    # the raw `error` is shown apart, for an engineer
    error_kinds: tuple[ErrorKind, ...] = ()
    # the last month the source was collected completely (ok/unchanged; a partial one is not)
    last_complete_month: str | None = None


@dataclass
class CategorySection:
    category: Category
    total: Figure  # published (watched or reviewed) entries of the category
    new_count: Figure
    pending: Figure = field(default_factory=lambda: Figure(None, None))  # machine suggestions
    pending_new: Figure = field(default_factory=lambda: Figure(None, None))
    tools: list[EntityRow] = field(default_factory=list)
    new: list[EntityRow] = field(default_factory=list)
    papers: list[PaperRow] = field(default_factory=list)


@dataclass(frozen=True)
class FrameworkView:
    """One row of the framework comparison: the editors' judgement + this month's evidence."""

    row: EntityRow
    judgement: Judgement | None
    release: Figure  # this month's release version, if any
    health: str  # active | slowing | dormant | archived | unknown (project_health)
    # "active" on commits alone: no release within the health rule's dormant window. Printed
    # beside the status, as "active" next to a 2021 release reads as a mistake otherwise.
    no_recent_release: bool = False


@dataclass(frozen=True)
class GuideRow:
    """技术选型指南: per category, what the health signals recommend and what to watch."""

    category: Category
    recommended: list[EntityRow]
    caution: list[tuple[EntityRow, str]]  # (entry, health or analysis.NOT_RUST)
    # entity -> its main language, for the cautions that are not Rust projects
    languages: dict[str, Figure] = field(default_factory=dict)
