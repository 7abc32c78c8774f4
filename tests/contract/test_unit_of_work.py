"""UnitOfWork contract: all of a unit's writes land on commit, none otherwise."""

from __future__ import annotations

import asyncio

import pytest

from application.ports.unit_of_work import UnitOfWork
from domain.integration import IntegrationStatus
from domain.workspace import Workspace
from tests.contract.builders import a_key, a_state, a_workspace, an_integration, some_credentials
from tests.contract.conftest import Backend


class Boom(Exception):
    pass


async def _write_one_of_each(uow: UnitOfWork) -> Workspace:
    workspace = a_workspace()
    integration = an_integration(workspace.id)
    await uow.workspaces.add(workspace)
    await uow.api_keys.add(a_key(workspace))
    await uow.integrations.add(integration)
    await uow.credentials.put(integration.id, some_credentials())
    await uow.oauth_states.add(a_state(workspace.id))
    return workspace


async def _is_empty(backend: Backend) -> bool:
    async with backend() as uow:
        return not await uow.workspaces.exists_any()


async def _holds(backend: Backend, workspace: Workspace) -> bool:
    async with backend() as uow:
        if await uow.workspaces.get(workspace.id) != workspace:
            return False
        keys = await uow.api_keys.list_for_workspace(workspace.id)
        integrations = await uow.integrations.list(workspace.id, [IntegrationStatus.ACTIVE], 10)
        stored = await uow.credentials.get(integrations[0].id) if integrations else None
        return len(keys) == 1 and len(integrations) == 1 and stored is not None


async def test_commit_persists_every_repository(uow_factory: Backend) -> None:
    async with uow_factory() as uow:
        workspace = await _write_one_of_each(uow)
        await uow.commit()

    assert await _holds(uow_factory, workspace)


async def test_leaving_without_commit_leaves_nothing(uow_factory: Backend) -> None:
    async with uow_factory() as uow:
        await _write_one_of_each(uow)

    assert await _is_empty(uow_factory)


async def test_an_exception_rolls_everything_back(uow_factory: Backend) -> None:
    with pytest.raises(Boom):
        async with uow_factory() as uow:
            await _write_one_of_each(uow)
            raise Boom

    assert await _is_empty(uow_factory)


async def test_an_exception_after_commit_keeps_what_was_committed(uow_factory: Backend) -> None:
    with pytest.raises(Boom):
        async with uow_factory() as uow:
            kept = await _write_one_of_each(uow)
            await uow.commit()
            lost = a_workspace()
            await uow.workspaces.add(lost)
            raise Boom

    async with uow_factory() as uow:
        assert await uow.workspaces.list() == [kept]


async def test_an_explicit_rollback_discards_the_writes_so_far(uow_factory: Backend) -> None:
    async with uow_factory() as uow:
        await _write_one_of_each(uow)
        await uow.rollback()

    assert await _is_empty(uow_factory)


async def test_writes_after_a_rollback_still_need_a_commit(uow_factory: Backend) -> None:
    async with uow_factory() as uow:
        await uow.workspaces.add(a_workspace())
        await uow.rollback()
        await uow.workspaces.add(a_workspace())

    assert await _is_empty(uow_factory)


async def test_writes_after_a_rollback_land_on_commit(uow_factory: Backend) -> None:
    discarded, kept = a_workspace(), a_workspace()
    async with uow_factory() as uow:
        await uow.workspaces.add(discarded)
        await uow.rollback()
        await uow.workspaces.add(kept)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.workspaces.list() == [kept]


async def test_a_unit_may_commit_twice(uow_factory: Backend) -> None:
    """As the callback does: spend the state and commit, then connect and commit."""
    first, second = a_workspace(), a_workspace()
    async with uow_factory() as uow:
        await uow.workspaces.add(first)
        await uow.commit()
        await uow.workspaces.add(second)
        await uow.commit()

    async with uow_factory() as uow:
        assert {w.id for w in await uow.workspaces.list()} == {first.id, second.id}


async def test_the_same_unit_can_be_entered_again(uow_factory: Backend) -> None:
    uow = uow_factory()
    first, discarded, third = a_workspace(), a_workspace(), a_workspace()
    async with uow:
        await uow.workspaces.add(first)
        await uow.commit()
    async with uow:
        await uow.workspaces.add(discarded)
    with pytest.raises(Boom):
        async with uow:
            assert await uow.workspaces.get(first.id) == first
            assert await uow.workspaces.get(discarded.id) is None
            await uow.workspaces.add(discarded)
            raise Boom
    async with uow:
        await uow.workspaces.add(third)
        await uow.commit()

    async with uow_factory() as check:
        assert {w.id for w in await check.workspaces.list()} == {first.id, third.id}


async def test_a_unit_sees_its_own_uncommitted_writes(uow_factory: Backend) -> None:
    async with uow_factory() as uow:
        workspace = await _write_one_of_each(uow)
        assert await uow.workspaces.get(workspace.id) == workspace
        assert len(await uow.api_keys.list_for_workspace(workspace.id)) == 1


async def test_a_unit_that_read_first_can_still_write_after_another_commits(
    uow_factory: Backend,
) -> None:
    """Another process commits between this unit's first read and its first write (the
    publisher and the API share one store): both units' writes land, one may wait."""
    mine, theirs = a_workspace(), a_workspace()
    have_read = asyncio.Event()

    async def reads_then_writes() -> None:
        async with uow_factory() as uow:
            await uow.workspaces.exists_any()
            have_read.set()
            await asyncio.sleep(0.2)
            await uow.workspaces.add(mine)
            await uow.commit()

    async def writes_meanwhile() -> None:
        await have_read.wait()
        async with uow_factory.from_another_process() as uow:
            await uow.workspaces.add(theirs)
            await uow.commit()

    await asyncio.wait_for(asyncio.gather(reads_then_writes(), writes_meanwhile()), 30)

    async with uow_factory() as uow:
        assert {w.id for w in await uow.workspaces.list()} == {mine.id, theirs.id}
