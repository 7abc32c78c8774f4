"""`IntegrationRevisions`: a workspace's number moves on with every committed write to its
integrations, by this process or another, and with nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from adapters.persistence.memory.revisions import MemoryIntegrationRevisions
from adapters.persistence.sqlalchemy.reads import ReadConnections
from adapters.persistence.sqlalchemy.revisions import SqlAlchemyIntegrationRevisions
from application.ports.revisions import IntegrationRevisions
from domain.integration import IntegrationStatus, StatusReason
from tests.contract.builders import (
    T0,
    committed_integration,
    committed_workspace,
    some_credentials,
)
from tests.contract.conftest import Backend, MemoryBackend, SqlBackend


@pytest.fixture
async def revisions(uow_factory: Backend) -> AsyncIterator[IntegrationRevisions]:
    if isinstance(uow_factory, MemoryBackend):
        yield MemoryIntegrationRevisions(uow_factory.store)
        return
    assert isinstance(uow_factory, SqlBackend)
    reads = ReadConnections(uow_factory.engine)
    try:
        yield SqlAlchemyIntegrationRevisions(reads)
    finally:
        reads.dispose()


async def test_it_stays_put_while_nothing_is_written(
    uow_factory: Backend, revisions: IntegrationRevisions
) -> None:
    workspace = await committed_workspace(uow_factory())
    integration = await committed_integration(uow_factory(), workspace.id)
    first = await revisions.of_workspace(workspace.id)
    async with uow_factory() as uow:  # reads, and a write that is not to integrations
        await uow.integrations.list(workspace.id, [IntegrationStatus.ACTIVE], 10)
        await uow.credentials.put(integration.id, some_credentials())
        await uow.commit()
    assert await revisions.of_workspace(workspace.id) == first


async def test_connecting_an_account_moves_it(
    uow_factory: Backend, revisions: IntegrationRevisions
) -> None:
    workspace = await committed_workspace(uow_factory())
    before = await revisions.of_workspace(workspace.id)
    await committed_integration(uow_factory(), workspace.id)
    assert await revisions.of_workspace(workspace.id) != before


async def test_a_status_change_moves_it(
    uow_factory: Backend, revisions: IntegrationRevisions
) -> None:
    workspace = await committed_workspace(uow_factory())
    integration = await committed_integration(uow_factory(), workspace.id)
    before = await revisions.of_workspace(workspace.id)
    integration.credentials_rejected(StatusReason.TOKEN_REVOKED, T0)
    async with uow_factory() as uow:
        await uow.integrations.save(integration)
        await uow.commit()
    after = await revisions.of_workspace(workspace.id)
    assert after != before
    integration.disconnect(T0)
    async with uow_factory() as uow:
        await uow.integrations.save(integration)
        await uow.commit()
    assert await revisions.of_workspace(workspace.id) not in (before, after)


async def test_a_write_rolled_back_leaves_it(
    uow_factory: Backend, revisions: IntegrationRevisions
) -> None:
    workspace = await committed_workspace(uow_factory())
    integration = await committed_integration(uow_factory(), workspace.id)
    before = await revisions.of_workspace(workspace.id)
    async with uow_factory() as uow:
        await uow.integrations.save(replace(integration, username="renamed"))
        # no commit: rolled back on the way out
    assert await revisions.of_workspace(workspace.id) == before


async def test_another_workspace_s_writes_leave_it(
    uow_factory: Backend, revisions: IntegrationRevisions
) -> None:
    mine = await committed_workspace(uow_factory())
    theirs = await committed_workspace(uow_factory())
    await committed_integration(uow_factory(), mine.id)
    before = await revisions.of_workspace(mine.id)
    await committed_integration(uow_factory(), theirs.id)
    assert await revisions.of_workspace(mine.id) == before


async def test_another_process_s_write_moves_it(
    uow_factory: Backend, revisions: IntegrationRevisions
) -> None:
    workspace = await committed_workspace(uow_factory())
    before = await revisions.of_workspace(workspace.id)
    await committed_integration(uow_factory.from_another_process(), workspace.id)
    assert await revisions.of_workspace(workspace.id) != before


async def test_holding_integrations_for_a_slot_leaves_it(
    uow_factory: Backend, revisions: IntegrationRevisions
) -> None:
    """Scheduling a post at `next_slot` holds the integrations; it changes none of them, so
    the workspace's cached listings stay good."""
    workspace = await committed_workspace(uow_factory())
    integration = await committed_integration(uow_factory(), workspace.id)
    before = await revisions.of_workspace(workspace.id)
    async with uow_factory() as uow:
        await uow.busy_times.hold([integration.id])
        await uow.commit()
    assert await revisions.of_workspace(workspace.id) == before
