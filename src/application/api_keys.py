"""Creating, listing and revoking API keys; the key itself is shown once and stored hashed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from uuid import UUID

from application.errors import UnknownApiKey, UnknownWorkspace
from application.ports.clock import Clock
from application.ports.ids import IdGenerator
from application.ports.unit_of_work import UnitOfWork
from domain.workspace import (
    KEY_BODY_LENGTH,
    KEY_PREFIX_LENGTH,
    ApiKey,
    WorkspaceMode,
    hash_api_key,
    looks_like_api_key,
)


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: ApiKey
    plaintext: str = field(repr=False)  # shown once, to its owner; never in a log


def new_key_text(mode: WorkspaceMode) -> str:
    body = secrets.token_urlsafe(KEY_BODY_LENGTH)[:KEY_BODY_LENGTH]
    return mode.key_prefix + body


def issue_key(workspace_id: UUID, mode: WorkspaceMode, ids: IdGenerator, clock: Clock) -> IssuedKey:
    plaintext = new_key_text(mode)
    key = ApiKey(
        id=ids.new_id(),
        workspace_id=workspace_id,
        prefix=plaintext[:KEY_PREFIX_LENGTH],
        key_hash=hash_api_key(plaintext),
        created_at=clock.now(),
    )
    return IssuedKey(key=key, plaintext=plaintext)


class CreateApiKey:
    def __init__(self, uow: UnitOfWork, ids: IdGenerator, clock: Clock) -> None:
        self.uow, self.ids, self.clock = uow, ids, clock

    async def execute(self, workspace_id: UUID) -> IssuedKey:
        async with self.uow:
            workspace = await self.uow.workspaces.get(workspace_id)
            if workspace is None:
                raise UnknownWorkspace(str(workspace_id))
            issued = issue_key(workspace.id, workspace.mode, self.ids, self.clock)
            await self.uow.api_keys.add(issued.key)
            await self.uow.commit()
        return issued


class ListApiKeys:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(self, workspace_id: UUID) -> list[ApiKey]:
        async with self.uow:
            if await self.uow.workspaces.get(workspace_id) is None:
                raise UnknownWorkspace(str(workspace_id))
            return await self.uow.api_keys.list_for_workspace(workspace_id)


class RevokeApiKey:
    """Revokes a key named by its id or by the key itself. Revoking twice is fine."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    async def execute(self, key_or_id: str) -> ApiKey:
        async with self.uow:
            key = await self._find(key_or_id)
            if key is None:
                raise UnknownApiKey(key_or_id[:KEY_PREFIX_LENGTH])
            if not key.is_revoked:
                now = self.clock.now()
                await self.uow.api_keys.revoke(key.id, now)
                await self.uow.commit()
                key = replace(key, revoked_at=now)
        return key

    async def _find(self, key_or_id: str) -> ApiKey | None:
        if looks_like_api_key(key_or_id):
            return await self.uow.api_keys.find_by_hash(hash_api_key(key_or_id))
        try:
            key_id = UUID(key_or_id)
        except ValueError:
            return None
        return await self.uow.api_keys.get(key_id)
