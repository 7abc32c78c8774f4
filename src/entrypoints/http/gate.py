"""The one ASGI layer in front of Litestar: a request id on every answer (and in the access
log); on `/v1` and `/mcp`, before anything else (before routing, so even an unknown route
answers 401), the API key checked and the request counted against the key's rate limit;
then `/mcp` goes to the MCP endpoint, an authenticated POST through the `Idempotency-Key`
layer, anything else straight on. What is not authenticated (any other path, a refused
key) counts against its client address's budget instead (`address_limit`).

Whether a request is under `/v1` is decided on the path the router will route (Litestar's
`normalize_path`: outer slashes stripped, doubled ones collapsed), so `//v1/integrations`
is checked like `/v1/integrations`. The services come from the application's dishka
container, resolved on first use (they live as long as the process).

One layer rather than a stack of three: every request crosses it, and each nested layer
cost a closure and a header list per request."""

from __future__ import annotations

import logging
import time
from typing import Any

from dishka import AsyncContainer
from litestar.utils import normalize_path

from application.authenticate import AuthenticateApiKey
from application.errors import DatabaseUnavailable
from application.ports.api_keys import Principal
from application.ports.metrics import Metrics
from application.ports.rate_limiter import RateLimiter
from entrypoints.http.address_limit import AddressLimit, address_limited, client_address
from entrypoints.http.caller import PRINCIPAL
from entrypoints.http.dashboard.session import COOKIE_PATH as DASHBOARD
from entrypoints.http.dashboard.session import SessionSealer, session_cookie_of
from entrypoints.http.docs_page import missing_page_headers
from entrypoints.http.envelope import REQUEST_ID, new_request_id, send_refusal
from entrypoints.http.errors import UNAUTHENTICATED, refusal_for
from entrypoints.http.metrics import METRICS_PATH, route_of
from entrypoints.http.rate_limit import limit_headers, rate_limited

ASGIApp = Any  # Litestar, or any ASGI callable
access_log = logging.getLogger("openpost.access")


