"""The seed's claims, checked against the fixture warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.fixture_warehouse import build_fixture_warehouse

from report.claims import CONTRADICTED, NO_EVIDENCE, VERIFIED, check_claims, evaluate
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
                   "openai-throughput-200", "figma-5x", "copilot-x-5m-lines"):
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
              "vite6-rolldown": NO_EVIDENCE,  # the release exists, its notes don't say so
              "rsbuild-1.1": NO_EVIDENCE, "thistle-2023-03": NO_EVIDENCE,
              "openai-throughput-200": NO_EVIDENCE, "figma-5x": NO_EVIDENCE,
              "copilot-x-5m-lines": NO_EVIDENCE}
    for cid, status in expect.items():
        assert results[cid].status == status, (cid, results[cid])
    ad = results["ad-trait-2025-04"]
    assert "2025-04-17" in ad.evidence_en and ad.evidence_ref
    assert reg.resolve(ad.evidence_ref).url.startswith("https://crates.io/")
    assert results["figma-5x"].evidence_ref is None


def test_contradicted_with_evidence(path: Path) -> None:
    with db.connect(path=path) as con:
        con.execute("UPDATE releases SET published_at = TIMESTAMPTZ '2024-12-02 10:00:00+00' "
                    "WHERE release_id = 'release:crate:ad_trait@0.1.0'")
        con.execute("DELETE FROM papers WHERE title ILIKE '%ad-trait%'")
    with db.connect(read_only=True, path=path) as con:
        ev = evaluate(con, {"kind": "first_release_month", "items": ["crate:ad_trait"],
                            "month": "2025-04"})
        assert ev.status == CONTRADICTED and "2024-12-02" in ev.en and ev.url
        lang = evaluate(con, {"kind": "repo_language", "item": "repo:vitejs/vite",
                              "language": "Rust"})
        assert lang.status == CONTRADICTED and "TypeScript" in lang.en
        paper = evaluate(con, {"kind": "paper_title", "pattern": "%EvoC2Rust%",
                               "month": "2025-09"})
        assert paper.status == CONTRADICTED and "2025-08-06" in paper.en


def test_unknown_check_kind_is_an_error(path: Path) -> None:
    with db.connect(read_only=True, path=path) as con, pytest.raises(ValueError):
        evaluate(con, {"kind": "vibes"})
