"""A small deterministic warehouse for report tests, built with SQL inserts on the real schema.

Three monthly runs (2025-09 … 2025-11). In 2025-11 GitHub failed, so star counts are carried
forward from 2025-10. It holds frameworks with crates and repos, a tiny crate whose growth is
below the noise floor, new crates of the month, releases and papers that the seed's claims are
checked against, and (with `hostile=True`) source text built to break Markdown or templates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from connectors.watchlist import WatchItem, Watchlist
from landscape.projects import resolve_projects
from report.data import build_report_data
from report.queries import relation_exists
from report.render import render
from warehouse.db import connect

MONTHS = ["2025-09", "2025-10", "2025-11"]
HOSTILE = "{{7*7}} {% raw %}x{% endraw %} <script>alert(1)</script> a|b *c* _d_ `e` ](javascript:alert(2)) [f](javascript:g)\nline2 <img src=x onerror=alert(3)>"

# item_id, kind, name, watch_name, watch_category, language, created_at, description
ITEMS = [
    ("crate:candle-core", "crate", "candle-core", "candle", "frameworks", None, "2023-06-20", "Minimalist ML framework."),
    ("repo:huggingface/candle", "repo", "huggingface/candle", "candle", "frameworks", "Rust", "2023-06-19", "Minimalist ML framework for Rust"),
    ("crate:burn", "crate", "burn", "burn", "frameworks", None, "2022-07-20", "Flexible deep learning framework."),
    ("repo:tracel-ai/burn", "repo", "tracel-ai/burn", "burn", "frameworks", "Rust", "2022-07-18", "Deep learning framework"),
    ("crate:tch", "crate", "tch", "tch-rs", "frameworks", None, "2019-02-05", "Rust wrappers for the PyTorch C++ api"),
    ("crate:polars", "crate", "polars", "polars", "data-scientific", None, "2020-08-01", "DataFrame library"),
    ("crate:ndarray", "crate", "ndarray", "ndarray", "data-scientific", None, "2015-12-01", "n-dimensional arrays"),
    ("crate:safetensors", "crate", "safetensors", "safetensors", "model-formats", None, "2022-09-01", "Safe tensor format"),
    ("crate:ad_trait", "crate", "ad_trait", "ad-trait", "autodiff", None, "2025-04-17", "Automatic differentiation via traits"),
    ("repo:rolldown/rolldown", "repo", "rolldown/rolldown", "rolldown", "frontend-build", "Rust", "2023-03-01", "Fast bundler"),
    ("repo:vitejs/vite", "repo", "vitejs/vite", "vite", "frontend-build", "TypeScript", "2020-04-21", "Frontend tooling"),
    ("repo:farm-fe/farm", "repo", "farm-fe/farm", "farm", "frontend-build", "Rust", "2022-07-01", "Build tool"),
    ("repo:zed-industries/zed", "repo", "zed-industries/zed", "zed", "ai-dev-tools", "Rust", "2021-02-01", "Code editor"),
    ("repo:rust-lang/rust", "repo", "rust-lang/rust", "rust", None, "Rust", "2010-06-16", "The Rust language"),
    ("crate:tiny-ml", "crate", "tiny-ml", None, None, None, "2025-05-01", "A tiny crate"),
    ("crate:vecdb-lite", "crate", "vecdb-lite", None, None, None, "2025-11-03", "Embedded vector store"),
    ("crate:agent-kit", "crate", "agent-kit", None, None, None, "2025-11-12", "Agent toolkit for the web"),
    ("crate:left-pad-rs", "crate", "left-pad-rs", None, None, None, "2025-11-05", "Pads strings"),
]
# machine classification of discovered items (v_item_category)
CLASSIFIED = {"crate:tiny-ml": "frameworks", "crate:vecdb-lite": "vector-db",
              "crate:agent-kit": "agentic-web", "crate:left-pad-rs": "out_of_scope",
              "paper:2511.00001": "ai-code-tools", "paper:2511.00002": "out_of_scope"}
# crate -> 90-day downloads per month (Sep, Oct, Nov); daily = 90d / 90
DOWNLOADS = {"crate:candle-core": (900_000, 1_000_000, 1_300_000), "crate:burn": (300_000, 330_000, 320_000),
             "crate:tch": (200_000, 190_000, 150_000), "crate:polars": (2_000_000, 2_100_000, 2_200_000),
             "crate:ndarray": (5_000_000, 5_100_000, 5_050_000), "crate:safetensors": (1_500_000, 1_600_000, 1_700_000),
             "crate:ad_trait": (1_200, 1_500, 2_400), "crate:tiny-ml": (20, 30, 600),
             "crate:vecdb-lite": (None, None, 800), "crate:agent-kit": (None, None, 1_500),
             "crate:left-pad-rs": (None, None, 90)}
STARS = {"repo:huggingface/candle": (17_000, 17_600), "repo:tracel-ai/burn": (11_000, 11_900),
         "repo:rolldown/rolldown": (11_500, 11_800), "repo:vitejs/vite": (73_000, 74_000),
         "repo:farm-fe/farm": (5_200, 5_250), "repo:zed-industries/zed": (60_000, 63_000),
         "repo:rust-lang/rust": (104_000, 105_000)}
# release_id suffix, item, version, published, notes
RELEASES = [
    ("crate:candle-core", "0.9.1", "2025-11-10", "Fixes and CUDA kernels"),
    ("crate:candle-core", "0.9.0", "2025-10-02", "Wasm support"),
    ("crate:burn", "0.19.0", "2025-11-03", "Distributed training"),
    ("crate:ad_trait", "0.1.0", "2025-04-17", "First release"),
    ("crate:ad_trait", "0.1.6", "2025-11-20", "Forward mode speedups"),
    ("repo:rust-lang/rust", "1.87.0", "2025-05-15", "Rust 1.87.0"),
    ("repo:vitejs/vite", "v6.0.0", "2024-11-26", "Vite 6: Environment API"),
    ("repo:farm-fe/farm", "v1.0.0", "2024-04-15", "Farm 1.0"),
]
PAPERS = [
    ("2508.04295", "EvoC2Rust: A Skeleton-guided Framework for Project-Level C-to-Rust Translation", "2025-08-06"),
    ("2511.00001", "Teaching LLMs Rust Ownership", "2025-11-04"),
    ("2511.00002", "Protein folding at scale", "2025-11-09"),
]


def _ts(day: str, hour: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def fetched(month: str) -> datetime:
    """Each month's run fetched everything on the 28th at 06:00 UTC."""
    return _ts(f"{month}-28", 6)


