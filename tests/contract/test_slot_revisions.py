"""`SlotRevisions`: an integration's number moves on with every committed write that can
change its next slot (a target becoming busy or not, a busy target moved, its queue, the
integration itself), by this process or another, and stays put through the rest (a claim,
a draft, another integration's writes, a rollback)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import delete, update

from adapters.persistence.sqlalchemy.reads import ReadConnections
from adapters.persistence.sqlalchemy.revisions import SqlAlchemySlotRevisions
from adapters.persistence.sqlalchemy.tables import post_targets, posts
from application.ports.queues import StoredQueue
from application.ports.revisions import SlotRevisions
from domain.queue import Queue
from tests.contract.builders import T0, committed_integration, committed_workspace
from tests.contract.conftest import SqlBackend

AT = T0 + timedelta(hours=3)
QUEUE = Queue.parse("UTC", [(["mon"], ["09:00"])])


@pytest.fixture
async def revisions(sql_backend: SqlBackend) -> AsyncIterator[SlotRevisions]:
    reads = ReadConnections(sql_backend.engine)
    try:
        yield SqlAlchemySlotRevisions(reads)
    finally:
        reads.dispose()


async def _two(backend: SqlBackend) -> tuple[UUID, UUID, UUID]:
    workspace = await committed_workspace(backend())
    mine = await committed_integration(backend(), workspace.id)
    other = await committed_integration(backend(), workspace.id)
    return workspace.id, mine.id, other.id


async def _set_status(backend: SqlBackend, post_id: UUID, status: str, **more: object) -> None:
    async with backend.engine.begin() as conn:
        await conn.execute(
            update(post_targets)
            .where(post_targets.c.post_id == post_id)
            .values(status=status, **more)
        )


async def test_an_integration_never_written_is_at_zero(
    sql_backend: SqlBackend, revisions: SlotRevisions
) -> None:
    _, mine, _ = await _two(sql_backend)
    assert await revisions.of_integration(mine) == 0


@pytest.mark.parametrize("status", ["pending", "publishing"])
async def test_a_busy_target_moves_it_and_only_its_integration_s(
    sql_backend: SqlBackend, revisions: SlotRevisions, status: str
) -> None:
    workspace, mine, other = await _two(sql_backend)
    before, theirs = await revisions.of_integration(mine), await revisions.of_integration(other)
    await sql_backend.add_target(workspace, mine, AT, status)
    assert await revisions.of_integration(mine) != before
    assert await revisions.of_integration(other) == theirs


@pytest.mark.parametrize("status", ["draft", "published", "failed", "canceled"])
async def test_a_target_that_blocks_nothing_leaves_it(
    sql_backend: SqlBackend, revisions: SlotRevisions, status: str
) -> None:
    workspace, mine, _ = await _two(sql_backend)
    before = await revisions.of_integration(mine)
    await sql_backend.add_target(workspace, mine, AT if status != "draft" else None, status)
    assert await revisions.of_integration(mine) == before


async def test_claiming_leaves_it_and_each_way_out_of_busy_moves_it(
    sql_backend: SqlBackend, revisions: SlotRevisions
) -> None:
    workspace, mine, _ = await _two(sql_backend)
    post = await sql_backend.add_target(workspace, mine, AT, "pending")
    seen = {await revisions.of_integration(mine)}

    await _set_status(sql_backend, post, "publishing", lease_expires_at=AT)  # a claim
    assert await revisions.of_integration(mine) in seen
    # out of busy, back (a write, whether or not a real transition), out again
    for status in ("published", "pending", "canceled"):
        await _set_status(sql_backend, post, status)
        now = await revisions.of_integration(mine)
        assert now not in seen, status
        seen.add(now)
    await _set_status(sql_backend, post, "failed")  # not busy before or after
    assert await revisions.of_integration(mine) == now


async def test_moving_a_busy_target_moves_it_on_both_integrations(
    sql_backend: SqlBackend, revisions: SlotRevisions
) -> None:
    workspace, mine, other = await _two(sql_backend)
    post = await sql_backend.add_target(workspace, mine, AT, "pending")
    before = await revisions.of_integration(mine)
    await _set_status(sql_backend, post, "pending", scheduled_at=AT + timedelta(hours=1))
    assert await revisions.of_integration(mine) != before

    before, theirs = await revisions.of_integration(mine), await revisions.of_integration(other)
    await _set_status(sql_backend, post, "pending", integration_id=other)
    assert await revisions.of_integration(mine) != before
    assert await revisions.of_integration(other) != theirs


async def test_deleting_a_busy_target_moves_it(
    sql_backend: SqlBackend, revisions: SlotRevisions
) -> None:
    workspace, mine, _ = await _two(sql_backend)
    post = await sql_backend.add_target(workspace, mine, AT, "pending")
    before = await revisions.of_integration(mine)
    async with sql_backend.engine.begin() as conn:
        await conn.execute(delete(post_targets).where(post_targets.c.post_id == post))
        await conn.execute(delete(posts).where(posts.c.id == post))
    assert await revisions.of_integration(mine) != before


async def test_setting_changing_and_deleting_a_queue_move_it(
    sql_backend: SqlBackend, revisions: SlotRevisions
) -> None:
    _, mine, other = await _two(sql_backend)
    seen, theirs = {await revisions.of_integration(mine)}, await revisions.of_integration(other)
    for step in ("set", "changed", "deleted"):
        async with sql_backend() as uow:
            if step == "deleted":
                assert await uow.queues.delete(mine)
            else:
                await uow.queues.put(StoredQueue(mine, QUEUE, T0 + timedelta(minutes=len(seen))))
            await uow.commit()
        now = await revisions.of_integration(mine)
        assert now not in seen, step
        seen.add(now)
    assert await revisions.of_integration(other) == theirs


async def test_a_change_to_the_integration_moves_it(
    sql_backend: SqlBackend, revisions: SlotRevisions
) -> None:
    workspace = await committed_workspace(sql_backend())
    integration = await committed_integration(sql_backend(), workspace.id)
    before = await revisions.of_integration(integration.id)
    integration.disconnect(T0)
    async with sql_backend() as uow:
        await uow.integrations.save(integration)
        await uow.commit()
    assert await revisions.of_integration(integration.id) != before


async def test_a_write_rolled_back_leaves_it(
    sql_backend: SqlBackend, revisions: SlotRevisions
) -> None:
    workspace = await committed_workspace(sql_backend())
    integration = await committed_integration(sql_backend(), workspace.id)
    before = await revisions.of_integration(integration.id)
    async with sql_backend() as uow:
        await uow.integrations.save(replace(integration, username="renamed"))
        await uow.queues.put(StoredQueue(integration.id, QUEUE, T0))
        # no commit: rolled back on the way out
    assert await revisions.of_integration(integration.id) == before


async def test_another_process_s_write_moves_it(
    sql_backend: SqlBackend, revisions: SlotRevisions
) -> None:
    _, mine, _ = await _two(sql_backend)
    before = await revisions.of_integration(mine)
    async with sql_backend.from_another_process() as uow:
        await uow.queues.put(StoredQueue(mine, QUEUE, T0))
        await uow.commit()
    assert await revisions.of_integration(mine) != before
