"""`publish(month, reviewer)`: a person freezes a reviewed draft, or corrects a published month.

Publishing rewrites the chosen revision's status block to "published by …" (report/status.py),
writes a `PUBLISHED` marker into the revision folder (reviewer, time, revision, sha256 of every
file), makes the folder read-only, mirrors it to the month's top level and records the
publication and the month's landscape membership in the warehouse. The publish guard
(report/guard.py) refuses while open work would go out unless the reviewer accepts it with a
reason (`accept_open`), which PUBLISHED, the warehouse and the banner keep.

A published month is never published again; it is *corrected*: `supersede=True` with a
`reason` publishes a later revision of it. The earlier revision's folder stays byte for byte
(its PUBLISHED hashes are checked first), the top level now mirrors the new revision, whose
banner carries a 更正 / Correction note with the date and reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow

from landscape.review_inbox import writer_connection
from report.build import MAIN_FILES, _mirror, content_sha, month_state, set_status, sync_month_state
from report.csv_cells import read_rows
from report.feed import write_feed
from report.guard import Blocker, find_blockers, format_blockers
from report.status import MonthState
from report.store import Publication, PublicationEvent, Revision, publication, record_publication
from report.store import revisions as list_revisions
from warehouse import db

DEMO_REVIEWER = "demo"
MARKER = "PUBLISHED"


class PublishError(RuntimeError):
    """The month cannot be published as asked (already published, no draft, tampered)."""


class PublishBlocked(PublishError):
    """Open work blocks publishing; `blockers` lists it (accept it with `accept_open`)."""

    def __init__(self, month: str, blockers: list[Blocker]) -> None:
        self.blockers = blockers
        super().__init__(f"{month} has open work that would be published:\n"
                         f"{format_blockers(blockers)}\n"
                         "finish it, or accept it with --accept-open \"reason\"")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _landscape(folder: Path) -> list[dict[str, Any]]:
    return [{"entity": r["entity"], "item_id": r["item_id"], "category": r["category"],
             "rank": int(r["rank"]) if r["rank"] else None,
             "score": float(r["downloads_90d"] or r["stars"] or 0) or None}
            for r in read_rows(folder / "data" / "landscape.csv")]


def _clean(text: str | None, what: str) -> str:
    # The reviewer's name is printed in the report: keep it to plain characters.
    clean = re.sub(r"[^\w .@-]", "", text or "", flags=re.UNICODE).strip()
    if not clean:
        raise PublishError(f"a {what} is required")
    return clean


def _files(folder: Path) -> list[Path]:
    """The files a PUBLISHED marker covers: all but the marker itself and REVISION.json."""
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and "revisions" not in p.relative_to(folder).parts
                  and p.name not in (MARKER, "REVISION.json"))


def verify_published(folder: Path) -> list[str]:
    """Files of a published folder whose bytes differ from its PUBLISHED marker (or are
    missing); an empty list means the folder is exactly what was published."""
    marker = json.loads((folder / MARKER).read_text("utf-8"))
    bad = [name for name, sha in marker["files"].items()
           if not (folder / name).is_file() or _sha(folder / name) != sha]
    extra = {str(p.relative_to(folder)) for p in _files(folder)} - set(marker["files"])
    return sorted(bad + list(extra))


def _choose(month: str, revs: list[Revision], revision: int | None,
            current: Publication | None) -> Revision:
    if not revs:
        raise PublishError(f"{month} has no draft; run `panorama report {month}` first")
    rev = next((r for r in revs if r.revision == revision), None) if revision else revs[-1]
    if rev is None:
        raise PublishError(f"{month} has no revision r{revision}")
    if current is not None and rev.revision <= current.revision:
        raise PublishError(f"r{rev.revision} is not later than the published r{current.revision};"
                           f" render a corrected draft first (`panorama report {month}`)")
    return rev


def _check_request(month: str, current: Publication | None, supersede: bool,
                   reason: str | None) -> None:
    if current is not None and not supersede:
        raise PublishError(
            f"{month} was already published (r{current.revision} by {current.reviewer} at "
            f"{current.published_at:%Y-%m-%d}); a published month is immutable: publish a "
            f"correction with --supersede --reason \"…\"")
    if current is None and supersede:
        raise PublishError(f"{month} is not published yet: there is nothing to supersede")
    if supersede and not (reason or "").strip():
        raise PublishError("a correction needs a --reason, which the report prints")


def _freeze(folder: Path, event: PublicationEvent, month_dir: Path) -> None:
    """Write the marker into the revision folder, make it read-only, mirror it to the top."""
    marker = {"month": event.month, "revision": event.revision, "kind": event.kind,
              "reviewer": event.reviewer, "demo": event.demo,
              "published_at": event.published_at.isoformat(),
              "content_sha256": event.content_sha256, "supersedes": event.supersedes,
              "reason": event.reason, "accept_reason": event.accept_reason,
              "accepted_open": event.accepted_open,
              "files": {str(p.relative_to(folder)): _sha(p) for p in _files(folder)}}
    db.atomic_write_text(folder / MARKER, json.dumps(marker, indent=2, ensure_ascii=False) + "\n")
    _mirror(folder, month_dir)
    for path in [*_files(folder), folder / MARKER, *_files(month_dir), month_dir / MARKER]:
        os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def publish(
    month: str, reviewer: str, *, revision: int | None = None, accept_open: str | None = None,
    supersede: bool = False, reason: str | None = None, demo: bool = False,
    now: datetime | None = None,
) -> Publication:
    """Publish `month` at `revision` (default: its latest revision) as reviewed by `reviewer`.

    Args:
        accept_open: the reviewer's reason for publishing despite the guard's blockers.
        supersede: correct an already published month with a later revision (needs `reason`).
        reason: why the correction is published (printed in the report's correction note).
        demo: published automatically by `panorama demo`, said so in PUBLISHED and the banner.
    Raises:
        PublishBlocked: open work blocks it and `accept_open` was not given.
        PublishError: anything else that makes the request impossible.
    """
    name = _clean(reviewer, "reviewer name")
    now = now or datetime.now(UTC)
    month_dir = db.reports_dir() / month
    with writer_connection() as con:
        current = publication(con, month)
        _check_request(month, current, supersede, reason)
        rev = _choose(month, list_revisions(con, month), revision, current)
        folder = db.reports_dir() / rev.path
        files = {str(p.relative_to(folder)): p.read_text("utf-8")
                 for p in folder.rglob("*") if p.is_file() and p.suffix in (".md", ".csv")}
        if content_sha(files) != rev.content_sha256:
            raise PublishError(f"{folder} changed since it was rendered; re-render first")
        if current is not None:
            old = db.reports_dir() / month / "revisions" / f"r{current.revision}"
            if (old / MARKER).exists() and (tampered := verify_published(old)):
                raise PublishError(f"the published r{current.revision} was modified "
                                   f"({', '.join(tampered[:5])}); restore it first")
        blockers = find_blockers(con, month, folder)
        if blockers and not (accept_open or "").strip():
            raise PublishBlocked(month, blockers)
        event = PublicationEvent(
            month, rev.revision, "correction" if current else "publish", name, now,
            rev.content_sha256, current.revision if current else None,
            reason.strip() if reason else None,
            accept_open.strip() if blockers and accept_open else None,
            [b.as_dict() for b in blockers] or None, demo)
        # Files first, then the warehouse: a crash in between leaves a folder that says
        # published while the warehouse does not, and publishing again repairs it.
        before = month_state(con, month, rev.revision).events
        set_status(folder, MonthState(month, rev.revision, (*before, event)))
        _freeze(folder, event, month_dir)
        record_publication(con, event, _landscape(folder))
        sync_month_state(con, month)
        write_feed(con)
    return event.publication


def publish_demo(month: str, *, now: datetime | None = None) -> Publication:
    """What `panorama demo` does to its earlier months: publish them as reviewer "demo",
    accepting whatever is open (a demo has nobody to review it), marked as a demo. A month
    the demo published before (a second `panorama demo`) keeps that publication."""
    with db.connect(read_only=True) as con:
        existing = publication(con, month)
    if existing is not None:
        return existing
    return publish(month, DEMO_REVIEWER, demo=True, now=now,
                   accept_open="demo: published automatically, nobody reviewed it")


@flow(name="publish")
def publish_flow(month: str, reviewer: str, revision: int | None = None,
                 accept_open: str | None = None) -> dict[str, Any]:
    pub = publish(month, reviewer, revision=revision, accept_open=accept_open)
    return {"month": pub.month, "revision": pub.revision, "reviewer": pub.reviewer,
            "published_at": pub.published_at.isoformat()}


__all__ = ["MAIN_FILES", "PublishBlocked", "PublishError", "publish", "publish_demo",
           "publish_flow", "verify_published"]
