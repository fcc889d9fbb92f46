"""A real HTTP server on 127.0.0.1 with scripted responses, for connector tests.

Each test scripts what the server answers, path by path, and afterwards inspects what the
server received (headers included). The server is a threaded `http.server` on an ephemeral
port speaking HTTP/1.1, so the client's real transport, timeouts and keep-alive are exercised.

Import it as ``support.loopback``: pytest puts ``tests/`` on ``sys.path`` (rootdir-less
``tests/`` with a conftest, default "prepend" import mode)::

    from support.loopback import LoopbackServer, Reply

    def test_retry(tmp_path):
        with LoopbackServer() as server:
            server.add("/crates/x", status=429, headers={"Retry-After": "1"})
            server.add("/crates/x", body={"crate": {"name": "x"}})     # dict -> JSON
            got = client.get(server.url("/crates/x"))
            assert [r.status for r in server.served] == [429, 200]
            assert server.requests[0].headers["user-agent"].startswith("panorama")

or, with the fixture (register it once in ``tests/conftest.py`` with
``pytest_plugins = ["support.loopback"]``, or import it into the test module)::

    def test_x(loopback):
        loopback.add("/feed.xml", body=b"<feed/>", headers={"Content-Type": "application/atom+xml"})

Scripting:

* ``add(path, status=200, body=b"", headers=None, delay_s=0, drop_after=None, times=1)``
  appends a reply to the queue of `path`; replies are served in order, one per request.
* ``queue(path, *replies)`` appends ready-made `Reply` objects.
* ``always(path, reply)`` sets the reply served whenever the path's queue is empty.
* A scripted path without `?` matches any query string; a path with `?` matches requests
  with exactly those parameters, in any order, first (e.g. ``"/crates?page=2&per_page=100"``).
* ``body`` may be bytes, str (UTF-8) or a dict/list (JSON, with `Content-Type:
  application/json` unless given). ``delay_s`` sleeps before answering (timeouts);
  ``drop_after=n`` announces the full Content-Length, sends n body bytes and closes the
  connection (a body cut short in transit).
* A request nothing was scripted for gets a 404 with header `X-Loopback-Unmatched: 1`
  (not retried by the client, so tests fail fast) and is listed in ``unmatched``.

Inspection: ``requests`` (every `Received`, in arrival order), ``received(path)`` (those for
one path, query ignored), ``served`` (the `Reply` given to each request), ``unmatched``.
`Received.at` is `time.monotonic()` at arrival, for spacing assertions; `Received.peer` is the
client address (one port for several requests = one reused connection).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import httpx
import pytest

__all__ = ["LoopbackServer", "Received", "Reply", "Reroute", "loopback"]


@dataclass
class Reply:
    """One canned response.

    Attributes:
        status: HTTP status code.
        headers: response headers (Content-Length is computed).
        body: bytes, str (UTF-8) or a JSON-serialisable dict/list.
        delay_s: seconds to wait before answering.
        drop_after: send only this many body bytes, then close the connection.
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | str | dict[str, Any] | list[Any] = b""
    delay_s: float = 0.0
    drop_after: int | None = None

    def encoded(self) -> tuple[dict[str, str], bytes]:
        """Headers and body bytes as they go on the wire."""
        headers = dict(self.headers)
        body = self.body
        if isinstance(body, dict | list):
            body = json.dumps(body).encode("utf-8")
            if not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json"
        elif isinstance(body, str):
            body = body.encode("utf-8")
        return headers, body


@dataclass(frozen=True)
class Received:
    """A request as the server saw it. `headers` keys are lower-case."""

    method: str
    target: str  # path with query string, as sent
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() on arrival
    peer: tuple[str, int] = ("", 0)  # client address; same port = same (kept-alive) connection

    @property
    def path(self) -> str:
        """The path without query string."""
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        """Query parameters (first value of each)."""
        return {k: v[0] for k, v in parse_qs(urlsplit(self.target).query).items()}

    def json(self) -> Any:
        """The request body parsed as JSON."""
        return json.loads(self.body)


def _route_key(target: str) -> str:
    """Path plus sorted query, so scripted and received targets compare regardless of order."""
    parts = urlsplit(target)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{parts.path}?{query}" if query else parts.path


