"""Draft → publish: frozen months, new revisions after publication, month-to-month diff."""

from __future__ import annotations

import argparse
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.fixture_warehouse import build_fixture_warehouse, fetched

from report.build import render_report
from report.publish import PublishError, diff_month, format_diff, publish
from report.store import publication, revisions
from warehouse import db

NOW = datetime(2025, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def published_october(data_dir: Path) -> Path:
    build_fixture_warehouse(db.db_path())
    render_report("2025-10")
    publish("2025-10", "Ada Lovelace", now=NOW)
    return db.reports_dir() / "2025-10"


def test_publish_freezes_the_month(published_october: Path) -> None:
    month = published_october
    marker = json.loads((month / "PUBLISHED").read_text("utf-8"))
    assert marker["reviewer"] == "Ada Lovelace" and marker["revision"] == 1
    assert marker["published_at"].startswith("2025-11-02")
    zh = month / "landscape.zh.md"
    assert "已发布：2025-11-02，审核人 Ada Lovelace" in zh.read_text("utf-8")
    assert "Published 2025-11-02, reviewed by Ada Lovelace" in (
        month / "landscape.en.md").read_text("utf-8")
    assert not zh.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    for name, sha in marker["files"].items():
        import hashlib

        assert hashlib.sha256((month / name).read_bytes()).hexdigest() == sha
    with db.connect() as con:
        assert publication(con, "2025-10").reviewer == "Ada Lovelace"
        assert [r.status for r in revisions(con, "2025-10")] == ["published"]
        # Ranks are kept with the publication: the next month's diff says what moved.
        ranks = con.execute("SELECT count(*), count(rank) FROM report_published_items"
                            " WHERE month = '2025-10'").fetchone()
        assert ranks[0] > 0 and ranks[1] == ranks[0]
    with pytest.raises(PublishError, match="already published"):
        publish("2025-10", "Someone Else")


def test_rerun_after_publication_makes_a_new_revision(published_october: Path) -> None:
    frozen = (published_october / "landscape.en.md").read_bytes()
    same = render_report("2025-10")
    assert same.status == "unchanged-published" and same.revision == 1
    with db.connect() as con:  # a late correction arrives for October
        con.execute("UPDATE observations SET value = value + 1000 WHERE item_id = 'crate:burn' "
                    "AND metric = 'downloads_recent' AND period = '2025-10'")
    rerun = render_report("2025-10")
    assert rerun.status == "draft-after-publication" and rerun.revision == 2
    assert Path(rerun.en).is_relative_to(published_october / "revisions" / "r2")
    assert (published_october / "landscape.en.md").read_bytes() == frozen
    with db.connect() as con:
        assert [r.status for r in revisions(con, "2025-10")] == ["published", "draft"]


def test_diff_against_previous_published_month(published_october: Path) -> None:
    with db.connect() as con:  # a person accepted them: only reviewed entries are published
        for item, category in (("crate:agent-kit", "agentic-web"),
                               ("crate:vecdb-lite", "vector-db")):
            con.execute("INSERT INTO review_decisions (item_id, decision, category, reviewer, "
                        "decided_at) VALUES (?, 'accept', ?, 'mei', now())", [item, category])
    result = render_report("2025-11")
    text = Path(result.en).read_text("utf-8")
    assert "Compared with published month: 2025-10" in text
    diff = diff_month("2025-11")
    assert diff.against == "2025-10"
    entered = {c.entity for c in diff.of_kind("entered")}
    assert {"agent-kit", "vecdb-lite"} <= entered
    assert "candle" not in entered
    assert "entered:" in format_diff(diff)


def test_publish_needs_a_draft_and_a_reviewer(data_dir: Path) -> None:
    build_fixture_warehouse(db.db_path())
    with pytest.raises(PublishError, match="no draft"):
        publish("2025-09", "Ada")
    render_report("2025-09")
    with pytest.raises(PublishError, match="reviewer"):
        publish("2025-09", "<>")


def test_cli_registers_report_commands() -> None:
    from flows.cli_report import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["publish", "2025-10", "--reviewer", "Ada"])
    assert args.month == "2025-10" and args.reviewer == "Ada"
    assert parser.parse_args(["diff", "2025-11"]).func.__name__ == "cmd_diff"
    assert parser.parse_args(["report", "2025-11"]).func.__name__ == "cmd_report"
    with pytest.raises(SystemExit):
        parser.parse_args(["report", "2025-13"])
    assert fetched("2025-10").day == 28
