"""SQLite's write transactions run on the event loop while the write lock is free, and on
the engine's own thread (which waits for the lock) while another process holds it."""

from __future__ import annotations

import asyncio
import sqlite3

from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy.engine import loop_writer
from adapters.persistence.sqlalchemy.loop import LoopConnection
from tests.contract.builders import a_workspace
from tests.contract.conftest import SqlBackend


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
