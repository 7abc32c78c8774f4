"""The read-only unit of work: the same repositories as a unit of work, holding no
transaction. It sees what is committed, never what is not, and cannot write."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from adapters.persistence.sqlalchemy.reads import ReadConnections, SqlAlchemyReadUnitOfWork
from domain.integration import IntegrationStatus
from tests.contract.builders import a_key, a_workspace, an_integration
from tests.contract.conftest import SqlBackend


@pytest.fixture
async def reads(sql_backend: SqlBackend) -> AsyncIterator[ReadConnections]:
    connections = ReadConnections(sql_backend.engine)
    try:
        yield connections
    finally:
        connections.dispose()


def read_uow(backend: SqlBackend, reads: ReadConnections) -> SqlAlchemyReadUnitOfWork:
    return SqlAlchemyReadUnitOfWork(reads, backend.cipher, backend.clock)


async def test_sqlite_files_are_read_on_the_loop_and_postgres_through_the_pool(
    sql_backend: SqlBackend, reads: ReadConnections
) -> None:
    assert reads.uses_pool is (sql_backend.kind == "postgres")


async def test_it_reads_what_was_committed(sql_backend: SqlBackend, reads: ReadConnections) -> None:
    workspace = a_workspace()
    key = a_key(workspace)
    integration = an_integration(workspace.id)
    async with sql_backend() as uow:
        await uow.workspaces.add(workspace)
        await uow.api_keys.add(key)
        await uow.integrations.add(integration)
        await uow.commit()
    start = sql_backend.clock.now()
    await sql_backend.add_target(workspace.id, integration.id, start + timedelta(hours=2), "pending")

    async with read_uow(sql_backend, reads) as uow:
        assert await uow.integrations.get(workspace.id, integration.id) == integration
        listed = await uow.integrations.list(workspace.id, [IntegrationStatus.ACTIVE], 10)
        assert listed == [integration]
        principal = await uow.api_keys.principal_for(key.key_hash)
        assert principal is not None and principal.workspace_id == workspace.id
        busy = await uow.busy_times.busy_times(integration.id, start, start + timedelta(days=1))
        assert busy == [start + timedelta(hours=2)]


async def test_it_never_sees_what_is_not_committed(
    sql_backend: SqlBackend, reads: ReadConnections
) -> None:
    """Also while a writer holds SQLite's write lock: a WAL reader does not wait for it."""
    workspace = a_workspace()
    async with sql_backend() as writer:
        await writer.workspaces.add(workspace)
        async with read_uow(sql_backend, reads) as uow:
            assert await uow.workspaces.get(workspace.id) is None
        await writer.commit()
    async with read_uow(sql_backend, reads) as uow:
        assert await uow.workspaces.get(workspace.id) == workspace


async def test_it_cannot_commit(sql_backend: SqlBackend, reads: ReadConnections) -> None:
    async with read_uow(sql_backend, reads) as uow:
        with pytest.raises(RuntimeError):
            await uow.commit()


async def test_on_sqlite_its_connection_cannot_write(
    sql_backend: SqlBackend, reads: ReadConnections
) -> None:
    if sql_backend.kind != "sqlite":
        pytest.skip("the read connection of a SQLite file")
    with pytest.raises(Exception) as refused:  # the driver's error, as the unit translates it
        async with read_uow(sql_backend, reads) as uow:
            await uow.workspaces.add(a_workspace())
    assert "readonly" in str(refused.value.__cause__)
    async with sql_backend() as uow:
        assert not await uow.workspaces.exists_any()
