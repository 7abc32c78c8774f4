"""PostgreSQL: every connection of the engine owns a revision stripe no other live
connection holds (migration 0013), keeps it through the pool, and so two transactions
writing the same integrations and workspaces in opposite orders never wait on each other
at a revision row, let alone deadlock there."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from uuid import UUID, uuid4

import pytest
from alembic import command
from sqlalchemy import Connection, insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy.engine import STRIPE_LOCK_CLASS, STRIPES, create_engine
from adapters.persistence.sqlalchemy.migrate import alembic_config, upgrade
from adapters.persistence.sqlalchemy.tables import post_targets, posts
from tests.contract.builders import T0, committed_integration, committed_workspace
from tests.contract.conftest import SqlBackend

pytestmark = pytest.mark.postgres

STRIPE = text("SELECT current_setting('openpost.stripe', true)")
DEADLOCK = "40P01"


async def _stripe_of(conn: AsyncConnection) -> int:
    value = await conn.scalar(STRIPE)
    assert value, "the connection owns no stripe"
    return int(value)


async def test_connections_open_at_once_own_distinct_stripes(
    postgres_backend: SqlBackend,
) -> None:
    async with AsyncExitStack() as stack:
        conns = [
            await stack.enter_async_context(engine.connect())
            for engine in (postgres_backend.engine, postgres_backend.second)
            for _ in range(15)
        ]
        stripes = [await _stripe_of(conn) for conn in conns]
    assert len(set(stripes)) == len(conns)
    assert all(0 <= stripe < STRIPES for stripe in stripes)


async def test_a_connection_keeps_its_stripe_back_from_the_pool(
    postgres_backend: SqlBackend,
) -> None:
    engine = postgres_backend.engine
    async with engine.connect() as conn:
        pid, stripe = await conn.scalar(text("SELECT pg_backend_pid()")), await _stripe_of(conn)
        await conn.rollback()
    async with engine.begin() as conn:  # a transaction that fails and rolls back
        with pytest.raises(DBAPIError):
            await conn.execute(text("SELECT 1 / 0"))
    async with engine.connect() as conn:  # an autocommit read, as ReadConnections opens it
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("SELECT 1"))
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT pg_backend_pid()")) == pid
        assert await _stripe_of(conn) == stripe
        held = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                " AND classid = :cls AND objid = :stripe AND pid = pg_backend_pid()"
            ),
            {"cls": STRIPE_LOCK_CLASS, "stripe": stripe},
        )
        assert held == 1


async def _write(conn: AsyncConnection, workspace: UUID, integration: UUID) -> None:
    """A post with a busy target: a row for the workspace's posts revision and one for
    the integration's slot revision."""
    post_id = uuid4()
    await conn.execute(
        insert(posts).values(
            id=post_id, workspace_id=workspace, content="hello", scheduled_at=T0,
            created_at=T0, updated_at=T0,
        )
    )  # fmt: skip
    await conn.execute(
        insert(post_targets).values(
            id=uuid4(), post_id=post_id, workspace_id=workspace, integration_id=integration,
            platform="twitter", content="hello", status="pending", scheduled_at=T0,
            next_attempt_at=T0, updated_at=T0,
        )
    )  # fmt: skip


async def _opposite_orders(backend: SqlBackend, *, forced_stripe: int | None) -> list[object]:
    """Two transactions write (A, then B) and (B, then A); each starts its second write
    only once both have done their first. Returns what each ended with."""
    pairs = []
    for _ in range(2):
        workspace = await committed_workspace(backend())
        integration = await committed_integration(backend(), workspace.id)
        pairs.append((workspace.id, integration.id))
    first_done = [asyncio.Event(), asyncio.Event()]

    async def one(me: int, order: list[tuple[UUID, UUID]]) -> int:
        async with backend.engine.begin() as conn:
            if forced_stripe is not None:
                await conn.execute(text(f"SET LOCAL openpost.stripe = '{forced_stripe}'"))
            stripe = await _stripe_of(conn)
            await _write(conn, *order[0])
            first_done[me].set()
            await first_done[1 - me].wait()
            await _write(conn, *order[1])
        return stripe

    return await asyncio.wait_for(
        asyncio.gather(one(0, pairs), one(1, pairs[::-1]), return_exceptions=True), 30
    )


async def test_opposite_orders_both_commit(postgres_backend: SqlBackend) -> None:
    ended = await _opposite_orders(postgres_backend, forced_stripe=None)
    assert all(isinstance(stripe, int) for stripe in ended), ended
    assert ended[0] != ended[1]


async def test_opposite_orders_on_one_shared_stripe_deadlock(
    postgres_backend: SqlBackend,
) -> None:
    """What the test above guards against: sharing a revision row, one transaction dies."""
    ended = await _opposite_orders(postgres_backend, forced_stripe=7)
    failed = [error for error in ended if isinstance(error, DBAPIError)]
    assert len(failed) == 1, ended
    assert getattr(failed[0].orig, "sqlstate", None) == DEADLOCK


FUNCTIONS = (
    "openpost_slots_rev_of_integration",
    "openpost_slots_rev_of_id",
    "openpost_bump_posts_rev",
)


def _downgrade_to(connection: Connection, target: str) -> None:
    config = alembic_config(str(connection.engine.url))
    config.attributes["connection"] = connection
    command.downgrade(config, target)


async def test_the_downgrade_restores_the_stripes_by_process_id(fresh_postgres_url: str) -> None:
    engine = create_engine(fresh_postgres_url)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_to, "0012")
            for name in FUNCTIONS:
                source = await conn.scalar(
                    text("SELECT pg_get_functiondef(CAST(:name AS regproc))"), {"name": name}
                )
                assert "openpost.stripe" not in source
                assert "pg_backend_pid() % 64" in source
        await upgrade(engine)
        async with engine.begin() as conn:
            for name in FUNCTIONS:
                source = await conn.scalar(
                    text("SELECT pg_get_functiondef(CAST(:name AS regproc))"), {"name": name}
                )
                assert "openpost.stripe" in source
    finally:
        await engine.dispose()
