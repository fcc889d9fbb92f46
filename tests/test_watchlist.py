"""config/watchlist.toml loads, covers the seed, and bad input fails with a message naming the entry."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from connectors.watchlist import (
    WatchlistError,
    load_watchlist,
    parse_watchlist,
)
from landscape.taxonomy import load_taxonomy

IDS = load_taxonomy().ids  # the one home of the category ids: config/taxonomy.toml

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES_TOML = ROOT.parent / "shared" / "fixtures" / "real" / "cratesio" / "categories.toml"


def _minimal() -> dict:
    return {
        "project": {"user_agent": "panorama/0.1 (x@example.org)", "contact": "x@example.org"},
        "watch": [{"name": "candle", "category": "frameworks", "crates": ["candle-core"],
                   "repos": ["huggingface/candle"]}],
    }


def test_real_watchlist_loads_and_covers_the_seed() -> None:
    wl = load_watchlist(categories=IDS)
    crates, repos = wl.watched_crates(), wl.watched_repos()
    assert len(crates) >= 60 and len(repos) >= 60
    # anonymous GitHub REST allows 60 requests per hour; the demo run makes one per repo
    assert len(repos) <= 60
    for name in ["candle-core", "candle-datasets", "burn", "tch", "ort", "llama-cpp-2", "polars",
                 "ndarray", "nalgebra", "linfa", "safetensors", "tokenizers", "hf-hub", "axum",
                 "tokio", "tracing", "opentelemetry", "ad_trait", "wasm-bindgen", "qdrant-client",
                 "lancedb", "oxc"]:
        assert name in crates, name
    for repo in ["huggingface/candle", "tracel-ai/burn", "LaurentMazare/tch-rs", "pykeio/ort",
                 "ggml-org/llama.cpp", "rolldown/rolldown", "web-infra-dev/rspack",
                 "web-infra-dev/rsbuild", "farm-fe/farm", "oxc-project/oxc",
                 "zed-industries/zed"]:
        assert repo in repos, repo
    assert {i.category for i in wl.items} == set(IDS)
    assert wl.contact in wl.user_agent
    assert "https://blog.rust-lang.org/feed.xml" in wl.feed_urls()
    assert "https://this-week-in-rust.org/rss.xml" in wl.feed_urls()
    assert "https://github.com/huggingface/candle/releases.atom" in wl.feed_urls()
    assert len(wl.feed_urls()) == 2 + len(repos)
    assert len(wl.arxiv_queries) >= 4
    assert wl.crate_categories and wl.crate_keywords
    assert wl.category_of("crate:candle-core") == "frameworks"
    assert wl.category_of("repo:huggingface/CANDLE") == "frameworks"
    assert wl.item_of("crate:nope") is None


@pytest.mark.skipif(not CATEGORIES_TOML.exists(), reason="shared crates.io category list absent")
def test_discovery_categories_exist_on_crates_io() -> None:
    data = tomllib.loads(CATEGORIES_TOML.read_text("utf-8"))

    def slugs(table: dict, prefix: str = "") -> set[str]:
        out = set()
        for key, value in table.items():
            out.add(prefix + key)
            out |= slugs(value.get("categories", {}), f"{prefix}{key}::")
        return out

    known = slugs(data)
    assert set(load_watchlist().crate_categories) <= known


def test_minimal_document_parses() -> None:
    wl = parse_watchlist(_minimal())
    assert wl.watched_crates() == ["candle-core"]
    assert wl.feed_urls() == ["https://github.com/huggingface/candle/releases.atom"]
    assert wl.arxiv_queries == ()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["watch"][0].update(category="ml-frameworks"), "unknown category id 'ml-frameworks'"),
        (lambda d: d["watch"][0].update(repos=["huggingface"]), "malformed repo 'huggingface'"),
        (lambda d: d["watch"][0].update(repos=["https://github.com/a/b"]), "malformed repo"),
        (lambda d: d["watch"][0].update(crates=["candle core"]), "malformed crate name"),
        (lambda d: d["watch"].append({"name": "candle", "category": "frameworks",
                                      "crates": ["x"]}), "duplicate name"),
        (lambda d: d["watch"].append({"name": "other", "category": "frameworks",
                                      "crates": ["candle_core"]}), "duplicate crate 'candle_core'"),
        (lambda d: d["watch"].append({"name": "other", "category": "frameworks",
                                      "repos": ["HuggingFace/Candle"]}), "duplicate repo"),
        (lambda d: d["watch"].append({"name": "empty", "category": "frameworks"}), "no crates and no repos"),
        (lambda d: d["watch"][0].update(crate=["typo"]), "unknown key(s) ['crate']"),
        (lambda d: d["project"].pop("user_agent"), "`user_agent` must be a non-empty string"),
        (lambda d: d["project"].update(user_agent="panorama/0.1"), "must include the contact"),
        (lambda d: d.update(discovery={"arxiv": [{"name": "q", "query":
                                                  "all:rust AND submittedDate:[1 TO 2]"}]}),
         "must not contain submittedDate"),
        (lambda d: d.update(discovery={"crates": {"categories": ["Science ML"]}}),
         "malformed crates.io category slug"),
        (lambda d: d.update(feeds=[{"name": "x", "url": "not a url"}]), "not an http(s) URL"),
        (lambda d: d.update(watch=[]), "at least one [[watch]] entry"),
    ],
)
def test_bad_input_names_the_problem(mutate, message: str) -> None:
    doc = _minimal()
    mutate(doc)
    with pytest.raises(WatchlistError) as err:
        parse_watchlist(doc, categories=IDS)
    assert message in str(err.value)


def test_error_names_the_entry() -> None:
    doc = _minimal()
    doc["watch"].append({"name": "burn", "category": "nope", "crates": ["burn"]})
    with pytest.raises(WatchlistError, match=r"\[\[watch\]\] #2 \('burn'\).*unknown category"):
        parse_watchlist(doc, categories=IDS)
    assert parse_watchlist(doc).items[1].category == "nope"  # no ids given: that check only


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(WatchlistError, match="file not found"):
        load_watchlist(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[project\nuser_agent = 1", "utf-8")
    with pytest.raises(WatchlistError, match="not valid TOML"):
        load_watchlist(bad)
