"""The parent `monthly(month)` flow: collect → resolve projects → classify → report draft.

Each step is a plain function behind a thin Prefect flow/task; the monthly flow only orders
them, records the run and returns a summary the CLI prints.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from prefect import flow, get_run_logger

from dashboard.rollups import refresh_dashboard_rollups
from flows.classify import classify_flow
from flows.collect import SourceOutcome, collect, run_status
from flows.projects import resolve_projects_task
from flows.report import report_flow
from flows.runs import Attempt, check_replay, collection_month, run_attempt
from flows.task_runners import make_task_runner, shared_dask_cluster
from warehouse import db


@dataclass
class MonthlySummary:
    run_id: str
    month: str
    status: str
    sources: list[SourceOutcome]
    classify: dict[str, Any] | None = None
    report: dict[str, Any] | None = None
    projects: dict[str, Any] | None = None
    warehouse: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _new_items(outcomes: list[SourceOutcome]) -> int:
    return sum(o.items_new or 0 for o in outcomes) + sum(o.items_updated or 0 for o in outcomes)


@flow(name="monthly")
def monthly(
    month: str | None = None,
    replay_dir: str | None = None,
    record_dir: str | None = None,
    sources: list[str] | None = None,
    watchlist_path: str | None = None,
    classify: bool = True,
    report: bool = True,
    task_runner: str = "thread",
    dask_address: str | None = None,
    force: bool = False,
) -> MonthlySummary:
    """Run the month: collect every source, classify what is new, write the draft report.

    Args:
        month: 'YYYY-MM', the period reported on (default: the month that just ended, which
            is what the scheduled run on the 1st wants); never a month that has not begun.
        replay_dir: serve recorded responses from this folder (offline run); refused when
            they were fetched outside the month's collection window, unless `force`.
        record_dir: record every exchange into this folder (live runs archive by default).
        sources: subset of sources to collect.
        watchlist_path: alternative watchlist file.
        classify: run the classification step.
        report: write the draft report.
        task_runner: 'thread' or 'dask' (collection and embedding tasks on a Dask cluster).
        dask_address: an existing Dask scheduler; default is a LocalCluster.
        force: replay a folder fetched outside the month's collection window anyway.

    Raises:
        RunRefused: the month or the replay folder cannot be used (nothing was written).
        WarehouseBusy: another run is writing to the warehouse.
    """
    logger = get_run_logger()
    month = collection_month(month)
    check_replay(replay_dir, month, force)
    if record_dir is None and replay_dir is None:
        # Live runs archive every raw response so the month can be re-run offline later.
        record_dir = str(db.archive_dir() / month)
    with run_attempt(month, "monthly", replay_dir) as attempt:
        summary = _run_steps(attempt, replay_dir, record_dir, sources, watchlist_path,
                             classify, report, task_runner, dask_address)
    summary.status = attempt.status
    logger.info("run %s finished: %s", attempt.run_id, summary.status)
    return summary


def _run_steps(attempt: Attempt, replay_dir: str | None, record_dir: str | None,
               sources: list[str] | None, watchlist_path: str | None, classify: bool,
               report: bool, task_runner: str, dask_address: str | None) -> MonthlySummary:
    month, run_id = attempt.month, attempt.run_id
    with shared_dask_cluster(task_runner, dask_address) as address:
        runner = make_task_runner(task_runner, address)
        outcomes = collect.with_options(task_runner=runner)(
            month=month, run_id=run_id, sources=sources, replay_dir=replay_dir,
            record_dir=record_dir, watchlist_path=watchlist_path,
        )
        summary = MonthlySummary(run_id=run_id, month=month, status="running",
                                 sources=outcomes, warehouse=str(db.db_path()),
                                 notes=attempt.notes)
        # Projects before classification and the report: both group items by project.
        summary.projects = resolve_projects_task(run_id, watchlist_path, month=month)
        if classify:
            summary.classify = classify_flow.with_options(
                task_runner=make_task_runner(task_runner, address))(
                run_id=run_id, changed=_new_items(outcomes), month=month)
    if report:
        summary.report = report_flow(month=month)
    _refresh_rollups()
    attempt.status = run_status(outcomes)
    return summary


def _refresh_rollups() -> None:
    """Precompute the dashboard's per-category totals once the month's writes are done."""
    with db.connect() as con:
        refresh_dashboard_rollups(con)
