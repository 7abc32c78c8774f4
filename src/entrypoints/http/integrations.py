"""The /v1/integrations routes: parse, call one use case, shape the answer."""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import Controller, delete, get
from litestar.di import Provide
from litestar.params import Parameter

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
from entrypoints.http.openapi import API_KEY, errors
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

Limit = Annotated[int, Parameter(ge=1, le=200, description="Page size, 1-200.")]


class IntegrationController(Controller):
    path = "/v1/integrations"
    security = API_KEY
    tags = ["Integrations"]
    dependencies = {"caller": Provide(principal, sync_to_thread=False)}

    @get("/", responses=errors(422), summary="List integrations")
    async def list_integrations(
        self,
        caller: Principal,
        use_case: FromDishka[ListIntegrations],
        status: IntegrationStatus | None = None,
        limit: Limit = 20,
        starting_after: str | None = None,
    ) -> IntegrationList:
        """Connected accounts, newest first; disconnected ones only when asked by status."""
        cursor = parse_cursor(starting_after)
        page = await use_case.execute(
            ListIntegrationsQuery(caller.workspace_id, status, limit, cursor)
        )
        return IntegrationList(
            data=[integration_out(i) for i in page.items], has_more=page.has_more
        )

    @get("/{integration_id:str}", responses=errors(404), summary="Get an integration")
    async def get_integration(
        self, caller: Principal, use_case: FromDishka[GetIntegration], integration_id: str
    ) -> IntegrationOut:
        found = await use_case.execute(caller.workspace_id, parse_id(integration_id))
        return integration_out(found)

    @get(
        "/{platform:str}/connect",
        responses=errors(404, 422),
        summary="Start connecting an account",
    )
    async def start_connect(
        self, caller: Principal, use_case: FromDishka[StartConnect], platform: str
    ) -> OAuthConnectOut | CredentialsConnectOut:
        """X: an authorize URL with PKCE. Bluesky: how to post an app password."""
        try:
            known = Platform(platform)
        except ValueError:
            raise NotFound(platform) from None
        result = await use_case.execute(caller.workspace_id, caller.workspace_mode, known)
        return connect_out(result)

    @get("/{integration_id:str}/next-slot", responses=errors(404, 409), summary="Next free slot")
    async def next_slot(
        self, caller: Principal, use_case: FromDishka[FindNextSlot], integration_id: str
    ) -> SlotOut:
        slot = await use_case.execute(caller.workspace_id, parse_id(integration_id))
        return slot_out(slot)

    @delete(
        "/{integration_id:str}",
        status_code=200,
        responses=errors(404),
        summary="Disconnect an integration",
    )
    async def disconnect(
        self, caller: Principal, use_case: FromDishka[DisconnectIntegration], integration_id: str
    ) -> IntegrationOut:
        """Idempotent. Erases stored credentials and revokes them at the platform."""
        done = await use_case.execute(
            caller.workspace_id, caller.workspace_mode, parse_id(integration_id)
        )
        return integration_out(done)
