"""Loaders on a real DuckDB file: idempotent (load twice → counts == distinct ids), merges that
never lose data, watchlist flags, the raw-response index and collection state."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from connectors import arxiv, crates, feeds, github
from connectors.fetched import ExchangeLog
from warehouse import db
from warehouse.load import LoadCounts, mark_watched, save_exchanges, save_records
from warehouse.state import load_validators, save_validators

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2025, 11, 30, 6, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=31)
KEYS = {  # table -> natural key
    "items": "item_id", "observations": "item_id, metric, observed_at", "releases": "release_id",
    "papers": "paper_id", "posts": "post_id", "item_links": "from_id, to_id, relation",
}


def snap_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text("utf-8").split("\n", 4)[4])


def arxiv_body(name: str) -> bytes:
    return json.loads((FIXTURES / name).read_text("utf-8"))["body"].encode()


def sample_records(fetched_at: datetime = NOW) -> list[dict[str, Any]]:
    """Records from every connector's parser on the real fixtures, plus the other types."""
    detail = snap_json("cratesio-snapshot_crate_show.snap")
    detail["crate"]["repository"] = "https://github.com/octokit-fixture-org/hello-world"
    downloads = snap_json("cratesio-snapshot_crate_downloads.snap")
    for day, row in zip(("2025-11-01", "2025-11-02"), downloads["version_downloads"], strict=True):
        row["date"] = day
    repo = json.loads((FIXTURES / "octokit-get-repository.raw-fixture.json").read_text())[0]
    rss = (FIXTURES / "cratesio-snapshot_rss_crates_feed.snap").read_bytes().split(b"\n", 4)[4]
    records: list[dict[str, Any]] = []
    records += crates.parse_crate_detail(detail, "https://crates.io/api/v1/crates/foo_show",
                                         fetched_at, "2025-11")
    records += crates.parse_downloads(downloads, "foo_show", "https://crates.io/api/v1/x",
                                      fetched_at)
    records += crates.parse_rss(rss, crates.RSS_URL, fetched_at)
    records += github.parse_repo(repo["response"], "https://api.github.com/repos/o/h",
                                 fetched_at, "2025-11")
    for name, query in (("arxivpy-q_testing_s0_m10_bc5a6c384fe9.json", "all:testing"),
                        ("arxivpy-q_testing_s10_m10_34e56e15aaac.json", "all:testing"),
                        ("arxivpy-id_1605.08386_s0_m100_199195aa31ad.json", "all:heat")):
        records += arxiv.parse_page(arxiv_body(name), arxiv.API_URL, fetched_at, query).records
    records += feeds.parse_feed((FIXTURES / "rsparser-manton_wordpress_rss20.rss").read_bytes(),
                                "https://www.manton.org/feed", fetched_at).records
    records += feeds.parse_feed((FIXTURES / "synthetic-github-releases.atom").read_bytes(),
                                "https://github.com/huggingface/candle/releases.atom",
                                fetched_at).records
    records += [{"type": "unchanged", "url": "https://x/feed"},
                {"type": "error", "url": "https://x/y", "message": "boom"},
                {"type": "warning", "url": "https://x/z", "message": "bozo"}]
    return records


@pytest.fixture
def con(tmp_path: Path) -> Any:
    with db.connect(path=tmp_path / "warehouse.duckdb") as connection:
        yield connection


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    out = {}
    for table, key in KEYS.items():
        total, distinct = con.execute(
            f"SELECT count(*), count(DISTINCT ({key})) FROM {table}").fetchone()
        out[table] = (total, distinct)
    return out


