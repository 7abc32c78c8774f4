"""Reading one integration: any status of the caller's own; another workspace's is missing."""

from __future__ import annotations

from uuid import UUID

import pytest

from application.errors import NotFound
from application.get_integration import GetIntegration
from domain.integration import IntegrationStatus
from tests.unit.application.world import World


@pytest.mark.parametrize("status", list(IntegrationStatus))
async def test_an_integration_is_found_in_any_status(
    world: World, status: IntegrationStatus
) -> None:
    workspace = world.workspace()
    integration = world.integration(workspace, status=status)

    found = await GetIntegration(world.uow).execute(workspace.id, integration.id)

    assert found.id == integration.id
    assert found.status is status


async def test_another_workspaces_integration_is_not_found(world: World) -> None:
    mine, theirs = world.workspace(), world.workspace()
    foreign = world.integration(theirs)
    with pytest.raises(NotFound):
        await GetIntegration(world.uow).execute(mine.id, foreign.id)


async def test_an_unknown_id_is_not_found(world: World) -> None:
    workspace = world.workspace()
    with pytest.raises(NotFound):
        await GetIntegration(world.uow).execute(workspace.id, UUID(int=42))
