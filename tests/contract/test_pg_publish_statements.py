"""The publisher's statements on PostgreSQL run on asyncpg directly (`pg_driver.py`): the
claim with what each publish needs, the outcomes' read and write of their targets (all
written in one statement), the events they raise, and the webhook deliverer's poll. Each
is compared with the SQLAlchemy path it replaces: the same world is built twice, once run
each way, and what the callers get and what the tables hold must be equal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select

from adapters.persistence.sqlalchemy import (
    credentials,
    integrations,
    outbox,
    posts,
    publish_queue,
    webhook_deliveries,
    workspaces,
)
from adapters.persistence.sqlalchemy.tables import post_revisions, post_targets, webhook_events
from application.claim_due_targets import ClaimDueTargets
from application.ports.publish_queue import ClaimedTarget
from application.record_outcomes import RecordOutcomes
from domain.outcomes import Failed, Outcome, Published, RateLimited, Transient
from domain.platform import Platform
from domain.post import Post, TargetSpec
from domain.workspace import Workspace, WorkspaceMode
from tests.contract.builders import T0, an_integration, some_credentials
from tests.contract.conftest import START, SqlBackend, _empty_every_table
from tests.contract.webhook_builders import an_endpoint

pytestmark = pytest.mark.postgres

LEASE = timedelta(minutes=2)
ON_ASYNCPG = (credentials, integrations, outbox, posts, publish_queue, webhook_deliveries,
              workspaces)  # fmt: skip
WORKSPACE = UUID(int=1)
INTEGRATIONS = [UUID(int=10 + n) for n in range(3)]


@pytest.fixture
def sqlalchemy_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Switches the repositories to SQLAlchemy's path on the same connection."""

    def switch() -> None:
        for module in ON_ASYNCPG:
            monkeypatch.setattr(module, "is_asyncpg", lambda conn: False)

    yield switch
    monkeypatch.undo()


async def _world(backend: SqlBackend, count: int) -> list[UUID]:
    """A live workspace, three integrations with credentials, an endpoint for every event,
    and `count` posts of one target each, all due; the same ids every time."""
    async with backend() as uow:
        await uow.workspaces.add(Workspace(WORKSPACE, "acme", WorkspaceMode.LIVE, T0))
        for n, integration_id in enumerate(INTEGRATIONS):
            await uow.integrations.add(an_integration(WORKSPACE, id=integration_id,
                                                      platform_user_id=f"10{n}"))  # fmt: skip
            await uow.credentials.put(integration_id, some_credentials(str(n)))
        await uow.webhook_endpoints.add(replace(an_endpoint(WORKSPACE, ("*",)), id=UUID(int=5)))
        for n in range(count):
            post = Post.create(
                id=UUID(int=1000 + n),
                workspace_id=WORKSPACE,
                content=f"post {n}",
                targets=[TargetSpec(UUID(int=2000 + n), INTEGRATIONS[n % 3], Platform.TWITTER)],
                now=START - timedelta(minutes=5),
                scheduled_at=START - timedelta(seconds=n),
            )
            await uow.posts.add(post)
        await uow.commit()
    return [UUID(int=2000 + n) for n in range(count)]


def _outcomes(claimed: list[ClaimedTarget]) -> list[tuple[ClaimedTarget, Outcome]]:
    """One of each kind, and a second answer for a target already answered (refused as
    late)."""
    kinds: list[Outcome] = [
        Published("p-1", "https://x.test/p-1"),
        Failed("content_rejected", "no", True),
        Transient("503", jitter=0.0),
        RateLimited(START + timedelta(minutes=15)),
    ]
    given = [(c, kinds[n % len(kinds)]) for n, c in enumerate(claimed)]
    return [*given, (claimed[0], Published("p-2", "https://x.test/p-2"))]


async def _run(backend: SqlBackend) -> dict[str, Any]:
    """Claims twice (5, then the rest), records the outcomes of all in one group; what was
    claimed and what the tables hold then."""
    claim = ClaimDueTargets(backend, backend.clock, LEASE)
    claimed = [*await claim.execute(5), *await claim.execute(50)]
    await RecordOutcomes(backend, backend.clock).record_all(_outcomes(claimed))
    async with backend.engine.connect() as conn:
        targets = [dict(r) for r in (await conn.execute(
            select(post_targets).order_by(post_targets.c.id))).mappings()]  # fmt: skip
        events = sorted(
            (r.type, r.created_at, json.dumps({k: v for k, v in json.loads(r.body).items()
                                               if k != "id"}, sort_keys=True))
            for r in await conn.execute(select(webhook_events))
        )  # fmt: skip
        revision = await conn.scalar(
            select(func.sum(post_revisions.c.rev)).where(post_revisions.c.workspace_id == WORKSPACE)
        )
    async with backend() as uow:
        deliveries = await uow.delivery_queue.claim_due(START, LEASE, 10, 100)
    return {
        "claimed": sorted(claimed, key=lambda c: c.target_id),
        "targets": targets,
        "events": events,
        "revision": revision,
        "deliveries": sorted((d.delivery.endpoint_id, d.delivery.attempts) for d in deliveries),
    }


async def test_the_claim_and_the_outcomes_match_the_sqlalchemy_path(
    postgres_backend: SqlBackend, sqlalchemy_path: Any
) -> None:
    ids = await _world(postgres_backend, 9)
    direct = await _run(postgres_backend)
    await _empty_every_table(postgres_backend.engine)
    await _world(postgres_backend, 9)
    sqlalchemy_path()
    through_sqlalchemy = await _run(postgres_backend)

    assert [c.target_id for c in direct["claimed"]] == ids
    assert all(c.context is not None and c.context.credentials for c in direct["claimed"])
    for key in ("claimed", "targets", "events", "deliveries"):
        assert direct[key] == through_sqlalchemy[key], key
    statuses = [t["status"] for t in direct["targets"]]
    assert sorted(set(statuses)) == ["failed", "pending", "published"]
    assert len(direct["events"]) == 5  # published 3, failed 2 (not retried: sent)
    assert len(direct["deliveries"]) == 5
    # The targets' writes moved the workspace's revision on, in one statement or several.
    assert direct["revision"] is not None and through_sqlalchemy["revision"] is not None


async def test_a_target_saved_twice_in_one_call_keeps_the_last(
    postgres_backend: SqlBackend,
) -> None:
    """One UPDATE over a list would apply one of two rows for an id; such a call goes
    through the row-by-row path, where the last one is written, as before."""
    (target_id,) = await _world(postgres_backend, 1)
    async with postgres_backend() as uow:
        (target,) = await uow.posts.get_targets([target_id], for_update=True)
        first = replace(target, content="first")
        last = replace(target, content="last")
        await uow.posts.save_targets([first, last])
        await uow.commit()
    async with postgres_backend() as uow:
        assert [t.content for t in await uow.posts.get_targets([target_id])] == ["last"]


async def test_reads_by_ids_skip_unknown_ids_on_asyncpg(postgres_backend: SqlBackend) -> None:
    ids = await _world(postgres_backend, 3)
    unknown = UUID(int=99)
    async with postgres_backend() as uow:
        found = await uow.posts.get_targets([*ids, unknown], for_update=True)
        assert sorted(t.id for t in found) == ids
        assert set(await uow.integrations.get_many([*INTEGRATIONS, unknown])) == set(INTEGRATIONS)
        assert set(await uow.credentials.get_many([*INTEGRATIONS, unknown])) == set(INTEGRATIONS)
        assert set(await uow.workspaces.get_many([WORKSPACE, unknown])) == {WORKSPACE}
