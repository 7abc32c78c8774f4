"""The Litestar application factory: one container, one error table, one gate (and the
MCP endpoint behind it, at `/mcp`; `/metrics` in front of it when METRICS_ENABLED)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from dishka import AsyncContainer
from litestar import Litestar, Request, Router
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig

from entrypoints.composition import build_container
from entrypoints.http import errors
from entrypoints.http.bluesky_connect import BlueskyConnectController
from entrypoints.http.dashboard import HANDLERS as DASHBOARD
from entrypoints.http.dashboard import template_config
from entrypoints.http.docs_page import LocalSwaggerRenderPlugin
from entrypoints.http.gate import Gate
from entrypoints.http.health import healthz, index, readyz
from entrypoints.http.idempotency import Idempotency
from entrypoints.http.inject import APP_SCOPED, CONTAINER, AppScoped
from entrypoints.http.integrations import IntegrationController
from entrypoints.http.json_body import JsonRequest
from entrypoints.http.litestar_private import (
    MsgspecOnlyLitestar,
    StrictStructSchemaPlugin,
    repair_options_allow,
)
from entrypoints.http.mcp_mount import McpMount
from entrypoints.http.media import MediaController
from entrypoints.http.metrics import MetricsPage
from entrypoints.http.openapi import SECURITY_COMPONENTS
from entrypoints.http.posts import PostController
from entrypoints.http.queues import QueueController
from entrypoints.http.twitter_callback import TwitterCallbackController
from entrypoints.http.webhooks import WebhookEndpointController
from entrypoints.settings import Settings

API_DESCRIPTION = (
    "Connect social accounts (X, Bluesky) to a workspace, find the next free posting slot, "
    "schedule posts and follow their publishing, and disconnect. Authenticate with "
    "`Authorization: Bearer <api key>`; every POST takes an `Idempotency-Key`."
)


def create_litestar(
    settings: Settings,
    container: AsyncContainer,
    owns_container: bool,
    mcp: McpMount | None = None,
) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owns_container:
                await container.close()

    app = MsgspecOnlyLitestar(
        route_handlers=[
            IntegrationController,
            BlueskyConnectController,
            TwitterCallbackController,
            PostController,
            QueueController,
            MediaController,
            WebhookEndpointController,
            *DASHBOARD,
            index,
            healthz,
            readyz,
        ],
        state=State({CONTAINER: container, APP_SCOPED: AppScoped(container)}),
        request_class=JsonRequest,
        exception_handlers={Exception: errors.handle},
        lifespan=[lifespan] if mcp is None else [lifespan, mcp.lifespan],
        request_max_body_size=settings.max_body_bytes,
        template_config=template_config(),
        plugins=[StrictStructSchemaPlugin()],
        openapi_config=OpenAPIConfig(
            title="OpenPost Integrations API",
            version="1.0.0",
            description=API_DESCRIPTION,
            render_plugins=[LocalSwaggerRenderPlugin()],
            openapi_router=Router(
                "/schema", route_handlers=[], include_in_schema=False, before_request=no_schema_page
            ),
            components=SECURITY_COMPONENTS,
        ),
        debug=False,
        logging_config=None,
    )
    repair_options_allow(app)
    return app


def no_schema_page(request: Request[Any, Any, Any]) -> None:
    """Under /schema, the one route with a `path` parameter is Litestar's catch-all for
    pages it does not serve (an HTML 404): refused here as any unknown route is, as JSON."""
    if "path" in request.path_params:
        raise NotFoundException


def create_app(settings: Settings, container: AsyncContainer | None = None) -> Any:
    """The ASGI application: the gate in front of Litestar. A container passed in stays the
    caller's to close (the CLI shares it with the in-process publisher)."""
    owns_container = container is None
    container = container or build_container(settings)
    mcp = McpMount(container, settings.max_body_bytes)
    app = create_litestar(settings, container, owns_container, mcp)
    idempotent = Idempotency(app, container, settings.max_body_bytes)
    gate = Gate(
        app,
        idempotent,
        container,
        rate_limits=settings.rate_limit is not None,
        address_limits=settings.unauthenticated_rate_limit is not None,
        mcp=mcp,
        metrics_page=MetricsPage(container) if settings.metrics_enabled else None,
        counting=settings.metrics_on,
    )
    gate.litestar = app  # type: ignore[attr-defined]
    return gate
