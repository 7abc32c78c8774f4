"""The HTTP schema: msgspec Structs for what goes over the wire, and their converters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from application import find_next_slot, start_connect
from domain import integration as domain

# What the contract names and how it types them: the OpenAPI document's schemas are these
# Structs under these names, so a generated client reads the contract's words.
Timestamp = Annotated[
    datetime,
    msgspec.Meta(description="RFC 3339, UTC, whole seconds.", examples=["2026-04-17T13:00:00Z"]),
]
Id = Annotated[UUID, msgspec.Meta(examples=["0195f1d2-7b9c-7a10-8c1e-2f4b6d8e9a01"])]
PlatformName = Literal[
    "twitter", "bluesky", "instagram", "youtube", "tiktok", "threads", "facebook", "linkedin"
]


def utc_seconds(moment: datetime) -> datetime:
    """The one timestamp format of the API: UTC, whole seconds (encoded with a `Z`)."""
    return moment.astimezone(UTC).replace(microsecond=0)


class Error(msgspec.Struct, omit_defaults=True):
    """Every refusal: a sentence, a machine-readable code, the request's id, and for a bad
    field `details.field` (its dotted path) and `details.reason`."""

    error: Annotated[str, msgspec.Meta(examples=["No resource with that ID in this workspace."])]
    code: Annotated[str, msgspec.Meta(examples=["not_found"])]
    request_id: str | None = None
    details: dict[str, str] | None = None


class Integration(msgspec.Struct):
    """A social account connected to a workspace."""

    id: Id
    platform: PlatformName
    username: Annotated[str, msgspec.Meta(examples=["openpost.bsky.social"])]
    display_name: str
    status: Literal["active", "needs_refresh", "disconnected"]
    status_reason: Literal["token_expired", "token_revoked", "disconnected_by_user"] | None
    avatar_url: str | None
    platform_user_id: str
    connected_at: Timestamp
    updated_at: Timestamp
    warnings: list[Literal["main_password_used", "media_scope_missing"]]


class IntegrationList(msgspec.Struct):
    data: list[Integration]
    has_more: bool


class OAuthConnect(msgspec.Struct):
    """Send the person to `url`; X redirects back to `redirect_uri` to finish."""

    auth_type: Literal["oauth"]
    url: str
    state: str
    code_verifier: str
    redirect_uri: str


class CredentialsConnect(msgspec.Struct):
    """POST `fields` (an identifier and an app password) to `url` to connect."""

    auth_type: Literal["credentials"]
    method: Literal["POST"]
    url: str
    fields: list[str]
    instructions: str


class Slot(msgspec.Struct):
    """The next free posting time of an integration."""

    date: Timestamp
    platform: PlatformName
    integration_id: Id


class Health(msgspec.Struct):
    status: Literal["ok"]


def integration_out(integration: domain.Integration) -> Integration:
    return Integration(
        id=integration.id,
        platform=integration.platform.value,
        username=integration.username,
        display_name=integration.display_name,
        status=integration.status.value,
        status_reason=integration.status_reason.value if integration.status_reason else None,
        avatar_url=integration.avatar_url,
        platform_user_id=integration.platform_user_id,
        connected_at=utc_seconds(integration.connected_at),
        updated_at=utc_seconds(integration.updated_at),
        warnings=[w.value for w in integration.warnings],
    )


def connect_out(
    result: start_connect.OAuthConnect | start_connect.CredentialsConnect,
) -> OAuthConnect | CredentialsConnect:
    if isinstance(result, start_connect.OAuthConnect):
        return OAuthConnect(
            auth_type="oauth",
            url=result.url,
            state=result.state,
            code_verifier=result.code_verifier,
            redirect_uri=result.redirect_uri,
        )
    return CredentialsConnect(
        auth_type="credentials",
        method="POST",
        url=result.url,
        fields=list(result.fields),
        instructions=result.instructions,
    )


def slot_out(slot: find_next_slot.Slot) -> Slot:
    return Slot(
        date=utc_seconds(slot.date),
        platform=slot.platform.value,
        integration_id=slot.integration_id,
    )
