"""Record and replay HTTP exchanges, in one on-disk format shared by the demo snapshot,
`panorama record DIR`, the per-run archive and `--replay DIR`.

Format: one JSON file per exchange at `DIR/<host>/<key>.json`, where
`key = sha1(f"{METHOD} {canonical_url}\\n{sha1(request body)}")[:20]` and `canonical_url`
has its query parameters sorted. The file holds::

    {
      "request":  {"method": "GET", "url": "https://crates.io/api/v1/crates/candle-core",
                   "headers": {...}, "body": null | "<text>"},
      "response": {"status": 200, "headers": {...}, "body": "<text>",
                   "body_encoding": "utf-8" | "base64"},
      "fetched_at": "2025-12-01T06:00:00+00:00",
      "synthetic": false          # true when the numbers were made up (demo snapshot)
    }

Secrets never reach disk: `Authorization` and cookie headers are dropped before writing (and a
credential echoed back in a response body is masked).
Replay ignores request headers (a conditional request replays whatever was recorded, 200 or
304) and reports the recorded fetch time in the `X-Panorama-Fetched-At` response header,
so provenance in replay is the time the data was really fetched.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

FETCHED_AT_HEADER = "X-Panorama-Fetched-At"
# Response extension carrying the file an exchange was written to / served from, so the
# HTTP layer can index the raw-response archive without re-deriving paths.
ARCHIVE_PATH_EXTENSION = "panorama.archive_path"
_SECRET_HEADERS = {"authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key"}


class RecordingError(Exception):
    """A recorded exchange file that cannot be served: not JSON, or a field of the wrong type."""


class ReplayMiss(Exception):
    """No recorded exchange matches a request during replay."""

    def __init__(self, method: str, url: str, folder: Path, body: bytes | None = None) -> None:
        expected = exchange_path(folder, method, url, body).relative_to(folder)
        super().__init__(
            f"no recorded response for {method.upper()} {canonical_url(url)} in {folder} "
            f"(expected file {expected}); record it first or run live"
        )
        self.method, self.url, self.folder = method, url, folder


def canonical_url(url: str) -> str:
    """URL with sorted query parameters, so equivalent requests share a key."""
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, query, ""))


def exchange_key(method: str, url: str, body: bytes | None) -> str:
    body_hash = hashlib.sha1(body or b"").hexdigest()
    raw = f"{method.upper()} {canonical_url(url)}\n{body_hash}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20]


def exchange_path(folder: Path, method: str, url: str, body: bytes | None) -> Path:
    host = urlsplit(url).netloc.lower() or "local"
    return folder / host / f"{exchange_key(method, url, body)}.json"


def has_recorded(folder: Path, method: str, url: str) -> bool:
    """Whether `folder` holds any recorded `method` exchange for `url` (any request body)."""
    host_dir = folder / (urlsplit(url).netloc.lower() or "local")
    want = (method.upper(), canonical_url(url))
    for path in sorted(host_dir.glob("*.json")) if host_dir.is_dir() else []:
        try:
            request = json.loads(path.read_text("utf-8")).get("request") or {}
        except (OSError, ValueError, AttributeError):
            continue
        if (str(request.get("method", "")).upper(), request.get("url")) == want:
            return True
    return False


def is_synthetic(folder: Path) -> bool:
    """Whether any exchange recorded in `folder` is marked synthetic (its numbers were made
    up: the demo snapshot). A run replaying such a folder must say so wherever its figures
    are shown. Unreadable files are left to the replay itself."""
    for path in folder.rglob("*.json"):
        try:
            if json.loads(path.read_text("utf-8")).get("synthetic") is True:
                return True
        except (OSError, ValueError, AttributeError):
            continue
    return False


def fetched_range(folder: Path) -> tuple[datetime, datetime] | None:
    """Earliest and latest `fetched_at` of the exchanges recorded in `folder` (None if none).

    Unreadable files are left to the replay itself (they fail their own request)."""
    times: list[datetime] = []
    for path in folder.rglob("*.json"):
        try:
            when = datetime.fromisoformat(json.loads(path.read_text("utf-8"))["fetched_at"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        times.append(when if when.tzinfo else when.replace(tzinfo=UTC))
    return (min(times), max(times)) if times else None


def _encode_body(content: bytes) -> tuple[str, str]:
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(content).decode("ascii"), "base64"


def _decode_body(body: str, encoding: str) -> bytes:
    return base64.b64decode(body) if encoding == "base64" else body.encode("utf-8")


def exchange_record(
    *,
    method: str,
    url: str,
    request_headers: dict[str, str] | None,
    request_body: bytes | None,
    status: int,
    response_headers: dict[str, str],
    content: bytes,
    fetched_at: datetime,
    synthetic: bool = False,
) -> dict[str, Any]:
    """The JSON document of one exchange, secrets removed.

    Credential headers are dropped; should a server echo a credential back in its body, the
    value is masked there too (a recording must be safe to publish).
    """
    body, encoding = _encode_body(content)
    secrets = secret_values(request_headers or {})
    if secrets and encoding == "utf-8":
        body = redact(body, secrets)
    return {
        "request": {
            "method": method.upper(),
            "url": canonical_url(url),
            "headers": {
                k.lower(): v
                for k, v in (request_headers or {}).items()
                if k.lower() not in _SECRET_HEADERS
            },
            "body": request_body.decode("utf-8") if request_body else None,
        },
        "response": {
            "status": status,
            "headers": {
                k.lower(): v
                for k, v in response_headers.items()
                if k.lower() not in _SECRET_HEADERS
                and k.lower() not in ("content-encoding", "transfer-encoding", "content-length")
            },
            "body": body,
            "body_encoding": encoding,
        },
        "fetched_at": fetched_at.astimezone(UTC).isoformat(),
        "synthetic": synthetic,
    }


def save_exchange(folder: Path, record: dict[str, Any]) -> Path:
    """Write an exchange document to its place in `folder` (temp file + rename)."""
    req = record["request"]
    body = req["body"].encode("utf-8") if req["body"] else None
    path = exchange_path(folder, req["method"], req["url"], body)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True), "utf-8")
    tmp.replace(path)
    return path


def load_exchange(path: Path) -> dict[str, Any]:
    """Read one recorded exchange, checked enough to serve it.

    A recorded status may be the number as text (``"200"``, hand-edited files); anything else
    that is not a status, or a file that is not an exchange at all, raises RecordingError
    naming the file, so that one bad file costs one request, never the run.
    """
    try:
        record = json.loads(path.read_text("utf-8"))
        response = record["response"]
        status = response["status"]
        if isinstance(status, bool) or not isinstance(status, int | str):
            raise TypeError(f"status is a {type(status).__name__}")
        response["status"] = int(status)
        if not 100 <= response["status"] <= 599:
            raise ValueError(f"status {status!r} is not an HTTP status")
        if not isinstance(response.get("body", ""), str):
            raise TypeError("body is not text")
        if not isinstance(response.get("headers", {}), dict):
            raise TypeError("headers are not an object")
        if not isinstance(record.get("fetched_at"), str):
            raise TypeError("fetched_at is not text")
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise RecordingError(f"unusable recorded exchange {path}: "
                             f"{type(exc).__name__}: {exc}") from None
    return record


def response_from_record(
    record: dict[str, Any], request: httpx.Request, path: Path | None = None
) -> httpx.Response:
    """Rebuild an httpx.Response from a recorded exchange (`path` = the file it came from)."""
    resp = record["response"]
    headers = {str(k): str(v) for k, v in (resp.get("headers") or {}).items()}
    headers[FETCHED_AT_HEADER] = record["fetched_at"]
    return httpx.Response(
        status_code=resp["status"],
        headers=headers,
        content=_decode_body(resp.get("body") or "", resp.get("body_encoding", "utf-8")),
        request=request,
        extensions={ARCHIVE_PATH_EXTENSION: str(path)} if path is not None else {},
    )


class ReplayTransport(httpx.BaseTransport):
    """Serves recorded exchanges from a folder; never touches the network."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FileNotFoundError(f"replay folder does not exist: {self.folder}")
        self.served: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read() or None
        path = exchange_path(self.folder, request.method, str(request.url), body)
        if not path.exists():
            raise ReplayMiss(request.method, str(request.url), self.folder, body)
        self.served.append(str(path))
        return response_from_record(load_exchange(path), request, path)


