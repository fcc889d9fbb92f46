"""Draft → publish: frozen months, the publish guard, corrections, banners and REVISION.json."""

from __future__ import annotations

import argparse
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.fixture_warehouse import build_fixture_warehouse, fetched
from support.state_template import restore

from connectors.error_kinds import ErrorKind
from report.build import render_report
from report.diff import _label, semantic_diff
from report.diff_format import format_semantic_diff, what_happened
from report.guard import publish_blockers
from report.publish import PublishBlocked, PublishError, publish, verify_published
from report.store import publication, publication_events, revisions
from warehouse import db

NOW = datetime(2025, 11, 2, 9, 0, tzinfo=UTC)


def _publish_october() -> None:
    build_fixture_warehouse(db.db_path())
    render_report("2025-10")
    # the check contradicts the seed's "updated 2025-01" (the first publication: nothing to
    # compare with, so it is new), which the reviewer accepts
    assert [b.kind for b in publish_blockers("2025-10")] == ["contradicted_claims"]
    publish("2025-10", "Ada Lovelace", now=NOW, accept_open="the seed's date is wrong: errata")


@pytest.fixture
def published_october(data_dir: Path) -> Path:
    """The fixture warehouse with October rendered and published (built once per process,
    copied for each test: support/state_template)."""
    restore("published-october", _publish_october, data_dir, db.reports_dir())
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
    with pytest.raises(PublishError, match="already published.*--supersede"):
        publish("2025-10", "Someone Else")
    state = json.loads((month / "REVISION.json").read_text("utf-8"))
    assert state["status"] == "published" and state["published"]["reviewer"] == "Ada Lovelace"
    assert verify_published(month) == [] and verify_published(month / "revisions" / "r1") == []


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
    # The later draft says what it is: not "to be reviewed before publication" (it cannot be
    # published as such) but a revised draft of a published month, publishable as a correction.
    draft = Path(rerun.zh).read_text("utf-8")
    assert "待人工审核后发布" not in draft and "修订草稿 r2" in draft and "--supersede" in draft
    assert "Revised draft r2" in Path(rerun.en).read_text("utf-8")
    state = json.loads((published_october / "REVISION.json").read_text("utf-8"))
    assert state["status"] == "published" and state["revision"] == 1
    assert state["pending_draft"]["revision"] == 2


def test_diff_against_previous_published_month(published_october: Path) -> None:
    with db.connect() as con:  # a person accepted them: only reviewed entries are published
        for item, category in (("crate:agent-kit", "agentic-web"),
                               ("crate:vecdb-lite", "vector-db")):
            con.execute("INSERT INTO review_decisions (item_id, decision, category, reviewer, "
                        "decided_at) VALUES (?, 'accept', ?, 'mei', now())", [item, category])
    result = render_report("2025-11")
    text = Path(result.en).read_text("utf-8")
    assert "Compared with published month: 2025-10" in text
    diff = semantic_diff("2025-11")
    assert diff.old.month == "2025-10" and diff.old.status == "published"
    added, removed = diff.rows["landscape"]
    assert {"agent-kit", "vecdb-lite"} <= set(added) and "candle" not in added
    # candle's 90-day downloads went 1.0M -> 1.3M (+30%, beyond the 25% threshold); burn's
    # 330k -> 320k (-3%) is below it
    moved = {(m.subject, m.metric): m for m in diff.figures}
    assert round(moved["candle", "downloads_90d"].pct) == 30
    assert ("burn", "downloads_90d") not in moved
    assert [(c.of, c.subject, c.old, c.new) for c in diff.health] == [
        ("source", "github", "ok", "failed")]
    with db.connect() as con:  # the projects area judged candle's health in both months
        project = con.execute("SELECT project_id FROM v_item_project "
                              "WHERE item_id = 'crate:candle-core'").fetchone()[0]
        con.executemany("INSERT INTO project_health (project_id, month, status, signal, "
                        "computed_at) VALUES (?, ?, ?, 'x', now())",
                        [[project, "2025-10", "active"], [project, "2025-11", "slowing"]])
    health = [(c.of, c.subject, c.old, c.new) for c in semantic_diff("2025-11").health]
    assert health[0][2:] == ("active", "slowing") and health[0][0] == "project"
    assert "candle" in health[0][1]
    text = format_semantic_diff(diff)
    assert "2025-11 r1 (draft) against 2025-10 r1 (published) (two months)" in text
    # `panorama diff --lang zh`: the revisions and the rows' key words in Chinese
    zh = semantic_diff("2025-11", lang="zh")
    assert "2025-11 第 1 版（草稿） 对比 2025-10 第 1 版（已发布）（两个月份）" in \
        format_semantic_diff(zh)
    assert zh.text[0].endswith("2025-10 第 1 版（已发布）")
    # the same rows, names as they are, bracketed as Chinese brackets
    assert zh.rows.keys() == diff.rows.keys() and "burn (0.19.0)" in diff.rows["releases"][0]
    assert "burn（0.19.0）" in zh.rows["releases"][0]
    mover = {"entity": "burn", "direction": "down"}
    assert _label(mover, ("direction", "entity"), "zh") == "burn（下降）"
    assert _label({**mover, "direction": "up"}, ("direction", "entity"), "zh") == "burn（上升）"
    assert _label(mover, ("direction", "entity")) == "burn (down)"
    # what happened, not only the new status: the failure's kind (connectors.error_kinds)
    assert "candle" in text and "source github: ok → failed: server error (HTTP 502)" in text
    with pytest.raises(LookupError, match="not published"):
        semantic_diff("2025-11", against="2025-09")


