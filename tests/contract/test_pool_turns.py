"""Units of work wait for a connection in the order they asked (`engine.take_turn`), and a
unit that waits longer than the pool's timeout is told the database is unavailable."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest

from adapters.persistence.sqlalchemy import engine as engines
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.errors import DatabaseUnavailable
from tests.contract.conftest import SqlBackend


async def test_waiting_units_get_connections_in_the_order_they_asked(
    postgres_backend: SqlBackend,
) -> None:
    engine = create_engine(str(postgres_backend.engine.url.render_as_string(False)), pool_size=1)
    try:
        units = [
            SqlAlchemyUnitOfWork(engine, postgres_backend.cipher, postgres_backend.clock)
            for _ in range(6)
        ]
        order: list[int] = []
        holders = [await units[0].__aenter__(), await units[1].__aenter__()]  # both turns

        async def wait(n: int) -> None:
            async with units[n]:
                order.append(n)

        waiting = []
        for n in range(2, 6):
            waiting.append(asyncio.create_task(wait(n)))
            await asyncio.sleep(0)  # each is queued before the next asks
        for holder in holders:
            await holder.__aexit__(None, None, None)
        await asyncio.gather(*waiting)
        assert order == [2, 3, 4, 5]
    finally:
        await engine.dispose()


async def test_a_unit_waiting_past_the_pool_timeout_is_unavailable(
    postgres_backend: SqlBackend,
) -> None:
    engine = create_engine(str(postgres_backend.engine.url.render_as_string(False)), pool_size=1)
    try:
        turns, _ = engines._TURNS[engine.sync_engine]
        engines._TURNS[engine.sync_engine] = (turns, 0.05)  # the timeout, shortened
        cipher, clock = postgres_backend.cipher, postgres_backend.clock
        held = [SqlAlchemyUnitOfWork(engine, cipher, clock) for _ in range(2)]
        for unit in held:
            await unit.__aenter__()
        with pytest.raises(DatabaseUnavailable):
            async with SqlAlchemyUnitOfWork(engine, cipher, clock):
                pass
        await held[0].__aexit__(None, None, None)
        async with SqlAlchemyUnitOfWork(engine, cipher, clock) as uow:  # a turn came free
            assert await uow.workspaces.get(uuid4()) is None
        await held[1].__aexit__(None, None, None)
    finally:
        await engine.dispose()
