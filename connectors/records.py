"""The typed records connectors yield, and the check every record passes at the boundary.

A parser builds plain dicts from whatever a source sent; `checked` then coerces each one to its
declared shape (text, a list of text, a UTC datetime, a number, a flag) or rejects it with a
clear, per-record message. A rejected record becomes one ``skipped`` record carrying the
error and a short copy of what was rejected: it costs that record, never its neighbours, its
source or the month (and the raw response it came from is archived like any other).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Literal, NotRequired, TypedDict

from core.months import Month

INT32 = (-(2**31), 2**31 - 1)
RAW_LIMIT = 2000  # characters of a rejected record kept as evidence


class _Provenance(TypedDict):
    source: str
    source_url: str
    fetched_at: datetime


class ItemRecord(_Provenance):
    type: Literal["item"]
    item_id: str
    kind: str
    name: str
    title: str | None
    description: str | None
    url: str | None
    homepage: str | None
    repository: str | None
    keywords: list[str] | None
    categories: list[str] | None
    language: str | None
    license: str | None
    created_at: datetime | None
    updated_at: datetime | None
    archived: bool | None
    discovered_via: str | None


class ObservationRecord(_Provenance):
    type: Literal["observation"]
    item_id: str
    metric: str
    observed_at: datetime
    period: str
    value: float


class ReleaseRecord(_Provenance):
    type: Literal["release"]
    release_id: str
    item_id: str
    version: str
    name: str | None
    published_at: datetime | None
    prerelease: bool | None
    yanked: bool | None
    url: str | None
    notes: str | None


class PaperRecord(_Provenance):
    type: Literal["paper"]
    paper_id: str
    arxiv_id: str
    latest_version: int
    title: str
    abstract: str | None
    authors: list[str] | None
    primary_category: str | None
    categories: list[str] | None
    published_at: datetime | None
    updated_at: datetime | None
    abs_url: str | None
    pdf_url: str | None
    doi: str | None
    journal_ref: str | None
    comment: str | None
    matched_query: str | None


class PostRecord(_Provenance):
    type: Literal["post"]
    post_id: str
    feed_url: str
    feed_title: str | None
    entry_id: str | None
    title: str | None
    link: str | None
    author: str | None
    published_at: datetime | None
    summary: str | None


class LinkRecord(_Provenance):
    type: Literal["link"]
    from_id: str
    to_id: str
    relation: str


class ErrorRecord(_Provenance):
    type: Literal["error", "warning"]
    url: str
    item_id: str | None
    status: int | None
    error: str
    message: str


class UnchangedRecord(_Provenance):
    type: Literal["unchanged"]
    url: str


class SkippedRecord(_Provenance):
    """A record the boundary check rejected: what it was, why, and a short copy of it."""

    type: Literal["skipped"]
    item_id: str | None
    record_type: str
    error: str
    raw: str
    url: NotRequired[str]


Record = (ItemRecord | ObservationRecord | ReleaseRecord | PaperRecord | PostRecord
          | LinkRecord | ErrorRecord | UnchangedRecord | SkippedRecord)
DATA_TYPES = ("item", "observation", "release", "paper", "post", "link")


class RecordError(ValueError):
    """A record that cannot be coerced to its declared shape; the message names the field."""


# -- field coercions ------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.replace("\x00", "")  # NUL is never meaningful in source text
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"expected text, got {type(value).__name__}")


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list of text, got {type(value).__name__}")
    return [_text(v) for v in value if v is not None]


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            return _when(datetime.fromisoformat(text))
        except ValueError:
            pass
    raise TypeError(f"expected a date-time, got {type(value).__name__} {str(value)[:40]!r}")


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {value!r}")
    return number


def _int32(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    number = int(value)
    if not INT32[0] <= number <= INT32[1]:
        raise ValueError(f"integer {number} out of range")
    return number


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1) and isinstance(value, int):
        return bool(value)
    raise TypeError(f"expected true/false, got {type(value).__name__}")


def _month(value: Any) -> str:
    return Month.parse(value)


Coerce = Callable[[Any], Any]
# field -> (coercion, required). Required text must also be non-empty.
_PROVENANCE: dict[str, tuple[Coerce, bool]] = {
    "source": (_text, True), "source_url": (_text, False), "fetched_at": (_when, True)}
_S, _SQ, _L, _DQ = (_text, True), (_text, False), (_texts, False), (_when, False)
SHAPES: dict[str, dict[str, tuple[Coerce, bool]]] = {
    "item": {"item_id": _S, "kind": _S, "name": _S, "title": _SQ, "description": _SQ,
             "url": _SQ, "homepage": _SQ, "repository": _SQ, "keywords": _L,
             "categories": _L, "language": _SQ, "license": _SQ, "created_at": _DQ,
             "updated_at": _DQ, "archived": (_flag, False), "discovered_via": _SQ},
    "observation": {"item_id": _S, "metric": _S, "observed_at": (_when, True),
                    "period": (_month, True), "value": (_number, True)},
    "release": {"release_id": _S, "item_id": _S, "version": _S, "name": _SQ,
                "published_at": _DQ, "prerelease": (_flag, False), "yanked": (_flag, False),
                "url": _SQ, "notes": _SQ},
    "paper": {"paper_id": _S, "arxiv_id": _S, "latest_version": (_int32, True), "title": _S,
              "abstract": _SQ, "authors": _L, "primary_category": _SQ, "categories": _L,
              "published_at": _DQ, "updated_at": _DQ, "abs_url": _SQ, "pdf_url": _SQ,
              "doi": _SQ, "journal_ref": _SQ, "comment": _SQ, "matched_query": _SQ},
    "post": {"post_id": _S, "feed_url": _S, "feed_title": _SQ, "entry_id": _SQ, "title": _SQ,
             "link": _SQ, "author": _SQ, "published_at": _DQ, "summary": _SQ},
    "link": {"from_id": _S, "to_id": _S, "relation": _S},
}


def natural_id(record: Mapping[str, Any]) -> str | None:
    """The id a record is about (item, paper, post, release, link source), if it has one."""
    for key in ("item_id", "paper_id", "post_id", "release_id", "from_id"):
        value = record.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def check_record(record: Mapping[str, Any]) -> Record:
    """Coerce one data record to its declared shape.

    Records that are not data (error, warning, unchanged, skipped) pass through unchanged.

    Raises:
        RecordError: an unknown type, a missing required field, or a field of the wrong type;
            the message names the record and the field.
    """
    kind = record.get("type") if isinstance(record, Mapping) else None
    if kind in ("error", "warning", "unchanged", "skipped"):
        return record  # type: ignore[return-value]
    shape = SHAPES.get(kind) if isinstance(kind, str) else None
    if shape is None:
        raise RecordError(f"unknown record type {kind!r}")
    out: dict[str, Any] = {"type": kind}
    who = natural_id(record) or "?"
    for name, (coerce, required) in {**shape, **_PROVENANCE}.items():
        value = record.get(name)
        if value is None or (required and value == ""):
            if required:
                raise RecordError(f"{kind} {who}: required field {name!r} is missing")
            out[name] = None
            continue
        try:
            out[name] = coerce(value)
        except (TypeError, ValueError, OverflowError) as exc:
            raise RecordError(f"{kind} {who}: field {name!r}: {exc}") from None
    return out  # type: ignore[return-value]


def _raw(record: Any) -> str:
    try:
        text = json.dumps(record, default=str, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(record)
    return text[:RAW_LIMIT]


def skipped(record: Any, error: BaseException, source: str) -> SkippedRecord:
    """The ``skipped`` record standing for a rejected `record`."""
    data = record if isinstance(record, Mapping) else {}
    fetched = data.get("fetched_at")
    url = data.get("source_url") if isinstance(data.get("source_url"), str) else ""
    return {"type": "skipped", "source": source, "item_id": natural_id(data),
            "record_type": str(data.get("type") or "?")[:40], "error": str(error)[:500],
            "raw": _raw(record), "source_url": url or "",
            "fetched_at": fetched if isinstance(fetched, datetime) else datetime.now(UTC)}


def checked(records: Iterable[Any], source: str) -> Iterator[Record]:
    """Every record coerced by `check_record`; a rejected one becomes a `skipped` record."""
    for record in records:
        try:
            yield check_record(record)
        except RecordError as exc:
            yield skipped(record, exc, source)


def boundary(source: str) -> Callable[[Callable[..., Iterable[Any]]], Callable[..., Iterator[Record]]]:
    """Decorate a connector's `fetch_*` generator so everything it yields is `checked`."""

    def wrap(fetch: Callable[..., Iterable[Any]]) -> Callable[..., Iterator[Record]]:
        @functools.wraps(fetch)
        def checked_fetch(*args: Any, **kwargs: Any) -> Iterator[Record]:
            return checked(fetch(*args, **kwargs), source)

        return checked_fetch

    return wrap
