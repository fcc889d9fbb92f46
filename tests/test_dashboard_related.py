"""The Project page's related projects (相关项目): one row per related project, worded from the
page's project's side — a binding recorded twice (as a binding, from its description, and as
built on its upstream, from the watchlist) was listed twice on the upstream's page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.dashboard_fixture import DashboardFixture, build_dashboard_warehouse, open_page

UPSTREAM, BINDING, OTHER = "project:candle", "project:burn", "project:tract"


@pytest.fixture
def fx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DashboardFixture:
    from connectors.watchlist import load_watchlist
    from landscape.projects import resolve_projects
    from warehouse.db import connect

    build_dashboard_warehouse(tmp_path)
    with connect(path=tmp_path / "data" / "panorama.duckdb") as con:
        resolve_projects(con, load_watchlist(), run_id="2025-11")
        con.execute("DELETE FROM project_relations")
        # burn -> candle twice (two sources, two words for one tie), tract -> candle once
        con.execute("""INSERT INTO project_relations
                       (project_id, related_project_id, relation, evidence, confidence)
                       VALUES (?, ?, 'upstream', 'watchlist', 1.0),
                              (?, ?, 'binding_of', 'description', 0.7),
                              (?, ?, 'upstream', 'watchlist', 1.0)""",
                    [BINDING, UPSTREAM, BINDING, UPSTREAM, OTHER, UPSTREAM])
    return DashboardFixture.under(tmp_path, monkeypatch)


def _related(at) -> list[str]:  # noqa: ANN001 - streamlit AppTest
    return [e.proto.label for e in at.get("page_link")]


def test_one_row_per_related_project_worded_from_the_pages_side(fx: DashboardFixture) -> None:
    from dashboard.ui_text import text
    at = open_page("project", id=UPSTREAM, lang="zh")
    assert not at.exception
    rows = _related(at)
    burn = [r for r in rows if r.endswith(" burn")]
    # once, as what it is to candle (has a binding), not also as "is its upstream"
    assert burn == [f"{text('relation.binding_of_in', 'zh')} burn"], rows
    assert [r for r in rows if r.endswith(" tract")] == [f"{text('relation.upstream_in', 'zh')} tract"]
    at = open_page("project", id=BINDING, lang="en")
    rows = [r for r in _related(at) if r.endswith(" candle")]
    assert rows == [f"{text('relation.binding_of_out', 'en')} candle"], rows
