"""The on-disk exchange format: RecordingTransport writes, ReplayTransport serves back.

Recording goes through a real HTTP transport to a loopback server, as in a live run.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from support.loopback import LoopbackServer

from connectors.recording import (
    ARCHIVE_PATH_EXTENSION,
    FETCHED_AT_HEADER,
    RecordingTransport,
    ReplayMiss,
    ReplayTransport,
    canonical_url,
    exchange_key,
    exchange_path,
    exchange_record,
    load_exchange,
    redact,
    save_exchange,
)

TOKEN = "ghp_RecordingSecret0987654321"


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


def record(folder: Path, *requests: tuple[str, str, dict[str, str] | None, bytes | None]):
    """Run requests through a RecordingTransport; return the responses."""
    transport = RecordingTransport(folder)
    with httpx.Client(transport=transport) as client:
        out = [client.request(m, u, headers=h, content=b) for m, u, h, b in requests]
    return out, transport


def replay(folder: Path, method: str, url: str, body: bytes | None = None) -> httpx.Response:
    with httpx.Client(transport=ReplayTransport(folder)) as client:
        return client.request(method, url, content=body)


def test_record_then_replay_round_trip(server: LoopbackServer, tmp_path: Path):
    payload = {"crate": {"name": "candle-core", "description": "ML framework — 中文"}}
    server.add("/api/v1/crates/candle-core", body=payload,
               headers={"ETag": 'W/"1"', "Link": '<https://x/?page=2>; rel="next"'})
    url = server.url("/api/v1/crates/candle-core?include=full&b=2")
    (live,), transport = record(tmp_path, ("GET", url, None, None))
    assert len(transport.written) == 1 and transport.written[0].exists()
    assert live.extensions[ARCHIVE_PATH_EXTENSION] == str(transport.written[0])

    # Same request with the parameters in another order replays the same exchange.
    again = replay(tmp_path, "GET", server.url("/api/v1/crates/candle-core?b=2&include=full"))
    assert again.status_code == live.status_code == 200
    assert again.content == live.content and again.json() == payload
    assert again.headers[FETCHED_AT_HEADER] == live.headers[FETCHED_AT_HEADER]
    assert datetime.fromisoformat(again.headers[FETCHED_AT_HEADER]).tzinfo is not None
    assert again.headers["etag"] == 'W/"1"' and "rel=\"next\"" in again.headers["link"]
    assert again.extensions[ARCHIVE_PATH_EXTENSION] == str(transport.written[0])
    assert len(server.requests) == 1  # replay never reached the server


def test_recording_drops_credentials(server: LoopbackServer, tmp_path: Path):
    server.add("/user", body={"login": "me", "echo": f"token {TOKEN}"},
               headers={"Set-Cookie": "session=abc123secret"})
    headers = {"Authorization": f"token {TOKEN}", "Cookie": "c=1", "Accept": "application/json"}
    record(tmp_path, ("GET", server.url("/user"), headers, None))
    assert server.requests[0].headers["authorization"] == f"token {TOKEN}"  # it was sent
    (path,) = list(tmp_path.rglob("*.json"))
    text = path.read_text("utf-8")
    assert TOKEN not in text and "abc123secret" not in text
    doc = json.loads(text)
    assert set(doc["request"]["headers"]).isdisjoint({"authorization", "cookie"})
    assert doc["request"]["headers"]["accept"] == "application/json"
    assert "set-cookie" not in doc["response"]["headers"]


def test_replay_of_unknown_url_raises_clear_error(server: LoopbackServer, tmp_path: Path):
    server.add("/known", body={})
    record(tmp_path, ("GET", server.url("/known"), None, None))
    with pytest.raises(ReplayMiss) as info:
        replay(tmp_path, "GET", "https://crates.io/api/v1/crates/unknown?z=1&a=2")
    message = str(info.value)
    assert "GET https://crates.io/api/v1/crates/unknown?a=2&z=1" in message
    assert str(tmp_path) in message and "crates.io/" in message


def test_replay_folder_must_exist(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        ReplayTransport(tmp_path / "missing")


def test_304_and_errors_replay_as_recorded(server: LoopbackServer, tmp_path: Path):
    server.add("/feed.xml", status=304, headers={"ETag": '"f"'})
    server.add("/gone", status=404, body={"errors": [{"detail": "Not Found"}]})
    record(tmp_path, ("GET", server.url("/feed.xml"), {"If-None-Match": '"f"'}, None),
           ("GET", server.url("/gone"), None, None))
    # Replay ignores request headers: no If-None-Match, still the recorded 304.
    assert replay(tmp_path, "GET", server.url("/feed.xml")).status_code == 304
    gone = replay(tmp_path, "GET", server.url("/gone"))
    assert gone.status_code == 404 and gone.json()["errors"][0]["detail"] == "Not Found"


def test_post_bodies_are_keyed_separately(server: LoopbackServer, tmp_path: Path):
    server.add("/graphql", body={"data": 1})
    server.add("/graphql", body={"data": 2})
    url = server.url("/graphql")
    record(tmp_path, ("POST", url, None, b'{"query":"a"}'), ("POST", url, None, b'{"query":"b"}'))
    assert replay(tmp_path, "POST", url, b'{"query":"b"}').json() == {"data": 2}
    assert replay(tmp_path, "POST", url, b'{"query":"a"}').json() == {"data": 1}
    with pytest.raises(ReplayMiss):
        replay(tmp_path, "POST", url, b'{"query":"c"}')


def test_gzip_and_binary_bodies(server: LoopbackServer, tmp_path: Path):
    xml = b"<?xml version='1.0'?><rss><channel><title>caf\xc3\xa9</title></channel></rss>"
    server.add("/rss.xml", body=gzip.compress(xml), headers={"Content-Encoding": "gzip"})
    blob = bytes(range(256))
    server.add("/blob", body=blob, headers={"Content-Type": "application/octet-stream"})
    record(tmp_path, ("GET", server.url("/rss.xml"), None, None),
           ("GET", server.url("/blob"), None, None))
    feed = replay(tmp_path, "GET", server.url("/rss.xml"))
    assert feed.content == xml and "content-encoding" not in feed.headers
    assert replay(tmp_path, "GET", server.url("/blob")).content == blob
    doc = load_exchange(exchange_path(tmp_path, "GET", server.url("/blob"), None))
    assert doc["response"]["body_encoding"] == "base64"


def test_recording_reuses_one_connection(server: LoopbackServer, tmp_path: Path):
    for n in range(3):
        server.add(f"/p{n}", body={"n": n})
    record(tmp_path, *[("GET", server.url(f"/p{n}"), None, None) for n in range(3)])
    assert len({r.peer for r in server.requests}) == 1


def test_canonical_url_and_keys():
    a = "https://Crates.IO/api/v1/crates?sort=new&category=science%3A%3Aml&per_page=100#frag"
    b = "https://crates.io/api/v1/crates?per_page=100&category=science::ml&sort=new"
    assert canonical_url(a) == canonical_url(b)
    assert canonical_url(b) == (
        "https://crates.io/api/v1/crates?category=science%3A%3Aml&per_page=100&sort=new")
    assert exchange_key("get", a, None) == exchange_key("GET", b, None)
    assert exchange_key("GET", b, None) != exchange_key("POST", b, None)
    assert exchange_key("POST", b, b"x") != exchange_key("POST", b, b"y")


def test_exchange_record_and_save_are_stable(tmp_path: Path):
    rec = exchange_record(
        method="get", url="https://api.github.com/repos/a/b?x=1",
        request_headers={"Authorization": "bearer abcdefghijk", "Accept": "application/json"},
        request_body=None, status=200,
        response_headers={"Content-Length": "2", "Content-Type": "application/json"},
        content=b"{}", fetched_at=datetime(2025, 12, 1, 6, 0, tzinfo=UTC), synthetic=True)
    assert rec["fetched_at"] == "2025-12-01T06:00:00+00:00" and rec["synthetic"] is True
    assert rec["request"]["headers"] == {"accept": "application/json"}
    assert "content-length" not in rec["response"]["headers"]
    path = save_exchange(tmp_path, rec)
    assert path == exchange_path(tmp_path, "GET", "https://api.github.com/repos/a/b?x=1", None)
    assert load_exchange(path) == rec
    assert not list(tmp_path.rglob("*.tmp"))


def test_redact_masks_token_and_bare_value():
    assert redact(f"Bearer {TOKEN} / {TOKEN}", [f"Bearer {TOKEN}"]) == "*** / ***"
