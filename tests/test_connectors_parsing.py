"""Shared connector helpers: timestamps, months, GitHub URLs, text clean-up, error records."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from connectors.errors import NotFound
from connectors.parsing import (
    error_record,
    github_repo_id,
    month_bounds,
    parse_dt,
    repair_mojibake,
    strip_html,
    truncate,
)


@pytest.mark.parametrize(("url", "expected"), [
    ("https://github.com/huggingface/candle", "repo:huggingface/candle"),
    ("https://github.com/HuggingFace/Candle.git", "repo:huggingface/candle"),
    ("git+https://github.com/tokio-rs/tokio.git", "repo:tokio-rs/tokio"),
    ("http://www.github.com/a/b/tree/main/crates/c", "repo:a/b"),
    ("https://github.com/a/b/", "repo:a/b"),
    ("git@github.com:a/b.git", "repo:a/b"),
    ("https://github.com/a/b.rs", "repo:a/b.rs"),
    ("https://gitlab.com/a/b", None),
    ("https://github.com/a", None),
    ("https://notgithub.com/a/b", None),
    (None, None),
])
def test_github_repo_id(url: str | None, expected: str | None) -> None:
    assert github_repo_id(url) == expected


def test_parse_dt_formats() -> None:
    utc = datetime(2025, 4, 4, 7, 32, 41, 23326, tzinfo=UTC)
    assert parse_dt("2025-04-04T07:32:41.023326Z") == utc
    assert parse_dt("2025-04-04T09:32:41.023326+02:00") == utc
    assert parse_dt("Fri, 21 Jun 2024 17:03:45 +0000") == datetime(2024, 6, 21, 17, 3, 45, tzinfo=UTC)
    assert parse_dt(time.struct_time((2024, 6, 21, 17, 3, 45, 4, 173, 0))) == datetime(
        2024, 6, 21, 17, 3, 45, tzinfo=UTC)
    assert parse_dt("[datetime]") is None and parse_dt("") is None and parse_dt(None) is None


def test_month_bounds() -> None:
    assert month_bounds("2025-12") == (datetime(2025, 12, 1, tzinfo=UTC),
                                       datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError):
        month_bounds("2025-1")


def test_repair_mojibake_only_when_it_decodes() -> None:
    assert repair_mojibake("Aurora Ram\u00c3\u00adrez") == "Aurora Ramírez"
    assert repair_mojibake("$\u00cf\u0080$ and \u00ce\u00b1") == "$π$ and α"
    assert repair_mojibake("Café Ramírez") == "Café Ramírez"  # real latin-1 text untouched
    assert repair_mojibake("Ψ and Ram\u00c3\u00adrez") == "Ψ and Ramírez"  # mixed text
    assert repair_mojibake(None) is None


def test_strip_html_and_truncate() -> None:
    html = "<p>Hello <b>world</b> &amp; friends</p><script>alert(1)</script><ul><li>a</li></ul>"
    assert strip_html(html) == "Hello world & friends a"
    assert strip_html("") is None
    long = " ".join(["word"] * 400)
    cut = strip_html(long, 100)
    assert cut is not None and len(cut) <= 100 and cut.endswith("…")
    assert truncate("short", 10) == "short"


def test_error_record_shape() -> None:
    rec = error_record("crates", "https://crates.io/api/v1/crates/x",
                       NotFound("HTTP 404", url="u", status=404), item_id="crate:x")
    assert rec["type"] == "error" and rec["status"] == 404 and rec["error"] == "NotFound"
    assert rec["source_url"] == rec["url"] and rec["fetched_at"].tzinfo is not None
    warn = error_record("feeds", "u", "not well-formed", kind="warning")
    assert warn["type"] == "warning" and warn["message"] == "not well-formed"
