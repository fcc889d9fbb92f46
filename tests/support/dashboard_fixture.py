"""The dashboard's fixture warehouse: the report area's fixture (real migrations + SQL inserts)
plus a classification layer with confidences, neighbours and a review queue, and report
revisions on disk (2025-10 published, 2025-11 draft).

When the classification area has not landed, the tables and the `v_item_category` view are
created here compatibly with docs/CONTRACTS.md (a person's decision wins over the machine,
the watchlist's category wins over the machine); once it lands, its own are used.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.support.fixture_warehouse import build_fixture_warehouse
from warehouse.db import connect
from warehouse.readonly import relations

log = logging.getLogger(__name__)

NEAR_DUPLICATE = "crate:agent-kit-rs"
# machine classification: item -> (category, confidence, needs_review, neighbours)
MACHINE = {
    "crate:tiny-ml": ("frameworks", 0.93, False,
                      [("crate:candle-core", "frameworks", 0.91), ("crate:burn", "frameworks", 0.88)]),
    "crate:vecdb-lite": ("vector-db", 0.88, False,
                         [("exemplar:vector-db:qdrant", "vector-db", 0.86)]),
    # the first of the queue: least confident, and its description is hostile
    "crate:agent-kit": ("agentic-web", 0.31, True,
                        [("exemplar:agentic-web:rig", "agentic-web", 0.44),
                         ("repo:zed-industries/zed", "ai-dev-tools", 0.41),
                         ("crate:tiny-ml", "frameworks", 0.30)]),
    "crate:left-pad-rs": ("out_of_scope", 0.45, True, []),
    # a near-duplicate of agent-kit (same description): offered agent-kit's decision
    NEAR_DUPLICATE: ("agentic-web", 0.62, True,
                     [("exemplar:agentic-web:rig", "agentic-web", 0.43)]),
    "paper:2511.00001": ("ai-code-tools", 0.51, True,
                         [("paper:2508.04295", "ai-code-tools", 0.62)]),
    "paper:2511.00002": ("out_of_scope", 0.97, False, []),
    "paper:2508.04295": ("ai-code-tools", 0.95, False, []),
}
REVIEW_ITEM = "crate:agent-kit"  # machine says agentic-web; the tests reassign it
REVIEW_TARGET = "ai-dev-tools"

STANDIN_VIEW = """
CREATE OR REPLACE VIEW v_item_category AS
WITH review AS (
    SELECT * FROM review_decisions
    QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY decided_at DESC) = 1),
machine AS (
    SELECT * FROM classifications
    QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY classified_at DESC) = 1)
SELECT i.item_id,
       CASE WHEN r.item_id IS NOT NULL THEN coalesce(r.category, m.category)
            WHEN i.watch_category IS NOT NULL THEN i.watch_category
            ELSE m.category END AS category,
       CASE WHEN r.item_id IS NOT NULL OR i.watch_category IS NOT NULL THEN 1.0
            ELSE m.confidence END AS confidence,
       CASE WHEN r.item_id IS NOT NULL THEN 'review'
            WHEN i.watch_category IS NOT NULL THEN 'watchlist'
            ELSE 'machine' END AS decided_by,
       m.method, m.run_id,
       coalesce(r.item_id IS NULL AND i.watch_category IS NULL AND m.needs_review, false)
           AS needs_review,
       m.neighbours
