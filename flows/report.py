"""The `report` step as a Prefect flow: build the month's draft, publish it as an artifact.

The work is in `report.build`; this module only wraps it in a task and a flow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from report.build import ReportResult, render_report


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def render_task(month: str | None) -> ReportResult:
    return render_report(month)


@flow(name="report")
def report_flow(month: str | None = None) -> dict[str, Any]:
    """Write the month's draft report and publish it as the `monthly-report` artifact."""
    logger = get_run_logger()
    result = render_task(month)
    text = Path(result.zh).read_text("utf-8")
    header = (f"**{result.month} r{result.revision} ({result.status})** — "
              f"zh: `{result.zh}` · en: `{result.en}`\n\n")
    create_markdown_artifact(key="monthly-report", markdown=header + text,
                             description=f"Draft landscape report {result.month}")
    logger.info("report %s r%s (%s): %s", result.month, result.revision, result.status,
                result.zh)
    return result.as_dict()
