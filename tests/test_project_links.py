"""Project-link review where the category review is: `panorama review links|link` and the
Review page's link section, both through `landscape.project_review.decide_link`."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from support.project_world import crate_records, load, repo_records, watchlist

from landscape.projects import resolve_projects
from warehouse.db import connect

BIOME = {"name": "biome", "category": "frontend-build", "repos": ["biomejs/biome"],
         "primary_repo": "biomejs/biome"}


def test_link_decisions_of_the_cli_are_the_review_module_s() -> None:
    from flows.cli_projects import LINK_DECISIONS
    from landscape.project_review import DECISIONS

    assert LINK_DECISIONS == DECISIONS


def test_review_cli_lists_and_rejects_a_same_name_proposal_and_it_sticks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    from flows.cli import main

    db_file = tmp_path / "w.duckdb"
    wl = watchlist([BIOME])
    with connect(path=db_file) as con:
        # a stranger crate named like the watched Biome: proposed, never merged
        load(con, wl, repo_records("biomejs/biome"), crate_records("biome"))
        resolve_projects(con, wl)
    monkeypatch.setenv("PANORAMA_DB", str(db_file))

    assert main(["review", "list"]) == 0
    assert "1 project link(s) also wait for review: panorama review links" in (
        capsys.readouterr().out)
    assert main(["review", "links", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["item_id"], row["project_id"], row["kind"], row["reason"]) == (
        "crate:biome", "project:biome", "proposal", "same name")

    with pytest.raises(SystemExit):  # every decision is a person's
        main(["review", "link", "crate:biome", "biome", "split"])
    capsys.readouterr()
    assert main(["review", "link", "crate:biome", "biome", "split", "--reviewer", "Mei",
                 "--note", "a different crate"]) == 0
    assert "recorded split of crate:biome" in capsys.readouterr().out
    assert main(["review", "links", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    with connect(path=db_file) as con:
        assert con.execute("SELECT item_id, project_id, decision, reviewer FROM "
                           "project_link_decisions").fetchall() == [
            ("crate:biome", "project:biome", "split", "Mei")]
        resolve_projects(con, wl)  # the next run: the rejected proposal does not come back
        assert con.execute("SELECT count(*) FROM project_link_proposals").fetchone() == (0,)
        assert con.execute("SELECT project_id FROM v_item_project WHERE item_id = "
                           "'crate:biome'").fetchone() == ("crate:biome",)
    assert main(["review", "link", "crate:nope", "biome", "accept", "--reviewer", "Mei"]) == 2


def test_review_page_decides_a_project_link(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.dashboard_fixture import build_dashboard_warehouse, open_page, texts

    fx = build_dashboard_warehouse(tmp_path)
    fx.apply_env(monkeypatch)
    with duckdb.connect(str(fx.db)) as con:
        # a crate named like the watched tch-rs project, in no project: a same-name proposal
        con.execute("INSERT INTO items (item_id, kind, name, title, source, source_url, "
                    "fetched_at) VALUES ('crate:tch-rs', 'crate', 'tch-rs', 'tch-rs', "
                    "'crates', 'https://crates.io/api/v1/crates/tch-rs', now())")
    from tests.support.fixture_warehouse import _resolve_projects

    with connect(path=fx.db) as con:
        _resolve_projects(con)
    at = open_page("review")
    assert not at.exception
    assert "Project links to review (1)" in [e.label for e in at.expander]
    queue = at.dataframe(key="link_queue").value
    assert list(queue["item_id"]) == ["crate:tch-rs"]
    assert list(queue["project_id"]) == ["project:tch-rs"]

    at.radio(key="link_decision").set_value("split")
    at.button(key="link_submit").click()
    at.run()
    assert "Enter your name as reviewer first" in texts(at)  # nothing recorded without one
    at.text_input(key="reviewer").input("Mei")
    at.radio(key="link_decision").set_value("split")
    at.button(key="link_submit").click()
    at.run()
    assert not at.exception
    # the confirmation words the decision as the form offered it (the stored value is 'split')
    assert any("Link decision recorded: crate:tch-rs / project:tch-rs: Reject / split" in s.value
               for s in at.success), texts(at)
    assert "Project links to review (0)" in [e.label for e in at.expander]
    with duckdb.connect(str(fx.db), read_only=True) as con:
        assert con.execute("SELECT item_id, project_id, decision, reviewer FROM "
                           "project_link_decisions").fetchall() == [
            ("crate:tch-rs", "project:tch-rs", "split", "Mei")]