def _resolve_projects(con, names_zh: dict[str, str] | None = None) -> None:  # noqa: ANN001
    """Group the items into projects as the monthly flow does, from a watchlist made of the
    fixture's watch entries (first crate and repo primary, as the shipped watchlist says);
    `names_zh` gives some of them a Chinese name (the watchlist's `name_zh`)."""
    entries: dict[str, dict[str, list[str] | str | None]] = {}
    for _item_id, kind, name, watch, cat, *_ in ITEMS:
        if watch:
            e = entries.setdefault(watch, {"crates": [], "repos": [], "category": cat})
            e["crates" if kind == "crate" else "repos"].append(name)
    items = tuple(WatchItem(name=n, category=e["category"], crates=tuple(e["crates"]),
                            repos=tuple(e["repos"]), name_zh=(names_zh or {}).get(n))
                  for n, e in entries.items())
    resolve_projects(con, Watchlist(user_agent="fixture (f@example.org)",
                                    contact="f@example.org", items=items))


def render_fixture_report(folder: Path, *, hostile: bool = False) -> dict[str, str]:
    """The fixture warehouse's 2025-11 report (built in `folder`), rendered in zh and en."""
    path = build_fixture_warehouse(folder / "w.duckdb", hostile=hostile)
    with connect(read_only=True, path=path) as con:
        data = build_report_data(con, "2025-11")
    return {lang: render(data, lang) for lang in ("zh", "en")}