def test_diff_says_what_a_source_change_was(published_october: Path) -> None:
    """A source that went from ok to partial is told with the kind of its failure, in the
    report's words for either language; a project's health change carries none."""
    with db.connect() as con:
        con.execute("UPDATE source_status SET status = 'partial', errors = 1, error = ? "
                    "WHERE run_id = '2025-11' AND source = 'crates'",
                    ["https://crates.io/api/v1/crates/llama_cpp: HTTP 404 from "
                     "https://crates.io/api/v1/crates/llama_cpp: Not Found"])
    render_report("2025-11")
    diff = semantic_diff("2025-11")
    by = {(c.of, c.subject): c for c in diff.health}
    crates = by["source", "crates"]
    assert (crates.old, crates.new) == ("ok", "partial")
    assert crates.failure == (ErrorKind("not_found", 404),)
    text = format_semantic_diff(diff)
    assert "    source crates: ok → partial: not found (HTTP 404)\n" in text
    assert what_happened(crates, "zh") == "请求的资源不存在（HTTP 404）"


def _october_with_open_items() -> None:
    with db.connect() as con:  # a printed item whose category still waits for a person
        con.execute("UPDATE classifications SET needs_review = true "
                    "WHERE item_id = 'crate:tiny-ml'")


def test_publish_refused_with_open_items_and_allowed_with_accept_open(data_dir: Path) -> None:
    build_fixture_warehouse(db.db_path())
    _october_with_open_items()
    render_report("2025-09")  # September went out with the seed's date already contradicted
    assert "contradicted_claims" in {b.kind for b in publish_blockers("2025-09")}
    publish("2025-09", "Ada", accept_open="errata printed")
    render_report("2025-10")
    blockers = publish_blockers("2025-10")  # ... so in October it is not new
    assert [(b.kind, b.examples) for b in blockers] == [("unreviewed_items", ("crate:tiny-ml",))]
    with pytest.raises(PublishBlocked, match="unreviewed_items.*crate:tiny-ml") as refused:
        publish("2025-10", "Ada")
    assert refused.value.blockers == blockers
    with db.connect() as con:
        assert publication(con, "2025-10") is None
    pub = publish("2025-10", "Ada", accept_open="tiny-ml is a framework; queue clears next run",
                  now=NOW)
    assert pub.revision == 1
    marker = json.loads((db.reports_dir() / "2025-10" / "PUBLISHED").read_text("utf-8"))
    assert marker["accept_reason"] == "tiny-ml is a framework; queue clears next run"
    assert marker["accepted_open"][0]["kind"] == "unreviewed_items"
    assert "open items the reviewer accepted: 1 unreviewed items" in (
        db.reports_dir() / "2025-10" / "landscape.en.md").read_text("utf-8")
    # November: GitHub failed that month, which blocks too
    render_report("2025-11")
    assert "failed_sources" in {b.kind for b in publish_blockers("2025-11")}
    with db.connect() as con:  # a proposed merge touching a printed entry waits for a person
        con.execute("INSERT INTO project_link_proposals VALUES "
                    "('crate:burn', 'project:candle', 'same name', NULL, 0.6)")
    links = next(b for b in publish_blockers("2025-11") if b.kind == "open_link_reviews")
    assert links.examples == ("crate:burn → project:candle (proposed)",)


