"""Build a month's report revision: render the month's draft (zh + en), its CSVs, charts and sources.

Layout under `reports/YYYY-MM/` (warehouse.db.reports_dir()):
    revisions/rN/{landscape.zh.md, landscape.en.md, sources.csv, data/*.csv, charts/*.svg}
    landscape.zh.md, landscape.en.md, sources.csv, data/, charts/   the current draft (a copy
        of the latest revision) until the month is published; then the frozen published copy
    REVISION.json   the month's true state: which revision the top level shows, whether it is
        published (by whom, corrected when and why) and which newer draft waits
    PUBLISHED   written by report/publish.py (also inside each published revision folder)

A rerun that renders the same content keeps its revision; new content makes a new revision.
Once a month is published its top level is never rewritten by a render: a rerun only adds
revisions/rN+1, whose status block says it is a revised draft that can only be published as a
correction (report/status.py). A revision's content hash ignores that status block.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from landscape.review_inbox import writer_connection
from report import charts
from report.data import ReportData, build_report_data
from report.files import report_tables, sources_table, to_csv
from report.render import LANGS, render
from report.status import MonthState, neutral, status_lines, with_status
from report.store import (
    Publication,
    PublicationEvent,
    Revision,
    add_revision,
    publication,
    publication_events,
    revisions,
)
from warehouse import db
from warehouse.views import ensure_views

log = logging.getLogger(__name__)
MAIN_FILES = ("landscape.zh.md", "landscape.en.md", "sources.csv")


@dataclass
class ReportResult:
    month: str
    revision: int
    status: str  # 'draft' | 'unchanged-published' | 'draft-after-publication'
    folder: str  # the revision folder
    zh: str  # path of the Markdown a reader should open
    en: str
    content_sha256: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def render_files(data: ReportData) -> dict[str, str]:
    """Every text file of a revision (relative path -> content), charts excepted."""
    files = {f"landscape.{lang}.md": render(data, lang) for lang in LANGS}
    files["sources.csv"] = to_csv(sources_table(data))
    for name, table in report_tables(data).items():
        files[f"data/{name}.csv"] = to_csv(table)
    return files


def content_sha(files: dict[str, str]) -> str:
    """Hash of a revision's text files; the Markdown's status block (its state, not its
    content) is left out, so publishing or correcting a revision does not change it."""
    h = hashlib.sha256()
    for name in sorted(files):
        text = neutral(files[name]) if name.endswith(".md") else files[name]
        h.update(name.encode() + b"\0" + text.encode("utf-8") + b"\0")
    return h.hexdigest()


def latest_month() -> str | None:
    with db.connect(read_only=True) as con:
        row = con.execute("SELECT max(month) FROM runs").fetchone()
    return row[0] if row else None


def _write_tree(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        db.atomic_write_text(folder / name, text)


def _mirror(src: Path, dst: Path) -> None:
    """Copy a revision to the month's top level, file by file atomically; drop stale files."""
    for sub in ("data", "charts"):
        if (dst / sub).exists():
            keep = {p.name for p in (src / sub).iterdir()} if (src / sub).exists() else set()
            for p in (dst / sub).iterdir():
                if p.name not in keep:
                    p.unlink()
    for path in sorted(src.rglob("*")):
        if path.is_file():
            db.atomic_write_bytes(dst / path.relative_to(src), path.read_bytes())


