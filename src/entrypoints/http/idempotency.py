"""`Idempotency-Key` on every authenticated POST, as an ASGI layer the gate hands them to.

The request is identified by method, path (with query) and parsed JSON body (key order and
whitespace do not matter; a body that is not JSON counts byte for byte). The rules are
`application.idempotency`'s: a replay answers the stored status and body with
`Idempotent-Replayed: true`; another body with the key is 409 `idempotency_key_reused`; a
request still running with it is 409 `idempotency_key_in_use`. A key whose request created
a resource but died before its answer was kept is answered with that resource as
`GET {path}/{id}` shows it, as a 201, and that answer is kept. Bodies too large to accept
are left to the application (which answers 413) and not recorded."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from dishka import AsyncContainer

from application.errors import DatabaseUnavailable
from application.idempotency import (
    Created,
    IdempotencyGuard,
    KeyInUse,
    KeyReused,
    Replay,
    valid_key,
)
from application.ports.idempotency import StoredResponse
from entrypoints.http.caller import PRINCIPAL
from entrypoints.http.envelope import Refusal, request_id_of, send_refusal
from entrypoints.http.errors import refusal_for, validation_refusal

ASGIApp = Any
KEPT_HEADERS = frozenset({"content-type", "retry-after", "location", "allow", "www-authenticate"})
KEY_REUSED = Refusal(
    409, "idempotency_key_reused", "This Idempotency-Key was used with a different request."
)
KEY_IN_USE = Refusal(
    409, "idempotency_key_in_use", "A request with this Idempotency-Key is still being processed."
)


class Idempotency:
    def __init__(self, app: ASGIApp, container: AsyncContainer, max_body: int) -> None:
        self.app, self.container, self.max_body = app, container, max_body
        self._guard: IdempotencyGuard | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        key = _header(scope, b"idempotency-key")
        principal = scope.get(PRINCIPAL)
        if scope["type"] != "http" or scope["method"] != "POST" or key is None or not principal:
            await self.app(scope, receive, send)
            return
        if not valid_key(key):
            refusal = validation_refusal("Idempotency-Key", "must be 1 to 255 characters")
            await send_refusal(send, refusal, request_id_of(scope))
            return
        body, whole = await _read_body(receive, self.max_body)
        replay = _replayer(body, receive, more=not whole)
        if not whole:
            await self.app(scope, replay, send)
            return
        guard = self._guard or await self._resolve_guard()
        workspace = principal.workspace_id
        try:
            decision = await guard.begin(workspace, key, _fingerprint(scope, body))
        except DatabaseUnavailable as exc:
            await send_refusal(send, refusal_for(exc), request_id_of(scope))
            return
        if isinstance(decision, Replay):
            await _send_stored(send, decision.response)
        elif isinstance(decision, KeyReused):
            await send_refusal(send, KEY_REUSED, request_id_of(scope))
        elif isinstance(decision, KeyInUse):
            await send_refusal(send, KEY_IN_USE, request_id_of(scope))
        elif isinstance(decision, Created):
            await self._answer_created(scope, send, guard, key, decision)
        else:
            await self._run(scope, replay, send, guard, key)

    async def _answer_created(
        self,
        scope: dict[str, Any],
        send: Any,
        guard: IdempotencyGuard,
        key: str,
        created: Created,
    ) -> None:
        """The resource the key's first request created, read back through the app."""
        path = f"{scope['path'].rstrip('/')}/{created.resource_id}"
        read = {**scope, "method": "GET", "path": path, "raw_path": path.encode()}
        read["query_string"] = b""
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def nothing() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(read, nothing, capture)
        response = StoredResponse(
            201 if started.get("status") == 200 else started.get("status", 500),
            _kept_headers(started),
            b"".join(chunks),
        )
        if response.status == 201:
            await guard.finish(scope[PRINCIPAL].workspace_id, key, response)
        await _send_stored(send, response)

    async def _resolve_guard(self) -> IdempotencyGuard:
        self._guard = await self.container.get(IdempotencyGuard)
        return self._guard

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
        response = StoredResponse(started["status"], _kept_headers(started), b"".join(chunks))
        await guard.finish(workspace, key, response)


def _kept_headers(started: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name.decode("latin-1").lower(), value.decode("latin-1"))
        for name, value in started.get("headers", [])
        if name.decode("latin-1").lower() in KEPT_HEADERS
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
    except (ValueError, UnicodeDecodeError, RecursionError):
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
