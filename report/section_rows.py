"""The readers of the report's sections: query rows turned into typed rows (report/rows.py),
every figure registered with its source (`Builder`), one reader per section.

`report.data.build_report_data` calls them in order on the month's entity tables
(report/entity_tables.py) and assembles `ReportData`; the SQL is report/queries.py's.
"""

from __future__ import annotations

from typing import Any

import duckdb

from connectors.error_kinds import error_kinds
from core.months import months_between
from landscape.descriptions import load_descriptions
from report import queries as q
from report.config import load_categories, localise_terms, report_glossary, term_index
from report.provenance import NO_DATA, Figure, SourceRegistry
from report.releases import ReleaseRow, display_version
from report.rows import (
    BreakthroughRow,
    CategorySection,
    EntityRow,
    HealthRow,
    MoverRow,
    PaperRow,
    TopicRow,
)


def query_rows(con: duckdb.DuckDBPyConnection, sql: str, **params: Any) -> list[dict[str, Any]]:
    """The rows of `sql` as dicts, given only the parameters it names."""
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    cur = con.execute(sql, used)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


class Builder:
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


def read_sections(con: duckdb.DuckDBPyConnection, b: Builder, month: str,
                  limits: dict[str, int]) -> dict[str, CategorySection]:
    counts = {r["category"]: r for r in query_rows(con, q.NEW_COUNTS_SQL, month=month)}

    def count(cid: str, key: str, csv: str) -> Figure:
        return b.derived(counts.get(cid, {}).get(key, 0), csv)

    sections = {c.id: CategorySection(
        c, count(c.id, "total", "category_counts.csv"), count(c.id, "new", "category_counts.csv"),
        count(c.id, "pending", "pending.csv"), count(c.id, "pending_new", "pending.csv"))
        for c in load_categories()}
    for r in query_rows(con, q.TOOLS_SQL, n=limits.get("tools_per_category", 10)):
        if r["category"] in sections:
            sections[r["category"]].tools.append(b.entity(r))
    for r in query_rows(con, q.NEW_SQL, month=month, n=limits.get("new_per_category", 10)):
        if r["category"] in sections:
            sections[r["category"]].new.append(b.entity(r))
    return sections


def read_papers(con: duckdb.DuckDBPyConnection, b: Builder, month: str,
                sections: dict[str, CategorySection], n: int) -> tuple[list[PaperRow], Figure]:
    """Reviewed papers into their sections; the machine-classified ones are returned (the
    first `n` of each category) with how many there are in all."""
    pending, total = [], 0
    for r in query_rows(con, q.PAPERS_SQL, month=month, n=n):
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


def read_movers(con: duckdb.DuckDBPyConnection, b: Builder, floors: dict[str, float],
                n: int) -> dict[str, list[MoverRow]]:
    """'dl_up', 'dl_down', 'st_up', 'st_down': the biggest moves past each metric's floor."""
    movers: dict[str, list[MoverRow]] = {}
    for key, floor in (("dl", floors.get("downloads_recent", 0)), ("st", floors.get("stars", 0))):
        for direction in ("up", "down"):
            rows = query_rows(con, q.movers_sql(key, direction == "up"), floor=floor, n=n)
            movers[f"{key}_{direction}"] = [b.mover(r, key, f"movers_{key}.csv") for r in rows]
    return movers


def read_trend(con: duckdb.DuckDBPyConnection, month: str, lo: str,
               frameworks: list[EntityRow]) -> list[dict[str, Any]]:
    """The frameworks' monthly series since `lo` (framework_trend.csv, the trend chart)."""
    charted = [f.entity for f in frameworks]
    items = [r["item_id"] for r in query_rows(con, q.TREND_ITEMS_SQL, entities=charted)]
    return [{"entity": r["entity"], "period": r["period"], "value": r["o"]["v"],
             "source_url": r["o"]["u"], "fetched_at": r["o"]["f"]}
            for r in query_rows(con, q.TREND_SQL, month=month, lo=lo, entities=charted,
                           items=items)]


def overview(b: Builder, landscape: list[dict[str, Any]],
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


def read_health(con: duckdb.DuckDBPyConnection, b: Builder, month: str) -> list[HealthRow]:
    out = []
    for r in query_rows(con, q.HEALTH_SQL, month=month):
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


def read_breakthroughs(con: duckdb.DuckDBPyConnection, b: Builder,
                       month: str) -> list[BreakthroughRow]:
    """Flags of the weekly breakthrough check for this month (seed: added at once)."""
    if not q.relation_exists(con, "breakthroughs"):
        return []
    rows = query_rows(con, """
        SELECT title, kind, detail, url, detected_at FROM breakthroughs
        WHERE month = $month ORDER BY detected_at, kind, title""", month=month)
    return [BreakthroughRow(r["title"] or "", r["kind"], r["detail"] or "", r["url"],
                            b.reg.figure(r["detected_at"], r["url"], r["detected_at"],
                                         label="breakthrough check"))
            for r in rows]


def read_emerging(con: duckdb.DuckDBPyConnection, b: Builder, month: str) -> list[TopicRow]:
    """Emerging topics of the month's latest classification run (table owned by classify),
    with the titles of their first items (not their ids)."""
    if not q.relation_exists(con, "emerging_topics"):
        return []
    rows = query_rows(con, """
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
