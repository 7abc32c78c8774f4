"""SQLAlchemy Core repositories over one connection (the unit of work's transaction)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, delete, exists, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy import mappers
from adapters.persistence.sqlalchemy.locks import lock_rows
from adapters.persistence.sqlalchemy.tables import (
    BUSY_TARGET,
    api_keys,
    integration_credentials,
    integrations,
    oauth_states,
    post_targets,
    workspaces,
)
from application.errors import DuplicateIntegration
from application.ports.api_keys import ApiKeyRepository, Principal
from application.ports.busy_times import BusyTimeReader
from application.ports.clock import Clock
from application.ports.credentials import CredentialRepository, Credentials, StoredCredentials
from application.ports.integrations import IntegrationRepository
from application.ports.oauth_states import OAuthState, OAuthStateRepository
from application.ports.token_cipher import TokenCipher
from application.ports.workspaces import WorkspaceRepository
from domain.integration import Integration, IntegrationStatus
from domain.platform import Platform
from domain.workspace import ApiKey, Workspace, WorkspaceMode


class SqlAlchemyWorkspaceRepository(WorkspaceRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, workspace: Workspace) -> None:
        await self.conn.execute(
            insert(workspaces).values(
                id=workspace.id,
                name=workspace.name,
                mode=workspace.mode.value,
                created_at=workspace.created_at,
            )
        )

    async def get(self, workspace_id: UUID) -> Workspace | None:
        row = (
            (await self.conn.execute(select(workspaces).where(workspaces.c.id == workspace_id)))
            .mappings()
            .first()
        )
        return mappers.workspace_from_row(row) if row else None

    async def list(self) -> list[Workspace]:
        rows = await self.conn.execute(
            select(workspaces).order_by(workspaces.c.created_at, workspaces.c.id)
        )
        return [mappers.workspace_from_row(r) for r in rows.mappings()]

    async def exists_any(self) -> bool:
        return bool(await self.conn.scalar(select(exists().select_from(workspaces))))


class SqlAlchemyApiKeyRepository(ApiKeyRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, key: ApiKey) -> None:
        await self.conn.execute(
            insert(api_keys).values(
                id=key.id,
                workspace_id=key.workspace_id,
                prefix=key.prefix,
                key_hash=key.key_hash,
                created_at=key.created_at,
                revoked_at=key.revoked_at,
            )
        )

    async def get(self, key_id: UUID) -> ApiKey | None:
        row = (
            (await self.conn.execute(select(api_keys).where(api_keys.c.id == key_id)))
            .mappings()
            .first()
        )
        return mappers.api_key_from_row(row) if row else None

    async def find_by_hash(self, key_hash: str) -> ApiKey | None:
        row = (
            (await self.conn.execute(select(api_keys).where(api_keys.c.key_hash == key_hash)))
            .mappings()
            .first()
        )
        return mappers.api_key_from_row(row) if row else None

    async def principal_for(self, key_hash: str) -> Principal | None:
        row = (
            await self.conn.execute(
                select(api_keys.c.id, api_keys.c.workspace_id, workspaces.c.mode)
                .join(workspaces, workspaces.c.id == api_keys.c.workspace_id)
                .where(api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None))
            )
        ).first()
        if row is None:
            return None
        return Principal(key_id=row[0], workspace_id=row[1], workspace_mode=WorkspaceMode(row[2]))

    async def list_for_workspace(self, workspace_id: UUID) -> list[ApiKey]:
        rows = await self.conn.execute(
            select(api_keys)
            .where(api_keys.c.workspace_id == workspace_id)
            .order_by(api_keys.c.created_at, api_keys.c.id)
        )
        return [mappers.api_key_from_row(r) for r in rows.mappings()]

    async def revoke(self, key_id: UUID, now: datetime) -> None:
        await self.conn.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )


class SqlAlchemyIntegrationRepository(IntegrationRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, integration: Integration) -> None:
        try:
            async with self.conn.begin_nested():
                await self.conn.execute(
                    insert(integrations).values(mappers.integration_to_row(integration))
                )
        except IntegrityError as error:
            if "uq_integrations_account" in str(error.orig) or "UNIQUE" in str(error.orig):
                raise DuplicateIntegration(integration.platform_user_id) from error
            raise

    async def save(self, integration: Integration) -> None:
        row = mappers.integration_to_row(integration)
        del row["id"]
        await self.conn.execute(
            update(integrations).where(integrations.c.id == integration.id).values(row)
        )

    async def get(self, workspace_id: UUID, integration_id: UUID) -> Integration | None:
        row = (
            (
                await self.conn.execute(
                    select(integrations).where(
                        integrations.c.id == integration_id,
                        integrations.c.workspace_id == workspace_id,
                    )
                )
            )
            .mappings()
            .first()
        )
        return mappers.integration_from_row(row) if row else None

    async def get_any(self, integration_id: UUID) -> Integration | None:
        row = (
            (
                await self.conn.execute(
                    select(integrations).where(integrations.c.id == integration_id)
                )
            )
            .mappings()
            .first()
        )
        return mappers.integration_from_row(row) if row else None

    async def find_by_account(
        self, workspace_id: UUID, platform: Platform, platform_user_id: str
    ) -> Integration | None:
        row = (
            (
                await self.conn.execute(
                    select(integrations).where(
                        integrations.c.workspace_id == workspace_id,
                        integrations.c.platform == platform.value,
                        integrations.c.platform_user_id == platform_user_id,
                    )
                )
            )
            .mappings()
            .first()
        )
        return mappers.integration_from_row(row) if row else None

    async def list(
        self,
        workspace_id: UUID,
        statuses: Collection[IntegrationStatus],
        limit: int,
        starting_after: Integration | None = None,
    ) -> list[Integration]:
        query = select(integrations).where(
            integrations.c.workspace_id == workspace_id,
            integrations.c.status.in_([s.value for s in statuses]),
        )
        if starting_after is not None:
            at, last_id = starting_after.connected_at, starting_after.id
            query = query.where(
                or_(
                    integrations.c.connected_at < at,
                    and_(integrations.c.connected_at == at, integrations.c.id < last_id),
                )
            )
        query = query.order_by(integrations.c.connected_at.desc(), integrations.c.id.desc())
        rows = await self.conn.execute(query.limit(limit))
        return [mappers.integration_from_row(r) for r in rows.mappings()]


class SqlAlchemyOAuthStateRepository(OAuthStateRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, state: OAuthState) -> None:
        await self.conn.execute(
            insert(oauth_states).values(
                state=state.state,
                workspace_id=state.workspace_id,
                platform=state.platform.value,
                code_verifier=state.code_verifier,
                redirect_uri=state.redirect_uri,
                created_at=state.created_at,
                expires_at=state.expires_at,
            )
        )

    async def get(self, state: str) -> OAuthState | None:
        row = (
            (await self.conn.execute(select(oauth_states).where(oauth_states.c.state == state)))
            .mappings()
            .first()
        )
        return mappers.oauth_state_from_row(row) if row else None

    async def consume(self, state: str) -> OAuthState | None:
        row = (
            (
                await self.conn.execute(
                    delete(oauth_states)
                    .where(oauth_states.c.state == state)
                    .returning(*oauth_states.c)
                )
            )
            .mappings()
            .first()
        )
        return mappers.oauth_state_from_row(row) if row else None

    async def purge_expired(self, now: datetime) -> int:
        result = await self.conn.execute(
            delete(oauth_states).where(oauth_states.c.expires_at <= now)
        )
        return int(result.rowcount or 0)


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
        return StoredCredentials(mappers.credentials_from_bytes(plain), row[1])

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
        sealed = self.cipher.encrypt(mappers.credentials_to_bytes(credentials))
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
        sealed = self.cipher.encrypt(mappers.credentials_to_bytes(credentials))
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


class SqlAlchemyBusyTimeReader(BusyTimeReader):
    """Reads through the partial index `ix_post_targets_busy` (integration, scheduled_at)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def busy_times(
        self,
        integration_id: UUID,
        start: datetime,
        end: datetime,
        *,
        excluding_post: UUID | None = None,
    ) -> list[datetime]:
        query = select(post_targets.c.scheduled_at).where(
            post_targets.c.integration_id == integration_id,
            BUSY_TARGET,
            post_targets.c.scheduled_at >= start,
            post_targets.c.scheduled_at <= end,
        )
        if excluding_post is not None:
            query = query.where(post_targets.c.post_id != excluding_post)
        rows = await self.conn.execute(query)
        return [r[0] for r in rows]

    async def hold(self, integration_ids: Collection[UUID]) -> None:
        if integration_ids:
            await lock_rows(self.conn, integrations, integrations.c.id.in_(sorted(integration_ids)))
