"""The weekly breakthrough check: a light collection (watched items, no discovery), then flags
for major releases of watched items and new papers very close to landscape items, added to the
current month's draft report at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import flow, get_run_logger

from core.months import Month
from flows.collect import collect, run_status
from flows.report import report_flow
from flows.runs import check_replay, run_attempt
from landscape.breakthroughs import close_papers, major_releases, save_flags
from landscape.classify import classify_items
from report.feed import write_feed
from warehouse import db


@flow(name="breakthrough")
def breakthrough(
    month: str | None = None,
    replay_dir: str | None = None,
    record_dir: str | None = None,
    watchlist_path: str | None = None,
    lookback_days: int = 7,
    similarity_threshold: float = 0.6,
    update_draft: bool = True,
) -> dict[str, Any]:
    """Check for breakthroughs since the last week and add them to the month's draft.

    The check never speaks for the month: the month's monthly run keeps the draft's header and
    run health; the check only adds flags (one per release of a watched item, not one per
    crate of it) and re-renders the draft when that month has one.

    Args:
        month: the draft to add to (default: the latest month with a monthly run, the draft
            being reviewed now; else the month that just ended).
        replay_dir: serve recorded responses from this folder (offline).
        record_dir: record every exchange into this folder.
        watchlist_path: alternative watchlist file.
        lookback_days: how far back a release or paper counts as new.
        similarity_threshold: cosine similarity to a landscape item that makes a paper "close".
        update_draft: re-render the month's draft report when something was flagged.
    """
    logger = get_run_logger()
    now = datetime.now(UTC)
    month = Month.parse(month) if month else _current_draft_month(now)
    check_replay(replay_dir, month)
    with run_attempt(month, "breakthrough", replay_dir) as attempt:
        run_id = attempt.run_id
        if record_dir is None and replay_dir is None:
            record_dir = str(db.archive_dir() / run_id)  # live checks archive their evidence
        outcomes = collect(month=month, run_id=run_id, replay_dir=replay_dir,
                           record_dir=record_dir, watchlist_path=watchlist_path, light=True)
        classify_note = _classify_new(run_id)
        since = now - timedelta(days=lookback_days)
        if replay_dir:
            # A replayed week is judged by its own fetch time, not by today's clock.
            since = _replayed_fetch_time(run_id) - timedelta(days=lookback_days)
        with db.connect() as con:
            flags = major_releases(con, since) + close_papers(con, since, similarity_threshold)
            save_flags(con, flags, month, run_id, now)
            write_feed(con)  # readers of reports/feed.atom learn of a breakthrough at once
            has_draft = _has_monthly_run(con, month)
        attempt.notes.append(f"{len(flags)} breakthrough flag(s)")
        if classify_note:
            attempt.notes.append(classify_note)
        attempt.status = run_status(outcomes)
    report = report_flow(month=month) if flags and update_draft and has_draft else None
    logger.info("breakthrough check %s: %d flags", run_id, len(flags))
    return {"run_id": run_id, "month": month, "status": attempt.status, "flags": len(flags),
            "flagged": [f.title for f in flags], "report": report}


def _current_draft_month(now: datetime) -> Month:
    """The month whose draft is open: the latest month with a monthly run, not in the future."""
    with db.connect() as con:
        row = con.execute("SELECT max(month) FROM v_month_run WHERE month <= ?",
                          [Month.current(now)]).fetchone()
    return Month.parse(row[0]) if row and row[0] else Month.current(now).previous()


def _has_monthly_run(con: Any, month: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM v_month_run WHERE month = ?",
                            [month]).fetchone()[0])


def _classify_new(run_id: str) -> str | None:
    """Classify what the light collection brought in; returns a note when it could not.

    Major-release flags do not depend on classification, so a failing classifier only costs
    this week's close-paper flags (they fall back to earlier classifications), never the run.
    """
    try:
        with db.connect() as con:
            classify_items(con, run_id)
    except Exception as exc:  # noqa: BLE001 - a failing step never sinks the run
        get_run_logger().warning("classification failed, close papers use earlier results: "
                                 "%s: %s", type(exc).__name__, exc)
        return f"classification failed: {type(exc).__name__}: {exc}"[:500]
    return None


def _replayed_fetch_time(run_id: str) -> datetime:
    with db.connect(read_only=True) as con:
        row = con.execute("SELECT max(fetched_at) FROM raw_responses WHERE run_id = ?",
                          [run_id]).fetchone()
    return row[0] if row and row[0] else datetime.now(UTC)
