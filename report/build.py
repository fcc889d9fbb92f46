"""Build a month's report revision: render the month's draft (zh + en), its CSVs, charts and sources.

Layout under `reports/YYYY-MM/` (warehouse.db.reports_dir()):
    revisions/rN/{landscape.zh.md, landscape.en.md, sources.csv, data/*.csv, charts/*.svg}
    landscape.zh.md, landscape.en.md, sources.csv, data/, charts/   the current draft (a copy
        of the latest revision) until the month is published; then the frozen published copy
    REVISION.json   which revision the top level shows;  PUBLISHED   written by report/publish.py

A rerun that renders the same content keeps its revision; new content makes a new revision.
Once a month is published its top level is never rewritten: a rerun only adds revisions/rN+1.
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

from landscape.review_inbox import writer_connection
from report import charts
from report.data import ReportData, build_report_data
from report.files import report_tables, sources_table, to_csv
from report.render import LANGS, render
from report.store import Revision, add_revision, publication, revisions
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
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + files[name].encode("utf-8") + b"\0")
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
        same = next((r for r in revs if r.content_sha256 == sha), None)
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
        db.atomic_write_text(month_dir / "REVISION.json", json.dumps(
            {"month": month, "revision": number, "status": "draft", "content_sha256": sha,
             "run_id": data.run_id}, indent=2) + "\n")
        status, shown = "draft", month_dir
    else:
        status = "unchanged-published" if pub.content_sha256 == sha else "draft-after-publication"
        shown = month_dir if status == "unchanged-published" else folder
        if status != "unchanged-published":
            log.warning("%s is published (r%s); the new draft is revision r%s in %s",
                        month, pub.revision, number, folder)
    return ReportResult(month, number, status, str(folder), str(shown / "landscape.zh.md"),
                        str(shown / "landscape.en.md"), sha)


