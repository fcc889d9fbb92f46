"""Entity resolution on real recorded responses: every evidence source, never by name alone,
a monorepo, an upstream relation, and `v_item_project` listing every item exactly once."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from support.project_world import (
    CANDLE,
    LLAMA,
    crate_records,
    feed_records,
    load,
    paper_records,
    release_records,
    repo_records,
    watchlist,
)

from landscape.projects import resolve_projects
from warehouse.db import connect

BIOME = {"name": "biome", "category": "frontend-build", "repos": ["biomejs/biome"],
         "primary_repo": "biomejs/biome"}
TCH = {"name": "tch-rs", "category": "frameworks", "crates": ["tch"], "primary_crate": "tch",
       "repos": ["LaurentMazare/tch-rs"], "primary_repo": "LaurentMazare/tch-rs"}


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    with connect(path=tmp_path / "w.duckdb") as c:
        yield c


def members(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = con.execute("SELECT item_id, project_id, role, evidence, evidence_url, confidence, "
                       "needs_review FROM project_members").fetchall()
    return {r[0]: r[1:] for r in rows}


def assert_each_item_once(con: duckdb.DuckDBPyConnection) -> None:
    n_items, n_view, n_distinct = con.execute(
        "SELECT (SELECT count(*) FROM items), count(*), count(DISTINCT item_id) "
        "FROM v_item_project").fetchone()
    assert n_items == n_view == n_distinct
    # items in no project map to themselves
    bad = con.execute("""SELECT count(*) FROM v_item_project v JOIN items i USING (item_id)
                         WHERE v.role = 'self' AND (v.project_id <> v.item_id
                                                    OR v.project_name <> i.name)""").fetchone()
    assert bad == (0,)


def test_watchlist_members_primaries_and_upstream_relation(con) -> None:
    wl = watchlist([LLAMA])
    load(con, wl,
         crate_records("llama-cpp-2", repository="https://github.com/utilityai/llama-cpp-rs"),
         # the sys crate's repository field names the upstream: no membership from that
         crate_records("llama-cpp-sys-2", repository="https://github.com/ggml-org/llama.cpp"),
         repo_records("utilityai/llama-cpp-rs", stars=400),
         repo_records("ggml-org/llama.cpp", stars=91448))
    summary = resolve_projects(con, wl, run_id=MONTH_RUN)
    m = members(con)
    pid = "project:llama-cpp-bindings"
    assert m["crate:llama-cpp-2"][:3] == (pid, "primary_crate", "watchlist")
    assert m["crate:llama-cpp-sys-2"][:2] == (pid, "binding")
    assert m["repo:utilityai/llama-cpp-rs"][:2] == (pid, "primary_repo")
    assert "repo:ggml-org/llama.cpp" not in m  # upstream: a relation, never a member
    assert con.execute("SELECT primary_crate, primary_repo, watched FROM projects "
                       "WHERE project_id = ?", [pid]).fetchone() == (
        "crate:llama-cpp-2", "repo:utilityai/llama-cpp-rs", True)
    assert con.execute("SELECT related_project_id, relation, evidence FROM project_relations "
                       "WHERE project_id = ?", [pid]).fetchall() == [
        ("repo:ggml-org/llama.cpp", "upstream", "watchlist")]
    assert summary.watched == 1 and summary.relations == 1
    assert_each_item_once(con)
    assert con.execute("SELECT project_id, role FROM v_item_project "
                       "WHERE item_id = 'repo:ggml-org/llama.cpp'").fetchone() == (
        "repo:ggml-org/llama.cpp", "self")


MONTH_RUN = "2025-11"


def test_repository_field_joins_a_sub_crate_with_its_response_as_evidence(con) -> None:
    wl = watchlist([CANDLE])
    load(con, wl, crate_records("candle-core"), repo_records("huggingface/candle"),
         crate_records("candle-flash-attn",
                       repository="https://github.com/huggingface/candle/tree/main/flash-attn"))
    resolve_projects(con, wl)
    pid, role, evidence, url, confidence, review = members(con)["crate:candle-flash-attn"]
    assert (pid, role, evidence) == ("project:candle", "sub_crate", "crates.io repository field")
    assert url == "https://crates.io/api/v1/crates/candle-flash-attn"  # the response it read
    assert confidence >= 0.9 and not review


def test_homepage_fields_are_evidence(con) -> None:
    wl = watchlist([CANDLE])
    load(con, wl, crate_records("candle-core"),
         repo_records("huggingface/candle", homepage="https://crates.io/crates/candle-nn"),
         crate_records("candle-nn"),  # named by the repository's homepage
         crate_records("candle-onnx", homepage="https://github.com/huggingface/candle"))
    resolve_projects(con, wl)
    m = members(con)
    assert m["crate:candle-nn"][:3] == ("project:candle", "sub_crate", "repository homepage")
    assert m["crate:candle-nn"][3] == "https://api.github.com/repos/huggingface/candle"
    assert m["crate:candle-onnx"][:3] == ("project:candle", "sub_crate",
                                          "crates.io homepage field")


def test_monorepo_crates_sharing_a_repository_form_one_discovered_project(con) -> None:
    wl = watchlist([CANDLE])
    repo = "https://github.com/acme/vecstore"
    load(con, wl, crate_records("vecstore", repository=repo),
         crate_records("vecstore-macros", repository=repo + ".git"),
         crate_records("vecstore-sys", repository=repo + "/tree/main/sys"),
         crate_records("lonely", repository="https://github.com/acme/lonely"))
    resolve_projects(con, wl)
    m = members(con)
    assert {k: v[:2] for k, v in m.items() if v[0] == "project:acme/vecstore"} == {
        "crate:vecstore": ("project:acme/vecstore", "primary_crate"),
        "crate:vecstore-macros": ("project:acme/vecstore", "sub_crate"),
        "crate:vecstore-sys": ("project:acme/vecstore", "binding")}
    assert m["crate:vecstore-macros"][2] == "monorepo (shared repository field)"
    assert con.execute("SELECT name_en, watched, origin FROM projects "
                       "WHERE project_id = 'project:acme/vecstore'").fetchone() == (
        "vecstore", False, "repository")
    assert "crate:lonely" not in m  # one crate alone is its own project (self)
    assert_each_item_once(con)


def test_never_merged_by_name_alone_only_proposed(con) -> None:
    wl = watchlist([BIOME, TCH])
    load(con, wl, repo_records("biomejs/biome", stars=19500),
         crate_records("tch"), repo_records("LaurentMazare/tch-rs"),
         # strangers: same names, other (or no) repositories
         crate_records("biome", repository="https://github.com/someone/biome", recent=13),
         crate_records("tch-rs"))
    resolve_projects(con, wl)
    m = members(con)
    assert "crate:biome" not in m and "crate:tch-rs" not in m
    assert con.execute("SELECT project_id, role FROM v_item_project "
                       "WHERE item_id = 'crate:biome'").fetchone() == ("crate:biome", "self")
    proposals = con.execute("SELECT item_id, project_id, reason FROM project_link_proposals "
                            "ORDER BY item_id").fetchall()
    assert proposals == [("crate:biome", "project:biome", "same name"),
                         ("crate:tch-rs", "project:tch-rs", "same name")]
    assert_each_item_once(con)


def test_paper_abstract_url_mentions_the_project(con) -> None:
    wl = watchlist([CANDLE])
    papers = paper_records("Code: https://github.com/huggingface/candle.")
    load(con, wl, crate_records("candle-core"), repo_records("huggingface/candle"), papers)
    resolve_projects(con, wl)
    [paper_id] = [r["paper_id"] for r in papers if r["type"] == "paper"]
    assert con.execute("SELECT project_id, kind, evidence, evidence_url FROM project_mentions "
                       "WHERE item_id = ?", [paper_id]).fetchone() == (
        "project:candle", "paper", "paper abstract URL",
        next(r["source_url"] for r in papers if r["type"] == "paper"))
    assert members(con)[paper_id][:2] == ("project:candle", "paper")


def test_feed_entry_link_and_crates_io_url(con) -> None:
    wl = watchlist([CANDLE])
    posts = feed_records("https://crates.io/crates/candle_core")  # '_' and '-' are one name
    load(con, wl, crate_records("candle-core"), posts)
    resolve_projects(con, wl)
    post_ids = [r["post_id"] for r in posts if r["type"] == "post"]
    linked = con.execute("SELECT item_id, evidence FROM project_mentions").fetchall()
    assert linked == [(post_ids[0], "feed entry link")]
    assert members(con)[post_ids[0]][:2] == ("project:candle", "post")


def test_release_notes_link_is_uncertain_and_waits_for_review(con) -> None:
    wl = watchlist([CANDLE])
    load(con, wl, crate_records("candle-core"), repo_records("huggingface/candle"),
         repo_records("acme/candle-extras"),
         release_records("acme/candle-extras", "Built on https://github.com/huggingface/candle"))
    resolve_projects(con, wl)
    pid, role, evidence, _, confidence, needs_review = members(con)["repo:acme/candle-extras"]
    assert (pid, evidence, needs_review) == ("project:candle", "release notes link", True)
    assert confidence < 0.75


def test_resolution_is_idempotent(con) -> None:
    wl = watchlist([LLAMA, CANDLE])
    load(con, wl, crate_records("llama-cpp-2"), crate_records("candle-core"),
         repo_records("ggml-org/llama.cpp"))
    first = resolve_projects(con, wl)
    snapshot = sorted(members(con).items())
    second = resolve_projects(con, wl)
    assert sorted(members(con).items()) == snapshot
    assert (first.projects, first.members, first.relations) == (
        second.projects, second.members, second.relations)


def test_shipped_watchlist_names_primaries_and_upstreams() -> None:
    from connectors.watchlist import WatchlistError, load_watchlist

    wl = load_watchlist()
    for it in wl.items:
        assert bool(it.crates) == (it.primary_crate is not None), it.name
        assert bool(it.repos) == (it.primary_repo is not None), it.name
    by_name = {it.name: it for it in wl.items}
    llama = by_name["llama.cpp bindings"]
    assert llama.primary_repo == "utilityai/llama-cpp-rs"
    assert llama.upstream == ("ggml-org/llama.cpp",) and "ggml-org/llama.cpp" not in llama.repos
    assert by_name["onnxruntime"].upstream == ("microsoft/onnxruntime",)
    # upstreams are still fetched (for the relation's context)
    assert "ggml-org/llama.cpp" in wl.watched_repos()
    with pytest.raises(WatchlistError, match="primary_crate 'nope'"):
        watchlist([{**CANDLE, "primary_crate": "nope"}])
    with pytest.raises(WatchlistError, match="duplicate repo"):
        watchlist([{**LLAMA, "upstream": ["utilityai/llama-cpp-rs"]}])


def test_monthly_flow_resolves_projects_after_collect(prefect_harness, data_dir) -> None:
    from conftest import latest_demo_month
    from support.state_template import collected_month

    from flows.summary import format_summary
    from warehouse import db

    # the real monthly flow on the latest demo month, collection only (run once per process
    # and copied: other tests start from the same run)
    summary = collected_month(latest_demo_month(), data_dir, db.reports_dir())
    assert summary.projects and summary.projects["watched"] > 50
    assert "projects: " in format_summary(summary)
    with db.connect(read_only=True) as con:
        assert_each_item_once(con)
        rows = dict(con.execute(
            "SELECT item_id, role FROM v_item_project "
            "WHERE project_id = 'project:llama-cpp-bindings'").fetchall())
        assert rows["repo:utilityai/llama-cpp-rs"] == "primary_repo"
        assert "repo:ggml-org/llama.cpp" not in rows
        assert con.execute("SELECT related_project_id FROM project_relations WHERE project_id"
                           " = 'project:llama-cpp-bindings' AND relation = 'upstream'"
                           ).fetchall() == [("repo:ggml-org/llama.cpp",)]


def test_review_split_of_a_wrong_merge_survives_the_next_run(con) -> None:
    from landscape.project_review import decide_link, link_review_queue

    wl = watchlist([CANDLE])
    # a stranger whose repository field wrongly claims candle's repository
    load(con, wl, crate_records("candle-core"), repo_records("huggingface/candle"),
         crate_records("candle-squatter", repository="https://github.com/huggingface/candle"))
    resolve_projects(con, wl)
    assert members(con)["crate:candle-squatter"][0] == "project:candle"
    decide_link(con, "crate:candle-squatter", "candle", "split", reviewer="t", watchlist=wl)
    assert "crate:candle-squatter" not in members(con)
    # the next month's run loads the same evidence again and resolves again
    load(con, wl, crate_records("candle-squatter",
                                repository="https://github.com/huggingface/candle"))
    resolve_projects(con, wl)
    assert "crate:candle-squatter" not in members(con)
    assert con.execute("SELECT project_id FROM v_item_project WHERE item_id = "
                       "'crate:candle-squatter'").fetchone() == ("crate:candle-squatter",)
    assert not [q for q in link_review_queue(con) if q.item_id == "crate:candle-squatter"]


def test_review_accepts_a_proposal_and_marks_an_upstream(con) -> None:
    from landscape.project_review import decide_link, link_review_queue

    wl = watchlist([BIOME, CANDLE])
    load(con, wl, repo_records("biomejs/biome"), crate_records("biome"),
         crate_records("candle-core"), repo_records("huggingface/candle"),
         repo_records("acme/candle-extras"),
         release_records("acme/candle-extras", "See https://github.com/huggingface/candle"))
    resolve_projects(con, wl)
    queue = {(q.item_id, q.kind) for q in link_review_queue(con)}
    assert queue == {("crate:biome", "proposal"), ("repo:acme/candle-extras", "merge")}
    decide_link(con, "crate:biome", "project:biome", "accept", watchlist=wl)
    decide_link(con, "repo:acme/candle-extras", "candle", "upstream", watchlist=wl)
    resolve_projects(con, wl)  # and again: decisions stick
    m = members(con)
    assert m["crate:biome"][:3] == ("project:biome", "member", "review")
    assert "repo:acme/candle-extras" not in m
    assert ("project:candle", "repo:acme/candle-extras", "upstream") in con.execute(
        "SELECT project_id, related_project_id, relation FROM project_relations").fetchall()
    assert link_review_queue(con) == []
    with pytest.raises(ValueError):
        decide_link(con, "crate:biome", "biome", "merge-please", watchlist=wl)


def test_a_decision_re_resolves_with_the_runs_watchlist_not_the_default(con) -> None:
    """A run with `--watchlist other.toml`, then a link decision from the CLI or dashboard
    (no watchlist in hand): the re-resolution reads the watchlist the warehouse was resolved
    from, so the run's watched projects stay watched and the default file's do not appear."""
    from landscape.project_review import decide_link

    wl = watchlist([BIOME, CANDLE])  # not config/watchlist.toml
    load(con, wl, repo_records("biomejs/biome"), crate_records("biome"),
         crate_records("candle-core"), repo_records("huggingface/candle"))
    resolve_projects(con, wl)
    watched = con.execute("SELECT project_id, name_zh, category, primary_repo FROM projects "
                          "WHERE watched ORDER BY 1").fetchall()
    assert [w[0] for w in watched] == ["project:biome", "project:candle"]
    decide_link(con, "crate:biome", "project:biome", "accept")
    assert con.execute("SELECT project_id, name_zh, category, primary_repo FROM projects "
                       "WHERE watched ORDER BY 1").fetchall() == watched
    assert members(con)["crate:biome"][:3] == ("project:biome", "member", "review")
    assert members(con)["crate:candle-core"][0] == "project:candle"


def test_watchlist_evidence_names_the_file_it_was_read_from(con, tmp_path: Path) -> None:
    from connectors.watchlist import load_watchlist

    path = tmp_path / "other.toml"
    path.write_text('[project]\nuser_agent = "t (t@example.org)"\ncontact = "t@example.org"\n'
                    '[[watch]]\nname = "biome"\ncategory = "frontend-build"\nrepos = ["biomejs/biome"]\n', "utf-8")
    wl = load_watchlist(path)
    load(con, wl, repo_records("biomejs/biome"))
    resolve_projects(con, wl)
    assert members(con)["repo:biomejs/biome"][3] == f"{path}#biome"

def _health_rules():  # noqa: ANN202 - landscape.metrics.HealthRules, imported where used
    """The shipped health rules' values: dormant after 12 months, slowing on 3 falls > 5 %."""
    from landscape.metrics import HealthRules

    return HealthRules(dormant_months=12, slowing_months=3, slowing_min_drop_pct=5.0,
                       downloads_floor=1000)


