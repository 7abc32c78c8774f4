"""API keys: more keys for a workspace, listed without their secret, revoked by key or id."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from application.api_keys import CreateApiKey, ListApiKeys, RevokeApiKey
from application.errors import UnknownApiKey, UnknownWorkspace
from application.workspaces import CreatedWorkspace, CreateWorkspace
from domain.workspace import WorkspaceMode, hash_api_key
from tests.unit.application.world import World


async def workspace(world: World, mode: WorkspaceMode = WorkspaceMode.LIVE) -> CreatedWorkspace:
    return await CreateWorkspace(world.uow(), world.ids, world.clock).execute("acme", mode)


def revoke(world: World) -> RevokeApiKey:
    return RevokeApiKey(world.uow(), world.clock)


async def is_accepted(world: World, plaintext: str) -> bool:
    async with world.uow() as uow:
        return await uow.api_keys.principal_for(hash_api_key(plaintext)) is not None


async def test_a_workspace_can_have_more_keys(world: World) -> None:
    created = await workspace(world, WorkspaceMode.TEST)
    world.clock.advance(timedelta(minutes=1))
    extra = await CreateApiKey(world.uow(), world.ids, world.clock).execute(created.workspace.id)

    assert extra.plaintext.startswith("op_test_")
    assert extra.plaintext != created.api_key.plaintext
    assert await is_accepted(world, extra.plaintext)
    listed = await ListApiKeys(world.uow()).execute(created.workspace.id)
    assert [k.id for k in listed] == [created.api_key.key.id, extra.key.id]


async def test_keys_of_an_unknown_workspace(world: World) -> None:
    with pytest.raises(UnknownWorkspace):
        await CreateApiKey(world.uow(), world.ids, world.clock).execute(UUID(int=9))
    with pytest.raises(UnknownWorkspace):
        await ListApiKeys(world.uow()).execute(UUID(int=9))


async def test_a_key_is_revoked_by_the_key_itself(world: World) -> None:
    created = await workspace(world)

    revoked = await revoke(world).execute(created.api_key.plaintext)

    assert revoked.id == created.api_key.key.id
    assert revoked.revoked_at == world.clock.now()
    assert not await is_accepted(world, created.api_key.plaintext)


async def test_a_key_is_revoked_by_its_id(world: World) -> None:
    created = await workspace(world)

    revoked = await revoke(world).execute(str(created.api_key.key.id))

    assert revoked.is_revoked
    assert not await is_accepted(world, created.api_key.plaintext)


async def test_revoking_twice_is_fine_and_keeps_the_first_time(world: World) -> None:
    created = await workspace(world)
    first = await revoke(world).execute(created.api_key.plaintext)
    world.clock.advance(timedelta(hours=1))

    second = await revoke(world).execute(str(created.api_key.key.id))

    assert second.revoked_at == first.revoked_at
    assert world.store.api_keys[created.api_key.key.id].revoked_at == first.revoked_at


async def test_revoking_one_key_leaves_the_others_working(world: World) -> None:
    created = await workspace(world)
    other = await CreateApiKey(world.uow(), world.ids, world.clock).execute(created.workspace.id)

    await revoke(world).execute(created.api_key.plaintext)

    assert await is_accepted(world, other.plaintext)


@pytest.mark.parametrize(
    "unknown",
    [
        "op_live_" + "A" * 32,  # well formed, never issued
        str(UUID(int=5)),  # an id nobody has
        "not-a-key",
        "",
    ],
)
async def test_an_unknown_key_cannot_be_revoked(world: World, unknown: str) -> None:
    await workspace(world)
    with pytest.raises(UnknownApiKey):
        await revoke(world).execute(unknown)