def bearer_token(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer":
                return None
            return token.strip() or None
    return None


def is_api_path(path: str) -> bool:
    """Whether the router will route `path` under /v1, so the key must be checked. A path
    that starts with `/v1/` always is (normalising it keeps that prefix), so only the
    others are normalised, as the router will."""
    if path.startswith("/v1/"):
        return True
    routed = normalize_path(path)
    return routed == "/v1" or routed.startswith("/v1/")


def is_mcp_path(path: str) -> bool:
    return normalize_path(path) == "/mcp"


class Gate:
    def __init__(
        self,
        app: ASGIApp,
        idempotent: ASGIApp,
        container: AsyncContainer,
        rate_limits: bool,
        address_limits: bool = False,
        mcp: ASGIApp | None = None,
        metrics_page: ASGIApp | None = None,
        counting: bool = False,
    ) -> None:
        """`app` answers everything; `idempotent` is `app` behind the `Idempotency-Key`
        layer, for authenticated POSTs; `mcp` answers `/mcp`. `rate_limits` False: no
        limiter is asked for; `address_limits` False: unauthenticated requests are not
        counted per address. `metrics_page` answers `/metrics` (None: an unknown route);
        `counting` True: every answer and refusal is counted in the `Metrics` service."""
        self.app = app
        self.idempotent = idempotent
        self.mcp = mcp
        self.container = container
        self.rate_limits = rate_limits
        self.address_limits = address_limits
        self.metrics_page = metrics_page
        self.counting = counting
        self._metrics: Metrics | None = None
        self._authenticate: AuthenticateApiKey | None = None
        self._limiter: RateLimiter | None = None
        self._address_limit: AddressLimit | None = None
        self._sealer: SessionSealer | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "HEAD":  # answered as the GET, without its body (RFC 9110, 9.3.2)
            scope = {**scope, "method": "GET"}
        if self.metrics_page is not None and scope["path"] == METRICS_PATH:
            await self.metrics_page(scope, receive, send)
            return
        if self.counting and self._metrics is None:
            self._metrics = await self.container.get(Metrics)
        request_id = new_request_id()
        scope[REQUEST_ID] = request_id
        added = [(b"request-id", request_id.encode())]
        started = time.perf_counter()
        status = 0

        async def send_with_headers(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", ())
                message["headers"] = [*headers, *added, *missing_page_headers(headers)]
            elif method == "HEAD":
                message = {**message, "body": b""}
            await send(message)

        try:
            await self._handle(scope, receive, send_with_headers, request_id, added)
        finally:
            if self._metrics is not None:
                elapsed = time.perf_counter() - started
                route = route_of(scope, status, self.app)
                self._metrics.request_served(method, route, status, elapsed)
            if access_log.isEnabledFor(logging.INFO):
                # The path only: a query string may hold an OAuth code.
                access_log.info(
                    "%s %s %s %.1fms %s",
                    method,
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
        limit = self._address_limit or await self._resolve_address_limit()
        address = client_address(scope, limit.trusted) if limit is not None else ""
        api = is_api_path(scope["path"])
        mcp = self.mcp if not api and self.mcp and is_mcp_path(scope["path"]) else None
        if mcp is None and not api:
            person = await self._dashboard_principal(scope) if limit is not None else None
            if person is not None:
                # A signed-in person's pages count against their key's budget, as the API.
                if self.rate_limits:
                    limiter = self._limiter or await self._resolve_limiter()
                    decision = await limiter.hit(person.key_id.hex)
                    if not decision.allowed:
                        self._refused("key")
                        await send_refusal(send, rate_limited(decision), request_id)
                        return
            elif limit is not None:
                decision = await limit.hit(address)
                if not decision.allowed:
                    self._refused("address")
                    await send_refusal(send, address_limited(decision.reset_s), request_id)
                    return
            await self.app(scope, receive, send)
            return
        token = bearer_token(scope["headers"])
        authenticate = self._authenticate or await self._resolve_authenticate()
        if limit is not None:
            # An address over its budget costs no lookup, unless its key is known here.
            wait = limit.over_for(address)
            if wait is not None and (token is None or authenticate.cached(token) is None):
                self._refused("address")
                await send_refusal(send, address_limited(wait), request_id)
                return
        try:
            principal = await authenticate.execute(token) if token else None
        except DatabaseUnavailable as exc:
            await send_refusal(send, refusal_for(exc), request_id)
            return
        if principal is None:
            if limit is not None:
                decision = await limit.hit(address)
                if not decision.allowed:
                    self._refused("address")
                    await send_refusal(send, address_limited(decision.reset_s), request_id)
                    return
            await send_refusal(send, UNAUTHENTICATED, request_id)
            return
        scope[PRINCIPAL] = principal
        if self.rate_limits:
            limiter = self._limiter or await self._resolve_limiter()
            decision = await limiter.hit(principal.key_id.hex)
            added.extend(limit_headers(decision))
            if not decision.allowed:
                self._refused("key")
                await send_refusal(send, rate_limited(decision), request_id)
                return
        if mcp is not None:
            await mcp(scope, receive, send)
        elif scope["method"] == "POST":
            await self.idempotent(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _refused(self, budget: str) -> None:
        if self._metrics is not None:
            self._metrics.rate_limit_refused(budget)

    async def _dashboard_principal(self, scope: dict[str, Any]) -> Principal | None:
        """The principal of a dashboard request's valid session, if it carries one."""
        if not scope["path"].startswith(DASHBOARD):
            return None
        cookie = session_cookie_of(scope["headers"])
        if cookie is None:
            return None
        sealer = self._sealer or await self._resolve_sealer()
        session = sealer.open(cookie)
        if session is None:
            return None
        authenticate = self._authenticate or await self._resolve_authenticate()
        try:
            return await authenticate.execute(session.api_key)
        except DatabaseUnavailable:
            return None

    async def _resolve_sealer(self) -> SessionSealer:
        sealer: SessionSealer = await self.container.get(SessionSealer)
        self._sealer = sealer
        return sealer

    async def _resolve_authenticate(self) -> AuthenticateApiKey:
        authenticate: AuthenticateApiKey = await self.container.get(AuthenticateApiKey)
        self._authenticate = authenticate
        return authenticate

    async def _resolve_address_limit(self) -> AddressLimit | None:
        if not self.address_limits:
            return None
        limit: AddressLimit = await self.container.get(AddressLimit)
        self._address_limit = limit
        return limit

    async def _resolve_limiter(self) -> RateLimiter:
        limiter: RateLimiter = await self.container.get(RateLimiter)
        self._limiter = limiter
        return limiter
