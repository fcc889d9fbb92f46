"""arXiv connector: the Atom parser on real export-API responses (recorded by arxiv.py),
paging, retry and error handling through a real PoliteClient against the loopback server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from support.loopback import LoopbackServer

from connectors import arxiv
from connectors.http import HttpSettings, PoliteClient
from connectors.ratelimit import VirtualClock

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2025, 11, 30, 6, 0, tzinfo=UTC)


ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}
PAGE1 = "arxivpy-q_testing_s0_m10_bc5a6c384fe9.json"
PAGE2 = "arxivpy-q_testing_s10_m10_34e56e15aaac.json"
EMPTY = "arxivpy-id_0000.0000_s0_m100_8b51d9633a68.json"
ONE = "arxivpy-id_1605.08386_s0_m100_199195aa31ad.json"
BAD_ID = "arxivpy-id_abc_s0_m100_b79c8dcf6bc3.json"


def recorded(name: str) -> tuple[int, str]:
    """(status, Atom body) of an arxiv.py recording (`{"url", "status_code", "body"}`)."""
    doc = json.loads((FIXTURES / name).read_text("utf-8"))
    return doc["status_code"], doc["body"]


def body(name: str, total: int | None = None) -> str:
    text = recorded(name)[1]
    if total is not None:  # shrink the announced total so a test pages a few times, not 21,000
        text = text.replace("<opensearch:totalResults>214881<", f"<opensearch:totalResults>{total}<")
    return text


def client() -> PoliteClient:
    return PoliteClient(HttpSettings(max_retries=1, backoff_base_s=0.01), clock=VirtualClock())


def parse(name: str) -> arxiv.ArxivPage:
    return arxiv.parse_page(body(name).encode(), "https://export.arxiv.org/api/query", NOW,
                            "all:testing", ATOM)


def test_parse_first_page() -> None:
    page = parse(PAGE1)
    assert (page.total, page.start, page.entries, len(page.records)) == (214881, 0, 10, 10)
    first = page.records[0]
    assert first["paper_id"] == "paper:2202.12139" and first["arxiv_id"] == "2202.12139"
    assert first["latest_version"] == 1
    assert first["title"] == ("Testing Deep Learning Models: A First Comparative Study of "
                              "Multiple Testing Techniques")
    assert first["authors"] == ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]
    assert first["primary_category"] == "cs.SE" and first["categories"] == ["cs.SE", "cs.LG"]
    assert first["doi"] == "10.1109/ICSTW55395.2022.00035"
    assert first["journal_ref"].startswith("Artificial Intelligence in Software Testing @ 2022")
    assert first["comment"].startswith("Artificial Intelligence in Software Testing 2022")
    assert first["abs_url"] == "https://arxiv.org/abs/2202.12139"
    assert first["pdf_url"] == "https://arxiv.org/pdf/2202.12139"
    assert first["published_at"] == datetime(2022, 2, 24, 15, 5, 19, tzinfo=UTC)
    assert first["matched_query"] == "all:testing"
    assert all("  " not in r["abstract"] and "\n" not in r["title"] for r in page.records)


def test_parse_repairs_double_encoded_utf8() -> None:
    authors = {a for r in parse(PAGE1).records for a in r["authors"]}
    assert {"Aurora Ramírez", "José Raúl Romero"} <= authors
    page2 = parse(PAGE2).records
    assert "Katharina Götz" in {a for r in page2 for a in r["authors"]}
    assert "$α$" in page2[0]["abstract"] and "Î" not in page2[0]["abstract"]


def test_parse_second_page_versions() -> None:
    page = parse(PAGE2)
    assert page.start == 10 and page.entries == 10
    versions = {r["arxiv_id"]: r["latest_version"] for r in page.records}
    assert versions["2403.16981"] == 2 and versions["2406.19956"] == 3


def test_versions_collapse_to_one_paper() -> None:
    text = body(ONE)
    entry = text[text.index("<entry>"):text.index("</entry>") + len("</entry>")]
    doubled = text.replace(entry, entry + entry.replace("1605.08386v1", "1605.08386v3"))
    page = arxiv.parse_page(doubled.encode(), "u", NOW, None, ATOM)
    [paper] = page.records
    assert paper["paper_id"] == "paper:1605.08386" and paper["latest_version"] == 3
    assert page.entries == 2


def test_parse_single_and_empty() -> None:
    [paper] = parse(ONE).records
    assert paper["doi"] is None and paper["journal_ref"] is None
    assert paper["comment"] == "20 pages, 3 figures"
    empty = parse(EMPTY)
    assert (empty.total, empty.entries, empty.records) == (0, 0, [])


def test_parse_error_feed_raises() -> None:
    status, text = recorded(BAD_ID)
    assert status == 400
    with pytest.raises(arxiv.ArxivApiError, match="incorrect id format for abc"):
        arxiv.parse_page(text.encode(), "u", NOW, None, ATOM)


def test_split_id_old_and_new_style() -> None:
    assert arxiv.split_id("http://arxiv.org/abs/2403.16981v2") == ("2403.16981", 2)
    assert arxiv.split_id("http://arxiv.org/abs/hep-th/9901001v1") == ("hep-th/9901001", 1)
    assert arxiv.split_id("https://arxiv.org/abs/2501.01234") == ("2501.01234", 1)
    with pytest.raises(ValueError):
        arxiv.split_id("https://arxiv.org/api/errors#x")


@pytest.mark.parametrize(("month", "window"), [
    ("2025-02", "[202502010000 TO 202502282359]"),
    ("2024-02", "[202402010000 TO 202402292359]"),
    ("2025-12", "[202512010000 TO 202512312359]"),
])
def test_build_search_query(month: str, window: str) -> None:
    assert arxiv.build_search_query("all:rust AND cat:cs.LG", month) == (
        f"(all:rust AND cat:cs.LG) AND submittedDate:{window}")


def fetch(server: LoopbackServer, queries: list[str], **kw: Any) -> list[dict[str, Any]]:
    with client() as c:
        return list(arxiv.fetch_papers(c, "2025-11", queries,
                                       api_url=server.url("/api/query"), **kw))


def test_fetch_pages_until_total(loopback: LoopbackServer) -> None:
    loopback.add("/api/query", body=body(PAGE1, total=20), headers=ATOM)
    loopback.add("/api/query", body=body(PAGE2, total=20), headers=ATOM)
    records = fetch(loopback, ["all:testing"], page_size=10)
    assert len(records) == 20 and {r["type"] for r in records} == {"paper"}
    assert [r.query for r in loopback.requests] == [
        {"search_query": "(all:testing) AND submittedDate:[202511010000 TO 202511302359]",
         "start": str(start), "max_results": "10", "sortBy": "submittedDate",
         "sortOrder": "descending"} for start in (0, 10)]


def test_fetch_retries_an_unexpected_empty_page_once(loopback: LoopbackServer) -> None:
    loopback.add("/api/query", body=body(PAGE1, total=20), headers=ATOM)
    loopback.add("/api/query", body=body(EMPTY), headers=ATOM)  # flaky: totalResults 0
    loopback.add("/api/query", body=body(PAGE2, total=20), headers=ATOM)
    records = fetch(loopback, ["all:testing"], page_size=10)
    assert len(records) == 20
    assert [r.query["start"] for r in loopback.requests] == ["0", "10", "10"]


def test_fetch_reports_a_page_that_stays_empty(loopback: LoopbackServer) -> None:
    loopback.add("/api/query", body=body(PAGE1, total=20), headers=ATOM)
    loopback.add("/api/query", body=body(EMPTY), headers=ATOM, times=2)
    records = fetch(loopback, ["all:testing"], page_size=10)
    assert [r["type"] for r in records] == ["paper"] * 10 + ["error"]
    assert "empty page at start=10" in records[-1]["message"]


def test_fetch_empty_month_is_not_an_error(loopback: LoopbackServer) -> None:
    loopback.add("/api/query", body=body(EMPTY), headers=ATOM)
    assert fetch(loopback, ["all:nothing"]) == []
    assert len(loopback.requests) == 1


def test_fetch_http_400_error_feed_then_next_query(loopback: LoopbackServer) -> None:
    status, text = recorded(BAD_ID)
    loopback.add("/api/query", status=status, body=text, headers=ATOM)
    loopback.add("/api/query", body=body(ONE), headers=ATOM)
    records = fetch(loopback, ["id:abc", "all:heat"])
    assert records[0]["type"] == "error" and records[0]["error"] == "ArxivApiError"
    assert records[0]["status"] == 400 and "id:abc" in records[0]["message"]
    assert [r["paper_id"] for r in records[1:]] == ["paper:1605.08386"]


def test_fetch_error_feed_served_with_200(loopback: LoopbackServer) -> None:
    loopback.add("/api/query", body=recorded(BAD_ID)[1], headers=ATOM)
    [error] = fetch(loopback, ["id:abc"])
    assert error["error"] == "ArxivApiError" and "incorrect id format" in error["message"]