_UNMATCHED = Reply(404, {"X-Loopback-Unmatched": "1", "Content-Type": "text/plain"},
                   b"loopback: no reply scripted for this path")


class LoopbackServer:
    """Threaded HTTP/1.1 server on 127.0.0.1:<ephemeral port>; use as a context manager."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Reply]] = {}
        self._always: dict[str, Reply] = {}
        self.requests: list[Received] = []
        self.served: list[Reply] = []
        self.unmatched: list[Received] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> LoopbackServer:
        """Bind an ephemeral port and serve in a daemon thread."""
        handler = type("Handler", (_Handler,), {"server_ref": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True  # delayed replies must not block shutdown
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`."""
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, path: str) -> str:
        """Absolute URL of `path` on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # -- scripting -------------------------------------------------------------------

    def add(
        self, path: str, *, status: int = 200,
        body: bytes | str | dict[str, Any] | list[Any] = b"",
        headers: dict[str, str] | None = None, delay_s: float = 0.0,
        drop_after: int | None = None, times: int = 1,
    ) -> None:
        """Append a reply (`times` copies) to the queue of `path`."""
        reply = Reply(status, dict(headers or {}), body, delay_s, drop_after)
        self.queue(path, *([reply] * times))

    def queue(self, path: str, *replies: Reply) -> None:
        """Append ready-made replies to the queue of `path`."""
        with self._lock:
            self._queues.setdefault(_route_key(path), deque()).extend(replies)

    def always(self, path: str, reply: Reply) -> None:
        """Serve `reply` for `path` whenever its queue is empty."""
        with self._lock:
            self._always[_route_key(path)] = reply

    # -- inspection ------------------------------------------------------------------

    def received(self, path: str | None = None) -> list[Received]:
        """Requests received, optionally only those for `path` (query ignored)."""
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    # -- used by the handler ---------------------------------------------------------

    def _take(self, request: Received) -> Reply:
        with self._lock:
            self.requests.append(request)
            reply = None
            keys = (_route_key(request.target), request.path)
            for key in keys:
                queue = self._queues.get(key)
                if queue:
                    reply = queue.popleft()
                    break
            if reply is None:
                reply = self._always.get(keys[0]) or self._always.get(keys[1])
            if reply is None:
                self.unmatched.append(request)
                reply = _UNMATCHED
            self.served.append(reply)
            return reply


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like real APIs
    server_ref: LoopbackServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        received = Received(self.command, self.path,
                            {k.lower(): v for k, v in self.headers.items()}, body,
                            time.monotonic(), tuple(self.client_address[:2]))
        reply = self.server_ref._take(received)
        if reply.delay_s:
            time.sleep(reply.delay_s)
        headers, payload = reply.encoded()
        try:
            self.send_response(reply.status)
            for name, value in headers.items():
                self.send_header(name, value)
            if reply.status != 304:
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if reply.status == 304 or self.command == "HEAD":
                return
            if reply.drop_after is not None:
                self.wfile.write(payload[: reply.drop_after])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (timeout test); nothing to answer.
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence per-request logging to stderr."""


class Reroute(httpx.BaseTransport):
    """An httpx transport that sends every request to a loopback server instead of its host,
    the host becoming the first path segment (``https://crates.io/api/v1/crates/x`` is served
    by ``/crates.io/api/v1/crates/x``). The response keeps the original request, so a flow
    run through it records the real URLs; only the wire goes to 127.0.0.1.

    For tests of whole flows, whose connectors take their API roots from constants: give the
    flow's client this transport (``make_client(transport=Reroute(server))``).
    """

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = self.server.url(f"/{request.url.host}{request.url.raw_path.decode('ascii')}")
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"host"]
        forwarded = httpx.Request(request.method, target, headers=headers,
                                  content=request.read())
        got = self._inner.handle_request(forwarded)
        try:
            content = got.read()
        finally:
            got.close()
        return httpx.Response(got.status_code, headers=got.headers, content=content,
                              request=request)

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    """A started LoopbackServer, stopped after the test."""
    with LoopbackServer() as server:
        yield server
