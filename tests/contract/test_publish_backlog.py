"""PublishBacklog contract: what is due and unclaimed, and since when, on every store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.persistence.memory.publish_backlog import MemoryPublishBacklog
from adapters.persistence.sqlalchemy.publish_backlog import SqlAlchemyPublishBacklog
from application.ports.publish_backlog import Backlog, PublishBacklog
from tests.contract.builders import T0, committed_integration, committed_workspace
from tests.contract.conftest import BACKENDS, Backend, MemoryBackend, SqlBackend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> tuple[Backend, PublishBacklog]:
    found: Backend = request.getfixturevalue(f"{request.param}_backend")
    if isinstance(found, MemoryBackend):
        return found, MemoryPublishBacklog(found.store)
    assert isinstance(found, SqlBackend)
    return found, SqlAlchemyPublishBacklog(found.engine)


async def test_counts_pending_targets_due_by_now_and_finds_the_oldest(
    backend: tuple[Backend, PublishBacklog],
) -> None:
    store, backlog = backend
    assert await backlog.due_unclaimed(T0) == Backlog(0, None)

    workspace = await committed_workspace(store())
    integration = await committed_integration(store(), workspace.id)
    add = store.add_target
    await add(workspace.id, integration.id, T0 - timedelta(minutes=5), "pending")
    await add(workspace.id, integration.id, T0 - timedelta(minutes=1), "pending")
    await add(workspace.id, integration.id, T0, "pending")  # due at this very moment
    await add(workspace.id, integration.id, T0 + timedelta(seconds=1), "pending")  # not yet
    await add(workspace.id, integration.id, None, "pending")  # a draft
    for claimed_or_done in ("publishing", "published", "failed", "canceled"):
        await add(workspace.id, integration.id, T0 - timedelta(hours=1), claimed_or_done)

    assert await backlog.due_unclaimed(T0) == Backlog(3, T0 - timedelta(minutes=5))
