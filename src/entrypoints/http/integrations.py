"""The /v1/integrations routes: parse, call one use case, shape the answer."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from dishka import FromDishka
from litestar import Controller, Request, delete, get
from litestar.params import FromPath, FromQuery, QueryParameter

from application.disconnect_integration import DisconnectIntegration
from application.errors import NotFound
from application.get_integration import GetIntegration
from application.list_integrations import ListIntegrations, ListIntegrationsQuery
from application.start_connect import StartConnect
from domain.integration import IntegrationStatus
from domain.platform import Platform
from entrypoints.http.caller import caller
from entrypoints.http.inject import inject, inject_app
from entrypoints.http.openapi import API_KEY, answers, errors
from entrypoints.http.params import parse_cursor, parse_id
from entrypoints.http.rendered import JsonAnswer, RenderedAnswers
from entrypoints.http.rendered_slots import RenderedSlots
from entrypoints.http.schemas import (
    CredentialsConnect,
    Integration,
    IntegrationList,
    OAuthConnect,
    Slot,
    connect_out,
    integration_out,
)

Limit = Annotated[int, QueryParameter(ge=1, le=200, description="Page size, 1-200.")]


async def start(
    request: Request[Any, Any, Any], use_case: StartConnect, platform: str
) -> OAuthConnect | CredentialsConnect:
    who = caller(request)
    try:
        known = Platform(platform)
    except ValueError:
        raise NotFound(platform) from None
    return connect_out(await use_case.execute(who.workspace_id, who.workspace_mode, known))


class IntegrationController(Controller):
    """The reads use process-wide services (`inject_app`) and answer bytes rendered once
    per revision of the workspace's integrations (see `rendered.py`); the routes that
    write open a request scope (`inject`)."""

    path = "/v1/integrations"
    security = API_KEY
    tags = ["Integrations"]

    @get(
        "/",
        responses=errors(422) | answers(IntegrationList),
        summary="List integrations",
        operation_id="listIntegrations",
    )
    @inject_app
    async def list_integrations(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[ListIntegrations],
        kept: FromDishka[RenderedAnswers],
        status: FromQuery[IntegrationStatus | None] = None,
        limit: Limit = 20,
        starting_after: FromQuery[str | None] = None,
    ) -> JsonAnswer:
        """Connected accounts, newest first; disconnected ones only when asked by status."""
        workspace_id = caller(request).workspace_id
        cursor = parse_cursor(starting_after)

        async def render() -> bytes:
            query = ListIntegrationsQuery(workspace_id, status, limit, cursor)
            page = await use_case.execute(query)
            items = [integration_out(i) for i in page.items]
            return msgspec.json.encode(IntegrationList(items, page.has_more))

        key = ("list", workspace_id, status, limit, cursor)
        return JsonAnswer(await kept.answer(key, workspace_id, render))

    @get(
        "/{integration_id:str}",
        responses=errors(404) | answers(Integration),
        summary="Get an integration",
        operation_id="getIntegration",
    )
    @inject_app
    async def get_integration(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[GetIntegration],
        kept: FromDishka[RenderedAnswers],
        integration_id: FromPath[str],
    ) -> JsonAnswer:
        workspace_id = caller(request).workspace_id
        wanted = parse_id(integration_id)

        async def render() -> bytes:
            return msgspec.json.encode(
                integration_out(await use_case.execute(workspace_id, wanted))
            )

        key = ("get", workspace_id, wanted)
        return JsonAnswer(await kept.answer(key, workspace_id, render))

    @get(
        "/{integration_id:str}/next-slot",
        responses=errors(404, 409) | answers(Slot),
        summary="Next free slot",
        operation_id="getNextSlot",
    )
    @inject_app
    async def next_slot(
        self,
        request: Request[Any, Any, Any],
        kept: FromDishka[RenderedSlots],
        integration_id: FromPath[str],
    ) -> JsonAnswer:
        """It follows the clock: answers are kept only while a search now would find the
        same slot (see `rendered_slots.py`), found from inputs kept while the integration's
        slot revision holds (see `adapters/decorators/kept_slot_reads.py`)."""
        wanted = parse_id(integration_id)
        return JsonAnswer(await kept.answer(caller(request).workspace_id, wanted))

    @get(
        "/{platform:str}/connect",
        responses=errors(404, 422),
        summary="Start connecting an account",
        operation_id="startConnect",
    )
    @inject
    async def start_connect(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[StartConnect],
        platform: FromPath[str],
    ) -> OAuthConnect | CredentialsConnect:
        """X: an authorize URL with PKCE. Bluesky: how to post an app password."""
        return await start(request, use_case, platform)

    @delete(
        "/{integration_id:str}",
        status_code=200,
        responses=errors(404),
        summary="Disconnect an integration",
        operation_id="disconnectIntegration",
    )
    @inject
    async def disconnect(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[DisconnectIntegration],
        integration_id: FromPath[str],
    ) -> Integration:
        """Idempotent. Erases stored credentials and revokes them at the platform."""
        who = caller(request)
        done = await use_case.execute(
            who.workspace_id, who.workspace_mode, parse_id(integration_id)
        )
        return integration_out(done)
