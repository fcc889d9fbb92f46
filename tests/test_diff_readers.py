"""`panorama diff` as its readers read it: a source whose failure changed while its status did
not, and the whole output in the reader's language (`--lang zh`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.fixture_warehouse import build_fixture_warehouse
from support.state_template import restore

from report.build import render_report
from report.diff import semantic_diff
from report.diff_format import format_semantic_diff
from report.publish import publish
from warehouse import db

NOW = datetime(2025, 11, 2, 9, 0, tzinfo=UTC)
NOT_FOUND = ("https://crates.io/api/v1/crates/llama_cpp: HTTP 404 from "
             "https://crates.io/api/v1/crates/llama_cpp: Not Found")
TIMEOUT = "https://crates.io/api/v1/crates/burn: timed out after 30 s"


def _crates_partial(month: str, error: str) -> None:
    with db.connect() as con:
        con.execute("UPDATE source_status SET status = 'partial', errors = 1, error = ? "
                    "WHERE run_id = ? AND source = 'crates'", [error, month])


def _partial_twice() -> None:
    build_fixture_warehouse(db.db_path())
    _crates_partial("2025-10", NOT_FOUND)
    render_report("2025-10")
    publish("2025-10", "Ada Lovelace", now=NOW, accept_open="test: a month with a partial source")
    _crates_partial("2025-11", TIMEOUT)
    render_report("2025-11")


@pytest.fixture
def partial_twice(data_dir: Path) -> None:
    """crates.io partial in both months: a 404 in the published 2025-10, a timeout in the
    2025-11 draft (built once per process, copied for each test: support/state_template)."""
    restore("partial-twice", _partial_twice, data_dir, db.reports_dir())


def test_a_source_partial_in_both_months_with_a_new_failure_is_listed(partial_twice) -> None:
    diff = semantic_diff("2025-11")
    [crates] = [c for c in diff.health if "crates" in c.subject]
    assert (crates.old, crates.new) == ("partial", "partial")
    text = format_semantic_diff(diff)
    assert "crates: partial → partial: timed out (was: not found (HTTP 404))" in text


def test_a_source_with_the_same_failure_both_months_is_not_listed(data_dir: Path) -> None:
    build_fixture_warehouse(db.db_path())
    _crates_partial("2025-10", NOT_FOUND)
    render_report("2025-10")
    publish("2025-10", "Ada Lovelace", now=NOW, accept_open="test: a month with a partial source")
    _crates_partial("2025-11", NOT_FOUND.replace("llama_cpp", "candle"))  # another 404
    render_report("2025-11")
    assert not [c for c in semantic_diff("2025-11").health if "crates" in c.subject]


def test_panorama_diff_in_chinese_words_its_prose_in_chinese(partial_twice, capsys) -> None:
    """`panorama diff --lang zh`: every sentence of the semantic part is the labels' Chinese
    (names, versions and figures stay as they are); no English wording is left in it."""
    import re

    from flows.cli import main
    from report.render import load_labels

    assert main(["diff", "2025-11", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    head = out.split(load_labels()["zh"]["diff_text"].split("（")[0])[0]  # before the text diff
    zh, en = load_labels()["zh"], load_labels()["en"]
    assert head.startswith("2025-11 第 1 版（草稿） 对比 2025-10 第 1 版（已发布）（两个月份）")
    for key in ("diff_figures", "diff_categories", "diff_health", "diff_verdicts", "diff_errata"):
        assert zh[key] in head, key
    assert "来源 crates：部分成功 → 部分成功：请求超时（此前：请求的资源不存在（HTTP 404））" in head
    # the English wording of every diff label, and the statuses' and failures' English words
    english = {part.strip(" ():;,") for key, text in en.items()
               if key.startswith(("diff_", "health_", "err_", "status_")) and isinstance(text, str)
               for part in re.split(r"\{[^}]*\}", text)
               if re.search(r"[A-Za-z]{3,}", part)}
    english -= {"MONTH --reviewer NAME`", "publish one with `panorama publish"}  # a command
    left = sorted(w for w in english if w and w in head)
    assert not left, left
    assert main(["diff", "2025-11"]) == 0  # English stays English
    assert "source crates: partial → partial: timed out" in capsys.readouterr().out


def test_the_chinese_diff_names_a_project_as_the_zh_report_does(data_dir: Path) -> None:
    """The rows added or removed are named by the zh report's names (the watchlist's `name_zh`,
    which the CSVs carry): "candle 框架" in the releases and movers rows, never the English
    name beside it ("candle 框架（candle，0.9.1）"); the English diff keeps "candle"."""
    from support.fixture_warehouse import _resolve_projects

    from landscape.project_health import compute_health

    build_fixture_warehouse(db.db_path())
    with db.connect() as con:
        _resolve_projects(con, {"candle": "candle 框架"})
        for month in ("2025-10", "2025-11"):
            compute_health(con, month)
    render_report("2025-10")
    publish("2025-10", "Ada Lovelace", now=NOW, accept_open="test: the fixture's open items")
    render_report("2025-11")
    zh, en = (semantic_diff("2025-11", lang=lang) for lang in ("zh", "en"))
    named_zh = [r for pair in zh.rows.values() for rows in pair for r in rows if "candle" in r]
    named_en = [r for pair in en.rows.values() for rows in pair for r in rows if "candle" in r]
    assert "candle 框架（0.9.1）" in zh.rows["releases"][0]
    assert all(r.startswith("candle 框架（") and r.count("candle") == 1 for r in named_zh), named_zh
    assert "candle (0.9.1)" in en.rows["releases"][0]
    assert named_en and not [r for r in named_en if "框架" in r]


def test_the_figures_rule_reads_as_a_sentence(partial_twice, capsys) -> None:
    """The rule of the figures that moved names each figure as running text does ("stars
    changed by 10% or more"), not by its column header ("≥ 10 % Stars"), in both languages."""
    from flows.cli import main
    from report.render import load_labels

    for lang, stars in (("en", "stars changed by "), ("zh", "星标变动不少于 ")):
        assert main(["diff", "2025-11", "--lang", lang]) == 0
        lab = load_labels()[lang]
        [line] = [x for x in capsys.readouterr().out.splitlines()
                  if x.startswith(lab["diff_figures"])]
        assert stars in line, line
        assert lab["diff_in_text_downloads_90d"] in line, line
        if lang == "en":  # the headers "Stars" / "≥ 10 % Stars" are not in the sentence
            assert lab["col_stars"] not in line and "% Stars" not in line, line


def test_panorama_diff_errors_in_chinese_are_one_line_and_exit_2(partial_twice, capsys) -> None:
    """`panorama diff --lang zh` says why it cannot diff in Chinese (it said "has no revision
    r1 older than its latest" in English), one line on stderr, exit 2; English stays English.
    A month with one revision says so (it read "has no revision r1 older than its latest (r1)")."""
    import re

    from flows.cli import main

    cases = [(["diff", "2025-11", "--revision", "1"], "2025-11 只有一版（第 1 版），没有更早的版本可比较"),
             (["diff", "2025-11", "--revision", "1", "--against", "2025-10"], "二者不能同时指定"),
             (["diff", "2025-11", "--against", "2025-09"], "2025-09 尚未发布"),
             (["diff", "2024-01"], "2024-01 还没有报告")]
    for argv, words in cases:
        assert main([*argv, "--lang", "zh"]) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("错误：") and words in err and "\n" not in err, (argv, err)
        assert not re.search(r"[A-Za-z]{3,}(?![^`]*`)", err.replace("--against", "")
                             .replace("--revision", "")), err  # no English left (bar a command)
    assert main(["diff", "2025-11", "--revision", "1"]) == 2
    assert capsys.readouterr().err.strip() == \
        "error: 2025-11 has only one revision (r1): there is no earlier one to compare with"
