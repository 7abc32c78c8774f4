from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from adapters.persistence.sqlalchemy.errors import translate_database_errors
from adapters.persistence.sqlalchemy.repositories import (
    SqlAlchemyApiKeyRepository,
    SqlAlchemyBusyTimeReader,
    SqlAlchemyCredentialRepository,
    SqlAlchemyIntegrationRepository,
    SqlAlchemyOAuthStateRepository,
    SqlAlchemyWorkspaceRepository,
)
from application.ports.clock import Clock
from application.ports.token_cipher import TokenCipher
from application.ports.unit_of_work import UnitOfWork


class SqlAlchemyUnitOfWork(UnitOfWork):
    """One connection and one transaction per `async with`; rolled back unless committed.

    It may be entered again after it exits (each entry is a new transaction)."""

    def __init__(self, engine: AsyncEngine, cipher: TokenCipher, clock: Clock) -> None:
        self.engine = engine
        self.cipher = cipher
        self.clock = clock
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        with translate_database_errors():
            conn = await self.engine.connect()
            try:
                self._tx = await conn.begin()
            except BaseException:
                await conn.close()
                raise
        self._conn = conn
        self.workspaces = SqlAlchemyWorkspaceRepository(conn)
        self.api_keys = SqlAlchemyApiKeyRepository(conn)
        self.integrations = SqlAlchemyIntegrationRepository(conn)
        self.oauth_states = SqlAlchemyOAuthStateRepository(conn)
        self.credentials = SqlAlchemyCredentialRepository(conn, self.cipher, self.clock)
        self.busy_times = SqlAlchemyBusyTimeReader(conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await self.rollback()
        finally:
            await conn.close()
            self._tx = None

    async def commit(self) -> None:
        if self._tx is not None and self._tx.is_active:
            with translate_database_errors():
                await self._tx.commit()

    async def rollback(self) -> None:
        if self._tx is not None and self._tx.is_active:
            await self._tx.rollback()
