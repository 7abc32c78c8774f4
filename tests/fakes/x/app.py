"""The ASGI application: X's routes, fault injection, and /_fake control routes."""

from __future__ import annotations

import asyncio
import re
import socket
import struct
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from .control import CONTROL_ROUTES
from .faults import Fault
from .wire import JSON, Refused, Reply, Request

if TYPE_CHECKING:
    from .fake import FakeX

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Handler = Callable[["FakeX", Request], Reply]


def _auth(request: Request) -> str:
    return request.headers.get("authorization", "")


API_ROUTES: dict[tuple[str, str], tuple[str, Handler]] = {
    ("GET", "/i/oauth2/authorize"): ("authorize", lambda x, r: x.oauth.authorize(r.query)),
    ("POST", "/2/oauth2/token"): ("token", lambda x, r: x.oauth.token(r.form(), _auth(r))),
    ("POST", "/2/oauth2/revoke"): ("revoke", lambda x, r: x.oauth.revoke(r.form(), _auth(r))),
    ("GET", "/2/users/me"): ("users_me", lambda x, r: x.api.users_me(_auth(r), r.query)),
    ("POST", "/2/tweets"): ("create_tweet", lambda x, r: x.api.create_tweet(_auth(r), r)),
    ("POST", "/2/media/upload/initialize"): (
        "media_initialize",
        lambda x, r: x.api.media_initialize(_auth(r), r),
    ),
    ("GET", "/2/media/upload"): (
        "media_status",
        lambda x, r: x.api.media_status(_auth(r), r.query),
    ),
    ("POST", "/2/media/metadata"): (
        "media_metadata",
        lambda x, r: x.api.media_metadata(_auth(r), r),
    ),
}
USER_TWEETS = re.compile(r"/2/users/(?P<id>[^/]+)/tweets")
MEDIA_ID_ROUTE = re.compile(r"/2/media/upload/(?P<id>[0-9]{1,19})/(?P<verb>append|finalize)")


def _route(request: Request) -> tuple[str, Handler] | None:
    """The exact routes, then those with a path parameter."""
    route = API_ROUTES.get((request.method, request.path))
    found = USER_TWEETS.fullmatch(request.path)
    if route is None and request.method == "GET" and found is not None:
        user_id = found["id"]
        return "user_tweets", lambda x, r: x.api.user_tweets(_auth(r), user_id, r.query)
    media = MEDIA_ID_ROUTE.fullmatch(request.path)
    if route is None and request.method == "POST" and media is not None:
        media_id = media["id"]
        if media["verb"] == "append":
            return "media_append", lambda x, r: x.api.media_append(_auth(r), media_id, r)
        return "media_finalize", lambda x, r: x.api.media_finalize(_auth(r), media_id)
    return route


class FakeXApp:
    """Plain ASGI, so every byte of every answer (and every dropped socket) is ours."""

    def __init__(self, fake: FakeX) -> None:
        self.fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = await _read(scope, receive)
        if request.path.startswith("/_fake/"):
            reply: Reply | None = self._control(request)
        else:
            reply = await self._api(request, send)
        if reply is not None:
            await _write(send, reply)

    def _control(self, request: Request) -> Reply:
        handler = CONTROL_ROUTES.get((request.method, request.path))
        if handler is None:
            return Reply.json(404, {"error": f"no control route {request.method} {request.path}"})
        try:
            return handler(self.fake, request)
        except (KeyError, ValueError, TypeError) as error:
            return Reply.json(400, {"error": f"{type(error).__name__}: {error}"})

    async def _api(self, request: Request, send: Send) -> Reply | None:
        """Latency, then the endpoint's next fault if any, else the real rule."""
        route = _route(request)
        if route is None:
            return Reply.problem(404, "Not Found Error", "Sorry, that page does not exist.")
        endpoint, handler = route
        fault = self.fake.begin(endpoint)
        if self.fake.latency > 0:
            await asyncio.sleep(self.fake.latency)
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
            fault = None
        elif fault is not None and fault.kind == "hold":
            await self.fake.gate.wait(endpoint)
            fault = None
        if fault is None:
            reply = self._run(handler, request)
        else:
            if fault.after_effect:
                self._run(handler, request)
            if fault.kind == "reset":
                self.fake.record(endpoint, "reset")
                await _drop_connection(send)
                return None
            reply = self._fault_reply(endpoint, fault)
        self.fake.record(endpoint, reply.status)
        return reply

    def _run(self, handler: Handler, request: Request) -> Reply:
        with self.fake.lock:
            try:
                return handler(self.fake, request)
            except Refused as refusal:
                return refusal.reply

    def _fault_reply(self, endpoint: str, fault: Fault) -> Reply:
        """The scripted answer; a 429 reports the endpoint's limit (0 where X sets none)."""
        if fault.kind == "malformed":
            return Reply(201 if endpoint == "create_tweet" else 200, b'{"data":{"id":"12', JSON)
        if fault.kind == "rate_limit":
            limit, _ = self.fake.api.limiter.limits.get(endpoint, (0, 0))
            headers = [
                ("x-rate-limit-limit", str(limit)),
                ("x-rate-limit-remaining", "0"),
                ("x-rate-limit-reset", str(int(self.fake.now()) + fault.reset_in)),
            ]
            return Reply.problem(429, "Too Many Requests", headers=headers)
        return Reply.problem(fault.status, HTTPStatus(fault.status).phrase)


async def _read(scope: Scope, receive: Receive) -> Request:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    headers = {
        key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]
    }
    return Request(
        method=scope["method"],
        path=scope["path"],
        query={key: values[0] for key, values in query.items()},
        headers=headers,
        body=b"".join(chunks),
    )


async def _write(send: Send, reply: Reply) -> None:
    headers = [(b"content-length", str(len(reply.body)).encode())]
    if reply.content_type:
        headers.append((b"content-type", reply.content_type.encode()))
    headers += [(name.encode(), value.encode()) for name, value in reply.headers]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


async def _drop_connection(send: Send) -> None:
    """Abort the socket with RST (SO_LINGER 0), as a crashed peer or proxy would.

    Uvicorn keeps the transport on the object whose bound method is `send`;
    without it (another server) we raise and let the server close the socket.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionResetError("fake X dropped the connection")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    for _ in range(3):
        await asyncio.sleep(0)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