FROM items i
LEFT JOIN machine m USING (item_id)
LEFT JOIN review r USING (item_id)
WHERE r.item_id IS NOT NULL OR m.item_id IS NOT NULL OR i.watch_category IS NOT NULL
"""

DRAFT_NOV = {
    "zh": "# 2025 AI × Rust 技术全景（2025-11 草稿）\n\n<!-- no-figures --> <!-- status -->\n> 草稿\n"
          "<!-- /status -->\n\n![核心框架下载量](charts/trend.svg)\n\n## 核心框架\n\n| 项目 | 90 天下载 |\n|---|---|\n"
          "| candle | 1,300,000 |\n| burn | 320,000 |\n\n## 本月新增\n\n- vecdb-lite\n- agent-kit\n",
    "en": "# 2025 AI × Rust landscape (2025-11 draft)\n\n<!-- no-figures --> <!-- status -->\n"
          "> Draft\n<!-- /status -->\n\n![Core frameworks downloads](charts/trend.svg)\n\n"
          "## Core frameworks\n\n| item | 90-day downloads |\n"
          "|---|---|\n| candle | 1,300,000 |\n| burn | 320,000 |\n\n## New this month\n\n- vecdb-lite\n"
          "- agent-kit\n",
}
CHART_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="120" viewBox="0 0 320 120">'
             '<polyline points="10,110 110,80 210,60 310,20" fill="none" stroke="#4e79a7" '
             'stroke-width="3"/></svg>\n')
PUBLISHED_OCT = {
    "zh": "# 2025 AI × Rust 技术全景（2025-10）\n\n## 核心框架\n\n| 项目 | 90 天下载 |\n|---|---|\n"
          "| candle | 1,000,000 |\n| burn | 330,000 |\n",
    "en": "# 2025 AI × Rust landscape (2025-10)\n\n## Core frameworks\n\n| item | 90-day downloads |\n"
          "|---|---|\n| candle | 1,000,000 |\n| burn | 330,000 |\n",
}


@dataclass(frozen=True)
class DashboardFixture:
    db: Path
    data_dir: Path
    reports_dir: Path

    def env(self) -> dict[str, str]:
        return {"PANORAMA_DB": str(self.db), "PANORAMA_DATA_DIR": str(self.data_dir),
                "PANORAMA_REPORTS_DIR": str(self.reports_dir)}

    @classmethod
    def under(cls, root: Path, monkeypatch=None) -> DashboardFixture:  # noqa: ANN001
        """The fixture of a folder `build_dashboard_warehouse(root)` filled, its environment
        applied (a module-scoped warehouse shared by a test module's tests)."""
        f = cls(root / "data" / "panorama.duckdb", root / "data", root / "reports")
        f.apply_env(monkeypatch)
        return f

    def apply_env(self, monkeypatch=None) -> None:  # noqa: ANN001 - pytest.MonkeyPatch
        for key, value in self.env().items():
            if monkeypatch is not None:
                monkeypatch.setenv(key, value)
            else:
                os.environ[key] = value


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def ensure_classification_schema(con) -> None:  # noqa: ANN001 - a DuckDB connection
    """Tables and view of the classification contract, when the classify area has not landed."""
    rels = relations(con)
    if "classifications" not in rels:
        con.execute("""CREATE TABLE classifications (item_id VARCHAR NOT NULL, run_id VARCHAR,
            category VARCHAR NOT NULL, confidence DOUBLE, method VARCHAR, model VARCHAR,
            neighbours JSON, needs_review BOOLEAN, classified_at TIMESTAMPTZ NOT NULL)""")
    if "review_decisions" not in rels:
        con.execute("""CREATE TABLE review_decisions (item_id VARCHAR NOT NULL,
            decision VARCHAR NOT NULL, category VARCHAR, reviewer VARCHAR NOT NULL,
            decided_at TIMESTAMPTZ NOT NULL, note VARCHAR)""")
    if "v_item_category" not in rels:
        con.execute(STANDIN_VIEW)


def _classification(con) -> None:  # noqa: ANN001
    ensure_classification_schema(con)
    for item_id, (cat, conf, review, nbs) in MACHINE.items():
        # the classify area's format: [{id, title, label, similarity}]
        neighbours = json.dumps([{"id": i, "title": i.split(":", 1)[1], "label": c,
                                  "similarity": s} for i, c, s in nbs])
        con.execute(
            "INSERT INTO classifications (item_id, run_id, category, confidence, method, model, "
            "neighbours, needs_review, classified_at) VALUES (?, '2025-11', ?, ?, 'knn', "
            "'all-MiniLM-L6-v2', ?, ?, ?)",
            [item_id, cat, conf, neighbours, review, _ts("2025-11-28T06:30:00")])


LANDSCAPE_CSV = {
    "2025-10": "entity,item_id,category,rank,downloads_90d,stars\n"
               "candle,crate:candle-core,frameworks,1,1000000,17600\n"
               "burn,crate:burn,frameworks,2,330000,11900\n"
               "tch-rs,crate:tch,frameworks,3,190000,\n",
    "2025-11": "entity,item_id,category,rank,downloads_90d,stars\n"
               "candle,crate:candle-core,frameworks,1,1300000,17600\n"
               "burn,crate:burn,frameworks,2,320000,11900\n"
               "vecdb-lite,crate:vecdb-lite,vector-db,1,800,\n",
}

# Run health as the report's CSV has it: crates.io went from ok to partial (one 404)
RUN_HEALTH_CSV = {
    "2025-10": "source,status,errors,error\ncrates,ok,0,\n",
    "2025-11": "source,status,errors,error\ncrates,partial,1,https://crates.io/api/v1/crates/"
               "llama_cpp: HTTP 404 from https://crates.io/api/v1/crates/llama_cpp\n",
}


def _content_sha(files: dict[str, str]) -> str:
    try:
        from report.build import content_sha
    except ImportError:  # same hashing as the report area's
        import hashlib

        h = hashlib.sha256()
        for name in sorted(files):
            h.update(name.encode() + b"\0" + files[name].encode("utf-8") + b"\0")
        return h.hexdigest()
    return content_sha(files)


def _reports(con, reports: Path) -> None:  # noqa: ANN001
    """The report area's layout: reports/YYYY-MM/revisions/rN/ plus the top-level copy."""
    for month, texts, status in (("2025-10", PUBLISHED_OCT, "published"),
                                 ("2025-11", DRAFT_NOV, "draft")):
        files = {f"landscape.{lang}.md": text for lang, text in texts.items()}
        files["data/landscape.csv"] = LANDSCAPE_CSV[month]
        files["data/run_health.csv"] = RUN_HEALTH_CSV[month]
        if status == "draft":  # the draft prints an item that still waits for review
            files["data/new_items.csv"] = ("entity,item_id\nagent-kit,crate:agent-kit\n"
                                           "vecdb-lite,crate:vecdb-lite\n")
        for folder in (reports / month / "revisions" / "r1", reports / month):
            for name, text in {**files, "charts/trend.svg": CHART_SVG}.items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_text(text, "utf-8")
        con.execute("INSERT INTO report_revisions VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
                    [month, status, _content_sha(files), f"{month}/revisions/r1", month,
                     _ts(f"{month}-28T06:00:00"), _ts(f"{month}-28T07:00:00")])
    con.execute("INSERT INTO publications VALUES ('2025-10', 1, 'Lin', ?, ?)",
                [_ts("2025-11-02T09:00:00"), "sha-oct"])
    for line in LANDSCAPE_CSV["2025-10"].splitlines()[1:]:
        entity, item_id, category, rank, *_ = line.split(",")
        con.execute("INSERT INTO report_published_items VALUES ('2025-10', ?, ?, ?, ?, NULL)",
                    [entity, item_id, category, int(rank)])


_TEMPLATE: Path | None = None  # the fixture built once per process (see below)


def build_dashboard_warehouse(root: Path) -> DashboardFixture:
    """The populated fixture under `root` (data/, reports/), each caller its own files.

    Building it embeds every item with the real model and builds the search index (2-4 s of
    CPU, more in a process that has not loaded the model yet) and two dozen tests each want a
    fresh one: it is built once per process into a folder no test writes to, and each caller
    gets a copy of the closed files (the DuckDB file, the index, the reports tree). The copy
    is the same warehouse byte for byte; the report revisions and the index refer to their
    files relative to their folders, so nothing points back at the template."""
    global _TEMPLATE
    if _TEMPLATE is None or not (_TEMPLATE / "data" / "panorama.duckdb").exists():
        template = Path(tempfile.mkdtemp(prefix="panorama-dashboard-fixture-"))
        atexit.register(shutil.rmtree, template, ignore_errors=True)
        _build(template)
        _TEMPLATE = template
    fx = DashboardFixture(root / "data" / "panorama.duckdb", root / "data", root / "reports")
    for part in ("data", "reports"):
        shutil.copytree(_TEMPLATE / part, root / part, dirs_exist_ok=True)
    return fx


def _build(root: Path) -> DashboardFixture:
    fx = DashboardFixture(root / "data" / "panorama.duckdb", root / "data", root / "reports")
    fx.data_dir.mkdir(parents=True, exist_ok=True)
    build_fixture_warehouse(fx.db, classification=False, hostile=True)
    with connect(path=fx.db) as con:
        _near_duplicate(con)
        _classification(con)
        _reports(con, fx.reports_dir)
        _embeddings(con, fx.data_dir)
    return fx


def _near_duplicate(con) -> None:  # noqa: ANN001
    """agent-kit published again under another name, with the same description."""
    con.execute("""
        INSERT INTO items SELECT * REPLACE (
            ? AS item_id, 'agent-kit-rs' AS name, 'agent-kit-rs' AS title,
            'https://crates.io/crates/agent-kit-rs' AS url,
            'https://crates.io/api/v1/crates/agent-kit-rs' AS source_url)
        FROM items WHERE item_id = 'crate:agent-kit'
    """, [NEAR_DUPLICATE])


def _embeddings(con, data_dir: Path) -> None:  # noqa: ANN001
    """Embed every item with the real model (offline package) and build the search index, as
    a monthly run's classify step does, so the Search page ranks by meaning and words;
    skipped when the classify area's embedding code is not usable here."""
    try:
        from landscape.embeddings import ensure_item_embeddings
        from landscape.search_index import sync_search_index

        ensure_item_embeddings(con)
        sync_search_index(con, folder=data_dir / "index")
    except Exception as exc:  # noqa: BLE001 - the search page then falls back to keywords
        log.warning("fixture: items not embedded (%s: %s)", type(exc).__name__, exc)


def build_empty_warehouse(root: Path) -> DashboardFixture:
    """A migrated warehouse with no rows (the state before the first run)."""
    fx = DashboardFixture(root / "data" / "panorama.duckdb", root / "data", root / "reports")
    fx.data_dir.mkdir(parents=True, exist_ok=True)
    with connect(path=fx.db):
        pass
    return fx


if __name__ == "__main__":  # build one by hand: python -m tests.support.dashboard_fixture DIR
    import sys

    print(build_dashboard_warehouse(Path(sys.argv[1])).env())


APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
PAGES = ("browse", "trends", "compare", "search", "project", "review", "report", "health")


def open_page(page: str, timeout: float = 60.0, **params: str):  # noqa: ANN201 - AppTest
    """Run the dashboard under AppTest and switch to `page` (one of PAGES), with the URL's
    query parameters `params` (e.g. id="crate:burn")."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=timeout)
    for key, value in params.items():
        at.query_params[key] = value
    if page != "browse":  # the default page
        at.switch_page(f"views/{page}.py")
    at.run()
    return at


def texts(at) -> str:  # noqa: ANN001 - streamlit AppTest
    """Every text-bearing element of a rendered AppTest page, joined (for assertions)."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info",
                 "success", "warning", "error", "code"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    for m in at.metric:
        parts.append(f"{m.label} {m.value}")
    return "\n".join(parts)