def test_load_twice_is_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    records = sample_records()
    first = save_records(con, records, "2025-11", "2025-11")
    counts_after_first = table_counts(con)
    second = save_records(con, records, "2025-11", "2025-11")
    assert table_counts(con) == counts_after_first
    assert all(total == distinct for total, distinct in counts_after_first.values())
    # 5 crates (1 detail + 4 RSS), 1 repo, 21 papers (10 + 10 + 1), 10 posts.
    items = con.execute("SELECT kind, count(*) FROM items GROUP BY kind ORDER BY kind").fetchall()
    assert items == [("crate", 5), ("paper", 21), ("post", 10), ("repo", 1)]
    assert first.new == 37 and first.updated == 0
    assert second.new == 0 and second.updated == 37
    assert (first.unchanged, first.errors, first.warnings) == (1, 1, 1)
    assert first.papers == 21 and first.posts == 10 and first.links == 1
    assert first.releases == 3 + 3  # crate versions + releases.atom
    assert first.observations == 3 + 2 + 4


def test_counts_match_the_tables(con: duckdb.DuckDBPyConnection) -> None:
    counts = save_records(con, sample_records(), "r1", "2025-11")
    assert isinstance(counts, LoadCounts)
    tables = {t: n for t, (n, _) in table_counts(con).items()}
    assert tables["observations"] == counts.observations
    assert tables["releases"] == counts.releases and tables["papers"] == counts.papers
    assert tables["posts"] == counts.posts and tables["item_links"] == counts.links
    assert tables["items"] == counts.new


def test_first_seen_kept_last_seen_moves(con: duckdb.DuckDBPyConnection) -> None:
    save_records(con, sample_records(NOW), "2025-11", "2025-11")
    save_records(con, sample_records(LATER), "2025-12", "2025-12")
    row = con.execute("SELECT first_seen_run, first_seen_at, last_seen_run, last_seen_at, "
                      "fetched_at FROM items WHERE item_id = 'crate:foo_show'").fetchone()
    assert row == ("2025-11", NOW, "2025-12", LATER, LATER)
    # snapshot observations of both months exist side by side
    assert con.execute("SELECT count(*) FROM observations WHERE item_id = 'crate:foo_show' "
                       "AND metric = 'downloads_total'").fetchone()[0] == 2


def test_partial_records_do_not_erase_fuller_ones(con: duckdb.DuckDBPyConnection) -> None:
    detail = crates.parse_crate_detail(snap_json("cratesio-snapshot_crate_show.snap"), "u",
                                       NOW, "2025-11")
    listing_item = {**detail[0], "homepage": None, "keywords": None, "description": None,
                    "discovered_via": "crates:category:science::ml"}
    save_records(con, [listing_item], "r1", "2025-11")   # discovered by a listing first
    save_records(con, detail, "r2", "2025-11")           # then watched with the full detail
    save_records(con, [listing_item], "r3", "2025-11")   # a later partial record
    row = con.execute("SELECT homepage, keywords, description, discovered_via, source "
                      "FROM items WHERE item_id = 'crate:foo_show'").fetchone()
    assert row == ("http://example.com", ["kw1"], "description",
                   "crates:category:science::ml", "crates")


def test_papers_merge_versions_and_queries(con: duckdb.DuckDBPyConnection) -> None:
    [paper] = arxiv.parse_page(arxiv_body("arxivpy-id_1605.08386_s0_m100_199195aa31ad.json"),
                               "u", NOW, "all:heat").records
    save_records(con, [{**paper, "latest_version": 2}], "r1", "2025-11")
    save_records(con, [{**paper, "matched_query": "cat:math.CO"}], "r2", "2025-11")
    row = con.execute("SELECT latest_version, matched_queries, authors FROM papers").fetchone()
    assert row == (2, ["all:heat", "cat:math.CO"], ["Caprice Stanley", "Tobias Windisch"])
    item = con.execute("SELECT kind, name, keywords FROM items WHERE item_id = ?",
                       [paper["paper_id"]]).fetchone()
    assert item == ("paper", "1605.08386", ["math.CO", "math.ST"])


def test_duplicate_records_in_one_batch(con: duckdb.DuckDBPyConnection) -> None:
    records = sample_records()
    counts = save_records(con, records + records, "r1", "2025-11")
    assert all(t == d for t, d in table_counts(con).values())
    assert counts.new == 37


