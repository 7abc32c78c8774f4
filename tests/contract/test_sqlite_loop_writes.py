"""SQLite's write transactions run on the event loop while the write lock is free, and on
the engine's own thread (which waits for the lock) while another process holds it."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.clock import ManualClock
from adapters.crypto import FernetTokenCipher, generate_key
from adapters.persistence.sqlalchemy.driver import DriverStatement
from adapters.persistence.sqlalchemy.engine import (
    create_engine,
    dispose_loop_writer,
    loop_write_group,
    loop_writer,
)
from adapters.persistence.sqlalchemy.integrations import SqlAlchemyIntegrationRepository
from adapters.persistence.sqlalchemy.loop import LoopConnection, driver_of
from adapters.persistence.sqlalchemy.posts import SqlAlchemyPostRepository
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.errors import DatabaseUnavailable
from domain.platform import Platform
from domain.post import Post, TargetSpec
from domain.workspace import Workspace
from tests.contract.builders import a_workspace, committed_integration, committed_workspace
from tests.contract.conftest import START, SqlBackend


def _database_file(backend: SqlBackend) -> str:
    database = backend.engine.url.database
    assert database is not None
    return database


async def test_a_unit_writes_on_the_loop_and_its_commit_is_seen_elsewhere(
    sqlite_backend: SqlBackend,
) -> None:
    workspace = a_workspace()
    async with sqlite_backend() as uow:
        assert isinstance(uow._conn, LoopConnection)  # type: ignore[attr-defined]
        await uow.workspaces.add(workspace)
        await uow.commit()

    async with sqlite_backend.from_another_process() as uow:
        assert await uow.workspaces.get(workspace.id) == workspace


async def test_a_unit_left_without_commit_leaves_the_loop_writer_usable(
    sqlite_backend: SqlBackend,
) -> None:
    async with sqlite_backend() as uow:
        await uow.workspaces.add(a_workspace())
    workspace = a_workspace()
    async with sqlite_backend() as uow:
        assert isinstance(uow._conn, LoopConnection)  # type: ignore[attr-defined]
        await uow.workspaces.add(workspace)
        await uow.commit()

    async with sqlite_backend() as uow:
        assert [w.id for w in await uow.workspaces.list()] == [workspace.id]


async def test_while_another_process_writes_a_unit_waits_off_the_loop(
    sqlite_backend: SqlBackend,
) -> None:
    """The loop's writer never waits for the lock: the unit goes to the engine's thread,
    the loop keeps running, and the unit writes once the other process commits."""
    assert loop_writer(sqlite_backend.engine) is not None
    async with sqlite_backend() as uow:  # the schema is there; the writer has connected
        await uow.commit()
    other = sqlite3.connect(_database_file(sqlite_backend), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    workspace = a_workspace()
    connections: list[object] = []

    async def write() -> None:
        async with sqlite_backend() as uow:
            connections.append(uow._conn)  # type: ignore[attr-defined]
            await uow.workspaces.add(workspace)
            await uow.commit()

    try:
        writing = asyncio.create_task(write())
        for _ in range(50):  # the loop goes on turning while the unit waits for the lock
            await asyncio.sleep(0)
        assert not writing.done()
    finally:
        other.execute("COMMIT")
        other.close()
    await asyncio.wait_for(writing, 30)

    assert len(connections) == 1 and isinstance(connections[0], AsyncConnection)
    async with sqlite_backend() as uow:
        assert isinstance(uow._conn, LoopConnection)  # type: ignore[attr-defined]
        assert await uow.workspaces.get(workspace.id) == workspace


# A create's statements on the loop run on the driver (driver.py): the same rows as
# SQLAlchemy's own execution writes and reads, its errors, its statement bound.


def _rows(backend: SqlBackend, table: str, where: str, ids: list[str]) -> list[tuple[object, ...]]:
    db = sqlite3.connect(_database_file(backend))
    try:
        marks = ",".join("?" * len(ids))
        return db.execute(f"SELECT * FROM {table} WHERE {where} IN ({marks})", ids).fetchall()
    finally:
        db.close()


def _twin_posts(workspace_id: UUID, integrations: list[UUID]) -> tuple[Post, Post]:
    def one() -> Post:
        specs = [
            TargetSpec(tid, i, p)
            for tid, i, p in zip(
                sorted(uuid4() for _ in integrations),
                integrations,
                [Platform.TWITTER, Platform.BLUESKY],
                strict=False,
            )
        ]
        return Post.create(
            id=uuid4(),
            workspace_id=workspace_id,
            content="hello",
            targets=specs,
            now=START + timedelta(microseconds=123),
            scheduled_at=START + timedelta(hours=2, microseconds=7),
            overrides={Platform.BLUESKY: "sky"},
            tags=("a", "b"),
        )

    return one(), one()


async def test_a_post_on_the_driver_is_stored_as_sqlalchemy_stores_it(
    sqlite_backend: SqlBackend,
) -> None:
    workspace = await committed_workspace(sqlite_backend())
    twitter = await committed_integration(sqlite_backend(), workspace.id)
    bluesky = await committed_integration(sqlite_backend(), workspace.id, platform=Platform.BLUESKY)
    on_driver, on_engine = _twin_posts(workspace.id, [twitter.id, bluesky.id])
    async with sqlite_backend() as uow:
        assert driver_of(uow._conn) is not None  # type: ignore[attr-defined]
        held = await uow.integrations.get_held(workspace.id, [bluesky.id, twitter.id])
        await uow.posts.add(on_driver)
        await uow.commit()
    async with sqlite_backend.engine.begin() as conn:  # SQLAlchemy's own execution
        assert driver_of(conn) is None
        assert (
            await SqlAlchemyIntegrationRepository(conn).get_held(
                workspace.id, [bluesky.id, twitter.id]
            )
            == held
        )
        await SqlAlchemyPostRepository(conn).add(on_engine)

    assert held == {twitter.id: twitter, bluesky.id: bluesky}
    driver_post, engine_post = (
        _rows(sqlite_backend, "posts", "id", [p.id.hex]) for p in (on_driver, on_engine)
    )
    assert len(driver_post) == 1 and driver_post[0][1:] == engine_post[0][1:]
    driver_targets, engine_targets = (
        _rows(sqlite_backend, "post_targets", "post_id", [p.id.hex]) for p in (on_driver, on_engine)
    )
    assert len(driver_targets) == 2
    assert [r[2:] for r in driver_targets] == [r[2:] for r in engine_targets]
    async with sqlite_backend() as uow:
        assert await uow.posts.get(workspace.id, on_driver.id) == on_driver


async def test_a_driver_error_comes_back_as_sqlalchemys(sqlite_backend: SqlBackend) -> None:
    workspace = await committed_workspace(sqlite_backend())
    twitter = await committed_integration(sqlite_backend(), workspace.id)
    orphan, _ = _twin_posts(uuid4(), [twitter.id])  # no such workspace: its foreign key fails
    with pytest.raises(IntegrityError):
        async with sqlite_backend() as uow:
            assert driver_of(uow._conn) is not None  # type: ignore[attr-defined]
            await uow.posts.add(orphan)
            await uow.commit()
    async with sqlite_backend() as uow:
        assert await uow.posts.get(workspace.id, orphan.id) is None


async def test_a_stuck_statement_on_the_driver_fails_as_the_database_unavailable(
    sqlite_url: str,
) -> None:
    engine = create_engine(sqlite_url, statement_timeout_s=0.3)
    stuck = DriverStatement(
        text(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 10000000) SELECT count(*) FROM n"
        )
    )
    cipher = FernetTokenCipher([generate_key()])
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable):
            async with SqlAlchemyUnitOfWork(engine, cipher, ManualClock(START)) as uow:
                driver = driver_of(uow._conn)
                assert driver is not None
                stuck.rows(driver, {})
        assert time.monotonic() - started < 5
    finally:
        dispose_loop_writer(engine)
        await engine.dispose()


async def test_a_unit_on_the_loop_is_one_transaction_across_driver_and_sqlalchemy(
    sqlite_backend: SqlBackend,
) -> None:
    """The driver's statements and SQLAlchemy's share the unit's transaction: uncommitted,
    both are rolled back; committed, both land; a statement after a commit begins anew."""
    workspace = await committed_workspace(sqlite_backend())
    twitter = await committed_integration(sqlite_backend(), workspace.id)
    first, second = _twin_posts(workspace.id, [twitter.id])
    other, late = a_workspace(), a_workspace()

    async with sqlite_backend() as uow:
        assert isinstance(uow._conn, LoopConnection)  # type: ignore[attr-defined]
        await uow.workspaces.add(other)  # SQLAlchemy's execution
        await uow.posts.add(first)  # the driver's
    async with sqlite_backend() as uow:
        assert await uow.workspaces.get(other.id) is None
        assert await uow.posts.get(workspace.id, first.id) is None

    async with sqlite_backend() as uow:
        await uow.posts.add(first)
        await uow.workspaces.add(other)
        await uow.commit()
        await uow.posts.add(second)  # after the commit: a new transaction, left uncommitted
        await uow.workspaces.add(late)
    async with sqlite_backend.from_another_process() as uow:
        assert await uow.workspaces.get(other.id) == other
        assert await uow.posts.get(workspace.id, first.id) == first
        assert await uow.workspaces.get(late.id) is None
        assert await uow.posts.get(workspace.id, second.id) is None


# Group commit (loop.WriteGroup): concurrent units on the loop share one COMMIT.


def _traced(backend: SqlBackend) -> list[str]:
    """Every statement the loop's writer runs from now on."""
    found = loop_write_group(backend.engine)
    assert found is not None
    statements: list[str] = []
    found[1].driver.connection.set_trace_callback(statements.append)
    return statements


