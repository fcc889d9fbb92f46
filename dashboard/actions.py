"""What the Review page does besides reading: record a decision, publish a month.

A decision is written to the review inbox first (never blocked by the lock), then drained
into the warehouse at once if no run holds the lock; otherwise the run's next write drains it.
"""

from __future__ import annotations

import logging

import duckdb

from dashboard import components as ui
from dashboard import data
from landscape import review_inbox
from report.publish import publish

log = logging.getLogger(__name__)


def record_review(item_id: str, decision: str, reviewer: str, category: str | None,
                  note: str | None) -> str:
    """Record one decision; returns 'applied' or 'pending' (and flashes a message)."""
    wh = data.warehouse()
    try:
        review_inbox.submit_decision(item_id, decision, reviewer, category=category,
                                     note=note or None, warehouse=wh.path)
    except ValueError as exc:
        ui.flash("error", f"Decision not recorded: {exc}")
        return "refused"
    applied = review_inbox.drain_now(wh.path)
    data.clear_after_review()
    target = ui.category_label(category)
    if applied:
        ui.flash("success", f"Decision recorded in the warehouse: {item_id} → {target}.")
        return "applied"
    refused = [d for d in review_inbox.rejected_decisions(wh.path) if d.item_id == item_id]
    if refused and not any(d.item_id == item_id for d in review_inbox.pending_decisions(wh.path)):
        ui.flash("error", f"The warehouse refused the decision: {refused[0].error}")
        return "refused"
    ui.flash("info", f"Decision saved ({item_id} → {target}). The warehouse is busy (a run is "
                     "writing): it waits in the review inbox, shown as pending, and the run's "
                     "next write applies it.")
    return "pending"


def publish_month(month: str, reviewer: str) -> tuple[str, str]:
    """Publish a month's draft through `report.publish.publish`; returns (level, message)."""
    wh = data.warehouse()
    review_inbox.drain_now(wh.path, timeout_s=5.0)  # decisions first: they shape the report
    try:
        result = publish(month, reviewer)
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        log.info("publish %s: warehouse busy: %s", month, exc)
        return "warning", ("Warehouse busy: a run is writing it. Publish again when the run "
                           "has finished.")
    except Exception as exc:  # noqa: BLE001 - show the reason (e.g. already published)
        return "error", f"Publishing {month} failed: {exc}"
    finally:
        data.clear_after_publish()
    return "success", f"Published {month} as reviewed by {reviewer}." + (
        f" ({result})" if isinstance(result, str) else "")