def _date_tch(con: duckdb.DuckDBPyConnection, *, release: str, push: str) -> None:
    """tch's releases published at `release`, its repository last pushed at `push`."""
    con.execute("UPDATE releases SET published_at = ?::TIMESTAMPTZ WHERE item_id = 'crate:tch'",
                [release])
    con.execute("UPDATE items SET updated_at = ?::TIMESTAMPTZ "
                "WHERE item_id = 'repo:laurentmazare/tch-rs'", [push])



def test_health_statuses_with_their_signal(con) -> None:
    from landscape.project_health import compute_health

    wl = watchlist([CANDLE, TCH, BIOME])
    load(con, wl, crate_records("candle-core"), repo_records("huggingface/candle"),
         crate_records("tch"), repo_records("LaurentMazare/tch-rs"),
         repo_records("biomejs/biome"))
    resolve_projects(con, wl)
    con.execute("UPDATE items SET archived = TRUE WHERE item_id = 'repo:biomejs/biome'")
    # tch: its last release and push long ago -> dormant; candle: recent releases -> active
    _date_tch(con, release="2022-01-05 00:00:00+00", push="2022-02-01 00:00:00+00")
    rules = _health_rules()
    counts = compute_health(con, "2025-11", rules)
    health = {r[0]: r[1:] for r in con.execute(
        "SELECT project_id, status, signal, facts, evidence_url FROM project_health").fetchall()}
    assert health["project:biome"][:2] == ("archived", "repo_archived")
    assert health["project:biome"][3] == "https://api.github.com/repos/biomejs/biome"
    assert health["project:tch-rs"][:2] == ("dormant", "no_release_no_push")
    # the facts are stored as values, not as an English sentence
    facts = json.loads(health["project:tch-rs"][2])
    assert facts["release"] == "2022-01-05" and facts["push"] == "2022-02-01"
    assert facts["months"] == 12 and facts["version"]
    assert health["project:candle"][:2] == ("active", "recent_activity")
    assert counts == {"archived": 1, "dormant": 1, "active": 1}
    # each reader words them in their language with the report's labels
    from report.health_words import health_detail
    from report.render import load_labels

    zh = health_detail("no_release_no_push", health["project:tch-rs"][2], "zh")
    en = health_detail("no_release_no_push", health["project:tch-rs"][2], "en")
    assert zh.startswith(load_labels()["zh"]["latest_release"] + " " + facts["version"])
    assert "2022-01-05" in zh and "2022-02-01" in zh and "12 个月" in zh
    assert not any(w in zh for w in ("release", "push", "none within"))
    assert en.startswith(f"latest release {facts['version']} on 2022-01-05")
    assert "last push 2022-02-01" in en and "(none within 12 months)" in en
    assert health_detail("repo_archived", "{}", "zh") == "主仓库已在 GitHub 归档"
    slowing = health_detail("downloads_falling", {"months": 3, "drops": [-10.0, -11.1]}, "zh")
    assert slowing.startswith(load_labels()["zh"]["col_dl90"]) and "-11.1%" in slowing
    assert health_detail("recent_activity", None, "zh") is None  # judged before facts


