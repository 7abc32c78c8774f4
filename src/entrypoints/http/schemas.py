"""The HTTP schema: msgspec Structs for what goes over the wire, and their converters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import msgspec

from application.find_next_slot import Slot
from application.start_connect import CredentialsConnect, OAuthConnect
from domain.integration import Integration


def rfc3339(moment: datetime | None) -> str | None:
    """UTC, whole seconds, with a `Z`: the one timestamp format of the API. (Formatted by
    hand: `strftime` costs several times more, and a list answer holds dozens of these.)"""
    if moment is None:
        return None
    t = moment.astimezone(UTC)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"


class ErrorBody(msgspec.Struct, omit_defaults=True):
    error: str
    code: str
    request_id: str | None = None
    details: dict[str, str] | None = None


class IntegrationOut(msgspec.Struct):
    id: str
    platform: str
    username: str
    display_name: str
    status: Literal["active", "needs_refresh", "disconnected"]
    status_reason: str | None
    avatar_url: str | None
    platform_user_id: str
    connected_at: str
    updated_at: str
    warnings: list[str]


class IntegrationList(msgspec.Struct):
    data: list[IntegrationOut]
    has_more: bool


class OAuthConnectOut(msgspec.Struct):
    auth_type: Literal["oauth"]
    url: str
    state: str
    code_verifier: str
    redirect_uri: str


class CredentialsConnectOut(msgspec.Struct):
    auth_type: Literal["credentials"]
    method: Literal["POST"]
    url: str
    fields: list[str]
    instructions: str


class SlotOut(msgspec.Struct):
    date: str
    platform: str
    integration_id: str


class Health(msgspec.Struct):
    status: str


def integration_out(integration: Integration) -> IntegrationOut:
    return IntegrationOut(
        id=str(integration.id),
        platform=integration.platform.value,
        username=integration.username,
        display_name=integration.display_name,
        status=integration.status.value,
        status_reason=integration.status_reason.value if integration.status_reason else None,
        avatar_url=integration.avatar_url,
        platform_user_id=integration.platform_user_id,
        connected_at=rfc3339(integration.connected_at) or "",
        updated_at=rfc3339(integration.updated_at) or "",
        warnings=[w.value for w in integration.warnings],
    )


def connect_out(
    result: OAuthConnect | CredentialsConnect,
) -> OAuthConnectOut | CredentialsConnectOut:
    if isinstance(result, OAuthConnect):
        return OAuthConnectOut(
            auth_type="oauth",
            url=result.url,
            state=result.state,
            code_verifier=result.code_verifier,
            redirect_uri=result.redirect_uri,
        )
    return CredentialsConnectOut(
        auth_type="credentials",
        method="POST",
        url=result.url,
        fields=list(result.fields),
        instructions=result.instructions,
    )


def slot_out(slot: Slot) -> SlotOut:
    return SlotOut(
        date=rfc3339(slot.date) or "",
        platform=slot.platform.value,
        integration_id=str(slot.integration_id),
    )