class RecordingTransport(httpx.BaseTransport):
    """Wraps a real transport and writes every exchange it carries into a folder."""

    def __init__(self, folder: Path | str, inner: httpx.BaseTransport | None = None) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.inner = inner or httpx.HTTPTransport()
        self.written: list[Path] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        try:
            content = response.read()
        finally:
            # Without close() the pooled connection is never released and every request
            # would open a new one (breaking "a single connection per host").
            response.close()
        fetched_at = datetime.now(UTC)
        record = exchange_record(
            method=request.method,
            url=str(request.url),
            request_headers=dict(request.headers),
            request_body=request.read() or None,
            status=response.status_code,
            response_headers=dict(response.headers),
            content=content,
            fetched_at=fetched_at,
        )
        path = save_exchange(self.folder, record)
        self.written.append(path)
        headers = dict(response.headers)
        for drop in ("content-encoding", "transfer-encoding", "content-length"):
            headers.pop(drop, None)
        headers[FETCHED_AT_HEADER] = fetched_at.isoformat()
        return httpx.Response(
            status_code=response.status_code,
            headers=headers,
            content=content,
            request=request,
            extensions={**response.extensions, ARCHIVE_PATH_EXTENSION: str(path)},
        )


def secret_values(headers: dict[str, str]) -> list[str]:
    """Values of headers that carry credentials (to scrub from messages and logs)."""
    return [v for k, v in headers.items() if k.lower() in _SECRET_HEADERS and v.strip()]


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every secret value, and each long word of it (the bare token of
    `Bearer <token>`), replaced by `***`."""
    for secret in secrets:
        for part in sorted({secret.strip(), *secret.split()}, key=len, reverse=True):
            if len(part) >= 8:  # skip scheme words like "Bearer"/"token"
                text = text.replace(part, "***")
    return text
