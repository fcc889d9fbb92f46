"""The `collect` flow: one fetch task per source, then one load per source.

Fetch tasks touch only the network (or a replay folder) and return plain data, so they can
run on any task runner, Dask workers included; loading happens in the flow's own process,
the one process that writes the warehouse. A source that fails is recorded as failed with
its error and the others still land: the flow completes and says so.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from connectors.http import ConnectorError, FetchTimeout, RateLimited, ServerError
from connectors.watchlist import load_watchlist
from flows.sources import SOURCES, SourceFetch, run_fetcher
from warehouse import db
from warehouse.load import mark_watched, save_exchanges, save_records
from warehouse.state import load_validators, save_validators
from warehouse.transaction import transaction
from warehouse.views import ensure_views

# Errors worth retrying the whole source for: the HTTP layer already retried each request,
# so these mean the service was down for a while. Anything else (401, 404, a malformed body,
# a missing replay file) would fail the same way again.
TRANSIENT = (RateLimited, ServerError, FetchTimeout)


@dataclass
class SourceOutcome:
    """The per-source line of a run's summary (also stored in `source_status`)."""

    source: str
    status: str  # ok | partial | failed | unchanged
    items_seen: int | None
    items_new: int | None
    items_updated: int | None
    observations: int | None
    requests: int
    not_modified: int
    errors: int
    error: str | None


def _retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry condition: retry the source only on transient failures."""
    try:
        state.result()
    except TRANSIENT:
        return True
    except Exception:
        return False
    return False


@task(
    name="fetch-source",
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=30),
    retry_jitter_factor=0.5,
    retry_condition_fn=_retry_transient,
    cache_policy=NO_CACHE,
)
def fetch_source(
    source: str,
    month: str,
    validators: dict[str, tuple[str | None, str | None]],
    replay_dir: str | None = None,
    record_dir: str | None = None,
    watchlist_path: str | None = None,
    light: bool = False,
) -> SourceFetch:
    """Fetch one source for a month; keeps whatever was collected before an error."""
    logger = get_run_logger()
    result = SourceFetch(source=source, started_at=datetime.now(UTC))
    try:
        run_fetcher(source, month, result, validators, replay_dir, record_dir, watchlist_path,
                    light)
    except TRANSIENT as exc:
        if not result.records:
            raise  # nothing collected yet: let Prefect retry the source
        result.fatal = f"{type(exc).__name__}: {exc}"
    except (ConnectorError, Exception) as exc:  # noqa: BLE001 - a source never sinks the run
        result.fatal = f"{type(exc).__name__}: {exc}"
    result.finished_at = datetime.now(UTC)
    if result.fatal:
        logger.warning("%s stopped: %s (%d records kept)", source, result.fatal, len(result.records))
    logger.info(
        "%s: %d records, %d requests (%d unchanged), %d item errors",
        source, len(result.records), result.requests, result.not_modified, len(result.errors),
    )
    return result


def _status_of(fetch: SourceFetch, data_records: int, seen: int) -> str:
    """ok / partial / failed / unchanged — four different things, never folded into zero."""
    if (fetch.fatal or fetch.errors) and data_records == 0:
        return "failed"  # everything it asked for failed: unknown, not "nothing new"
    if fetch.fatal or fetch.errors:
        return "partial"
    if seen == 0 and fetch.requests > 0 and fetch.not_modified == fetch.requests:
        return "unchanged"
    return "ok"


def load_source(fetch: SourceFetch, run_id: str, month: str) -> SourceOutcome:
    """Write one source's records, raw-response index, validators and status in one transaction."""

    records = [r for r in fetch.records
               if r.get("type") not in ("error", "warning", "unchanged")]
    seen = len(
        {r.get("item_id") or r.get("paper_id") or r.get("post_id") for r in records
         if r["type"] in ("item", "paper", "post")}
    )
    status = _status_of(fetch, len(records), seen)
    messages = ([fetch.fatal] if fetch.fatal else []) + fetch.errors
    with db.connect() as con:
        with transaction(con):
            counts = save_records(con, records, run_id=run_id, month=month)
            save_exchanges(con, run_id, fetch.exchanges)
            if status != "failed":
                # Validators only advance after a successful load (else a 304 would hide data).
                save_validators(con, fetch.new_validators)
            failed = status == "failed"
            outcome = SourceOutcome(
                source=fetch.source,
                status=status,
                items_seen=None if failed else seen,
                items_new=None if failed else counts.new,
                items_updated=None if failed else counts.updated,
                observations=None if failed else counts.observations,
                requests=fetch.requests,
                not_modified=fetch.not_modified,
                errors=len(messages),
                error="; ".join(messages[:5])[:2000] or None,
            )
            con.execute(
                "INSERT OR REPLACE INTO source_status VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [run_id, outcome.source, outcome.status, outcome.items_seen, outcome.items_new,
                 outcome.items_updated, outcome.observations, outcome.requests,
                 outcome.not_modified, outcome.errors, outcome.error, fetch.started_at,
                 fetch.finished_at],
            )
    return outcome


