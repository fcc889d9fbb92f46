"""A Chinese query's characters that no word of either dictionary reads (orphans) are read by
their own CC-CEDICT entries (`landscape.query_zh.CHARS`): 事件溯源 is "event" + 溯 + 源
(source) rather than "event" alone — over a small real warehouse with the real embedding
model, search index and general dictionary."""

from __future__ import annotations

from landscape import query_zh, zh_fallback
from landscape.query_text import analyse
from landscape.search import search
from landscape.search_index import load_search_index
from tests.support.search_warehouse import search_fixtures

ITEMS = [
    ("crate:cqrs-es", "cqrs-es", "CQRS and event sourcing: state rebuilt from a source of "
                                 "stored events."),
    ("crate:eventbus", "eventbus", "An event bus: publish an event, every event handler "
                                   "receives the event."),
    ("crate:winit", "winit", "Window creation and event loop for desktop applications."),
    ("crate:bellman", "bellman", "zk-SNARK circuits: a zero knowledge proof of a statement."),
    ("crate:linfa", "linfa", "A machine learning toolkit: knowledge learned from data."),
    ("crate:monolith", "monolith", "Save a whole website into one HTML file and download it."),
    ("crate:reqwest", "reqwest", "An HTTP client to download files."),
    ("crate:quinn", "quinn", "QUIC transport: point to point network connections."),
    ("crate:serde", "serde", "A serialization library."),
]


warehouse, con = search_fixtures(
    "chars", [{"item_id": i, "name": n, "description": d} for i, n, d in ITEMS])


def _words(query: str) -> set[str]:
    index = load_search_index()
    return analyse(query, vocab=index.lexical.df, lexicon=index.lexical).words()


def test_a_character_has_its_own_entry_apart_from_the_words(con) -> None:  # noqa: ANN001
    assert "source" in dict(zh_fallback.characters("源"))
    # The segmentation's word list keeps its length: one character is no word there.
    assert zh_fallback.candidates("源") == () and zh_fallback.characters("溯源") == ()


def test_an_orphan_character_is_read_by_its_entry(con, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(query_zh, "CHARS", "off")
    off = search(con, ["事件溯源", "整站下载"], limit=3)
    assert "sourc" not in _words("事件溯源")
    # Read as "event" / "download" alone, the generic item leads.
    assert [r["hits"][0]["item_id"] for r in off] == ["crate:eventbus", "crate:reqwest"]
    monkeypatch.setattr(query_zh, "CHARS", "lexical")
    assert "sourc" in _words("事件溯源") and "websit" in _words("整站下载")
    on = search(con, ["事件溯源", "整站下载"], limit=3)
    assert [r["english"] for r in on] == [r["english"] for r in off]  # the embedding's too
    assert [r["hits"][0]["item_id"] for r in on] == ["crate:cqrs-es", "crate:monolith"]
    # Read by the English too: its best sense joins the embedding's text.
    monkeypatch.setattr(query_zh, "CHARS", "both")
    assert search(con, "事件溯源", limit=3)[0]["english"] == "event source"


def test_a_listed_word_is_not_read_by_its_characters(con, monkeypatch) -> None:  # noqa: ANN001
    # 点对点 is CC-CEDICT's "p2p", which this index lacks: its characters do not mean it.
    monkeypatch.setattr(query_zh, "CHARS", "lexical")
    assert "point" not in _words("点对点网络")
    assert "zero" in _words("零知识证明")  # 零: no word of the query holds it
    monkeypatch.setattr(query_zh, "CHAR_RUN", 2)  # lone orphans left alone
    assert "zero" not in _words("零知识证明")


def test_a_universal_reading_adds_nothing(con, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(query_zh, "CHARS", "lexical")
    monkeypatch.setattr(query_zh, "CHAR_UNIVERSAL", False)
    assert "library" not in _words("序列化库")  # 库's best reading: every item says it
    monkeypatch.setattr(query_zh, "CHAR_UNIVERSAL", True)
    assert "library" in _words("序列化库")


def test_english_queries_do_not_move(con, monkeypatch) -> None:  # noqa: ANN001
    queries = ["event sourcing", "zero knowledge proof", "download a whole website"]
    monkeypatch.setattr(query_zh, "CHARS", "off")
    off = search(con, queries, limit=5)
    monkeypatch.setattr(query_zh, "CHARS", "both")
    assert search(con, queries, limit=5) == off
