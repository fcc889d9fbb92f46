"""Build the typed `ReportData` of one month from the report views (templates never see SQL).

Every figure is a `Figure` with a footnote key into `ReportData.sources`; aggregates point at
the CSV under `data/` that lists what they count. Queries are set-based: one materialised
entity table for the month (report/entity_tables.py), then small ORDER BY/LIMIT slices
(report/queries.py).

Published tables hold watched and person-reviewed entries only (`trusted` in the entity
table); the machine's suggestions are collected apart (`pending`, `pending_papers`) for the
draft's pending-review appendix. Counts are real counts: a cut table says "shown N of M".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from core.months import shift_month
from landscape.glossary import GlossaryTerm
from landscape.metrics import MetricDef, health_rules, load_metrics
from landscape.project_health import PUSHES_UNKNOWN, dormant_cutoff
from report import queries as q
from report import section_rows as sr
from report.analysis import (
    NO_RELEASE,
    UNKNOWN,
    Highlight,
    errata,
    framework_views,
    highlights,
    selection_guide,
)
from report.claims import ClaimResult, check_claims
from report.config import (
    load_claims,
    load_judgements,
    load_report_settings,
    report_glossary,
    review_threshold,
)
from report.editorial import EditorialBlock, load_block
from report.entity_tables import build_entity_table
from report.landscape_diff import LandscapeDiff, diff_rows, previous_published, published_rows
from report.languages import not_rust
from report.provenance import NO_DATA, Figure, Source
from report.releases import (
    RELEASES_SQL,
    ReleaseRow,
    distinct_releases,
    per_project,
)
from report.rows import (
    BreakthroughRow,
    CategorySection,
    EntityRow,
    FrameworkView,
    GuideRow,
    HealthRow,
    MoverRow,
    PaperRow,
    TopicRow,
)

# The seed's structure: which categories each landscape section holds (section key, ids).
SECTION_GROUPS: list[tuple[str, list[str]]] = [
    ("ecosystem", ["data-scientific", "model-formats", "systems-engineering"]),
    ("new_tools", ["ai-code-tools", "autodiff", "vector-db", "frontend-build", "ai-dev-tools"]),
    ("web_ai", ["agentic-web", "multimodal"]),
    ("edge", ["wasm-edge"]),
]


@dataclass
class ReportData:
    month: str
    prev_month: str
    run_id: str | None
    data_as_of: datetime | None
    categories: dict[str, CategorySection]
    groups: list[tuple[str, list[str]]]
    frameworks: list[EntityRow]
    movers: dict[str, list[MoverRow]]  # 'dl_up', 'dl_down', 'st_up', 'st_down'
    releases: list[ReleaseRow]  # the table: each project once, its most significant release
    emerging: list[TopicRow]
    health: list[HealthRow]
    claims: list[ClaimResult]
    diff: LandscapeDiff
    diff_ref: str  # footnote for ranks in the diff (data/changes.csv)
    landscape: list[dict[str, Any]]  # full ranked membership (for CSV, diff and publish)
    trend: list[dict[str, Any]]  # framework 90-day downloads per month (chart data)
    overview: dict[str, Figure]
    metrics: list[MetricDef]
    glossary: list[GlossaryTerm]
    sources: list[Source]
    breakthroughs: list[BreakthroughRow] = field(default_factory=list)
    limits: dict[str, int] = field(default_factory=dict)
    highlights: list[Highlight] = field(default_factory=list)
    framework_views: list[FrameworkView] = field(default_factory=list)
    guide: list[GuideRow] = field(default_factory=list)
    errata: list[ClaimResult] = field(default_factory=list)
    pending: list[EntityRow] = field(default_factory=list)  # machine suggestions, shown part
    pending_total: Figure = NO_DATA
    pending_papers: list[PaperRow] = field(default_factory=list)  # machine's, shown part
    pending_papers_total: Figure = NO_DATA
    review_below: float = 0.0
    editorial: dict[str, EditorialBlock] = field(default_factory=dict)
    all_releases: list[ReleaseRow] = field(default_factory=list)  # every distinct release
    release_projects: Figure = NO_DATA  # how many projects released this month
    health_of: dict[str, str] = field(default_factory=dict)  # entity -> health signal
    noise_floors: dict[str, float] = field(default_factory=dict)  # metric id -> floor
    guide_params: dict[str, float] = field(default_factory=dict)  # health rules, for the text
    synthetic: bool = False  # figures come from made-up recordings (the demo snapshot)
    # entity -> the Chinese name the watchlist gives it (`name_zh`), where it differs: the zh
    # report prints it (templates/_tables.md.j2 entity_name), the CSVs carry it for the charts
    names_zh: dict[str, str] = field(default_factory=dict)


def _project_health(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, str]:
    """Entity -> the month's project health (project_health, written by the monthly flow)."""
    if not q.relation_exists(con, "project_health"):
        return {}
    # By project id, through the entity table's names: two projects may share a raw name (a
    # watched project and a stranger crate); `_rep_entity` tells them apart, so one's health
    # never lands on the other.
    # unknown for want of its pushes, with no release in the window: named for what is known
    # and listed with care (report.analysis.NO_RELEASE), not left out as "not enough data"
    rows = con.execute("""
        SELECT e.entity, min(CASE WHEN h.signal = $quiet THEN $no_release ELSE h.status END)
        FROM _rep_entity e
        JOIN project_health h ON h.project_id = e.pid AND h.month = $month
        GROUP BY e.entity""", {"month": month, "quiet": PUSHES_UNKNOWN,
                               "no_release": NO_RELEASE}).fetchall()
    return dict(rows)