def test_health_of_a_month_shows_no_date_after_it(con) -> None:
    """A repository last pushed after the month (its `pushed_at` as of a later fetch): the
    reader of that month sees no date past its end, but is told it was pushed after it."""
    from landscape.project_health import compute_health
    from report.health_words import health_detail

    wl = watchlist([TCH])
    load(con, wl, crate_records("tch"), repo_records("LaurentMazare/tch-rs"))
    resolve_projects(con, wl)
    _date_tch(con, release="2022-01-05 00:00:00+00", push="2025-12-01 00:35:15+00")
    rules = _health_rules()
    compute_health(con, "2025-11", rules)
    status, signal, raw = con.execute("SELECT status, signal, facts FROM project_health "
                                      "WHERE project_id = 'project:tch-rs'").fetchone()
    facts = json.loads(raw)
    # active on the later push (as before), but no invented push on the month's end
    assert (status, signal) == ("active", "recent_activity")
    assert facts["push"] is None and facts["push_after"] is True
    zh, en = (health_detail(signal, raw, lang) for lang in ("zh", "en"))
    for text in (zh, en):
        assert "2025-12" not in text and "2022-01-05" in text
    assert "本月结束后仍有提交" in zh and "提交时间未知" not in zh
    assert "pushed after the month's end" in en
    # a push inside the month is shown with its date, and nothing about after the month
    con.execute("UPDATE items SET updated_at = TIMESTAMPTZ '2025-11-30 23:59:00+00' "
                "WHERE item_id = 'repo:laurentmazare/tch-rs'")
    compute_health(con, "2025-11", rules)
    raw = con.execute("SELECT facts FROM project_health").fetchone()[0]
    assert json.loads(raw)["push"] == "2025-11-30" and "push_after" not in json.loads(raw)
    assert health_detail("recent_activity", raw, "en").endswith("last push 2025-11-30")
    # no push known at all is not a push on the month's end, nor an absence of pushes: with
    # no release in 12 months, whether it is dormant cannot be told — it is rated unknown and
    # worded for what is known (it was "dormant", zh 长期无发布无提交)
    con.execute("UPDATE items SET updated_at = NULL WHERE item_id = 'repo:laurentmazare/tch-rs'")
    compute_health(con, "2025-11", rules)
    status, signal, raw = con.execute("SELECT status, signal, facts FROM project_health"
                                      ).fetchone()
    assert (status, signal) == ("unknown", "no_release_push_unknown")
    assert json.loads(raw)["push"] is None and json.loads(raw)["release"] == "2022-01-05"
    zh, en = (health_detail(signal, raw, lang) for lang in ("zh", "en"))
    assert "2022-01-05" in zh and "12 个月内无发布" in zh and "提交情况未知" in zh
    assert "长期无发布无提交" not in zh and "均无" not in zh
    assert "no release within 12 months" in en and "pushes are not known" in en
    assert "none within" not in en
    # a release within the window makes it active, its pushes unknown or not
    con.execute("UPDATE releases SET published_at = TIMESTAMPTZ '2025-06-01 00:00:00+00' "
                "WHERE item_id = 'crate:tch'")
    compute_health(con, "2025-11", rules)
    assert con.execute("SELECT status FROM project_health").fetchone()[0] == "active"
    # a project with no repository among its members (a crate alone) does not know its pushes
    # either: rated the same way (it was "dormant" with "last push unknown (none within …)")
    con.execute("UPDATE releases SET published_at = TIMESTAMPTZ '2022-01-05 00:00:00+00' "
                "WHERE item_id = 'crate:tch'")
    con.execute("DELETE FROM project_members WHERE item_id = 'repo:laurentmazare/tch-rs'")
    compute_health(con, "2025-11", rules)
    assert con.execute("SELECT status, signal FROM project_health").fetchone() == (
        "unknown", "no_release_push_unknown")


