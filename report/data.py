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

from connectors.error_kinds import error_kinds
from core.months import months_between, shift_month
from landscape.descriptions import load_descriptions
from landscape.glossary import GlossaryTerm
from landscape.metrics import MetricDef, health_rules, load_metrics
from landscape.project_health import dormant_cutoff
from report import queries as q
from report.analysis import UNKNOWN, Highlight, errata, framework_views, highlights, selection_guide
from report.claims import ClaimResult, check_claims
from report.config import (
    load_categories,
    load_claims,
    load_judgements,
    load_report_settings,
    localise_terms,
    report_glossary,
    review_threshold,
    term_index,
)
from report.diff import LandscapeDiff, diff_rows, previous_published, published_rows
from report.editorial import EditorialBlock, load_block
from report.entity_tables import build_entity_table
from report.languages import not_rust
from report.provenance import NO_DATA, Figure, Source, SourceRegistry
from report.releases import (
    RELEASES_SQL,
    ReleaseRow,
    display_version,
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


def _rows(con: duckdb.DuckDBPyConnection, sql: str, **params: Any) -> list[dict[str, Any]]:
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    cur = con.execute(sql, used)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


class _Builder:
    """Turns query rows into typed rows, registering every source it cites."""

    def __init__(self, month: str, prev: str) -> None:
        self.month, self.prev, self.reg = month, prev, SourceRegistry()
        self.descriptions = load_descriptions()

    def fig(self, s: dict[str, Any] | None, exact: str | None = None) -> Figure:
        """Figure from a `{v, p, u, f}` struct; `exact` demands that period (no carrying)."""
        if not s or s.get("v") is None or (exact and s.get("p") != exact):
            return NO_DATA
        # a previous-month column is "carried" only relative to the month it stands for
        return self.reg.figure(s["v"], s["u"], s["f"], period=s["p"], month=exact or self.month)

    def derived(self, value: Any, csv: str) -> Figure:
        return Figure(value, self.reg.ref(f"data/{csv}", None, "derived"))

    def entity(self, r: dict[str, Any]) -> EntityRow:
        dl, st, rel, main = r["dl"] or {}, r["st"] or {}, r["rel"], r["main"] or {}
        mnow, mprev = dl.get("mnow"), dl.get("mprev")
        mom = NO_DATA
        if mnow and mprev and mnow["p"] == self.month and mprev["p"] == self.prev and mprev["v"]:
            mom = self.reg.figure((mnow["v"] - mprev["v"]) / mprev["v"] * 100, mnow["u"], mnow["f"])
        delta = pct = NO_DATA
        if r["st_cur"] is not None and r["st_old"] is not None:
            delta = self.reg.figure(r["st_cur"] - r["st_old"], st["now"]["u"], st["now"]["f"])
        if r.get("dl_pct") is not None:
            pct = self.reg.figure(r["dl_pct"], dl["now"]["u"], dl["now"]["f"])
        rel_v = rel_d = NO_DATA
        if rel:
            rel_v = self.reg.figure(_release_text(rel, main), rel["u"], rel["f"])
            rel_d = self.reg.figure(rel["published_at"], rel["u"], rel["f"])
        own = self.descriptions.get(r["entity"], {}) if r.get("watched") else {}
        return EntityRow(
            r["entity"], main.get("item_id", ""), main.get("url"), main.get("description"),
            r["category"], r.get("cat_rank"), self.fig(dl.get("now")),
            self.fig(mnow, exact=None), mom, self.fig(st.get("now")), delta, rel_v, rel_d,
            pct, own.get("zh", ""), own.get("en", ""), r.get("machine_confidence"),
            bool(r.get("needs_review")), r.get("created_month"))

    def mover(self, r: dict[str, Any], key: str, csv: str) -> MoverRow:
        s = (r[key] or {})
        main = r["main"] or {}
        return MoverRow(
            r["entity"], main.get("item_id", ""), main.get("url"), r["category"],
            self.fig(s.get("now"), self.month), self.fig(s.get("prev"), self.prev),
            self.reg.figure(r["pct"], s["now"]["u"], s["now"]["f"]),
            self.derived(r["rank_now"], csv), self.derived(r["rank_change"], csv))

    def paper(self, r: dict[str, Any]) -> PaperRow:
        authors = list(r["authors"] or [])
        return PaperRow(
            r["item_id"], r["arxiv_id"], r["title"], r["abs_url"],
            ", ".join(authors[:3]) + (" et al." if len(authors) > 3 else ""), r["category"],
            self.reg.figure(r["published_at"], r["source_url"], r["fetched_at"]),
            bool(r.get("trusted")))


def _sections(con: duckdb.DuckDBPyConnection, b: _Builder, month: str,
              limits: dict[str, int]) -> dict[str, CategorySection]:
    counts = {r["category"]: r for r in _rows(con, q.NEW_COUNTS_SQL, month=month)}

    def count(cid: str, key: str, csv: str) -> Figure:
        return b.derived(counts.get(cid, {}).get(key, 0), csv)

    sections = {c.id: CategorySection(
        c, count(c.id, "total", "category_counts.csv"), count(c.id, "new", "category_counts.csv"),
        count(c.id, "pending", "pending.csv"), count(c.id, "pending_new", "pending.csv"))
        for c in load_categories()}
    for r in _rows(con, q.TOOLS_SQL, n=limits.get("tools_per_category", 10)):
        if r["category"] in sections:
            sections[r["category"]].tools.append(b.entity(r))
    for r in _rows(con, q.NEW_SQL, month=month, n=limits.get("new_per_category", 10)):
        if r["category"] in sections:
            sections[r["category"]].new.append(b.entity(r))
    return sections


def _papers(con: duckdb.DuckDBPyConnection, b: _Builder, month: str,
            sections: dict[str, CategorySection], n: int) -> tuple[list[PaperRow], Figure]:
    """Reviewed papers into their sections; the machine-classified ones are returned (the
    first `n` of each category) with how many there are in all."""
    pending, total = [], 0
    for r in _rows(con, q.PAPERS_SQL, month=month, n=n):
        paper, total = b.paper(r), r["pending_total"]
        if not paper.reviewed:
            pending.append(paper)
            continue
        (sections.get(r["category"]) or sections["uncategorized"]).papers.append(paper)
    return pending, b.derived(total, "pending.csv")


def _release_text(rel: dict[str, Any], main: dict[str, Any]) -> str:
    """A project's latest version, named by its crate when a sub-crate released it: the
    tracing project's newest release is tracing-subscriber 0.5.0, which printed as a bare
    "0.5.0" beside tracing would misstate tracing's own version (0.1.x)."""
    item, lead = str(rel.get("item") or ""), str(main.get("item_id") or "")
    version = display_version(str(rel["version"]))
    if item.startswith("crate:") and lead.startswith("crate:") and item != lead:
        return f"{item.split(':', 1)[1]} {version}"
    return version


def _project_health(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, str]:
    """Entity -> the month's project health (project_health, written by the monthly flow)."""
    if not q.relation_exists(con, "project_health"):
        return {}
    # By project id, through the entity table's names: two projects may share a raw name (a
    # watched project and a stranger crate); `_rep_entity` tells them apart, so one's health
    # never lands on the other.
    rows = con.execute("""
        SELECT e.entity, min(h.status) FROM _rep_entity e
        JOIN project_health h ON h.project_id = e.pid AND h.month = $month
        GROUP BY e.entity""", {"month": month}).fetchall()
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
    b = _Builder(month, prev)
    build_entity_table(con, month, prev, lo, limits.get("pending", 40))
    metric_defs = load_metrics()
    floors = {m.id: m.noise_floor or 0 for m in metric_defs}

    landscape = _rows(con, q.LANDSCAPE_SQL)
    sections = _sections(con, b, month, limits)
    frameworks = [b.entity(r) for r in _rows(
        con, "SELECT * FROM _rep_entity WHERE category = 'frameworks' AND trusted "
             "ORDER BY cat_rank LIMIT $n", n=limits.get("frameworks", 15))]
    movers = _movers(con, b, floors, limits.get("movers", 10))
    all_releases = distinct_releases(_rows(con, RELEASES_SQL, month=month), b.reg,
                                     settings.infrastructure)
    releases = per_project(all_releases)
    pending_papers, papers_total = _papers(con, b, month, sections,
                                           limits.get("papers_per_category", 8))
    pending = [b.entity(r) for r in _rows(con, q.PENDING_SQL, month=month,
                                          n=limits.get("pending", 40))]

    health_rows = _health(con, b, month)
    run_id, as_of = _run_of(con, month)
    claims = check_claims(con, load_claims(), b.reg)
    trend = _trend(con, month, lo, frameworks)
    diff = _diff(con, month, landscape)
    overview = _overview(b, landscape, sections, all_releases)
    breakthroughs = _breakthroughs(con, b, month)
    emerging = _emerging(con, b, month)

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


def _movers(con: duckdb.DuckDBPyConnection, b: _Builder, floors: dict[str, float],
            n: int) -> dict[str, list[MoverRow]]:
    """'dl_up', 'dl_down', 'st_up', 'st_down': the biggest moves past each metric's floor."""
    movers: dict[str, list[MoverRow]] = {}
    for key, floor in (("dl", floors.get("downloads_recent", 0)), ("st", floors.get("stars", 0))):
        for direction in ("up", "down"):
            rows = _rows(con, q.movers_sql(key, direction == "up"), floor=floor, n=n)
            movers[f"{key}_{direction}"] = [b.mover(r, key, f"movers_{key}.csv") for r in rows]
    return movers


def _trend(con: duckdb.DuckDBPyConnection, month: str, lo: str,
           frameworks: list[EntityRow]) -> list[dict[str, Any]]:
    """The frameworks' monthly series since `lo` (framework_trend.csv, the trend chart)."""
    charted = [f.entity for f in frameworks]
    items = [r["item_id"] for r in _rows(con, q.TREND_ITEMS_SQL, entities=charted)]
    return [{"entity": r["entity"], "period": r["period"], "value": r["o"]["v"],
             "source_url": r["o"]["u"], "fetched_at": r["o"]["f"]}
            for r in _rows(con, q.TREND_SQL, month=month, lo=lo, entities=charted,
                           items=items)]


def _overview(b: _Builder, landscape: list[dict[str, Any]],
              sections: dict[str, CategorySection],
              all_releases: list[ReleaseRow]) -> dict[str, Figure]:
    """The month at a glance: each count a derived figure pointing at the CSV it counts."""
    return {
        "entities": b.derived(len(landscape), "landscape.csv"),
        "new": b.derived(sum(s.new_count.value or 0 for s in sections.values()),
                         "category_counts.csv"),
        "releases": b.derived(len(all_releases), "releases.csv"),
        "papers": b.derived(sum(len(s.papers) for s in sections.values()), "papers.csv"),
    }


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


def _health(con: duckdb.DuckDBPyConnection, b: _Builder, month: str) -> list[HealthRow]:
    out = []
    for r in _rows(con, q.HEALTH_SQL, month=month):
        url, at = f"run:{r['run_id']}/{r['source']}", r["finished_at"]
        figs = [b.reg.figure(r[k], url, at, label="run record")
                for k in ("items_seen", "items_new", "requests", "errors")]
        last_ok = r["last_ok_month"]
        failed = r["status"] == "failed"
        age = months_between(last_ok, month) if failed and last_ok and last_ok < month else None
        out.append(HealthRow(r["source"], r["status"], *figs, r["error"], at, last_ok, age,
                             b.reg.ref(url, at, "run record"), tuple(error_kinds(r["error"])),
                             r["last_complete_month"]))
    return out


def _breakthroughs(con: duckdb.DuckDBPyConnection, b: _Builder,
                   month: str) -> list[BreakthroughRow]:
    """Flags of the weekly breakthrough check for this month (seed: added at once)."""
    if not q.relation_exists(con, "breakthroughs"):
        return []
    rows = _rows(con, """
        SELECT title, kind, detail, url, detected_at FROM breakthroughs
        WHERE month = $month ORDER BY detected_at, kind, title""", month=month)
    return [BreakthroughRow(r["title"] or "", r["kind"], r["detail"] or "", r["url"],
                            b.reg.figure(r["detected_at"], r["url"], r["detected_at"],
                                         label="breakthrough check"))
            for r in rows]


def _emerging(con: duckdb.DuckDBPyConnection, b: _Builder, month: str) -> list[TopicRow]:
    """Emerging topics of the month's latest classification run (table owned by classify),
    with the titles of their first items (not their ids)."""
    if not q.relation_exists(con, "emerging_topics"):
        return []
    rows = _rows(con, """
        SELECT t.* FROM emerging_topics t
        WHERE t.run_id IN (SELECT run_id FROM runs WHERE month = $month)
           OR t.run_id LIKE $month || '%'
        QUALIFY dense_rank() OVER (ORDER BY t.run_id DESC) = 1
        ORDER BY t.size DESC, t.name LIMIT 10""", month=month)
    first = {r["topic_id"]: [str(i) for i in list(r["item_ids"] or [])[:3]] for r in rows}
    ids = sorted({i for v in first.values() for i in v})
    titles = {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT item_id, coalesce(title, name), url FROM items WHERE list_contains($ids, item_id)",
        {"ids": ids}).fetchall()}
    index = term_index(report_glossary(), load_categories())
    out = []
    for r in rows:
        terms = r["terms"] if isinstance(r["terms"], str) else ", ".join(r["terms"] or [])
        out.append(TopicRow(r["name"] or "", terms, b.derived(r["size"], "emerging_topics.csv"),
                            [titles.get(i, (i, None)) for i in first[r["topic_id"]]],
                            localise_terms([t for t in terms.split(", ") if t], index)))
    return out
