"""What a reader of the report is told, in their language: run health (the kind of failure,
not the raw English message), the landscape diff's ranks (in words) and appendix D (the
sources the text cites)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from support.fixture_warehouse import build_fixture_warehouse
from support.loopback import LoopbackServer, Reply

from connectors.error_kinds import KINDS, ErrorKind, error_kinds
from connectors.errors import ConnectorError
from connectors.http import HttpSettings, PoliteClient
from connectors.ratelimit import VirtualClock
from report.data import ReportData, build_report_data
from report.landscape_diff import Change, LandscapeDiff
from report.render import load_labels, render
from warehouse import db


def _settings(timeout_s: float) -> HttpSettings:
    return HttpSettings(timeout_s=timeout_s, max_retries=0, backoff_base_s=1.0,  # type: ignore[arg-type]
                        backoff_max_s=5.0, jitter=0.0, min_interval_s={},
                        rate_limit_budget_s=5.0)


def _client_errors() -> list[tuple[str, ConnectorError]]:
    """The errors the real HTTP client raises against a loopback server, one per kind. Only
    the timeout's client has a short timeout: a loaded machine never turns a 404 into one."""
    out = []
    with LoopbackServer() as server, \
            PoliteClient(_settings(10.0), clock=VirtualClock()) as client, \
            PoliteClient(_settings(0.15), clock=VirtualClock()) as hasty:
        server.always("/gone", Reply(404, body={"errors": [{"detail": "Not Found"}]}))
        server.always("/down", Reply(503, body=b"upstream down"))
        server.always("/slow", Reply(body={}, delay_s=0.6))
        server.always("/limited", Reply(429, body=b"slow down", headers={"Retry-After": "3600"}))
        server.always("/html", Reply(body=b"<html>login</html>",
                                     headers={"Content-Type": "text/html"}))
        # the rate limit last: it stops the host (127.0.0.1) for the rest of the run
        for path in ("/gone", "/down", "/slow", "/html", "/limited"):
            try:
                got = (hasty if path == "/slow" else client).get(server.url(path))
                got.json()
            except ConnectorError as exc:
                out.append((path, exc))
    return out


def test_error_kinds_read_the_messages_the_client_writes() -> None:
    """Each failure the HTTP client raises is recognised by its kind, also inside the joined
    text a source stores (flows/collect.py: "url: message" joined by "; ")."""
    errors = dict(_client_errors())
    want = {"/gone": ErrorKind("not_found", 404), "/down": ErrorKind("server_error", 503),
            "/slow": ErrorKind("timeout"), "/limited": ErrorKind("rate_limited"),
            "/html": ErrorKind("malformed")}
    assert set(errors) == set(want)
    for path, exc in errors.items():
        assert error_kinds(f"{exc.url}: {exc}") == [want[path]], str(exc)
    joined = "; ".join(f"{e.url}: {e}" for e in errors.values())
    assert set(error_kinds(joined)) == set(want.values())
    assert error_kinds(None) == [] and error_kinds("something odd") == [ErrorKind("other")]
    # a fatal error names its class before the message: one server error, with its status
    assert error_kinds("ServerError: HTTP 502 from https://x") == [ErrorKind("server_error", 502)]
    # every kind has its words in both languages (templates/labels.toml err_*)
    labels = load_labels()
    assert all(f"err_{k}" in labels[lang] for k in KINDS for lang in ("zh", "en"))


@pytest.fixture
def warehouse(data_dir: Path) -> Path:
    return build_fixture_warehouse(db.db_path())


def _data() -> ReportData:
    with db.connect(read_only=True) as con:
        return build_report_data(con, "2025-11")


def _health_section(text: str) -> str:
    return re.search(r"^## 12\..*?(?=^<!-- no-figures -->)", text, re.S | re.M).group(0)


RAW = ("https://crates.io/api/v1/crates/llama_cpp: HTTP 404 from "
       "https://crates.io/api/v1/crates/llama_cpp: {\"errors\":[{\"detail\":\"Not Found\"}]}; "
       "https://crates.io/api/v1/crates/burn: timed out (ReadTimeout) after 30.0s: GET "
       "https://crates.io/api/v1/crates/burn")


def test_run_health_says_what_happened_in_the_readers_language(warehouse: Path) -> None:
    """A partial source's cell says in Chinese (in English in the en report) what kind of
    failure it was; the raw English message is listed under the table for an engineer, never
    in the cell; a partial month is not the source's last complete month."""
    with db.connect() as con:
        con.execute("UPDATE source_status SET status = 'partial', errors = 2, error = ?"
                    " WHERE run_id = '2025-11' AND source = 'crates'", [RAW])
    data = _data()
    zh, en = (_health_section(render(data, lang)) for lang in ("zh", "en"))
    crates_zh = next(ln for ln in zh.splitlines() if ln.startswith("| crates.io |"))
    state = crates_zh.split(" | ")[1]
    assert state == "部分成功：请求的资源不存在（HTTP 404）、请求超时"
    assert crates_zh.rstrip(" |").split(" | ")[-1].startswith("2025-10[^")  # last complete
    crates_en = next(ln for ln in en.splitlines() if ln.startswith("| crates.io |"))
    assert crates_en.split(" | ")[1] == "partial: not found (HTTP 404), timed out"
    for section in (zh, en):  # the raw message: under the table, in a code span
        assert "`" + RAW[:80] in section
        assert RAW[:40] not in crates_zh and RAW[:40] not in crates_en
    # the failed source of the fixture (a fatal ServerError) reads as one too
    github_zh = next(ln for ln in zh.splitlines() if ln.startswith("| GitHub |"))
    assert "对方服务器出错（HTTP 502）" in github_zh and "ServerError" not in github_zh


def test_diff_ranks_are_said_in_words(warehouse: Path) -> None:
    """An entry that was not ranked before shows its new rank only (no "#–"), one that left
    its old one; a legend says what a rank is, in both languages."""
    diff = LandscapeDiff("2025-11", "2025-10", [
        Change("newcomer", "crate:newcomer", "entered", "vector-db", None, 3, None),
        Change("leaver", "crate:leaver", "left", None, "vector-db", None, 5),
        Change("mover", "crate:mover", "moved", "vector-db", "vector-db", 2, 7),
        Change("switcher", "crate:switcher", "recategorised", "vector-db", "frameworks",
               1, 4)])
    data = replace(_data(), diff=diff)
    zh, en = render(data, "zh"), render(data, "en")
    for text in (zh, en):
        assert "#–" not in text and "–" not in _section(text, "11")
    s11 = _section(zh, "11")
    assert "名次指条目在其分类内的排位" in s11
    assert re.search(r"newcomer（向量数据库；分类内第 3 名\[\^s\d+\]）", s11), s11
    assert re.search(r"leaver（向量数据库；原为分类内第 5 名\[\^s\d+\]）", s11), s11
    assert re.search(r"mover（向量数据库；分类内名次 7 → 2\[\^s\d+\]）", s11), s11
    assert re.search(r"switcher（核心框架 → 向量数据库；分类内名次 4 → 1", s11), s11
    s11 = _section(en, "11")
    assert "A rank is the entry's place within its category" in s11
    assert re.search(r"newcomer \(Vector databases; rank 3 in its category\[\^s\d+\]\)", s11), s11
    assert "was rank 5 in its category" in s11 and "rank in its category 7 → 2" in s11
    assert "#" not in s11.split("\n", 1)[1]


def _section(text: str, number: str) -> str:
    return re.search(rf"^## {number}\..*?(?=^## )", text, re.S | re.M).group(0)