def test_slowing_needs_drops_beyond_noise_for_n_months() -> None:
    from landscape.project_health import _falling

    rules = _health_rules()
    series = [{"p": "2025-08", "v": 10000}, {"p": "2025-09", "v": 9000},
              {"p": "2025-10", "v": 8000}, {"p": "2025-11", "v": 7000}]
    assert [round(d) for d in _falling(series, "2025-11", rules)] == [-10, -11, -12]
    series[2]["v"] = 8900  # one month within noise (-1.1%)
    assert _falling(series, "2025-11", rules) is None
    assert _falling([{"p": "2025-11", "v": 5}], "2025-11", rules) is None


def test_cli_projects_and_project(con, tmp_path, monkeypatch, capsys) -> None:
    import json

    from flows.cli import main
    from landscape.project_health import compute_health

    wl = watchlist([LLAMA])
    load(con, wl, crate_records("llama-cpp-2", recent=5000),
         crate_records("llama-cpp-sys-2", recent=7000),
         repo_records("utilityai/llama-cpp-rs", stars=400),
         repo_records("ggml-org/llama.cpp", stars=91448))
    con.execute("INSERT INTO runs VALUES ('2025-11', '2025-11', 'monthly', 'replay', NULL, "
                "now(), now(), 'completed', NULL, false)")
    resolve_projects(con, wl)
    compute_health(con, "2025-11")
    con.close()
    monkeypatch.setenv("PANORAMA_DB", str(tmp_path / "w.duckdb"))
    assert main(["projects", "--json"]) == 0
    [p] = json.loads(capsys.readouterr().out)["projects"]
    assert p["name_en"] == "llama.cpp bindings" and p["stars"] == 400  # not llama.cpp's
    assert p["downloads_90d"] == 12000
    assert [x["name"] for x in p["downloads_parts"]] == ["llama-cpp-sys-2", "llama-cpp-2"]
    assert p["health"] == "active"
    assert main(["project", "llama.cpp bindings"]) == 0
    out = capsys.readouterr().out
    assert "upstream → ggml-org/llama.cpp" in out and "stars: 400" in out
    assert main(["project", "nope"]) == 2  # bad input, like every command's
    # a month nothing was collected for listed every project with '—' figures and a health
    # of '—: ' as if they had none; it is the user's mistake, said once
    capsys.readouterr()
    assert main(["projects", "--month", "2024-01"]) == 2
    assert main(["project", "llama.cpp bindings", "--month", "2024-01"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines() == ["no run for 2024-01; run `panorama monthly "
                                              "2024-01` first"] * 2
    assert main(["projects", "--month", "2025-11"]) == 0
    assert "active: " in capsys.readouterr().out


def test_project_downloads_sum_one_period_and_name_what_is_left_out(con) -> None:
    from landscape.project_figures import project_figures

    wl = watchlist([LLAMA])
    stale = [dict(r, period="2025-09") if r["type"] == "observation" else r
             for r in crate_records("llama_cpp", recent=300,
                                    repository="https://github.com/utilityai/llama-cpp-rs")]
    load(con, wl, crate_records("llama-cpp-2", recent=5000),
         crate_records("llama-cpp-sys-2", recent=7000),
         repo_records("utilityai/llama-cpp-rs", stars=400), stale)
    resolve_projects(con, wl)
    [p] = project_figures(con, "2025-11", "project:llama-cpp-bindings")
    assert p["downloads_90d"] == 12000 and p["downloads_period"] == "2025-11"  # not + 300
    assert [x["name"] for x in p["downloads_parts"]] == ["llama-cpp-sys-2", "llama-cpp-2"]
    assert [(x["name"], x["value"], x["period"]) for x in p["downloads_left_out"]] == [
        ("llama_cpp", 300, "2025-09")]
