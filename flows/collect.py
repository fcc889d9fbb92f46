"""The `collect` flow: one fetch task per source, then one load per source.

Fetch tasks touch only the network (or a replay folder) and return plain data, so they can
run on any task runner, Dask workers included; loading happens in the flow's own process,
the one process that writes the warehouse. Each source loads in its own transaction: a source
that fails is recorded as failed with its error and the others still land, and a record the
connector boundary rejected costs only itself (it is kept in `skipped_records`).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from connectors import SOURCES
from connectors.errors import FetchTimeout, RateLimited, ServerError
from connectors.records import DATA_TYPES, natural_id
from connectors.watchlist import load_watchlist
from flows.runs import run_attempt
from flows.sources import FetchPlan, SourceFetch, run_fetcher
from landscape.project_fetch import RefetchList, refetch_list
from landscape.taxonomy import load_taxonomy
from warehouse import db
from warehouse.load import mark_watched, save_exchanges, save_records, save_skipped
from warehouse.state import load_validators, save_validators
from warehouse.transaction import transaction
from warehouse.views import ensure_views

log = logging.getLogger(__name__)

# Errors worth retrying the whole source for: the HTTP layer already retried each request,
# so these mean the service was down for a while. A rate limit is not one of them: the HTTP
# layer stopped the host for the run on purpose.
TRANSIENT = (ServerError, FetchTimeout)


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
    skipped: int = 0  # records the connector boundary rejected (in `skipped_records`)


def _retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry condition: retry the source only on transient failures."""
    try:
        state.result()
    except RateLimited:
        return False
    except TRANSIENT:
        return True
    except Exception:  # noqa: BLE001 - anything else fails the same way again
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
    plan: FetchPlan,
    validators: dict[str, tuple[str | None, str | None]],
    record_dir: str | None = None,
    watchlist_path: str | None = None,
) -> SourceFetch:
    """Fetch one source for a month; keeps whatever was collected before an error."""
    logger = get_run_logger()
    result = SourceFetch(source=source, started_at=datetime.now(UTC))
    try:
        run_fetcher(source, plan, result, validators, record_dir, watchlist_path)
    except RateLimited as exc:
        result.fatal = f"{type(exc).__name__}: {exc}"
    except TRANSIENT as exc:
        if not result.records:
            raise  # nothing collected yet: let Prefect retry the source
        result.fatal = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - a source never sinks the run
        result.fatal = f"{type(exc).__name__}: {exc}"
    result.finished_at = datetime.now(UTC)
    if result.fatal:
        logger.warning("%s stopped: %s (%d records kept)", source, result.fatal, len(result.records))
    logger.info(
        "%s: %d records, %d skipped, %d requests (%d unchanged), %d item errors", source,
        len(result.records), len(result.skipped), result.requests, result.not_modified,
        len(result.errors),
    )
    return result


def _status_of(fetch: SourceFetch, data_records: int, seen: int) -> str:
    """ok / partial / failed / unchanged — four different things, never folded into zero."""
    troubled = bool(fetch.fatal or fetch.errors or fetch.skipped or fetch.stopped_hosts)
    if troubled and data_records == 0:
        return "failed"  # everything it asked for failed: unknown, not "nothing new"
    if troubled:
        return "partial"
    if seen == 0 and fetch.requests > 0 and fetch.not_modified == fetch.requests:
        return "unchanged"
    return "ok"


def _messages(fetch: SourceFetch) -> list[str]:
    """Why a source is not `ok`: stopped hosts first (the reason behind the rest)."""
    out = [f"stopped {line}" for line in fetch.stopped_hosts]
    out += [fetch.fatal] if fetch.fatal and not any(fetch.fatal[:60] in m for m in out) else []
    if fetch.skipped:
        out.append(f"{len(fetch.skipped)} record(s) skipped: {fetch.skipped[0]['error']}")
    return out + fetch.errors


