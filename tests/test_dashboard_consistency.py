"""The dashboard says what the report says for the report's month: how many projects the
landscape holds per category (machine suggestions apart), the growth figure (90-day downloads
change) and the movers, and each project's figures — compared with the report's own data
(`report.data.build_report_data`) over the same warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import fmt
from dashboard import queries_projects as dqp
from dashboard import queries_scope as dqs
from dashboard.rollups import refresh_dashboard_rollups
from landscape import review_inbox
from report.data import ReportData, build_report_data
from tests.support.dashboard_fixture import build_dashboard_warehouse, open_page, texts
from warehouse.db import connect


@pytest.fixture
def fx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    f = build_dashboard_warehouse(tmp_path)
    f.apply_env(monkeypatch)
    return f


def _month(db: Path) -> tuple[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        months = [r[0] for r in con.execute(
            "SELECT DISTINCT period FROM observations ORDER BY period DESC LIMIT 2").fetchall()]
    return months[0], months[1]


def _report(db: Path, month: str) -> ReportData:
    with duckdb.connect(str(db), read_only=True) as con:
        return build_report_data(con, month)


def test_landscape_counts_are_the_reports_and_a_review_moves_a_suggestion_in(fx) -> None:  # noqa: ANN001
    month, prev = _month(fx.db)
    report = _report(fx.db, month)
    with duckdb.connect(str(fx.db), read_only=True) as con:
        counts = dqs.landscape_counts(con, month, prev).set_index("category")
        cards = dqs.landscape_cards(con, month, prev, "frameworks").set_index("name_en")
    for cid, section in report.categories.items():
        row = counts.loc[cid] if cid in counts.index else {"projects": 0, "suggestions": 0}
        assert row["projects"] == section.total.value, cid
        assert row["suggestions"] == section.pending.value, cid
    assert counts["suggestions"].sum() > 0  # the fixture has suggestions: the split is tested
    # the cards of a category are its counted projects, the suggestions marked
    frameworks = report.categories["frameworks"]
    assert (~cards["suggested"]).sum() == frameworks.total.value
    assert cards["suggested"].sum() == frameworks.pending.value
    assert not cards.loc["candle", "suggested"]  # watched
    assert cards.loc["tiny-ml", "suggested"]  # machine-classified, not reviewed
    review_inbox.submit_decision("crate:tiny-ml", "accept", "Mei", category="frameworks",
                                 warehouse=fx.db)
    assert review_inbox.drain_now(fx.db) == 1
    with duckdb.connect(str(fx.db), read_only=True) as con:
        cards = dqs.landscape_cards(con, month, prev, "frameworks").set_index("name_en")
    assert not cards.loc["tiny-ml", "suggested"]  # a person's review makes it a fact
    assert _report(fx.db, month).categories["frameworks"].total.value == (~cards["suggested"]).sum()


def test_project_figures_are_the_reports_live_and_from_the_rollups(fx) -> None:  # noqa: ANN001
    """A card's 90-day downloads, their change and stars equal the report's figures of the
    month (the report's landscape CSV rows and its 90-day change), rollups fresh or not."""
    month, prev = _month(fx.db)
    report = _report(fx.db, month)
    shown = {r["entity"]: r for r in report.landscape}
    for refresh in (False, True):
        if refresh:
            with connect(path=fx.db) as con:
                refresh_dashboard_rollups(con)
        with duckdb.connect(str(fx.db), read_only=True) as con:
            figures = dqs.report_figures(con, month).set_index("project_id")
            cards = dqp.project_cards(con, month, prev).set_index("project_id")
        assert set(figures["entity"]) == set(shown)
        compared = 0
        for pid, fig in figures.iterrows():
            card, row = cards.loc[pid], shown[fig["entity"]]
            if row["downloads_period"] == month:
                assert card["downloads"] == row["downloads_90d"], pid
                compared += 1
            if fig["dl_pct"] == fig["dl_pct"]:  # not NaN: both months collected
                assert fmt.pct(card["downloads_pct"]) == fmt.pct(fig["dl_pct"]), pid
            if row["stars_period"] == month:
                assert card["stars"] == row["stars"], pid
        assert compared >= 3


def test_trends_defaults_to_the_reports_growth_figure_and_movers(fx) -> None:  # noqa: ANN001
    month, _ = _month(fx.db)
    report = _report(fx.db, month)
    at = open_page("trends")
    assert not at.exception
    assert at.selectbox(key="metric").value == "downloads_recent"
    assert at.selectbox(key="metric").options[0] == "90-day downloads · the report's measure"
    assert "The report's movers" in texts(at)
    for i, key in ((1, "dl_up"), (2, "dl_down")):
        movers, expected = at.dataframe[i].value, report.movers[key]
        assert list(movers["project"][:len(expected)]) == [r.entity for r in expected]
        assert [round(p, 6) for p in movers["pct"][:len(expected)]] == [
            round(r.pct.value, 6) for r in expected]
        assert (movers["prev_value"] >= fmt.noise_floor("downloads_recent")).all()
    # another measure is still there, and says it is not the report's
    at = open_page("trends", metric="downloads_month")
    assert not at.exception
    assert "Monthly downloads is not the report's measure" in texts(at)


def test_landscape_and_project_pages_count_and_figure_as_the_report(fx) -> None:  # noqa: ANN001
    month, _ = _month(fx.db)
    report = _report(fx.db, month)
    total = sum(s.total.value for s in report.categories.values())
    pending = sum(s.pending.value for s in report.categories.values())
    at = open_page("browse")
    assert not at.exception
    assert f"{fmt.count(total, 'project')} in " in texts(at)
    assert f"{fmt.count(pending, 'machine suggestion')} awaiting review" in texts(at)
    at = open_page("browse", category="frameworks")
    assert not at.exception
    section = report.categories["frameworks"]
    assert (f"Core frameworks · {fmt.count(section.total.value, 'project')} · "
            f"{fmt.count(section.pending.value, 'machine suggestion')} awaiting review"
            in texts(at))
    names = [e.proto.label for e in at.get("page_link")]
    landscape = {r["entity"] for r in report.landscape if r["category"] == "frameworks"}
    assert set(names[:len(landscape)]) == landscape  # the landscape's, then the suggestions
    assert "tiny-ml" in names[len(landscape):]
    at = open_page("project", id="project:candle")
    assert not at.exception
    candle = next(r for r in report.landscape if r["entity"] == "candle")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[f"90-day downloads {month}"] == fmt.human(candle["downloads_90d"])


def test_project_page_says_whether_the_report_lists_the_project(fx) -> None:  # noqa: ANN001
    month, _ = _month(fx.db)
    at = open_page("project", id="project:candle")  # watched
    assert not at.exception
    assert f"In the report's landscape for {month}: listed in its tables." in texts(at)
    at = open_page("project", id="crate:tiny-ml")  # the classifier's, not reviewed
    assert not at.exception
    assert f"A machine suggestion awaiting review for {month}" in texts(at)


def test_health_shows_the_run_the_report_speaks_for(fx) -> None:  # noqa: ANN001
    """A later attempt of the month that failed, and a breakthrough check, do not replace
    the run the report's run health reads; its 'new' is the month's, as in the report."""
    month, _ = _month(fx.db)
    with connect(path=fx.db) as con:
        for run_id, flow, status, hour in ((f"{month}.retry", "monthly", "failed", 9),
                                           (f"{month}.bt", "breakthrough", "completed", 10)):
            con.execute("INSERT INTO runs (run_id, month, flow, mode, started_at, status)"
                        " VALUES (?, ?, ?, 'live', (SELECT max(started_at) FROM runs)"
                        " + to_hours(?), ?)", [run_id, month, flow, hour, status])
            con.execute("INSERT INTO source_status (run_id, source, status, items_new)"
                        " SELECT ?, source, 'failed', 0 FROM source_status WHERE run_id ="
                        " (SELECT run_id FROM v_month_run WHERE month = ?)", [run_id, month])
        expected = con.execute("SELECT source, status, items_new FROM v_report_run_health"
                               " WHERE month = ? ORDER BY source", [month]).fetchall()
    at = open_page("health")
    assert not at.exception
    grid = at.dataframe[0].value.set_index("month")  # status per month, sources by name
    assert [st for _, st, _ in expected] == [grid.loc[month, fmt.source_name(src)]
                                             for src, _, _ in expected]
    details = at.dataframe[-1].value  # per-source details: the same run's rows
    shown = details[details["month"] == month].set_index("source")
    assert [n for _, _, n in expected] == [
        None if pd.isna(v) else v for v in shown.loc[[src for src, _, _ in expected],
                                                      "items_new"]]
