"""Thin Prefect task around `landscape.projects.resolve_projects` (runs after collect)."""

from __future__ import annotations

import dataclasses
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from connectors.watchlist import load_watchlist
from landscape.project_health import compute_health
from landscape.projects import resolve_projects
from warehouse import db


@task(name="resolve-projects", cache_policy=NO_CACHE)
def resolve_projects_task(run_id: str, watchlist_path: str | None = None,
                          month: str | None = None) -> dict[str, Any]:
    """Rewrite the project tables from this run's evidence and the month's health; return
    the counts."""
    with db.connect() as con:
        summary = resolve_projects(con, load_watchlist(watchlist_path), run_id=run_id)
        health = compute_health(con, month) if month else {}
    get_run_logger().info(
        "projects: %d (%d watched), %d members, %d relations, %d need review, %d proposals",
        summary.projects, summary.watched, summary.members, summary.relations,
        summary.needs_review, summary.proposals)
    return {**dataclasses.asdict(summary), "health": health}
