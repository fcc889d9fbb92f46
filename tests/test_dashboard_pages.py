"""Every dashboard page under AppTest on the known fixture warehouse: what each page shows."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from dashboard import fmt
from tests.support.dashboard_fixture import (
    NEAR_DUPLICATE,
    REVIEW_ITEM,
    build_dashboard_warehouse,
    build_empty_warehouse,
    open_page,
    texts,
)
from tests.support.fixture_warehouse import HOSTILE


@pytest.fixture(scope="module")
def fixture_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dash")
    build_dashboard_warehouse(root)
    return root


@pytest.fixture
def fx(fixture_root: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    from tests.support.dashboard_fixture import DashboardFixture

    return DashboardFixture.under(fixture_root, monkeypatch)


def frame(at, i: int = 0):  # noqa: ANN001, ANN201
    return at.dataframe[i].value


def links(at) -> list[str]:  # noqa: ANN001, ANN201
    """Labels of the page links (project links) on the page."""
    return [e.proto.label for e in at.get("page_link")]


def test_landscape_shows_categories_by_name_then_project_cards(fx) -> None:  # noqa: ANN001
    at = open_page("browse")
    assert not at.exception
    body = texts(at)
    assert "Core frameworks" in body and "out_of_scope" not in body
    assert "Out of scope" not in body  # hidden unless asked for
    at = open_page("browse", category="frameworks", sort="downloads")
    assert not at.exception
    assert at.selectbox(key="category").value == "frameworks"
    assert "Core frameworks · " in texts(at)
    names = links(at)
    assert names[:2] == ["candle", "burn"]  # projects, by monthly downloads
    assert "tch-rs" in names and "tiny-ml" in names
    assert at.query_params["category"] == "frameworks"  # kept in the URL


def test_trends_names_categories_and_ranks_movers_above_the_noise_floor(fx) -> None:  # noqa: ANN001
    at = open_page("trends")  # the report's measure by default (test_dashboard_consistency)
    assert not at.exception
    assert at.selectbox(key="metric").value == "downloads_recent"
    assert "90-day downloads by category, per month" in texts(at)
    at = open_page("trends", metric="downloads_month")
    assert not at.exception
    assert at.selectbox(key="month").value == "2025-11"
    body = texts(at)
    assert "Monthly downloads by category, per month" in body
    mom = frame(at, 0)
    assert "Core frameworks" in set(mom["name"]) and "frameworks" not in set(mom["name"])
    movers = frame(at, 1)
    assert list(movers["pct"]) == sorted(movers["pct"], reverse=True)
    assert (movers["prev_value"] >= fmt.noise_floor("downloads_month")).all()
    # movers are projects: each once, by its name (candle's crates summed), not its crates
    assert movers["project_id"].is_unique
    assert movers.iloc[0]["project"] == "candle"
    assert "candle-core" not in set(movers["project"])
    # tiny-ml grows 1,900 % from ~10 downloads: below the floor, so not a "mover"
    assert "tiny-ml" not in set(movers["project"])
    at = open_page("trends", metric="stars", month="2025-10", kind="repo", cat="frontend-build")
    assert not at.exception
    assert set(frame(at, 1)["project"]) <= {"vite", "rolldown", "farm", "vitejs/vite",
                                           "rolldown/rolldown", "farm-fe/farm"}


def test_project_page_shows_names_figures_releases_and_why(fx) -> None:  # noqa: ANN001
    at = open_page("project", id="crate:candle-core")  # a member's id opens its project
    assert not at.exception
    assert at.title[0].value == "candle"
    assert at.selectbox(key="id").value == "project:candle"
    metrics = {m.label: m.value for m in at.metric}
    with duckdb.connect(str(fx.db), read_only=True) as con:
        november = con.execute("SELECT arg_max(value, observed_at) FROM observations"
                               " WHERE item_id = ? AND metric = 'downloads_recent'"
                               " AND period = '2025-11'", ["crate:candle-core"]).fetchone()[0]
    assert metrics["90-day downloads 2025-11"] == fmt.human(november)
    # the members' own lines, once: the crate's "Minimalist ML framework." is held whole by
    # the repository's longer line (dashboard.cards.distinct_texts)
    body = texts(at)
    assert "Minimalist ML framework for Rust" in body
    assert "Minimalist ML framework.\n" not in body + "\n"
    releases = frame(at, 1)
    assert list(releases["version"]) == ["0.9.1", "0.9.0"]
    at = open_page("project", id=REVIEW_ITEM)
    assert not at.exception
    why = frame(at, 0)  # the nearest neighbours, by name and category name
    assert list(why["name"]) == ["rig", "zed-industries/zed", "tiny-ml"]
    assert list(why["category"]) == ["Agentic web", "AI development tools", "Core frameworks"]
    assert not why["name"].isna().any()


def test_compare_overlays_projects_and_exports_csv(fx) -> None:  # noqa: ANN001
    at = open_page("compare", ids="project:candle,project:burn", scale="indexed")
    assert not at.exception
    assert at.multiselect(key="ids").value == ["project:candle", "project:burn"]
    assert at.radio(key="scale").value == "indexed"
    wide = frame(at, 0)
    assert set(wide.columns) >= {"period", "candle", "burn"}
    assert [b for b in at.get("download_button")]
    # the range starts at the first month with a value of the figure (the demo data's monthly
    # downloads reach back two months before its 90-day downloads: data_months, below)
    months = at.select_slider(key="range").options
    with duckdb.connect(str(fx.db), read_only=True) as con:
        first = con.execute("SELECT min(period) FROM observations WHERE metric = 'downloads_recent'"
                            " AND item_id IN (SELECT item_id FROM v_item_project WHERE"
                            " project_id IN ('project:candle', 'project:burn'))").fetchone()[0]
    assert months[0] == first and at.select_slider(key="range").value[0] == first


def test_compare_range_runs_over_the_months_with_values() -> None:
    import pandas as pd

    from dashboard.compare import data_months

    months = ["2025-06", "2025-07", "2025-08", "2025-09"]
    series = pd.DataFrame({"project_id": ["a", "a", "b"], "period": ["2025-08", "2025-09", "2025-07"],
                           "value": [1.0, 2.0, None]})
    assert data_months(series, months) == ["2025-08", "2025-09"]
    assert data_months(series.iloc[0:0], months) == months  # nothing yet: every month


def test_chart_frame_indexes_each_project_to_its_first_month() -> None:
    import pandas as pd

    from dashboard.compare import chart_frame

    series = pd.DataFrame({"project_id": ["a", "a", "b", "b"],
                           "period": ["2025-09", "2025-10", "2025-09", "2025-10"],
                           "value": [50.0, 75.0, 1000.0, 900.0]})
    out = chart_frame(series, {"a": "A", "b": "B"}, "2025-09", "2025-10", "indexed")
    assert list(out["value"]) == [100.0, 150.0, 100.0, 90.0]
    assert list(out["raw"]) == [50.0, 75.0, 1000.0, 900.0]
    assert list(chart_frame(series, {}, "2025-10", "2025-10", "log")["period"]) == ["2025-10"] * 2


def test_search_lists_projects_with_links_and_keeps_the_query(fx) -> None:  # noqa: ANN001
    at = open_page("search")
    assert "Type a query" in texts(at)
    at.text_input(key="q").input("vector store")
    at.run()
    assert not at.exception
    assert "**vecdb-lite**" in links(at)  # a hit's name in bold: what a reader scans by
    assert at.query_params["q"] == "vector store"
    body = texts(at)
    assert "[source ↗](https://crates.io/crates/vecdb-lite)" in body
    assert "· hybrid (meaning + words) search" in body  # landscape.search.search
    # The project's placement, as the report decides it per project (dashboard.placement):
    # the classifier's unreviewed project is a suggestion, a watched one is in the landscape.
    assert ("crate · Vector databases · :violet-badge[machine suggestion awaiting review] ·"
            in body)  # vecdb-lite: machine only
    assert ("crate · Data processing and scientific computing · "
            ":green-badge[in the landscape (watched)] ·" in body)  # ndarray: watchlist
    at = open_page("search", q="C to Rust translation", kind="paper")
    assert not at.exception
    papers = links(at)
    assert papers and "EvoC2Rust" in papers[0]  # a paper by its title…
    assert not any(re.fullmatch(r"\d{4}\.\d{4,5}", p.strip("*")) for p in papers)  # …never its arXiv id


def test_review_queue_shows_titles_totals_and_inert_source_text(fx) -> None:  # noqa: ANN001
    at = open_page("review")
    assert not at.exception
    queue = frame(at, 0)
    assert list(queue["label"])[:2] == ["agent-kit", "left-pad-rs"]
    assert "2511.00001" not in set(queue["label"])  # papers by title
    assert list(queue["confidence"]) == sorted(queue["confidence"])
    assert {m.label: m.value for m in at.metric}["Waiting for review"] == "4"
    # The hostile description is shown as plain text, never as Markdown/HTML.
    assert any(HOSTILE[:40] in t.value for t in at.text)
    assert not any("<script>" in m.value for m in at.markdown)
    at = open_page("review", reason="maybe out of scope")
    assert list(frame(at, 0)["label"]) == ["left-pad-rs"]


def test_report_strips_markers_and_serves_charts_from_its_folder(fx) -> None:  # noqa: ANN001
    at = open_page("report")
    assert not at.exception
    assert at.selectbox(key="month").value == "2025-11"
    body = texts(at)
    assert "2025-11: draft (revision 1)" in body
    assert "# 2025 AI × Rust landscape (2025-11 draft)" in body  # the reader's language
    assert not any("<!--" in m.value for m in at.markdown)  # (the Markdown tab keeps them)
    images = at.get("image")
    assert images, "the chart is shown as an image"
    # the editor's semantic diff, then the publish guard's list before the button
    assert "**landscape** — entered: vecdb-lite; left: tch-rs" in body
    # a source's health change says what failed, in the words `panorama diff` uses
    changes = next(f.value for f in at.dataframe if "failure" in f.value.columns)
    assert changes.set_index("subject").loc["source crates", ["old", "new", "failure"]].tolist() \
        == ["ok", "partial", "not found (HTTP 404)"]
    checks = "\n".join(e.value for e in at.warning)
    assert "1 printed item(s) wait in the review queue: agent-kit" in checks
    assert at.button(key="publish_button").disabled  # a reason is needed to publish anyway
    assert any(c.language == "diff" for c in at.code)
    at = open_page("report", lang="zh", month="2025-10")
    assert "已发布（第 1 版），审核人 Lin，2025-11-02" in texts(at)  # the page's words too
    assert "# 2025 AI × Rust 技术全景（2025-10）" in texts(at)


def test_health_colours_status_and_counts_values_carried(fx) -> None:  # noqa: ANN001
    at = open_page("health")
    assert not at.exception
    body = texts(at)
    assert "Latest run: 2025-11 · completed with failures" in body
    assert "GitHub" in body and "crates.io" in body  # sources by name
    assert "↑" not in body and "▲" not in body  # counts are not growth
    failures = frame(at, 1)
    assert list(failures["source"]) == ["github"]
    assert "ServerError: 502" in failures.iloc[0]["error"]
    carried = frame(at, 2).iloc[0]
    # the repos with stars in 2025-10 and none in 2025-11 (not every github item)
    assert (carried["source"], carried["carried_from"], carried["values_carried"]) == (
        "github", "2025-10", 7)


def test_no_page_renders_unsafe_html(fx) -> None:  # noqa: ANN001
    for page in ("browse", "trends", "compare", "search", "project", "review", "report",
                 "health"):
        at = open_page(page)
        assert not at.exception, page
        assert not at.get("html"), page  # no st.html anywhere
        for m in at.markdown:
            assert not getattr(m.proto, "allow_html", False), (page, m.value[:80])


@pytest.mark.parametrize("page,expected", [
    ("browse", "No observations yet"),
    ("trends", "No observations yet"),
    ("search", "Type a query"),
    ("review", "Nothing waits for review."),
    ("report", "No report yet"),
    ("health", "No runs yet"),
])
def test_empty_warehouse_states(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str,
                                expected: str) -> None:
    build_empty_warehouse(tmp_path).apply_env(monkeypatch)
    at = open_page(page)
    assert not at.exception
    assert expected in texts(at)


@pytest.mark.parametrize("page", ["browse", "trends", "review", "health"])
def test_missing_warehouse_says_how_to_make_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                page: str) -> None:
    monkeypatch.setenv("PANORAMA_DB", str(tmp_path / "nothing" / "panorama.duckdb"))
    monkeypatch.setenv("PANORAMA_REPORTS_DIR", str(tmp_path / "reports"))
    at = open_page(page)
    assert not at.exception
    assert "No warehouse yet" in texts(at) and "panorama demo" in texts(at)
    assert not (tmp_path / "nothing" / "panorama.duckdb").exists()  # reading creates nothing


def test_review_decision_round_trips_into_the_warehouse(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fx = build_dashboard_warehouse(tmp_path)
    fx.apply_env(monkeypatch)
    at = open_page("review")
    at.text_input(key="reviewer").input("Mei")
    at.radio(key="review_decision").set_value("reassign")
    at.run()
    at.selectbox(key="review_category").set_value("ai-dev-tools")
    at.text_input(key="review_note").input("an IDE agent toolkit")
    at.button(key="review_submit").click()
    at.run()
    assert not at.exception
    assert any("Decision recorded in the warehouse: agent-kit → AI development tools" in s.value
               for s in at.success)
    assert "agent-kit" not in list(frame(at, 0)["label"])  # left the queue
    assert at.text_input(key="reviewer").value == "Mei"  # remembered for the session
    with duckdb.connect(str(fx.db), read_only=True) as con:
        cat, by = con.execute("SELECT category, decided_by FROM v_item_category WHERE item_id = ?",
                              [REVIEW_ITEM]).fetchone()
        reviewer, decision = con.execute(
            "SELECT reviewer, decision FROM review_decisions WHERE item_id = ?",
            [REVIEW_ITEM]).fetchone()
    assert (cat, by, reviewer, decision) == ("ai-dev-tools", "review", "Mei", "reassign")
    # ...and the Landscape page now lists it under its new category.
    cats = open_page("browse", category="ai-dev-tools")
    assert "agent-kit" in links(cats)


def test_review_gives_near_duplicates_the_same_decision_when_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fx = build_dashboard_warehouse(tmp_path)
    fx.apply_env(monkeypatch)
    at = open_page("review")
    offer = at.checkbox(key=f"review_dups_{REVIEW_ITEM}")
    assert offer.label == "Apply the same decision to 1 near-duplicate" and not offer.value
    # the list is shown before deciding
    listed = next(d.value for d in at.dataframe if {"label", "similarity"} <= set(d.value))
    assert list(listed["label"]) == ["agent-kit-rs"] and listed["similarity"].iloc[0] >= 0.9
    at.text_input(key="reviewer").input("Mei")
    at.radio(key="review_decision").set_value("accept")
    offer.check()
    at.run()
    assert at.button(key="review_submit").label == "Record decision for 2 items"
    at.button(key="review_submit").click()
    at.run()
    assert not at.exception
    assert not {"agent-kit", "agent-kit-rs"} & set(frame(at, 0)["label"])  # both left
    with duckdb.connect(str(fx.db), read_only=True) as con:
        rows = con.execute("SELECT item_id, decision, category, reviewer, note"
                           " FROM review_decisions ORDER BY item_id").fetchall()
    assert rows == [(REVIEW_ITEM, "accept", "agentic-web", "Mei", None),
                    (NEAR_DUPLICATE, "accept", "agentic-web", "Mei",
                     f"same decision as near-duplicate {REVIEW_ITEM}")]


def test_review_needs_a_reviewer_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fx = build_dashboard_warehouse(tmp_path)
    fx.apply_env(monkeypatch)
    at = open_page("review")
    at.radio(key="review_decision").set_value("out_of_scope")
    at.button(key="review_submit").click()
    at.run()
    assert not at.exception
    assert any("Enter your name" in e.value for e in at.error)
    with duckdb.connect(str(fx.db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM review_decisions").fetchone()[0] == 0


def test_publish_from_report_page_after_the_checks(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    fx = build_dashboard_warehouse(tmp_path)
    fx.apply_env(monkeypatch)
    at = open_page("report")
    at.text_input(key="reviewer").input("Mei")
    at.run()
    assert at.button(key="publish_button").disabled  # open work: a reason is needed first
    at.text_input(key="accept_open").input("agent-kit is checked by hand")
    at.run()
    at.button(key="publish_button").click()
    at.run()
    assert not at.exception
    assert any("Published 2025-11 as reviewed by Mei" in s.value for s in at.success), texts(at)
    with duckdb.connect(str(fx.db), read_only=True) as con:
        assert con.execute("SELECT reviewer FROM publications WHERE month = '2025-11'"
                           ).fetchone()[0] == "Mei"
    assert "2025-11: published (revision 1) by Mei" in texts(at)


def test_every_page_says_when_its_numbers_are_made_up(fx) -> None:  # noqa: ANN001
    """A warehouse with a run that replayed the demo snapshot's made-up numbers carries the
    report's demo notice in the sidebar of every page; a real one does not."""
    from report.render import load_labels

    notice = load_labels()["en"]["synthetic"]
    assert notice not in texts(open_page("browse"))
    with duckdb.connect(str(fx.db)) as con:
        con.execute("UPDATE runs SET synthetic = true")
    try:
        for page in ("browse", "report"):
            assert notice in [str(w.value) for w in open_page(page).warning]
    finally:
        with duckdb.connect(str(fx.db)) as con:
            con.execute("UPDATE runs SET synthetic = false")
