"""On PostgreSQL a create's hot statements run on asyncpg directly (`pg_driver`), inside the
transaction SQLAlchemy's adapter keeps for the unit's connection: the same rows, the same
errors, one transaction with SQLAlchemy's own statements, and a lost connection dropped
from the pool."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from adapters.persistence.sqlalchemy.pg_driver import PgStatement, is_asyncpg
from adapters.persistence.sqlalchemy.tables import integrations, posts
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.errors import DatabaseUnavailable
from domain.platform import Platform
from domain.post import Post, TargetSpec
from tests.contract.builders import committed_integration, committed_workspace
from tests.contract.conftest import START, SqlBackend
from tests.support.postgres import admin_connection


def _a_post(workspace_id, integration_id, platform=Platform.TWITTER) -> Post:  # type: ignore[no-untyped-def]
    return Post.create(
        id=uuid4(),
        workspace_id=workspace_id,
        content="driver",
        targets=[TargetSpec(uuid4(), integration_id, platform)],
        now=START,
        scheduled_at=START + timedelta(hours=3),
        tags=("x",),
    )


async def _created(backend: SqlBackend, post: Post) -> None:
    """The post created as `CreatePost` does: its integrations held, the post added."""
    async with backend() as uow:
        await uow.integrations.get_held(post.workspace_id, [t.integration_id for t in post.targets])
        await uow.posts.add(post)
        await uow.commit()


async def _count_posts(backend: SqlBackend) -> int:
    async with backend.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(posts)) or 0)


async def test_rows_read_on_asyncpg_equal_sqlalchemys(postgres_backend: SqlBackend) -> None:
    workspace = await committed_workspace(postgres_backend())
    first = await committed_integration(postgres_backend(), workspace.id)
    second = await committed_integration(
        postgres_backend(), workspace.id, platform=Platform.BLUESKY
    )
    async with postgres_backend() as uow:
        held = await uow.integrations.get_held(workspace.id, [second.id, first.id])
        by_sqlalchemy = [await uow.integrations.get(workspace.id, i) for i in held]
    assert list(held.values()) == by_sqlalchemy == sorted([first, second], key=lambda i: i.id)


async def test_a_statement_on_asyncpg_and_one_of_sqlalchemy_share_one_transaction(
    postgres_backend: SqlBackend,
) -> None:
    workspace = await committed_workspace(postgres_backend())
    integration = await committed_integration(postgres_backend(), workspace.id)
    post = _a_post(workspace.id, integration.id)
    async with postgres_backend() as uow:
        conn = uow._conn  # type: ignore[attr-defined]
        assert is_asyncpg(conn)
        await uow.integrations.get_held(workspace.id, [integration.id])  # begins, on asyncpg
        assert not conn.in_transaction()  # SQLAlchemy's own state: it began nothing
        await uow.posts.add(post)
        await uow.workspaces.get(workspace.id)  # SQLAlchemy's, in the same transaction
        assert await uow.posts.get(workspace.id, post.id) == post
        # not committed: invisible elsewhere, and gone at exit
        assert await _count_posts(postgres_backend) == 0
    assert await _count_posts(postgres_backend) == 0

    async with postgres_backend() as uow:
        await uow.integrations.get_held(workspace.id, [integration.id])
        await uow.posts.add(post)
        await uow.commit()
        # after the commit the next statement begins anew, and its writes commit too
        again = _a_post(workspace.id, integration.id)
        await uow.posts.add(again)
        await uow.commit()
    async with postgres_backend.from_another_process() as uow:
        assert await uow.posts.get(workspace.id, post.id) == post
        assert await uow.posts.get(workspace.id, again.id) == again


async def test_a_driver_error_is_sqlalchemys_and_rolls_the_unit_back(
    postgres_backend: SqlBackend,
) -> None:
    workspace = await committed_workspace(postgres_backend())
    integration = await committed_integration(postgres_backend(), workspace.id)
    post = _a_post(workspace.id, integration.id)
    await _created(postgres_backend, post)
    other = _a_post(workspace.id, integration.id)
    with pytest.raises(IntegrityError) as raised:
        async with postgres_backend() as uow:
            await uow.posts.add(other)
            await uow.posts.add(post)  # the same primary key
            await uow.commit()
    assert isinstance(raised.value.orig, Exception)
    assert isinstance(raised.value.__cause__, asyncpg.UniqueViolationError)
    async with postgres_backend() as uow:
        assert await uow.posts.get(workspace.id, other.id) is None


async def test_a_connection_lost_between_statements_is_unavailable_and_leaves_the_pool(
    postgres_backend: SqlBackend,
) -> None:
    workspace = await committed_workspace(postgres_backend())
    integration = await committed_integration(postgres_backend(), workspace.id)
    with pytest.raises(DatabaseUnavailable):
        async with postgres_backend() as uow:
            await uow.integrations.get_held(workspace.id, [integration.id])
            adapter = uow._conn.sync_connection.connection.dbapi_connection  # type: ignore[attr-defined]
            pid = adapter.driver_connection.get_server_pid()
            async with admin_connection() as admin:
                await admin.execute("SELECT pg_terminate_backend($1)", pid)
            await uow.posts.add(_a_post(workspace.id, integration.id))
    # the dead connection was dropped: the next unit gets a live one
    post = _a_post(workspace.id, integration.id)
    await _created(postgres_backend, post)
    async with postgres_backend() as uow:
        assert await uow.posts.get(workspace.id, post.id) == post


async def test_statementwise_units_on_asyncpg_commit_each_statement(
    postgres_backend: SqlBackend,
) -> None:
    """An autocommit unit (`statementwise`): a `PgStatement` begins no transaction."""
    workspace = await committed_workspace(postgres_backend())
    integration = await committed_integration(postgres_backend(), workspace.id)
    statement = PgStatement(
        select(integrations.c.id).where(integrations.c.workspace_id == workspace.id)
    )
    unit = SqlAlchemyUnitOfWork(
        postgres_backend.engine, postgres_backend.cipher, postgres_backend.clock, statementwise=True
    )
    async with unit:
        conn = unit._conn
        assert conn is not None
        assert await statement.scalars(conn, {}) == [integration.id]
        adapter = conn.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
        assert adapter._transaction is None
        assert not adapter.driver_connection.is_in_transaction()
