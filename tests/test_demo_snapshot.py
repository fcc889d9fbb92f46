"""demo/snapshot holds exactly the requests the pipeline makes, for every month, and is reproducible.

The expected request set is recomputed from config/watchlist.toml and the rules of
docs/CONTRACTS.md ("Requests each source makes"); seek chains and arXiv paging are followed
through the recorded pages themselves.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import feedparser
import pytest

from connectors.arxiv import API_URL as ARXIV_API
from connectors.arxiv import page_params as arxiv_params
from connectors.crates import API_BASE as CRATES_API
from connectors.crates import crate_urls, listing_params
from connectors.github import repo_url
from connectors.recording import exchange_path, load_exchange
from connectors.watchlist import load_watchlist

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "demo" / "snapshot"
EVAL_DIR = ROOT.parent / "shared" / "eval"
MONTHS = ["2025-08", "2025-09", "2025-10", "2025-11", "2025-12"]


def _month_start(month: str) -> datetime:
    y, m = map(int, month.split("-"))
    return datetime(y, m, 1, tzinfo=UTC)


def _fetched_at(month: str) -> datetime:
    y, m = map(int, month.split("-"))
    return datetime(y + (m == 12), m % 12 + 1, 1, 6, tzinfo=UTC)


def _record(folder: Path, url: str) -> dict:
    path = exchange_path(folder, "GET", url, None)
    assert path.exists(), f"{folder.name}: no recorded exchange for GET {url}"
    return load_exchange(path)


def _q(base: str, params: dict) -> str:
    return f"{base}?{urlencode(params)}"


def _created(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def expected_requests(folder: Path, month: str) -> list[str]:
    """URLs the pipeline requests for `month`, following recorded pagination."""
    wl = load_watchlist()
    urls: list[str] = []
    for name in wl.watched_crates():
        urls += crate_urls(name)
    for kind, values in (("category", wl.crate_categories), ("keyword", wl.crate_keywords)):
        for value in values:
            params = listing_params(kind, value)
            while True:
                url = _q(f"{CRATES_API}/crates", params)
                urls.append(url)
                page = json.loads(_record(folder, url)["response"]["body"])
                nxt = page["meta"]["next_page"]
                crates = page["crates"]
                if not nxt or any(_created(c["created_at"]) < _month_start(month) for c in crates):
                    break
                params = {**params, **dict(parse_qsl(nxt.lstrip("?")))}
    urls.append(wl.new_crates_rss)
    urls += [repo_url(r) for r in wl.watched_repos()]
    for q in wl.arxiv_queries:
        start = 0
        while True:
            url = _q(ARXIV_API, arxiv_params(q.query, month, start))
            urls.append(url)
            body = _record(folder, url)["response"]["body"]
            total = int(re.search(r"<opensearch:totalResults>(\d+)<", body).group(1))
            start += 100
            if start >= total:
                break
    urls += wl.feed_urls()
    return urls


@pytest.mark.parametrize("month", MONTHS)
def test_month_has_every_required_request(month: str) -> None:
    folder = SNAPSHOT / month
    assert folder.is_dir()
    expected = expected_requests(folder, month)
    recorded = {p for p in folder.glob("*/*.json")}
    wanted = {exchange_path(folder, "GET", u, None) for u in expected}
    assert wanted <= recorded
    # nothing else: the snapshot holds exactly the requests the pipeline makes
    assert recorded == wanted, sorted(str(p) for p in recorded - wanted)[:5]
    for path in recorded:
        rec = load_exchange(path)
        assert rec["synthetic"] is True
        assert datetime.fromisoformat(rec["fetched_at"]) == _fetched_at(month)
        assert "content-type" in rec["response"]["headers"] or rec["response"]["status"] == 304


def test_snapshot_sizes_and_notice() -> None:
    crates: set[str] = set()
    repos: set[str] = set()
    papers: set[str] = set()
    entries: set[str] = set()
    total_bytes = 0
    for path in SNAPSHOT.glob("*/*/*.json"):
        total_bytes += path.stat().st_size
        rec = load_exchange(path)
        url, resp = rec["request"]["url"], rec["response"]
        if resp["status"] != 200:
            continue
        body = resp["body"]
        if url.startswith(f"{CRATES_API}/crates") and not url.endswith("/downloads"):
            doc = json.loads(body)
            listed = doc["crates"] if "crates" in doc else [doc["crate"]]
            crates.update(c["name"] for c in listed)
        elif "static.crates.io" in url:
            crates.update(re.findall(r"<crates:name>(.*?)</crates:name>", body))
        elif url.startswith("https://api.github.com/repos/"):
            repos.add(json.loads(body)["full_name"].lower())
        elif url.startswith(ARXIV_API):
            papers.update(re.findall(r"<id>http://arxiv.org/abs/([^<]+?)v\d+</id>", body))
        else:
            # entry ids (Atom) and guids (RSS); feedparser is too slow for ~1500 files here
            ids = re.findall(r"<entry[ >].*?<id>(.*?)</id>", body, flags=re.DOTALL)
            ids += re.findall(r"<guid[^>]*>(.*?)</guid>", body)
            entries.update(f"{url}#{i}" for i in ids)
    assert len(crates) >= 150
    assert len(repos) >= 60
    assert len(papers) >= 80
    assert len(entries) >= 40
    assert total_bytes < 25 * 1024 * 1024
    assert "SYNTHETIC" in (SNAPSHOT / "SYNTHETIC.md").read_text("utf-8").upper()


def _all_records(month: str) -> list[dict]:
    return [load_exchange(p) for p in (SNAPSHOT / month).glob("*/*.json")]


def test_edge_cases_are_present() -> None:
    statuses = {m: [r["response"]["status"] for r in _all_records(m)] for m in MONTHS}
    assert any(404 in s for s in statuses.values())          # a watched crate answering 404
    assert 304 not in statuses[MONTHS[0]]                     # 304 only after a first fetch
    assert any(304 in s for s in statuses.values())
    bodies = [r for m in MONTHS for r in _all_records(m)]
    assert any("<opensearch:totalResults>0<" in r["response"]["body"] for r in bodies
               if r["request"]["url"].startswith(ARXIV_API))  # an empty arXiv page
    assert any("seek=" in r["request"]["url"] for r in bodies)  # a seek chain
    repos = [json.loads(r["response"]["body"]) for r in bodies
             if r["request"]["url"].startswith("https://api.github.com/repos/")]
    assert any(doc["archived"] for doc in repos)
    details = [json.loads(r["response"]["body"]) for r in bodies
               if re.fullmatch(rf"{CRATES_API}/crates/[^/?]+", r["request"]["url"])
               and r["response"]["status"] == 200]
    assert any(v["yanked"] for d in details for v in d["versions"])


def test_downloads_consistent_with_recent_and_growing() -> None:
    prev_total = None
    for month in MONTHS:
        folder = SNAPSHOT / month
        detail_url, dl_url = crate_urls("candle-core")
        crate = json.loads(_record(folder, detail_url)["response"]["body"])["crate"]
        dl = json.loads(_record(folder, dl_url)["response"]["body"])
        daily = sum(r["downloads"] for r in dl["version_downloads"]) + \
            sum(r["downloads"] for r in dl["meta"]["extra_downloads"])
        assert daily == crate["recent_downloads"]
        assert len({r["date"] for r in dl["meta"]["extra_downloads"]}
                   | {r["date"] for r in dl["version_downloads"]}) == 90
        if prev_total is not None:
            assert crate["downloads"] > prev_total
        prev_total = crate["downloads"]


@pytest.mark.skipif(not EVAL_DIR.is_dir(), reason="shared eval files absent")
def test_regenerating_a_month_is_byte_identical(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        gen = importlib.import_module("make_demo_snapshot")
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    month = "2025-09"
    assert gen.main(["--out", str(tmp_path), "--month", month]) == 0
    fresh = sorted(p.relative_to(tmp_path / month) for p in (tmp_path / month).rglob("*.json"))
    committed = sorted(p.relative_to(SNAPSHOT / month) for p in (SNAPSHOT / month).rglob("*.json"))
    assert fresh == committed
    for rel in fresh:
        assert (tmp_path / month / rel).read_bytes() == (SNAPSHOT / month / rel).read_bytes(), rel
    assert (tmp_path / "SYNTHETIC.md").read_bytes() == (SNAPSHOT / "SYNTHETIC.md").read_bytes()


def test_xml_bodies_are_well_formed_feeds() -> None:
    import xml.etree.ElementTree as ET

    for month in MONTHS:
        for rec in _all_records(month):
            resp = rec["response"]
            if resp["status"] == 200 and "xml" in resp["headers"].get("content-type", ""):
                ET.fromstring(resp["body"].encode("utf-8"))  # raises on malformed XML
    for rec in _all_records("2025-11"):
        resp = rec["response"]
        if resp["status"] == 200 and "xml" in resp["headers"]["content-type"]:
            parsed = feedparser.parse(resp["body"].encode("utf-8"),
                                      response_headers={"content-type": resp["headers"]["content-type"]})
            assert not parsed.bozo, (rec["request"]["url"], parsed.get("bozo_exception"))
