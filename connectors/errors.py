"""The typed errors of a fetch that failed for good (after the HTTP layer's retries)."""

from __future__ import annotations

from datetime import datetime

from connectors.recording import ReplayMiss, canonical_url


class ConnectorError(Exception):
    """A fetch that failed for good (after retries). `url` and `status` say where and how."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None) -> None:
        Exception.__init__(self, message)  # not super(): ReplayMissError mixes in ReplayMiss
        self.url, self.status = url, status


class RateLimited(ConnectorError):
    """The host said "rate limited" (403/429 with a rate-limit signal) and the wait does not
    fit the run's budget, or it kept saying so: the host is stopped for the rest of the run."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None,
                 reset_at: datetime | None = None) -> None:
        super().__init__(message, url=url, status=status)
        self.reset_at = reset_at  # when the host may be asked again, if known


class NotFound(ConnectorError): ...          # 404 / 410 (never retried)
class Unauthorized(ConnectorError): ...      # 401 / 403 without rate-limit signals (never retried)
class ServerError(ConnectorError): ...       # 5xx still failing after retries
class ConnectionFailed(ServerError): ...     # connection refused/reset/cut short after retries
class FetchTimeout(ConnectorError): ...      # timed out after retries
class MalformedResponse(ConnectorError): ... # truncated JSON, HTML error page with 200, empty body


class ReplayMissError(ConnectorError, ReplayMiss):
    """Replay has no recording for a request: both a ConnectorError and a ReplayMiss."""

    def __init__(self, miss: ReplayMiss) -> None:
        ConnectorError.__init__(self, str(miss), url=canonical_url(miss.url), status=None)
        self.method, self.folder = miss.method, miss.folder


class BadRecording(ConnectorError):
    """A recorded exchange file that cannot be served (not JSON, a status that is no number)."""
