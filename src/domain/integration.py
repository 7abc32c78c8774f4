"""The Integration entity: a social account connected to a workspace.

It owns its status. Every move goes through `_move`, which consults one explicit table
(`TRANSITIONS`); a move the table does not list raises `IllegalTransition`.
`updated_at` moves only when a field a client can see changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.errors import IllegalTransition, IntegrationDisconnected, MediaScopeMissing
from domain.platform import Platform


class IntegrationStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_REFRESH = "needs_refresh"
    DISCONNECTED = "disconnected"


class StatusReason(StrEnum):
    TOKEN_EXPIRED = "token_expired"
    TOKEN_REVOKED = "token_revoked"
    DISCONNECTED_BY_USER = "disconnected_by_user"


class Event(StrEnum):
    CONNECTED = "connected"
    CREDENTIALS_REJECTED = "credentials_rejected"
    DISCONNECT = "disconnect"


class IntegrationWarning(StrEnum):
    MAIN_PASSWORD_USED = "main_password_used"
    MEDIA_SCOPE_MISSING = "media_scope_missing"


_A, _N, _D = (
    IntegrationStatus.ACTIVE,
    IntegrationStatus.NEEDS_REFRESH,
    IntegrationStatus.DISCONNECTED,
)

# (from, event) -> to. A `None` target means "no change" (an allowed no-op).
TRANSITIONS: dict[tuple[IntegrationStatus, Event], IntegrationStatus | None] = {
    (_A, Event.CONNECTED): _A,
    (_N, Event.CONNECTED): _A,
    (_D, Event.CONNECTED): _A,
    (_A, Event.CREDENTIALS_REJECTED): _N,
    (_N, Event.CREDENTIALS_REJECTED): None,
    (_D, Event.CREDENTIALS_REJECTED): None,
    (_A, Event.DISCONNECT): _D,
    (_N, Event.DISCONNECT): _D,
    (_D, Event.DISCONNECT): None,
}


@dataclass(frozen=True, slots=True)
class Profile:
    """What the platform says about the account at connect time."""

    platform_user_id: str
    username: str
    display_name: str
    avatar_url: str | None = None


@dataclass(slots=True)
class Integration:
    id: UUID
    workspace_id: UUID
    platform: Platform
    platform_user_id: str
    username: str
    display_name: str
    avatar_url: str | None
    status: IntegrationStatus
    status_reason: StatusReason | None
    connected_at: datetime
    updated_at: datetime
    warnings: tuple[IntegrationWarning, ...] = field(default=())

    @classmethod
    def connect(
        cls,
        *,
        id: UUID,
        workspace_id: UUID,
        platform: Platform,
        profile: Profile,
        now: datetime,
        warnings: tuple[IntegrationWarning, ...] = (),
    ) -> Integration:
        """A new account connected for the first time in this workspace."""
        return cls(
            id=id,
            workspace_id=workspace_id,
            platform=platform,
            platform_user_id=profile.platform_user_id,
            username=profile.username,
            display_name=profile.display_name,
            avatar_url=profile.avatar_url,
            status=IntegrationStatus.ACTIVE,
            status_reason=None,
            connected_at=now,
            updated_at=now,
            warnings=warnings,
        )

    def reconnect(
        self, profile: Profile, now: datetime, warnings: tuple[IntegrationWarning, ...] = ()
    ) -> None:
        """The same platform account connected again: active, same id, fresh profile."""
        if profile.platform_user_id != self.platform_user_id:
            raise ValueError("reconnect must be for the same platform account")
        self._move(Event.CONNECTED, None, now)
        self._set(
            now,
            username=profile.username,
            display_name=profile.display_name,
            avatar_url=profile.avatar_url,
            warnings=warnings,
            connected_at=now,
        )

    def credentials_rejected(self, reason: StatusReason, now: datetime) -> None:
        """The platform refused the stored credentials for good; the user must reconnect."""
        if reason not in (StatusReason.TOKEN_EXPIRED, StatusReason.TOKEN_REVOKED):
            raise ValueError(f"{reason} is not a credential rejection")
        self._move(Event.CREDENTIALS_REJECTED, reason, now)

    def disconnect(self, now: datetime) -> None:
        """The user disconnected the account. Idempotent."""
        self._move(Event.DISCONNECT, StatusReason.DISCONNECTED_BY_USER, now)

    def ensure_usable(self) -> None:
        """Scheduling and slot-finding need an integration that is not disconnected."""
        if self.status is IntegrationStatus.DISCONNECTED:
            raise IntegrationDisconnected(str(self.id))

    def ensure_can_post_media(self, field: str = "integrations") -> None:
        """Media needs the platform's permission to upload it (X's `media.write`); an
        account connected without it must be connected again first."""
        if IntegrationWarning.MEDIA_SCOPE_MISSING in self.warnings:
            raise MediaScopeMissing(str(self.id), field)

    @property
    def is_disconnected(self) -> bool:
        return self.status is IntegrationStatus.DISCONNECTED

    def _move(self, event: Event, reason: StatusReason | None, now: datetime) -> None:
        key = (self.status, event)
        if key not in TRANSITIONS:
            raise IllegalTransition(self.status.value, event.value)
        target = TRANSITIONS[key]
        if target is None:
            return
        self._set(now, status=target, status_reason=reason)

    def _set(self, now: datetime, **changes: object) -> None:
        before = replace(self)
        for name, value in changes.items():
            setattr(self, name, value)
        if before != self:
            self.updated_at = now


@dataclass(frozen=True, slots=True)
class Connection:
    """What connecting an account came to: its integration, and whether that integration
    already existed and was reactivated (same id) rather than created."""

    integration: Integration
    reactivated: bool


def connect_account(
    existing: Integration | None,
    *,
    new_id: Callable[[], UUID],
    workspace_id: UUID,
    platform: Platform,
    profile: Profile,
    now: datetime,
    warnings: tuple[IntegrationWarning, ...] = (),
) -> Connection:
    """Connect or reactivate: the account's integration in the workspace, found by the
    platform's user id (`existing`), is reactivated whatever its status (same id, fresh
    profile, active); with none, a new integration is made under `new_id()`."""
    if existing is None:
        integration = Integration.connect(
            id=new_id(),
            workspace_id=workspace_id,
            platform=platform,
            profile=profile,
            now=now,
            warnings=warnings,
        )
        return Connection(integration, reactivated=False)
    if existing.workspace_id != workspace_id or existing.platform is not platform:
        raise ValueError("only the workspace's own integration of the platform reactivates")
    existing.reconnect(profile, now, warnings)
    return Connection(existing, reactivated=True)
