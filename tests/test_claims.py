"""The seed's claims, checked against the fixture warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.fixture_warehouse import build_fixture_warehouse

from report.claims import (
    CONTRADICTED,
    EDITOR,
    NOT_COVERED,
    SOURCE_UNAVAILABLE,
    VERDICTS,
    VERIFIED,
    check_claims,
    evaluate,
)
from report.config import load_claims
from report.provenance import SourceRegistry
from warehouse import db


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return build_fixture_warehouse(tmp_path / "w.duckdb")


def test_claims_file_covers_the_seed() -> None:
    claims = load_claims()
    ids = {c["id"] for c in claims}
    for needed in ("ad-trait-2025-04", "evoc2rust-2025-08", "rust-1.87.0-2025-05", "zed-rust",
                   "vite6-rolldown", "rsbuild-1.1", "farm-1.0-2024-04", "thistle-2023-03",
                   "openai-throughput-200", "figma-5x", "copilot-x-5m-lines",
                   "agent-tars-rust", "rustc-rewritten-2025", "seed-updated-2025-01"):
        assert needed in ids
    for c in claims:
        assert c["zh"] and c["en"] and c["check"]["kind"]


def test_statuses_on_fixture(path: Path) -> None:
    reg = SourceRegistry()
    with db.connect(read_only=True, path=path) as con:
        results = {r.id: r for r in check_claims(con, load_claims(), reg)}
    expect = {"ad-trait-2025-04": VERIFIED, "evoc2rust-2025-08": VERIFIED,
              "rust-1.87.0-2025-05": VERIFIED, "zed-rust": VERIFIED,
              "farm-1.0-2024-04": VERIFIED, "rolldown-rust": VERIFIED,
              # the release exists, its notes don't say so: the editor's evidence decides
              "vite6-rolldown": EDITOR,
              "rsbuild-1.1": NOT_COVERED, "thistle-2023-03": NOT_COVERED,
              "agent-tars-rust": NOT_COVERED,  # the fixture does not hold that repository
              "openai-throughput-200": SOURCE_UNAVAILABLE, "figma-5x": SOURCE_UNAVAILABLE,
              "copilot-x-5m-lines": SOURCE_UNAVAILABLE, "rustc-rewritten-2025": EDITOR,
              # the seed says "last updated 2025-01" but cites a paper of 2025-08
              "seed-updated-2025-01": CONTRADICTED}
    for cid, status in expect.items():
        assert results[cid].status == status, (cid, results[cid])
    assert all(r.status in VERDICTS for r in results.values())
    ad = results["ad-trait-2025-04"]
    assert "2025-04-17" in ad.evidence_en and ad.evidence_ref
    assert reg.resolve(ad.evidence_ref).url.startswith("https://crates.io/")
    assert results["figma-5x"].evidence_ref is None
    # a not-covered verdict says which gap; an editor verdict carries its evidence URL
    assert "recent releases" in results["rsbuild-1.1"].evidence_en
    vite = results["vite6-rolldown"]
    assert vite.editor_verdict == CONTRADICTED and vite.contradicts_seed
    assert reg.resolve(vite.evidence_ref).url.startswith("https://vite.dev/")
    seed = results["seed-updated-2025-01"]
    assert "2025-08-06" in seed.evidence("en") and "EvoC2Rust" in seed.evidence("en")
    # a title links to the paper's or post's own page; the footnote keeps the response read
    evo = results["evoc2rust-2025-08"]
    assert evo.evidence_url.startswith("https://arxiv.org/abs/"), evo.evidence_url
    assert "export.arxiv.org/api/query" in reg.resolve(evo.evidence_ref).url
    with db.connect(read_only=True, path=path) as con:
        post = evaluate(con, {"kind": "post_title", "pattern": "%Rust 1.87.0%"})
    assert post.link and post.link != post.url and post.link.startswith("https://blog."), post


def test_first_release_uses_the_crate_creation_date(path: Path) -> None:
    """The collected releases may start after the crate was created (crates.io created_at)."""
    with db.connect(path=path) as con:
        con.execute("DELETE FROM releases WHERE release_id = 'release:crate:ad_trait@0.1.0'")
    with db.connect(read_only=True, path=path) as con:
        ev = evaluate(con, {"kind": "first_release_month", "items": ["crate:ad_trait"],
                            "month": "2025-04"})
    assert ev.status == VERIFIED and "created" in ev.en and "2025-04-17" in ev.en


def test_contradicted_with_evidence(path: Path) -> None:
    with db.connect(path=path) as con:
        con.execute("UPDATE releases SET published_at = TIMESTAMPTZ '2024-12-02 10:00:00+00' "
                    "WHERE release_id = 'release:crate:ad_trait@0.1.0'")
        con.execute("UPDATE items SET created_at = TIMESTAMPTZ '2024-12-01 10:00:00+00' "
                    "WHERE item_id = 'crate:ad_trait'")
        con.execute("DELETE FROM papers WHERE title ILIKE '%ad-trait%'")
    with db.connect(read_only=True, path=path) as con:
        ev = evaluate(con, {"kind": "first_release_month", "items": ["crate:ad_trait"],
                            "month": "2025-04"})
        assert ev.status == CONTRADICTED and "2024-12-01" in ev.en and ev.url
        lang = evaluate(con, {"kind": "repo_language", "item": "repo:vitejs/vite",
                              "language": "Rust"})
        assert lang.status == CONTRADICTED and "TypeScript" in lang.en
        paper = evaluate(con, {"kind": "paper_title", "pattern": "%EvoC2Rust%",
                               "month": "2025-09"})
        assert paper.status == CONTRADICTED and "2025-08-06" in paper.en


def test_unknown_check_kind_is_an_error(path: Path) -> None:
    with db.connect(read_only=True, path=path) as con, pytest.raises(ValueError):
        evaluate(con, {"kind": "vibes"})


def test_a_gap_never_calls_a_watched_repository_unwatched() -> None:
    """The Rsbuild claim said "web-infra-dev/rsbuild is not watched (only rspack is)" while
    the watchlist's "rspack / rsbuild" project lists it, and its release feed is read every
    month: the report contradicted itself. A claim's gap text may say an item is not watched
    only of an item the watchlist does not hold."""
    import tomllib

    from report.config import CONFIG_DIR

    with (CONFIG_DIR / "watchlist.toml").open("rb") as fh:
        watch = tomllib.load(fh)["watch"]
    watched = {f"repo:{r}" for w in watch for r in w.get("repos", [])} | {
        f"crate:{c}" for w in watch for c in w.get("crates", [])}
    checked = [c for c in load_claims() if c["check"].get("item") in watched]
    assert any(c["id"] == "rsbuild-1.1" for c in checked)
    for c in checked:
        gap = (c["check"].get("gap_en", ""), c["check"].get("gap_zh", ""))
        assert "not watched" not in gap[0] and "不在关注列表" not in gap[1], c["id"]
