"""`panorama diff` as its readers read it: a source whose failure changed while its status did
not, and the whole output in the reader's language (`--lang zh`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.fixture_warehouse import build_fixture_warehouse

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


@pytest.fixture
def partial_twice(data_dir: Path) -> None:
    """crates.io partial in both months: a 404 in the published 2025-10, a timeout in the
    2025-11 draft."""
    build_fixture_warehouse(db.db_path())
    _crates_partial("2025-10", NOT_FOUND)
    render_report("2025-10")
    publish("2025-10", "Ada Lovelace", now=NOW, accept_open="test: a month with a partial source")
    _crates_partial("2025-11", TIMEOUT)
    render_report("2025-11")


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