def test_supersede_keeps_the_old_revision_and_notes_the_correction(
    published_october: Path,
) -> None:
    old = published_october / "revisions" / "r1"
    before = {p: p.read_bytes() for p in old.rglob("*") if p.is_file()}
    with db.connect() as con:  # a late correction arrives for October
        con.execute("UPDATE observations SET value = value + 1000 WHERE item_id = 'crate:burn' "
                    "AND metric = 'downloads_recent' AND period = '2025-10'")
    assert render_report("2025-10").revision == 2
    with pytest.raises(PublishError, match="reason"):
        publish("2025-10", "Grace Hopper", supersede=True)
    later = datetime(2025, 11, 9, 12, 0, tzinfo=UTC)
    pub = publish("2025-10", "Grace Hopper", supersede=True, now=later,
                  reason="burn's October downloads were under-counted")
    assert pub.revision == 2
    # the old revision is byte for byte what was published, and its marker still says so
    assert {p: p.read_bytes() for p in old.rglob("*") if p.is_file()} == before
    assert verify_published(old) == [] and verify_published(published_october) == []
    zh = (published_october / "landscape.zh.md").read_text("utf-8")
    en = (published_october / "landscape.en.md").read_text("utf-8")
    assert "更正（2025-11-09）：burn's October downloads were under-counted" in zh
    assert "Correction (2025-11-09): burn's October downloads were under-counted. " \
           "Revision r2 supersedes revision r1 published 2025-11-02" in en
    assert "Published 2025-11-09, reviewed by Grace Hopper (revision r2)" in en
    marker = json.loads((published_october / "PUBLISHED").read_text("utf-8"))
    assert (marker["revision"], marker["kind"], marker["supersedes"]) == (2, "correction", 1)
    state = json.loads((published_october / "REVISION.json").read_text("utf-8"))
    assert state["status"] == "published" and state["revision"] == 2
    assert [h["kind"] for h in state["history"]] == ["publish", "correction"]
    with db.connect() as con:
        assert publication(con, "2025-10").revision == 2
        assert [r.status for r in revisions(con, "2025-10")] == ["superseded", "published"]
        assert [e.reason for e in publication_events(con, "2025-10")][1].startswith("burn's")
    # the two revisions differ only where the content did: burn's figures (and what derives
    # from them), never a renumbered footnote
    diff = semantic_diff("2025-10", revision=1)
    assert [(m.subject, m.old, m.new) for m in diff.figures] == [("burn", 330_000, 331_000)]
    changed = [x for x in diff.text if x[:1] in "+-" and x[:3] not in ("+++", "---")]
    assert changed and all("burn" in x for x in changed), changed
    assert [e.revision for e in diff.corrections] == [2]
    # a tampered old revision stops the next correction
    render_report("2025-10")  # nothing new: same content as r2
    tampered = old / "landscape.en.md"
    tampered.chmod(0o644)
    tampered.write_text(before[tampered].decode() + "edited\n", "utf-8")
    assert verify_published(old) == ["landscape.en.md"]


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


def test_diff_reads_values_not_the_csv_formula_guard(published_october: Path) -> None:
    """The report's CSVs put a quote before a cell that starts like a formula; the diff read
    that quote back as part of the value (`biome ('@biomejs/biome@2.2.0)`)."""
    from report.csv_cells import read_rows
    from report.files import to_csv

    with db.connect() as con:  # a monorepo tag, the way biome spells its releases
        con.execute("""INSERT INTO releases VALUES ('release:repo:huggingface/candle@x',
            'repo:huggingface/candle', '@candle/core@0.9.9', NULL,
            TIMESTAMPTZ '2025-11-21 10:00:00+00', false, NULL,
            'https://github.com/huggingface/candle/releases/tag/@candle/core@0.9.9', 'notes',
            'feeds', 'https://github.com/huggingface/candle/releases.atom', ?, '2025-11')""",
                    [fetched("2025-11")])
    render_report("2025-11")
    added, _ = semantic_diff("2025-11").rows["releases"]
    assert "candle (@candle/core@0.9.9)" in added, added
    assert not any("'" in label for label in added)
    csv_path = db.reports_dir() / "2025-11" / "data" / "releases.csv"
    assert "'@candle/core@0.9.9" in csv_path.read_text("utf-8")  # the file keeps its guard
    cells = ["@x", "-y", "=1+1", "-5", "'quoted", "+", "plain"]
    out = Path(csv_path.parent / "cells.csv")
    out.write_text(to_csv((["c"], [[c] for c in cells])), "utf-8")
    assert [r["c"] for r in read_rows(out)] == cells


def test_report_cli_bad_input_is_one_line_and_exit_2(published_october: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    """A month without a report, a missing revision, a negative --limit and an export into a
    file are the user's mistakes: one line on stderr and exit 2 (diff said 1, export raised
    FileExistsError with a traceback)."""
    from flows.cli import main

    cases = [(["diff", "2025-08"], "has no report"),
             (["diff", "2025-10", "--revision", "9"], "has only one revision (r1)"),
             (["publish", "2025-08", "--check"], "no report revision"),
             (["export", str(tmp_path / "a-file")], "is a file, not a folder")]
    (tmp_path / "a-file").write_text("x", "utf-8")
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert message in err and "\n" not in err, (argv, err)
    with pytest.raises(SystemExit) as exc:
        main(["diff", "2025-10", "--limit", "-1"])
    assert exc.value.code == 2