def load_source(fetch: SourceFetch, run_id: str, month: str) -> SourceOutcome:
    """Write one source's records, skipped records, raw-response index, validators and status
    in one transaction. Should that fail, the source is recorded as failed (its raw-response
    index still saved) and the other sources go on."""
    records = [r for r in fetch.records if r["type"] in DATA_TYPES]
    seen = len({natural_id(r) for r in records if r["type"] in ("item", "paper", "post")})
    status = _status_of(fetch, len(records), seen)
    messages = _messages(fetch)
    try:
        with db.connect() as con, transaction(con):
            counts = save_records(con, records, run_id=run_id, month=month)
            save_skipped(con, run_id, fetch.source, fetch.skipped)
            save_exchanges(con, run_id, fetch.exchanges)
            if status != "failed":
                # Validators only advance after a successful load (else a 304 would hide data).
                save_validators(con, fetch.new_validators)
            outcome = _outcome(fetch, status, seen, counts, messages)
            _save_status(con, run_id, fetch, outcome)
    except Exception as exc:  # noqa: BLE001 - one source's load never sinks the others
        log.exception("loading %s failed", fetch.source)
        error = f"load failed: {type(exc).__name__}: {str(exc)[:300]}"
        outcome = _outcome(fetch, "failed", seen, None, [error, *messages])
        with db.connect() as con, transaction(con):
            save_exchanges(con, run_id, fetch.exchanges)
            _save_status(con, run_id, fetch, outcome)
    return outcome


def _outcome(fetch: SourceFetch, status: str, seen: int, counts: Any,
             messages: list[str]) -> SourceOutcome:
    failed = status == "failed" or counts is None
    return SourceOutcome(
        source=fetch.source, status=status,
        items_seen=None if failed else seen,
        items_new=None if failed else counts.new,
        items_updated=None if failed else counts.updated,
        observations=None if failed else counts.observations,
        requests=fetch.requests, not_modified=fetch.not_modified, errors=len(messages),
        error="; ".join(messages[:5])[:2000] or None, skipped=len(fetch.skipped))


def _save_status(con: Any, run_id: str, fetch: SourceFetch, o: SourceOutcome) -> None:
    con.execute(
        "INSERT OR REPLACE INTO source_status VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [run_id, o.source, o.status, o.items_seen, o.items_new, o.items_updated,
         o.observations, o.requests, o.not_modified, o.errors, o.error, fetch.started_at,
         fetch.finished_at])


def run_status(outcomes: list[SourceOutcome]) -> str:
    """The attempt's status from its sources' outcomes."""
    if outcomes and all(o.status == "failed" for o in outcomes):
        return "failed"
    if any(o.status in ("failed", "partial") for o in outcomes):
        return "completed_with_failures"
    return "completed"


def shown_items() -> RefetchList:
    """What the report shows beyond the watchlist, fetched again this month (writable, as
    every other open of this process: DuckDB refuses a second configuration of one file)."""
    with db.connect() as con:
        return refetch_list(con)


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
        run_id: the attempt these rows belong to; None = a collect attempt of its own.
        sources: subset of SOURCES to collect (default: all).
        replay_dir: serve recorded responses from this folder instead of the network.
        record_dir: record every exchange into this folder.
        watchlist_path: alternative watchlist file.
        light: watched items only, no discovery (the weekly breakthrough check).

    Returns:
        One outcome per source, in SOURCES order.
    """
    if run_id is None:
        with run_attempt(month, "collect", replay_dir) as attempt:
            outcomes = collect(month, attempt.run_id, sources, replay_dir, record_dir,
                               watchlist_path, light)
            attempt.status = run_status(outcomes)
        return outcomes
    logger = get_run_logger()
    chosen = [s for s in SOURCES if not sources or s in sources]
    shown = RefetchList() if light else shown_items()
    plan = FetchPlan(month=month, light=light, replay_dir=replay_dir,
                     refetch_crates=shown.crates, refetch_repos=shown.repos)
    validators = stored_validators()
    futures = {s: fetch_source.submit(s, plan, validators, record_dir, watchlist_path)
               for s in chosen}
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

    wl = load_watchlist(watchlist_path, categories=load_taxonomy().ids)
    entries = [(f"crate:{c.lower()}", it.name, it.category) for it in wl.items for c in it.crates]
    entries += [(f"repo:{r.lower()}", it.name, it.category) for it in wl.items for r in it.repos]
    with db.connect() as con:
        mark_watched(con, entries)
        ensure_views(con)
