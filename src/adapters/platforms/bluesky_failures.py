"""What a failed XRPC call means, read from the SDK's or httpx's exception.

A failure is transient when no answer came back (connect error, timeout, cut connection),
or the answer was a 429 or a 5xx: those become `PlatformRateLimited` or `PlatformUnreachable`
and never change an integration's status. Every other answer is for the caller to judge.
`sent` is False only when the request surely never left (it could not connect): a publish
that may have arrived is never sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from application.ports.platforms import PlatformError, PlatformRateLimited, PlatformUnreachable

NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@dataclass(frozen=True, slots=True)
class Failure:
    status: int | None  # None when no answer came back
    error: str  # the XRPC error name (`ExpiredToken`), or the transport error's class name
    message: str
    sent: bool = True
    reset_at: datetime | None = None

    def as_port_error(self) -> PlatformError | None:
        """The port error of a transient failure; None for one the caller must judge."""
        if self.status == 429:
            return PlatformRateLimited(self.reset_at, "Bluesky rate limit reached")
        if self.status is None:
            return PlatformUnreachable(f"Bluesky did not answer ({self.error})", sent=self.sent)
        if self.status >= 500:
            return PlatformUnreachable(f"Bluesky failed with {self.status}", sent=False)
        return None


def lasting(error: Exception) -> Failure:
    """The failure behind a call's exception, when it is a refusal for the caller to judge.

    Call it in an `except` block. A transient failure is raised as its port error; an
    exception that is neither an XRPC answer nor a network failure (a bug) is re-raised.
    """
    failure = failure_of(error)
    if failure is None:
        raise error
    port_error = failure.as_port_error()
    if port_error is not None:
        raise port_error from error
    return failure


def failure_of(error: BaseException) -> Failure | None:
    """The failure behind an exception, or None when it is no XRPC or network failure."""
    from atproto_client.exceptions import RequestErrorBase  # loaded by then: no import cost

    if isinstance(error, RequestErrorBase):
        response = error.response
        if response is None:
            cause = error.__cause__
            return Failure(None, type(cause or error).__name__, "", sent=_maybe_sent(cause))
        content = response.content
        return Failure(
            status=response.status_code,
            error=str(getattr(content, "error", None) or ""),
            message=str(getattr(content, "message", None) or ""),
            reset_at=_reset_at(response.headers),
        )
    if isinstance(error, httpx.HTTPError):
        return Failure(None, type(error).__name__, "", sent=_maybe_sent(error))
    return None


def _maybe_sent(cause: BaseException | None) -> bool:
    return not isinstance(cause, NOT_SENT)


def _reset_at(headers: dict[str, str] | None) -> datetime | None:
    value = (headers or {}).get("ratelimit-reset", "")
    return datetime.fromtimestamp(int(value), UTC) if value.isdigit() else None
