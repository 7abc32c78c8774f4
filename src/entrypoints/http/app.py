"""The Litestar application factory: one container, one error table, one gate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from dishka import AsyncContainer
from litestar import Litestar, Request, Router
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins import PluginProtocol
from litestar.plugins.core import MsgspecDIPlugin

from entrypoints.di import build_container
from entrypoints.http import errors
from entrypoints.http.bluesky_connect import BlueskyConnectController
from entrypoints.http.gate import Gate
from entrypoints.http.health import healthz, readyz
from entrypoints.http.idempotency import Idempotency
from entrypoints.http.inject import CONTAINER
from entrypoints.http.integrations import IntegrationController
from entrypoints.http.json_body import JsonRequest
from entrypoints.http.openapi import SECURITY_COMPONENTS, StrictStructSchemaPlugin
from entrypoints.http.options import repair_options_allow
from entrypoints.http.posts import PostController
from entrypoints.http.twitter_callback import TwitterCallbackController
from entrypoints.http.webhooks import WebhookEndpointController
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
        try:
            yield
        finally:
            if owns_container:
                await container.close()

    # One router for the two controllers that share `/v1/integrations/{platform}/connect`:
    # Litestar merges a path's handlers within a router, not across the app's top level.
    api = Router(
        "/",
        route_handlers=[
            IntegrationController,
            BlueskyConnectController,
            TwitterCallbackController,
            PostController,
            WebhookEndpointController,
        ],
    )
    app = _MsgspecLitestar(
        route_handlers=[api, healthz, readyz],
        state=State({CONTAINER: container}),
        request_class=JsonRequest,
        exception_handlers={Exception: errors.handle},
        lifespan=[lifespan],
        request_max_body_size=settings.max_body_bytes,
        plugins=[StrictStructSchemaPlugin()],
        openapi_config=OpenAPIConfig(
            title="OpenPost Integrations API",
            version="1.0.0",
            description=API_DESCRIPTION,
            render_plugins=[ScalarRenderPlugin()],
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
    app = create_litestar(settings, container, owns_container)
    idempotent = Idempotency(app, container, settings.max_body_bytes)
    gate = Gate(app, idempotent, container, rate_limits=settings.rate_limit is not None)
    gate.litestar = app  # type: ignore[attr-defined]
    return gate
