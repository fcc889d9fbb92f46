"""Cached data access for the pages: Streamlit caching over `dashboard.queries`.

- `@st.cache_resource` holds one `Warehouse` per DuckDB file: not an open connection (a held
  connection would block the flows' writers) but the factory of short read-only connections,
  plus the last good result of every query for when a flow holds the lock.
- `@st.cache_data(ttl=...)` caches each query by (file, file version, arguments); the version
  changes when a writer has written, so new data shows without waiting for the ttl.
- `load(fn, *args)` is what pages call: it returns the result, or the last good one with a
  "warehouse busy" notice, or renders an empty state and stops the page.

Nothing is opened at import time.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from dashboard import components as ui
from dashboard import queries as dq
from dashboard import queries_items as dqi
from dashboard import queries_ops as dqo
from landscape.review import near_duplicates as find_near_duplicates
from warehouse import db
from warehouse.readonly import (
    WarehouseBusy,
    WarehouseMissing,
    read_connection,
    relations,
    warehouse_version,
)

log = logging.getLogger(__name__)
TTL_S = 600  # data changes monthly; the version key catches writes sooner
T = TypeVar("T")


@dataclass
class Warehouse:
    """The DuckDB file the dashboard reads and the last good result of each query."""

    path: str
    last_good: OrderedDict[tuple[Any, ...], Any] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    busy_at: float = 0.0  # monotonic time of the last "busy"; later opens wait less

    def open_timeout(self) -> float:
        """Wait up to 1.5 s for the lock, but only briefly right after finding it busy, so a
        page of several queries does not wait 1.5 s for each while a run writes."""
        return 0.1 if time.monotonic() - self.busy_at < 5.0 else 1.5

    def version(self) -> int:
        return warehouse_version(self.path)

    def remember(self, key: tuple[Any, ...], value: Any) -> None:
        with self.lock:
            self.last_good[key] = value
            self.last_good.move_to_end(key)
            while len(self.last_good) > 512:
                self.last_good.popitem(last=False)

    def recall(self, key: tuple[Any, ...]) -> Any:
        with self.lock:
            return self.last_good.get(key)


@st.cache_resource(show_spinner=False)
def _warehouse(path: str) -> Warehouse:
    return Warehouse(path)


def warehouse() -> Warehouse:
    """The warehouse of this process's configuration ($PANORAMA_DB / $PANORAMA_DATA_DIR)."""
    return _warehouse(str(db.db_path()))


class Unavailable(Exception):
    """Raised by `fetch` when the warehouse is busy and nothing is cached for the query."""


def fetch(fn: Callable[..., T], *args: Any) -> tuple[T, bool]:
    """Call a cached query; returns (result, stale). Raises WarehouseMissing / Unavailable."""
    wh = warehouse()
    key = (fn.__name__, wh.path, args)
    # what a slow query is doing, in the reader's language (shown after 0.5 s only)
    words = f"spinner.{fn.__name__}"
    try:
        with st.spinner(ui.t(words)) if ui.has(words) else contextlib.nullcontext():
            result = fn(wh.path, wh.version(), *args)
    except WarehouseBusy as exc:
        wh.busy_at = time.monotonic()
        cached = wh.recall(key)
        if cached is None:
            raise Unavailable(str(exc)) from exc
        return cached, True
    wh.remember(key, result)
    return result, False


def load(fn: Callable[..., T], *args: Any) -> T:
    """What pages call: the query's result, with the empty/busy states rendered for them."""
    try:
        result, stale = fetch(fn, *args)
    except WarehouseMissing:
        st.info(ui.t("common.no_warehouse", path=warehouse().path))
        st.stop()
    except Unavailable:
        st.warning(ui.t("common.busy_nothing"))
        st.stop()
    if stale and not st.session_state.get("_busy_notice_shown"):
        st.session_state["_busy_notice_shown"] = True
        st.info(ui.t("common.busy_cached"))
    return result


def load_or(default: T, fn: Callable[..., T], *args: Any) -> T:
    """Like `load`, for a secondary part of a page: when the warehouse is busy and nothing is
    cached, show a short note and return `default` instead of stopping the page."""
    try:
        result, stale = fetch(fn, *args)
    except Unavailable:
        st.caption(ui.t("common.busy_part"))
        return default
    except WarehouseMissing:
        return default
    return result


def _read(db_file: str):  # noqa: ANN202 - a context manager of a connection
    return read_connection(db_file, timeout_s=_warehouse(db_file).open_timeout())


def _q(fn: Callable[..., T], db_file: str, *args: Any) -> T:
    with _read(db_file) as con:
        return fn(con, *args)


# Cached queries. `version` is only a cache key; tuples (hashable) carry filter lists.

