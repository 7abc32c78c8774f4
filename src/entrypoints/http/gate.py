"""The one ASGI layer in front of Litestar: a request id on every answer (and in the access
log); on `/v1`, before anything else (before routing, so even an unknown route answers
401), the API key checked and the request counted against the key's rate limit; then an
authenticated POST goes through the `Idempotency-Key` layer, anything else straight on.

One layer rather than a stack of three: every request crosses it, and each nested layer
cost a closure and a header list per request."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from application.authenticate import AuthenticateApiKey
from application.errors import DatabaseUnavailable
from application.ports.rate_limiter import RateLimiter
from entrypoints.http.rate_limit import answer_rate_limited, limit_headers

ASGIApp = Any  # Litestar, or any ASGI callable
PRINCIPAL = "openpost.principal"
REQUEST_ID = "openpost.request_id"
access_log = logging.getLogger("openpost.access")
_random_bits = random.getrandbits  # the module's generator: seeded afresh in a forked child


def new_request_id() -> str:
    """96 random bits: unique enough to find one request's lines, and no secret (it is
    sent back in `Request-Id`), so the per-process generator serves, without a syscall."""
    return f"req_{_random_bits(96):024x}"


def bearer_token(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer":
                return None
            return token.strip() or None
    return None


class Gate:
    def __init__(
        self,
        app: ASGIApp,
        idempotent: ASGIApp,
        authenticate: Callable[[], AuthenticateApiKey],
        limiter: Callable[[], Awaitable[RateLimiter]] | None,
    ) -> None:
        """`app` answers everything; `idempotent` is `app` behind the `Idempotency-Key`
        layer, for authenticated POSTs. `limiter` is None when rate limiting is off."""
        self.app = app
        self.idempotent = idempotent
        self.authenticate = authenticate
        self._get_limiter = limiter
        self._limiter: RateLimiter | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        scope[REQUEST_ID] = request_id
        added = [(b"request-id", request_id.encode())]
        started = time.perf_counter()
        status = 0

        async def send_with_headers(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *added]
            await send(message)

        try:
            await self._handle(scope, receive, send_with_headers, request_id, added)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                # The path only: a query string may hold an OAuth code.
                access_log.info(
                    "%s %s %s %.1fms %s",
                    scope["method"],
                    scope["path"],
                    status,
                    (time.perf_counter() - started) * 1000,
                    request_id,
                    extra={"request_id": request_id},
                )

    async def _handle(
        self,
        scope: dict[str, Any],
        receive: Any,
        send: Any,
        request_id: str,
        added: list[tuple[bytes, bytes]],
    ) -> None:
        path = scope["path"]
        if path != "/v1" and not path.startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        token = bearer_token(scope["headers"])
        try:
            principal = await self.authenticate().execute(token) if token else None
        except DatabaseUnavailable:
            await _answer(
                send,
                503,
                {
                    "error": "The database is unavailable.",
                    "code": "database_unavailable",
                    "request_id": request_id,
                },
            )
            return
        if principal is None:
            await _answer(send, 401, UNAUTHORIZED, [(b"www-authenticate", b"Bearer")])
            return
        scope[PRINCIPAL] = principal
        if self._get_limiter is not None:
            limiter = self._limiter or await self._resolve_limiter(self._get_limiter)
            decision = await limiter.hit(principal.key_id.hex)
            added.extend(limit_headers(decision))
            if not decision.allowed:
                await answer_rate_limited(send, request_id, decision)
                return
        if scope["method"] == "POST":
            await self.idempotent(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _resolve_limiter(self, get: Callable[[], Awaitable[RateLimiter]]) -> RateLimiter:
        self._limiter = await get()
        return self._limiter


# Exactly these two fields, as the contract fixes it; the request id is in the header.
UNAUTHORIZED = {"error": "Invalid API key", "code": "invalid_api_key"}


async def _answer(
    send: Any,
    status: int,
    payload: dict[str, str],
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = msgspec.json.encode(payload)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
