"""The collect and monthly flows under a real (temporary) Prefect server, on replayed responses.

One source failing (its recorded responses are missing) must be recorded as failed with its
error while the other sources land and the run completes and says so.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import DEMO_SNAPSHOT

MONTH = "2025-09"

# Natural keys of every table the collect flow writes.
KEYS = {
    "items": "item_id",
    "observations": "item_id, metric, observed_at",
    "releases": "release_id",
    "papers": "paper_id",
    "posts": "post_id",
    "item_links": "from_id, to_id, relation",
    "raw_responses": "run_id, method, url",
    "source_status": "run_id, source",
    "runs": "run_id",
    "http_validators": "url",
}


@pytest.fixture
def replay_without_arxiv(tmp_path: Path) -> Path:
    """The demo month with arXiv's recorded responses removed: arXiv cannot be reached."""
    src = DEMO_SNAPSHOT / MONTH
    if not src.is_dir():
        pytest.skip("demo snapshot missing")
    dst = tmp_path / "replay" / MONTH
    shutil.copytree(src, dst)
    shutil.rmtree(dst / "export.arxiv.org")
    return dst


def _counts(con, table: str, key: str) -> tuple[int, int]:
    total = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    distinct = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT {key} FROM {table})").fetchone()[0]
    return total, distinct


def test_one_failing_source_does_not_sink_the_run(prefect_harness, data_dir, replay_without_arxiv):
    from flows.monthly import monthly
    from warehouse import db

    summary = monthly(month=MONTH, replay_dir=str(replay_without_arxiv), classify=False,
                      report=False)

    by_source = {o.source: o for o in summary.sources}
    assert set(by_source) == {"crates", "github", "arxiv", "feeds"}
    arxiv = by_source["arxiv"]
    assert arxiv.status == "failed"
    assert "no recorded response" in (arxiv.error or "")
    # A failed source has unknown counts, not zero.
    assert arxiv.items_seen is None and arxiv.items_new is None
    for name in ("crates", "github", "feeds"):
        assert by_source[name].status in ("ok", "partial"), by_source[name]
        assert by_source[name].items_seen and by_source[name].items_seen > 0
    assert summary.status == "completed_with_failures"

    with db.connect(read_only=True) as con:
        kinds = dict(con.execute("SELECT kind, count(*) FROM items GROUP BY kind").fetchall())
        assert kinds.get("crate", 0) >= 50 and kinds.get("repo", 0) >= 30
        assert "paper" not in kinds
        status = dict(con.execute(
            "SELECT source, status FROM source_status WHERE run_id = ?",
            [summary.run_id]).fetchall())
        assert status["arxiv"] == "failed"
        run = con.execute("SELECT month, status, mode FROM runs WHERE run_id = ?",
                          [summary.run_id]).fetchone()
        assert run == (MONTH, "completed_with_failures", "replay")
        # Every observation carries its provenance.
        missing = con.execute(
            "SELECT count(*) FROM observations WHERE source_url IS NULL OR fetched_at IS NULL"
        ).fetchone()[0]
        assert missing == 0
        # Watchlist items are flagged with their landscape entry and category.
        candle = con.execute(
            "SELECT watched, watch_name, watch_category FROM items WHERE item_id = 'crate:candle-core'"
        ).fetchone()
        assert candle == (True, "candle", "frameworks")


def test_same_month_loaded_twice_keeps_counts_equal_to_distinct_ids(prefect_harness, data_dir):
    from flows.monthly import monthly
    from warehouse import db

    replay = str(DEMO_SNAPSHOT / MONTH)
    monthly(month=MONTH, replay_dir=replay, classify=False, report=False)
    with db.connect(read_only=True) as con:
        first = {t: _counts(con, t, k) for t, k in KEYS.items()}
    monthly(month=MONTH, replay_dir=replay, classify=False, report=False)
    with db.connect(read_only=True) as con:
        second = {t: _counts(con, t, k) for t, k in KEYS.items()}
    for table, (total, distinct) in second.items():
        assert total == distinct, f"{table}: {total} rows for {distinct} distinct ids"
    # Each attempt keeps its own run history; the data itself is unchanged by the rerun.
    per_attempt = {"runs", "source_status", "raw_responses"}
    assert {t: v for t, v in second.items() if t not in per_attempt} == \
        {t: v for t, v in first.items() if t not in per_attempt}
    for table in per_attempt:
        assert second[table][0] == 2 * first[table][0], table
    assert first["papers"][0] > 0 and first["observations"][0] > 0
    # The demo snapshot's numbers are made up: each run replaying it is marked so.
    with db.connect(read_only=True) as con:
        assert con.execute("SELECT bool_and(synthetic) FROM runs").fetchone()[0] is True
