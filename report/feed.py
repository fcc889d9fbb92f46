"""`reports/feed.atom`: what a reader subscribes to (RFC 4287 Atom, written on every publish).

One entry per publication event (a month published, or a correction of it), linking to that
revision's immutable copy in Chinese and English, and one per breakthrough the weekly check
flagged (added to the month's draft at once), linking to the month's report in both languages
and to the release or paper itself. Links are relative to the feed, which sits at the top of
`reports/`; a site serving that folder serves working links.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from report.queries import relation_exists
from report.store import PublicationEvent, publication_events
from warehouse import db

ATOM = "http://www.w3.org/2005/Atom"
FEED_NAME = "feed.atom"
FEED_ID = "urn:panorama:landscape-report"
TITLE = "AI × Rust 技术全景 · AI × Rust technology landscape"
LANG_NAMES = {"zh": "中文", "en": "English"}


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: datetime
    summary: str
    links: tuple[tuple[str, str, str | None, str], ...]  # (rel, href, hreflang, type)
    category: str


def _iso(at: datetime) -> str:
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _report_links(folder: str) -> tuple[tuple[str, str, str | None, str], ...]:
    return tuple(("alternate", f"{folder}/landscape.{lang}.md", lang, "text/markdown")
                 for lang in LANG_NAMES)


def publication_entry(e: PublicationEvent) -> Entry:
    """A publication or correction, linking to its revision's copy (which never changes)."""
    who = "demo (automatic, not reviewed by a person)" if e.demo else e.reviewer
    if e.kind == "correction":
        title = (f"{e.month} 更正（修订 r{e.revision}）· {e.month} correction "
                 f"(revision r{e.revision})")
        summary = (f"Revision r{e.revision} of {e.month} supersedes r{e.supersedes}. "
                   f"Correction: {e.reason or '—'}. Reviewed by {who}.")
    else:
        title = f"{e.month} 月报已发布 · {e.month} report published (r{e.revision})"
        summary = f"The {e.month} landscape report, revision r{e.revision}, reviewed by {who}."
    if e.accepted_open:
        open_work = ", ".join(f"{b['count']} {b['kind'].replace('_', ' ')}"
                              for b in e.accepted_open)
        summary += f" Published with open items accepted: {open_work}."
    return Entry(f"urn:panorama:report:{e.month}:r{e.revision}", title, e.published_at,
                 summary, _report_links(f"{e.month}/revisions/r{e.revision}"),
                 "correction" if e.kind == "correction" else "publication")


def breakthrough_entries(con: duckdb.DuckDBPyConnection) -> list[Entry]:
    """Entries for the weekly check's flags (table `breakthroughs`, when it exists)."""
    if not relation_exists(con, "breakthroughs"):
        return []
    rows = con.execute("SELECT item_id, month, kind, title, detail, url, detected_at "
                       "FROM breakthroughs ORDER BY detected_at, item_id, kind").fetchall()
    kinds = {"major_release": "重大版本 · Major release", "close_paper": "相关论文 · Close paper"}
    out = []
    for item_id, month, kind, title, detail, url, detected in rows:
        digest = hashlib.sha256(f"{item_id}\0{kind}\0{month}".encode()).hexdigest()[:16]
        links = _report_links(month)
        if url and url.startswith(("http://", "https://")):
            links += (("related", url, None, "text/html"),)
        out.append(Entry(
            f"urn:panorama:breakthrough:{digest}",
            f"{kinds.get(kind, kind)}: {title or item_id}", detected,
            f"{title or item_id} ({detail or kind}), flagged by the weekly breakthrough check "
            f"and added to the {month} report.", links, "breakthrough"))
    return out


def build_feed(entries: list[Entry], now: datetime | None = None) -> bytes:
    """The Atom document for `entries` (newest first)."""
    ET.register_namespace("", ATOM)
    entries = sorted(entries, key=lambda e: (_iso(e.updated), e.id), reverse=True)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "zh"})

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        el.text = text
        return el

    sub(feed, "id", FEED_ID)
    sub(feed, "title", TITLE)
    sub(feed, "subtitle", "每月发布与更正、每周突破 · Monthly publications, corrections and "
                          "weekly breakthroughs")
    sub(feed, "updated", _iso(entries[0].updated if entries else now or datetime.now(UTC)))
    author = sub(feed, "author")
    sub(author, "name", "Panorama")
    sub(feed, "link", rel="self", href=FEED_NAME, type="application/atom+xml")
    sub(feed, "generator", "Panorama")
    for e in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", e.id)
        sub(entry, "title", e.title)
        sub(entry, "updated", _iso(e.updated))
        for rel, href, lang, mime in e.links:
            attrs = {"rel": rel, "href": href, "type": mime}
            if lang:
                attrs.update(hreflang=lang, title=LANG_NAMES[lang])
            sub(entry, "link", **attrs)
        sub(entry, "category", term=e.category)
        sub(entry, "summary", e.summary)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def write_feed(con: duckdb.DuckDBPyConnection) -> Path:
    """Rewrite `reports/feed.atom` from the warehouse (publications and breakthroughs)."""
    entries = [publication_entry(e) for e in publication_events(con)]
    path = db.reports_dir() / FEED_NAME
    db.atomic_write_bytes(path, build_feed(entries + breakthrough_entries(con)))
    return path
