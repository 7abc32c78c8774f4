"""A stuck statement never holds a connection for good: past the engine's statement
timeout it fails, and the unit of work reports the database unavailable (503 at the edge).
The bound is the engine's setting, shortened here."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from adapters.clock import ManualClock
from adapters.crypto import FernetTokenCipher, generate_key
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.persistence.sqlalchemy.reads import ReadConnections, SqlAlchemyReadUnitOfWork
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.errors import DatabaseUnavailable
from tests.contract.conftest import SQL_BACKENDS, START
from tests.support.postgres import temporary_database

BOUND_S = 0.3
# Stuck for many times the bound (seconds of counting, ten seconds of sleep): without
# the bound they finish, and no error is raised.
STUCK = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
    "WHERE i < 10000000) SELECT count(*) FROM n",
    "postgres": "SELECT pg_sleep(10)",
}


@pytest.fixture(params=SQL_BACKENDS)
async def url(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield sqlite_url
    else:
        async with temporary_database() as found:
            yield found


def kind_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgres"


async def test_a_stuck_statement_fails_as_the_database_unavailable(url: str) -> None:
    engine = create_engine(url, statement_timeout_s=BOUND_S)
    cipher = FernetTokenCipher([generate_key()])
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable):
            async with SqlAlchemyUnitOfWork(engine, cipher, ManualClock(START)) as uow:
                assert uow._conn is not None
                await uow._conn.execute(text(STUCK[kind_of(url)]))
        assert time.monotonic() - started < BOUND_S + 5

        # The connection is usable again at once: the bound ended the statement, not it.
        async with SqlAlchemyUnitOfWork(engine, cipher, ManualClock(START)) as uow:
            assert uow._conn is not None
            assert (await uow._conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_reads_on_the_loop_are_bounded_too(sqlite_url: str) -> None:
    """SQLite's reads run on the event loop: an unbounded one would stop the process."""
    engine = create_engine(sqlite_url, statement_timeout_s=BOUND_S)
    reads = ReadConnections(engine)
    cipher = FernetTokenCipher([generate_key()])
    try:
        assert not reads.uses_pool
        with pytest.raises(DatabaseUnavailable):
            async with SqlAlchemyReadUnitOfWork(reads, cipher, ManualClock(START)) as uow:
                assert uow._conn is not None
                await uow._conn.execute(text(STUCK["sqlite"]))
    finally:
        reads.dispose()
        await engine.dispose()


async def test_a_statement_within_the_bound_is_not_cut(url: str) -> None:
    engine = create_engine(url, statement_timeout_s=5)
    quick = {
        "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "WHERE i < 100000) SELECT count(*) FROM n",
        "postgres": "SELECT pg_sleep(0.5), 100000",
    }
    try:
        async with SqlAlchemyUnitOfWork(
            engine, FernetTokenCipher([generate_key()]), ManualClock(START)
        ) as uow:
            assert uow._conn is not None
            row = (await uow._conn.execute(text(quick[kind_of(url)]))).one()
            assert row[-1] == 100000
    finally:
        await engine.dispose()
