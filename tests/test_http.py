"""PoliteClient against a real HTTP server on loopback (tests/support/loopback.py).

Waits run on a VirtualClock, so Retry-After / reset / backoff are asserted as accounted
seconds without sleeping; only the timeout test spends real (sub-second) time.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import types
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest
from support.loopback import LoopbackServer, Reply

from connectors.errors import (
    ConnectionFailed,
    ConnectorError,
    FetchTimeout,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
)
from connectors.github import resolve_github_token
from connectors.http import HttpSettings, PoliteClient, make_client
from connectors.ratelimit import RESET_MARGIN_S, RealClock, VirtualClock
from connectors.recording import ReplayMiss, canonical_url

TOKEN = "ghp_s3cretTOKENvalue1234567890"


def settings(**overrides: object) -> HttpSettings:
    """Fast settings: no jitter, small backoff, no per-host interval unless asked."""
    values: dict[str, object] = dict(
        timeout_s=2.0, max_retries=2, backoff_base_s=1.0, backoff_max_s=60.0, jitter=0.0,
        min_interval_s={},
    )
    values.update(overrides)
    return HttpSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=1_700_000_000.0)


@pytest.fixture
def client(clock: VirtualClock) -> Iterator[PoliteClient]:
    with PoliteClient(settings(), clock=clock) as c:
        yield c


# -- identity ---------------------------------------------------------------------------


def test_user_agent_names_project_and_contact(server: LoopbackServer, client: PoliteClient):
    server.add("/ua", body={"ok": True})
    assert client.get(server.url("/ua")).json() == {"ok": True}
    ua = server.requests[0].headers["user-agent"]
    assert ua.startswith("panorama/") and "@" in ua and "https://" in ua


def test_user_agent_from_environment(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PANORAMA_USER_AGENT", "panorama-test/9 (ops@example.net)")
    server.add("/ua", body={})
    with PoliteClient(settings(), clock=VirtualClock()) as c:
        c.get(server.url("/ua"))
    assert server.requests[0].headers["user-agent"] == "panorama-test/9 (ops@example.net)"


# -- retries ----------------------------------------------------------------------------


def test_429_retry_after_seconds_then_200(server, client, clock):
    server.add("/x", status=429, headers={"Retry-After": "7"})
    server.add("/x", body={"n": 1})
    got = client.get(server.url("/x"))
    assert got.json() == {"n": 1}
    assert len(server.received("/x")) == 2
    stats = client.stats["127.0.0.1"]
    assert (stats.requests, stats.retries, stats.errors) == (2, 1, 0)
    assert stats.waited_s == pytest.approx(7.0)
    assert clock.slept == [pytest.approx(7.0)]


def test_429_retry_after_http_date(server, client, clock):
    server.add("/x", status=429, headers={"Retry-After": formatdate(clock.now() + 20, usegmt=True)})
    server.add("/x", body=[])
    client.get(server.url("/x"))
    assert client.stats["127.0.0.1"].waited_s == pytest.approx(20.0, abs=1.0)


def test_403_ratelimit_remaining_zero_waits_until_reset(server, client, clock):
    reset = int(clock.now()) + 30
    server.add("/repos/a/b", status=403, body={"message": "API rate limit exceeded"},
               headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)})
    server.add("/repos/a/b", body={"id": 1})
    assert client.get(server.url("/repos/a/b")).json() == {"id": 1}
    assert len(server.received()) == 2
    assert clock.now() >= reset  # the retry went out only after the reset
    assert client.stats["127.0.0.1"].waited_s == pytest.approx(30 + RESET_MARGIN_S)


def test_403_secondary_limit_with_retry_after_is_retried(server, client):
    server.add("/graphql", status=403, headers={"Retry-After": "3"},
               body={"message": "You have exceeded a secondary rate limit"})
    server.add("/graphql", body={"data": {}})
    assert client.post_json(server.url("/graphql"), {"query": "{x}"}).json() == {"data": {}}
    assert len(server.received()) == 2


def test_403_without_ratelimit_signals_is_unauthorized_at_once(server, client):
    server.add("/x", status=403, body="Forbidden")
    with pytest.raises(Unauthorized):
        client.get(server.url("/x"))
    assert len(server.received()) == 1


def test_server_asking_too_long_raises_rate_limited_without_waiting(server, clock):
    reset = int(clock.now()) + 3600
    server.add("/x", status=429, headers={"x-ratelimit-remaining": "0",
                                          "x-ratelimit-reset": str(reset)})
    with PoliteClient(settings(backoff_max_s=120.0), clock=clock) as c:
        with pytest.raises(RateLimited) as info:
            c.get(server.url("/x"))
        assert clock.slept == []
        assert "T" in str(info.value) and info.value.reset_at is not None
        assert info.value.reset_at.timestamp() >= reset
        # The block persists: the next call to the host fails without a request.
        with pytest.raises(RateLimited):
            c.get(server.url("/y"))
    assert len(server.received()) == 1


def test_exhausted_ratelimit_on_200_delays_next_request(server, client, clock):
    reset = int(clock.now()) + 10
    server.add("/a", body={}, headers={"x-ratelimit-remaining": "0",
                                       "x-ratelimit-reset": str(reset)})
    server.add("/b", body={})
    client.get(server.url("/a"))
    client.get(server.url("/b"))
    assert clock.slept == [pytest.approx(10 + RESET_MARGIN_S)]


def test_5xx_then_success(server, client, clock):
    server.add("/x", status=503)
    server.add("/x", status=502)
    server.add("/x", body={"ok": 1})
    assert client.get(server.url("/x")).json() == {"ok": 1}
    assert client.stats["127.0.0.1"].retries == 2
    assert clock.slept == [pytest.approx(1.0), pytest.approx(2.0)]  # exponential backoff


def test_5xx_forever_raises_server_error_after_max_retries(server, client):
    server.always("/x", Reply(500, body="boom"))
    with pytest.raises(ServerError) as info:
        client.get(server.url("/x"))
    assert info.value.status == 500 and "boom" in str(info.value)
    assert len(server.received()) == 3  # 1 + max_retries
    assert client.stats["127.0.0.1"].errors == 1


def test_backoff_has_jitter_and_cap(server, clock):
    server.always("/x", Reply(500))
    with PoliteClient(settings(max_retries=4, jitter=0.5, backoff_max_s=5.0), clock=clock) as c:
        with pytest.raises(ServerError):
            c.get(server.url("/x"))
    assert len(clock.slept) == 4
    assert 0.75 <= clock.slept[0] <= 1.25 and all(s <= 5.0 for s in clock.slept)


def test_timeout_is_retried_then_fetch_timeout(server, clock):
    server.always("/slow", Reply(body={}, delay_s=0.6))
    started = time.monotonic()
    with PoliteClient(settings(timeout_s=0.15, max_retries=1), clock=clock) as c:
        with pytest.raises(FetchTimeout) as info:
            c.get(server.url("/slow"))
    assert time.monotonic() - started < 2.0
    assert info.value.url.endswith("/slow")
    assert len(server.received("/slow")) == 2
    assert clock.slept == [pytest.approx(1.0)]


def test_connection_cut_short_is_retried(server, client):
    server.add("/x", body=b'{"items": [1, 2, 3]}', drop_after=5)
    server.add("/x", body={"items": [1, 2, 3]})
    assert client.get(server.url("/x")).json() == {"items": [1, 2, 3]}
    assert client.stats["127.0.0.1"].retries == 1


def test_connection_refused_raises_connection_failed(clock):
    with LoopbackServer() as gone:
        url = gone.url("/x")
    with PoliteClient(settings(max_retries=1), clock=clock) as c:
        with pytest.raises(ConnectionFailed):
            c.get(url)


@pytest.mark.parametrize(("status", "error"), [(401, Unauthorized), (404, NotFound)])
def test_401_and_404_are_not_retried(server, client, status, error):
    server.always("/x", Reply(status, body={"message": "nope"}))
    with pytest.raises(error) as info:
        client.get(server.url("/x"))
    assert info.value.status == status
    assert len(server.received()) == 1
    assert client.stats["127.0.0.1"].retries == 0


# -- body checks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers", "fragment"),
    [
        (b'{"crate": {"name": "cand', {"Content-Type": "application/json"}, "truncated"),
        (b"<!DOCTYPE html><html><body>Just a moment...</body></html>",
         {"Content-Type": "text/html; charset=utf-8"}, "HTML"),
        (b"<html><body>oops</body></html>", {"Content-Type": "application/json"}, "HTML"),
        (b"", {"Content-Type": "application/json"}, "empty"),
    ],
    ids=["truncated-json", "html-200", "html-body-json-type", "empty"],
)
def test_json_malformed_bodies(server, client, body, headers, fragment):
    server.add("/api", body=body, headers=headers)
    got = client.get(server.url("/api"))
    assert got.status == 200
    with pytest.raises(MalformedResponse) as info:
        got.json()
    assert fragment in str(info.value)
    assert server.url("/api") in str(info.value) and info.value.url == server.url("/api")


def test_xml_helper_accepts_feeds_and_rejects_html(server, client):
    server.add("/feed", body=b"<?xml version='1.0'?><feed/>", headers={"Content-Type": "text/html"})
    server.add("/page", body=b"<!doctype html><html></html>")
    assert client.get(server.url("/feed")).xml().startswith(b"<?xml")
    with pytest.raises(MalformedResponse):
        client.get(server.url("/page")).xml()


# -- conditional requests ---------------------------------------------------------------


def test_304_sends_validators_and_reports_not_modified(server, clock):
    url = server.url("/repos/a/b?b=2&a=1")
    key = canonical_url(url)
    validators = {key: ('W/"abc"', "Tue, 01 Jul 2025 10:00:00 GMT")}
    server.add("/repos/a/b", status=304, headers={"ETag": 'W/"abc"'})
    with PoliteClient(settings(), clock=clock, validators=validators) as c:
        got = c.get(server.url("/repos/a/b"), params={"a": "1", "b": "2"})
        assert got.not_modified and got.status == 304 and got.content == b""
        assert c.stats["127.0.0.1"].not_modified == 1
        assert c.new_validators == {}
    sent = server.requests[0].headers
    assert sent["if-none-match"] == 'W/"abc"'
    assert sent["if-modified-since"] == "Tue, 01 Jul 2025 10:00:00 GMT"


def test_unconditional_get_sends_no_validators(server, clock):
    key = canonical_url(server.url("/x"))
    server.add("/x", body={})
    with PoliteClient(settings(), clock=clock, validators={key: ('"e"', None)}) as c:
        c.get(server.url("/x"), conditional=False)
    assert "if-none-match" not in server.requests[0].headers


def test_200_with_validators_updates_new_validators(server, client):
    server.add("/x", body={}, headers={"ETag": '"v2"', "Last-Modified": "Wed, 02 Jul 2025 GMT"})
    server.add("/x", status=304)
    client.get(server.url("/x?z=1&a=2"))
    key = canonical_url(server.url("/x?a=2&z=1"))
    assert client.new_validators == {key: ('"v2"', "Wed, 02 Jul 2025 GMT")}
    # A second fetch in the same run already uses the fresh validator.
    assert client.get(server.url("/x?a=2&z=1")).not_modified
    assert server.requests[1].headers["if-none-match"] == '"v2"'


# -- pagination, POST, exchange log -----------------------------------------------------


def test_paginate_follows_link_next(server, client):
    def link(n: int) -> dict[str, str]:
        last = server.url("/releases?page=3")
        return {"Link": f'<{server.url(f"/releases?page={n}")}>; rel="next", <{last}>; rel="last"'}

    server.add("/releases?page=1&per_page=100", body=[1], headers=link(2))
    server.add("/releases?page=2", body=[2], headers=link(3))
    first = {"Link": f'<{server.url("/releases?page=1")}>; rel="first"'}
    server.add("/releases?page=3", body=[3], headers=first)
    pages = list(client.paginate(server.url("/releases"), params={"per_page": 100, "page": 1}))
    assert [p.json() for p in pages] == [[1], [2], [3]]
    assert [r.query["page"] for r in server.requests] == ["1", "2", "3"]


def test_paginate_stops_on_link_loop_and_max_pages(server, client):
    server.always("/loop", Reply(body=[0], headers={"Link": '</loop>; rel="next"'}))
    assert len(list(client.paginate(server.url("/loop")))) == 1
    server.always("/more", Reply(body=[0], headers={"Link": '</more?p=2>; rel="next"'}))
    server.always("/more?p=2", Reply(body=[0], headers={"Link": '</more?p=3>; rel="next"'}))
    assert len(list(client.paginate(server.url("/more"), max_pages=2))) == 2


def test_post_json_sends_body_and_content_type(server, client):
    server.add("/graphql", body={"data": {"r0": None}})
    client.post_json(server.url("/graphql"), {"query": "{ r0: repository }"})
    req = server.requests[0]
    assert req.method == "POST" and req.json() == {"query": "{ r0: repository }"}
    assert req.headers["content-type"] == "application/json"


def test_exchange_log_records_every_exchange(server, client):
    server.add("/x", status=500)
    server.add("/x", body=b'{"a": 1}')
    client.get(server.url("/x"))
    assert [e.status for e in client.exchanges] == [500, 200]
    last = client.exchanges[-1]
    assert last.method == "GET" and last.url == server.url("/x")
    assert last.bytes == 8 and len(last.body_sha256) == 64 and last.archive_path is None
    assert last.fetched_at.tzinfo is not None


# -- politeness -------------------------------------------------------------------------


def test_per_host_min_interval_on_virtual_clock(server, clock):
    with PoliteClient(settings(min_interval_s={"127.0.0.1": 3.0}), clock=clock) as c:
        for n in range(3):
            server.add(f"/q{n}", body={})
            c.get(server.url(f"/q{n}"))
        assert c.stats["127.0.0.1"].waited_s == pytest.approx(6.0)
    assert clock.slept == [pytest.approx(3.0), pytest.approx(3.0)]


def test_per_host_min_interval_real_spacing(server):
    server.always("/q", Reply(body={}))
    with PoliteClient(settings(min_interval_s={"127.0.0.1": 0.1}), clock=RealClock()) as c:
        for _ in range(3):
            c.get(server.url("/q"))
    times = [r.at for r in server.requests]
    assert all(b - a >= 0.095 for a, b in zip(times, times[1:], strict=False))


def test_default_intervals_match_source_policies():
    s = HttpSettings()
    assert s.min_interval_s["crates.io"] == 1.0 and s.min_interval_s["export.arxiv.org"] == 3.0


# -- tokens -----------------------------------------------------------------------------


def test_token_reaches_server_but_not_recordings_messages_or_logs(
    server: LoopbackServer, clock: VirtualClock, tmp_path: Path, caplog: pytest.LogCaptureFixture,
):
    caplog.set_level(logging.DEBUG, logger="connectors")
    server.add("/user", body={"login": "me"})
    server.add("/private", status=500, body=f"echo Bearer {TOKEN}")  # a server echoing it back
    server.add("/private", status=401, body={"message": "Bad credentials"})
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with make_client(settings(), record_dir=tmp_path / "rec", clock=clock) as c:
        c.get(server.url("/user"), headers=auth)
        with pytest.raises(Unauthorized) as info:
            c.get(server.url("/private"), headers=auth)
    assert [r.headers["authorization"] for r in server.requests] == [f"Bearer {TOKEN}"] * 3
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)
    assert "retry 1/2" in caplog.text and TOKEN not in caplog.text  # the echo was redacted
    written = sorted((tmp_path / "rec").rglob("*.json"))
    assert len(written) == 2  # /user and /private (the 401 overwrote the 500)
    for path in written:
        doc = json.loads(path.read_text("utf-8"))
        assert "authorization" not in doc["request"]["headers"]
        assert doc["request"]["headers"]["user-agent"].startswith("panorama/")
    user = next(p for p in written if json.loads(p.read_text())["request"]["url"].endswith("/user"))
    assert TOKEN not in user.read_text("utf-8")


def test_resolve_github_token_order(monkeypatch: pytest.MonkeyPatch):
    class FakeSecret:
        value: str | None = "from-prefect"

        @classmethod
        def load(cls, name: str) -> FakeSecret:
            assert name == "github-token"
            if cls.value is None:
                raise ValueError("Unable to find block document named github-token")
            return cls()

        def get(self) -> str | None:
            return self.value

    fake = types.ModuleType("prefect.blocks.system")
    fake.Secret = FakeSecret  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "prefect.blocks.system", fake)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # a server is configured
    monkeypatch.setenv("GITHUB_TOKEN", "from-env")
    assert resolve_github_token("explicit") == "explicit"
    assert resolve_github_token() == "from-env"
    monkeypatch.delenv("GITHUB_TOKEN")
    assert resolve_github_token() == "from-prefect"
    FakeSecret.value = None
    assert resolve_github_token() is None


def test_resolve_github_token_without_prefect(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setitem(sys.modules, "prefect.blocks.system", None)  # import fails
    assert resolve_github_token() is None


def test_resolve_github_token_skips_prefect_outside_runs(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    looked_up: list[str] = []

    class SpySecret:
        @classmethod
        def load(cls, name: str) -> None:
            looked_up.append(name)

    spy = types.ModuleType("prefect.blocks.system")
    spy.Secret = SpySecret  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "prefect.blocks.system", spy)
    assert resolve_github_token() is None
    assert looked_up == []  # no lookup, hence no ephemeral Prefect server started


# -- record / replay through the client -------------------------------------------------


def test_record_then_replay_client_round_trip(server: LoopbackServer, tmp_path: Path):
    server.add("/crates/x", body={"crate": {"name": "x"}}, headers={"ETag": '"e1"'})
    with make_client(settings(), record_dir=tmp_path / "snap") as live:
        first = live.get(server.url("/crates/x"))
    assert live.exchanges[0].archive_path and Path(live.exchanges[0].archive_path).exists()
    with make_client(settings(min_interval_s={"127.0.0.1": 3.0}),
                     replay_dir=tmp_path / "snap") as replay:
        started = time.monotonic()
        again = [replay.get(server.url("/crates/x")) for _ in range(3)]
        assert time.monotonic() - started < 1.0  # virtual clock: no sleeping
        assert replay.stats["127.0.0.1"].waited_s == pytest.approx(6.0)  # but accounted
        assert isinstance(replay.clock, VirtualClock)
    assert all(a.content == first.content and a.fetched_at == first.fetched_at for a in again)
    assert replay.new_validators == live.new_validators == {server.url("/crates/x"): ('"e1"', None)}
    assert len(server.requests) == 1


def test_replay_miss_is_a_connector_error_and_not_retried(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    with make_client(settings(), replay_dir=tmp_path / "empty") as c:
        with pytest.raises(ConnectorError) as info:
            c.get("https://crates.io/api/v1/crates/nope?b=1&a=2")
        assert isinstance(info.value, ReplayMiss)
        assert "https://crates.io/api/v1/crates/nope?a=2&b=1" in str(info.value)
        assert c.stats["crates.io"].requests == 1 and c.stats["crates.io"].retries == 0


def test_make_client_rejects_record_and_replay_together(tmp_path: Path):
    with pytest.raises(ValueError):
        make_client(replay_dir=tmp_path, record_dir=tmp_path)


def test_link_header_becomes_absolute_links(server, client):
    base = server.url("/repositories/1/releases")
    link = f'<{base}?page=2>; rel="next", <{base}?page=5>; rel="last", </rel?p=1>; rel="first"'
    server.add("/repos/a/b/releases", body=[], headers={"Link": link})
    f = client.get(server.url("/repos/a/b/releases"))
    assert f.links == {"next": f"{base}?page=2", "last": f"{base}?page=5",
                       "first": server.url("/rel?p=1")}
