"""The /v1/integrations routes: parse, call one use case, shape the answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, delete, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter

from application.disconnect_integration import DisconnectIntegration
from application.errors import NotFound
from application.find_next_slot import FindNextSlot
from application.get_integration import GetIntegration
from application.list_integrations import ListIntegrations, ListIntegrationsQuery
from application.ports.api_keys import Principal
from application.start_connect import StartConnect
from domain.integration import IntegrationStatus
from domain.platform import Platform
from entrypoints.http.dependencies import parse_cursor, parse_id, principal
from entrypoints.http.openapi import API_KEY, answers, errors
from entrypoints.http.rendered import JsonAnswer, RenderedAnswers
from entrypoints.http.schemas import (
    CredentialsConnectOut,
    IntegrationList,
    IntegrationOut,
    OAuthConnectOut,
    SlotOut,
    connect_out,
    integration_out,
    slot_out,
)

Limit = Annotated[int, QueryParameter(ge=1, le=200, description="Page size, 1-200.")]


@dataclass(frozen=True, slots=True)
class IntegrationReadServices:
    """What the read routes use, resolved once at start-up (they skip the request scope)."""

    list_integrations: ListIntegrations
    get_integration: GetIntegration
    find_next_slot: FindNextSlot
    answers: RenderedAnswers


STATE_KEY = "integration_reads"


def _services(request: Request[Any, Any, Any]) -> IntegrationReadServices:
    services: IntegrationReadServices = request.app.state[STATE_KEY]
    return services


class IntegrationController(Controller):
    """The reads use services resolved at start-up, and answer bytes rendered once per
    revision of the workspace's integrations (see `rendered.py`). The routes that resolve
    something per request open dishka's request scope for themselves."""

    path = "/v1/integrations"
    security = API_KEY
    tags = ["Integrations"]
    dependencies = {"caller": Provide(principal, sync_to_thread=False)}

    @get("/", responses=errors(422) | answers(IntegrationList), summary="List integrations")
    async def list_integrations(
        self,
        request: Request[Any, Any, Any],
        status: FromQuery[IntegrationStatus | None] = None,
        limit: Limit = 20,
        starting_after: FromQuery[str | None] = None,
    ) -> JsonAnswer:
        """Connected accounts, newest first; disconnected ones only when asked by status."""
        caller, services = principal(request), _services(request)
        cursor = parse_cursor(starting_after)
        use_case, workspace_id = services.list_integrations, caller.workspace_id

        async def render() -> bytes:
            query = ListIntegrationsQuery(workspace_id, status, limit, cursor)
            page = await use_case.execute(query)
            items = [integration_out(i) for i in page.items]
            return msgspec.json.encode(IntegrationList(items, page.has_more))

        key = ("list", workspace_id, status, limit, cursor)
        return JsonAnswer(
            await services.answers.answer(key, lambda: use_case.revision(workspace_id), render)
        )

    @get(
        "/{integration_id:str}",
        responses=errors(404) | answers(IntegrationOut),
        summary="Get an integration",
    )
    async def get_integration(
        self, request: Request[Any, Any, Any], integration_id: FromPath[str]
    ) -> JsonAnswer:
        caller, services = principal(request), _services(request)
        wanted = parse_id(integration_id)
        use_case, workspace_id = services.get_integration, caller.workspace_id

        async def render() -> bytes:
            return msgspec.json.encode(integration_out(await use_case.execute(workspace_id, wanted)))

        key = ("get", workspace_id, wanted)
        return JsonAnswer(
            await services.answers.answer(key, lambda: use_case.revision(workspace_id), render)
        )

    @get("/{integration_id:str}/next-slot", responses=errors(404, 409), summary="Next free slot")
    async def next_slot(
        self, request: Request[Any, Any, Any], integration_id: FromPath[str]
    ) -> SlotOut:
        caller = principal(request)
        use_case = _services(request).find_next_slot
        slot = await use_case.execute(caller.workspace_id, parse_id(integration_id))
        return slot_out(slot)

    @get(
        "/{platform:str}/connect",
        responses=errors(404, 422),
        summary="Start connecting an account",
    )
    async def start_connect(
        self,
        caller: NamedDependency[Principal],
        use_case: FromDishka[StartConnect],
        platform: FromPath[str],
    ) -> OAuthConnectOut | CredentialsConnectOut:
        """X: an authorize URL with PKCE. Bluesky: how to post an app password."""
        try:
            known = Platform(platform)
        except ValueError:
            raise NotFound(platform) from None
        result = await use_case.execute(caller.workspace_id, caller.workspace_mode, known)
        return connect_out(result)

    @delete(
        "/{integration_id:str}",
        status_code=200,
        responses=errors(404),
        summary="Disconnect an integration",
    )
    async def disconnect(
        self,
        caller: NamedDependency[Principal],
        use_case: FromDishka[DisconnectIntegration],
        integration_id: FromPath[str],
    ) -> IntegrationOut:
        """Idempotent. Erases stored credentials and revokes them at the platform."""
        done = await use_case.execute(
            caller.workspace_id, caller.workspace_mode, parse_id(integration_id)
        )
        return integration_out(done)
