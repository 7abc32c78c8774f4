"""The outermost ASGI layer: a request id on every answer (and in the access log), and the
API key checked on `/v1` before anything else (before routing, so even an unknown route
answers 401)."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

import msgspec

from application.authenticate import AuthenticateApiKey
from application.errors import DatabaseUnavailable

ASGIApp = Any  # Litestar, or any ASGI callable
PRINCIPAL = "openpost.principal"
REQUEST_ID = "openpost.request_id"
access_log = logging.getLogger("openpost.access")


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


def bearer_token(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer":
                return None
            return token.strip() or None
    return None


class Gate:
    def __init__(self, app: ASGIApp, authenticate: Callable[[], AuthenticateApiKey]) -> None:
        self.app = app
        self.authenticate = authenticate

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        scope[REQUEST_ID] = request_id
        header = (b"request-id", request_id.encode())
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await self._handle(scope, receive, send_with_id, request_id)
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
        self, scope: dict[str, Any], receive: Any, send_with_id: Any, request_id: str
    ) -> None:

        if scope["path"] == "/v1" or scope["path"].startswith("/v1/"):
            token = bearer_token(scope["headers"])
            try:
                principal = await self.authenticate().execute(token) if token else None
            except DatabaseUnavailable:
                await _answer(
                    send_with_id,
                    503,
                    {
                        "error": "The database is unavailable.",
                        "code": "database_unavailable",
                        "request_id": request_id,
                    },
                )
                return
            if principal is None:
                await _answer(send_with_id, 401, UNAUTHORIZED, [(b"www-authenticate", b"Bearer")])
                return
            scope[PRINCIPAL] = principal
        await self.app(scope, receive, send_with_id)


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
