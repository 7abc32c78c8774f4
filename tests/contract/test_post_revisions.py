"""`PostRevisions`: a workspace's number moves on with every committed write to its posts
and their targets (a create, an edit, a claim, an outcome, a part published), by this
process or another, and stays put while nothing of the workspace's posts is written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from adapters.persistence.memory.revisions import MemoryPostRevisions
from adapters.persistence.sqlalchemy.reads import ReadConnections
from adapters.persistence.sqlalchemy.revisions import SqlAlchemyPostRevisions
from application.ports.posts import PostFilter
from application.ports.revisions import PostRevisions
from domain.outcomes import Published
from tests.contract.conftest import START, Backend, MemoryBackend, SqlBackend
from tests.contract.test_posts import LEASE, _add, _world, a_post


@pytest.fixture
async def revisions(uow_factory: Backend) -> AsyncIterator[PostRevisions]:
    if isinstance(uow_factory, MemoryBackend):
        yield MemoryPostRevisions(uow_factory.store)
        return
    assert isinstance(uow_factory, SqlBackend)
    reads = ReadConnections(uow_factory.engine)
    try:
        yield SqlAlchemyPostRevisions(reads)
    finally:
        reads.dispose()


async def test_it_stays_put_while_nothing_is_written(
    uow_factory: Backend, revisions: PostRevisions
) -> None:
    workspace, integrations = await _world(uow_factory)
    post = a_post(workspace, integrations, at=START + timedelta(hours=1))
    await _add(uow_factory, post)
    first = await revisions.of_workspace(workspace)
    async with uow_factory() as uow:
        await uow.posts.list(PostFilter(workspace), 10)
        await uow.posts.get(workspace, post.id)
    assert await revisions.of_workspace(workspace) == first


async def test_creating_and_editing_a_post_move_it(
    uow_factory: Backend, revisions: PostRevisions
) -> None:
    workspace, integrations = await _world(uow_factory)
    before = await revisions.of_workspace(workspace)
    post = a_post(workspace, integrations, at=START + timedelta(hours=1))
    await _add(uow_factory, post)
    created = await revisions.of_workspace(workspace)
    assert created != before
    post.cancel(START)
    async with uow_factory() as uow:
        await uow.posts.save(post)
        await uow.commit()
    assert await revisions.of_workspace(workspace) not in (before, created)


async def test_claims_and_outcomes_move_it(uow_factory: Backend, revisions: PostRevisions) -> None:
    """The publisher writes targets only (a claim, an outcome): each moves it, since
    the post's derived status and its targets show in the listing."""
    workspace, integrations = await _world(uow_factory)
    post = a_post(workspace, integrations[:1], at=START + timedelta(hours=1))
    await _add(uow_factory, post)
    now = START + timedelta(hours=2)
    seen = {await revisions.of_workspace(workspace)}
    async with uow_factory() as uow:
        claimed = await uow.publish_queue.claim_due(now, LEASE, 10)
        await uow.commit()
    assert len(claimed) == 1
    seen.add(await revisions.of_workspace(workspace))
    async with uow_factory() as uow:
        stored = await uow.posts.get_any(post.id)
        assert stored is not None
        stored.record(stored.targets[0].id, Published("1", "https://x.test/1"), now)
        await uow.posts.save_targets(stored.targets)
        await uow.commit()
    seen.add(await revisions.of_workspace(workspace))
    assert len(seen) == 3


async def test_a_write_rolled_back_leaves_it(
    uow_factory: Backend, revisions: PostRevisions
) -> None:
    workspace, integrations = await _world(uow_factory)
    before = await revisions.of_workspace(workspace)
    async with uow_factory() as uow:
        await uow.posts.add(a_post(workspace, integrations))
        # no commit: rolled back on the way out
    assert await revisions.of_workspace(workspace) == before


async def test_another_workspace_s_writes_leave_it(
    uow_factory: Backend, revisions: PostRevisions
) -> None:
    if isinstance(uow_factory, MemoryBackend):
        pytest.skip("the memory store keeps one number for every workspace")
    mine, my_integrations = await _world(uow_factory)
    theirs, their_integrations = await _world(uow_factory)
    await _add(uow_factory, a_post(mine, my_integrations))
    before = await revisions.of_workspace(mine)
    await _add(uow_factory, a_post(theirs, their_integrations))
    assert await revisions.of_workspace(mine) == before


async def test_another_process_s_write_moves_it(
    uow_factory: Backend, revisions: PostRevisions
) -> None:
    workspace, integrations = await _world(uow_factory)
    before = await revisions.of_workspace(workspace)
    async with uow_factory.from_another_process() as uow:
        await uow.posts.add(a_post(workspace, integrations))
        await uow.commit()
    assert await revisions.of_workspace(workspace) != before
