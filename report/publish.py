"""`publish(month, reviewer)`: a person freezes a reviewed draft; and the month-to-month diff.

Publishing copies the chosen revision to the month's top level with the status banner changed
to "published by …", writes a `PUBLISHED` marker (reviewer, time, revision, sha256 of every
file), makes the files read-only and records the publication and the month's landscape
membership in the warehouse. A month is published once: publishing it again raises, and later
reruns only add draft revisions (flows/report.py).
"""

from __future__ import annotations

import csv
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
from report.build import MAIN_FILES, _mirror, content_sha
from report.diff import LandscapeDiff, diff_rows, previous_published, published_rows
from report.store import Publication, publication, record_publication, revisions
from warehouse import db

_STATUS = re.compile(r"<!-- status -->\n.*?\n<!-- /status -->", re.S)
BANNER = {"zh": "已发布：{date}，审核人 {reviewer}（修订 r{rev}）",
          "en": "Published {date}, reviewed by {reviewer} (revision r{rev})"}


class PublishError(RuntimeError):
    """The month cannot be published as asked (already published, no draft, tampered)."""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _landscape(folder: Path) -> list[dict[str, Any]]:
    with (folder / "data" / "landscape.csv").open(newline="", encoding="utf-8") as fh:
        return [{"entity": r["entity"], "item_id": r["item_id"], "category": r["category"],
                 "rank": int(r["rank"]) if r["rank"] else None,
                 "score": float(r["downloads_90d"] or r["stars"] or 0) or None}
                for r in csv.DictReader(fh)]


def _banner_text(reviewer: str) -> str:
    # The reviewer's name is printed in the report: keep it to plain characters.
    clean = re.sub(r"[^\w .@-]", "", reviewer, flags=re.UNICODE).strip()
    if not clean:
        raise PublishError("a reviewer name is required")
    return clean


def publish(
    month: str, reviewer: str, *, revision: int | None = None, now: datetime | None = None
) -> Publication:
    """Freeze `month` at `revision` (default: its latest revision) as reviewed by `reviewer`."""
    name = _banner_text(reviewer)
    now = now or datetime.now(UTC)
    month_dir = db.reports_dir() / month
    with writer_connection() as con:
        existing = publication(con, month)
        if existing is not None:
            raise PublishError(f"{month} was already published (r{existing.revision} by "
                               f"{existing.reviewer} at {existing.published_at:%Y-%m-%d}); "
                               "a published month is immutable")
        revs = revisions(con, month)
        if not revs:
            raise PublishError(f"{month} has no draft; run `panorama report {month}` first")
        rev = next((r for r in revs if r.revision == revision), None) if revision else revs[-1]
        if rev is None:
            raise PublishError(f"{month} has no revision r{revision}")
        folder = db.reports_dir() / rev.path

        files = {str(p.relative_to(folder)): p.read_text("utf-8")
                 for p in folder.rglob("*") if p.is_file() and p.suffix in (".md", ".csv")}
        if content_sha(files) != rev.content_sha256:
            raise PublishError(f"{folder} changed since it was rendered; re-render first")
        _mirror(folder, month_dir)
        for lang in ("zh", "en"):
            path = month_dir / f"landscape.{lang}.md"
            text = BANNER[lang].format(date=now.strftime("%Y-%m-%d"), reviewer=name,
                                       rev=rev.revision)
            body = _STATUS.sub(f"<!-- status -->\n> **{text}**\n<!-- /status -->",
                               path.read_text("utf-8"), count=1)
            db.atomic_write_text(path, body)
        frozen = sorted(p for p in month_dir.rglob("*")
                        if p.is_file() and "revisions" not in p.relative_to(month_dir).parts
                        and p.name not in ("REVISION.json", "PUBLISHED"))
        marker = {"month": month, "revision": rev.revision, "reviewer": name,
                  "published_at": now.isoformat(), "content_sha256": rev.content_sha256,
                  "files": {str(p.relative_to(month_dir)): _sha(p) for p in frozen}}
        db.atomic_write_text(month_dir / "PUBLISHED", json.dumps(marker, indent=2) + "\n")
        pub = Publication(month, rev.revision, name, now, rev.content_sha256)
        record_publication(con, pub, _landscape(folder))
    for path in [*frozen, month_dir / "PUBLISHED"]:
        os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return pub


def diff_month(month: str, against: str | None = None) -> LandscapeDiff:
    """What entered, left, moved or changed category in `month` since the previous published
    month (or `against`). The month's own side is its publication, else its latest draft."""
    with db.connect() as con:
        against = against or previous_published(con, month)
        base = published_rows(con, against) if against else []
        if publication(con, month) is not None:
            current = published_rows(con, month)
        else:
            revs = revisions(con, month)
            if not revs:
                raise PublishError(f"{month} has no report; run `panorama report {month}`")
            current = _landscape(db.reports_dir() / revs[-1].path)
    return diff_rows(month, against, base, current)


def format_diff(diff: LandscapeDiff) -> str:
    """Plain-text diff for the CLI."""
    if diff.against is None:
        return f"{diff.month}: no earlier published month to compare with"
    lines = [f"{diff.month} vs {diff.against}"]
    for kind in ("entered", "left", "recategorised", "moved"):
        items = diff.of_kind(kind)
        lines.append(f"{kind}: {len(items)}")
        for c in items:
            lines.append(f"  {c.entity:30} {c.old_category or '-':>20} -> {c.category or '-':20}"
                         f" rank {c.old_rank or '-'} -> {c.rank or '-'}")
    return "\n".join(lines)


@flow(name="publish")
def publish_flow(month: str, reviewer: str, revision: int | None = None) -> dict[str, Any]:
    pub = publish(month, reviewer, revision=revision)
    return {"month": pub.month, "revision": pub.revision, "reviewer": pub.reviewer,
            "published_at": pub.published_at.isoformat()}


__all__ = ["MAIN_FILES", "PublishError", "diff_month", "format_diff", "publish", "publish_flow"]
