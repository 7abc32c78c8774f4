"""Entities for contract tests, valid by default, with only what a test cares about named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from application.ports.credentials import Credentials
from application.ports.oauth_states import OAuthState
from application.ports.unit_of_work import UnitOfWork
from domain.integration import Integration, IntegrationStatus, IntegrationWarning, StatusReason
from domain.platform import Platform
from domain.workspace import ApiKey, Workspace, WorkspaceMode, hash_api_key

T0 = datetime(2026, 4, 16, 10, 22, 14, 123456, tzinfo=UTC)


def a_workspace(
    *, name: str = "acme", mode: WorkspaceMode = WorkspaceMode.LIVE, created_at: datetime = T0
) -> Workspace:
    return Workspace(id=uuid4(), name=name, mode=mode, created_at=created_at)


def a_key(workspace: Workspace, *, created_at: datetime = T0) -> ApiKey:
    plaintext = f"{workspace.mode.key_prefix}{uuid4().hex}"
    return ApiKey(
        id=uuid4(),
        workspace_id=workspace.id,
        prefix=plaintext[:12],
        key_hash=hash_api_key(plaintext),
        created_at=created_at,
    )


def an_integration(
    workspace_id: UUID,
    *,
    platform: Platform = Platform.TWITTER,
    platform_user_id: str | None = None,
    connected_at: datetime = T0,
    status: IntegrationStatus = IntegrationStatus.ACTIVE,
    status_reason: StatusReason | None = None,
    warnings: tuple[IntegrationWarning, ...] = (),
    id: UUID | None = None,
) -> Integration:
    user_id = platform_user_id or str(uuid4().int)[:19]
    return Integration(
        id=id or uuid4(),
        workspace_id=workspace_id,
        platform=platform,
        platform_user_id=user_id,
        username=f"user{user_id[:6]}",
        display_name="Some One",
        avatar_url="https://example.test/a.png",
        status=status,
        status_reason=status_reason,
        connected_at=connected_at,
        updated_at=connected_at,
        warnings=warnings,
    )


def a_state(
    workspace_id: UUID, *, created_at: datetime = T0, ttl: timedelta = timedelta(minutes=10)
) -> OAuthState:
    return OAuthState(
        state=uuid4().hex,
        workspace_id=workspace_id,
        platform=Platform.TWITTER,
        code_verifier="v" * 64,
        redirect_uri="http://127.0.0.1:8000/api/platforms/twitter/callback",
        created_at=created_at,
        expires_at=created_at + ttl,
    )


def some_credentials(tag: str = "one") -> Credentials:
    return Credentials(
        access_token=f"access-{tag}-SECRETVALUE",
        refresh_token=f"refresh-{tag}-SECRETVALUE",
        expires_at=datetime(2026, 4, 16, 12, 0, 0, 654321, tzinfo=UTC),
        refresh_expires_at=datetime(2026, 10, 16, 12, 0, 0, 1, tzinfo=UTC),
        scopes=("tweet.read", "tweet.write", "users.read", "offline.access"),
        password=f"pass-{tag}-SECRETVALUE",
        extra={"did": "did:plc:abc123", "pds": "https://pds.example.test"},
    )


async def committed_workspace(uow: UnitOfWork, **kwargs: object) -> Workspace:
    workspace = a_workspace(**kwargs)  # type: ignore[arg-type]
    async with uow:
        await uow.workspaces.add(workspace)
        await uow.commit()
    return workspace


async def committed_integration(
    uow: UnitOfWork, workspace_id: UUID, **kwargs: object
) -> Integration:
    integration = an_integration(workspace_id, **kwargs)  # type: ignore[arg-type]
    async with uow:
        await uow.integrations.add(integration)
        await uow.commit()
    return integration
