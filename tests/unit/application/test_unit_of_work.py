"""A unit of work lands all of its writes or none."""

from __future__ import annotations

import pytest

from adapters.platforms.directory import StaticPlatformDirectory
from application.disconnect_integration import DisconnectIntegration
from application.ports.credentials import Credentials
from domain.integration import IntegrationStatus
from domain.workspace import Workspace, WorkspaceMode
from tests.unit.application.world import START, World


class Boom(Exception):
    pass


def new_workspace(world: World, name: str) -> Workspace:
    return Workspace(world.ids.new_id(), name, WorkspaceMode.LIVE, START)


async def test_a_failure_inside_leaves_the_store_as_it_was(world: World) -> None:
    integration = world.integration(world.workspace())
    before = world.store.snapshot()

    with pytest.raises(Boom):
        async with world.uow() as uow:
            await uow.workspaces.add(new_workspace(world, "new"))
            loaded = await uow.integrations.get(integration.workspace_id, integration.id)
            assert loaded is not None
            loaded.disconnect(START)
            await uow.integrations.save(loaded)
            await uow.credentials.put(integration.id, Credentials(access_token="t"))
            raise Boom

    assert world.store.snapshot() == before
    assert world.store.integrations[integration.id].status is IntegrationStatus.ACTIVE


async def test_leaving_without_commit_writes_nothing(world: World) -> None:
    async with world.uow() as uow:
        await uow.workspaces.add(new_workspace(world, "new"))
    assert world.store.workspaces == {}


async def test_what_was_committed_stays_when_a_later_step_fails(world: World) -> None:
    kept, lost = new_workspace(world, "kept"), new_workspace(world, "lost")

    with pytest.raises(Boom):
        async with world.uow() as uow:
            await uow.workspaces.add(kept)
            await uow.commit()
            await uow.workspaces.add(lost)
            raise Boom

    assert list(world.store.workspaces) == [kept.id]


async def test_a_use_case_failing_before_its_commit_changes_nothing(world: World) -> None:
    """Disconnecting saves the integration, then erases its credentials: if erasing fails,
    the integration must not stay disconnected with its tokens still stored."""
    integration = world.integration(world.workspace())
    async with world.uow() as uow:
        await uow.credentials.put(integration.id, Credentials(access_token="t"))
        await uow.commit()
    before = world.store.snapshot()
    uow = world.uow()

    async def failing_erase(integration_id: object) -> None:
        raise Boom

    uow.credentials.erase = failing_erase  # type: ignore[method-assign]
    with pytest.raises(Boom):
        await DisconnectIntegration(uow, world.clock, StaticPlatformDirectory({}, {})).execute(
            integration.workspace_id, WorkspaceMode.LIVE, integration.id
        )

    assert world.store.snapshot() == before
    assert world.store.integrations[integration.id].status is IntegrationStatus.ACTIVE