def build_fixture_warehouse(path: Path, *, classification: bool = True, hostile: bool = False) -> Path:
    """Create the fixture DuckDB file at `path` (real migrations + views) and return it."""
    with connect(path=path) as con:
        for i, month in enumerate(MONTHS):
            run = month
            con.execute("INSERT INTO runs VALUES (?, ?, 'monthly', 'replay', NULL, ?, ?, ?, NULL, false)",
                        [run, month, fetched(month), fetched(month) + timedelta(minutes=20),
                         "completed_with_failures" if i == 2 else "completed"])
            for source in ("arxiv", "crates", "feeds", "github"):
                failed = i == 2 and source == "github"
                con.execute(
                    "INSERT INTO source_status VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run, source, "failed" if failed else "ok", None if failed else 20 + i,
                     None if failed else i, None if failed else 3, None if failed else 40,
                     3 if failed else 10 + i, 0, 3 if failed else 0,
                     "ServerError: 502 from api.github.com" if failed else None,
                     fetched(month), fetched(month) + timedelta(minutes=5)])
        for item_id, kind, name, watch, cat, lang, created, desc in ITEMS:
            if hostile and item_id == "crate:agent-kit":
                desc = HOSTILE
            source = "crates" if kind == "crate" else "github"
            url = (f"https://crates.io/crates/{name}" if kind == "crate"
                   else f"https://github.com/{name}")
            api = (f"https://crates.io/api/v1/crates/{name}" if kind == "crate"
                   else f"https://api.github.com/repos/{name}")
            if hostile and item_id == "crate:agent-kit":
                url = "javascript:alert(1)"
            con.execute(
                "INSERT INTO items (item_id, kind, name, title, description, url, language, "
                "created_at, watched, watch_name, watch_category, source, discovered_via, "
                "first_seen_run, first_seen_at, source_url, fetched_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [item_id, kind, name, name, desc, url, lang, _ts(created), watch is not None,
                 watch, cat, source, "watchlist" if watch else "crates:category",
                 "2025-09", fetched("2025-09"), api, fetched("2025-11")])
        _observations(con)
        _resolve_projects(con)
        for item_id, version, day, notes in RELEASES:
            name = item_id.split(":", 1)[1]
            api = (f"https://crates.io/api/v1/crates/{name}" if item_id.startswith("crate:")
                   else f"https://github.com/{name}/releases.atom")
            con.execute(
                "INSERT INTO releases VALUES (?, ?, ?, NULL, ?, false, false, ?, ?, ?, ?, ?, ?)",
                [f"release:{item_id}@{version}", item_id, version, _ts(day, 12),
                 f"https://github.com/{name}/releases/tag/{version}" if "repo:" in item_id else
                 f"https://crates.io/crates/{name}/{version}",
                 HOSTILE if hostile and version == "0.9.1" else notes,
                 "crates" if "crate:" in item_id else "feeds", api, fetched("2025-11"), "2025-11"])
        for arxiv_id, title, day in PAPERS:
            if hostile and arxiv_id == "2511.00001":
                title = HOSTILE
            month = day[:7]
            con.execute(
                "INSERT INTO papers (paper_id, arxiv_id, latest_version, title, authors, "
                "published_at, abs_url, source_url, fetched_at, run_id) "
                "VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
                [f"paper:{arxiv_id}", arxiv_id, title, ["A. Author", "B. Author"], _ts(day),
                 f"https://arxiv.org/abs/{arxiv_id}",
                 f"https://export.arxiv.org/api/query?search_query=rust&month={month}",
                 fetched("2025-11"), "2025-11"])
            # the loader writes an items row for every paper (CONTRACTS.md)
            con.execute(
                "INSERT INTO items (item_id, kind, name, title, source, source_url, fetched_at) "
                "VALUES (?, 'paper', ?, ?, 'arxiv', ?, ?)",
                [f"paper:{arxiv_id}", arxiv_id, title, f"https://arxiv.org/abs/{arxiv_id}",
                 fetched("2025-11")])
        con.execute(
            "INSERT INTO posts (post_id, feed_url, title, link, published_at, source_url, "
            "fetched_at, run_id) VALUES ('post:0123456789abcdef', ?, ?, ?, ?, ?, ?, '2025-11')",
            ["https://blog.rust-lang.org/feed.xml", "Announcing Rust 1.87.0 and ten years of Rust!",
             "https://blog.rust-lang.org/2025/05/15/Rust-1.87.0/", _ts("2025-05-15", 12),
             "https://blog.rust-lang.org/feed.xml", fetched("2025-11")])
        if classification:
            _classification(con)
    return path