def _names_zh(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Entity -> the Chinese name of a published project the watchlist names in Chinese
    (projects.name_zh is name_en unless it gives one)."""
    return dict(con.execute("""
        SELECT e.entity, p.name_zh FROM _rep_entity e JOIN projects p ON p.project_id = e.pid
        WHERE e.trusted AND p.name_zh <> e.entity ORDER BY e.entity""").fetchall())


def build_report_data(con: duckdb.DuckDBPyConnection, month: str, *,
                      editorial_dir: Path | None = None) -> ReportData:
    """Everything the templates show for `month` ('YYYY-MM'), read from the report views."""
    settings = load_report_settings()
    limits = settings.limits
    prev, lo = shift_month(month, -1), shift_month(month, -limits.get("carry_months", 12))
    b = sr.Builder(month, prev)
    build_entity_table(con, month, prev, lo, limits.get("pending", 40))
    metric_defs = load_metrics()
    floors = {m.id: m.noise_floor or 0 for m in metric_defs}

    landscape = sr.query_rows(con, q.LANDSCAPE_SQL)
    sections = sr.read_sections(con, b, month, limits)
    frameworks = [b.entity(r) for r in sr.query_rows(
        con, "SELECT * FROM _rep_entity WHERE category = 'frameworks' AND trusted "
             "ORDER BY cat_rank LIMIT $n", n=limits.get("frameworks", 15))]
    movers = sr.read_movers(con, b, floors, limits.get("movers", 10))
    all_releases = distinct_releases(sr.query_rows(con, RELEASES_SQL, month=month), b.reg,
                                     settings.infrastructure)
    releases = per_project(all_releases)
    pending_papers, papers_total = sr.read_papers(con, b, month, sections,
                                                  limits.get("papers_per_category", 8))
    pending = [b.entity(r) for r in sr.query_rows(con, q.PENDING_SQL, month=month,
                                                  n=limits.get("pending", 40))]

    health_rows = sr.read_health(con, b, month)
    run_id, as_of = _run_of(con, month)
    claims = check_claims(con, load_claims(), b.reg)
    trend = sr.read_trend(con, month, lo, frameworks)
    diff = _diff(con, month, landscape)
    overview = sr.overview(b, landscape, sections, all_releases)
    breakthroughs = sr.read_breakthroughs(con, b, month)
    emerging = sr.read_emerging(con, b, month)

    # The rows a reader sees a health rating on: each framework and tool once.
    shown = list({row.entity: row for row in
                  frameworks + [t for s in sections.values() for t in s.tools]}.values())
    statuses = _project_health(con, month)
    health_of = {row.entity: statuses.get(row.entity, UNKNOWN) for row in shown}
    rate, rules = (lambda row: health_of[row.entity]), health_rules()
    wrong = errata(claims)
    notes = highlights(
        derived=b.derived, sections=sections, entries=overview["entities"], movers=movers,
        releases=all_releases, tools=[(row, health_of[row.entity]) for row in shown],
        topics=emerging, errata_count=len(wrong), pending_papers=papers_total)
    views = framework_views(frameworks, releases, load_judgements(), rate,
                            dormant_cutoff(month, rules).date())
    editorial = {lang: load_block(month, lang, b.reg, editorial_dir) for lang in ("zh", "en")}
    guide = selection_guide(sections, rate, frameworks, not_rust(con, b.reg))
    return ReportData(
        month, prev, run_id, as_of, sections, SECTION_GROUPS,
        frameworks, movers, releases, emerging, health_rows, claims, diff,
        b.reg.ref("data/changes.csv", None, "derived"),
        landscape, trend, overview, metric_defs, report_glossary(), b.reg.rows,
        breakthroughs=breakthroughs, limits=limits, highlights=notes, framework_views=views,
        guide=guide, errata=wrong,
        pending=pending, pending_total=b.derived(sum(s.pending.value or 0 for s in
                                                     sections.values()), "pending.csv"),
        pending_papers=pending_papers, pending_papers_total=papers_total, review_below=review_threshold(), editorial=editorial,
        all_releases=all_releases, health_of=health_of, noise_floors=floors,
        release_projects=b.derived(len(releases), "releases.csv"),
        guide_params=vars(rules), synthetic=_synthetic(con, month), names_zh=_names_zh(con))


def _synthetic(con: duckdb.DuckDBPyConnection, month: str) -> bool:
    """Whether any run up to `month` replayed made-up numbers (the demo snapshot): the
    report's figures and deltas come from every month so far, so one such run taints them."""
    return bool(con.execute("SELECT bool_or(coalesce(synthetic, false)) FROM runs"
                            " WHERE month <= ?", [month]).fetchone()[0])


def _run_of(con: duckdb.DuckDBPyConnection, month: str) -> tuple[str | None, datetime | None]:
    """(the run that speaks for the month, when it fetched its evidence). The monthly run
    (run_id == month) speaks for the month; a breakthrough check only adds. "Data as of" is
    when the run fetched, not when we render."""
    run_row = con.execute(
        "SELECT coalesce(max(run_id) FILTER (WHERE run_id = ?), max(run_id))"
        " FROM v_report_run_health WHERE month = ?", [month, month]).fetchone()
    run_id = run_row[0] if run_row else None
    as_of = con.execute(
        "SELECT coalesce((SELECT max(fetched_at) FROM raw_responses WHERE run_id = $r),"
        " (SELECT max(fetched_at) FROM observations WHERE run_id = $r))",
        {"r": run_id if run_row else month},
    ).fetchone()[0]
    return run_id, as_of


def _diff(con: duckdb.DuckDBPyConnection, month: str,
          landscape: list[dict[str, Any]]) -> LandscapeDiff:
    """The landscape against the latest published month before this one."""
    against = previous_published(con, month)
    cur_rows = [{"entity": r["entity"], "item_id": r["item_id"] or "",
                 "category": r["category"], "rank": r["cat_rank"]} for r in landscape]
    return diff_rows(month, against, published_rows(con, against) if against else [], cur_rows)