def test_unknown_record_type_is_rejected(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="unknown record type"):
        save_records(con, [{"type": "nonsense"}], "r1", "2025-11")


def test_failed_load_writes_nothing(con: duckdb.DuckDBPyConnection) -> None:
    bad = {**sample_records()[1], "value": None}  # observations.value is NOT NULL
    with pytest.raises(duckdb.Error):
        save_records(con, [sample_records()[0], bad], "r1", "2025-11")
    assert con.execute("SELECT count(*) FROM items").fetchone()[0] == 0


def test_mark_watched(con: duckdb.DuckDBPyConnection) -> None:
    save_records(con, sample_records(), "r1", "2025-11")
    flagged = mark_watched(con, [("crate:foo_show", "Foo", "frameworks"),
                                 ("repo:octokit-fixture-org/hello-world", "Foo", None),
                                 ("crate:not-loaded", "Nope", None)])
    assert flagged == 2
    mark_watched(con, [("crate:foo_show", "Foo", "frameworks")])  # repo dropped from the list
    rows = con.execute("SELECT item_id, watch_name, watch_category FROM items WHERE watched "
                       "ORDER BY item_id").fetchall()
    assert rows == [("crate:foo_show", "Foo", "frameworks")]


def test_save_exchanges_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    logs = [ExchangeLog("GET", f"https://crates.io/api/v1/crates/{n}", 200, NOW, "ab" * 32, 10,
                        f"archive/2025-11/crates.io/{n}.json") for n in ("a", "b")]
    logs.append(ExchangeLog("GET", "https://crates.io/api/v1/crates/a", 304, LATER, "", 0))
    assert save_exchanges(con, "r1", logs) == 2
    save_exchanges(con, "r1", logs)
    rows = con.execute("SELECT url, status FROM raw_responses ORDER BY url").fetchall()
    assert rows == [("https://crates.io/api/v1/crates/a", 304),
                    ("https://crates.io/api/v1/crates/b", 200)]


def test_validators_round_trip(con: duckdb.DuckDBPyConnection) -> None:
    assert load_validators(con) == {}
    save_validators(con, {"https://a/feed": ('"e1"', None), "https://b": (None, None)})
    save_validators(con, {"https://a/feed": ('"e2"', "Wed, 26 Nov 2025 10:00:00 GMT")})
    assert load_validators(con) == {"https://a/feed": ('"e2"', "Wed, 26 Nov 2025 10:00:00 GMT")}


def test_many_observations_load_fast(con: duckdb.DuckDBPyConnection) -> None:
    import time

    records = [{"type": "observation", "item_id": f"crate:c{i % 200}", "metric": "downloads_daily",
                "observed_at": datetime(2025, 9, 1, tzinfo=UTC) + timedelta(days=i // 200),
                "period": "2025-09", "value": float(i), "source_url": "u", "fetched_at": NOW}
               for i in range(18_000)]  # 200 crates × 90 days
    started = time.perf_counter()
    counts = save_records(con, records, "r1", "2025-11")
    assert counts.observations == 18_000
    assert time.perf_counter() - started < 20  # row-by-row inserts would take minutes


def test_joins_the_callers_transaction(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("BEGIN TRANSACTION")  # as flows.collect.load_source does
    counts = save_records(con, sample_records(), "r1", "2025-11")
    save_exchanges(con, "r1", [{"method": "GET", "url": "https://x", "status": 200,
                                "fetched_at": NOW, "body_sha256": "", "bytes": 0,
                                "archive_path": None}])
    con.execute("ROLLBACK")  # the caller decides: nothing of it stays
    assert counts.new == 37
    assert con.execute("SELECT count(*) FROM items").fetchone()[0] == 0
    save_records(con, sample_records(), "r1", "2025-11")  # and autocommit use still works
    assert con.execute("SELECT count(*) FROM items").fetchone()[0] == 37
