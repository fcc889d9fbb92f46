"""Build the typed `ReportData` of one month from the report views (templates never see SQL).

Every figure is a `Figure` with a footnote key into `ReportData.sources`; aggregates point at
the CSV under `data/` that lists what they count. Queries are set-based: one materialised
entity table for the month, then small ORDER BY/LIMIT slices (report/queries.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from core.months import months_between, shift_month
from report import queries as q
from report.claims import ClaimResult, check_claims
from report.config import (
    Category,
    GlossaryTerm,
    MetricDef,
    load_categories,
    load_claims,
    load_glossary,
    load_metrics,
)
from report.diff import LandscapeDiff, diff_rows, previous_published, published_rows
from report.provenance import NO_DATA, Figure, Source, SourceRegistry

# The seed's structure: which categories each landscape section holds (section key, ids).
SECTION_GROUPS: list[tuple[str, list[str]]] = [
    ("ecosystem", ["data-scientific", "model-formats", "systems-engineering"]),
    ("new_tools", ["ai-code-tools", "autodiff", "vector-db", "frontend-build", "ai-dev-tools"]),
    ("web_ai", ["agentic-web", "multimodal"]),
    ("edge", ["wasm-edge"]),
]
TOOLS_PER_CATEGORY, NEW_PER_CATEGORY, PAPERS_PER_CATEGORY = 10, 10, 8
FRAMEWORKS_MAX, MOVERS_MAX, RELEASES_MAX, CARRY_MONTHS = 15, 10, 15, 12


@dataclass(frozen=True)
class EntityRow:
    entity: str
    item_id: str
    url: str | None
    description: str | None
    category: str
    cat_rank: int | None
    downloads_90d: Figure
    downloads_month: Figure
    downloads_mom_pct: Figure
    stars: Figure
    stars_delta: Figure
    release_version: Figure
    release_date: Figure


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
class ReleaseRow:
    entity: str
    item_id: str
    category: str
    version: Figure
    date: Figure
    url: str | None
    notes: str


@dataclass(frozen=True)
class PaperRow:
    item_id: str
    arxiv_id: str
    title: str
    url: str | None
    authors: str
    category: str
    date: Figure


@dataclass(frozen=True)
class TopicRow:
    name: str
    terms: str
    size: Figure
    examples: str


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


@dataclass
class CategorySection:
    category: Category
    total: Figure
    new_count: Figure
    tools: list[EntityRow] = field(default_factory=list)
    new: list[EntityRow] = field(default_factory=list)
    papers: list[PaperRow] = field(default_factory=list)


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
    releases: list[ReleaseRow]
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


def _rows(con: duckdb.DuckDBPyConnection, sql: str, **params: Any) -> list[dict[str, Any]]:
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    cur = con.execute(sql, used)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


class _Builder:
    """Turns query rows into typed rows, registering every source it cites."""

    def __init__(self, month: str, prev: str) -> None:
        self.month, self.prev, self.reg = month, prev, SourceRegistry()

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
        delta = NO_DATA
        if r["st_cur"] is not None and r["st_old"] is not None:
            delta = self.reg.figure(r["st_cur"] - r["st_old"], st["now"]["u"], st["now"]["f"])
        rel_v = rel_d = NO_DATA
        if rel:
            rel_v = self.reg.figure(rel["version"], rel["u"], rel["f"])
            rel_d = self.reg.figure(rel["published_at"], rel["u"], rel["f"])
        return EntityRow(
            r["entity"], main.get("item_id", ""), main.get("url"), main.get("description"),
            r["category"], r.get("cat_rank"), self.fig(dl.get("now")),
            self.fig(mnow, exact=None), mom, self.fig(st.get("now")), delta, rel_v, rel_d)

    def mover(self, r: dict[str, Any], key: str, csv: str) -> MoverRow:
        s = (r[key] or {})
        main = r["main"] or {}
        return MoverRow(
            r["entity"], main.get("item_id", ""), main.get("url"), r["category"],
            self.fig(s.get("now"), self.month), self.fig(s.get("prev"), self.prev),
            self.reg.figure(r["pct"], s["now"]["u"], s["now"]["f"]),
            self.derived(r["rank_now"], csv), self.derived(r["rank_change"], csv))


def build_report_data(con: duckdb.DuckDBPyConnection, month: str) -> ReportData:
    """Everything the templates show for `month` ('YYYY-MM'), read from the report views."""
    prev, lo = shift_month(month, -1), shift_month(month, -CARRY_MONTHS)
    b = _Builder(month, prev)
    q.build_entity_table(con, month, prev, lo)
    cats = load_categories()
    metric_defs = load_metrics()
    floors = {m.id: m.noise_floor or 0 for m in metric_defs}

    landscape = _rows(con, q.LANDSCAPE_SQL)
    counts = {r["category"]: r for r in _rows(con, q.NEW_COUNTS_SQL, month=month)}
    sections = {c.id: CategorySection(
        c, b.derived(counts.get(c.id, {}).get("total", 0), "category_counts.csv"),
        b.derived(counts.get(c.id, {}).get("new", 0), "category_counts.csv")) for c in cats}
    for r in _rows(con, q.TOOLS_SQL, n=TOOLS_PER_CATEGORY):
        if r["category"] in sections:
            sections[r["category"]].tools.append(b.entity(r))
    for r in _rows(con, q.NEW_SQL, month=month, n=NEW_PER_CATEGORY):
        if r["category"] in sections:
            sections[r["category"]].new.append(b.entity(r))
    frameworks = [b.entity(r) for r in _rows(
        con, "SELECT * FROM _rep_entity WHERE category = 'frameworks' "
             "ORDER BY cat_rank LIMIT $n", n=FRAMEWORKS_MAX)]

    movers: dict[str, list[MoverRow]] = {}
    for key, floor in (("dl", floors.get("downloads_recent", 0)), ("st", floors.get("stars", 0))):
        for direction in ("up", "down"):
            rows = _rows(con, q.movers_sql(key, direction == "up"), floor=floor, n=MOVERS_MAX)
            movers[f"{key}_{direction}"] = [b.mover(r, key, f"movers_{key}.csv") for r in rows]

    releases = [ReleaseRow(
        r["entity"], r["item_id"], r["category"],
        b.reg.figure(r["version"], r["source_url"], r["fetched_at"]),
        b.reg.figure(r["published_at"], r["source_url"], r["fetched_at"]),
        r["url"], " ".join((r["notes"] or "").split())[:160])
        for r in _rows(con, q.RELEASES_SQL, month=month, n=RELEASES_MAX)]

    for r in _rows(con, q.PAPERS_SQL, month=month, n=PAPERS_PER_CATEGORY):
        section = sections.get(r["category"]) or sections["uncategorized"]
        authors = list(r["authors"] or [])
        section.papers.append(PaperRow(
            r["item_id"], r["arxiv_id"], r["title"], r["abs_url"],
            ", ".join(authors[:3]) + (" et al." if len(authors) > 3 else ""), r["category"],
            b.reg.figure(r["published_at"], r["source_url"], r["fetched_at"])))

    health = _health(con, b, month)
    # The monthly run (run_id == month) speaks for the month; a breakthrough check only adds.
    run_row = con.execute(
        "SELECT coalesce(max(run_id) FILTER (WHERE run_id = ?), max(run_id))"
        " FROM v_report_run_health WHERE month = ?", [month, month]).fetchone()
    claims = check_claims(con, load_claims(), b.reg)
    trend = [{"entity": r["entity"], "period": r["period"], "value": r["o"]["v"],
              "source_url": r["o"]["u"], "fetched_at": r["o"]["f"]}
             for r in _rows(con, q.TREND_SQL, month=month, lo=lo,
                            entities=[f.entity for f in frameworks])]
    against = previous_published(con, month)
    cur_rows = [{"entity": r["entity"], "item_id": r["item_id"] or "",
                 "category": r["category"], "rank": r["cat_rank"]} for r in landscape]
    diff = diff_rows(month, against, published_rows(con, against) if against else [], cur_rows)
    overview = {
        "entities": b.derived(len(landscape), "landscape.csv"),
        "new": b.derived(sum(int(c["new"]) for c in counts.values()), "category_counts.csv"),
        "releases": b.derived(len(releases), "releases.csv"),
        "papers": b.derived(sum(len(s.papers) for s in sections.values()), "papers.csv"),
    }
    # "Data as of" is when the month's run fetched its evidence, not when we render.
    run_id = run_row[0] if run_row else month
    as_of = con.execute(
        "SELECT coalesce((SELECT max(fetched_at) FROM raw_responses WHERE run_id = $r),"
        " (SELECT max(fetched_at) FROM observations WHERE run_id = $r))", {"r": run_id},
    ).fetchone()[0]
    breakthroughs = _breakthroughs(con, b, month)
    return ReportData(
        month, prev, run_row[0] if run_row else None, as_of, sections, SECTION_GROUPS,
        frameworks, movers, releases, _emerging(con, b, month), health, claims, diff,
        b.reg.ref("data/changes.csv", None, "derived"),
        landscape, trend, overview, metric_defs, load_glossary(), b.reg.rows,
        breakthroughs=breakthroughs)


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
                             b.reg.ref(url, at, "run record")))
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
    """Emerging topics of the month's latest classification run (table owned by classify)."""
    if not q.relation_exists(con, "emerging_topics"):
        return []
    rows = _rows(con, """
        SELECT t.* FROM emerging_topics t
        WHERE t.run_id IN (SELECT run_id FROM runs WHERE month = $month)
           OR t.run_id LIKE $month || '%'
        QUALIFY dense_rank() OVER (ORDER BY t.run_id DESC) = 1
        ORDER BY t.size DESC, t.name LIMIT 10""", month=month)
    out = []
    for r in rows:
        terms = r["terms"] if isinstance(r["terms"], str) else ", ".join(r["terms"] or [])
        ids = r["item_ids"] if isinstance(r["item_ids"], list) else []
        out.append(TopicRow(r["name"] or "", terms, b.derived(r["size"], "emerging_topics.csv"),
                            ", ".join(str(i) for i in ids[:3])))
    return out
