"""The warehouse side of the dashboard: review inbox draining, rollups, read-only access."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import queries as dq
from dashboard import queries_choices as dqc
from dashboard import queries_items as dqi
from dashboard import queries_projects as dqp
from dashboard.freshness import rollup_freshness
from dashboard.rollups import refresh_dashboard_rollups
from landscape import review_inbox
from tests.support.dashboard_fixture import REVIEW_ITEM, build_dashboard_warehouse
from warehouse.db import connect
from warehouse.readonly import WarehouseBusy, WarehouseMissing, read_connection


@pytest.fixture
def fx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    f = build_dashboard_warehouse(tmp_path)
    f.apply_env(monkeypatch)
    return f


def test_drain_is_idempotent_and_keeps_order(fx) -> None:  # noqa: ANN001
    review_inbox.submit_decision(REVIEW_ITEM, "reassign", "Mei", category="vector-db",
                                 warehouse=fx.db)
    review_inbox.submit_decision(REVIEW_ITEM, "reassign", "Mei", category="ai-dev-tools",
                                 warehouse=fx.db)
    with connect(path=fx.db) as con:  # drains explicitly below
        assert review_inbox.drain_review_inbox(con, warehouse=fx.db) == 2
        assert review_inbox.drain_review_inbox(con, warehouse=fx.db) == 0
        assert con.execute("SELECT count(*) FROM review_decisions").fetchone()[0] == 2
        # the later decision wins, as the person made them in that order
        assert dqi.current_category(con, REVIEW_ITEM) == "ai-dev-tools"


def test_drain_after_crash_between_warehouse_and_inbox_does_not_duplicate(fx) -> None:  # noqa: ANN001
    d = review_inbox.submit_decision(REVIEW_ITEM, "out_of_scope", "Mei", warehouse=fx.db)
    with connect(path=fx.db) as con:
        review_inbox.drain_review_inbox(con, warehouse=fx.db)
    # simulate: applied in the warehouse, but the inbox never marked it
    import sqlite3

    with sqlite3.connect(review_inbox.inbox_path(fx.db)) as s:
        s.execute("UPDATE decisions SET drained_at = NULL WHERE uid = ?", [d.uid])
    with connect(path=fx.db) as con:
        assert review_inbox.drain_review_inbox(con, warehouse=fx.db) == 0
        assert con.execute("SELECT count(*) FROM review_decisions").fetchone()[0] == 1
    assert review_inbox.pending_decisions(fx.db) == []


def test_refused_decision_does_not_block_the_inbox(fx) -> None:  # noqa: ANN001
    review_inbox.submit_decision("crate:does-not-exist", "reassign", "Mei",
                                 category="vector-db", warehouse=fx.db)
    review_inbox.submit_decision(REVIEW_ITEM, "accept", "Mei", category="agentic-web",
                                 warehouse=fx.db)
    with connect(path=fx.db) as con:
        applied = review_inbox.drain_review_inbox(con, warehouse=fx.db)
    rejected = review_inbox.rejected_decisions(fx.db)
    if rejected:  # landscape.review validates items; the plain fallback cannot
        assert applied == 1 and rejected[0].item_id == "crate:does-not-exist"
    assert review_inbox.pending_decisions(fx.db) == []


def test_submit_validates() -> None:
    with pytest.raises(ValueError, match="reviewer"):
        review_inbox.submit_decision("crate:x", "accept", "  ")
    with pytest.raises(ValueError, match="category"):
        review_inbox.submit_decision("crate:x", "reassign", "Mei")
    with pytest.raises(ValueError, match="decision"):
        review_inbox.submit_decision("crate:x", "delete", "Mei")


def test_rollup_matches_live_totals_and_goes_stale_on_a_decision(fx) -> None:  # noqa: ANN001
    with duckdb.connect(str(fx.db), read_only=True) as con:
        live = dq.category_trend(con, "downloads_month")
        assert not rollup_freshness(con).category_month
    with connect(path=fx.db) as con:
        assert refresh_dashboard_rollups(con) > 0
    with duckdb.connect(str(fx.db), read_only=True) as con:
        assert rollup_freshness(con).category_month
        rolled = dq.category_trend(con, "downloads_month")
        filtered = dq.category_trend(con, "downloads_month", ("crate",), ("frameworks",))
    pd.testing.assert_frame_equal(live, rolled, check_dtype=False)
    assert set(filtered["category"]) == {"frameworks"}
    review_inbox.submit_decision("crate:tiny-ml", "reassign", "Mei", category="autodiff",
                                 warehouse=fx.db)
    assert review_inbox.drain_now(fx.db) == 1
    with duckdb.connect(str(fx.db), read_only=True) as con:
        assert not rollup_freshness(con).category_month  # the dashboard computes live until the next refresh
        after = dq.category_trend(con, "downloads_month")
    nov = after[after["period"] == "2025-11"].set_index("category")
    assert nov.loc["autodiff", "items"] == 2


def test_read_connection_never_creates_and_reports_busy(tmp_path: Path) -> None:
    with pytest.raises(WarehouseMissing):
        with read_connection(tmp_path / "none.duckdb"):
            pass
    assert not (tmp_path / "none.duckdb").exists()
    fx = build_dashboard_warehouse(tmp_path)
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time, duckdb; c = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(5)", str(fx.db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(WarehouseBusy):
            with read_connection(fx.db, timeout_s=0.3):
                pass
        assert review_inbox.drain_now(fx.db, timeout_s=0.2) == 0  # nothing pending: no open
        review_inbox.submit_decision(REVIEW_ITEM, "accept", "Mei", category="agentic-web",
                                     warehouse=fx.db)
        assert review_inbox.drain_now(fx.db, timeout_s=0.2) is None  # busy: stays pending
        assert len(review_inbox.pending_decisions(fx.db)) == 1
    finally:
        holder.kill()
        holder.wait()
    assert review_inbox.drain_now(fx.db) == 1


def test_rollups_match_live_movers_cards_and_series_and_survive_a_decision(fx) -> None:  # noqa: ANN001

    def trends(con: duckdb.DuckDBPyConnection) -> list[pd.DataFrame]:
        out = []
        for metric, month, prev, kinds, cats in (
                ("downloads_month", "2025-11", "2025-10", (), ()),
                ("stars", "2025-10", "2025-09", ("repo",), ("frontend-build",)),
                ("downloads_month", "2025-11", "", ("crate",), ())):  # first month: no prev
            movers = dqp.project_movers(con, metric, month, prev, kinds, cats, 50)
            out += [movers,
                    dqp.project_series(con, tuple(movers["project_id"].head(5)), metric),
                    dq.category_trend(con, metric, kinds, cats)]
        out += [dqp.project_cards(con, "2025-11", "2025-10"),
                dqp.project_cards(con, "2025-11", "2025-10", "frameworks"),
                dqp.category_counts(con, "2025-11", "2025-10", ("active",)),
                dqp.project_series(con, ("project:candle", "project:burn"), "stars")]
        return [f.reset_index(drop=True) for f in out]

    with duckdb.connect(str(fx.db), read_only=True) as con:
        live, live_cats = trends(con), dq.categories(con)
        assert rollup_freshness(con).item_month is False
    with connect(path=fx.db) as con:
        refresh_dashboard_rollups(con)
    with duckdb.connect(str(fx.db), read_only=True) as con:
        assert rollup_freshness(con).project_month
        rolled, rolled_cats = trends(con), dq.categories(con)
    assert not live[0].empty and not live[1].empty and not live[-1].empty
    assert live[0]["project_id"].is_unique  # one row per project, not per crate
    for a, b in zip(live, rolled, strict=True):
        pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert live_cats == rolled_cats

    review_inbox.submit_decision("crate:tiny-ml", "reassign", "Mei", category="autodiff",
                                 warehouse=fx.db)
    assert review_inbox.drain_now(fx.db) == 1
    with duckdb.connect(str(fx.db), read_only=True) as con:
        fresh = rollup_freshness(con)
        assert fresh.item_month and not fresh.category_month  # values stay, categories live
        trend = dq.category_trend(con, "downloads_month")
        by_review = trends(con)
        assert "autodiff" in dq.categories(con)
    autodiff = trend[(trend["category"] == "autodiff") & (trend["period"] == "2025-11")]
    assert int(autodiff["items"].iloc[0]) == 2  # ad_trait (watchlist) and now tiny-ml
    with connect(path=fx.db) as con:  # the next writer refreshes; same figures
        refresh_dashboard_rollups(con)
    with duckdb.connect(str(fx.db), read_only=True) as con:
        assert rollup_freshness(con).category_month
        for a, b in zip(by_review, trends(con), strict=True):
            pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_project_members_and_choices_from_rollups_match_live_and_follow_a_decision(
        fx) -> None:  # noqa: ANN001
    """The members' rollup gives the project page the same rows as the live query; after a
    review decision the page reads live (the decision shows at once) until the next refresh,
    which stores it."""
    ids = ("project:candle", "project:burn", "crate:tiny-ml")

    def read(con: duckdb.DuckDBPyConnection) -> list[pd.DataFrame]:
        return [dqp.project_members(con, p) for p in ids] + [dqc.project_choices(con, "2025-11")]

    with duckdb.connect(str(fx.db), read_only=True) as con:
        assert not rollup_freshness(con).category_month
        live = read(con)
    with connect(path=fx.db) as con:
        refresh_dashboard_rollups(con)
    with duckdb.connect(str(fx.db), read_only=True) as con:
        assert rollup_freshness(con).project_month
        rolled = read(con)
    candle, tiny = live[0], live[2]
    assert len(candle) > 1 and candle["role"].iloc[0] == "primary_crate"
    assert tiny.loc[0, "category"] == "frameworks" and tiny.loc[0, "decided_by"] == "machine"
    assert "crate:candle-core" in tiny.loc[0, "neighbours"]  # the lead's vote, for the "why"
    assert {"project:candle", "project:burn", "crate:tiny-ml"} <= set(live[3]["project_id"])
    for a, b in zip(live, rolled, strict=True):
        pd.testing.assert_frame_equal(a, b, check_dtype=False)

    review_inbox.submit_decision("crate:tiny-ml", "reassign", "Mei", category="autodiff",
                                 warehouse=fx.db)
    assert review_inbox.drain_now(fx.db) == 1
    with duckdb.connect(str(fx.db), read_only=True) as con:
        assert not rollup_freshness(con).category_month
        after = dqp.project_members(con, "crate:tiny-ml")
    assert (after.loc[0, "category"], after.loc[0, "decided_by"]) == ("autodiff", "review")
    with connect(path=fx.db) as con:
        refresh_dashboard_rollups(con)
    with duckdb.connect(str(fx.db), read_only=True) as con:
        assert rollup_freshness(con).category_month
        pd.testing.assert_frame_equal(after, dqp.project_members(con, "crate:tiny-ml"),
                                      check_dtype=False)
