"""The dashboard counts and places what the report counts and places: Trends' category totals
are the report's landscape (machine suggestions apart), a search hit's category and status
are its project's (decided per project, as on the Project page), and Health shows a partial
month as partial, with the last complete month apart."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from dashboard import queries_ops as dqo
from dashboard import queries_scope as dqs
from flows.cli import main
from report.data import build_report_data
from report.placement import (
    LANDSCAPE,
    OUTSIDE,
    SUGGESTION,
    hit_placement,
    paper_placement,
    project_placement,
    read_scope,
)
from tests.support.dashboard_fixture import build_dashboard_warehouse, open_page, texts
from warehouse.db import connect


@pytest.fixture
def fx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    f = build_dashboard_warehouse(tmp_path)
    f.apply_env(monkeypatch)
    return f


def _month(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT max(period) FROM observations").fetchone()[0]


def test_trend_totals_are_the_reports_landscape_and_suggestions_apart(fx) -> None:  # noqa: ANN001
    """Per category, the month's total of 90-day downloads (and of stars) is the sum of the
    figures the report prints for its landscape projects; the machine's suggestions are
    summed apart, never into it."""
    month = _month(fx.db)
    with duckdb.connect(str(fx.db), read_only=True) as con:
        report = build_report_data(con, month)
        figures = dqs.report_figures(con, month)
        for metric, col in (("downloads_recent", "dl_cur"), ("stars", "st_cur")):
            trend = dqs.landscape_trend(con, metric, month)
            now = trend[trend["period"] == month]
            counted = now[now["trusted"]].set_index("category")["value"]
            expected = figures.groupby("category")[col].sum(min_count=1).dropna()
            assert counted.to_dict() == pytest.approx(expected.to_dict()), metric
        apart = dqs.landscape_trend(con, "downloads_recent", month)
    # the fixture's suggestion tiny-ml (frameworks, machine only) has downloads: summed apart
    sugg = apart[(apart["period"] == month) & ~apart["trusted"]].set_index("category")
    assert sugg.loc["frameworks", "items"] >= 1
    landscape = apart[(apart["period"] == month) & apart["trusted"]].set_index("category")
    assert landscape.loc["frameworks", "items"] == sum(
        1 for r in report.landscape
        if r["category"] == "frameworks" and r.get("downloads_90d") is not None)
    at = open_page("trends")
    assert not at.exception
    body = texts(at)
    assert "machine suggestions awaiting review are not counted" in body
    assert any("Machine suggestions awaiting review, not in the category totals" in e.label
               for e in at.expander)


def test_a_hit_is_placed_by_its_project_not_by_its_item(fx, capsys) -> None:  # noqa: ANN001
    """A project of two items, one reviewed by a person and one only the machine classified,
    is in the landscape (the report's rule is per project), even where a hit's own item is
    the machine's; an unreviewed project is a suggestion; papers go by their own decision.
    The dashboard and `panorama search` (text and --json) say the same of the same hit."""
    month = _month(fx.db)
    with connect(path=fx.db) as con:  # candle, unwatched: its crate reviewed, its repo not
        con.execute("UPDATE projects SET watched = false, category = NULL"
                    " WHERE project_id = 'project:candle'")
        con.execute("UPDATE items SET watched = false, watch_category = NULL"
                    " WHERE item_id IN ('crate:candle-core', 'repo:huggingface/candle')")
        con.execute("INSERT INTO review_decisions (item_id, decision, category, reviewer,"
                    " decided_at) VALUES ('crate:candle-core', 'accept', 'frameworks', 'mei',"
                    " now())")
        con.execute("INSERT INTO classifications (item_id, run_id, category, confidence, method,"
                    " model, needs_review, classified_at) VALUES ('repo:huggingface/candle',"
                    " 'r-x', 'frameworks', 0.6, 'knn', 'm', true, now())")
        decided = dict(con.execute(
            "SELECT item_id, decided_by FROM v_item_category WHERE item_id IN"
            " ('crate:candle-core', 'repo:huggingface/candle')").fetchall())
        report = build_report_data(con, month)
        scope = read_scope(con, month)
    # the repository alone would read as a suggestion ("suggested:" per item, before)
    assert decided == {"crate:candle-core": "review", "repo:huggingface/candle": "machine"}
    candle = project_placement(scope, "project:candle")
    assert (candle.state, candle.category, candle.watched) == (LANDSCAPE, "frameworks", False)
    assert any(r["entity"] == "candle" and r["category"] == "frameworks"
               for r in report.landscape)  # the report's word
    assert project_placement(scope, "crate:tiny-ml").state == SUGGESTION
    assert project_placement(scope, "crate:left-pad-rs").state == OUTSIDE
    assert project_placement(None, "project:candle") is None
    # whichever member a hit shows, the project decides: the search's field, or the frame's
    for shown in ({"kind": "repo", "project": "project:candle", "category_decided_by":
                   "machine"}, {"kind": "crate", "project_id": "project:candle"}):
        assert hit_placement(shown, scope) == candle
    assert paper_placement("ai-code-tools", "machine").state == SUGGESTION
    assert paper_placement("ai-code-tools", "review").state == LANDSCAPE
    assert paper_placement("out_of_scope", "machine").state == OUTSIDE
    at = open_page("search", q="candle")
    assert not at.exception
    hit = [ln for ln in texts(at).splitlines() if "huggingface/candle)" in ln
           or "crates/candle-core)" in ln]
    assert len(hit) == 1  # one hit per project
    assert hit[0].startswith(("repo · Core frameworks · :green-badge[in the landscape "
                              "(reviewed)] ·", "crate · Core frameworks · :green-badge[in the "
                              "landscape (reviewed)] ·")), hit[0]
    # `panorama search`: the same placement, in its JSON and its text, not "suggested:"
    assert main(["search", "candle", "--json", "--limit", "5"]) == 0
    hits = json.loads(capsys.readouterr().out)[0]["hits"]
    (cli,) = [h for h in hits if h["project"] == "project:candle"]
    assert cli["placement"] == {"state": LANDSCAPE, "category": "frameworks", "watched": False,
                                "month": month}
    assert {"category", "category_decided_by", "members"} <= cli.keys()  # kept as they were
    assert main(["search", "candle", "--limit", "5"]) == 0
    (line,) = [ln for ln in capsys.readouterr().out.splitlines()
               if f"  [{cli['kind']}]  " in ln and "candle" in ln]
    assert line.endswith("(Core frameworks · in the landscape (reviewed))"), line
    assert main(["search", "向量数据库", "--limit", "5"]) == 0  # in the query's language
    assert "机器建议，待审核" in capsys.readouterr().out  # vecdb-lite: the machine's only
    at = open_page("project", id="project:candle")
    assert ":green-badge[in the landscape (reviewed)]" in texts(at)


def test_health_shows_a_partial_month_as_partial(fx) -> None:  # noqa: ANN001
    """A source that was partial in the latest month: Health says what happened (the kind of
    failure, not only the raw text) and that its last complete month is an earlier one."""
    month = _month(fx.db)
    with connect(path=fx.db) as con:
        run = con.execute("SELECT run_id FROM v_month_run WHERE month = ?", [month]).fetchone()[0]
        con.execute("UPDATE source_status SET status = 'partial', errors = 1, error = ?"
                    " WHERE run_id = ? AND source = 'crates'",
                    ["https://crates.io/api/v1/crates/x: HTTP 404 from https://crates.io/api/"
                     "v1/crates/x: {}", run])
        expected = con.execute("""
            SELECT max(r.month) FROM source_status s JOIN runs r USING (run_id)
            WHERE s.source = 'crates' AND s.status IN ('ok', 'unchanged')""").fetchone()[0]
        carried = dqo.carried_forward(con)
    row = carried[(carried["month"] == month) & (carried["source"] == "crates")].iloc[0]
    assert row["status"] == "partial" and row["last_ok_month"] == month
    assert row["last_complete_month"] == expected and expected < month
    at = open_page("health")
    assert not at.exception
    frame = next(d for d in at.dataframe if "complete" in d.value.columns)
    shown = frame.value[frame.value["month"] == month].iloc[0]
    assert shown["complete"] == expected and shown["status"] == "partial"
    assert shown["what"] == "not found (HTTP 404)"
    headers = str(frame.proto)  # the column headers people read
    assert "last complete month" in headers and "last good month" not in headers


def test_names_in_chinese_reach_the_project_picker_and_the_legends(fx) -> None:  # noqa: ANN001
    """With the switch on 中文, the Project page's picker and chart legend and the Compare
    page's picker and legend name a project by its Chinese name, as the cards do."""
    with connect(path=fx.db) as con:  # resolved_at moves: the rollups count as stale
        con.execute("UPDATE projects SET name_zh = '蜡烛框架', resolved_at = now()"
                    " WHERE project_id = 'project:candle'")
    at = open_page("project", id="project:candle", lang="zh")
    assert not at.exception
    picker = at.selectbox(key="id")
    assert "蜡烛框架" in picker.options and "candle" not in picker.options
    assert at.title[0].value == "蜡烛框架"
    at = open_page("compare", ids="project:candle,project:burn", lang="zh")
    assert not at.exception
    assert "蜡烛框架" in at.multiselect(key="ids").options
    wide = at.dataframe[0].value  # the chart's data, one column per project, by its name
    assert "蜡烛框架" in wide.columns and "candle" not in wide.columns
    at = open_page("project", id="project:candle", lang="en")
    assert "candle" in at.selectbox(key="id").options