def start_run(run_id: str, month: str, flow_name: str, replay_dir: str | None) -> None:
    with db.connect() as con:
        con.execute(
            "INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,NULL,'running',NULL)",
            [run_id, month, flow_name, "replay" if replay_dir else "live", replay_dir,
             datetime.now(UTC)],
        )


def finish_run(run_id: str, outcomes: list[SourceOutcome], note: str | None = None) -> str:
    status = (
        "failed" if outcomes and all(o.status == "failed" for o in outcomes)
        else "completed_with_failures" if any(o.status in ("failed", "partial") for o in outcomes)
        else "completed"
    )
    with db.connect() as con:
        con.execute(
            "UPDATE runs SET finished_at = ?, status = ?, note = ? WHERE run_id = ?",
            [datetime.now(UTC), status, note, run_id],
        )
    return status


def stored_validators() -> dict[str, tuple[str | None, str | None]]:
    """The ETag / Last-Modified of every URL fetched before (for conditional requests)."""
    with db.connect() as con:
        return load_validators(con)


@flow(name="collect", log_prints=False)
def collect(
    month: str,
    run_id: str | None = None,
    sources: list[str] | None = None,
    replay_dir: str | None = None,
    record_dir: str | None = None,
    watchlist_path: str | None = None,
    light: bool = False,
) -> list[SourceOutcome]:
    """Collect every source for `month` into the warehouse; one failing source never sinks it.

    Args:
        month: the period the run reports on, 'YYYY-MM'.
        run_id: the run these rows belong to (defaults to the month).
        sources: subset of SOURCES to collect (default: all).
        replay_dir: serve recorded responses from this folder instead of the network.
        record_dir: record every exchange into this folder.
        watchlist_path: alternative watchlist file.
        light: watched items only, no discovery (the weekly breakthrough check).

    Returns:
        One outcome per source, in SOURCES order.
    """
    logger = get_run_logger()
    run_id = run_id or month
    chosen = [s for s in SOURCES if not sources or s in sources]
    validators = stored_validators()
    futures = {
        s: fetch_source.submit(s, month, validators, replay_dir, record_dir, watchlist_path,
                              light)
        for s in chosen
    }
    outcomes: list[SourceOutcome] = []
    for source, future in futures.items():
        fetched = future.result(raise_on_failure=False)
        if isinstance(fetched, BaseException) or not isinstance(fetched, SourceFetch):
            fetched = SourceFetch(source=source, fatal=f"{type(fetched).__name__}: {fetched}")
        outcomes.append(load_source(fetched, run_id, month))
    _mark_watched(watchlist_path)
    create_table_artifact(
        key="ingest-counts",
        table=[dataclasses.asdict(o) for o in outcomes],
        description=f"Per-source counts for run {run_id} ({month})",
    )
    for o in outcomes:
        logger.info("%s: %s", o.source, o.status)
    return outcomes


def _mark_watched(watchlist_path: str | None) -> None:
    """Flag watchlist items (and their landscape entry + category) and refresh the views."""

    wl = load_watchlist(watchlist_path)
    entries = [(f"crate:{c.lower()}", it.name, it.category) for it in wl.items for c in it.crates]
    entries += [(f"repo:{r.lower()}", it.name, it.category) for it in wl.items for r in it.repos]
    with db.connect() as con:
        mark_watched(con, entries)
        ensure_views(con)


def replay_folder_for(month: str, snapshot_root: Path) -> str:
    folder = snapshot_root / month
    if not folder.is_dir():
        raise FileNotFoundError(f"no recorded responses for {month} under {snapshot_root}")
    return str(folder)
