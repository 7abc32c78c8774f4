"""`Idempotency-Key` on every authenticated POST, as an ASGI layer the gate hands them to.

The request is identified by method, path (with query) and parsed JSON body (key order and
whitespace do not matter; a body that is not JSON counts byte for byte). The rules are
`application.idempotency`'s: a replay answers the stored status and body with
`Idempotent-Replayed: true`; another body with the key is 409 `idempotency_key_reused`; a
request still running with it is 409 `idempotency_key_in_use`. Bodies too large to accept
are left to the application (which answers 413) and not recorded."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from application.errors import DatabaseUnavailable
from application.idempotency import IdempotencyGuard, KeyInUse, KeyReused, Replay, valid_key
from application.ports.idempotency import StoredResponse
from entrypoints.http.gate import PRINCIPAL, REQUEST_ID

ASGIApp = Any
KEPT_HEADERS = frozenset({"content-type", "retry-after", "location", "allow", "www-authenticate"})


class Idempotency:
    def __init__(
        self, app: ASGIApp, guard: Callable[[], Awaitable[IdempotencyGuard]], max_body: int
    ) -> None:
        self.app, self._get_guard, self.max_body = app, guard, max_body

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        key = _header(scope, b"idempotency-key")
        principal = scope.get(PRINCIPAL)
        if scope["type"] != "http" or scope["method"] != "POST" or key is None or not principal:
            await self.app(scope, receive, send)
            return
        if not valid_key(key):
            reason = "must be 1 to 255 characters"
            details = {"field": "Idempotency-Key", "reason": reason}
            message = f"Invalid value for Idempotency-Key: {reason}"
            await _answer(send, scope, 422, "validation_error", message, details)
            return
        body, whole = await _read_body(receive, self.max_body)
        replay = _replayer(body, receive, more=not whole)
        if not whole:
            await self.app(scope, replay, send)
            return
        guard = await self._get_guard()
        workspace = principal.workspace_id
        try:
            decision = await guard.begin(workspace, key, _fingerprint(scope, body))
        except DatabaseUnavailable:
            await _answer(send, scope, 503, "database_unavailable", "The database is unavailable.")
            return
        if isinstance(decision, Replay):
            await _send_stored(send, decision.response)
        elif isinstance(decision, KeyReused):
            message = "This Idempotency-Key was used with a different request."
            await _answer(send, scope, 409, "idempotency_key_reused", message)
        elif isinstance(decision, KeyInUse):
            message = "A request with this Idempotency-Key is still being processed."
            await _answer(send, scope, 409, "idempotency_key_in_use", message)
        else:
            await self._run(scope, replay, send, guard, key)

    async def _run(
        self, scope: dict[str, Any], receive: Any, send: Any, guard: IdempotencyGuard, key: str
    ) -> None:
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        workspace = scope[PRINCIPAL].workspace_id
        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await guard.abandon(workspace, key)
            raise
        if not started:
            await guard.abandon(workspace, key)
            return
        headers = tuple(
            (name.decode("latin-1").lower(), value.decode("latin-1"))
            for name, value in started.get("headers", [])
            if name.decode("latin-1").lower() in KEPT_HEADERS
        )
        await guard.finish(
            workspace, key, StoredResponse(started["status"], headers, b"".join(chunks))
        )


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _fingerprint(scope: dict[str, Any], body: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
        payload = b"json:" + canonical.encode()
    except (ValueError, UnicodeDecodeError):
        payload = b"raw:" + body
    target = f"{scope['method']} {scope['path']}?{scope.get('query_string', b'').decode()}"
    return hashlib.sha256(target.encode() + b"\n" + payload).hexdigest()


async def _read_body(receive: Any, limit: int) -> tuple[bytes, bool]:
    """The body, and whether it is whole (False once it passes `limit`)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks), False
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replayer(body: bytes, receive: Any, *, more: bool) -> Callable[[], Awaitable[dict[str, Any]]]:
    """Gives the application the body already read, then whatever is left to receive."""
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        message: dict[str, Any] = await receive()
        return message

    return replay


async def _send_stored(send: Any, response: StoredResponse) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers += [
        (b"content-length", str(len(response.body)).encode()),
        (b"idempotent-replayed", b"true"),
    ]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def _answer(
    send: Any,
    scope: dict[str, Any],
    status: int,
    code: str,
    message: str,
    details: dict[str, str] | None = None,
) -> None:
    payload: dict[str, Any] = {"error": message, "code": code, "request_id": scope.get(REQUEST_ID)}
    if details:
        payload["details"] = details
    body = msgspec.json.encode(payload)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
