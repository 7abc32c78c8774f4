"""OAuth states, in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy.integration_mappers import oauth_state_from_row
from adapters.persistence.sqlalchemy.tables import (
    oauth_states,
)
from application.ports.oauth_states import OAuthState, OAuthStateRepository


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
        return oauth_state_from_row(row) if row else None

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
        return oauth_state_from_row(row) if row else None

    async def purge_expired(self, now: datetime) -> int:
        result = await self.conn.execute(
            delete(oauth_states).where(oauth_states.c.expires_at <= now)
        )
        return int(result.rowcount or 0)
