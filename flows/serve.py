"""`panorama serve`: the schedule, as Prefect deployments served from one process.

- `monthly-landscape`: the monthly flow at 06:00 UTC on the 1st of each month; with no month
  parameter it reports on the month that just ended.
- `weekly-breakthrough-check`: Mondays 06:00 UTC, a light collection that flags major releases
  of watched items and new papers very close to landscape items, and adds them to the current
  month's draft ("important breakthroughs are added at once", as the seed asks).
"""

from __future__ import annotations

from typing import Any

from prefect import serve
from prefect.schedules import Cron

from flows.breakthrough import breakthrough
from flows.monthly import monthly

MONTHLY_CRON = "0 6 1 * *"
WEEKLY_CRON = "0 6 * * 1"


def build_deployments(
    monthly_params: dict[str, Any] | None = None,
    weekly_params: dict[str, Any] | None = None,
    monthly_cron: str = MONTHLY_CRON,
    weekly_cron: str = WEEKLY_CRON,
) -> list[Any]:
    """The deployments `serve` runs, with their schedules and parameters."""
    return [
        monthly.to_deployment(
            name="monthly-landscape",
            schedules=[Cron(monthly_cron, timezone="UTC")],
            parameters=monthly_params or {},
            description="Collect, classify and draft the landscape report for the month that just ended.",
            tags=["panorama", "monthly"],
        ),
        breakthrough.to_deployment(
            name="weekly-breakthrough-check",
            schedules=[Cron(weekly_cron, timezone="UTC")],
            parameters=weekly_params or {},
            description="Flag major releases of watched items and papers close to the landscape; "
            "add them to the current month's draft.",
            tags=["panorama", "weekly"],
        ),
    ]


def serve_all(**kwargs: Any) -> None:
    """Serve both deployments from this process until interrupted."""
    serve(*build_deployments(**kwargs), pause_on_shutdown=False)
