"""The process's infrastructure: the settings, the database engine and units of work, the
cipher, the clock, ids, and the revisions of the workspaces' integrations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from dishka import (
    Provider,
    Scope,
    from_context,
    provide,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SystemClock
from adapters.crypto import FernetTokenCipher, generate_key, load_or_create_key_file
from adapters.ids import Uuid7Generator
from adapters.persistence.sqlalchemy.engine import create_engine, dispose_loop_writer
from adapters.persistence.sqlalchemy.reads import ReadConnections, SqlAlchemyReadUnitOfWork
from adapters.persistence.sqlalchemy.revisions import (
    SqlAlchemyIntegrationRevisions,
    SqlAlchemyPostRevisions,
    SqlAlchemySlotRevisions,
)
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.ports.clock import Clock
from application.ports.ids import IdGenerator
from application.ports.revisions import IntegrationRevisions, PostRevisions, SlotRevisions
from application.ports.token_cipher import TokenCipher
from application.ports.unit_of_work import (
    ReadOnlyUnitOfWork,
    ReadOnlyUnitOfWorkFactory,
    UnitOfWork,
    UnitOfWorkFactory,
)
from entrypoints.http.dashboard.session import SessionSealer
from entrypoints.settings import Settings

KEY_FILE_NAME = "openpost.key"


def secret_keys(settings: Settings) -> list[str]:
    """Configured keys, or the embedded default: a key file beside the SQLite database."""
    if settings.secret_keys:
        return list(settings.secret_keys)
    path = settings.sqlite_path
    if path is None:
        return [generate_key()]
    return [load_or_create_key_file(path.parent / KEY_FILE_NAME)]


class InfrastructureProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        # Room for the HTTP requests in flight (20, as measured in BENCHMARKS.md). A publish
        # in flight holds none: its claim read what it needs and its outcome joins a shared
        # write; only a token refresh holds one while it waits on the platform.
        engine = create_engine(
            settings.database_url,
            pool_size=20,
            statement_timeout_s=settings.statement_timeout_ms / 1000,
            lock_timeout_s=settings.lock_timeout_ms / 1000,
        )
        yield engine
        await engine.dispose()
        dispose_loop_writer(engine)

    @provide(scope=Scope.APP)
    def cipher(self, settings: Settings) -> TokenCipher:
        return FernetTokenCipher(secret_keys(settings))

    @provide(scope=Scope.APP)
    def session_sealer(self, settings: Settings) -> SessionSealer:
        return SessionSealer(secret_keys(settings))

    @provide(scope=Scope.APP)
    def clock(self) -> Clock:
        return SystemClock()

    @provide(scope=Scope.APP)
    def ids(self) -> IdGenerator:
        return Uuid7Generator()

    @provide(scope=Scope.APP)
    def uow_factory(
        self, engine: AsyncEngine, cipher: TokenCipher, clock: Clock
    ) -> UnitOfWorkFactory:
        return lambda: SqlAlchemyUnitOfWork(engine, cipher, clock)

    @provide(scope=Scope.REQUEST)
    def uow(self, factory: UnitOfWorkFactory) -> UnitOfWork:
        return factory()

    @provide(scope=Scope.APP)
    def reads(self, engine: AsyncEngine) -> Iterator[ReadConnections]:
        reads = ReadConnections(engine)
        yield reads
        reads.dispose()

    @provide(scope=Scope.APP)
    def read_factory(
        self, reads: ReadConnections, cipher: TokenCipher, clock: Clock
    ) -> ReadOnlyUnitOfWorkFactory:
        return lambda: SqlAlchemyReadUnitOfWork(reads, cipher, clock)

    @provide(scope=Scope.APP)
    def revisions(self, reads: ReadConnections) -> IntegrationRevisions:
        return SqlAlchemyIntegrationRevisions(reads)

    @provide(scope=Scope.APP)
    def slot_revisions(self, reads: ReadConnections) -> SlotRevisions:
        return SqlAlchemySlotRevisions(reads)

    @provide(scope=Scope.APP)
    def post_revisions(self, reads: ReadConnections) -> PostRevisions:
        return SqlAlchemyPostRevisions(reads)

    @provide(scope=Scope.REQUEST)
    def read_uow(self, factory: ReadOnlyUnitOfWorkFactory) -> ReadOnlyUnitOfWork:
        return factory()