async def test_concurrent_units_share_one_commit_and_none_returns_before_it(
    sqlite_backend: SqlBackend,
) -> None:
    await committed_workspace(sqlite_backend())  # the writer has connected
    statements = _traced(sqlite_backend)
    seen_after_commit: list[bool] = []

    async def create() -> None:
        workspace = a_workspace()
        async with sqlite_backend() as uow:
            await uow.workspaces.add(workspace)
            await uow.commit()
            # Read-your-writes: once commit() returns, every other connection sees it.
            other = sqlite3.connect(_database_file(sqlite_backend))
            try:
                found = other.execute(
                    "SELECT count(*) FROM workspaces WHERE id = ?", [workspace.id.hex]
                ).fetchone()
            finally:
                other.close()
            seen_after_commit.append(found == (1,))

    await asyncio.gather(*(create() for _ in range(5)))

    assert seen_after_commit == [True] * 5
    assert statements.count("COMMIT") == 1
    assert statements.count("BEGIN IMMEDIATE") == 1


async def test_a_failing_unit_in_a_group_rolls_back_alone(sqlite_backend: SqlBackend) -> None:
    await committed_workspace(sqlite_backend())
    statements = _traced(sqlite_backend)
    first, failing, last = a_workspace(), a_workspace(), a_workspace()

    async def create(workspace: Workspace, fail: bool) -> None:
        async with sqlite_backend() as uow:
            await uow.workspaces.add(workspace)
            if fail:
                raise RuntimeError("the use case failed")
            await uow.commit()

    results = await asyncio.gather(
        create(first, False), create(failing, True), create(last, False), return_exceptions=True
    )

    assert [type(r) for r in results] == [type(None), RuntimeError, type(None)]
    assert statements.count("COMMIT") == 1
    async with sqlite_backend.from_another_process() as uow:
        assert await uow.workspaces.get(first.id) == first
        assert await uow.workspaces.get(last.id) == last
        assert await uow.workspaces.get(failing.id) is None


async def test_a_sqlalchemy_connection_leaving_a_group_leaves_the_others_writes(
    sqlite_backend: SqlBackend,
) -> None:
    """A unit that used SQLAlchemy's connection and left without committing (its
    connection back in the pool) ends nothing but its own savepoint."""
    workspace = await committed_workspace(sqlite_backend())
    twitter = await committed_integration(sqlite_backend(), workspace.id)
    post, _ = _twin_posts(workspace.id, [twitter.id])
    abandoned = a_workspace()

    async def on_driver() -> None:
        async with sqlite_backend() as uow:
            await uow.posts.add(post)
            await uow.commit()

    async def on_sqlalchemy() -> None:
        async with sqlite_backend() as uow:
            await uow.workspaces.add(abandoned)

    await asyncio.gather(on_driver(), on_sqlalchemy())

    async with sqlite_backend.from_another_process() as uow:
        assert await uow.posts.get(workspace.id, post.id) == post
        assert await uow.workspaces.get(abandoned.id) is None