def _observations(con) -> None:  # noqa: ANN001 - a DuckDB connection
    rows = []
    for item_id, per_month in DOWNLOADS.items():
        name = item_id.split(":", 1)[1]
        for month, value in zip(MONTHS, per_month, strict=True):
            if value is None:
                continue
            at = fetched(month)
            api = f"https://crates.io/api/v1/crates/{name}"
            rows.append((item_id, "downloads_recent", at, month, value, month, api, at))
            day = date.fromisoformat(f"{month}-01")
            while day.day < 28:  # the daily series up to the fetch day
                rows.append((item_id, "downloads_daily", _ts(day.isoformat()), month,
                             round(value / 90), month, f"{api}/downloads", at))
                day += timedelta(days=1)
    for item_id, per_month in STARS.items():
        for month, value in zip(MONTHS[:2], per_month, strict=True):  # github failed in Nov
            at = fetched(month)
            rows.append((item_id, "stars", at, month, value, month,
                         f"https://api.github.com/repos/{item_id.split(':', 1)[1]}", at))
    # One set-based insert: row-by-row executemany against the primary key takes seconds.
    frame = pd.DataFrame(rows, columns=["item_id", "metric", "observed_at", "period", "value",
                                        "run_id", "source_url", "fetched_at"])
    con.register("fixture_obs", frame)
    con.execute("INSERT INTO observations SELECT * FROM fixture_obs")
    con.unregister("fixture_obs")


def _classification(con) -> None:  # noqa: ANN001 - a DuckDB connection
    """Machine categories for discovered items, through whatever the classify area provides."""
    if relation_exists(con, "classifications"):
        for item_id, cat in CLASSIFIED.items():
            con.execute(
                "INSERT INTO classifications (item_id, run_id, category, confidence, method, "
                "model, neighbours, needs_review, classified_at) "
                "VALUES (?, '2025-11', ?, 0.9, 'knn', 'fixture', '[]', false, ?)",
                [item_id, cat, fetched("2025-11")])
    elif not relation_exists(con, "v_item_category"):
        # Compatible stand-in for the classify area's view (same columns as CONTRACTS.md).
        con.execute("CREATE TABLE v_item_category (item_id VARCHAR, category VARCHAR, "
                    "confidence DOUBLE, decided_by VARCHAR, method VARCHAR, run_id VARCHAR, "
                    "needs_review BOOLEAN, neighbours JSON)")
        con.executemany("INSERT INTO v_item_category VALUES (?, ?, 0.9, 'machine', 'knn', "
                        "'2025-11', false, '[]')", list(CLASSIFIED.items()))
    if not relation_exists(con, "emerging_topics"):
        con.execute("CREATE TABLE emerging_topics (topic_id VARCHAR, run_id VARCHAR, "
                    "name VARCHAR, terms VARCHAR[], item_ids VARCHAR[], size INTEGER)")
    con.execute("INSERT INTO emerging_topics (topic_id, run_id, name, terms, item_ids, size) "
                "VALUES ('2025-11:1', '2025-11', 'wgpu inference', "
                "['wgpu', 'shader', 'inference'], ['crate:agent-kit'], 4)")
