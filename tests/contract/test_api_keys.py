"""ApiKeyRepository contract."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from application.ports.api_keys import Principal
from domain.workspace import WorkspaceMode
from tests.contract.builders import T0, a_key, committed_workspace
from tests.contract.conftest import Backend


async def test_a_key_round_trips_by_id_and_by_hash(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    key = a_key(workspace)
    async with uow_factory() as uow:
        await uow.api_keys.add(key)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.api_keys.get(key.id) == key
        assert await uow.api_keys.find_by_hash(key.key_hash) == key
        assert await uow.api_keys.get(uuid4()) is None
        assert await uow.api_keys.find_by_hash("0" * 64) is None


async def test_principal_names_the_key_and_its_workspace(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory(), mode=WorkspaceMode.TEST)
    key = a_key(workspace)
    async with uow_factory() as uow:
        await uow.api_keys.add(key)
        await uow.commit()

    async with uow_factory() as uow:
        principal = await uow.api_keys.principal_for(key.key_hash)
        unknown = await uow.api_keys.principal_for("f" * 64)

    assert principal == Principal(
        key_id=key.id, workspace_id=workspace.id, workspace_mode=WorkspaceMode.TEST
    )
    assert unknown is None


async def test_a_revoked_key_has_no_principal_but_is_still_found(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    kept, revoked = a_key(workspace), a_key(workspace)
    async with uow_factory() as uow:
        await uow.api_keys.add(kept)
        await uow.api_keys.add(revoked)
        await uow.commit()

    async with uow_factory() as uow:
        await uow.api_keys.revoke(revoked.id, T0 + timedelta(hours=1))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.api_keys.principal_for(revoked.key_hash) is None
        assert await uow.api_keys.principal_for(kept.key_hash) is not None
        found = await uow.api_keys.find_by_hash(revoked.key_hash)
    assert found is not None and found.is_revoked


async def test_revoking_again_keeps_the_first_revocation_time(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    key = a_key(workspace)
    first = T0 + timedelta(hours=1, microseconds=7)
    async with uow_factory() as uow:
        await uow.api_keys.add(key)
        await uow.api_keys.revoke(key.id, first)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.api_keys.revoke(key.id, first + timedelta(days=3))
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.api_keys.get(key.id)

    assert found is not None
    assert found.revoked_at == first
    assert found.revoked_at.utcoffset() == timedelta(0)


async def test_revoking_an_unknown_key_changes_nothing(uow_factory: Backend) -> None:
    workspace = await committed_workspace(uow_factory())
    key = a_key(workspace)
    async with uow_factory() as uow:
        await uow.api_keys.add(key)
        await uow.api_keys.revoke(uuid4(), T0)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.api_keys.get(key.id) == key


async def test_keys_are_listed_per_workspace_oldest_first(uow_factory: Backend) -> None:
    mine = await committed_workspace(uow_factory())
    other = await committed_workspace(uow_factory())
    later = a_key(mine, created_at=T0 + timedelta(seconds=1))
    earlier = a_key(mine, created_at=T0)
    foreign = a_key(other)
    async with uow_factory() as uow:
        for key in (later, foreign, earlier):
            await uow.api_keys.add(key)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.api_keys.list_for_workspace(mine.id) == [earlier, later]
        assert await uow.api_keys.list_for_workspace(other.id) == [foreign]
        assert await uow.api_keys.list_for_workspace(uuid4()) == []
