"""Relations derived from what we collect (landscape/project_relations.py), on real recorded
responses re-homed by tests/support/project_world.py: binding_of from a description, fork_of
from GitHub's fork/parent fields, successor_of from a deprecation notice; never by name."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from support.project_world import CANDLE, LLAMA, crate_records, load, repo_records, watchlist

from landscape.projects import resolve_projects
from warehouse.db import connect

BINCODE = {"name": "bincode", "category": "data-scientific", "crates": ["bincode"],
           "primary_crate": "bincode"}


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    with connect(path=tmp_path / "w.duckdb") as c:
        yield c


def relations(con: duckdb.DuckDBPyConnection, kind: str | None = None) -> set[tuple]:
    rows = con.execute("SELECT project_id, related_project_id, relation, evidence, evidence_url,"
                       " confidence FROM project_relations").fetchall()
    return {r for r in rows if kind is None or r[2] == kind}


def test_binding_of_from_descriptions_never_a_language(con) -> None:
    wl = watchlist([LLAMA])
    load(con, wl,
         crate_records("llama-cpp-2", description="llama.cpp bindings for Rust."),
         crate_records("llama-cpp-sys-2", description="Low-level bindings to llama.cpp."),
         repo_records("utilityai/llama-cpp-rs", description="Rust bindings for llama.cpp"),
         repo_records("ggml-org/llama.cpp", description="LLM inference in C/C++"),
         # a repository named `rust` is held: "bindings for Rust" still names no project
         repo_records("rust-lang/rust", description="Empowering everyone"))
    resolve_projects(con, wl)
    binding = relations(con, "binding_of")
    assert {(p, r) for p, r, *_ in binding} == {("project:llama-cpp-bindings",
                                                 "repo:ggml-org/llama.cpp")}
    [(_, _, _, evidence, url, confidence)] = binding
    assert evidence.startswith('description: "') and "llama.cpp" in evidence
    assert url.startswith(("https://crates.io/api/v1/crates/llama-cpp",
                           "https://api.github.com/repos/utilityai/"))
    assert confidence == 0.7
    # the watchlist's upstream is kept beside it (a different relation of the same pair)
    assert ("project:llama-cpp-bindings", "repo:ggml-org/llama.cpp") in {
        (p, r) for p, r, *_ in relations(con, "upstream")}


def test_a_name_alone_is_no_relation(con) -> None:
    wl = watchlist([CANDLE])
    load(con, wl, crate_records("candle-core"), repo_records("huggingface/candle"),
         # same-named strangers and a description naming nothing we hold
         crate_records("candle", description="Scented candles, as a crate"),
         crate_records("candle-bindings", description="Bindings for PyTorch."),
         crate_records("wick", description="bindings to wax"))
    resolve_projects(con, wl)
    assert relations(con) == set()


def test_fork_of_from_github_fork_and_parent_fields(con) -> None:
    wl = watchlist([CANDLE])
    fork = repo_records("someone/candle", fork_of="huggingface/candle")
    [link] = [r for r in fork if r["type"] == "link"]
    assert (link["from_id"], link["to_id"], link["relation"]) == (
        "repo:someone/candle", "repo:huggingface/candle", "fork_of")
    orphan = repo_records("someone/elsewhere", fork_of="nobody/unfetched")
    load(con, wl, crate_records("candle-core"), repo_records("huggingface/candle"), fork,
         orphan)
    resolve_projects(con, wl)
    # the fork is a relation, never a member of the project it forks
    assert con.execute("SELECT project_id FROM v_item_project WHERE item_id = "
                       "'repo:someone/candle'").fetchone() == ("repo:someone/candle",)
    assert relations(con, "fork_of") == {
        ("repo:someone/candle", "project:candle", "fork_of", "GitHub fork/parent field",
         "https://api.github.com/repos/someone/candle", 1.0)}  # the parent we do not hold: none


def test_successor_of_from_a_deprecation_notice_both_ways(con) -> None:
    wl = watchlist([BINCODE, CANDLE])
    load(con, wl, crate_records("bincode"), crate_records("candle-core"),
         repo_records("huggingface/candle"),
         crate_records("bincode-next",
                       description="A binary encoder, successor of the now unmaintained bincode"),
         crate_records("old-candle-ext", description="Deprecated: superseded by candle."))
    resolve_projects(con, wl)
    assert {(p, r) for p, r, *_ in relations(con, "successor_of")} == {
        ("crate:bincode-next", "project:bincode"),
        ("project:candle", "crate:old-candle-ext")}
