"""The Litestar application factory: one container, one error table, one gate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from dishka import AsyncContainer
from litestar import Litestar
from litestar.config.response_cache import ResponseCacheConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins import PluginProtocol
from litestar.plugins.core import MsgspecDIPlugin
from sqlalchemy.ext.asyncio import AsyncEngine

from application.authenticate import AuthenticateApiKey
from application.find_next_slot import FindNextSlot
from application.get_integration import GetIntegration
from application.idempotency import IdempotencyGuard
from application.list_integrations import ListIntegrations
from application.ports.rate_limiter import RateLimiter
from entrypoints.di import build_container
from entrypoints.http import errors
from entrypoints.http.bluesky_connect import BlueskyConnectController
from entrypoints.http.di_router import ScopedDishkaRouter
from entrypoints.http.gate import Gate
from entrypoints.http.health import healthz, readyz
from entrypoints.http.idempotency import Idempotency
from entrypoints.http.integrations import STATE_KEY as INTEGRATION_READS
from entrypoints.http.integrations import IntegrationController, IntegrationReadServices
from entrypoints.http.openapi import SECURITY_COMPONENTS, StrictStructSchemaPlugin
from entrypoints.http.options import repair_options_allow
from entrypoints.http.posts import PostController
from entrypoints.http.rendered import RenderedAnswers
from entrypoints.http.twitter_callback import TwitterCallbackController
from entrypoints.settings import Settings

API_DESCRIPTION = (
    "Connect social accounts (X, Bluesky) to a workspace, find the next free posting slot, "
    "schedule posts and follow their publishing, and disconnect. Authenticate with "
    "`Authorization: Bearer <api key>`; every POST takes an `Idempotency-Key`."
)


class _MsgspecLitestar(Litestar):
    """Litestar without the pydantic and attrs plugins it adds whenever those libraries are
    installed (pydantic comes with atproto): loading them, pydantic's v1 layer with them,
    was a tenth of a second of every start, for types no route of this API takes or
    returns. The OpenAPI document is the same."""

    @staticmethod
    def _get_default_plugins(plugins: list[PluginProtocol]) -> list[PluginProtocol]:
        return [*plugins, MsgspecDIPlugin()]


def create_litestar(
    settings: Settings, container: AsyncContainer, owns_container: bool
) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.engine = await container.get(AsyncEngine)
        app.state.authenticate = await container.get(AuthenticateApiKey)
        app.state[INTEGRATION_READS] = IntegrationReadServices(
            list_integrations=await container.get(ListIntegrations),
            get_integration=await container.get(GetIntegration),
            find_next_slot=await container.get(FindNextSlot),
            answers=RenderedAnswers(settings.read_cache_bytes),
        )
        try:
            yield
        finally:
            if owns_container:
                await container.close()

    # Only the routes that resolve something per request open dishka's request scope.
    api = ScopedDishkaRouter(
        "/",
        route_handlers=[
            IntegrationController,
            BlueskyConnectController,
            TwitterCallbackController,
            PostController,
        ],
    )
    app = _MsgspecLitestar(
        route_handlers=[api, healthz, readyz],
        exception_handlers={Exception: errors.handle},
        lifespan=[lifespan],
        request_max_body_size=settings.max_body_bytes,
        plugins=[StrictStructSchemaPlugin()],
        openapi_config=OpenAPIConfig(
            title="OpenPost Integrations API",
            version="1.0.0",
            description=API_DESCRIPTION,
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
            components=SECURITY_COMPONENTS,
        ),
        response_cache_config=ResponseCacheConfig(),
        debug=False,
        logging_config=None,
    )
    app.state.dishka_container = container
    repair_options_allow(app)
    return app


def create_app(settings: Settings, container: AsyncContainer | None = None) -> Any:
    """The ASGI application: the gate in front of Litestar. A container passed in stays the
    caller's to close (the CLI shares it with the in-process publisher)."""
    owns_container = container is None
    container = container or build_container(settings)
    app = create_litestar(settings, container, owns_container)
    idempotent = Idempotency(
        app, lambda: container.get(IdempotencyGuard), settings.max_body_bytes
    )
    limiter = None if settings.rate_limit is None else (lambda: container.get(RateLimiter))
    gate = Gate(app, idempotent, lambda: app.state.authenticate, limiter)
    gate.litestar = app  # type: ignore[attr-defined]
    return gate
