"""WorkspaceRepository contract."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from domain.workspace import WorkspaceMode
from tests.contract.builders import T0, a_workspace
from tests.contract.conftest import Backend


async def test_an_empty_store_has_no_workspace(uow_factory: Backend) -> None:
    async with uow_factory() as uow:
        assert not await uow.workspaces.exists_any()
        assert await uow.workspaces.list() == []
        assert await uow.workspaces.get(uuid4()) is None


async def test_a_workspace_round_trips(uow_factory: Backend) -> None:
    workspace = a_workspace(name="Démo ✓", mode=WorkspaceMode.TEST)
    async with uow_factory() as uow:
        await uow.workspaces.add(workspace)
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.workspaces.get(workspace.id)
        assert await uow.workspaces.exists_any()

    assert found == workspace
    assert found is not None and found.mode is WorkspaceMode.TEST
    assert found.created_at.utcoffset() == timedelta(0)


async def test_list_is_oldest_first_with_ties_by_id(uow_factory: Backend) -> None:
    newest = a_workspace(created_at=T0 + timedelta(microseconds=1))
    tied = [a_workspace(created_at=T0) for _ in range(3)]
    oldest = a_workspace(created_at=T0 - timedelta(days=1))
    async with uow_factory() as uow:
        for workspace in (newest, *tied, oldest):
            await uow.workspaces.add(workspace)
        await uow.commit()

    async with uow_factory() as uow:
        listed = await uow.workspaces.list()

    assert listed == [oldest, *sorted(tied, key=lambda w: w.id), newest]


async def test_get_many_finds_those_that_exist(uow_factory: Backend) -> None:
    live, test = a_workspace(), a_workspace(mode=WorkspaceMode.TEST)
    async with uow_factory() as uow:
        await uow.workspaces.add(live)
        await uow.workspaces.add(test)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.workspaces.get_many([live.id, test.id, uuid4()])
        assert await uow.workspaces.get_many([]) == {}
    assert found == {live.id: live, test.id: test}
