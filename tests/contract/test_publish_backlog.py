"""PublishBacklog contract: what is due and unclaimed, and since when, on each SQL store."""

from __future__ import annotations

from datetime import timedelta

from adapters.persistence.sqlalchemy.backlog import SqlAlchemyPublishBacklog
from application.ports.publish_backlog import Backlog
from tests.contract.builders import T0, committed_integration, committed_workspace
from tests.contract.conftest import SqlBackend


async def test_counts_pending_targets_due_by_now_and_finds_the_oldest(
    sql_backend: SqlBackend,
) -> None:
    backlog = SqlAlchemyPublishBacklog(sql_backend.engine)
    assert await backlog.due_unclaimed(T0) == Backlog(0, None)

    workspace = await committed_workspace(sql_backend())
    integration = await committed_integration(sql_backend(), workspace.id)
    add = sql_backend.add_target
    await add(workspace.id, integration.id, T0 - timedelta(minutes=5), "pending")
    await add(workspace.id, integration.id, T0 - timedelta(minutes=1), "pending")
    await add(workspace.id, integration.id, T0, "pending")  # due at this very moment
    await add(workspace.id, integration.id, T0 + timedelta(seconds=1), "pending")  # not yet
    await add(workspace.id, integration.id, None, "pending")  # a draft
    for claimed_or_done in ("publishing", "published", "failed", "canceled"):
        await add(workspace.id, integration.id, T0 - timedelta(hours=1), claimed_or_done)

    assert await backlog.due_unclaimed(T0) == Backlog(3, T0 - timedelta(minutes=5))