@st.cache_data(ttl=TTL_S, show_spinner=False)
def overview(db_file: str, version: int) -> dict[str, Any]:
    return _q(dq.overview, db_file)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def months(db_file: str, version: int) -> list[str]:
    return _q(dq.months, db_file)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def metrics(db_file: str, version: int) -> list[str]:
    return _q(dq.metrics, db_file)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def kinds(db_file: str, version: int) -> list[str]:
    return _q(dq.kinds, db_file)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def categories(db_file: str, version: int) -> list[str]:
    return _q(dq.categories, db_file)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def trend_options(db_file: str, version: int) -> dict[str, list[str]]:
    """The Trends page's filter choices, read over one connection (opening one costs tens
    of ms on a large warehouse)."""
    with _read(db_file) as con:
        return {"months": dq.months(con), "metrics": dq.metrics(con), "kinds": dq.kinds(con),
                "categories": dq.categories(con)}


@st.cache_data(ttl=TTL_S, show_spinner=False)
def category_trend(db_file: str, version: int, metric: str, kinds_: tuple[str, ...],
                   categories_: tuple[str, ...]) -> pd.DataFrame:
    return _q(dq.category_trend, db_file, metric, kinds_, categories_)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def category_summary(db_file: str, version: int) -> pd.DataFrame:
    return _q(dqi.category_summary, db_file)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def category_items(db_file: str, version: int, category: str, kinds_: tuple[str, ...],
                   limit: int) -> pd.DataFrame:
    return _q(dqi.category_items, db_file, category, kinds_, limit)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def item_detail(db_file: str, version: int, item_id: str) -> dict[str, Any] | None:
    return _q(dqi.item_detail, db_file, item_id)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def items_by_id(db_file: str, version: int, item_ids: tuple[str, ...]) -> pd.DataFrame:
    return _q(dqi.items_by_id, db_file, item_ids)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def review_queue(db_file: str, version: int, month: str | None, kinds_: tuple[str, ...],
                 reasons: tuple[str, ...], limit: int) -> pd.DataFrame:
    return _q(dqi.review_queue, db_file, month, kinds_, reasons, limit)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def review_counts(db_file: str, version: int) -> pd.DataFrame:
    return _q(dqi.review_counts, db_file)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def near_duplicates(db_file: str, version: int, item_id: str) -> pd.DataFrame:
    """Items still waiting for review whose embedding is almost the item's (the taxonomy's
    `duplicate_above`), most similar first (`landscape.review.near_duplicates`)."""
    cols = ["item_id", "name", "title", "category", "confidence", "review_reason", "similarity"]
    with _read(db_file) as con:
        # no vector of its own, no near-duplicate (and no need to read the whole queue)
        if "item_embeddings" not in relations(con) or not con.execute(
                "SELECT 1 FROM item_embeddings WHERE item_id = ? LIMIT 1", [item_id]).fetchone():
            return pd.DataFrame(columns=cols)
        return pd.DataFrame(find_near_duplicates(con, item_id), columns=cols)


@st.cache_data(ttl=60, show_spinner=False)
def recent_decisions(db_file: str, version: int, limit: int) -> pd.DataFrame:
    return _q(dqi.recent_decisions, db_file, limit)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def report_revisions(db_file: str, version: int) -> pd.DataFrame:
    return _q(dqo.report_revisions, db_file)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def publications(db_file: str, version: int) -> pd.DataFrame:
    return _q(dqo.publications, db_file)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def runs(db_file: str, version: int) -> pd.DataFrame:
    return _q(dqo.runs, db_file)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def source_health(db_file: str, version: int) -> pd.DataFrame:
    return _q(dqo.source_health, db_file)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def carried_forward(db_file: str, version: int) -> pd.DataFrame:
    return _q(dqo.carried_forward, db_file)


# --- files ----------------------------------------------------------------------------------


def report_file(month: str, lang: str, folder: str | None = None) -> Path | None:
    """The Markdown of a month: `reports/YYYY-MM/` (the current draft, or the frozen published
    copy), else the revision folder the warehouse names."""
    root = db.reports_dir()
    for base in [root / month] + ([root / folder] if folder else []):
        path = base / f"landscape.{lang}.md"
        if path.is_file():
            return path
    return None


def report_months() -> list[str]:
    """Months with a rendered report on disk, newest first."""
    root = db.reports_dir()
    return sorted((p.name for p in root.iterdir()
                   if p.is_dir() and any(p.glob("landscape.*.md"))), reverse=True)


# Cached reads of other modules (dashboard.data_projects) that a review decision changes.
_CLEAR_AFTER_REVIEW: list[Any] = []


def clear_after_review_too(fn: T) -> T:
    """Register a cached function of another module for `clear_after_review`."""
    _CLEAR_AFTER_REVIEW.append(fn)
    return fn


def clear_after_review() -> None:
    """Forget the cached reads a review decision changes."""
    for fn in (review_queue, review_counts, recent_decisions, near_duplicates, category_summary,
               category_items, item_detail, items_by_id, categories, trend_options, overview):
        fn.clear()
    for fn in _CLEAR_AFTER_REVIEW:
        fn.clear()


def clear_after_publish() -> None:
    report_revisions.clear()
    publications.clear()
