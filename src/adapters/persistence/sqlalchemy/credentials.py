"""Encrypted platform credentials, in SQL."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, any_, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy.integration_mappers import (
    credentials_from_bytes,
    credentials_to_bytes,
)
from adapters.persistence.sqlalchemy.locks import lock_rows
from adapters.persistence.sqlalchemy.pg_driver import PgStatement, is_asyncpg
from adapters.persistence.sqlalchemy.tables import (
    integration_credentials,
)
from application.ports.clock import Clock
from application.ports.credentials import CredentialRepository, Credentials, StoredCredentials
from application.ports.token_cipher import TokenCipher

_MANY = select(
    integration_credentials.c.integration_id,
    integration_credentials.c.ciphertext,
    integration_credentials.c.version,
).where(integration_credentials.c.integration_id.in_(bindparam("ids", expanding=True)))
# The same on asyncpg directly (pg_driver.py): the ids as one array, for any count.
_MANY_ON_ASYNCPG = PgStatement(
    select(
        integration_credentials.c.integration_id,
        integration_credentials.c.ciphertext,
        integration_credentials.c.version,
    ).where(
        integration_credentials.c.integration_id
        == any_(bindparam("ids", type_=ARRAY(integration_credentials.c.integration_id.type)))
    )
)


def _dialect_insert(conn: AsyncConnection) -> Any:
    """The dialect's own `insert`, which knows ON CONFLICT (both databases have it)."""
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


class SqlAlchemyCredentialRepository(CredentialRepository):
    """Credentials as one encrypted JSON document per integration, with a version for
    compare-and-swap (refresh tokens are single-use: two refreshers must not both win)."""

    def __init__(self, conn: AsyncConnection, cipher: TokenCipher, clock: Clock) -> None:
        self.conn = conn
        self.cipher = cipher
        self.clock = clock

    async def get(self, integration_id: UUID) -> StoredCredentials | None:
        row = (
            await self.conn.execute(
                select(
                    integration_credentials.c.ciphertext, integration_credentials.c.version
                ).where(integration_credentials.c.integration_id == integration_id)
            )
        ).first()
        if row is None:
            return None
        plain = self.cipher.decrypt(row[0])
        return StoredCredentials(credentials_from_bytes(plain), row[1])

    async def get_many(self, integration_ids: Collection[UUID]) -> dict[UUID, StoredCredentials]:
        if not integration_ids:
            return {}
        params = {"ids": list(integration_ids)}
        if is_asyncpg(self.conn):
            found = await _MANY_ON_ASYNCPG.rows(self.conn, params)
            rows: Any = ((r["integration_id"], r["ciphertext"], r["version"]) for r in found)
        else:
            rows = await self.conn.execute(_MANY, params)
        return {
            row[0]: StoredCredentials(credentials_from_bytes(self.cipher.decrypt(row[1])), row[2])
            for row in rows
        }

    async def get_for_update(self, integration_id: UUID) -> StoredCredentials | None:
        await lock_rows(
            self.conn,
            integration_credentials,
            integration_credentials.c.integration_id == integration_id,
        )
        return await self.get(integration_id)

    async def put(self, integration_id: UUID, credentials: Credentials) -> int:
        """One upsert, so racing puts (two connects of one account) serialize on the row:
        neither fails on the primary key, and each gets a version of its own."""
        sealed = self.cipher.encrypt(credentials_to_bytes(credentials))
        upsert = _dialect_insert(self.conn)(integration_credentials).values(
            integration_id=integration_id,
            ciphertext=sealed,
            version=1,
            updated_at=self.clock.now(),
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=[integration_credentials.c.integration_id],
            set_={
                "ciphertext": upsert.excluded.ciphertext,
                "version": integration_credentials.c.version + 1,
                "updated_at": upsert.excluded.updated_at,
            },
        ).returning(integration_credentials.c.version)
        return int(await self.conn.scalar(upsert) or 0)

    async def replace(
        self, integration_id: UUID, credentials: Credentials, expected_version: int
    ) -> bool:
        sealed = self.cipher.encrypt(credentials_to_bytes(credentials))
        result = await self.conn.execute(
            update(integration_credentials)
            .where(
                integration_credentials.c.integration_id == integration_id,
                integration_credentials.c.version == expected_version,
            )
            .values(ciphertext=sealed, version=expected_version + 1, updated_at=self.clock.now())
        )
        return bool(result.rowcount == 1)

    async def erase(self, integration_id: UUID) -> None:
        await self.conn.execute(
            delete(integration_credentials).where(
                integration_credentials.c.integration_id == integration_id
            )
        )
