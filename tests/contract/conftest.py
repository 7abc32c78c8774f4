"""One unit-of-work factory per persistence adapter, so every contract test runs against
memory, SQLite and PostgreSQL alike.

Each test starts on an empty store: a new `MemoryStore`, a new SQLite file (migrated with
Alembic), or the session's PostgreSQL database (migrated with Alembic once) with every
table emptied. A database per PostgreSQL test costs 0.15 s on a quiet machine and over a
second on a busy one; emptying the tables costs milliseconds. `test_schema.py` migrates
new, empty databases of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.crypto import FernetTokenCipher, generate_key
from adapters.persistence.memory import MemoryStore, MemoryUnitOfWork
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.tables import (
    integration_credentials,
    metadata,
    post_targets,
    posts,
)
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.ports.unit_of_work import UnitOfWork
from domain.platform import Platform
from domain.post import Post
from domain.post_target import PostTarget, TargetStatus
from tests.support.postgres import temporary_database

START = datetime(2026, 4, 16, 10, 0, tzinfo=UTC)

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


class Backend:
    """Calling it gives a fresh unit of work on this test's store. The helpers reach
    behind the ports under test, for what they do not write (post targets) or must not
    show (the stored ciphertext)."""

    kind: str
    clock: ManualClock

    def __call__(self) -> UnitOfWork:
        raise NotImplementedError

    @property
    def overlapping_units(self) -> bool:
        """Whether two units of work can be open at the same time: only on PostgreSQL.
        A memory unit holds the store's lock, a SQLite one the database's write lock."""
        return self.kind == "postgres"

    def from_another_process(self) -> UnitOfWork:
        """A unit of work as a second process would open it on the same store."""
        return self()

    async def add_target(
        self,
        workspace_id: UUID,
        integration_id: UUID,
        scheduled_at: datetime | None,
        status: str,
        *,
        post_id: UUID | None = None,
    ) -> UUID:
        """Stores a target (in a new post, or in `post_id`'s) and returns its post's id."""
        raise NotImplementedError


class MemoryBackend(Backend):
    kind = "memory"

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.clock = ManualClock(START)

    def __call__(self) -> UnitOfWork:
        return MemoryUnitOfWork(self.store)

    async def add_target(
        self,
        workspace_id: UUID,
        integration_id: UUID,
        scheduled_at: datetime | None,
        status: str,
        *,
        post_id: UUID | None = None,
    ) -> UUID:
        now = self.clock.now()
        target = PostTarget(
            uuid4(), integration_id, Platform.TWITTER, "hello", TargetStatus(status),
            scheduled_at, scheduled_at, None, 0, 0, None, None, None, None, now,
        )  # fmt: skip
        async with self.store.lock:
            if post_id is None:
                post_id = uuid4()
                self.store.posts[post_id] = Post(
                    post_id, workspace_id, "hello", (), {}, scheduled_at, None, now, now
                )
            self.store.posts[post_id].targets.append(target)
        return post_id


class SqlBackend(Backend):
    def __init__(self, kind: str, engine: AsyncEngine, *, second: AsyncEngine) -> None:
        self.kind = kind
        self.engine = engine
        self.second = second
        self.cipher = FernetTokenCipher([generate_key()])
        self.clock = ManualClock(START)

    def __call__(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.engine, self.cipher, self.clock)

    def from_another_process(self) -> UnitOfWork:
        """A unit of work on a second engine, as a second process (a worker) would have."""
        return SqlAlchemyUnitOfWork(self.second, self.cipher, self.clock)

    async def add_target(
        self,
        workspace_id: UUID,
        integration_id: UUID,
        scheduled_at: datetime | None,
        status: str,
        *,
        post_id: UUID | None = None,
    ) -> UUID:
        now = self.clock.now()
        async with self.engine.begin() as conn:
            if post_id is None:
                post_id = uuid4()
                await conn.execute(
                    insert(posts).values(
                        id=post_id,
                        workspace_id=workspace_id,
                        content="hello",
                        scheduled_at=scheduled_at,
                        created_at=now,
                        updated_at=now,
                    )
                )
            await conn.execute(
                insert(post_targets).values(
                    id=uuid4(),
                    post_id=post_id,
                    workspace_id=workspace_id,
                    integration_id=integration_id,
                    platform="twitter",
                    content="hello",
                    status=status,
                    scheduled_at=scheduled_at,
                    next_attempt_at=scheduled_at,
                    updated_at=now,
                )
            )
        return post_id

    async def raw_ciphertext(self, integration_id: UUID) -> bytes | None:
        async with self.engine.connect() as conn:
            value = await conn.scalar(
                select(integration_credentials.c.ciphertext).where(
                    integration_credentials.c.integration_id == integration_id
                )
            )
        return bytes(value) if value is not None else None


async def _sql_backend(kind: str, url: str, *, migrate: bool) -> AsyncIterator[SqlBackend]:
    engine, second = create_engine(url), create_engine(url)
    try:
        if migrate:
            await upgrade(engine)
        else:
            await _empty_every_table(engine)
        yield SqlBackend(kind, engine, second=second)
    finally:
        await second.dispose()
        await engine.dispose()


async def _empty_every_table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(delete(table))


@pytest.fixture(scope="session")
async def migrated_postgres_url() -> AsyncIterator[str]:
    """This suite's own PostgreSQL database, brought to the newest revision once."""
    async with temporary_database() as url:
        engine = create_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        yield url


@pytest.fixture
def memory_backend() -> MemoryBackend:
    return MemoryBackend()


@pytest.fixture
async def sqlite_backend(sqlite_url: str) -> AsyncIterator[SqlBackend]:
    async for backend in _sql_backend("sqlite", sqlite_url, migrate=True):
        yield backend


@pytest.fixture
async def postgres_backend(migrated_postgres_url: str) -> AsyncIterator[SqlBackend]:
    async for backend in _sql_backend("postgres", migrated_postgres_url, migrate=False):
        yield backend


@pytest.fixture
async def fresh_postgres_backend(fresh_postgres_url: str) -> AsyncIterator[SqlBackend]:
    async for backend in _sql_backend("postgres", fresh_postgres_url, migrate=True):
        yield backend


@pytest.fixture(params=BACKENDS)
def uow_factory(request: pytest.FixtureRequest) -> Backend:
    """A callable giving fresh units of work on one empty store of each adapter."""
    backend: Backend = request.getfixturevalue(f"{request.param}_backend")
    return backend


@pytest.fixture(params=SQL_BACKENDS)
def sql_backend(request: pytest.FixtureRequest) -> SqlBackend:
    """A SQL store, emptied for this test."""
    backend: SqlBackend = request.getfixturevalue(f"{request.param}_backend")
    return backend


@pytest.fixture(params=SQL_BACKENDS)
def fresh_sql_backend(request: pytest.FixtureRequest) -> SqlBackend:
    """A new SQL database, just migrated from nothing to the newest revision."""
    name = "sqlite" if request.param == "sqlite" else "fresh_postgres"
    backend: SqlBackend = request.getfixturevalue(f"{name}_backend")
    return backend
