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
from report.guard import Blocker, publish_blockers
from report.publish import PublishBlocked, publish

log = logging.getLogger(__name__)


def record_review(item_id: str, decision: str, reviewer: str, category: str | None,
                  note: str | None, label: str | None = None) -> str:
    """Record one decision; returns 'applied' or 'pending' (and flashes a message)."""
    wh = data.warehouse()
    try:
        review_inbox.submit_decision(item_id, decision, reviewer, category=category,
                                     note=note or None, warehouse=wh.path)
    except ValueError as exc:
        ui.flash("error", ui.t("action.not_recorded", error=exc))
        return "refused"
    applied = review_inbox.drain_now(wh.path)
    data.clear_after_review()
    target = ui.category_name(category)
    label = label or item_id
    if applied:
        ui.flash("success", ui.t("action.recorded", label=label, target=target))
        return "applied"
    refused = [d for d in review_inbox.rejected_decisions(wh.path) if d.item_id == item_id]
    if refused and not any(d.item_id == item_id for d in review_inbox.pending_decisions(wh.path)):
        ui.flash("error", ui.t("action.refused", error=refused[0].error))
        return "refused"
    ui.flash("info", ui.t("action.saved_pending", label=label, target=target))
    return "pending"


def record_reviews(items: list[tuple[str, str | None, str]], decision: str, reviewer: str,
                   category: str | None, note: str | None,
                   notes: dict[str, str] | None = None) -> None:
    """One decision for one or several items (`items`: item id, the category 'accept' keeps —
    the machine's, or for a near-duplicate the category accepted for the item it duplicates —
    and the name to show); `notes` overrides the note per item. Flashes one message for all."""
    outcomes: dict[str, int] = {}
    for item_id, machine, label in items:
        chosen = {"accept": machine, "reassign": category, "out_of_scope": "out_of_scope"}[decision]
        result = record_review(item_id, decision, reviewer, chosen,
                               (notes or {}).get(item_id, note), label)
        outcomes[result] = outcomes.get(result, 0) + 1
    if len(items) > 1:
        said = ", ".join(ui.t(f"action.outcome_{what}", n=n) for what, n in outcomes.items())
        ui.flash("success" if set(outcomes) == {"applied"} else "info",
                 ui.t("action.many", n=len(items), said=said))


def publish_checks(month: str) -> tuple[list[Blocker], int]:
    """What blocks publishing `month` (the publish guard's own list, `report.guard`) and how
    many review decisions still wait for the warehouse (they are applied first)."""
    try:
        blockers = publish_blockers(month)
    except LookupError:
        blockers = []
    except (duckdb.IOException, duckdb.ConnectionException):  # a run writes: ask again later
        blockers = [Blocker("warehouse_busy", 1, (), "the warehouse is busy (a run is writing); "
                            "reload in a moment to see what blocks publishing")]
    return blockers, len(review_inbox.pending_decisions(data.warehouse().path))


def publish_month(month: str, reviewer: str, accept_open: str | None = None) -> tuple[str, str]:
    """Publish a month's draft through `report.publish.publish` (with the reviewer's reason
    when open work is accepted); returns (level, message)."""
    wh = data.warehouse()
    review_inbox.drain_now(wh.path, timeout_s=5.0)  # decisions first: they shape the report
    try:
        result = publish(month, reviewer, accept_open=accept_open or None)
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        log.info("publish %s: warehouse busy: %s", month, exc)
        return "warning", ui.t("action.publish_busy")
    except PublishBlocked as exc:
        return "error", ui.t("action.publish_blocked", n=len(exc.blockers), month=month)
    except Exception as exc:  # noqa: BLE001 - show the reason (e.g. already published)
        return "error", ui.t("action.publish_failed", month=month, error=exc)
    finally:
        data.clear_after_publish()
    return "success", ui.t("action.published", month=month, reviewer=reviewer) + (
        f" ({result})" if isinstance(result, str) else "")
