"""The Litestar application factory: one container, one error table, one gate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from dishka import AsyncContainer
from dishka.integrations.litestar import DishkaRouter, setup_dishka
from litestar import Litestar
from litestar.config.response_cache import ResponseCacheConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from sqlalchemy.ext.asyncio import AsyncEngine

from application.authenticate import AuthenticateApiKey
from application.idempotency import IdempotencyGuard
from application.ports.rate_limiter import RateLimiter
from entrypoints.di import build_container
from entrypoints.http import errors
from entrypoints.http.bluesky_connect import BlueskyConnectController
from entrypoints.http.gate import Gate
from entrypoints.http.health import healthz, readyz
from entrypoints.http.idempotency import Idempotency
from entrypoints.http.integrations import IntegrationController
from entrypoints.http.openapi import SECURITY_COMPONENTS, StrictStructSchemaPlugin
from entrypoints.http.options import repair_options_allow
from entrypoints.http.posts import PostController
from entrypoints.http.rate_limit import with_rate_limit
from entrypoints.http.twitter_callback import TwitterCallbackController
from entrypoints.settings import Settings

API_DESCRIPTION = (
    "Connect social accounts (X, Bluesky) to a workspace, find the next free posting slot, "
    "schedule posts and follow their publishing, and disconnect. Authenticate with "
    "`Authorization: Bearer <api key>`; every POST takes an `Idempotency-Key`."
)


def create_litestar(
    settings: Settings, container: AsyncContainer, owns_container: bool
) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.engine = await container.get(AsyncEngine)
        app.state.authenticate = await container.get(AuthenticateApiKey)
        try:
            yield
        finally:
            if owns_container:
                await container.close()

    api = DishkaRouter(
        "/",
        route_handlers=[
            IntegrationController,
            BlueskyConnectController,
            TwitterCallbackController,
            PostController,
        ],
    )
    app = Litestar(
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
    setup_dishka(container, app)
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
    limited = with_rate_limit(idempotent, settings, lambda: container.get(RateLimiter))
    gate = Gate(limited, lambda: app.state.authenticate)
    gate.litestar = app  # type: ignore[attr-defined]
    return gate
