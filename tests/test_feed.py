"""reports/feed.atom: valid Atom with an entry per publication, correction and breakthrough."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import feedparser
from support.fixture_warehouse import build_fixture_warehouse

from report.build import render_report
from report.publish import publish
from warehouse import db


def test_feed_has_an_entry_per_publication_correction_and_breakthrough(data_dir: Path) -> None:
    build_fixture_warehouse(db.db_path())
    with db.connect() as con:  # the weekly check flagged a release in November
        con.execute("INSERT INTO breakthroughs VALUES ('crate:burn', '2025-11', 'major_release',"
                    " 'burn 1.0.0', '1.0.0', 'https://crates.io/crates/burn/1.0.0', NULL, ?, "
                    "'2025-11-20')", [datetime(2025, 11, 20, 6, tzinfo=UTC)])
    render_report("2025-09")
    publish("2025-09", "Ada", now=datetime(2025, 10, 2, tzinfo=UTC), accept_open="errata")
    render_report("2025-10")
    publish("2025-10", "Ada", now=datetime(2025, 11, 2, tzinfo=UTC))
    with db.connect() as con:
        con.execute("UPDATE observations SET value = value + 1000 WHERE item_id = 'crate:burn' "
                    "AND metric = 'downloads_recent' AND period = '2025-10'")
    render_report("2025-10")
    publish("2025-10", "Grace", supersede=True, reason="burn under-counted",
            now=datetime(2025, 11, 9, tzinfo=UTC))

    path = db.reports_dir() / "feed.atom"
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title and feed.feed.id and feed.feed.updated_parsed
    assert feed.feed.author == "Panorama"
    ids = [e.id for e in feed.entries]
    assert len(ids) == len(set(ids)) == 4  # 2 publications, 1 correction, 1 breakthrough
    by_term = {e.tags[0].term: e for e in feed.entries if e.tags[0].term != "publication"}
    assert {e.tags[0].term for e in feed.entries} == {"publication", "correction",
                                                        "breakthrough"}
    for entry in feed.entries:
        assert entry.title and entry.updated_parsed and entry.summary
        langs = {link.get("hreflang") for link in entry.links if link.rel == "alternate"}
        assert langs == {"zh", "en"}, entry.links
    correction = by_term["correction"]
    assert "burn under-counted" in correction.summary
    hrefs = {link.href for link in correction.links}
    assert hrefs == {"2025-10/revisions/r2/landscape.zh.md", "2025-10/revisions/r2/landscape.en.md"}
    for href in hrefs:  # the links point at files that exist, relative to the feed
        assert (path.parent / href).is_file()
    breakthrough = by_term["breakthrough"]
    assert "burn 1.0.0" in breakthrough.title
    assert "https://crates.io/crates/burn/1.0.0" in {link.href for link in breakthrough.links}
    # newest first
    assert [e.updated_parsed for e in feed.entries] == sorted(
        (e.updated_parsed for e in feed.entries), reverse=True)