def render_report(month: str | None = None, *, now: datetime | None = None) -> ReportResult:
    """Render the draft of `month` (default: the latest collected month) and record it."""
    month = month or latest_month()
    if not month:
        raise ValueError("no collected month in the warehouse; run `panorama monthly` first")
    with writer_connection() as con:  # pending migrations (report tables) and current view bodies
        ensure_views(con)
    with db.connect(read_only=True) as con:
        data = build_report_data(con, month)
    files = render_files(data)
    sha = content_sha(files)
    month_dir = db.reports_dir() / month
    with db.connect() as con:
        revs = revisions(con, month)
        pub = publication(con, month)
        # A superseded revision is never shown again: the same content comes back as a new one.
        same = next((r for r in revs if r.content_sha256 == sha and r.status != "superseded"),
                    None)
        if same is not None:
            number = same.revision
        elif revs and revs[-1].status == "draft" and pub is None:
            number = revs[-1].revision  # an unreviewed draft is simply replaced
        else:
            number = (revs[-1].revision if revs else 0) + 1
        folder = month_dir / "revisions" / f"r{number}"
        if same is None or not folder.exists():
            if folder.exists():
                shutil.rmtree(folder)
            _write_tree(folder, files)
            charts.build_all(folder)
        status_row = same.status if same else "draft"
        add_revision(con, Revision(month, number, status_row, sha,
                                   str(folder.relative_to(db.reports_dir())), data.run_id,
                                   data.data_as_of, now or datetime.now(UTC)))
        if pub is None:
            _mirror(folder, month_dir)
        sync_month_state(con, month)
    if pub is None:
        status, shown = "draft", month_dir
    else:
        status = "unchanged-published" if pub.content_sha256 == sha else "draft-after-publication"
        shown = month_dir if status == "unchanged-published" else folder
        if status != "unchanged-published":
            log.warning("%s is published (r%s); the new draft is revision r%s in %s",
                        month, pub.revision, number, folder)
    return ReportResult(month, number, status, str(folder), str(shown / "landscape.zh.md"),
                        str(shown / "landscape.en.md"), sha)




def month_state(con: duckdb.DuckDBPyConnection, month: str, revision: int) -> MonthState:
    """The state of one revision of `month`, with the month's publication history."""
    events = tuple(publication_events(con, month))
    pub = publication(con, month)
    if pub is not None and not events:  # published before publication events were kept
        events = (PublicationEvent(pub.month, pub.revision, "publish", pub.reviewer,
                                   pub.published_at, pub.content_sha256),)
    return MonthState(month, revision, events)


def set_status(folder: Path, state: MonthState) -> None:
    """Rewrite the status block of the Markdown files in `folder` for `state`."""
    for lang in LANGS:
        path = folder / f"landscape.{lang}.md"
        lines = status_lines(state, lang)
        if lines is None or not path.exists():
            continue
        text = path.read_text("utf-8")
        new = with_status(text, lines)
        if new != text:
            db.atomic_write_text(path, new)


def _event_json(e: PublicationEvent) -> dict[str, Any]:
    return {"revision": e.revision, "kind": e.kind, "reviewer": e.reviewer,
            "published_at": e.published_at.isoformat(), "demo": e.demo,
            "supersedes": e.supersedes, "reason": e.reason,
            "accepted_open": e.accepted_open, "accept_reason": e.accept_reason}


def sync_month_state(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, Any]:
    """Make every mutable file of `month` tell its true state: the status block of each draft
    revision (a draft of a published month says it can only become a correction) and the
    top level's REVISION.json. Published revision folders are never touched here."""
    revs = revisions(con, month)
    if not revs:
        return {}
    pub: Publication | None = publication(con, month)
    for rev in revs:
        if rev.status == "draft" and pub is not None:
            set_status(db.reports_dir() / rev.path, month_state(con, month, rev.revision))
    shown = next(r for r in revs if r.revision == pub.revision) if pub else revs[-1]
    events = month_state(con, month, shown.revision).events
    newer = [r for r in revs if pub and r.revision > pub.revision and r.status == "draft"]
    state = {
        "month": month, "revision": shown.revision,
        "status": "published" if pub else "draft",
        "content_sha256": shown.content_sha256, "run_id": shown.run_id,
        "published": _event_json(events[-1]) if pub else None,
        "history": [_event_json(e) for e in events],
        "pending_draft": {
            "revision": newer[-1].revision,
            "path": str(Path(newer[-1].path).relative_to(month)),
            "publish_with": f"panorama publish {month} --supersede --reason \"…\"",
        } if newer else None,
    }
    db.atomic_write_text(db.reports_dir() / month / "REVISION.json",
                         json.dumps(state, indent=2, ensure_ascii=False) + "\n")
    return state
