"""Rate limits per API key, as an ASGI layer just inside the gate.

The gate has authenticated the caller (`scope["openpost.principal"]`); this layer counts
the request against that key's budget, adds `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` to the answer, and past the limit answers 429 `rate_limited` with
`Retry-After` without reaching the application. Unauthenticated routes pass untouched."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from application.ports.rate_limiter import RateDecision, RateLimiter
from entrypoints.http.gate import PRINCIPAL, REQUEST_ID
from entrypoints.settings import Settings

ASGIApp = Any


class RateLimit:
    def __init__(self, app: ASGIApp, limiter: Callable[[], Awaitable[RateLimiter]]) -> None:
        self.app = app
        self._get_limiter = limiter
        self._limiter: RateLimiter | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        principal = scope.get(PRINCIPAL)
        if principal is None:
            await self.app(scope, receive, send)
            return
        limiter = self._limiter or await self._resolve()
        decision = await limiter.hit(principal.key_id.hex)
        headers = _headers(decision)
        if not decision.allowed:
            await _too_many(send, scope.get(REQUEST_ID), decision, headers)
            return

        async def send_with_limits(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_limits)

    async def _resolve(self) -> RateLimiter:
        self._limiter = await self._get_limiter()
        return self._limiter


def with_rate_limit(
    app: ASGIApp, settings: Settings, limiter: Callable[[], Awaitable[RateLimiter]]
) -> ASGIApp:
    """The app behind a rate limit, or the app itself when `RATE_LIMIT=0`."""
    return app if settings.rate_limit is None else RateLimit(app, limiter)


def _headers(decision: RateDecision) -> list[tuple[bytes, bytes]]:
    return [
        (b"ratelimit-limit", str(decision.limit).encode()),
        (b"ratelimit-remaining", str(decision.remaining).encode()),
        (b"ratelimit-reset", str(decision.reset_s).encode()),
    ]


async def _too_many(
    send: Any, request_id: str | None, decision: RateDecision, headers: list[tuple[bytes, bytes]]
) -> None:
    body = msgspec.json.encode(
        {
            "error": "Too many requests for this API key; retry after the window resets.",
            "code": "rate_limited",
            "request_id": request_id,
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(decision.reset_s).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
