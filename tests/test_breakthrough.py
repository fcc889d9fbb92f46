"""The weekly breakthrough check: major-release detection, close papers, stored flags, and the
`breakthrough` flow end-to-end on a replayed demo month.

The end-to-end expectation is computed from the snapshot's recorded responses directly (crate
detail `versions` and the `releases.atom` entries of watched items), not hard-coded and not
read back through the connectors under test.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from landscape.breakthroughs import (
    Flag,
    close_papers,
    is_major_release,
    major_releases,
    release_key,
    save_flags,
)
from tests.conftest import latest_demo_month

# -- is_major_release ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "major"),
    [
        ("v2.0.0", True),             # tag with a v prefix
        ("candle-v0.9.0", True),      # monorepo tag: a 0.x minor bump is semver-major
        ("axum-v0.8.0", True),
        ("2.0.0", True),
        ("1.0", True),
        ("0.10.0", True),
        ("0.9.1", False),             # patch
        ("1.2.0", False),             # minor after 1.0
        ("0.0.1", False),
        ("2.0.0-rc.1", False),        # pre-releases never count
        ("v0.9.0-beta", False),
        ("1.0.0-alpha+001", False),
        ("2.0.0+build.5", True),      # build metadata is not a pre-release
        ("0.2.0+wasi-snapshot-preview1", True),
        ("tokio-1.40.0", False),
        ("garbage", False),
        ("", False),
        ("nightly", False),
    ],
)
def test_is_major_release(version: str, major: bool) -> None:
    assert is_major_release(version) is major


# -- major_releases / close_papers / save_flags on a real DuckDB file ----------------------

NOW = datetime(2025, 12, 1, 6, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=7)


@pytest.fixture
def con(tmp_path: Path):
    from warehouse import db

    with db.connect(path=tmp_path / "bt.duckdb") as connection:
        yield connection


def _item(con, item_id: str, kind: str, *, watched: bool = False, watch_name: str | None = None,
          title: str | None = None, first_seen_at: datetime = NOW) -> None:
    con.execute(
        "INSERT INTO items (item_id, kind, name, title, url, source, watched, watch_name, "
        "first_seen_at) VALUES (?,?,?,?,?,?,?,?,?)",
        [item_id, kind, item_id.split(":", 1)[1], title, f"https://example.org/{item_id}",
         "test", watched, watch_name, first_seen_at])


def _release(con, item_id: str, version: str, published_at: datetime, *,
             prerelease: bool | None = False, yanked: bool | None = False) -> None:
    con.execute(
        "INSERT INTO releases (release_id, item_id, version, published_at, prerelease, yanked, "
        "url, source, source_url, fetched_at, run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [f"release:{item_id}@{version}", item_id, version, published_at, prerelease, yanked,
         f"https://example.org/{item_id}/{version}", "test", "https://example.org/src", NOW,
         "2025-11"])


def test_major_releases_only_watched_recent_and_final(con) -> None:
    _item(con, "crate:candle-core", "crate", watched=True, watch_name="candle")
    _item(con, "repo:huggingface/candle", "repo", watched=True, watch_name="candle")
    _item(con, "crate:random-thing", "crate")  # not watched
    recent = NOW - timedelta(days=2)
    _release(con, "crate:candle-core", "0.10.0", recent)                    # flagged
    _release(con, "crate:candle-core", "0.9.2", recent)                     # patch
    _release(con, "crate:candle-core", "0.11.0-alpha.1", recent, prerelease=True)
    _release(con, "crate:candle-core", "0.12.0", recent, yanked=True)       # yanked
    _release(con, "crate:candle-core", "0.9.0", NOW - timedelta(days=30))   # too old
    _release(con, "repo:huggingface/candle", "v0.10.0", recent, prerelease=None,
             yanked=None)                                                   # feed: NULL flags
    _release(con, "crate:random-thing", "1.0.0", recent)                    # not watched

    flags = major_releases(con, SINCE)

    # candle 0.10.0 is one release of one project: its crate and its repository tag share a
    # single flag (issue 10, item 9), whichever came first standing for it.
    assert sorted((f.item_id, f.detail) for f in flags) == [("crate:candle-core", "0.10.0")]
    assert {f.kind for f in flags} == {"major_release"}
    assert {f.title for f in flags} == {"candle 0.10.0"}
    assert all(f.url and f.score is None for f in flags)


def _classify(con, item_id: str, category: str, neighbours: list[dict[str, Any]]) -> None:
    con.execute(
        "INSERT INTO classifications (item_id, run_id, category, confidence, method, model, "
        "neighbours, needs_review, classified_at) VALUES (?,?,?,?,?,?,?,?,?)",
        [item_id, "2025-11", category, 0.9, "knn", "test-model", json.dumps(neighbours),
         False, NOW])


def test_close_papers_reads_the_nearest_neighbour(con) -> None:
    near = [{"id": "crate:candle-core", "title": "candle", "label": "frameworks",
             "similarity": 0.83},
            {"id": "crate:burn", "title": "burn", "label": "frameworks", "similarity": 0.61}]
    far = [{"id": "crate:polars", "title": "polars", "label": "data-scientific",
            "similarity": 0.41}]
    _item(con, "paper:2511.00001", "paper", title="Rust tensors on GPUs")
    _classify(con, "paper:2511.00001", "frameworks", near)
    _item(con, "paper:2511.00002", "paper", title="Far away")
    _classify(con, "paper:2511.00002", "data-scientific", far)
    _item(con, "paper:2511.00003", "paper", title="Not about Rust")
    _classify(con, "paper:2511.00003", "out_of_scope", near)
    _item(con, "paper:2501.00004", "paper", title="Old paper",
          first_seen_at=NOW - timedelta(days=60))
    _classify(con, "paper:2501.00004", "frameworks", near)
    _item(con, "crate:close-crate", "crate")  # only papers are flagged
    _classify(con, "crate:close-crate", "frameworks", near)

    flags = close_papers(con, SINCE, threshold=0.6)

    assert [(f.item_id, f.kind) for f in flags] == [("paper:2511.00001", "close_paper")]
    flag = flags[0]
    assert flag.score == pytest.approx(0.83)
    assert flag.detail == "frameworks: close to candle"
    assert flag.title == "Rust tensors on GPUs"
    # A stricter threshold keeps nothing.
    assert close_papers(con, SINCE, threshold=0.9) == []


def test_save_flags_once_per_item_kind_and_month(con) -> None:
    flag = Flag("crate:candle-core", "major_release", "candle 0.10.0", "0.10.0",
                "https://crates.io/crates/candle-core/0.10.0", None)
    paper = Flag("paper:2511.00001", "close_paper", "Rust tensors", "frameworks: close to candle",
                 None, 0.83)
    assert save_flags(con, [flag, paper], "2025-12", "run-1", NOW) == 2
    # The next week's check finds the same release again: kept as first detected.
    save_flags(con, [flag], "2025-12", "run-2", NOW + timedelta(days=7))
    # The same release in another month's draft is a separate flag.
    save_flags(con, [flag], "2026-01", "run-3", NOW + timedelta(days=31))

    rows = con.execute(
        "SELECT item_id, month, kind, title, detail, url, score, detected_at, run_id "
        "FROM breakthroughs ORDER BY month, kind").fetchall()
    assert [(r[0], r[1], r[2], r[8]) for r in rows] == [
        ("paper:2511.00001", "2025-12", "close_paper", "run-1"),
        ("crate:candle-core", "2025-12", "major_release", "run-1"),
        ("crate:candle-core", "2026-01", "major_release", "run-3"),
    ]
    assert rows[1][7] == NOW
    assert rows[0][6] == pytest.approx(0.83)


# -- the flow, end to end on a replayed demo month -----------------------------------------


def _recorded(folder: Path) -> dict[str, dict[str, Any]]:
    """Every recorded exchange of a month folder, by request URL."""
    out = {}
    for path in folder.glob("*/*.json"):
        record = json.loads(path.read_text("utf-8"))
        out[record["request"]["url"]] = record
    return out


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _expected_major_releases(recorded: dict[str, dict[str, Any]],
                             since: datetime) -> set[tuple[str, str]]:
    """(item_id, version) of every major release of a watched item published since `since`,
    read straight from the recorded crate details and releases.atom feeds."""
    import feedparser

    from connectors.watchlist import load_watchlist

    wl = load_watchlist()
    expected: set[tuple[str, str]] = set()
    for name in wl.watched_crates():
        rec = recorded.get(f"https://crates.io/api/v1/crates/{name}")
        if not rec or rec["response"]["status"] != 200:
            continue
        for v in json.loads(rec["response"]["body"]).get("versions") or []:
            if (not v.get("yanked") and v.get("created_at")
                    and _parse_time(v["created_at"]) >= since and is_major_release(v["num"])):
                expected.add((f"crate:{name.lower()}", v["num"]))
    for repo in wl.watched_repos():
        rec = recorded.get(f"https://github.com/{repo}/releases.atom")
        if not rec or rec["response"]["status"] != 200:
            continue
        feed = feedparser.parse(rec["response"]["body"].encode("utf-8"))
        for entry in feed.entries:
            tag = (entry.get("link") or "").rsplit("/releases/tag/", 1)[-1]
            stamp = entry.get("published_parsed") or entry.get("updated_parsed")
            when = datetime(*stamp[:6], tzinfo=UTC) if stamp else None
            if when and when >= since and is_major_release(tag):
                expected.add((f"repo:{repo.lower()}", tag))
    return expected


@pytest.mark.slow  # light collection + classification of what it brought in: about a minute
def test_breakthrough_flow_on_a_replayed_month(prefect_harness, data_dir) -> None:
    folder = latest_demo_month()
    month = folder.name
    from flows.breakthrough import breakthrough
    from warehouse import db

    recorded = _recorded(folder)
    fetched_at = max(_parse_time(r["fetched_at"]) for r in recorded.values())
    expected = _expected_major_releases(recorded, fetched_at - timedelta(days=7))
    assert expected, f"the {month} snapshot should hold major releases in its last week"

    result = breakthrough(month=month, replay_dir=str(folder), lookback_days=7)

    assert result["month"] == month and result["run_id"].startswith(f"{month}.bt-")
    assert result["status"] == "completed", result
    with db.connect(read_only=True) as con:
        run = con.execute("SELECT flow, month, mode, status, note FROM runs WHERE run_id = ?",
                          [result["run_id"]]).fetchone()
        assert run[:4] == ("breakthrough", month, "replay", "completed")
        assert run[4].startswith(f"{result['flags']} breakthrough flag(s)")

        urls = [u for (u,) in con.execute(
            "SELECT url FROM raw_responses WHERE run_id = ?", [result["run_id"]]).fetchall()]
        assert urls
        # Light collection: no discovery listings, no new-crates RSS, no blog/newsletter feeds.
        assert not [u for u in urls if u.startswith("https://crates.io/api/v1/crates?")]
        assert "https://static.crates.io/rss/crates.xml" not in urls
        assert not [u for u in urls if "blog.rust-lang.org" in u or "this-week-in-rust" in u]
        # ... but every watched crate and every release feed was looked at.
        from connectors.watchlist import load_watchlist

        wl = load_watchlist()
        for name in wl.watched_crates():
            assert f"https://crates.io/api/v1/crates/{name}" in urls, name
        for feed in wl.release_feed_urls():
            assert feed in urls, feed
        status = dict(con.execute("SELECT source, status FROM source_status WHERE run_id = ?",
                                  [result["run_id"]]).fetchall())
        assert set(status) == {"crates", "github", "arxiv", "feeds"}
        assert set(status.values()) <= {"ok", "unchanged"}, status

        flags = con.execute(
            "SELECT item_id, kind, detail, title, month, run_id FROM breakthroughs").fetchall()
        # Close papers (when classification ran) are papers at or over the threshold.
        for item_id, kind, score in con.execute(
                "SELECT b.item_id, i.kind, b.score FROM breakthroughs b JOIN items i "
                "USING (item_id) WHERE b.kind = 'close_paper'").fetchall():
            assert kind == "paper" and score >= 0.6, (item_id, kind, score)
    majors = {(item_id, detail) for item_id, kind, detail, *_ in flags if kind == "major_release"}
    # One flag per release of a watched project: its crates and its repository tag of the same
    # version are one release.
    project = {f"crate:{c.lower()}": it.name for it in wl.items for c in it.crates}
    project |= {f"repo:{r.lower()}": it.name for it in wl.items for r in it.repos}
    per_release = {(project[i], release_key(v)) for i, v in expected}
    assert {(project[i], release_key(v)) for i, v in majors} == per_release
    assert len(majors) == len(per_release) and majors <= expected
    assert {row[4] for row in flags} == {month}
    assert {row[5] for row in flags} == {result["run_id"]}
    assert result["flags"] == len(flags)
    assert sorted(result["flagged"]) == sorted(row[3] for row in flags)

    # Running the same week again adds nothing: one flag per item, kind and month.
    again = breakthrough(month=month, replay_dir=str(folder), lookback_days=7,
                         update_draft=False)
    with db.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM breakthroughs").fetchone()[0] == len(flags)
    assert again["flags"] == result["flags"]
